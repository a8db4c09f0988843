package maintenance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/statefile"
)

// These tests cover the operations rules of policy.yaml: its schedule,
// announce, bypass, toggle and response.clear_cookies. Expected values
// are written out from the policy.

const (
	bypassEnv    = "MAINTGEN_RUNTIME_TEST_BYPASS" // bypass.secret_env
	bypassLink   = "/__maintenance/bypass/"       // bypass.path (the default) and "/"
	testSecret   = "Open-Sesame_0123456789"       // 22 bytes
	bypassTTLSec = 3600                           // bypass.ttl: 1h
)

// The schedule of policy.yaml, in UTC.
var (
	win1Start = time.Date(2031, 1, 10, 2, 0, 0, 0, time.UTC)
	win1End   = time.Date(2031, 1, 10, 4, 0, 0, 0, time.UTC) // = win2Start
	win2End   = time.Date(2031, 1, 10, 6, 30, 0, 0, time.UTC)
	win3Start = time.Date(2031, 2, 1, 0, 0, 0, 0, time.UTC)
	win3End   = win3Start.Add(time.Second)
)

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

// ---- schedule ----

func TestSchedule(t *testing.T) {
	for _, c := range []struct {
		name  string
		now   time.Time
		state bool
		in    bool  // inside a window: the mode is on whatever the state
		retry int64 // Retry-After of a maintenance response
	}{
		{"long before, state off", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), false, false, 0},
		{"long before, state on", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), true, false, 120},
		{"a second before the first window", win1Start.Add(-time.Second), false, false, 0},
		{"a nanosecond before the first window", win1Start.Add(-1), false, false, 0},
		{"at the first window's start", win1Start, false, true, 7200},
		{"just after the start", win1Start.Add(time.Nanosecond), false, true, 7200},
		{"inside, a fraction rounds up", win1Start.Add(90*time.Minute + 300*time.Millisecond), false, true, 1800},
		{"inside, state on too: no end known", win1Start.Add(time.Hour), true, true, 120},
		{"the last second of the first window", win1End.Add(-time.Second), false, true, 1},
		{"the last instant of the first window", win1End.Add(-1), false, true, 1},
		{"at the first end: the second window", win1End, false, true, 9000},
		{"inside the second window", win1End.Add(2 * time.Hour), false, true, 1800},
		{"at the second window's end", win2End, false, false, 0},
		{"after the second window, state on", win2End.Add(time.Minute), true, false, 120},
		{"the one-second window", win3Start.Add(500 * time.Millisecond), false, true, 1},
		{"after the one-second window", win3End, false, false, 0},
		{"long after", time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), false, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var asked atomic.Int32
			cfg := Config{Now: clock(c.now), State: func(context.Context) (bool, error) {
				asked.Add(1)
				return c.state, nil
			}}
			g := New(cfg)
			on := c.in || c.state
			want := wantOff()
			if on {
				want = wantMaint(FormatHTML, "en")
			}
			if got := g.Decide(newReq("/secret")); got != want {
				t.Fatalf("Decide = %+v, want %+v", got, want)
			}
			if asked.Load() != 1 { // inside a window too: an off with a time may suspend it
				t.Errorf("Config.State was asked %d times, want once", asked.Load())
			}
			rec := serve(t, g.Wrap(&app{}), newReq("/secret"))
			if !on {
				if rec.Code != 200 {
					t.Fatalf("status %d, want 200", rec.Code)
				}
				return
			}
			if got := rec.Header().Values("Retry-After"); len(got) != 1 || got[0] != strconv.FormatInt(c.retry, 10) {
				t.Errorf("Retry-After = %q, want %d", got, c.retry)
			}
			// An exempt request sees the mode on.
			a := &app{}
			serve(t, g.Wrap(a), newReq("/healthz"))
			if !a.active.Load() {
				t.Error("Active is false for an exempt request")
			}
			// force.paths is not about the mode: its Retry-After stays response.retry_after.
			rec = serve(t, g.Wrap(&app{}), newReq("/pay"))
			if got := rec.Header().Get("Retry-After"); got != "120" {
				t.Errorf("forced path: Retry-After %q, want 120", got)
			}
		})
	}
}

func TestWindowAtAgreesWithLinearSearch(t *testing.T) {
	saved := schedule
	t.Cleanup(func() { schedule = saved })
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 12 {
		schedule = nil
		at := int64(1000)
		for range n {
			at += rng.Int64N(5) // windows may touch
			length := 1 + rng.Int64N(4)
			schedule = append(schedule, window{at, at + length})
			at += length
		}
		for now := int64(990); now < at+5; now++ {
			want := -1
			for i, w := range schedule {
				if w.start <= now && now < w.end {
					want = i
				}
			}
			got, ok := windowAt(now)
			if got != want || ok != (want >= 0) {
				t.Fatalf("schedule %v: windowAt(%d) = %d, %t; want %d", schedule, now, got, ok, want)
			}
		}
	}
}

func TestUpcoming(t *testing.T) {
	for _, c := range []struct {
		name       string
		now        time.Time
		start, end time.Time // zero: none
	}{
		{"more than announce ahead", win1Start.Add(-24*time.Hour - time.Second), time.Time{}, time.Time{}},
		{"exactly announce ahead", win1Start.Add(-24 * time.Hour), win1Start, win1End},
		{"a fraction within announce", win1Start.Add(-24*time.Hour + 1), win1Start, win1End},
		{"an hour ahead", win1Start.Add(-time.Hour), win1Start, win1End},
		{"in progress", win1Start.Add(time.Minute), win1Start, win1End},
		{"the next one, once the first ends", win1End, win1End, win2End},
		{"after the second, the third is days away", win2End, time.Time{}, time.Time{}},
		{"the third, a day ahead", win3Start.Add(-time.Hour), win3Start, win3End},
		{"all over", win3End, time.Time{}, time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			start, end, ok := New(Config{Now: clock(c.now)}).Upcoming(context.Background())
			if ok != !c.start.IsZero() || !start.Equal(c.start) || !end.Equal(c.end) {
				t.Errorf("Upcoming at %s = %s, %s, %t; want %s, %s", c.now, start, end, ok, c.start, c.end)
			}
		})
	}
}

