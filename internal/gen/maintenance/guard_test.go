package maintenance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// These tests run the runtime against policy.yaml (compiled into
// tables_gen.go). Expected values are written out from the policy and the
// specification, not read back from the generated tables.

const (
	envVar    = "MAINTGEN_RUNTIME_TEST_MODE" // state.env
	stateName = "maintenance.state"          // state.file

	// outsider is a client that no exempt.ips rule covers and that is not a
	// proxy. httptest.NewRequest's default RemoteAddr, 192.0.2.1, is exempt
	// (rule 4, ::ffff:192.0.2.0/120), so every request sets its own.
	outsider   = "203.0.113.7:41000"
	outsiderIP = "203.0.113.7"
	proxyPeer  = "10.1.0.1:443" // in proxies (10.1.0.0/16), and in exempt.ips 10.0.0.0/8
)

// pageText is the title and body text of each locale in policy.yaml.
var pageText = map[string]struct{ title, detail string }{
	"en":    {"Down for maintenance", "Scheduled maintenance."},
	"fr":    {"Maintenance", "Maintenance planifiée."},
	"pt-BR": {"Em manutenção", "Manutenção programada."},
	"ar":    {"صيانة", "صيانة مجدولة."},
}

// ---- helpers ----

func stateIs(on bool) func(context.Context) (bool, error) {
	return func(context.Context) (bool, error) { return on, nil }
}

func rolesAre(roles ...string) func(*http.Request) []string {
	return func(*http.Request) []string { return roles }
}

// clientIs returns a Config.ClientIP that reports addr, or no address
// for "".
func clientIs(addr string) func(*http.Request) (netip.Addr, bool) {
	return func(*http.Request) (netip.Addr, bool) {
		a, err := netip.ParseAddr(addr)
		return a, err == nil
	}
}

type reqOpt func(*http.Request)

// from sets the request's RemoteAddr.
func from(addr string) reqOpt { return func(r *http.Request) { r.RemoteAddr = addr } }

// hdr adds one header line per value.
func hdr(name string, values ...string) reqOpt {
	return func(r *http.Request) {
		for _, v := range values {
			r.Header.Add(name, v)
		}
	}
}

func method(m string) reqOpt { return func(r *http.Request) { r.Method = m } }

func head(r *http.Request) { r.Method = http.MethodHead }

// newReq returns a GET request for target from outsider, adjusted by opts.
func newReq(target string, opts ...reqOpt) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.RemoteAddr = outsider
	for _, o := range opts {
		o(r)
	}
	return r
}

func wantOff() Decision { return Decision{Pass: true, Step: StepOff, Rule: -1} }

func wantPass(step Step, rule int) Decision { return Decision{Pass: true, Step: step, Rule: rule} }

func wantMaint(f Format, tag string) Decision {
	return Decision{Step: StepMaintenance, Rule: -1, Status: 503, Format: f, Locale: tag}
}

func wantForced(rule int, f Format, tag string) Decision {
	return Decision{Step: StepForce, Rule: rule, Status: 503, Format: f, Locale: tag}
}

// app is the guarded application: it answers 200 "app" and records what it
// saw.
type app struct {
	calls  atomic.Int32
	active atomic.Bool
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.calls.Add(1)
	a.active.Store(Active(r.Context()))
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "app")
}

func serve(t *testing.T, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// checkPage checks a maintenance response (status 503, the page of locale
// tag in format f) and its headers. For HEAD it checks that no body was
// written.
func checkPage(t *testing.T, rec *httptest.ResponseRecorder, isHead bool, f Format, tag string) {
	t.Helper()
	res := rec.Result()
	if res.StatusCode != 503 {
		t.Fatalf("status = %d, want 503", res.StatusCode)
	}
	h := res.Header
	for name, want := range map[string]string{
		"Cache-Control":    "no-store",
		"Vary":             "Accept, Accept-Language",
		"Retry-After":      "120",
		"Content-Language": tag,
	} {
		if got := h.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want [%q]", name, got, want)
		}
	}
	wantType := "text/html; charset=utf-8"
	if f == FormatJSON {
		wantType = "application/problem+json"
	}
	if got := h.Get("Content-Type"); got != wantType {
		t.Errorf("Content-Type = %q, want %q", got, wantType)
	}
	n, err := strconv.Atoi(h.Get("Content-Length"))
	if err != nil || n <= 0 {
		t.Fatalf("Content-Length = %q, want a positive length", h.Get("Content-Length"))
	}
	body := rec.Body.String()
	if isHead {
		if body != "" {
			t.Errorf("HEAD response has a body: %q", body)
		}
		return
	}
	if n != len(body) {
		t.Errorf("Content-Length = %d, body has %d bytes", n, len(body))
	}
	text, ok := pageText[tag]
	if !ok {
		t.Fatalf("no page text for locale %q", tag)
	}
	if f == FormatJSON {
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("body is not JSON: %v\n%s", err, body)
		}
		want := map[string]any{"type": "about:blank", "title": text.title, "status": float64(503), "detail": text.detail}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("problem details (-want +got):\n%s", diff)
		}
		return
	}
	for _, s := range []string{"<html", `lang="` + tag + `"`, "<title>" + text.title + "</title>", text.detail} {
		if !strings.Contains(body, s) {
			t.Errorf("HTML page lacks %q:\n%s", s, body)
		}
	}
}

// checkAgrees serves r through g.Wrap and checks that the response is the
// one d describes.
func checkAgrees(t *testing.T, g *Guard, r *http.Request, d Decision) {
	t.Helper()
	a := &app{}
	rec := serve(t, g.Wrap(a), r)
	if d.Pass {
		if a.calls.Load() != 1 || rec.Code != 200 || rec.Body.String() != "app" {
			t.Errorf("Decide passes, handler: app calls %d, status %d, body %q", a.calls.Load(), rec.Code, rec.Body.String())
		}
		return
	}
	if a.calls.Load() != 0 {
		t.Errorf("Decide blocks, but the app was called")
	}
	checkPage(t, rec, r.Method == http.MethodHead, d.Format, d.Locale)
}

type decideCase struct {
	name string
	cfg  Config
	req  *http.Request
	want Decision
}

// runDecide checks Decide on each case, and that the handler agrees.
func runDecide(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := New(tc.cfg)
			if got := g.Decide(tc.req); got != tc.want {
				t.Fatalf("Decide(%s %s from %q) = %+v, want %+v", tc.req.Method, tc.req.URL, tc.req.RemoteAddr, got, tc.want)
			}
			checkAgrees(t, g, tc.req, tc.want)
		})
	}
}

// useStateFile makes the state section's file decide: the env var empty
// (set but empty does not decide) and a fresh working directory.
func useStateFile(t *testing.T) {
	t.Helper()
	t.Setenv(envVar, "")
	t.Chdir(t.TempDir())
}

