package maintenance

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
)

// The fuzz targets of the runtime's parsers: client-IP extraction, path
// cleaning and matching, and Accept and Accept-Language negotiation. Each
// compares the runtime with the reference interpreter (interp.Evaluate's
// helpers) on policy.yaml, and checks a safety property of its own. Their
// seed corpora are in testdata/fuzz/<target>/, which plain go test runs;
// make fuzz runs each target for a bounded time.

var (
	fuzzPolicyOnce sync.Once
	fuzzPolicy     *policy.Policy
	fuzzPolicyErr  error
)

// interpreter returns policy.yaml, the policy behind tables_gen.go, as the
// interpreter reads it.
func interpreter(tb testing.TB) *policy.Policy {
	tb.Helper()
	fuzzPolicyOnce.Do(func() {
		src, err := os.ReadFile("policy.yaml")
		if err != nil {
			fuzzPolicyErr = err
			return
		}
		fuzzPolicy, fuzzPolicyErr = policy.Parse("policy.yaml", src)
	})
	if fuzzPolicyErr != nil {
		tb.Fatal(fuzzPolicyErr)
	}
	return fuzzPolicy
}

// lines splits s into header lines at newlines; "" is no line at all.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// FuzzClientIP checks client-IP extraction: the result is a valid address
// without zone and never IPv4-mapped (IPv4 is unmapped), or none; it is
// the interpreter's (interp.ClientIP); and a peer that is not a proxy is
// the client whatever the forwarding headers say. remoteAddr is
// r.RemoteAddr; xff holds X-Forwarded-For lines separated by newlines.
func FuzzClientIP(f *testing.F) {
	p := interpreter(f)
	for _, s := range [][2]string{
		{"203.0.113.7:41000", ""},
		{"203.0.113.7:41000", "127.0.0.1"},
		{"10.1.0.1:443", "127.0.0.1, 198.51.100.9"},
		{"10.1.0.1:443", "198.51.100.9\n10.1.0.2"},
		{"10.1.0.1:443", "unknown, 127.0.0.1"},
		{"[2001:db8:ffff::1%eth0]:443", "[::ffff:10.9.9.9]:80"},
		{"@", "127.0.0.1"},
		{"010.0.0.1", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, remoteAddr, xff string) {
		r := &http.Request{RemoteAddr: remoteAddr, Header: http.Header{}}
		for _, v := range lines(xff) {
			r.Header.Add("X-Forwarded-For", v)
		}
		got, ok := forwardedIP(r)
		if ok && (!got.IsValid() || got.Zone() != "" || got.Is4In6()) {
			t.Fatalf("clientIP(%q, X-Forwarded-For %q) = %v: not a plain address", remoteAddr, xff, got)
		}
		if !ok && got.IsValid() {
			t.Fatalf("clientIP(%q, X-Forwarded-For %q) = %v with ok false", remoteAddr, xff, got)
		}
		want, wantOK := interp.ClientIP(p, remoteAddr, r.Header["X-Forwarded-For"])
		if ok != wantOK || ok && got != want {
			t.Fatalf("clientIP(%q, X-Forwarded-For %q) = %v, %t; the interpreter: %v, %t", remoteAddr, xff, got, ok, want, wantOK)
		}
		peer, peerOK := parseHost(remoteAddr)
		if a, aOK := interp.ParseHost(remoteAddr); peerOK != aOK || peerOK && peer != a {
			t.Fatalf("parseHost(%q) = %v, %t; the interpreter: %v, %t", remoteAddr, peer, peerOK, a, aOK)
		}
		if _, trusted := proxies.lookup(peer); peerOK && !trusted && (!ok || got != peer) {
			t.Fatalf("peer %q is not a proxy, but the client is %v, %t (X-Forwarded-For %q)", remoteAddr, got, ok, xff)
		}
	})
}