// ---- bypass ----

// bypassGuard returns a Guard with the mode on, created with the bypass
// secret set to secret (unset when secret is "-").
func bypassGuard(t *testing.T, secret string, cfg Config) *Guard {
	t.Helper()
	t.Setenv(bypassEnv, "")
	if secret == "-" {
		os.Unsetenv(bypassEnv)
	} else {
		t.Setenv(bypassEnv, secret)
	}
	if cfg.State == nil {
		cfg.State = stateIs(true)
	}
	return New(cfg)
}

// cookieFrom returns the bypass cookie of a link response.
func cookieFrom(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == "maintenance_bypass" {
			return c
		}
	}
	t.Fatalf("no maintenance_bypass cookie; Set-Cookie %q", rec.Header().Values("Set-Cookie"))
	return nil
}

func withCookie(value string) reqOpt {
	return hdr("Cookie", "maintenance_bypass="+value)
}

func TestBypassLink(t *testing.T) {
	now := time.Date(2027, 5, 1, 12, 0, 0, 0, time.UTC)
	g := bypassGuard(t, testSecret, Config{Now: clock(now)})
	r := newReq(bypassLink + testSecret)
	want := Decision{Step: StepBypassLink, Rule: -1, Status: 302, Format: FormatRedirect, Location: "/"}
	if got := g.Decide(r); got != want {
		t.Fatalf("Decide = %+v, want %+v", got, want)
	}
	a := &app{}
	rec := serve(t, g.Wrap(a), r)
	if a.calls.Load() != 0 || rec.Code != 302 || rec.Header().Get("Location") != "/" {
		t.Fatalf("link: app calls %d, status %d, Location %q; want the 302 to /", a.calls.Load(), rec.Code, rec.Header().Get("Location"))
	}
	for name, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	c := cookieFrom(t, rec)
	expiry := now.Unix() + bypassTTLSec
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != bypassTTLSec || c.Domain != "" {
		t.Errorf("cookie attributes: %s", rec.Header().Get("Set-Cookie"))
	}
	if !c.Expires.Equal(time.Unix(expiry, 0)) {
		t.Errorf("cookie Expires %s, want %s", c.Expires, time.Unix(expiry, 0))
	}
	if strings.Contains(rec.Header().Get("Set-Cookie"), testSecret) {
		t.Errorf("the cookie holds the secret: %s", rec.Header().Get("Set-Cookie"))
	}
	// The value is the interpreter's: expiry and HMAC-SHA256 of it.
	if want := interp.BypassCookieValue(testSecret, expiry); c.Value != want {
		t.Errorf("cookie value %q, want %q", c.Value, want)
	}

	// The cookie lets its holder through, after the roles.
	d := g.Decide(newReq("/secret", withCookie(c.Value)))
	if d != wantPass(StepBypass, -1) {
		t.Errorf("with the cookie: %+v", d)
	}
	g.cfg.Roles = rolesAre("staff")
	if d := g.Decide(newReq("/secret", withCookie(c.Value))); d != wantPass(StepExemptRoles, 1) {
		t.Errorf("with the cookie and a role: %+v, want exempt.roles first", d)
	}
	g.cfg.Roles = nil
	a = &app{}
	if rec := serve(t, g.Wrap(a), newReq("/secret", withCookie(c.Value))); rec.Code != 200 || !a.active.Load() {
		t.Errorf("with the cookie: status %d, Active %t", rec.Code, a.active.Load())
	}
	// The link works while the mode is off too, so admins can get in first.
	off := bypassGuard(t, testSecret, Config{Now: clock(now), State: stateIs(false)})
	if d := off.Decide(newReq(bypassLink + testSecret)); d != want {
		t.Errorf("link while off: %+v", d)
	}
}

func TestBypassInsecureCookieIsDecidedByThePolicy(t *testing.T) {
	if !bypassSecure {
		t.Fatal("policy.yaml leaves insecure_cookie false: the cookie must be Secure")
	}
}

func TestBypassLinkRefused(t *testing.T) {
	g := bypassGuard(t, testSecret, Config{})
	for _, c := range []struct {
		name string
		req  *http.Request
	}{
		{"wrong secret", newReq(bypassLink + "Open-Sesame_0123456788")},
		{"truncated", newReq(bypassLink + testSecret[:len(testSecret)-1])},
		{"extended", newReq(bypassLink + testSecret + "0")},
		{"wrong case", newReq(bypassLink + strings.ToLower(testSecret))},
		{"upper case", newReq(bypassLink + strings.ToUpper(testSecret))},
		{"trailing slash", newReq(bypassLink + testSecret + "/")},
		{"empty", newReq(bypassLink)},
		{"no slash before the secret", newReq(strings.TrimSuffix(bypassLink, "/") + testSecret)},
		{"another path", newReq("/bypass/" + testSecret)},
		{"query, not path", newReq(bypassLink + "?" + testSecret)},
		{"HEAD", newReq(bypassLink+testSecret, head)},
		{"POST", newReq(bypassLink+testSecret, method("POST"))},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := g.Decide(c.req)
			if d != wantMaint(FormatHTML, "en") {
				t.Errorf("Decide = %+v, want the maintenance response", d)
			}
			rec := serve(t, g.Wrap(&app{}), c.req)
			for _, sc := range rec.Header().Values("Set-Cookie") {
				if strings.HasPrefix(sc, "maintenance_bypass=") {
					t.Errorf("a bypass cookie was set: %s", sc)
				}
			}
		})
	}
}

