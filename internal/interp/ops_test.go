package interp_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
)

// mustParse parses a policy that must be valid.
func mustParse(t *testing.T, src string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("policy.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func opsPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	return mustParse(t, `version: 1
output: {go: m/m_gen.go, pages: public}
exempt: {paths: [/healthz], roles: [staff]}
force: {paths: [/pay]}
response: {retry_after: 90, clear_cookies: [sessionid, __Secure-id]}
schedule:
  - {start: 2030-03-01T02:00:00Z, end: 2030-03-01T04:00:00Z}
  - {start: 2030-03-01T04:00:00Z, end: 2030-03-01T05:00:00Z}
announce: 1h
bypass: {secret_env: B, ttl: 1h}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`)
}

const secret = "0123456789abcdef-secret"

func TestEvaluateOps(t *testing.T) {
	p := opsPolicy(t)
	before := time.Date(2030, 3, 1, 1, 0, 0, 0, time.UTC)
	inside := time.Date(2030, 3, 1, 3, 59, 59, 1, time.UTC)
	cookie := "maintenance_bypass=" + interp.BypassCookieValue(secret, before.Unix()+60)
	link := "/__maintenance/bypass/" + secret
	pass := func(step interp.Step) interp.Decision { return interp.Decision{Pass: true, Step: step, Rule: -1} }
	maint := interp.Decision{Step: "maintenance", Rule: -1, Status: 503, Format: "html", Locale: "en"}
	linkDecision := interp.Decision{Step: "bypass.path", Rule: -1, Status: 302, Format: "redirect", Location: "/"}
	for _, c := range []struct {
		name  string
		req   interp.Request
		want  interp.Decision
		retry int64
	}{
		{"off", interp.Request{Method: "GET", Path: "/x", Now: before}, pass("off"), 0},
		{"on", interp.Request{Method: "GET", Path: "/x", Now: before, On: true}, maint, 90},
		{"in a window, state off", interp.Request{Method: "GET", Path: "/x", Now: inside}, maint, 1},
		{"zero time: no window", interp.Request{Method: "GET", Path: "/x"}, pass("off"), 0},
		{"forced in a window: static Retry-After", interp.Request{Method: "GET", Path: "/pay", Now: inside},
			interp.Decision{Step: "force.paths", Rule: 0, Status: 503, Format: "html", Locale: "en"}, 90},
		{"link", interp.Request{Method: "GET", Path: link, Now: before, BypassSecret: secret}, linkDecision, 0},
		{"link while off", interp.Request{Method: "GET", Path: link, Now: before, BypassSecret: " " + secret + "\n"}, linkDecision, 0},
		{"link, HEAD", interp.Request{Method: "HEAD", Path: link, Now: before, BypassSecret: secret, On: true}, interp.Decision{Step: "maintenance", Rule: -1, Status: 503, Format: "html", Locale: "en"}, 90},
		{"link, no secret", interp.Request{Method: "GET", Path: "/__maintenance/bypass/", Now: before, On: true}, maint, 90},
		{"link, short secret", interp.Request{Method: "GET", Path: link[:len(link)-8], Now: before, BypassSecret: secret[:15], On: true}, maint, 90},
		{"cookie", interp.Request{Method: "GET", Path: "/x", Now: before, On: true, BypassSecret: secret, Cookie: []string{cookie}}, pass("bypass"), 0},
		{"cookie and role: the role first", interp.Request{Method: "GET", Path: "/x", Now: before, On: true, BypassSecret: secret, Cookie: []string{cookie}, Roles: []string{"staff"}},
			interp.Decision{Pass: true, Step: "exempt.roles", Rule: 0}, 0},
		{"cookie, another secret", interp.Request{Method: "GET", Path: "/x", Now: before, On: true, BypassSecret: secret + "x", Cookie: []string{cookie}}, maint, 90},
		{"cookie, expired", interp.Request{Method: "GET", Path: "/x", Now: before.Add(time.Minute), On: true, BypassSecret: secret, Cookie: []string{cookie}}, maint, 90},
		{"tests: not exempt by this policy", interp.Request{Method: "GET", Path: "/x", Now: before, On: true, Testing: true}, maint, 90},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := interp.Evaluate(p, c.req)
			if diff := gocmp.Diff(c.want, got); diff != "" {
				t.Fatalf("Evaluate (-want +got):\n%s", diff)
			}
			if !got.Pass {
				if r := interp.RetryAfter(p, got, c.req); r != strconv.FormatInt(c.retry, 10) && (r != "" || c.retry != 0) {
					t.Errorf("RetryAfter = %q, want %d", r, c.retry)
				}
			}
		})
	}
	t.Run("exempt.tests", func(t *testing.T) {
		p.Exempt.Tests = true
		defer func() { p.Exempt.Tests = false }()
		if d := interp.Evaluate(p, interp.Request{Method: "GET", Path: "/x", On: true, Testing: true}); d != pass("exempt.tests") {
			t.Errorf("%+v", d)
		}
		if d := interp.Evaluate(p, interp.Request{Method: "GET", Path: "/pay", On: true, Testing: true}); d.Pass {
			t.Errorf("forced path passed under test: %+v", d)
		}
	})
}

func TestUpcomingAndWindows(t *testing.T) {
	p := opsPolicy(t)
	start := time.Date(2030, 3, 1, 2, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		now        time.Time
		start, end time.Time
	}{
		{start.Add(-time.Hour - 1), time.Time{}, time.Time{}},
		{start.Add(-time.Hour), start, start.Add(2 * time.Hour)},
		{start.Add(time.Hour), start, start.Add(2 * time.Hour)},
		{start.Add(2 * time.Hour), start.Add(2 * time.Hour), start.Add(3 * time.Hour)},
		{start.Add(3 * time.Hour), time.Time{}, time.Time{}},
	} {
		s, e, ok := interp.Upcoming(p, c.now)
		if ok != !c.start.IsZero() || !s.Equal(c.start) || !e.Equal(c.end) {
			t.Errorf("Upcoming(%s) = %s, %s, %t; want %s, %s", c.now, s, e, ok, c.start, c.end)
		}
	}
}

func TestBypassCookie(t *testing.T) {
	p := opsPolicy(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := interp.BypassCookieValue(secret, 1893459600)
	if strings.Contains(v, secret) || !strings.HasPrefix(v, "1893459600.") || len(v) != len("1893459600.")+43 {
		t.Errorf("BypassCookieValue = %q", v)
	}
	if v != interp.BypassCookieValue(" "+secret+"\n", 1893459600) {
		t.Error("surrounding whitespace of the secret matters")
	}
	sc := interp.BypassSetCookie(p, secret, now)
	c, err := http.ParseSetCookie(sc)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "maintenance_bypass" || c.Value != interp.BypassCookieValue(secret, now.Unix()+3600) || c.MaxAge != 3600 ||
		!c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || !c.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("Set-Cookie %s", sc)
	}
	p.Bypass.InsecureCookie = true
	if sc := interp.BypassSetCookie(p, secret, now); strings.Contains(sc, "Secure") {
		t.Errorf("insecure_cookie: %s", sc)
	}
}

func TestClearCookieHeaders(t *testing.T) {
	p := opsPolicy(t)
	want := []string{
		"sessionid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
		"__Secure-id=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure",
	}
	for step, clear := range map[interp.Step]bool{"maintenance": true, "response.redirect": true, "force.paths": false, "bypass.path": false, "off": false} {
		got := interp.ClearCookieHeaders(p, interp.Decision{Step: step})
		if clear && !gocmp.Equal(got, want) || !clear && got != nil {
			t.Errorf("%s: %q", step, got)
		}
	}
}
