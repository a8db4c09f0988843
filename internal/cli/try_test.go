package cli

import (
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/review"
)

// tryPolicy is the policy TestTry asks about; the positions in the
// expected output are its lines.
const tryPolicy = `version: 1
output: {go: maintenance/maintenance_gen.go, pages: public}
exempt:
  paths: ["/healthz", "/admin/"]
  ips: ["127.0.0.1", "10.0.0.0/8"]
  roles: [superuser, staff]
force:
  paths: ["/checkout/"]
proxies: ["10.1.0.0/16"]
response:
  json_paths: ["/api/"]
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
  fr: {title: T, heading: H, body: B}
`

// tryRedirectPolicy redirects blocked requests.
const tryRedirectPolicy = `version: 1
output: {go: maintenance/maintenance_gen.go, pages: public}
response:
  redirect: /maintenance
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
  de: {title: T, heading: H, body: B}
`

func TestTry(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), tryPolicy)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"exempt path", []string{"-path", "/admin/users"},
			"pass: exempt.paths /admin/ (policy.yaml:4:23)\n  client IP: none (no -ip), so no exempt.ips rule applies\n  roles: anonymous\n"},
		{"exempt IP", []string{"-path", "/", "-ip", "10.9.8.7:5555"},
			"pass: exempt.ips 10.0.0.0/8 (policy.yaml:5:22)\n  client IP: 10.9.8.7\n  cache: the app's response gets Cache-Control: no-store, as the pass depends on who sent the request\n  roles: anonymous\n"},
		{"client IP from Config.ClientIP", []string{"-path", "/", "-ip", "203.0.113.9", "-client-ip", "10.9.8.7"},
			"pass: exempt.ips 10.0.0.0/8 (policy.yaml:5:22)\n  client IP: 10.9.8.7, from Config.ClientIP (-client-ip)\n  cache: the app's response gets Cache-Control: no-store, as the pass depends on who sent the request\n  roles: anonymous\n"},
		{"no client IP from Config.ClientIP", []string{"-path", "/", "-ip", "127.0.0.1", "-client-ip", "none"},
			"maintenance: 503 html en: no exemption matched\n  client IP: none: Config.ClientIP reports none (-client-ip none), so no exempt.ips rule applies\n  roles: anonymous\n"},
		{"exempt IP through a proxy", []string{"-path", "/", "-ip", "10.1.0.5", "-xff", "198.51.100.1, 127.0.0.1"},
			"pass: exempt.ips 127.0.0.1 (policy.yaml:5:9)\n  client IP: 127.0.0.1, from X-Forwarded-For through the trusted proxy 10.1.0.5\n  cache: the app's response gets Cache-Control: no-store, as the pass depends on who sent the request\n  roles: anonymous\n"},
		{"X-Forwarded-For from an untrusted peer", []string{"-path", "/", "-ip", "203.0.113.9", "-xff", "127.0.0.1"},
			"maintenance: 503 html en: no exemption matched\n  client IP: 203.0.113.9\n  roles: anonymous\n"},
		{"malformed X-Forwarded-For", []string{"-path", "/", "-ip", "10.1.0.5", "-xff", "127.0.0.1, unknown"},
			"maintenance: 503 html en: no exemption matched\n  client IP: none: the peer is a trusted proxy and X-Forwarded-For has an empty or malformed entry, so no exempt.ips rule applies\n  roles: anonymous\n"},
		{"role", []string{"-path", "/", "-role", "customer", "-role", "staff"},
			"pass: exempt.roles staff (policy.yaml:6:22)\n  client IP: none (no -ip), so no exempt.ips rule applies\n  cache: the app's response gets Cache-Control: no-store, as the pass depends on who sent the request\n  roles: customer, staff, authenticated\n"},
		{"negotiated", []string{"-path", "/shop", "-accept", "application/json", "-lang", "fr-CA, en;q=0.5"},
			"maintenance: 503 json fr: no exemption matched\n  client IP: none (no -ip), so no exempt.ips rule applies\n  roles: anonymous\n"},
		{"forced while off", []string{"-path", "/checkout/pay", "-state", "off", "-ip", "127.0.0.1"},
			"maintenance: 503 html en: force.paths /checkout/ (policy.yaml:8:11)\n  mode: off (-state off)\n  client IP: 127.0.0.1\n  roles: anonymous\n"},
		{"off", []string{"-path", "/shop", "-state", "off"},
			"pass: maintenance mode is off\n  mode: off (-state off)\n  client IP: none (no -ip), so no exempt.ips rule applies\n  roles: anonymous\n"},
		{"forced through an escaped dot segment", []string{"-path", "/checkout/%2e%2e/x", "-state", "off"},
			"maintenance: 503 html en: force.paths /checkout/ (policy.yaml:8:11)\n  mode: off (-state off)\n  path: /checkout/../x, cleaned to /x\n  path: the target spells it /checkout/%2e%2e/x, not in canonical form (a router may route that spelling elsewhere), so no exempt.paths rule applies\n  path: a router may route it on /checkout/../x, where a force.paths pattern matches\n  client IP: none (no -ip), so no exempt.ips rule applies\n  roles: anonymous\n"},
		{"cleaned and hidden separator", []string{"-path", "/x/..%2fhealthz"},
			"maintenance: 503 html en: no exemption matched\n  path: /x/../healthz, cleaned to /healthz\n  path: the target spells it /x/..%2fhealthz, not in canonical form (a router may route that spelling elsewhere), so no exempt.paths rule applies\n  client IP: none (no -ip), so no exempt.ips rule applies\n  roles: anonymous\n"},
		{"unclean path", []string{"-path", "/blog/x/../../healthz"},
			"maintenance: 503 html en: no exemption matched\n  path: /blog/x/../../healthz, cleaned to /healthz\n  path: /blog/x/../../healthz is not in canonical form (a router may route it uncleaned), so no exempt.paths rule applies\n  client IP: none (no -ip), so no exempt.ips rule applies\n  roles: anonymous\n"},
		{"forced on the uncleaned path", []string{"-path", "/checkout/../cart", "-state", "off"},
			"maintenance: 503 html en: force.paths /checkout/ (policy.yaml:8:11)\n  mode: off (-state off)\n  path: /checkout/../cart, cleaned to /cart\n  path: /checkout/../cart is not in canonical form (a router may route it uncleaned), so no exempt.paths rule applies\n  path: a router may route it on /checkout/../cart, where a force.paths pattern matches\n  client IP: none (no -ip), so no exempt.ips rule applies\n  roles: anonymous\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, dir, append([]string{"try"}, tt.args...)...)
			if code != ExitOK || out != tt.want {
				t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s\nwant stdout:\n%s", code, out, errOut, tt.want)
			}
		})
	}
	redirect := t.TempDir()
	writeFile(t, filepath.Join(redirect, "policy.yaml"), tryRedirectPolicy)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-path", "/shop"}, "maintenance: 302 redirect to /maintenance: no exemption matched\n"},
		{[]string{"-path", "/maintenance", "-lang", "de"}, "maintenance: 503 html de: response.redirect /maintenance (policy.yaml:4:13): the redirect target gets the page\n"},
		{[]string{"-path", "/maintenance", "-state", "off"}, "redirect: 302 to /: maintenance mode is off, and /maintenance is response.redirect (policy.yaml:4:13)\n"},
	} {
		code, out, _ := run(t, redirect, append([]string{"try"}, tt.args...)...)
		if first, _, _ := strings.Cut(out, "\n"); code != ExitOK || first+"\n" != tt.want {
			t.Errorf("try %q: exit code %d, first line %q, want %q", tt.args, code, first, tt.want)
		}
	}
}