// writeState replaces the state file atomically, so that a concurrent
// read never sees it half written.
func writeState(t *testing.T, content string) {
	t.Helper()
	if err := os.WriteFile(stateName+".tmp", []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(stateName+".tmp", stateName); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond every 5ms for up to 2s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within 2s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ---- decision steps and policy rules ----

func TestDecisionSteps(t *testing.T) {
	on, off := Config{State: stateIs(true)}, Config{State: stateIs(false)}
	staffOn := Config{State: stateIs(true), Roles: rolesAre("staff")}
	staffOff := Config{State: stateIs(false), Roles: rolesAre("staff")}
	runDecide(t, []decideCase{
		{"1 force.paths while mode off", off, newReq("/checkout"), wantForced(0, FormatHTML, "en")},
		{"1 force.paths beats exempt ip and role", staffOn, newReq("/checkout/x", from("127.0.0.1:5")), wantForced(0, FormatHTML, "en")},
		{"1 force.paths beats exempt ip and role while off", staffOff, newReq("/pay", from("127.0.0.1:5")), wantForced(1, FormatHTML, "en")},
		{"2 off passes", off, newReq("/secret"), wantOff()},
		{"2 off passes json path", off, newReq("/api/x", hdr("Accept", "application/json")), wantOff()},
		{"2 off passes HEAD", off, newReq("/", head), wantOff()},
		{"4 exempt.paths", on, newReq("/healthz"), wantPass(StepExemptPaths, 0)},
		{"4 exempt.paths before exempt.ips", on, newReq("/healthz", from("127.0.0.1:5")), wantPass(StepExemptPaths, 0)},
		{"4 exempt.paths before exempt.roles", staffOn, newReq("/admin/x"), wantPass(StepExemptPaths, 1)},
		{"5 exempt.ips", on, newReq("/secret", from("127.0.0.1:5")), wantPass(StepExemptIPs, 0)},
		{"5 exempt.ips before exempt.roles", staffOn, newReq("/secret", from("10.9.9.9:5")), wantPass(StepExemptIPs, 2)},
		{"6 exempt.roles", staffOn, newReq("/secret"), wantPass(StepExemptRoles, 1)},
		{"7 maintenance", on, newReq("/secret"), wantMaint(FormatHTML, "en")},
		{"7 maintenance root", on, newReq("/"), wantMaint(FormatHTML, "en")},
		{"7 maintenance HEAD", on, newReq("/", head), wantMaint(FormatHTML, "en")},
		{"7 maintenance POST", on, newReq("/form", method(http.MethodPost)), wantMaint(FormatHTML, "en")},
	})
}

// TestPolicyRules has one case per rule of policy.yaml.
func TestPolicyRules(t *testing.T) {
	on, off := Config{State: stateIs(true)}, Config{State: stateIs(false)}
	runDecide(t, []decideCase{
		// exempt.paths
		{"exempt.paths[0] /healthz", on, newReq("/healthz"), wantPass(StepExemptPaths, 0)},
		{"exempt.paths[1] /admin/", on, newReq("/admin/users"), wantPass(StepExemptPaths, 1)},
		{"exempt.paths[2] re:^/api/v[0-9]+/status$", on, newReq("/api/v3/status"), wantPass(StepExemptPaths, 2)},
		{"exempt.paths[3] /static/", on, newReq("/static/app.css"), wantPass(StepExemptPaths, 3)},
		{"exempt.paths[4] /static/private/x", on, newReq("/static/private/x"), wantPass(StepExemptPaths, 4)},
		// exempt.ips
		{"exempt.ips[0] 127.0.0.1", on, newReq("/secret", from("127.0.0.1:5")), wantPass(StepExemptIPs, 0)},
		{"exempt.ips[1] 10.0.0.0/8", on, newReq("/secret", from("10.2.3.4:5")), wantPass(StepExemptIPs, 1)},
		{"exempt.ips[2] 10.9.9.0/24", on, newReq("/secret", from("10.9.9.9:5")), wantPass(StepExemptIPs, 2)},
		{"exempt.ips[3] 2001:db8::/32", on, newReq("/secret", from("[2001:db8:1::1]:5")), wantPass(StepExemptIPs, 3)},
		{"exempt.ips[4] ::ffff:192.0.2.0/120", on, newReq("/secret", from("192.0.2.44:5")), wantPass(StepExemptIPs, 4)},
		// exempt.roles
		{"exempt.roles[0] superuser", Config{State: stateIs(true), Roles: rolesAre("superuser")}, newReq("/secret"), wantPass(StepExemptRoles, 0)},
		{"exempt.roles[1] staff", Config{State: stateIs(true), Roles: rolesAre("staff")}, newReq("/secret"), wantPass(StepExemptRoles, 1)},
		// force.paths
		{"force.paths[0] /checkout/", off, newReq("/checkout/cart"), wantForced(0, FormatHTML, "en")},
		{"force.paths[0] /checkout/ subtree root", off, newReq("/checkout"), wantForced(0, FormatHTML, "en")},
		{"force.paths[1] /pay", off, newReq("/pay"), wantForced(1, FormatHTML, "en")},
		{"force.paths[1] /pay/ is /pay with a slash that StripSlashes removes", off, newReq("/pay/"), wantForced(1, FormatHTML, "en")},
		{"force.paths[1] /pay//", off, newReq("/pay//"), wantForced(1, FormatHTML, "en")},
		{"force.paths[1] /payment is not /pay", off, newReq("/payment"), wantOff()},
		{"force.paths[0] /checkoutx is not /checkout/", off, newReq("/checkoutx"), wantOff()},
		{"force.paths case matters", off, newReq("/PAY"), wantOff()},
		{"force.paths json path format", off, newReq("/checkout", hdr("Accept", "application/json")), wantForced(0, FormatJSON, "en")},
		{"force.paths locale", off, newReq("/pay", hdr("Accept-Language", "fr")), wantForced(1, FormatHTML, "fr")},
		// response.json_paths
		{"json_paths[0] /api/ over Accept text/html", on, newReq("/api/orders", hdr("Accept", "text/html")), wantMaint(FormatJSON, "en")},
		{"json_paths[0] /api/ subtree root", on, newReq("/api"), wantMaint(FormatJSON, "en")},
		{"json_paths[0] /api/ trailing slash", on, newReq("/api/"), wantMaint(FormatJSON, "en")},
		{"json_paths /apix is not /api/", on, newReq("/apix"), wantMaint(FormatHTML, "en")},
		{"json_paths with locale", on, newReq("/api/x", hdr("Accept-Language", "pt-BR")), wantMaint(FormatJSON, "pt-BR")},
	})
}

// TestPaths checks path cleaning and matching, with the mode on and a
// client that nothing else exempts.
func TestPaths(t *testing.T) {
	on := Config{State: stateIs(true)}
	maint := wantMaint(FormatHTML, "en")
	maintJSON := wantMaint(FormatJSON, "en")
	cases := []struct {
		target string
		want   Decision
	}{
		// exact
		{"/healthz", wantPass(StepExemptPaths, 0)},
		{"/healthz/", maint},
		{"/healthz/x", maint},
		{"/healthzx", maint},
		{"/HEALTHZ", maint},
		{"/healthz?probe=1", wantPass(StepExemptPaths, 0)},
		// not in canonical form: a router may route it elsewhere
		{"/healthz/.", maint},
		{"/x/../healthz", maint},
		{"/healthz/..", maint},
		{"/healthz;jsessionid=1", maint},
		{"/healthz%00", maint},
		{"/healthz%2F", maint},
		// subtree
		// the subtree's root is not exempt: chi would route /admin on
		// /{page}, and StripSlashes turns /admin/ into /admin
		{"/admin", maint},
		{"/admin/", maint},
		{"/admin/x/", wantPass(StepExemptPaths, 1)},
		{"/admin/x/y", wantPass(StepExemptPaths, 1)},
		{"/admin/./x", maint},
		{"/admin/x/..", maint},
		{"/administrator", maint},
		{"/admin-panel/", maint},
		{"/ADMIN/x", maint},
		{"/Admin", maint},
		{"/admin;x=1", maint},
		{"/admin/;x=1", wantPass(StepExemptPaths, 1)},
		{"/admin%00", maint},
		{"/adminx/../admin/x", maint},
		{"/x/admin/", maint},
		// traversal and duplicate slashes: never exempt (chi routes
		// /blog/x/../../admin on /blog/*), but forced when cleaned
		{"//admin", maint},
		{"//admin//x", maint},
		{"/static/../admin", maint},
		{"/admin/x/", wantPass(StepExemptPaths, 1)},
		{"/admin/../secret", maint},
		{"/admin/../../secret", maint},
		{"/admin/..", maint},
		{"/static/../checkout/x", wantForced(0, FormatHTML, "en")},
		{"/x/../pay", wantForced(1, FormatHTML, "en")},
		// hidden separators: never exempt by path
		{"/static%2f..%2fadmin", maint},
		{"/static%2F..%2Fadmin", maint},
		{"/admin%2fx", maint},
		{"/admin%2Fx", maint},
		{"/admin/%2e%2e/admin/x", maint},
		{"/%2e%2e/admin", maint},
		{"/%2E%2E/admin", maint},
		{"/admin/%2Ex", maint},
		{"/admin/%2ex", maint},
		{"/admin%5cx", maint},
		{"/admin/%5C", maint},
		{"/admin/a\\b", maint},
		{"/healthz%5c", maint},
		{"/static/%2e%2e/static/a.css", maint},
		{"/api/v1%2fstatus", maintJSON},
		// the default encoding is canonical; any other escape is not
		{"/admin/a%20b", wantPass(StepExemptPaths, 1)},
		{"/admin/%252f", wantPass(StepExemptPaths, 1)},
		{"/adm%69n/x", maint},
		{"/%61dmin/x", maint},
		{"/admin/a%2Db", maint},
		{"/%68ealthz", maint},
		{"/healthz%3f", maint},
		// regexp: the whole path
		{"/api/v1/status", wantPass(StepExemptPaths, 2)},
		{"/api/v12/status", wantPass(StepExemptPaths, 2)},
		{"/api/v1/status?full=1", wantPass(StepExemptPaths, 2)},
		{"/api/v1/../v2/status", maintJSON},
		{"/api/v1/status/", maintJSON},
		{"/api/v1/statusx", maintJSON},
		{"/api/v/status", maintJSON},
		{"/api/vx/status", maintJSON},
		{"/api/v1/status/x", maintJSON},
		{"/x/api/v1/status", maint},
		{"/API/v1/status", maint},
		{"/api/v1/status%0a", maintJSON},
		// exact beats subtree, longest subtree wins
		{"/static/private/x", wantPass(StepExemptPaths, 4)},
		{"/static/private/x/", wantPass(StepExemptPaths, 3)},
		{"/static/private/x/y", wantPass(StepExemptPaths, 3)},
		{"/static/private", wantPass(StepExemptPaths, 3)},
		{"/static", maint},
		{"/staticx", maint},
		{"/", maint},
	}
	var dc []decideCase
	for _, c := range cases {
		dc = append(dc, decideCase{c.target, on, newReq(c.target), c.want})
	}
	runDecide(t, dc)
}

// TestHiddenSeparatorStillExemptByIPOrRole: a hidden separator only rules
// out exemption by path.
func TestHiddenSeparatorStillExemptByIPOrRole(t *testing.T) {
	runDecide(t, []decideCase{
		{"ip", Config{State: stateIs(true)}, newReq("/static%2f..%2fadmin", from("127.0.0.1:1")), wantPass(StepExemptIPs, 0)},
		{"role", Config{State: stateIs(true), Roles: rolesAre("superuser")}, newReq("/admin%5cx"), wantPass(StepExemptRoles, 0)},
		{"neither", Config{State: stateIs(true), Roles: rolesAre("editor")}, newReq("/admin%2Fx"), wantMaint(FormatHTML, "en")},
	})
}

// TestRoutedPath: ServeMux routes a CONNECT request on its path as it is,
// and any request with an escaped dot segment on that segment as it is,
// so force.paths are also matched there, and a CONNECT request whose path
// is not clean is never exempt by path.
func TestRoutedPath(t *testing.T) {
	on, off := Config{State: stateIs(true)}, Config{State: stateIs(false)}
	connect := method(http.MethodConnect)
	runDecide(t, []decideCase{
		{"CONNECT into a subtree past an exempt one", on, newReq("/orders/../admin/", connect), wantMaint(FormatHTML, "en")},
		{"CONNECT to a clean exempt path", on, newReq("/admin/x", connect), wantPass(StepExemptPaths, 1)},
		{"CONNECT out of a forced subtree", off, newReq("/checkout/../x", connect), wantForced(0, FormatHTML, "en")},
		{"CONNECT into a forced subtree", off, newReq("/x/../checkout/", connect), wantForced(0, FormatHTML, "en")},
		{"CONNECT, clean", off, newReq("/x", connect), wantOff()},
		{"escaped dot-dot out of a forced subtree", off, newReq("/checkout/%2e%2e/x"), wantForced(0, FormatHTML, "en")},
		{"escaped dot then dot-dot", off, newReq("/checkout/%2E/../x"), wantForced(0, FormatHTML, "en")},
		{"dot-dot before an escaped one", off, newReq("/x/../checkout/%2e%2e/y"), wantForced(0, FormatHTML, "en")},
		{"escaped dot-dot onto an exact forced path", off, newReq("/pay/%2e%2e"), wantOff()},
		{"escaped dot-dot elsewhere", off, newReq("/x/%2e%2e/y"), wantOff()},
		// chi, echo and gin route the uncleaned path
		{"dot-dot out of a forced subtree", off, newReq("/checkout/../cart"), wantForced(0, FormatHTML, "en")},
		{"trailing dot-dot in a forced subtree", off, newReq("/checkout/.."), wantForced(0, FormatHTML, "en")},
		{"dot in a forced subtree", off, newReq("/checkout/./x"), wantForced(0, FormatHTML, "en")},
		{"empty segment in a forced subtree", off, newReq("/checkout//x"), wantForced(0, FormatHTML, "en")},
		{"dot-dot after an exact forced path", off, newReq("/pay/../x"), wantOff()},
		{"trailing dot on an exact forced path", off, newReq("/pay/."), wantForced(1, FormatHTML, "en")},
		{"added slash on a forced subtree root", off, newReq("/checkout"), wantForced(0, FormatHTML, "en")},
	})
	for _, c := range []struct{ method, target, want string }{
		{"GET", "/a/b", "/a/b"},
		{"GET", "/a/../b", "/b"},
		{"GET", "/a/%2e%2e/b", "/a/../b"},
		{"GET", "/a/%2e/../b", "/a/b"},
		{"GET", "/a%2fb/../c", "/c"},
		{"CONNECT", "/a/../b", "/a/../b"},
		{"CONNECT", "//a", "//a"},
	} {
		if got := routedPath(httptest.NewRequest(c.method, c.target, nil)); got != c.want {
			t.Errorf("routedPath(%s %s) = %q, want %q", c.method, c.target, got, c.want)
		}
	}
}

func TestCleanPath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"a", "/a"},
		{"a/", "/a/"},
		{"/a/b", "/a/b"},
		{"/a/b/", "/a/b/"},
		{"//", "/"},
		{"//a//b//", "/a/b/"},
		{"/a/./b", "/a/b"},
		{"/a/../b/", "/b/"},
		{"/..", "/"},
		{"/../", "/"},
		{"/a/..", "/"},
		{"/a/.", "/a"},
		{"/a/./", "/a/"},
		{"/a/b/../../..", "/"},
	} {
		t.Run(c.in, func(t *testing.T) {
			if got := cleanPath(c.in); got != c.want {
				t.Errorf("cleanPath(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestHiddenSeparator(t *testing.T) {
	for _, c := range []struct {
		path, raw string
		want      bool
	}{
		{"/a/b", "", false},
		{"/a/b", "/a%2fb", true},
		{"/a/b", "/a%2Fb", true},
		{"/a/.", "/a/%2e", true},
		{"/a/.", "/a/%2E", true},
		{`/a\b`, "/a%5cb", true},
		{`/a\b`, "/a%5Cb", true},
		{`/a\b`, "", true},
		{"/a/b", "/a%5cb", true}, // hand-built: RawPath alone decides
		{"/a/b", "/a%5Cb", true},
		{"/a b", "/a%20b", false},
		{"/a%2fb", "/a%252fb", false},
		{"/a%", "/a%25", false},
		{"/a/.x", "/a/%2ex", true},
		{"/ab", "/a%62", false},
	} {
		t.Run(c.raw+" "+c.path, func(t *testing.T) {
			u := &url.URL{Path: c.path, RawPath: c.raw}
			if got := hiddenSeparator(u); got != c.want {
				t.Errorf("hiddenSeparator(Path %q, RawPath %q) = %v, want %v", c.path, c.raw, got, c.want)
			}
		})
	}
}

// ---- client IP ----

func TestClientIP(t *testing.T) {
	cases := []struct {
		name   string
		remote string
		opts   []reqOpt
		want   string // "" means no client IP
	}{
		{"ipv4 with port", "198.51.100.1:80", nil, "198.51.100.1"},
		{"ipv4 without port", "198.51.100.1", nil, "198.51.100.1"},
		{"ipv6 brackets and port", "[2001:db8:1::1]:443", nil, "2001:db8:1::1"},
		{"ipv6 brackets without port", "[2001:db8:1::1]", nil, "2001:db8:1::1"},
		{"ipv6 bare", "2001:db8:1::1", nil, "2001:db8:1::1"},
		{"ipv6 zone dropped", "[fe80::1%eth0]:80", nil, "fe80::1"},
		{"ipv6 zone dropped without brackets", "fe80::1%eth0", nil, "fe80::1"},
		{"ipv4-mapped peer unmapped", "[::ffff:198.51.100.1]:80", nil, "198.51.100.1"},
		{"ipv4-mapped peer bare", "::ffff:198.51.100.1", nil, "198.51.100.1"},
		{"unix socket @", "@", nil, ""},
		{"empty RemoteAddr", "", nil, ""},
		{"hostname", "localhost:80", nil, ""},
		{"leading zeros", "010.0.0.1:80", nil, ""},
		{"empty port", "198.51.100.1:", nil, ""},
		{"non-numeric port", "198.51.100.1:http", nil, ""},
		{"unclosed bracket", "[2001:db8::1:80", nil, ""},
		{"empty zone", "[fe80::1%]:80", nil, ""},
		{"ipv4 zone", "198.51.100.1%eth0:80", nil, ""},
		{"headers ignored without proxy", "198.51.100.1:80", []reqOpt{
			hdr("X-Forwarded-For", "127.0.0.1"), hdr("X-Real-IP", "127.0.0.1"),
			hdr("Forwarded", "for=127.0.0.1"), hdr("True-Client-IP", "127.0.0.1"),
		}, "198.51.100.1"},
		{"exempt peer is not a proxy", "10.0.0.1:80", []reqOpt{hdr("X-Forwarded-For", "198.51.100.9")}, "10.0.0.1"},
		{"proxy without header is the client", proxyPeer, nil, "10.1.0.1"},
		{"proxy: other headers never read", proxyPeer, []reqOpt{
			hdr("X-Real-IP", "127.0.0.1"), hdr("Forwarded", "for=127.0.0.1"), hdr("True-Client-IP", "127.0.0.1"),
		}, "10.1.0.1"},
		{"proxy: xff client", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9")}, "198.51.100.9"},
		{"proxy: left-most spoofing", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "127.0.0.1, 198.51.100.9")}, "198.51.100.9"},
		{"proxy: chain of proxies skipped", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "127.0.0.1, 198.51.100.9, 10.1.2.3, 2001:db8:ffff::7")}, "198.51.100.9"},
		{"proxy: only proxies, last examined", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "2001:db8:ffff::5, 10.1.9.9")}, "2001:db8:ffff::5"},
		{"proxy: multiple lines, last line first", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "127.0.0.1", "198.51.100.9")}, "198.51.100.9"},
		{"proxy: multiple lines, proxies in last line", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9, 127.0.0.1", "10.1.0.2, 10.1.0.3")}, "127.0.0.1"},
		{"proxy: multiple lines, all proxies", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "2001:db8:ffff::9", "10.1.0.2")}, "2001:db8:ffff::9"},
		{"proxy: unknown reached first", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9, unknown")}, ""},
		{"proxy: unknown after proxies", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9, unknown, 10.1.0.2")}, ""},
		{"proxy: unknown left of client not read", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "unknown, 198.51.100.9")}, "198.51.100.9"},
		{"proxy: garbage left of client not read", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "<script>, ,, 198.51.100.9")}, "198.51.100.9"},
		{"proxy: malformed line before, not read", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "garbage", "198.51.100.9")}, "198.51.100.9"},
		{"proxy: malformed last line", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9", "garbage")}, ""},
		{"proxy: garbage", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "1.2.3")}, ""},
		{"proxy: empty entry", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9,, 10.1.0.2")}, ""},
		{"proxy: trailing comma", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9,")}, ""},
		{"proxy: blank entry", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9, \t")}, ""},
		{"proxy: leading zeros", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "010.0.0.1")}, ""},
		{"proxy: ipv4 with port", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9:8080")}, "198.51.100.9"},
		{"proxy: ipv6 brackets and port", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "[2001:db8:1::9]:443")}, "2001:db8:1::9"},
		{"proxy: ipv6 brackets", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "[2001:db8:1::9]")}, "2001:db8:1::9"},
		{"proxy: bad port", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9:http")}, ""},
		{"proxy: zone dropped", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "fe80::9%eth0")}, "fe80::9"},
		{"proxy: ipv4-mapped entry unmapped", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "::ffff:198.51.100.9")}, "198.51.100.9"},
		{"proxy: ipv4-mapped proxy entry skipped", proxyPeer, []reqOpt{hdr("X-Forwarded-For", "198.51.100.9, [::ffff:10.1.0.2]:80")}, "198.51.100.9"},
		{"proxy: spaces and tabs", proxyPeer, []reqOpt{hdr("X-Forwarded-For", " 198.51.100.9 ,\t10.1.0.2 ")}, "198.51.100.9"},
		{"ipv4-mapped proxy peer", "[::ffff:10.1.0.1]:80", []reqOpt{hdr("X-Forwarded-For", "198.51.100.9")}, "198.51.100.9"},
		{"ipv6 proxy peer", "[2001:db8:ffff::1]:443", []reqOpt{hdr("X-Forwarded-For", "198.51.100.9")}, "198.51.100.9"},
		{"ipv6 proxy peer with zone", "[2001:db8:ffff::1%eth0]:443", []reqOpt{hdr("X-Forwarded-For", "198.51.100.9")}, "198.51.100.9"},
		{"header name case", proxyPeer, []reqOpt{func(r *http.Request) { r.Header.Add("x-forwarded-for", "198.51.100.9") }}, "198.51.100.9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newReq("/", append([]reqOpt{from(c.remote)}, c.opts...)...)
			got, ok := forwardedIP(r)
			if c.want == "" {
				if ok {
					t.Fatalf("clientIP = %v, want none", got)
				}
				return
			}
			want := netip.MustParseAddr(c.want)
			if !ok || got != want {
				t.Fatalf("clientIP = %v, %v; want %v", got, ok, want)
			}
		})
	}
}

