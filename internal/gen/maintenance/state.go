//go:build !maintgen_no_state

// The state section: the env var and the on/off words it shares with the
// state file.

package maintenance

import (
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// readEnv reads the policy's environment variable: when it is set and
// non-empty it decides for the Guard's lifetime, and readEnv stores the
// mode and reports true.
func (g *Guard) readEnv() bool {
	v := os.Getenv(stateEnv)
	if stateEnv == "" || v == "" {
		return false
	}
	w := uint32(stateLoaded)
	if parseState(v) {
		w |= stateOn
	}
	g.word.Store(w)
	if _, ok := parseWord(v); !ok {
		g.warn("maintenance: the state environment variable holds neither on nor off; using state.fallback",
			slog.String("env", stateEnv), slog.String("value", quoteShort(v)), slog.Bool("fallback", stateFallback))
	}
	return true
}

// parseState reads an on/off word: on, off, 1, 0, true or false, in any
// case, surrounding whitespace ignored. Any other text means stateFallback.
func parseState(s string) bool {
	if on, ok := parseWord(s); ok {
		return on
	}
	return stateFallback
}

// parseWord reads an on/off word: on, off, 1, 0, true or false, in any
// case, surrounding whitespace ignored. ok is false for any other text.
func parseWord(s string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "1", "true":
		return true, true
	case "off", "0", "false":
		return false, true
	}
	return false, false
}

// quoteShort quotes at most the first 64 bytes of s, for a log record.
func quoteShort(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "..."
	}
	return strconv.Quote(s)
}
