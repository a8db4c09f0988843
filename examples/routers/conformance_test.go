package routers

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/maintgen/maintgen/examples/routers/maintenance"
)

func TestMain(m *testing.M) {
	// gin prints every route it registers in debug mode.
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// setups are the recipes under test, in the order of the report.
var setups = []struct {
	name  string
	build func(*maintenance.Guard) http.Handler
}{
	{"ServeMux", ServeMux},
	{"chi", Chi},
	{"chi+CleanPath", ChiCleanPath},
	{"chi+StripSlashes", ChiStripSlashes},
	{"ServeMux>chi", ServeMuxChi},
	{"gorilla/mux", GorillaMux},
	{"gorilla/mux+UseEncodedPath", GorillaMuxEncodedPath},
	{"gorilla/mux+SkipClean", GorillaMuxSkipClean},
	{"echo", Echo},
	{"echo+RemoveTrailingSlash", EchoRemoveTrailingSlash},
	{"gin", Gin},
	{"gin+UseRawPath", GinRawPath},
	{"gin+RemoveExtraSlash", GinRemoveExtraSlash},
}

// newGuard returns a guard whose mode is on or off, through Config.State.
func newGuard(on bool) *maintenance.Guard {
	return maintenance.New(maintenance.Config{
		State: func(context.Context) (bool, error) { return on, nil },
	})
}

// readRequest turns the request target into the request net/http's
// server would hand its handler, or returns the error for which the
// server would refuse it.
func readRequest(target string) (*http.Request, error) {
	raw := "GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		return nil, err
	}
	r.RemoteAddr = "192.0.2.1:1234"
	return r, nil
}

// serve serves r through h and returns the response, with the route that
// ran in its RouteHeader ("" when no route ran).
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r.Clone(context.Background())) // routers may rewrite the request
	return w
}

// maxReported is how many failing targets are listed per setup, mode and
// kind of failure; the counts cover them all.
const maxReported = 15

// corpusStride thins the corpus under the race detector, which makes
// serving several times slower (the whole corpus takes about 30 s of CPU
// there, 10 s without): under -race, as make test runs it, every
// corpusStride-th target and every named target run, unless
// MAINTGEN_CONFORMANCE=full asks for the whole corpus. Without -race the
// whole corpus runs.
const corpusStride = 4

// testTargets returns the targets that this run serves.
func testTargets(t *testing.T) []string {
	all := corpus()
	if !raceEnabled || os.Getenv("MAINTGEN_CONFORMANCE") == "full" {
		return all
	}
	var out []string
	for i, s := range all {
		if i%corpusStride == 0 || slices.Contains(namedTargets, s) {
			out = append(out, s)
		}
	}
	t.Logf("race detector on: %d of the %d targets (every %dth and the named ones); MAINTGEN_CONFORMANCE=full runs them all", len(out), len(all), corpusStride)
	return out
}

// liveness maps a few canonical targets to the route they must run, with
// the mode on and off.
var liveness = map[bool]map[string]string{
	true:  {"/healthz": RouteHealthz, "/static/app.js": RouteStatic},
	false: {"/healthz": RouteHealthz, "/static/app.js": RouteStatic, "/": RouteHome, "/about": RoutePage, "/blog/hello": RouteBlog, "/acme/a/b": RouteTenant},
}