// TestClientIPDecisions checks exempt.ips through Decide: ranges, their
// edges, the most specific rule, and IPv4/IPv6 mapping both ways.
func TestClientIPDecisions(t *testing.T) {
	on := Config{State: stateIs(true)}
	maint := wantMaint(FormatHTML, "en")
	ips := func(i int) Decision { return wantPass(StepExemptIPs, i) }
	cases := []struct {
		name string
		opts []reqOpt
		want Decision
	}{
		{"127.0.0.1", []reqOpt{from("127.0.0.1:5")}, ips(0)},
		{"127.0.0.1 without port", []reqOpt{from("127.0.0.1")}, ips(0)},
		{"127.0.0.1 mapped", []reqOpt{from("[::ffff:127.0.0.1]:5")}, ips(0)},
		{"127.0.0.1 mapped hex", []reqOpt{from("[::ffff:7f00:1]:5")}, ips(0)},
		{"127.0.0.2", []reqOpt{from("127.0.0.2:5")}, maint},
		{"::1 is not 127.0.0.1", []reqOpt{from("[::1]:5")}, maint},
		{"10.0.0.0", []reqOpt{from("10.0.0.0:5")}, ips(1)},
		{"10.9.8.255", []reqOpt{from("10.9.8.255:5")}, ips(1)},
		{"10.9.9.0 most specific", []reqOpt{from("10.9.9.0:5")}, ips(2)},
		{"10.9.9.255 most specific", []reqOpt{from("10.9.9.255:5")}, ips(2)},
		{"10.9.10.0", []reqOpt{from("10.9.10.0:5")}, ips(1)},
		{"10.255.255.255", []reqOpt{from("10.255.255.255:5")}, ips(1)},
		{"10.9.9.9 mapped", []reqOpt{from("[::ffff:10.9.9.9]:5")}, ips(2)},
		{"9.255.255.255", []reqOpt{from("9.255.255.255:5")}, maint},
		{"11.0.0.0", []reqOpt{from("11.0.0.0:5")}, maint},
		{"2001:db8::", []reqOpt{from("[2001:db8::]:5")}, ips(3)},
		{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", []reqOpt{from("[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:5")}, ips(3)},
		{"2001:db8::1 zone", []reqOpt{from("[2001:db8::1%eth0]:5")}, ips(3)},
		{"2001:db7:ffff::", []reqOpt{from("[2001:db7:ffff::]:5")}, maint},
		{"2001:db9::", []reqOpt{from("[2001:db9::]:5")}, maint},
		{"192.0.2.0 via ::ffff:192.0.2.0/120", []reqOpt{from("192.0.2.0:5")}, ips(4)},
		{"192.0.2.255 via ::ffff:192.0.2.0/120", []reqOpt{from("192.0.2.255:5")}, ips(4)},
		{"192.0.2.9 mapped", []reqOpt{from("[::ffff:192.0.2.9]:5")}, ips(4)},
		{"192.0.3.0", []reqOpt{from("192.0.3.0:5")}, maint},
		{"192.0.1.255", []reqOpt{from("192.0.1.255:5")}, maint},
		{"leading zeros 010.0.0.1", []reqOpt{from("010.0.0.1:5")}, maint},
		{"leading zeros 0127.0.0.1", []reqOpt{from("0127.0.0.1:5")}, maint},
		{"unix socket @", []reqOpt{from("@")}, maint},
		{"spoofed headers without proxy", []reqOpt{from("198.51.100.1:5"),
			hdr("X-Forwarded-For", "127.0.0.1"), hdr("X-Real-IP", "127.0.0.1"),
			hdr("Forwarded", "for=127.0.0.1"), hdr("True-Client-IP", "127.0.0.1")}, maint},
		{"exempt peer ignores xff", []reqOpt{from("127.0.0.1:5"), hdr("X-Forwarded-For", "198.51.100.1")}, ips(0)},
		{"proxy peer without xff", []reqOpt{from(proxyPeer)}, ips(1)},
		{"proxy peer, X-Real-IP not read", []reqOpt{from("[2001:db8:ffff::1]:5"), hdr("X-Real-IP", "127.0.0.1")}, ips(3)},
		{"proxy: xff client exempt", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "127.0.0.1")}, ips(0)},
		{"proxy: xff client not exempt", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "198.51.100.9")}, maint},
		{"proxy: left-most spoofing", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "127.0.0.1, 198.51.100.9")}, maint},
		{"proxy: spoofed line before", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "127.0.0.1", "198.51.100.9")}, maint},
		{"proxy: client in an earlier line", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "198.51.100.9, 10.9.9.1", "10.1.7.7")}, ips(2)},
		{"proxy: only proxies", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "2001:db8:ffff::5")}, ips(3)},
		{"proxy: unknown", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "127.0.0.1, unknown")}, maint},
		{"proxy: empty entry", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "127.0.0.1, , 10.1.0.2")}, maint},
		{"proxy: unknown left of client", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "unknown, 127.0.0.1")}, ips(0)},
		{"proxy: ipv4-mapped proxy peer", []reqOpt{from("[::ffff:10.1.0.1]:5"), hdr("X-Forwarded-For", "198.51.100.9")}, maint},
		{"proxy: client with port", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "192.0.2.1:80")}, ips(4)},
		{"proxy: client with brackets", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "[2001:db8::1]:443")}, ips(3)},
		{"proxy: client mapped", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "::ffff:127.0.0.1")}, ips(0)},
		{"proxy: client leading zeros", []reqOpt{from(proxyPeer), hdr("X-Forwarded-For", "010.0.0.1")}, maint},
	}
	var dc []decideCase
	for _, c := range cases {
		dc = append(dc, decideCase{c.name, on, newReq("/secret", c.opts...), c.want})
	}
	runDecide(t, dc)
}

