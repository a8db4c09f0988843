package proxyconf

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/statefile"
)

// TestWorkerConstants holds the constants of the Worker's runtime, which
// keeps its own copies (it is JavaScript), to their homes in Go.
func TestWorkerConstants(t *testing.T) {
	want := map[string]string{
		"BYPASS_COOKIE":      strconv.Quote(interp.BypassCookie),
		"MIN_BYPASS_SECRET":  strconv.Itoa(interp.MinBypassSecret),
		"BYPASS_SKEW":        strconv.Itoa(int(interp.BypassClockSkew / time.Second)),
		"MAX_BYPASS_COOKIES": strconv.Itoa(interp.MaxBypassCookies),
		"MAX_STATE":          strconv.Itoa(statefile.MaxSize),
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^const ([A-Z_]+) = ("[^"]*"|[0-9]+);`).FindAllStringSubmatch(workerRuntime, -1) {
		got[m[1]] = m[2]
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("worker.js: const %s = %s, want %s", name, got[name], v)
		}
	}
}