func TestBypassOff(t *testing.T) {
	for _, c := range []struct{ name, secret string }{
		{"unset", "-"},
		{"empty", ""},
		{"blank", "   "},
		{"15 bytes", "0123456789abcde"},
		{"15 bytes and spaces", "  0123456789abcde \n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			g := bypassGuard(t, c.secret, Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			secret := strings.TrimSpace(strings.TrimPrefix(c.secret, "-"))
			if d := g.Decide(newReq(bypassLink + secret)); d != wantMaint(FormatHTML, "en") {
				t.Errorf("link: %+v, want the maintenance response", d)
			}
			// A cookie made with the (short) secret is no good either.
			v := interp.BypassCookieValue(secret, time.Now().Unix()+60)
			if d := g.Decide(newReq("/x", withCookie(v))); d.Pass {
				t.Errorf("cookie: %+v, want the maintenance response", d)
			}
			short := secret != ""
			if got := strings.Contains(logs.String(), "shorter than 16 bytes"); got != short {
				t.Errorf("warning logged: %t, want %t: %s", got, short, logs.String())
			}
			if secret != "" && strings.Contains(logs.String(), secret) {
				t.Errorf("the secret was logged: %s", logs.String())
			}
		})
	}
	t.Run("16 bytes is enough", func(t *testing.T) {
		g := bypassGuard(t, " 0123456789abcdef\n", Config{})
		if d := g.Decide(newReq(bypassLink + "0123456789abcdef")); d.Step != StepBypassLink {
			t.Errorf("link: %+v", d)
		}
	})
}

func TestBypassCookieRefused(t *testing.T) {
	now := time.Date(2027, 5, 1, 12, 0, 0, 0, time.UTC)
	g := bypassGuard(t, testSecret, Config{Now: clock(now)})
	valid := interp.BypassCookieValue(testSecret, now.Unix()+600)
	expiry, mac, _ := strings.Cut(valid, ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	if d := g.Decide(newReq("/x", withCookie(valid))); !d.Pass {
		t.Fatalf("the valid cookie is refused: %+v", d)
	}
	for _, c := range []struct{ name, value string }{
		{"mac of another secret", interp.BypassCookieValue(testSecret+"x", now.Unix()+600)},
		{"mac made with the case changed", interp.BypassCookieValue(strings.ToLower(testSecret), now.Unix()+600)},
		{"first mac character changed", expiry + "." + flip(mac, 0)},
		{"last mac character changed", expiry + "." + flip(mac, len(mac)-1)},
		{"expiry changed", strconv.FormatInt(now.Unix()+601, 10) + "." + mac},
		{"mac truncated", expiry + "." + mac[:len(mac)-1]},
		{"mac extended", valid + "A"},
		{"padded mac", valid + "="},
		{"no mac", expiry},
		{"no expiry", "." + mac},
		{"leading zero", "0" + valid},
		{"sign", "+" + valid},
		{"expired a second ago", interp.BypassCookieValue(testSecret, now.Unix()-1)},
		{"expiring now", interp.BypassCookieValue(testSecret, now.Unix())},
		{"too far ahead (minted with a longer ttl)", interp.BypassCookieValue(testSecret, now.Unix()+bypassTTLSec+61)},
		{"the secret itself", testSecret},
		{"empty", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if d := g.Decide(newReq("/x", withCookie(c.value))); d.Pass {
				t.Errorf("cookie %q let through: %+v", c.value, d)
			}
		})
	}
	t.Run("within the clock skew", func(t *testing.T) {
		v := interp.BypassCookieValue(testSecret, now.Unix()+bypassTTLSec+60)
		if d := g.Decide(newReq("/x", withCookie(v))); !d.Pass {
			t.Errorf("cookie 60s beyond the ttl refused: %+v", d)
		}
	})
	t.Run("one good cookie among bad ones", func(t *testing.T) {
		r := newReq("/x", hdr("Cookie", "maintenance_bypass=garbage; sessionid=1", "maintenance_bypass="+valid))
		if d := g.Decide(r); !d.Pass {
			t.Errorf("refused: %+v", d)
		}
	})
	t.Run("only the first cookies count", func(t *testing.T) {
		if maxBypassCookies != interp.MaxBypassCookies {
			t.Fatalf("maxBypassCookies %d, interp.MaxBypassCookies %d", maxBypassCookies, interp.MaxBypassCookies)
		}
		bad := strings.Repeat("maintenance_bypass="+valid[:len(valid)-1]+"A; ", maxBypassCookies-1)
		if d := g.Decide(newReq("/x", hdr("Cookie", bad+"maintenance_bypass="+valid))); !d.Pass {
			t.Errorf("a good cookie among the first %d refused: %+v", maxBypassCookies, d)
		}
		bad = strings.Repeat("maintenance_bypass="+valid[:len(valid)-1]+"A; ", 3000)
		if d := g.Decide(newReq("/x", hdr("Cookie", bad+"maintenance_bypass="+valid))); d.Pass {
			t.Errorf("a good cookie after 3000 others counted: %+v", d)
		}
	})
	t.Run("expires with the clock", func(t *testing.T) {
		later := bypassGuard(t, testSecret, Config{Now: clock(now.Add(600 * time.Second))})
		if d := later.Decide(newReq("/x", withCookie(valid))); d.Pass {
			t.Errorf("expired cookie let through: %+v", d)
		}
	})
	t.Run("another secret after a restart", func(t *testing.T) {
		rotated := bypassGuard(t, testSecret+"-rotated", Config{Now: clock(now)})
		if d := rotated.Decide(newReq("/x", withCookie(valid))); d.Pass {
			t.Errorf("a cookie of the old secret let through: %+v", d)
		}
	})
}

func TestBypassSecretNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	g := bypassGuard(t, testSecret, Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	h := g.Wrap(&app{})
	serve(t, h, newReq(bypassLink+testSecret))                 // the link
	serve(t, h, newReq(bypassLink+testSecret, method("POST"))) // a maintenance response for the link's path
	serve(t, h, newReq(bypassLink+testSecret+"/x"))            // another path under it
	serve(t, h, newReq(bypassLink+"wrong-but-logged-as-redacted"))
	// Mistyped links are not the link, but still hold the secret.
	serve(t, h, newReq("/"+bypassLink+testSecret))
	serve(t, h, newReq("/x/.."+bypassLink+testSecret))
	serve(t, h, newReq("/x"+bypassLink+testSecret))
	out := logs.String()
	if strings.Contains(out, testSecret) || strings.Contains(out, "wrong-but") {
		t.Errorf("the log holds a secret or a guess:\n%s", out)
	}
	if got := strings.Count(out, `"path":"/__maintenance/bypass/[redacted]"`); got != 6 {
		t.Errorf("%d redacted paths, want 6:\n%s", got, out)
	}
	if !strings.Contains(out, "bypass link used") {
		t.Errorf("the link's use is not logged:\n%s", out)
	}
}

// ---- response.clear_cookies ----

func TestClearCookies(t *testing.T) {
	want := []string{
		"sessionid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
		"__Host-csrf=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure",
	}
	for _, c := range []struct {
		name   string
		cfg    Config
		req    *http.Request
		status int
		clear  bool
	}{
		{"maintenance response", Config{State: stateIs(true)}, newReq("/secret"), 503, true},
		{"HEAD", Config{State: stateIs(true)}, newReq("/secret", head), 503, true},
		{"json", Config{State: stateIs(true)}, newReq("/api/x"), 503, true},
		{"inside a window", Config{State: stateIs(false), Now: clock(win1Start)}, newReq("/secret"), 503, true},
		{"forced path while off: not a logout", Config{State: stateIs(false)}, newReq("/pay"), 503, false},
		{"forced path while on", Config{State: stateIs(true)}, newReq("/pay"), 503, false},
		{"exempt", Config{State: stateIs(true)}, newReq("/healthz"), 200, false},
		{"off", Config{State: stateIs(false)}, newReq("/secret"), 200, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := serve(t, New(c.cfg).Wrap(&app{}), c.req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d", rec.Code, c.status)
			}
			var w []string
			if c.clear {
				w = want
			}
			if diff := cmp.Diff(w, rec.Header().Values("Set-Cookie")); diff != "" {
				t.Errorf("Set-Cookie (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("ForceOn does not log out", func(t *testing.T) {
		if got := serve(t, ForceOn(&app{}), newReq("/x")).Header().Values("Set-Cookie"); got != nil {
			t.Errorf("Set-Cookie %q", got)
		}
	})
	t.Run("browsers parse them as expired", func(t *testing.T) {
		rec := serve(t, New(Config{State: stateIs(true)}).Wrap(&app{}), newReq("/secret"))
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge >= 0 || c.Path != "/" {
				t.Errorf("cookie %s: MaxAge %d, Path %q", c.Name, c.MaxAge, c.Path)
			}
		}
	})
}

// ---- toggle ----

// toggleReq returns a POST of body to the toggle from the same origin.
func toggleReq(contentType, body string, opts ...reqOpt) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/admin/maintenance", strings.NewReader(body))
	r.RemoteAddr = outsider
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

const form = "application/x-www-form-urlencoded"

type toggleAnswerBody struct {
	State  string `json:"state"`
	Active *bool  `json:"active"`
	Error  string `json:"error"`
}

func answer(t *testing.T, rec *httptest.ResponseRecorder) toggleAnswerBody {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var a toggleAnswerBody
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer %q: %v", rec.Body.String(), err)
	}
	return a
}

// recordingStore is a Config.State and Config.SetState pair.
type recordingStore struct {
	on    atomic.Bool
	sets  atomic.Int32
	fails error
}

func (s *recordingStore) state(context.Context) (bool, error) { return s.on.Load(), nil }

func (s *recordingStore) set(_ context.Context, on bool) error {
	s.sets.Add(1)
	if s.fails != nil {
		return s.fails
	}
	s.on.Store(on)
	return nil
}

func TestToggleRequests(t *testing.T) {
	for _, c := range []struct {
		name   string
		roles  []string
		req    *http.Request
		status int
		on     bool // the state after a 200
	}{
		{"form on", []string{"superuser"}, toggleReq(form, "state=on"), 200, true},
		{"form off", []string{"superuser"}, toggleReq(form, "state=off"), 200, false},
		{"form, any case", []string{"superuser"}, toggleReq(form, "state=ON"), 200, true},
		{"form with charset", []string{"superuser"}, toggleReq(form+"; charset=utf-8", "state=on"), 200, true},
		{"json on", []string{"superuser"}, toggleReq("application/json", `{"state":"on"}`), 200, true},
		{"json off", []string{"superuser"}, toggleReq("application/json", `{"state": "off"}`), 200, false},
		{"another toggle role", []string{"x", "ops"}, toggleReq(form, "state=on"), 200, true},
		{"same origin", []string{"superuser"}, toggleReq(form, "state=on", hdr("Sec-Fetch-Site", "same-origin"), hdr("Origin", "http://example.com")), 200, true},

		{"GET", []string{"superuser"}, newReq("/admin/maintenance?state=on"), 405, false},
		{"HEAD", []string{"superuser"}, newReq("/admin/maintenance", head), 405, false},
		{"PUT", []string{"superuser"}, toggleReq(form, "state=on", method("PUT")), 405, false},
		{"anonymous", nil, toggleReq(form, "state=on"), 403, false},
		{"exempt role, not a toggle role", []string{"staff"}, toggleReq(form, "state=on"), 403, false},
		{"role case", []string{"Superuser"}, toggleReq(form, "state=on"), 403, false},
		{"cross-site", []string{"superuser"}, toggleReq(form, "state=on", hdr("Sec-Fetch-Site", "cross-site")), 403, false},
		{"same-site is not same-origin", []string{"superuser"}, toggleReq(form, "state=on", hdr("Sec-Fetch-Site", "same-site")), 403, false},
		{"foreign Origin", []string{"superuser"}, toggleReq(form, "state=on", hdr("Origin", "https://evil.example")), 403, false},
		{"no state", []string{"superuser"}, toggleReq(form, "mode=on"), 400, false},
		{"state in the query only", []string{"superuser"}, toggleReq(form, "", func(r *http.Request) { r.URL.RawQuery = "state=on" }), 400, false},
		{"another word", []string{"superuser"}, toggleReq(form, "state=1"), 400, false},
		{"bad json", []string{"superuser"}, toggleReq("application/json", `{"state":`), 400, false},
		{"json bool", []string{"superuser"}, toggleReq("application/json", `{"state":true}`), 400, false},
		{"body too large", []string{"superuser"}, toggleReq(form, "state=on&pad="+strings.Repeat("x", 2000)), 400, false},
		{"text", []string{"superuser"}, toggleReq("text/plain", "on"), 415, false},
		{"no content type", []string{"superuser"}, toggleReq("", "state=on"), 415, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			store := &recordingStore{}
			store.on.Store(!c.on)
			g := New(Config{State: store.state, SetState: store.set, Roles: rolesAre(c.roles...)})
			rec := serve(t, g.ToggleHandler(), c.req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body.String())
			}
			if c.status == 403 && rec.Header().Get("Content-Type") != "application/json" {
				return // refused by http.CrossOriginProtection, before the toggle
			}
			a := answer(t, rec)
			if c.status != 200 {
				if a.Error == "" {
					t.Errorf("no error in %s", rec.Body.String())
				}
				if store.sets.Load() != 0 {
					t.Errorf("SetState called %d times", store.sets.Load())
				}
				if c.status == 405 && rec.Header().Get("Allow") != "POST" {
					t.Errorf("Allow %q", rec.Header().Get("Allow"))
				}
				return
			}
			want := "off"
			if c.on {
				want = "on"
			}
			if a.State != want || a.Active == nil || *a.Active != c.on || store.sets.Load() != 1 || store.on.Load() != c.on {
				t.Errorf("answer %s, SetState calls %d, state %t; want %s", rec.Body.String(), store.sets.Load(), store.on.Load(), want)
			}
		})
	}
}