func TestTryUsage(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy)
	tests := []struct {
		args    []string
		wantErr string
	}{
		{nil, "maintgen try: -path is required\n"},
		{[]string{"-path", "/", "-ip", "example.com"}, "maintgen try: -ip \"example.com\" is not an IP address, with or without a port\n"},
		{[]string{"-path", "/", "-state", "maybe"}, "maintgen try: -state \"maybe\": want on or off\n"},
		{[]string{"-path", "relative"}, "maintgen try: -path \"relative\" is not a request target: want a path such as /admin/users\n"},
		{[]string{"-path", "/", "-now", "tomorrow"}, "maintgen try: -now \"tomorrow\" is not an RFC 3339 time: want a time such as 2026-03-01T02:30:00Z\n"},
		{[]string{"-path", "/", "extra"}, "maintgen try: unexpected argument \"extra\"\n"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, dir, append([]string{"try"}, tt.args...)...)
		if code != ExitUsage || out != "" || !strings.HasPrefix(errOut, tt.wantErr) {
			t.Errorf("try %q: exit code %d, stdout %q, stderr %q; want %d and %q", tt.args, code, out, errOut, ExitUsage, tt.wantErr)
		}
	}
	if code, _, errOut := run(t, dir, "try", "-policy", "nope.yaml", "-path", "/"); code != ExitPolicy || errOut != "nope.yaml:1:1: cannot read policy: no such file or directory\n" {
		t.Errorf("missing policy: exit code %d, stderr %q", code, errOut)
	}
}

