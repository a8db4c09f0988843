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
	"github.com/maintgen/maintgen/internal/statefile"
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
			wantCode := ExitMaintenance
			if strings.HasPrefix(tt.want, "pass: ") {
				wantCode = ExitOK
			}
			if got, _ := tryExplanation(out); code != wantCode || got != tt.want {
				t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s\nwant exit code %d, stdout:\n%s", code, out, errOut, wantCode, tt.want)
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
		if first, _, _ := strings.Cut(out, "\n"); code != ExitMaintenance || first+"\n" != tt.want {
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
		{[]string{"-path", "/", "-state", "maybe"}, "maintgen try: -state \"maybe\": want on, off or read-only\n"},
		{[]string{"-path", "relative"}, "maintgen try: -path \"relative\" is not a request target: want a path such as /admin/users\n"},
		{[]string{"-path", "/", "-now", "tomorrow"}, "maintgen try: -now \"tomorrow\" is not an RFC 3339 time: want a time such as 2026-03-01T02:30:00Z\n"},
		{[]string{"-path", "/", "a.yaml", "b.yaml"}, "maintgen try: want one policy file, got 2: a.yaml b.yaml\n"},
		{[]string{"-policy", "a.yaml", "-path", "/", "b.yaml"}, "maintgen try: the policy file is given twice, as -policy a.yaml and as b.yaml: give one\n"},
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
	switch {
	case c.Setting != "":
		args = append(args, "-state", c.Setting, "-method", c.Method)
	case !c.On:
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
		if mc.Method != "GET" && mc.Setting != "read-only" {
			continue // try asks about GET requests, and others in read-only mode
		}
		if mc.Setting != "" && mc.Setting != "read-only" {
			continue // -state sets a mode, not a start, an end or a reason
		}
		if p.Bypass != nil {
			t.Setenv(p.Bypass.SecretEnv, mc.BypassSecret)
		}
		args := tryArgs(t, mc)
		tr, _, ok := c.parseTry(args)
		if !ok {
			t.Fatalf("try %q: flags refused", args)
		}
		tc := difftest.Case{Name: mc.Name, Method: tr.Method, URI: tr.Target, RemoteAddr: tr.IP,
			XForwardedFor: tr.XFF, Roles: tr.Roles, Accept: tr.Accept, AcceptLanguage: tr.Lang,
			On: tr.Mode == statefile.On, Now: tr.Now, Cookie: tr.Cookie, ClientIP: tr.Client}
		if tr.Mode == statefile.ReadOnly {
			tc.Setting = "read-only"
		}
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
		d := interp.Evaluate(p, req)
		wantLine := review.DescribeDecision(p, d)
		var out, errOut strings.Builder
		wantCode := ExitMaintenance
		if d.Pass {
			wantCode = ExitOK
		}
		if code := Run(append([]string{"try"}, args...), strings.NewReader(""), &out, &errOut); code != wantCode {
			t.Fatalf("try %q: exit code %d, want %d: %s", args, code, wantCode, errOut.String())
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
		wantCode := ExitMaintenance
		if strings.HasPrefix(tt.want, "pass: ") {
			wantCode = ExitOK
		}
		if code != wantCode || !strings.HasPrefix(out, tt.want) {
			t.Errorf("try -now %s: exit code %d, stdout:\n%s\nstderr: %s\nwant stdout to start:\n%s", tt.now, code, out, errOut, tt.want)
		}
	}
}

// tryExplanation splits the output of maintgen try into the explanation
// and the response block, which starts at the line "response: ...".
func tryExplanation(out string) (explanation, response string) {
	if strings.HasPrefix(out, "response: ") {
		return "", out
	}
	if i := strings.Index(out, "\nresponse: "); i >= 0 {
		return out[:i+1], out[i+1:]
	}
	return out, ""
}

// TestTryResponse checks the exit code of maintgen try and the response
// it prints: the status and the header the generated guard sends (its
// respond and bypassResponse), for each kind of answer.
func TestTryResponse(t *testing.T) {
	const policyYAML = `version: 1
output: {go: maintenance/maintenance_gen.go, pages: public}
response:
  retry_after: 1h
  clear_cookies: [session]
  json_paths: ["/api/"]
schedule:
  - {start: 2026-03-01T02:00:00Z, end: 2026-03-01T04:00:00Z}
bypass:
  secret_env: TRY_BYPASS_SECRET
  path: /__maintenance/bypass
  ttl: 1h
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
  fr: {title: T, heading: H, body: B}
`
	const secret = "0123456789abcdef0123"
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), policyYAML)
	redirect := t.TempDir()
	writeFile(t, filepath.Join(redirect, "policy.yaml"), tryRedirectPolicy)
	t.Setenv("TRY_BYPASS_SECRET", secret)
	now := "2026-03-01T00:00:00Z"
	tests := []struct {
		name string
		dir  string
		args []string
		code int
		want string
	}{
		{"pass", dir, []string{"-path", "/", "-state", "off"}, ExitOK, ""},
		{"html page", dir, []string{"-path", "/shop", "-lang", "fr"}, ExitMaintenance,
			"response: 503 Service Unavailable\n  Cache-Control: no-store\n  Content-Language: fr\n  Content-Type: text/html; charset=utf-8\n" +
				"  Retry-After: 3600\n  Set-Cookie: session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0\n  Vary: Accept, Accept-Language\n  X-Content-Type-Options: nosniff\n"},
		{"json page in a window", dir, []string{"-path", "/api/x", "-state", "off", "-now", "2026-03-01T03:30:00.5Z"}, ExitMaintenance,
			"response: 503 Service Unavailable\n  Cache-Control: no-store\n  Content-Language: en\n  Content-Type: application/problem+json\n" +
				"  Retry-After: 1800\n  Set-Cookie: session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0\n  Vary: Accept, Accept-Language\n  X-Content-Type-Options: nosniff\n"},
		{"bypass link", dir, []string{"-path", "/__maintenance/bypass/" + secret}, ExitMaintenance,
			"response: 302 Found\n  Cache-Control: no-store\n  Location: /\n  Referrer-Policy: no-referrer\n  Set-Cookie: " +
				interp.BypassSetCookie(&policy.Policy{Bypass: &policy.Bypass{TTL: time.Hour}}, secret, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) + "\n"},
		{"redirect", redirect, []string{"-path", "/shop"}, ExitMaintenance,
			"response: 302 Found\n  Cache-Control: no-store\n  Location: /maintenance\n  Retry-After: 3600\n  Vary: Accept, Accept-Language\n"},
		{"redirect back while off", redirect, []string{"-path", "/maintenance", "-state", "off"}, ExitMaintenance,
			"response: 302 Found\n  Cache-Control: no-store\n  Location: /\n  Retry-After: 3600\n  Vary: Accept, Accept-Language\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"try", "-now", now}, tt.args...)
			code, out, errOut := run(t, tt.dir, args...)
			if _, resp := tryExplanation(out); code != tt.code || resp != tt.want {
				t.Errorf("try %q: exit code %d, stdout:\n%s\nstderr: %s\nwant exit code %d, response:\n%s", tt.args, code, out, errOut, tt.code, tt.want)
			}
		})
	}
}