// TestConformance serves every target of the corpus through every recipe,
// with the mode on and off, and checks the guard's promise, whatever the
// router behind it:
//
//   - a request the guard exempted by path runs an exempt route or none;
//     with the mode on, any route that runs at all is an exempt route;
//   - no forced route ever runs, mode on or off.
func TestConformance(t *testing.T) {
	for _, s := range namedTargets {
		if _, err := readRequest(s); err != nil {
			t.Fatalf("named target %q: %v", s, err)
		}
	}
	type target struct {
		raw string
		r   *http.Request
	}
	var targets []target
	rejected := 0
	for _, s := range testTargets(t) {
		r, err := readRequest(s)
		if err != nil {
			rejected++ // the server answers 400 and calls no handler
			continue
		}
		targets = append(targets, target{s, r})
	}
	modes := []bool{true, false}
	guards := map[bool]*maintenance.Guard{true: newGuard(true), false: newGuard(false)}
	// Decide once per target and mode: the decision does not depend on
	// the router.
	exempted := map[bool][]bool{}
	for _, on := range modes {
		ex := make([]bool, len(targets))
		for i, tg := range targets {
			ex[i] = guards[on].Decide(tg.r).Step == maintenance.StepExemptPaths
		}
		exempted[on] = ex
	}
	start := time.Now()
	var summary []string
	for _, st := range setups {
		t.Run(strings.ReplaceAll(st.name, "/", "_"), func(t *testing.T) {
			for _, on := range modes {
				h := st.build(guards[on])
				var exemptFails, onFails, forcedFails []string
				passed := 0
				for i, tg := range targets {
					w := serve(h, tg.r)
					ran := w.Header().Get(RouteHeader)
					if ran == "" {
						continue
					}
					passed++
					switch {
					case slices.Contains(ForcedRoutes, ran):
						forcedFails = append(forcedFails, fmt.Sprintf("%s ran %s", tg.raw, ran))
					case slices.Contains(ExemptRoutes, ran):
					case exempted[on][i]:
						exemptFails = append(exemptFails, fmt.Sprintf("%s (exempt by path, path %q) ran %s", tg.raw, tg.r.URL.Path, ran))
					case on:
						onFails = append(onFails, fmt.Sprintf("%s ran %s", tg.raw, ran))
					}
				}
				mode := map[bool]string{true: "on", false: "off"}[on]
				// The recipe works at all: a vacuous pass proves nothing.
				for target, want := range liveness[on] {
					r, _ := readRequest(target)
					if got := serve(h, r).Header().Get(RouteHeader); got != want {
						t.Errorf("mode %s: %s ran %q, want %q", mode, target, got, want)
					}
				}
				report(t, mode, "exempted by path but ran a non-exempt route", exemptFails)
				report(t, mode, "ran a non-exempt route with the mode on", onFails)
				report(t, mode, "ran a forced route", forcedFails)
				line := fmt.Sprintf("%-28s mode %-3s: %5d of %d targets reached a route; %4d exempt mismatches, %4d forced routes reached",
					st.name, mode, passed, len(targets), len(exemptFails)+len(onFails), len(forcedFails))
				t.Log(line)
				summary = append(summary, line)
			}
		})
	}
	t.Logf("summary:\n%s", strings.Join(summary, "\n"))
	t.Logf("%d targets (%d more refused by the server) x %d setups x %d modes = %d requests in %v",
		len(targets), rejected, len(setups), len(modes), len(targets)*len(setups)*len(modes), time.Since(start).Round(time.Millisecond))
}

// report fails t with the count of the failures and the first
// maxReported of them.
func report(t *testing.T, mode, what string, fails []string) {
	t.Helper()
	if len(fails) == 0 {
		return
	}
	// The named targets first, then the others in corpus order.
	named := func(f string) bool { return slices.Contains(namedTargets, strings.Fields(f)[0]) }
	slices.SortStableFunc(fails, func(a, b string) int {
		switch na, nb := named(a), named(b); {
		case na && !nb:
			return -1
		case nb && !na:
			return 1
		}
		return 0
	})
	shown := fails[:min(len(fails), maxReported)]
	t.Errorf("mode %s: %d targets %s, among them:\n\t%s", mode, len(fails), what, strings.Join(shown, "\n\t"))
}

// TestLoopback checks that the in-process requests of TestConformance
// are the ones a real server hands its handler: it sends a handful of
// targets over a raw TCP connection to a loopback server running the chi
// recipe and compares each response's status and route with serving the
// request made by readRequest in process (a target readRequest refuses
// must get 400 from the server).
func TestLoopback(t *testing.T) {
	targets := []string{
		"/healthz", "/%68ealthz", "/blog/hello/../../healthz", "/checkout/../cart",
		"/pay/", "/static/app.js", "/static/%2e%2e/pay", "//healthz", "/x/orders",
		"http://example.com/healthz", "/healthz;x", "/%zz", "/healthz%", "/x/.. /healthz",
	}
	for _, on := range []bool{true, false} {
		h := Chi(newGuard(on))
		srv := httptest.NewServer(h)
		for _, target := range targets {
			status, route := rawGet(t, srv.Listener.Addr().String(), target)
			r, err := readRequest(target)
			if err != nil {
				if status != http.StatusBadRequest {
					t.Errorf("mode on=%v: %q: readRequest refuses it (%v), the server answered %d", on, target, err, status)
				}
				continue
			}
			w := serve(h, r)
			if status != w.Code || route != w.Header().Get(RouteHeader) {
				t.Errorf("mode on=%v: %q: over TCP %d route %q, in process %d route %q",
					on, target, status, route, w.Code, w.Header().Get(RouteHeader))
			}
		}
		srv.Close()
	}
}

// rawGet sends a GET of target, as written, to addr over a new
// connection and returns the response's status and route.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", target, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get(RouteHeader)
}