func TestParseHost(t *testing.T) {
	for _, c := range []struct{ in, want string }{ // want "" = malformed
		{"192.0.2.1", "192.0.2.1"},
		{"192.0.2.1:80", "192.0.2.1"},
		{"192.0.2.1:65535", "192.0.2.1"},
		{"2001:db8::1", "2001:db8::1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"[2001:db8::1]:80", "2001:db8::1"},
		{"[fe80::1%eth0]:80", "fe80::1"},
		{"fe80::1%eth0", "fe80::1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:443", "192.0.2.1"},
		{"::", "::"},
		{"", ""},
		{"@", ""},
		{"unknown", ""},
		{"192.0.2.1:", ""},
		{"192.0.2.1:x", ""},
		{"192.0.2.1:123456", ""},
		{"192.0.2.1:65536", ""},
		{"192.0.2.1:000080", "192.0.2.1"},
		{"[2001:db8::1]:99999", ""},
		{"192.0.2.1:-1", ""},
		{"192.0.2.1:80:81", ""},
		{"010.0.0.1", ""},
		{"1.2.3", ""},
		{"256.0.0.1", ""},
		{"[2001:db8::1", ""},
		{"[2001:db8::1]:", ""},
		{"[2001:db8::1]80", ""},
		{"[2001:db8::1]:x", ""},
		{"fe80::1%", ""},
		{"192.0.2.1%eth0", ""},
		{"192.0.2.1%::", ""}, // an IPv4 address with a zone that holds colons
		{"[192.0.2.1%a:b]:80", ""},
		{" 192.0.2.1", ""},
		{"example.com:80", ""},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, ok := parseHost(c.in)
			if c.want == "" {
				if ok {
					t.Fatalf("parseHost(%q) = %v, want malformed", c.in, got)
				}
				return
			}
			if want := netip.MustParseAddr(c.want); !ok || got != want {
				t.Fatalf("parseHost(%q) = %v, %v; want %v", c.in, got, ok, want)
			}
		})
	}
}

func TestLastAddr(t *testing.T) {
	for _, c := range []struct{ prefix, want string }{
		{"10.0.0.0/8", "10.255.255.255"},
		{"10.9.9.0/24", "10.9.9.255"},
		{"127.0.0.1/32", "127.0.0.1"},
		{"0.0.0.0/0", "255.255.255.255"},
		{"192.0.2.128/25", "192.0.2.255"},
		{"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"2001:db8::/127", "2001:db8::1"},
		{"2001:db8::1/128", "2001:db8::1"},
		{"::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"::ffff:192.0.2.0/120", "::ffff:192.0.2.255"},
		{"2001:db8:ffff::/48", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
	} {
		t.Run(c.prefix, func(t *testing.T) {
			if got, want := lastAddr(netip.MustParsePrefix(c.prefix)), netip.MustParseAddr(c.want); got != want {
				t.Errorf("lastAddr(%s) = %v, want %v", c.prefix, got, want)
			}
		})
	}
}

func TestParseRangesLookup(t *testing.T) {
	table := parseRanges(`
0.0.0.0/8 7
10.0.0.0-10.9.8.255 1

10.9.9.0/24 2
10.9.10.0-10.255.255.255 1
192.0.2.0/24 4
2001:db8::/32 3
ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124 9
`)
	if table.len() != 7 {
		t.Fatalf("parseRanges: %d ranges, want 7", table.len())
	}
	for _, c := range []struct {
		addr string
		rule int // -1: none
	}{
		{"0.0.0.0", 7},
		{"0.255.255.255", 7},
		{"1.0.0.0", -1},
		{"9.255.255.255", -1},
		{"10.0.0.0", 1},
		{"10.9.8.255", 1},
		{"10.9.9.0", 2},
		{"10.9.9.128", 2},
		{"10.9.9.255", 2},
		{"10.9.10.0", 1},
		{"10.255.255.255", 1},
		{"11.0.0.0", -1},
		{"192.0.1.255", -1},
		{"192.0.2.0", 4},
		{"::ffff:192.0.2.200", 4},
		{"192.0.3.0", -1},
		{"::", -1},
		{"::ffff:0.0.0.0", 7},
		{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", -1},
		{"2001:db8::", 3},
		{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 3},
		{"2001:db9::", -1},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffef", -1},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0", 9},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 9},
	} {
		t.Run(c.addr, func(t *testing.T) {
			rule, ok := table.lookup(netip.MustParseAddr(c.addr))
			if c.rule < 0 {
				if ok {
					t.Fatalf("lookup(%s) = rule %d, want none", c.addr, rule)
				}
				return
			}
			if !ok || rule != c.rule {
				t.Fatalf("lookup(%s) = %d, %v; want rule %d", c.addr, rule, ok, c.rule)
			}
		})
	}
	t.Run("empty table", func(t *testing.T) {
		var empty ipRanges
		if _, ok := empty.lookup(netip.MustParseAddr("10.0.0.1")); ok {
			t.Error("lookup in an empty table found a rule")
		}
	})
	t.Run("bad line panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("parseRanges of a line without a rule did not panic")
			}
		}()
		parseRanges("10.0.0.0/8\n")
	})
}

