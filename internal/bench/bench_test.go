// The race detector makes these tests six times slower (the 100k-rule
// guard above all) and has nothing to check in them: they start no
// goroutine. make test runs them without it (go test ./internal/bench/...).

//go:build !race

package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/bench/ip10"
	"github.com/maintgen/maintgen/internal/bench/ip10file"
	"github.com/maintgen/maintgen/internal/bench/ip1k"
	"github.com/maintgen/maintgen/internal/bench/path10"
	"github.com/maintgen/maintgen/internal/bench/path1k"
	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
)

// guard is a generated guard: its Wrap, and its decision.
type guard struct {
	wrap   func(next http.Handler) http.Handler
	decide func(r *http.Request) bool // pass?
}

// newGuards are the constructors of the generated guards, by Size name.
// The uncommitted ip100k is added by ip100k_test.go, built with -tags
// ip100k.
var newGuards = map[string]func() guard{
	"ip10": func() guard {
		g := ip10.New(ip10.Config{})
		return guard{g.Wrap, func(r *http.Request) bool { return g.Decide(r).Pass }}
	},
	"ip1k": func() guard {
		g := ip1k.New(ip1k.Config{})
		return guard{g.Wrap, func(r *http.Request) bool { return g.Decide(r).Pass }}
	},
	"path10": func() guard {
		g := path10.New(path10.Config{})
		return guard{g.Wrap, func(r *http.Request) bool { return g.Decide(r).Pass }}
	},
	"path1k": func() guard {
		g := path1k.New(path1k.Config{})
		return guard{g.Wrap, func(r *http.Request) bool { return g.Decide(r).Pass }}
	},
	"ip10file": func() guard {
		g := ip10file.New(ip10file.Config{})
		return guard{g.Wrap, func(r *http.Request) bool { return g.Decide(r).Pass }}
	},
}

// built returns the Sizes whose guards this test binary holds: all but
// the uncommitted ones, unless built with their tags. A committed Size
// without a guard is an error.
func built(tb testing.TB) []Size {
	tb.Helper()
	var sizes []Size
	for _, s := range Sizes {
		switch _, ok := newGuards[s.Name]; {
		case ok:
			sizes = append(sizes, s)
		case s.Uncommitted:
			if _, isBench := tb.(*testing.B); isBench {
				tb.Logf("%s left out: make bench generates its guard and builds with -tags %s", s.Name, s.Name)
			}
		default:
			tb.Fatalf("no guard for %s in newGuards", s.Name)
		}
	}
	return sizes
}

// newGuard builds the generated guard of s with the mode on or off: it
// sets the BENCH_MAINTENANCE env var, which New reads once, or, for a
// policy with a state file, changes to a temporary directory and writes
// the file there, which the guard reads at its first request and then
// re-reads every state.poll (2s).
func newGuard(tb testing.TB, s Size, on bool) guard {
	tb.Helper()
	state := "off"
	if on {
		state = "on"
	}
	if s.StateFile != "" {
		tb.Chdir(tb.TempDir())
		if err := os.WriteFile(s.StateFile, []byte(state+"\n"), 0o644); err != nil {
			tb.Fatal(err)
		}
	} else {
		tb.Setenv("BENCH_MAINTENANCE", state)
	}
	newGuard, ok := newGuards[s.Name]
	if !ok {
		tb.Fatalf("no guard for %s", s.Name)
	}
	return newGuard()
}

// kinds are the requests the benchmarks send to the guard of s. A guard
// reading a state file is measured with the mode off only: with the mode
// on it decides as the same policy reading the env var does.
func kinds(s Size) []string {
	if s.StateFile != "" {
		return []string{"off"}
	}
	return []string{"exempt", "blocked", "off"}
}

// interpreter is the reference interpreter as a handler.
type interpreter struct {
	p    *policy.Policy
	on   bool
	next http.Handler
}

func (h *interpreter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := interp.Evaluate(h.p, interp.Request{
		Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, RemoteAddr: r.RemoteAddr,
		XForwardedFor: r.Header["X-Forwarded-For"], Accept: r.Header["Accept"], AcceptLanguage: r.Header["Accept-Language"],
		On: h.on,
	})
	if d.Pass {
		if h.on {
			// As the guard does, for Active.
			r = r.WithContext(context.WithValue(r.Context(), activeKey{}, true))
		}
		h.next.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Retry-After", "3600")
	w.WriteHeader(d.Status)
}

type activeKey struct{}

// discard is a reusable ResponseWriter, so that the benchmarks measure
// the handlers and not the recorder.
type discard struct {
	h      http.Header
	status int
}

func (w *discard) Header() http.Header               { return w.h }
func (w *discard) Write(b []byte) (int, error)       { return len(b), nil }
func (w *discard) WriteString(s string) (int, error) { return len(s), nil }
func (w *discard) WriteHeader(status int)            { w.status = status }
func (w *discard) reset()                            { clear(w.h); w.status = 0 }
func newDiscard() *discard                           { return &discard{h: make(http.Header, 8)} }
func okHandler() http.Handler                        { return http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}) }
func constant(on bool) func() bool                   { return func() bool { return on } }
func parsePolicy(tb testing.TB, s Size) *policy.Policy {
	tb.Helper()
	return mustParse(tb, Synthetic(s))
}