func TestToggleWhereTheStateLives(t *testing.T) {
	admin := rolesAre("superuser")
	t.Run("SetState fails", func(t *testing.T) {
		store := &recordingStore{fails: errors.New("store down")}
		g := New(Config{State: store.state, SetState: store.set, Roles: admin})
		rec := serve(t, g.ToggleHandler(), toggleReq(form, "state=on"))
		if rec.Code != 500 || !strings.Contains(answer(t, rec).Error, "store down") {
			t.Errorf("status %d: %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("State without SetState", func(t *testing.T) {
		useStateFile(t)
		g := New(Config{State: stateIs(false), Roles: admin})
		rec := serve(t, g.ToggleHandler(), toggleReq(form, "state=on"))
		if rec.Code != 409 {
			t.Errorf("status %d: %s", rec.Code, rec.Body.String())
		}
		if _, err := os.Stat(stateName); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the state file was written: %v", err)
		}
	})
	t.Run("the env var decides", func(t *testing.T) {
		t.Setenv(envVar, "off")
		t.Chdir(t.TempDir())
		g := New(Config{Roles: admin})
		rec := serve(t, g.ToggleHandler(), toggleReq(form, "state=on"))
		if rec.Code != 409 || !strings.Contains(answer(t, rec).Error, envVar) {
			t.Errorf("status %d: %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("a schedule window keeps the mode on", func(t *testing.T) {
		store := &recordingStore{}
		g := New(Config{State: store.state, SetState: store.set, Roles: admin, Now: clock(win1Start)})
		rec := serve(t, g.ToggleHandler(), toggleReq(form, "state=off"))
		if a := answer(t, rec); rec.Code != 200 || a.State != "off" || a.Active == nil || !*a.Active {
			t.Errorf("status %d: %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("the state file", func(t *testing.T) {
		useStateFile(t)
		old := syscall.Umask(0o077) // the file must be 0644 anyway
		defer syscall.Umask(old)
		if err := os.Chmod(".", 0o700); err != nil {
			t.Fatal(err)
		}
		writeState(t, "off")
		// The admin uses the toggle; the guarded requests are anonymous.
		g := New(Config{Roles: func(r *http.Request) []string {
			if r.URL.Path == "/admin/maintenance" {
				return []string{"superuser"}
			}
			return nil
		}})
		h := g.Wrap(&app{})
		if rec := serve(t, h, newReq("/secret")); rec.Code != 200 {
			t.Fatalf("file off: status %d", rec.Code)
		}
		toggle := g.ToggleHandler()
		for _, word := range []string{"on", "off", "on"} {
			rec := serve(t, toggle, toggleReq(form, "state="+word))
			if a := answer(t, rec); rec.Code != 200 || a.State != word || a.Active == nil || *a.Active != (word == "on") {
				t.Fatalf("toggle %s: status %d: %s", word, rec.Code, rec.Body.String())
			}
			// The guard sees its own toggle at once, within the poll interval.
			want := 200
			if word == "on" {
				want = 503
			}
			if rec := serve(t, h, newReq("/secret")); rec.Code != want {
				t.Errorf("right after toggling %s: status %d", word, rec.Code)
			}
			if word == "off" {
				// Off removes the file, as maintgen off does: an nginx
				// snippet, which asks only whether it exists, reads off
				// too (issue 13). Another Guard reads off as well.
				if _, err := os.Lstat(stateName); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("toggling off left the state file: %v", err)
				}
				if !New(Config{}).Decide(newReq("/secret")).Pass {
					t.Error("a new Guard does not see the toggled off")
				}
				continue
			}
			b, err := os.ReadFile(stateName)
			if err != nil || string(b) != word+"\n" {
				t.Errorf("state file %q, %v; want %q", b, err, word+"\n")
			}
			fi, err := os.Stat(stateName)
			if err != nil || fi.Mode().Perm() != 0o644 || !fi.Mode().IsRegular() {
				t.Errorf("state file mode %v, %v; want a regular file with 0644", fi.Mode(), err)
			}
		}
		// Another Guard (another instance) sees it after its own read.
		if New(Config{}).Decide(newReq("/secret")).Pass {
			t.Error("a new Guard does not see the toggled state")
		}
		entries, _ := os.ReadDir(".")
		if len(entries) != 1 {
			t.Errorf("temporary files left: %v", entries)
		}
	})
	t.Run("unwritable directory", func(t *testing.T) {
		useStateFile(t)
		if err := os.Mkdir("sub", 0o755); err != nil {
			t.Fatal(err)
		}
		// A state file that is a directory cannot be replaced by a file.
		if err := os.Mkdir(stateName, 0o755); err != nil {
			t.Fatal(err)
		}
		g := New(Config{Roles: admin})
		rec := serve(t, g.ToggleHandler(), toggleReq(form, "state=on"))
		if rec.Code != 500 {
			t.Errorf("status %d: %s", rec.Code, rec.Body.String())
		}
		// Off removes a state file, never a directory in its place.
		rec = serve(t, g.ToggleHandler(), toggleReq(form, "state=off"))
		if fi, err := os.Stat(stateName); rec.Code != 500 || err != nil || !fi.IsDir() {
			t.Errorf("off: status %d, %v: %s", rec.Code, err, rec.Body.String())
		}
		entries, _ := os.ReadDir(".")
		if len(entries) != 2 {
			t.Errorf("temporary files left: %v", entries)
		}
	})
}

func TestToggleLogged(t *testing.T) {
	var logs bytes.Buffer
	store := &recordingStore{}
	g := New(Config{State: store.state, SetState: store.set, Roles: rolesAre("ops"), Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	serve(t, g.ToggleHandler(), toggleReq(form, "state=on"))
	if !strings.Contains(logs.String(), `"msg":"maintenance mode switched","state":"on","client_ip":"203.0.113.7"`) {
		t.Errorf("log: %s", logs.String())
	}
}

// ---- the state file ----

func TestParseSetting(t *testing.T) {
	at := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want Setting
		ok   bool
	}{
		{"on", Setting{Mode: ModeOn}, true},
		{" OFF\n", Setting{Mode: ModeOff}, true},
		{"Read-Only", Setting{Mode: ModeReadOnly}, true},
		{"on until 2027-03-01T02:00:00Z", Setting{Mode: ModeOn, Until: at}, true},
		{"  ON   Until\t2027-03-01T03:00:00+01:00 \n", Setting{Mode: ModeOn, Until: at}, true},
		{"on until 2027-03-01T02:00:00.5Z", Setting{Mode: ModeOn, Until: at.Add(500 * time.Millisecond)}, true},
		{"off until 2027-03-01T02:00:00Z", Setting{Mode: ModeOff, Until: at}, true},
		{"read-only from 2027-03-01T01:00:00Z until 2027-03-01T02:00:00Z\nreason: DB upgrade\n", Setting{Mode: ModeReadOnly, From: at.Add(-time.Hour), Until: at, Reason: "DB upgrade"}, true},
		{"1 until 2027-03-01T02:00:00Z", Setting{Mode: ModeOn, Until: at}, true},
		{"on until", Setting{}, false},
		{"on until tomorrow", Setting{}, false},
		{"on until 2027-03-01", Setting{}, false},
		{"on until 2027-03-01T02:00:00Z x", Setting{}, false},
		{"on\nuntil\n2027-03-01T02:00:00Z", Setting{}, false},
		{"on\nreason: a\x7fb", Setting{}, false},
		{"", Setting{}, false},
		{"o n", Setting{}, false},
	} {
		t.Run(strconv.Quote(c.in), func(t *testing.T) {
			got, err := ParseSetting(c.in)
			if got.Mode != c.want.Mode || !got.From.Equal(c.want.From) || !got.Until.Equal(c.want.Until) || got.Reason != c.want.Reason || (err == nil) != c.ok {
				t.Errorf("ParseSetting = %+v, %v; want %+v, ok %t", got, err, c.want, c.ok)
			}
		})
	}
}

// TestSettingBits: the state word a setting gives around its start and
// end, and when the file is read again.
func TestSettingBits(t *testing.T) {
	t0 := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	ro := Setting{Mode: ModeReadOnly, From: t0, Until: t0.Add(time.Hour)}
	off := Setting{Mode: ModeOff, Until: t0}
	for _, c := range []struct {
		s    Setting
		at   time.Time
		bits uint32
		next time.Time
	}{
		{ro, t0.Add(-time.Second), 0, t0},
		{ro, t0, stateOn | stateReadOnly, t0.Add(time.Hour)},
		{ro, t0.Add(time.Hour), 0, time.Time{}},
		{off, t0.Add(-time.Second), stateSuspend, t0},
		{off, t0, 0, time.Time{}},
		{Setting{}, t0, 0, time.Time{}},
		{Setting{Mode: ModeOn}, t0, stateOn, time.Time{}},
	} {
		if b, n := c.s.bits(c.at), c.s.next(c.at); b != c.bits || !n.Equal(c.next) {
			t.Errorf("%q at %s: bits %b, next %s; want %b, %s", c.s.String(), c.at, b, n, c.bits, c.next)
		}
	}
}

func TestStateFileOnUntil(t *testing.T) {
	useStateFile(t)
	t.Run("in the past", func(t *testing.T) {
		writeState(t, "on until "+time.Now().Add(-time.Second).UTC().Format(time.RFC3339))
		if !New(Config{}).Decide(newReq("/secret")).Pass {
			t.Error("blocked after the end")
		}
	})
	t.Run("the clock is Config.Now", func(t *testing.T) {
		writeState(t, "on until 2031-01-01T00:00:00Z")
		if New(Config{Now: clock(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))}).Decide(newReq("/secret")).Pass == false {
			t.Error("blocked at the end")
		}
		if New(Config{Now: clock(time.Date(2030, 12, 31, 23, 59, 59, 0, time.UTC))}).Decide(newReq("/secret")).Pass {
			t.Error("passed before the end")
		}
	})
	t.Run("goes off at the end", func(t *testing.T) {
		writeState(t, "on until "+time.Now().Add(300*time.Millisecond).UTC().Format(time.RFC3339Nano))
		g := New(Config{})
		if g.Decide(newReq("/secret")).Pass {
			t.Fatal("passed before the end")
		}
		eventually(t, "the end of on until", func() bool { return g.Decide(newReq("/secret")).Pass })
	})
}

// reread waits until g's state is due for a re-read, then makes the
// request that re-reads it, and returns its decision.
func reread(t *testing.T, g *Guard) Decision {
	t.Helper()
	eventually(t, "the poll interval", func() bool { return g.word.Load()&stateStale != 0 })
	return g.Decide(newReq("/secret"))
}

func TestStateFileMissingTwice(t *testing.T) {
	useStateFile(t)
	writeState(t, "on")
	g := New(Config{})
	if g.Decide(newReq("/secret")).Pass {
		t.Fatal("file on: passed")
	}
	if err := os.Remove(stateName); err != nil {
		t.Fatal(err)
	}
	if d := reread(t, g); d.Pass {
		t.Error("the first read without the file switched the mode off")
	}
	writeState(t, "on") // back: it was a swap
	if d := reread(t, g); d.Pass {
		t.Error("file back on: passed")
	}
	if err := os.Remove(stateName); err != nil {
		t.Fatal(err)
	}
	if d := reread(t, g); d.Pass {
		t.Error("missing once: passed")
	}
	if d := reread(t, g); !d.Pass {
		t.Error("missing on two reads in a row: still on")
	}
	t.Run("missing from the start means off", func(t *testing.T) {
		useStateFile(t)
		if !New(Config{}).Decide(newReq("/secret")).Pass {
			t.Error("blocked")
		}
	})
}

func TestStateWarnings(t *testing.T) {
	var logs bytes.Buffer
	warnings := func() int {
		n := strings.Count(logs.String(), `"level":"WARN"`)
		logs.Reset()
		return n
	}
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	t.Run("garbage file: once", func(t *testing.T) {
		useStateFile(t)
		writeState(t, "garbage")
		g := New(Config{Logger: logger})
		for range 3 {
			if d := reread(t, g); d.Pass {
				t.Fatal("garbage means fallback on")
			}
		}
		for range 100 {
			g.Decide(newReq("/secret"))
		}
		if n := warnings(); n != 1 {
			t.Errorf("%d warnings for garbage on many reads, want 1", n)
		}
		writeState(t, "off")
		if !reread(t, g).Pass {
			t.Fatal("off: blocked")
		}
		writeState(t, "still garbage")
		reread(t, g)
		if n := warnings(); n != 1 {
			t.Errorf("%d warnings for garbage after a good value, want 1", n)
		}
	})
	t.Run("unreadable file: once", func(t *testing.T) {
		useStateFile(t)
		if err := os.Mkdir(stateName, 0o755); err != nil {
			t.Fatal(err)
		}
		g := New(Config{Logger: logger})
		reread(t, g)
		reread(t, g)
		if n := warnings(); n != 1 {
			t.Errorf("%d warnings, want 1", n)
		}
	})
	t.Run("garbage env var", func(t *testing.T) {
		t.Setenv(envVar, "enabled")
		g := New(Config{Logger: logger})
		for range 10 {
			g.Decide(newReq("/secret"))
		}
		if n := warnings(); n != 1 {
			t.Errorf("%d warnings, want 1", n)
		}
	})
	t.Run("Config.State errors: once until it succeeds", func(t *testing.T) {
		var fail atomic.Bool
		fail.Store(true)
		g := New(Config{Logger: logger, State: func(context.Context) (bool, error) {
			if fail.Load() {
				return false, errors.New("store down")
			}
			return false, nil
		}})
		for range 10 {
			g.Decide(newReq("/secret"))
		}
		fail.Store(false)
		g.Decide(newReq("/secret"))
		fail.Store(true)
		g.Decide(newReq("/secret"))
		if n := warnings(); n != 2 {
			t.Errorf("%d warnings, want 2", n)
		}
	})
	t.Run("good values: none", func(t *testing.T) {
		useStateFile(t)
		writeState(t, "on")
		g := New(Config{Logger: logger})
		reread(t, g)
		if n := warnings(); n != 0 {
			t.Errorf("%d warnings", n)
		}
	})
}

// configMap lays out a directory as the kubelet mounts a ConfigMap: the
// data in a timestamped directory, ..data a symlink to it, and each key a
// symlink through ..data. update swaps the data atomically, as the
// kubelet does: a new directory, a new ..data_tmp symlink renamed over
// ..data, and the old directory removed.
type configMap struct {
	t    *testing.T
	dir  string
	n    int
	data string // the current data directory's name
}

func newConfigMap(t *testing.T, dir, content string) *configMap {
	c := &configMap{t: t, dir: dir}
	c.data = c.writeData(content)
	c.must(os.Symlink(c.data, filepath.Join(dir, "..data")))
	c.must(os.Symlink(filepath.Join("..data", stateName), filepath.Join(dir, stateName)))
	return c
}

func (c *configMap) must(err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

func (c *configMap) writeData(content string) string {
	c.n++
	name := "..2026_01_01_00_00_00." + strconv.Itoa(c.n)
	c.must(os.Mkdir(filepath.Join(c.dir, name), 0o755))
	c.must(os.WriteFile(filepath.Join(c.dir, name, stateName), []byte(content), 0o644))
	return name
}

func (c *configMap) update(content string) {
	c.t.Helper()
	old := c.data
	c.data = c.writeData(content)
	tmp := filepath.Join(c.dir, "..data_tmp")
	c.must(os.Symlink(c.data, tmp))
	c.must(os.Rename(tmp, filepath.Join(c.dir, "..data")))
	c.must(os.RemoveAll(filepath.Join(c.dir, old)))
}

func TestStateFileConfigMap(t *testing.T) {
	useStateFile(t)
	cm := newConfigMap(t, ".", "off\n")
	g := New(Config{})
	h := g.Wrap(&app{})
	var stop atomic.Bool
	var wg sync.WaitGroup
	var bad atomic.Int32
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, newReq("/secret"))
				if rec.Code != 200 && rec.Code != 503 {
					bad.Add(1)
				}
			}
		}()
	}
	for i, word := range []string{"on", "off", "on", "off", "on"} {
		cm.update(word + "\n")
		want := word == "on"
		eventually(t, "ConfigMap update "+strconv.Itoa(i)+" to "+word, func() bool { return !g.Decide(newReq("/secret")).Pass == want })
	}
	stop.Store(true)
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d responses neither 200 nor 503", bad.Load())
	}
	// A non-atomic update: ..data missing for a read does not flip the site.
	if err := os.Remove("..data"); err != nil {
		t.Fatal(err)
	}
	if reread(t, g).Pass {
		t.Error("..data missing for one read: the site flipped off")
	}
	cm.must(os.Symlink(cm.data, "..data"))
	if reread(t, g).Pass {
		t.Error("..data back: passed")
	}
}