// tryArgs returns the flags of maintgen try that describe the GET request
// c, at the case's time.
func tryArgs(t *testing.T, c difftest.Case) []string {
	t.Helper()
	args := []string{"-path", c.URI}
	if c.RemoteAddr != "" {
		args = append(args, "-ip", c.RemoteAddr)
	}
	if c.ClientIP != "" {
		args = append(args, "-client-ip", c.ClientIP)
	}
	for _, f := range []struct {
		name   string
		values []string
	}{{"-xff", c.XForwardedFor}, {"-role", c.Roles}, {"-accept", c.Accept}, {"-lang", c.AcceptLanguage}, {"-cookie", c.Cookie}} {
		for _, v := range f.values {
			args = append(args, f.name, v)
		}
	}
	if !c.On {
		args = append(args, "-state", "off")
	}
	now, err := c.Time()
	if err != nil {
		t.Fatal(err)
	}
	return append(args, "-now", now.Format(time.RFC3339Nano))
}

// tryCases checks that maintgen try gives the generated code's decision,
// for the golden policy p in dir; TestGolden runs it on every case that
// generates code. For each GET request of the policy's matrices, it
// parses try's flags; the flags must describe the matrix request exactly,
// and try's verdict line must be the one for interp.Evaluate's decision.
// It returns the requests the flags describe, which TestGolden's compiled
// step feeds to the generated code along with the case's matrices, in the
// same build (difftest holds Decide equal to interp.Evaluate). The bypass
// secret reaches try, as it reaches the guard, through the environment
// variable the policy names.
//
// One difference is by design: difftest's harness runs under go test, so
// exempt.tests applies to the generated code there, while try answers for
// a program that is not a test, as production is.
func tryCases(t *testing.T, dir string, p *policy.Policy) []difftest.Case {
	t.Helper()
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	c := &command{stdout: io.Discard, stderr: io.Discard}
	var cases []difftest.Case
	for _, mc := range append(difftest.Matrix(p), difftest.OpsMatrix(p)...) {
		if mc.Method != "GET" {
			continue // try asks about GET requests
		}
		if p.Bypass != nil {
			t.Setenv(p.Bypass.SecretEnv, mc.BypassSecret)
		}
		args := tryArgs(t, mc)
		tr, _, ok := c.parseTry(args)
		if !ok {
			t.Fatalf("try %q: flags refused", args)
		}
		tc := difftest.Case{Name: mc.Name, Method: "GET", URI: tr.Target, RemoteAddr: tr.IP,
			XForwardedFor: tr.XFF, Roles: tr.Roles, Accept: tr.Accept, AcceptLanguage: tr.Lang,
			On: tr.On, Now: tr.Now, Cookie: tr.Cookie, ClientIP: tr.Client}
		if p.Bypass != nil {
			tc.BypassSecret = os.Getenv(p.Bypass.SecretEnv)
		}
		want := mc
		want.Now = args[len(args)-1] // the case's time, written out
		if diff := cmp.Diff(want, tc, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("try %q describes another request (-matrix +try):\n%s", args, diff)
		}
		req, err := tc.Request()
		if err != nil {
			t.Fatal(err)
		}
		if req.Now, err = tc.Time(); err != nil {
			t.Fatal(err)
		}
		got, err := tr.requestFor(p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(req, got, cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Addr{})); diff != "" {
			t.Fatalf("try %q: request differs from the case's (-case +try):\n%s", args, diff)
		}
		// Run the command itself: its verdict line is the one for
		// the decision the generated code makes.
		wantLine := review.DescribeDecision(p, interp.Evaluate(p, req))
		var out, errOut strings.Builder
		if code := Run(append([]string{"try"}, args...), strings.NewReader(""), &out, &errOut); code != ExitOK {
			t.Fatalf("try %q: exit code %d: %s", args, code, errOut.String())
		}
		if first, _, _ := strings.Cut(out.String(), "\n"); first != wantLine {
			t.Errorf("try %q: %q, want %q", args, first, wantLine)
		}
		cases = append(cases, tc)
	}
	return cases
}

func TestTrySchedule(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy+"schedule:\n  - {start: 2026-03-01T02:00:00Z, end: 2026-03-01T04:00:00Z}\n")
	tests := []struct {
		now  string
		want string
	}{
		{"2026-03-01T03:00:00Z", "maintenance: 503 html en: no exemption matched\n  mode: on, as 2026-03-01T03:00:00Z is inside schedule[0] (2026-03-01T02:00:00Z to 2026-03-01T04:00:00Z)\n"},
		{"2026-03-01T04:00:00Z", "pass: maintenance mode is off\n  mode: off (-state off)\n"},
		{"2026-03-01T03:00:00+02:00", "pass: maintenance mode is off\n  mode: off (-state off)\n"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, dir, "try", "-path", "/", "-state", "off", "-now", tt.now)
		if code != ExitOK || !strings.HasPrefix(out, tt.want) {
			t.Errorf("try -now %s: exit code %d, stdout:\n%s\nstderr: %s\nwant stdout to start:\n%s", tt.now, code, out, errOut, tt.want)
		}
	}
}