func mustParse(tb testing.TB, src []byte) *policy.Policy {
	tb.Helper()
	p, err := policy.Parse("policy.yaml", src)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// requests returns the benchmark's requests for s: one an exempt rule
// lets through (the last rule, the naive baseline's worst case), and one
// that nothing exempts.
func requests(s Size) (exempt, blocked *http.Request) {
	blocked = httptest.NewRequest("GET", "/nothing/here", nil)
	blocked.RemoteAddr = "203.0.113.9:41000"
	if strings.HasPrefix(s.Name, "path") {
		rules := PathRules(s)
		p := rules[len(rules)-1]
		if strings.HasSuffix(p, "/") {
			p += "x"
		}
		exempt = httptest.NewRequest("GET", p, nil)
		exempt.RemoteAddr = blocked.RemoteAddr
		return exempt, blocked
	}
	rules := IPRules(s)
	addr, _, _ := strings.Cut(rules[len(rules)-1], "/")
	if strings.Contains(addr, ":") {
		addr = "[" + addr + "1]" // an address inside the /64
	}
	exempt = httptest.NewRequest("GET", "/nothing/here", nil)
	exempt.RemoteAddr = addr + ":41000"
	return exempt, blocked
}

// TestBenchRequests checks that every implementation decides the
// benchmark requests as intended, so that the benchmarks measure what
// they claim to.
func TestBenchRequests(t *testing.T) {
	for _, s := range built(t) {
		exempt, blocked := requests(s)
		p := parsePolicy(t, s)
		for _, on := range []bool{true, false} {
			g := newGuard(t, s, on)
			for _, tc := range []struct {
				name string
				r    *http.Request
				pass bool
			}{{"exempt", exempt, true}, {"blocked", blocked, !on}} {
				for impl, h := range map[string]http.Handler{
					"guard":       g.wrap(okHandler()),
					"interpreter": &interpreter{p, on, okHandler()},
					"naive":       NewNaive(s, constant(on), okHandler()),
				} {
					w := newDiscard()
					h.ServeHTTP(w, tc.r)
					if pass := w.status == 0; pass != tc.pass {
						t.Errorf("%s/%s/on=%t/%s: pass %t, want %t", s.Name, impl, on, tc.name, pass, tc.pass)
					}
				}
				if g.decide(tc.r) != tc.pass {
					t.Errorf("%s/on=%t/%s: Decide disagrees", s.Name, on, tc.name)
				}
			}
		}
	}
}

// TestDecideAllocs asserts that the generated guard's decision allocates
// nothing, at every size and for every kind of request.
func TestDecideAllocs(t *testing.T) {
	for _, s := range built(t) {
		exempt, blocked := requests(s)
		for _, on := range []bool{true, false} {
			g := newGuard(t, s, on)
			for _, r := range []*http.Request{exempt, blocked} {
				if n := testing.AllocsPerRun(100, func() { g.decide(r) }); n != 0 {
					t.Errorf("%s on=%t %s: Decide made %v allocations, want 0", s.Name, on, r.RemoteAddr, n)
				}
			}
		}
	}
}

// BenchmarkServe compares, on the same policies and requests: the
// generated guard, the reference interpreter, the naive baseline and a
// bare handler (the floor), for an exempt request, a blocked request and
// a request while the mode is off. The naive baseline checks a constant
// for the mode, whatever the guard reads it from (env var, or state file
// for ip10file).
func BenchmarkServe(b *testing.B) {
	for _, s := range built(b) {
		exempt, blocked := requests(s)
		p := parsePolicy(b, s)
		for _, kind := range kinds(s) {
			r, on := blocked, kind != "off"
			if kind == "exempt" {
				r = exempt
			}
			impls := []struct {
				name string
				h    func(testing.TB) http.Handler
			}{
				{"guard", func(tb testing.TB) http.Handler { return newGuard(tb, s, on).wrap(okHandler()) }},
				{"interpreter", func(testing.TB) http.Handler { return &interpreter{p, on, okHandler()} }},
				{"naive", func(testing.TB) http.Handler { return NewNaive(s, constant(on), okHandler()) }},
				{"bare", func(testing.TB) http.Handler { return okHandler() }},
			}
			for _, impl := range impls {
				b.Run("policy="+s.Name+"/impl="+impl.name+"/req="+kind, func(b *testing.B) {
					h := impl.h(b)
					w := newDiscard()
					b.ReportAllocs()
					for b.Loop() {
						w.reset()
						h.ServeHTTP(w, r)
					}
				})
			}
		}
	}
}

// BenchmarkDecide measures the generated guard's decision alone.
func BenchmarkDecide(b *testing.B) {
	for _, s := range built(b) {
		exempt, blocked := requests(s)
		for _, kind := range kinds(s) {
			r, on := blocked, kind != "off"
			if kind == "exempt" {
				r = exempt
			}
			b.Run("policy="+s.Name+"/req="+kind, func(b *testing.B) {
				g := newGuard(b, s, on)
				b.ReportAllocs()
				for b.Loop() {
					g.decide(r)
				}
			})
		}
	}
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}