// ---- roles ----

func TestRoles(t *testing.T) {
	maint := wantMaint(FormatHTML, "en")
	cfg := func(roles func(*http.Request) []string) Config {
		return Config{State: stateIs(true), Roles: roles}
	}
	runDecide(t, []decideCase{
		{"nil Roles: anonymous", cfg(nil), newReq("/secret"), maint},
		{"no roles: anonymous", cfg(rolesAre()), newReq("/secret"), maint},
		{"superuser", cfg(rolesAre("superuser")), newReq("/secret"), wantPass(StepExemptRoles, 0)},
		{"staff", cfg(rolesAre("staff")), newReq("/secret"), wantPass(StepExemptRoles, 1)},
		{"staff among others", cfg(rolesAre("editor", "staff")), newReq("/secret"), wantPass(StepExemptRoles, 1)},
		{"other role", cfg(rolesAre("editor")), newReq("/secret"), maint},
		{"role names are exact", cfg(rolesAre("staff ")), newReq("/secret"), maint},
		{"roles see the request", cfg(func(r *http.Request) []string {
			if r.Header.Get("X-Test-User") == "root" {
				return []string{"superuser"}
			}
			return nil
		}), newReq("/secret", hdr("X-Test-User", "root")), wantPass(StepExemptRoles, 0)},
	})
}

// swapRoles replaces the generated exempt.roles table for one test, to
// check the implied roles "anonymous" and "authenticated", which
// policy.yaml does not list.
func swapRoles(t *testing.T, roles map[string]int32) {
	t.Helper()
	saved := exemptRoles
	exemptRoles = roles
	t.Cleanup(func() { exemptRoles = saved })
}

func TestImpliedRoles(t *testing.T) {
	maint := wantMaint(FormatHTML, "en")
	cfg := func(roles func(*http.Request) []string) Config {
		return Config{State: stateIs(true), Roles: roles}
	}
	t.Run("anonymous", func(t *testing.T) {
		swapRoles(t, map[string]int32{"staff": 0, "anonymous": 1})
		runDecide(t, []decideCase{
			{"nil Roles", cfg(nil), newReq("/secret"), wantPass(StepExemptRoles, 1)},
			{"empty list", cfg(rolesAre()), newReq("/secret"), wantPass(StepExemptRoles, 1)},
			{"any role is not anonymous", cfg(rolesAre("editor")), newReq("/secret"), maint},
			{"listed role", cfg(rolesAre("staff")), newReq("/secret"), wantPass(StepExemptRoles, 0)},
		})
	})
	t.Run("authenticated", func(t *testing.T) {
		swapRoles(t, map[string]int32{"authenticated": 0})
		runDecide(t, []decideCase{
			{"nil Roles", cfg(nil), newReq("/secret"), maint},
			{"empty list", cfg(rolesAre()), newReq("/secret"), maint},
			{"any role", cfg(rolesAre("editor")), newReq("/secret"), wantPass(StepExemptRoles, 0)},
		})
	})
}

// ---- content negotiation ----

func TestPreferJSON(t *testing.T) {
	for _, c := range []struct {
		name  string
		lines []string
		want  bool
	}{
		{"no header", nil, false},
		{"empty", []string{""}, false},
		{"json", []string{"application/json"}, true},
		{"problem+json", []string{"application/problem+json"}, true},
		{"html", []string{"text/html"}, false},
		{"tie goes to html", []string{"application/json, text/html"}, false},
		{"tie goes to html, json last", []string{"text/html, application/json"}, false},
		{"html lower q", []string{"text/html;q=0.9, application/json"}, true},
		{"json lower q", []string{"application/json;q=0.9, text/html"}, false},
		{"*/* alone", []string{"*/*"}, false},
		{"application/*", []string{"application/*"}, true},
		{"text/*", []string{"text/*"}, false},
		{"text/* lower than application/*", []string{"text/*;q=0.5, application/*"}, true},
		{"*/* gives html its q", []string{"*/*;q=0.1, application/json"}, true},
		{"*/* gives json its q", []string{"text/html;q=0.1, */*"}, true},
		{"*/* gives problem+json its q", []string{"text/html;q=0.1, application/json;q=0, */*"}, true},
		{"most specific range: json q=0", []string{"application/json;q=0, */*"}, false},
		{"most specific range: html q=0", []string{"text/html;q=0, application/json;q=0.1, */*"}, true},
		{"most specific range, any order", []string{"text/html;q=0.1, text/*;q=0.9, application/json;q=0.5"}, true},
		{"most specific range, text/* first", []string{"text/*;q=0.2, text/html;q=0.1, application/json;q=0.15"}, true},
		{"application/* less specific than json", []string{"application/json;q=0.1, application/*;q=0.9, text/html;q=0.5"}, true},
		{"problem+json beats html", []string{"application/problem+json;q=0.6, application/json;q=0.2, text/html;q=0.5"}, true},
		{"json q=0 only", []string{"application/json;q=0"}, false},
		{"case-insensitive", []string{"APPLICATION/JSON"}, true},
		{"case-insensitive html", []string{"Text/HTML, application/json;q=0.5"}, false},
		{"q parameter name case", []string{"application/json;Q=0.5, text/html;q=0.4"}, true},
		{"other parameters", []string{"application/json;charset=utf-8"}, true},
		{"spaces", []string{"application/json ; q=0.5 , text/html ; q=0.4"}, true},
		{"q=1.0", []string{"text/html;q=0.999, application/json;q=1.0"}, true},
		{"q three decimals", []string{"text/html;q=0.501, application/json;q=0.5"}, false},
		{"multiple lines", []string{"text/html;q=0.5", "application/json"}, true},
		{"multiple lines, html later", []string{"application/json;q=0.5", "text/html"}, false},
		{"text/plain", []string{"text/plain"}, false},
		{"application/xml", []string{"application/xml"}, false},
		{"application/jsonx", []string{"application/jsonx"}, false},
		{"application/ld+json", []string{"application/ld+json"}, false},
		{"malformed q skipped", []string{"application/json;q=2"}, false},
		{"malformed q skipped, others kept", []string{"application/json;q=abc, application/*;q=0.3, text/html;q=0.2"}, true},
		{"no subtype", []string{"application"}, false},
		{"garbage", []string{"}{,;;,=,/"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := preferJSON(c.lines); got != c.want {
				t.Errorf("preferJSON(%q) = %v, want %v", c.lines, got, c.want)
			}
		})
	}
}

// TestAcceptResponse checks Accept through the handler: the format of the
// response, not only the decision.
func TestAcceptResponse(t *testing.T) {
	g := New(Config{State: stateIs(true)})
	for _, c := range []struct {
		accept []string
		want   Format
	}{
		{nil, FormatHTML},
		{[]string{"application/json"}, FormatJSON},
		{[]string{"application/problem+json"}, FormatJSON},
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, FormatHTML},
		{[]string{"application/json, text/plain, */*"}, FormatHTML}, // */* ties html with json
		{[]string{"application/json, text/plain, */*;q=0.8"}, FormatJSON},
		{[]string{"*/*"}, FormatHTML},
	} {
		t.Run(strings.Join(c.accept, "|"), func(t *testing.T) {
			r := newReq("/page", hdr("Accept", c.accept...))
			if d := g.Decide(r); d.Format != c.want {
				t.Errorf("Decide: format %q, want %q", d.Format, c.want)
			}
			checkPage(t, serve(t, g.Wrap(&app{}), r), false, c.want, "en")
		})
	}
}

func TestParseQ(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int // -1: malformed
	}{
		{"0", 0},
		{"1", 1000},
		{"0.", 0},
		{"1.", 1000},
		{"0.5", 500},
		{"0.05", 50},
		{"0.005", 5},
		{"0.123", 123},
		{"0.999", 999},
		{"1.0", 1000},
		{"1.000", 1000},
		{"", -1},
		{"1.001", -1},
		{"1.5", -1},
		{"2", -1},
		{"0.1234", -1},
		{".5", -1},
		{"0,5", -1},
		{"0.a", -1},
		{"-0", -1},
		{"01", -1},
		{" 0.5", -1},
		{"0.5 ", -1},
		{"1e0", -1},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, ok := parseQ(c.in)
			if c.want < 0 {
				if ok {
					t.Fatalf("parseQ(%q) = %d, want malformed", c.in, got)
				}
				return
			}
			if !ok || got != c.want {
				t.Fatalf("parseQ(%q) = %d, %v; want %d", c.in, got, ok, c.want)
			}
		})
	}
}