// FuzzPathExemption checks path cleaning and matching on request targets
// as net/http parses them:
//
//   - a raw path never gets an exemption (exempt.paths) that its cleaned
//     form would not get, and the cleaned form is the path ServeMux routes
//     the request on;
//   - a request whose cleaned form, or whose routed path, is forced is
//     forced itself;
//   - cleanPath is policy.CleanPath, and the decision is the
//     interpreter's.
func FuzzPathExemption(f *testing.F) {
	p := interpreter(f)
	for _, s := range [][2]string{
		{"GET", "/admin/x"},
		{"GET", "/static/../admin"},
		{"GET", "//admin"},
		{"GET", "/static/%2e%2e/admin"},
		{"GET", "/static%2f..%2fadmin"},
		{"GET", "/admin%5cx"},
		{"GET", "/administrator"},
		{"GET", "/healthz/"},
		{"GET", "/ADMIN/"},
		{"GET", "/admin;x=1"},
		{"GET", "/healthz%00"},
		{"GET", "/checkout/%2e%2e/x"},
		{"GET", "/api/v1/status%0a"},
		{"CONNECT", "/orders/../admin/"},
		{"CONNECT", "/checkout/../x"},
		{"HEAD", "/x/../pay"},
	} {
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, method, target string, on bool) {
		u, err := url.ParseRequestURI(target)
		if err != nil || !validMethod(method) {
			return
		}
		decide := func(method string, u *url.URL) Decision {
			r := &http.Request{Method: method, URL: u, Header: http.Header{}, RemoteAddr: outsider}
			return New(Config{State: stateIs(on), Now: clock(fuzzNow)}).Decide(r)
		}
		d := decide(method, u)
		want := interp.Evaluate(p, interp.Request{Method: method, Path: u.Path, RawPath: u.RawPath, RemoteAddr: outsider, On: on, Now: fuzzNow})
		if diff := cmp.Diff(want, toInterp(d)); diff != "" {
			t.Fatalf("%s %q: the guard differs from the interpreter (-interpreter +guard):\n%s", method, target, diff)
		}
		clean := cleanPath(u.Path)
		if c := policy.CleanPath(u.Path); clean != c {
			t.Fatalf("cleanPath(%q) = %q, policy.CleanPath %q", u.Path, clean, c)
		}
		if again := cleanPath(clean); again != clean || !isClean(clean) {
			t.Fatalf("cleanPath(%q) = %q, which is not clean: %q", u.Path, clean, again)
		}
		dc := decide(http.MethodGet, &url.URL{Path: clean})
		if d.Step == StepExemptPaths {
			if dc.Step != StepExemptPaths || dc.Rule != d.Rule {
				t.Fatalf("%s %q is exempt by exempt.paths[%d], its cleaned form %q gets %+v", method, target, d.Rule, clean, dc)
			}
			if rp := routedPath(&http.Request{Method: method, URL: u}); rp != clean {
				t.Fatalf("%s %q is exempt by path as %q, but ServeMux routes it on %q", method, target, clean, rp)
			}
		}
		routed := routedPath(&http.Request{Method: method, URL: u})
		for _, alt := range []string{clean, routed} {
			if _, ok := forcePaths.match(alt); ok && d.Step != StepForce {
				t.Fatalf("%s %q: %q matches force.paths, but the request gets %+v", method, target, alt, d)
			}
		}
	})
}

// fuzzNow is the guards' clock in FuzzPathExemption: outside the
// schedule's windows.
var fuzzNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// validMethod reports whether m is an HTTP method token (RFC 9110,
// section 5.6.2).
func validMethod(m string) bool {
	return m != "" && !strings.ContainsFunc(m, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
	})
}

// toInterp converts a Decision to the interpreter's.
func toInterp(d Decision) interp.Decision {
	return interp.Decision{Pass: d.Pass, Step: interp.Step(d.Step), Rule: d.Rule, Status: d.Status, Format: policy.Format(d.Format), Locale: d.Locale, Location: d.Location}
}

// FuzzNegotiation checks the parsing of Accept and Accept-Language: the
// format and the locale are the interpreter's (interp.PrefersJSON and
// NegotiateLocale), a q-value is parsed alike, and nothing panics. accept
// and acceptLanguage hold header lines separated by newlines.
func FuzzNegotiation(f *testing.F) {
	p := interpreter(f)
	for _, s := range [][2]string{
		{"application/json", "fr-CA"},
		{"text/html;q=0.9, application/json", "pt;q=0.5, ar;q=0.6"},
		{"application/*;q=0.5, text/html;q=0.4", "xx, en;q=0.1"},
		{"*/*;q=0.8\ntext/html;q=0.1", "fr;q=0, ar\nPT-br"},
		{"application/json;q=1.000, text/html;q=1", "fr;q=1.0001, ar;q=0.999"},
		{"application/problem+json;level=1;q=0.5", "*, fr;q=0.5"},
		{"application/json; Q = 0.9 ;x=y", "fr ; q = 0.5 , en;q=0.4"},
		{",,;;q=,", ",,;q=0.5,-,pt-"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, accept, acceptLanguage string) {
		a, al := lines(accept), lines(acceptLanguage)
		if got, want := preferJSON(a), interp.PrefersJSON(a); got != want {
			t.Fatalf("preferJSON(%q) = %t, the interpreter %t", a, got, want)
		}
		i := negotiateLocale(al)
		if i < 0 || i >= len(locales) {
			t.Fatalf("negotiateLocale(%q) = %d: no locale", al, i)
		}
		if got, want := locales[i].tag, interp.NegotiateLocale(p, al); got != want {
			t.Fatalf("negotiateLocale(%q) = %q, the interpreter %q", al, got, want)
		}
		for _, params := range []string{accept, acceptLanguage} {
			q, ok := qParam(params)
			if ok && (q < 0 || q > 1000) {
				t.Fatalf("qParam(%q) = %d, out of 0-1000", params, q)
			}
		}
	})
}