// TestParseStateFileAgreesWithStatefile holds the runtime's parser of the
// state file equal to package statefile's, which maintgen on, off and
// status use.
func TestParseSettingAgreesWithStatefile(t *testing.T) {
	words := []string{"on", "ON", "off", "Off", "1", "0", "true", "FALSE", "read-only", "READ-ONLY", "readonly", "until", "UNTIL", "from", "yes", "",
		"2027-03-01T02:00:00Z", "2027-03-01T02:00:00+01:00", "2027-03-01T02:00:00.25Z", "2027-03-01", "x", "reason:", "Reason: a", "\x01"}
	seps := []string{" ", "\t", "\n", "  ", "\r\n"}
	rng := rand.New(rand.NewPCG(3, 4))
	inputs := []string{"", " ", "on until 2027-03-01T02:00:00Z", "\x00on", "on\x00", "on\nreason: \xff", "on\nreason: a\u2028b"}
	for range 8000 {
		var b strings.Builder
		for i := range rng.IntN(6) {
			if i > 0 || rng.IntN(3) == 0 {
				b.WriteString(seps[rng.IntN(len(seps))])
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		inputs = append(inputs, b.String())
	}
	for _, in := range inputs {
		got, gerr := ParseSetting(in)
		want, werr := statefile.Parse(in)
		if (gerr == nil) != (werr == nil) || gerr == nil && (string(got.mode()) != want.String()[:len(got.mode())] || !got.From.Equal(want.From) || !got.Until.Equal(want.Until) || got.Reason != want.Reason) {
			t.Fatalf("%q: runtime %+v, %v; statefile %+v, %v", in, got, gerr, want, werr)
		}
		if gerr == nil && got.String() != want.String() {
			t.Fatalf("%q: String: runtime %q, statefile %q", in, got.String(), want.String())
		}
	}
}

// TestWriteStateFileNeverTorn toggles the state file through
// writeStateFile, as ToggleHandler does, while readers read it as a Guard
// does: every read is a whole state word.
func TestWriteStateFileNeverTorn(t *testing.T) {
	dir := t.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "runtime-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			dir = d // tmpfs: fsync is free, so the test stays fast
		}
	}
	t.Chdir(dir)
	if err := writeStateFile(stateName, "off\n"); err != nil {
		t.Fatal(err)
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done.Load() {
				text, err := readStateFile()
				if _, perr := ParseSetting(text); err != nil || perr != nil {
					t.Errorf("read %q, %v", text, err)
					return
				}
				reads.Add(1)
			}
		}()
	}
	for i := range 2000 {
		word := "on\n"
		if i%2 == 1 {
			word = "off\n"
		}
		if err := writeStateFile(stateName, word); err != nil {
			t.Fatal(err)
		}
	}
	done.Store(true)
	wg.Wait()
	if reads.Load() == 0 {
		t.Error("no reads")
	}
}