func TestNegotiateLocale(t *testing.T) {
	for _, c := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"no header", nil, "en"},
		{"empty", []string{""}, "en"},
		{"exact", []string{"fr"}, "fr"},
		{"exact, any case", []string{"PT-br"}, "pt-BR"},
		{"exact with region", []string{"pt-BR"}, "pt-BR"},
		{"language subtag of the range", []string{"fr-CA"}, "fr"},
		{"language subtag of the range, any case", []string{"FR-ca"}, "fr"},
		{"language subtag, longer tag", []string{"fr-Latn-CA-x-private"}, "fr"},
		{"language subtag of the locale", []string{"pt"}, "pt-BR"},
		{"language subtag of the locale, any case", []string{"PT"}, "pt-BR"},
		{"other region finds nothing", []string{"pt-PT"}, "en"},
		{"other region falls through to next", []string{"pt-PT, ar;q=0.1"}, "ar"},
		{"unknown", []string{"de"}, "en"},
		{"wildcard finds nothing", []string{"*"}, "en"},
		{"unknown then known", []string{"de, fr;q=0.5"}, "fr"},
		{"q order", []string{"fr;q=0.5, ar;q=0.8"}, "ar"},
		{"q order beats header order", []string{"fr;q=0.5, de, ar;q=0.8"}, "ar"},
		{"tie: header order", []string{"fr;q=0.8, ar;q=0.8"}, "fr"},
		{"tie: header order, default q", []string{"ar, fr"}, "ar"},
		{"q=0 dropped", []string{"fr;q=0, ar;q=0.1"}, "ar"},
		{"q=0 only", []string{"fr;q=0"}, "en"},
		{"q=0.000 dropped", []string{"ar;q=0.000"}, "en"},
		{"en explicit beats later", []string{"en-GB, fr"}, "en"},
		{"first range that finds", []string{"de-DE, pt, fr"}, "pt-BR"},
		{"multiple lines", []string{"de", "ar"}, "ar"},
		{"multiple lines, q across lines", []string{"fr;q=0.3", "ar;q=0.6"}, "ar"},
		{"spaces", []string{" fr-CA ; q=0.4 , ar ; q=0.3 "}, "fr"},
		{"q param case", []string{"fr;Q=0.2, ar;q=0.1"}, "fr"},
		{"browser style", []string{"de-CH,de;q=0.9,fr;q=0.8,en;q=0.7"}, "fr"},
		{"arabic region", []string{"ar-EG"}, "ar"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := locales[negotiateLocale(c.lines)].tag; got != c.want {
				t.Errorf("negotiateLocale(%q) = %q, want %q", c.lines, got, c.want)
			}
		})
	}
}

// TestLocaleResponse checks each locale's page and problem details through
// the handler.
func TestLocaleResponse(t *testing.T) {
	g := New(Config{State: stateIs(true)})
	for _, c := range []struct {
		acceptLanguage string
		want           string
	}{
		{"", "en"},
		{"fr-CA", "fr"},
		{"pt", "pt-BR"},
		{"pt-br", "pt-BR"},
		{"ar", "ar"},
		{"de", "en"},
	} {
		for _, f := range []Format{FormatHTML, FormatJSON} {
			t.Run(c.acceptLanguage+"/"+string(f), func(t *testing.T) {
				r := newReq("/page")
				if c.acceptLanguage != "" {
					r.Header.Set("Accept-Language", c.acceptLanguage)
				}
				if f == FormatJSON {
					r.Header.Set("Accept", "application/problem+json")
				}
				if d := g.Decide(r); d.Locale != c.want || d.Format != f {
					t.Errorf("Decide: locale %q format %q, want %q %q", d.Locale, d.Format, c.want, f)
				}
				checkPage(t, serve(t, g.Wrap(&app{}), r), false, f, c.want)
			})
		}
	}
}

// ---- the response ----

func TestMaintenanceResponseHeaders(t *testing.T) {
	g := New(Config{State: stateIs(true)})
	for _, f := range []Format{FormatHTML, FormatJSON} {
		t.Run(string(f), func(t *testing.T) {
			accept := "text/html"
			if f == FormatJSON {
				accept = "application/json"
			}
			getRec := serve(t, g.Wrap(&app{}), newReq("/page", hdr("Accept", accept), hdr("Accept-Language", "ar")))
			checkPage(t, getRec, false, f, "ar")
			if got := getRec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}

			headRec := serve(t, g.Wrap(&app{}), newReq("/page", head, hdr("Accept", accept), hdr("Accept-Language", "ar")))
			checkPage(t, headRec, true, f, "ar")
			if g, h := getRec.Header().Get("Content-Length"), headRec.Header().Get("Content-Length"); g != h {
				t.Errorf("HEAD Content-Length %s, GET %s", h, g)
			}
			if diff := cmp.Diff(getRec.Header(), headRec.Header()); diff != "" {
				t.Errorf("HEAD and GET headers differ (-GET +HEAD):\n%s", diff)
			}
		})
	}
}

// TestMaintenanceResponseOverHTTP serves the guard with a real server, so
// that net/http checks Content-Length against what is written.
func TestMaintenanceResponseOverHTTP(t *testing.T) {
	g := New(Config{State: stateIs(true)})
	a := &app{}
	guarded := g.Wrap(a)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = outsider // the test client is 127.0.0.1, which is exempt
		guarded.ServeHTTP(w, r)
	}))
	defer srv.Close()
	for _, c := range []struct {
		method, accept string
		wantType       string
	}{
		{http.MethodGet, "", "text/html; charset=utf-8"},
		{http.MethodGet, "application/json", "application/problem+json"},
		{http.MethodHead, "", "text/html; charset=utf-8"},
		{http.MethodHead, "application/json", "application/problem+json"},
		{http.MethodPost, "", "text/html; charset=utf-8"},
	} {
		t.Run(c.method+" "+c.accept, func(t *testing.T) {
			req, err := http.NewRequest(c.method, srv.URL+"/page", nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 503 || res.Header.Get("Content-Type") != c.wantType {
				t.Fatalf("status %d, Content-Type %q; want 503, %q", res.StatusCode, res.Header.Get("Content-Type"), c.wantType)
			}
			if res.Header.Get("Retry-After") != "120" || res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Retry-After %q, Cache-Control %q", res.Header.Get("Retry-After"), res.Header.Get("Cache-Control"))
			}
			if res.ContentLength <= 0 {
				t.Fatalf("ContentLength = %d, want the page length", res.ContentLength)
			}
			if c.method == http.MethodHead {
				if len(body) != 0 {
					t.Errorf("HEAD body has %d bytes", len(body))
				}
			} else if int64(len(body)) != res.ContentLength {
				t.Errorf("body has %d bytes, ContentLength %d", len(body), res.ContentLength)
			}
		})
	}
	if a.calls.Load() != 0 {
		t.Errorf("the app was called %d times", a.calls.Load())
	}
}

// TestPassThrough: a request that the guard lets through reaches the app
// unchanged, and the guard adds no headers.
func TestPassThrough(t *testing.T) {
	for _, c := range []struct {
		name     string
		cfg      Config
		req      *http.Request
		personal bool
	}{
		{"off", Config{State: stateIs(false)}, newReq("/page", hdr("Accept", "application/json")), false},
		{"exempt path", Config{State: stateIs(true)}, newReq("/healthz"), false},
		{"exempt ip", Config{State: stateIs(true)}, newReq("/page", from("127.0.0.1:1")), true},
		{"exempt role", Config{State: stateIs(true), Roles: rolesAre("staff")}, newReq("/page"), true},
		{"exempt ip from Config.ClientIP", Config{State: stateIs(true), ClientIP: clientIs("127.0.0.1")}, newReq("/page", from("203.0.113.9:1")), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var seen *http.Request
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = r
				w.Header().Set("X-App", "1")
				w.Header().Set("Cache-Control", "public, max-age=60")
				w.WriteHeader(http.StatusTeapot)
				io.WriteString(w, "tea")
			})
			rec := serve(t, New(c.cfg).Wrap(next), c.req)
			if seen == nil {
				t.Fatal("the app was not called")
			}
			if seen.URL.String() != c.req.URL.String() || seen.RemoteAddr != c.req.RemoteAddr || seen.Method != c.req.Method {
				t.Errorf("the app saw %s %s from %s", seen.Method, seen.URL, seen.RemoteAddr)
			}
			if rec.Code != http.StatusTeapot || rec.Body.String() != "tea" {
				t.Errorf("response %d %q, want the app's", rec.Code, rec.Body.String())
			}
			for _, name := range []string{"Retry-After", "Vary", "Content-Language"} {
				if v := rec.Header().Values(name); len(v) > 0 {
					t.Errorf("pass-through response has %s: %q", name, v)
				}
			}
			// A pass for who sent the request must not be cached for
			// others; a path exemption keeps the app's Cache-Control.
			want := "public, max-age=60"
			if c.personal {
				want = "no-store"
			}
			if v := rec.Header().Values("Cache-Control"); len(v) != 1 || v[0] != want {
				t.Errorf("Cache-Control %q, want %q", v, want)
			}
		})
	}
}

// TestConfigClientIP: Config.ClientIP replaces RemoteAddr and the
// X-Forwarded-For walk for exempt.ips, both ways.
func TestConfigClientIP(t *testing.T) {
	cf := func(r *http.Request) (netip.Addr, bool) {
		a, err := netip.ParseAddr(r.Header.Get("CF-Connecting-IP"))
		return a, err == nil
	}
	on := Config{State: stateIs(true), ClientIP: cf}
	runDecide(t, []decideCase{
		{"header names an exempt address", on, newReq("/secret", from("203.0.113.9:5"), hdr("CF-Connecting-IP", "10.1.2.3")), wantPass(StepExemptIPs, 1)},
		{"IPv4-mapped is unmapped", on, newReq("/secret", from("203.0.113.9:5"), hdr("CF-Connecting-IP", "::ffff:10.1.2.3")), wantPass(StepExemptIPs, 1)},
		{"exempt peer, no header: no client IP", on, newReq("/secret", from("127.0.0.1:5")), wantMaint(FormatHTML, "en")},
		{"exempt peer, other header", on, newReq("/secret", from("127.0.0.1:5"), hdr("CF-Connecting-IP", "203.0.113.7")), wantMaint(FormatHTML, "en")},
		{"X-Forwarded-For is not read", on, newReq("/secret", from("10.0.0.1:5"), hdr("X-Forwarded-For", "127.0.0.1"), hdr("CF-Connecting-IP", "203.0.113.7")), wantMaint(FormatHTML, "en")},
		{"a valid address with ok false", Config{State: stateIs(true), ClientIP: func(*http.Request) (netip.Addr, bool) { return netip.MustParseAddr("127.0.0.1"), false }}, newReq("/secret"), wantMaint(FormatHTML, "en")},
	})
}

