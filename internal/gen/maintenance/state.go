//go:build !maintgen_no_state

// The state section: the env var.

package maintenance

import (
	"log/slog"
	"os"
	"strconv"
)

// readEnv reads the policy's environment variable: when it is set and
// non-empty it decides for the Guard's lifetime, and readEnv stores the
// mode and reports true. It holds a mode word: on, off or read-only.
func (g *Guard) readEnv() bool {
	v := os.Getenv(stateEnv)
	if stateEnv == "" || v == "" {
		return false
	}
	s := fallbackSetting()
	if m, ok := parseMode(v); ok {
		s = &Setting{Mode: m}
	} else {
		g.warn("maintenance: the state environment variable holds neither on, off nor read-only; using state.fallback",
			slog.String("env", stateEnv), slog.String("value", quoteShort(v)), slog.Bool("fallback", stateFallback))
	}
	g.set.Store(s)
	g.word.Store(stateLoaded | s.bits(g.now()))
	return true
}

// quoteShort quotes at most the first 64 bytes of s, for a log record.
func quoteShort(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "..."
	}
	return strconv.Quote(s)
}