// TestDecideAllocsWithOps: a schedule and an enabled bypass cost no
// allocation when the request carries no bypass cookie, inside a window
// or not.
func TestDecideAllocsWithOps(t *testing.T) {
	for name, now := range map[string]time.Time{"outside windows": win1Start.Add(-time.Hour), "inside a window": win1Start.Add(time.Hour)} {
		t.Run(name, func(t *testing.T) {
			g := bypassGuard(t, testSecret, Config{Now: clock(now), State: stateIs(false)})
			for _, r := range []*http.Request{newReq("/secret/page"), newReq("/admin/x"), newReq(bypassLink + "wrong")} {
				var d Decision
				if n := testing.AllocsPerRun(200, func() { d = g.Decide(r) }); n != 0 {
					t.Errorf("%s: Decide allocates %v times per call (decision %+v)", r.URL.Path, n, d)
				}
			}
		})
	}
}

func BenchmarkDecideOps(b *testing.B) {
	b.Setenv(bypassEnv, testSecret)
	cookie := interp.BypassCookieValue(testSecret, win1Start.Unix()+600)
	for _, c := range []struct {
		name string
		now  time.Time
		req  *http.Request
	}{
		{"schedule, outside", win1Start.Add(-time.Hour), newReq("/secret/page")},
		{"schedule, inside", win1Start.Add(time.Hour), newReq("/secret/page")},
		{"bypass cookie", win1Start, newReq("/secret/page", withCookie(cookie))},
		{"bypass link", win1Start, newReq(bypassLink + testSecret)},
	} {
		b.Run(c.name, func(b *testing.B) {
			g := New(Config{State: stateIs(false), Now: clock(c.now)})
			b.ReportAllocs()
			for b.Loop() {
				g.Decide(c.req)
			}
		})
	}
}