// TestNoStoreWriter: the personal pass's writer sets no-store however the
// app writes (implicit WriteHeader, Flush first, an informational status
// first), and http.ResponseController reaches the underlying writer.
func TestNoStoreWriter(t *testing.T) {
	g := New(Config{State: stateIs(true)})
	for name, app := range map[string]http.HandlerFunc{
		"write": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "max-age=600")
			io.WriteString(w, "x")
		},
		"flush": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "max-age=600")
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("Flush: %v", err)
			}
		},
		"early hints": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Set("Cache-Control", "public")
			w.WriteHeader(http.StatusOK)
		},
	} {
		t.Run(name, func(t *testing.T) {
			rec := serve(t, g.Wrap(app), newReq("/page", from("127.0.0.1:1")))
			if v := rec.Header().Values("Cache-Control"); len(v) != 1 || v[0] != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", v)
			}
		})
	}
}

// ---- state ----

func TestStateConfig(t *testing.T) {
	errState := errors.New("state store down")
	for _, c := range []struct {
		name  string
		state func(context.Context) (bool, error)
		want  Decision
	}{
		{"on", stateIs(true), wantMaint(FormatHTML, "en")},
		{"off", stateIs(false), wantOff()},
		{"error means fallback on", func(context.Context) (bool, error) { return false, errState }, wantMaint(FormatHTML, "en")},
		{"error with true", func(context.Context) (bool, error) { return true, errState }, wantMaint(FormatHTML, "en")},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Config.State decides over the env var and the file.
			envValue, fileValue := "on", "on"
			if !c.want.Pass {
				envValue, fileValue = "off", "off"
			}
			t.Setenv(envVar, envValue)
			t.Chdir(t.TempDir())
			writeState(t, fileValue)
			runDecide(t, []decideCase{{"decide", Config{State: c.state}, newReq("/secret"), c.want}})
		})
	}
	t.Run("asked on every request", func(t *testing.T) {
		var on atomic.Bool
		g := New(Config{State: func(context.Context) (bool, error) { return on.Load(), nil }})
		for i, want := range []bool{false, true, true, false, true} {
			on.Store(want)
			if got := g.Decide(newReq("/secret")); got.Pass == want {
				t.Fatalf("request %d with State %v: %+v", i, want, got)
			}
		}
	})
	t.Run("gets the request context", func(t *testing.T) {
		type key struct{}
		g := New(Config{State: func(ctx context.Context) (bool, error) {
			return ctx.Value(key{}) == "maintenance", nil
		}})
		r := newReq("/secret")
		if !g.Decide(r).Pass {
			t.Error("without the value: not passed")
		}
		r = r.WithContext(context.WithValue(r.Context(), key{}, "maintenance"))
		if g.Decide(r).Pass {
			t.Error("with the value: passed")
		}
	})
}

func TestStateEnv(t *testing.T) {
	for _, c := range []struct {
		value string
		on    bool
	}{
		{"on", true},
		{"ON", true},
		{"On", true},
		{"1", true},
		{"true", true},
		{"TRUE", true},
		{" true\n", true},
		{"off", false},
		{"OFF", false},
		{"Off", false},
		{"0", false},
		{"false", false},
		{"False", false},
		{" off ", false},
		{"\toff\r\n", false},
		{"garbage", true}, // fallback
		{"yes", true},     // fallback
		{"2", true},       // fallback
		{"o n", true},     // fallback
		{"   ", true},     // set and non-empty, but no word: fallback
	} {
		t.Run(strconv.Quote(c.value), func(t *testing.T) {
			t.Setenv(envVar, c.value)
			t.Chdir(t.TempDir())
			// The file says the opposite: the env var decides.
			if c.on {
				writeState(t, "off")
			} else {
				writeState(t, "on")
			}
			want := wantOff()
			if c.on {
				want = wantMaint(FormatHTML, "en")
			}
			runDecide(t, []decideCase{{"decide", Config{}, newReq("/secret"), want}})
		})
	}
	t.Run("empty means the file", func(t *testing.T) {
		useStateFile(t)
		writeState(t, "on")
		if New(Config{}).Decide(newReq("/secret")).Pass {
			t.Error("env empty, file on: passed")
		}
	})
	t.Run("unset means the file", func(t *testing.T) {
		t.Setenv(envVar, "on") // restored after the test
		os.Unsetenv(envVar)
		t.Chdir(t.TempDir())
		writeState(t, "on")
		if New(Config{}).Decide(newReq("/secret")).Pass {
			t.Error("env unset, file on: passed")
		}
	})
	t.Run("read in New", func(t *testing.T) {
		t.Chdir(t.TempDir())
		t.Setenv(envVar, "off")
		g := New(Config{})
		t.Setenv(envVar, "on")
		if !g.Decide(newReq("/secret")).Pass {
			t.Error("env off at New, on later: blocked")
		}
		if New(Config{}).Decide(newReq("/secret")).Pass {
			t.Error("a new Guard does not see env on")
		}
	})
	t.Run("Wrap", func(t *testing.T) {
		t.Chdir(t.TempDir())
		t.Setenv(envVar, "on")
		a := &app{}
		checkPage(t, serve(t, Wrap(a), newReq("/secret")), false, FormatHTML, "en")
		if a.calls.Load() != 0 {
			t.Error("Wrap with env on called the app")
		}
		rec := serve(t, Wrap(a), newReq("/healthz"))
		if rec.Code != 200 || a.calls.Load() != 1 {
			t.Errorf("Wrap with env on: /healthz got %d", rec.Code)
		}
		t.Setenv(envVar, "off")
		rec = serve(t, Wrap(a), newReq("/secret"))
		if rec.Code != 200 || a.calls.Load() != 2 {
			t.Errorf("Wrap with env off: /secret got %d", rec.Code)
		}
	})
}

func TestStateFile(t *testing.T) {
	for _, c := range []struct {
		content string
		on      bool
	}{
		{"on", true},
		{"on\n", true},
		{"ON", true},
		{"1", true},
		{"true\n", true},
		{"off", false},
		{"off\n", false},
		{" Off \r\n", false},
		{"0", false},
		{"FALSE", false},
		{"garbage", true}, // fallback
		{"", true},        // not a word: fallback
		{"onoff", true},   // fallback
		{"\x00\xff", true},
	} {
		t.Run(strconv.Quote(c.content), func(t *testing.T) {
			useStateFile(t)
			writeState(t, c.content)
			want := wantOff()
			if c.on {
				want = wantMaint(FormatHTML, "en")
			}
			runDecide(t, []decideCase{{"decide", Config{}, newReq("/secret"), want}})
		})
	}
	t.Run("missing means off", func(t *testing.T) {
		useStateFile(t)
		runDecide(t, []decideCase{{"decide", Config{}, newReq("/secret"), wantOff()}})
	})
	t.Run("unreadable means fallback", func(t *testing.T) {
		useStateFile(t)
		// A directory opens but cannot be read, even by root.
		if err := os.Mkdir(stateName, 0o755); err != nil {
			t.Fatal(err)
		}
		runDecide(t, []decideCase{{"decide", Config{}, newReq("/secret"), wantMaint(FormatHTML, "en")}})
	})
	t.Run("a FIFO means fallback, without blocking", func(t *testing.T) {
		useStateFile(t)
		// Opening a FIFO for reading blocks until a writer opens it.
		if err := syscall.Mkfifo(stateName, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan Decision, 1)
		go func() { done <- New(Config{}).Decide(newReq("/secret")) }()
		select {
		case d := <-done:
			if want := wantMaint(FormatHTML, "en"); d != want {
				t.Errorf("Decide = %+v, want %+v", d, want)
			}
		case <-time.After(10 * time.Second):
			// Unblock the reader, so the test can end.
			if f, err := os.OpenFile(stateName, os.O_WRONLY, 0); err == nil {
				f.Close()
			}
			t.Fatal("a request blocked on the FIFO for 10s")
		}
	})
	t.Run("read on the first request, not in New", func(t *testing.T) {
		useStateFile(t)
		g := New(Config{}) // no file yet
		writeState(t, "on")
		if g.Decide(newReq("/secret")).Pass {
			t.Error("file written after New, before the first request: passed")
		}
	})
	t.Run("relative to the working directory", func(t *testing.T) {
		useStateFile(t)
		writeState(t, "on")
		if err := os.Mkdir("sub", 0o755); err != nil {
			t.Fatal(err)
		}
		t.Chdir("sub")
		if !New(Config{}).Decide(newReq("/secret")).Pass {
			t.Error("file in the parent directory was read")
		}
	})
}

func TestStateFilePolling(t *testing.T) {
	useStateFile(t)
	writeState(t, "off")
	g := New(Config{})
	h := g.Wrap(&app{})
	status := func() int { return serve(t, h, newReq("/secret")).Code }
	if got := status(); got != 200 {
		t.Fatalf("file off: status %d", got)
	}
	writeState(t, "on")
	eventually(t, "file changed to on", func() bool { return status() == 503 })
	writeState(t, "off")
	eventually(t, "file changed to off", func() bool { return status() == 200 })
	writeState(t, "garbage")
	eventually(t, "file changed to garbage (fallback on)", func() bool { return status() == 503 })
	if err := os.Remove(stateName); err != nil {
		t.Fatal(err)
	}
	eventually(t, "file removed (off)", func() bool { return status() == 200 })
	writeState(t, "1")
	eventually(t, "file created again", func() bool { return status() == 503 })
}

// TestStateFileConcurrentFirstRequests: requests that race to be the first
// all see the file's value, not the value before the first read.
func TestStateFileConcurrentFirstRequests(t *testing.T) {
	useStateFile(t)
	writeState(t, "on")
	const guards, workers = 20, 16
	for i := range guards {
		g := New(Config{})
		h := g.Wrap(&app{})
		start := make(chan struct{})
		var wg sync.WaitGroup
		var passed, decidedPass atomic.Int32
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if w%2 == 0 {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, newReq("/secret"))
					if rec.Code != 503 {
						passed.Add(1)
					}
				} else if g.Decide(newReq("/secret")).Pass {
					decidedPass.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		if passed.Load() != 0 || decidedPass.Load() != 0 {
			t.Fatalf("guard %d: %d served and %d decided requests passed with the file on", i, passed.Load(), decidedPass.Load())
		}
	}
}

// TestStateFileRefreshedByAnotherGoroutine: the goroutine that re-reads
// the file after the poll interval need not be the one that read it first,
// nor synchronized with it (as with requests on different connections).
// Run with -race.
func TestStateFileRefreshedByAnotherGoroutine(t *testing.T) {
	useStateFile(t)
	writeState(t, "on")
	g := New(Config{})
	first := make(chan Decision, 1)
	go func() { first <- g.Decide(newReq("/secret")) }()
	// Wait for the first read without synchronizing with that goroutine
	// beyond what a request would.
	eventually(t, "first read", func() bool { return g.word.Load()&stateLoaded != 0 })
	writeState(t, "off")
	eventually(t, "file changed to off", func() bool { return g.Decide(newReq("/secret")).Pass })
	if d := <-first; d.Pass {
		t.Errorf("first request with the file on: %+v", d)
	}
}

// TestStateFileConcurrentPolling hammers a Guard from several goroutines
// while the file changes. Run with -race.
func TestStateFileConcurrentPolling(t *testing.T) {
	useStateFile(t)
	writeState(t, "off")
	g := New(Config{})
	h := g.Wrap(&app{})
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, newReq("/secret"))
				if rec.Code != 200 && rec.Code != 503 {
					t.Errorf("status %d", rec.Code)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	for _, v := range []string{"on", "off", "on"} {
		writeState(t, v)
		want := v == "on"
		eventually(t, "file changed to "+v, func() bool { return !g.Decide(newReq("/secret")).Pass == want })
	}
	stop.Store(true)
	wg.Wait()
}

// ---- Active, ForceOn, logging ----

func TestActive(t *testing.T) {
	if Active(context.Background()) {
		t.Error("Active outside a request")
	}
	for _, c := range []struct {
		name string
		cfg  Config
		req  *http.Request
		want bool
	}{
		{"on, exempt path", Config{State: stateIs(true)}, newReq("/healthz"), true},
		{"on, exempt ip", Config{State: stateIs(true)}, newReq("/secret", from("127.0.0.1:1")), true},
		{"on, exempt role", Config{State: stateIs(true), Roles: rolesAre("staff")}, newReq("/secret"), true},
		{"off", Config{State: stateIs(false)}, newReq("/secret"), false},
		{"off, exempt path", Config{State: stateIs(false)}, newReq("/healthz"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := &app{}
			a.active.Store(!c.want)
			serve(t, New(c.cfg).Wrap(a), c.req)
			if a.calls.Load() != 1 {
				t.Fatalf("app calls %d, want 1", a.calls.Load())
			}
			if a.active.Load() != c.want {
				t.Errorf("Active = %v, want %v", a.active.Load(), c.want)
			}
			if Active(c.req.Context()) {
				t.Error("Active on the caller's context")
			}
		})
	}
}

func TestForceOn(t *testing.T) {
	// The mode is off every way it can be: ForceOn does not care.
	t.Setenv(envVar, "off")
	t.Chdir(t.TempDir())
	for _, c := range []struct {
		name   string
		req    *http.Request
		format Format
		tag    string
	}{
		{"plain", newReq("/reports"), FormatHTML, "en"},
		{"exempt path", newReq("/healthz"), FormatHTML, "en"},
		{"exempt ip", newReq("/admin", from("127.0.0.1:1")), FormatHTML, "en"},
		{"proxy and xff", newReq("/x", from(proxyPeer), hdr("X-Forwarded-For", "127.0.0.1")), FormatHTML, "en"},
		{"accept json", newReq("/reports", hdr("Accept", "application/json")), FormatJSON, "en"},
		{"json path", newReq("/api/reports"), FormatJSON, "en"},
		{"locale", newReq("/reports", hdr("Accept-Language", "fr-CA")), FormatHTML, "fr"},
		{"locale json", newReq("/reports", hdr("Accept-Language", "pt"), hdr("Accept", "application/problem+json")), FormatJSON, "pt-BR"},
		{"HEAD", newReq("/reports", head), FormatHTML, "en"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := &app{}
			rec := serve(t, ForceOn(a), c.req)
			if a.calls.Load() != 0 {
				t.Error("ForceOn called h")
			}
			checkPage(t, rec, c.req.Method == http.MethodHead, c.format, c.tag)
		})
	}
}

type logRecord struct {
	Level    string `json:"level"`
	Msg      string `json:"msg"`
	Path     string `json:"path"`
	ClientIP string `json:"client_ip"`
	Status   int    `json:"status"`
}

func TestLogging(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	var on atomic.Bool
	on.Store(true)
	g := New(Config{State: func(context.Context) (bool, error) { return on.Load(), nil }, Logger: logger})
	h := g.Wrap(&app{})

	records := func(t *testing.T) []logRecord {
		t.Helper()
		var out []logRecord
		for line := range strings.Lines(buf.String()) {
			var r logRecord
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			out = append(out, r)
		}
		buf.Reset()
		return out
	}
	for _, c := range []struct {
		name string
		on   bool
		req  *http.Request
		want []logRecord // Msg not compared
	}{
		{"maintenance response", true, newReq("/secret"), []logRecord{{Level: "INFO", Path: "/secret", ClientIP: outsiderIP, Status: 503}}},
		{"json response", true, newReq("/api/x", hdr("Accept", "application/json")), []logRecord{{Level: "INFO", Path: "/api/x", ClientIP: outsiderIP, Status: 503}}},
		{"HEAD", true, newReq("/secret", head), []logRecord{{Level: "INFO", Path: "/secret", ClientIP: outsiderIP, Status: 503}}},
		{"client behind proxy", true, newReq("/secret", from(proxyPeer), hdr("X-Forwarded-For", "198.51.100.9")), []logRecord{{Level: "INFO", Path: "/secret", ClientIP: "198.51.100.9", Status: 503}}},
		{"ipv6 client", true, newReq("/secret", from("[2001:db9::1]:5")), []logRecord{{Level: "INFO", Path: "/secret", ClientIP: "2001:db9::1", Status: 503}}},
		{"forced while off", false, newReq("/pay"), []logRecord{{Level: "INFO", Path: "/pay", ClientIP: outsiderIP, Status: 503}}},
		{"exempt path: no record", true, newReq("/healthz"), nil},
		{"exempt ip: no record", true, newReq("/secret", from("127.0.0.1:1")), nil},
		{"off: no record", false, newReq("/secret"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			on.Store(c.on)
			buf.Reset()
			serve(t, h, c.req)
			got := records(t)
			for i := range got {
				if got[i].Msg == "" {
					t.Errorf("record %d has no message", i)
				}
				got[i].Msg = ""
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("log records (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("one record per response", func(t *testing.T) {
		on.Store(true)
		buf.Reset()
		for range 3 {
			serve(t, h, newReq("/secret"))
		}
		serve(t, h, newReq("/healthz"))
		if got := len(records(t)); got != 3 {
			t.Errorf("%d records for 3 maintenance responses", got)
		}
	})
	t.Run("Decide does not log", func(t *testing.T) {
		on.Store(true)
		buf.Reset()
		g.Decide(newReq("/secret"))
		if buf.Len() != 0 {
			t.Errorf("Decide logged: %s", buf.String())
		}
	})
}

// ---- allocations and benchmarks ----

func decideRequests() map[string]struct {
	cfg Config
	req *http.Request
} {
	return map[string]struct {
		cfg Config
		req *http.Request
	}{
		"exempt path":   {Config{State: stateIs(true)}, newReq("/admin/users")},
		"exempt regexp": {Config{State: stateIs(true)}, newReq("/api/v1/status")},
		"exempt ip":     {Config{State: stateIs(true)}, newReq("/secret", from(proxyPeer), hdr("X-Forwarded-For", "127.0.0.1, 10.1.0.2"))},
		"blocked":       {Config{State: stateIs(true)}, newReq("/secret/page")},
		"blocked negotiated": {Config{State: stateIs(true)}, newReq("/secret/page",
			hdr("Accept", "text/html;q=0.5, application/problem+json"), hdr("Accept-Language", "de-CH, pt;q=0.9, fr;q=0.8"))},
		"forced": {Config{State: stateIs(false)}, newReq("/checkout/cart")},
		"off":    {Config{State: stateIs(false)}, newReq("/secret/page")},
	}
}

func TestDecideAllocs(t *testing.T) {
	for name, c := range decideRequests() {
		t.Run(name, func(t *testing.T) {
			g := New(c.cfg)
			var d Decision
			if n := testing.AllocsPerRun(200, func() { d = g.Decide(c.req) }); n != 0 {
				t.Errorf("Decide allocates %v times per call (decision %+v)", n, d)
			}
		})
	}
}

func BenchmarkDecide(b *testing.B) {
	reqs := decideRequests()
	for _, name := range []string{"exempt path", "exempt ip", "blocked", "blocked negotiated", "off"} {
		c := reqs[name]
		b.Run(name, func(b *testing.B) {
			g := New(c.cfg)
			b.ReportAllocs()
			for b.Loop() {
				g.Decide(c.req)
			}
		})
	}
}

// TestIsCleanAgreesWithPathClean checks the fast path of cleanPath against
// path.Clean on many shapes of path.
func TestIsCleanAgreesWithPathClean(t *testing.T) {
	parts := []string{"", "a", ".", "..", "...", ".a", "a.", "..a"}
	var paths []string
	for _, a := range parts {
		for _, b := range parts {
			for _, c := range parts {
				paths = append(paths, "/"+a, "/"+a+"/"+b, "/"+a+"/"+b+"/"+c, "/"+a+"/"+b+"/"+c+"/", "/"+a+"//"+b)
			}
		}
	}
	for _, p := range paths {
		want := path.Clean(p)
		if strings.HasSuffix(p, "/") && want != "/" {
			want += "/"
		}
		if got := isClean(p); got != (want == p) {
			t.Errorf("isClean(%q) = %t, but the clean form is %q", p, got, want)
		}
		if got := cleanPath(p); got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", p, got, want)
		}
	}
}
