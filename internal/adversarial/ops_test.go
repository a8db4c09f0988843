package adversarial

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/maintgen/maintgen/internal/adversarial/guard"
	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/statefile"
)

// The state file of policy.yaml, its fallback and its bypass secret's
// environment variable.
const (
	stateFile = "maintenance.state"
	bypassEnv = "ADVERSARIAL_BYPASS_SECRET"
)

// outsiderRequest returns a GET of target from Outsider.
func outsiderRequest(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = Outsider
	return r
}

// decideWithin decides r with g on another goroutine and fails the test
// when that blocks for 10 seconds (a request must never hang on the
// state).
func decideWithin(t *testing.T, g *guard.Guard, r *http.Request) guard.Decision {
	t.Helper()
	done := make(chan guard.Decision, 1)
	go func() { done <- g.Decide(r) }()
	select {
	case d := <-done:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("a request blocked on the state for 10s")
		return guard.Decision{}
	}
}

// TestStateFileAttacks replaces the state file with what an operator's
// mistake, a broken deploy or a full disk may leave. policy.yaml has
// state.fallback: on, so an unusable state fails closed: the maintenance
// response, one Warn record (not one per request), and no request ever
// blocks or panics. A missing file means off, as documented, and a
// dangling symbolic link is a missing file.
func TestStateFileAttacks(t *testing.T) {
	write := func(content string) func(t *testing.T) {
		return func(t *testing.T) {
			if err := os.WriteFile(stateFile, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []struct {
		name   string
		setup  func(t *testing.T)
		wantOn bool
		warn   bool
	}{
		{"a corrupt word: fallback on, one warning", write("maybe"), true, true},
		{"off followed by a NUL: fallback on", write("off\x00"), true, true},
		{"an empty file: fallback on", write(""), true, true},
		{"white space only: fallback on", write(" \r\n\t"), true, true},
		{"binary bytes: fallback on", write("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), true, true},
		{"off in UTF-16: fallback on", write("\xff\xfeo\x00f\x00f\x00"), true, true},
		{"a byte-order mark before off: fallback on", write("\ufeffoff"), true, true},
		{"off and on on two lines: fallback on", write("off\non\n"), true, true},
		{"off padded beyond 1 KiB: fallback on", write(strings.Repeat(" ", 2000) + "off"), true, true},
		{"on until a time that is not RFC 3339: fallback on", write("on until tomorrow"), true, true},
		{"a directory: fallback on", func(t *testing.T) {
			if err := os.Mkdir(stateFile, 0o755); err != nil {
				t.Fatal(err)
			}
		}, true, true},
		{"a FIFO, which blocks whoever opens it: fallback on, without blocking", func(t *testing.T) {
			if err := syscall.Mkfifo(stateFile, 0o644); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
		}, true, true},
		{"a symbolic-link loop: fallback on", func(t *testing.T) {
			if err := os.Symlink(stateFile, stateFile); err != nil {
				t.Fatal(err)
			}
		}, true, true},
		{"a symbolic link to /dev/zero, endless: fallback on", func(t *testing.T) {
			if err := os.Symlink("/dev/zero", stateFile); err != nil {
				t.Fatal(err)
			}
		}, true, true},
		{"a file without read permission: fallback on", func(t *testing.T) {
			if os.Geteuid() == 0 {
				t.Skip("root reads a file whatever its mode")
			}
			write("off")(t)
			if err := os.Chmod(stateFile, 0); err != nil {
				t.Fatal(err)
			}
		}, true, true},
		{"a dangling symbolic link is a missing file: off, as documented", func(t *testing.T) {
			if err := os.Symlink("nowhere", stateFile); err != nil {
				t.Fatal(err)
			}
		}, false, false},
		{"off (control): off", write("off\n"), false, false},
		{"on (control): on", write("on\n"), true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			c.setup(t)
			var logs bytes.Buffer
			g := guard.New(guard.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			for i := range 3 {
				if i > 0 {
					time.Sleep(60 * time.Millisecond) // past state.poll (50ms): the file is read again
				}
				d := decideWithin(t, g, outsiderRequest("GET", "/secret"))
				if d.Pass == c.wantOn {
					t.Fatalf("request %d: decision %+v; want the mode on: %t", i, d, c.wantOn)
				}
			}
			warnings := strings.Count(logs.String(), `"level":"WARN"`)
			if want := map[bool]int{true: 1, false: 0}[c.warn]; warnings != want {
				t.Errorf("%d warnings for three reads, want %d:\n%s", warnings, want, logs.String())
			}
		})
	}
}

// roleCookie is Config.Roles for the toggle tests: the role is the value
// of the session cookie, the ambient credential a cross-site request
// carries.
func roleCookie(r *http.Request) []string {
	if c, err := r.Cookie("session"); err == nil {
		return []string{c.Value}
	}
	return nil
}

// TestConcurrentToggles runs the admin toggle and the guarded app on a
// real server over the policy's state file, with several admins
// switching the mode concurrently while clients make requests and
// another process reads the file. Every toggle succeeds; every response
// is the app's or a complete maintenance page; the file always holds on,
// whole, or is missing, which is how the toggle writes off (so that the
// nginx snippet, which asks only whether it exists, reads off too), never
// torn, empty or holding off; no temporary file is left; and the guard
// ends in the state the file holds.
func TestConcurrentToggles(t *testing.T) {
	t.Chdir(t.TempDir()) // no state file: off
	g := guard.New(guard.Config{Roles: roleCookie})
	mux := http.NewServeMux()
	mux.Handle("/admin/maintenance", g.ToggleHandler())
	mux.Handle("/", g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	const admins, toggles, clients = 4, 50, 4
	var wg, readers sync.WaitGroup
	stop := make(chan struct{})
	var errs sync.Map
	fail := func(format string, args ...any) { errs.Store(strconv.Quote(format), args) }
	var pageMu sync.Mutex
	var page []byte
	for range clients {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Get(srv.URL + "/secret")
				if err != nil {
					fail("GET: %v", err)
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case err != nil:
					fail("body: %v", err)
				case resp.StatusCode == 299:
				case resp.StatusCode == 503:
					if strconv.Itoa(len(body)) != resp.Header.Get("Content-Length") {
						fail("a partial page: %d bytes, Content-Length %s", len(body), resp.Header.Get("Content-Length"))
					}
					pageMu.Lock()
					if page == nil {
						page = body
					} else if !bytes.Equal(page, body) {
						fail("two different pages")
					}
					pageMu.Unlock()
				default:
					fail("status %d", resp.StatusCode)
				}
			}
		}()
	}
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(stateFile)
			if s := string(b); errors.Is(err, fs.ErrNotExist) {
				continue // off
			} else if err != nil || s != "on\n" {
				fail("the state file read %q, %v", s, err)
			}
		}
	}()
	for i := range admins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range toggles {
				word := []string{"on", "off"}[(i+j)%2]
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/admin/maintenance", strings.NewReader("state="+word))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(&http.Cookie{Name: "session", Value: "superuser"})
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					fail("toggle: %v", err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					fail("toggle %s: status %d", word, resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	errs.Range(func(k, v any) bool {
		t.Errorf("%s %v", k, v)
		return true
	})
	entries, err := os.ReadDir(".")
	if err != nil || len(entries) > 1 {
		t.Errorf("files left next to the state file: %v, %v", entries, err)
	}
	b, _ := os.ReadFile(stateFile)
	if want := string(b) == "on\n"; g.Decide(outsiderRequest("GET", "/secret")).Pass == want {
		t.Errorf("the file holds %q, the guard decides %+v", b, g.Decide(outsiderRequest("GET", "/secret")))
	}
}

// TestToggleCSRF attacks the admin toggle from another site, on a real
// server: the victim is an admin whose browser holds the session cookie
// (Config.Roles reads it), and the attacker's page makes the browser
// send requests with the headers browsers add (Origin, Sec-Fetch-Site).
// Every cross-origin or state-changing GET attempt is refused, and the
// mode does not change; the same requests from the admin's own page
// (same-origin) or a non-browser client work, so the refusals are the
// check's.
func TestToggleCSRF(t *testing.T) {
	var on atomic.Bool
	var sets atomic.Int32
	g := guard.New(guard.Config{
		State:    func(context.Context) (bool, error) { return on.Load(), nil },
		SetState: func(_ context.Context, v bool) error { sets.Add(1); on.Store(v); return nil },
		Roles:    roleCookie,
	})
	srv := httptest.NewServer(g.ToggleHandler())
	defer srv.Close()
	self := srv.URL // the toggle's own origin
	form := "application/x-www-form-urlencoded"
	for _, c := range []struct {
		name        string
		method      string
		contentType string
		body        string
		headers     [][2]string
		session     string
		status      int
	}{
		{"cross-site form POST from an admin's browser: 403", "POST", form, "state=on",
			[][2]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}}, "superuser", 403},
		{"same-site (a sibling subdomain) form POST: 403", "POST", form, "state=on",
			[][2]string{{"Origin", "https://blog.example.com"}, {"Sec-Fetch-Site", "same-site"}}, "superuser", 403},
		{"cross-site POST from an older browser, Origin only: 403", "POST", form, "state=on",
			[][2]string{{"Origin", "https://evil.example"}}, "superuser", 403},
		{"a sandboxed iframe's POST, Origin null: 403", "POST", form, "state=on",
			[][2]string{{"Origin", "null"}}, "superuser", 403},
		{"cross-site text/plain POST (no CORS preflight): 403", "POST", "text/plain", "state=on",
			[][2]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}}, "superuser", 403},
		{"cross-site multipart POST (no CORS preflight): 403", "POST", "multipart/form-data; boundary=x",
			"--x\r\nContent-Disposition: form-data; name=\"state\"\r\n\r\non\r\n--x--\r\n",
			[][2]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}}, "superuser", 403},
		{"cross-site JSON POST: 403", "POST", "application/json", `{"state":"on"}`,
			[][2]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}}, "superuser", 403},
		{"GET with state=on in the query (a link or an img): 405", "GET", "", "",
			[][2]string{{"Sec-Fetch-Site", "cross-site"}}, "superuser", 405},
		{"same-origin GET with state=on in the query: 405", "GET", "", "",
			[][2]string{{"Sec-Fetch-Site", "same-origin"}}, "superuser", 405},
		{"HEAD: 405", "HEAD", "", "", nil, "superuser", 405},
		{"GET with X-HTTP-Method-Override: POST: 405", "GET", form, "state=on",
			[][2]string{{"X-HTTP-Method-Override", "POST"}}, "superuser", 405},
		{"same-origin text/plain POST: 415", "POST", "text/plain", "state=on",
			[][2]string{{"Sec-Fetch-Site", "same-origin"}}, "superuser", 415},
		{"same-origin multipart POST: 415", "POST", "multipart/form-data; boundary=x",
			"--x\r\nContent-Disposition: form-data; name=\"state\"\r\n\r\non\r\n--x--\r\n",
			[][2]string{{"Sec-Fetch-Site", "same-origin"}}, "superuser", 415},
		{"same-origin POST without a session: 403", "POST", form, "state=on",
			[][2]string{{"Sec-Fetch-Site", "same-origin"}}, "", 403},
		{"same-origin POST by an exempt role that may not toggle: 403", "POST", form, "state=on",
			[][2]string{{"Sec-Fetch-Site", "same-origin"}}, "staff", 403},
		{"same-origin POST by an admin (control): 200", "POST", form, "state=on",
			[][2]string{{"Sec-Fetch-Site", "same-origin"}, {"Origin", self}}, "superuser", 200},
		{"a non-browser client, no Origin (control): 200", "POST", form, "state=on", nil, "superuser", 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			on.Store(false)
			sets.Store(0)
			target := srv.URL + "/admin/maintenance"
			if c.method == "GET" {
				target += "?state=on"
			}
			req, err := http.NewRequest(c.method, target, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			for _, h := range c.headers {
				req.Header.Add(h[0], h[1])
			}
			if c.session != "" {
				req.AddCookie(&http.Cookie{Name: "session", Value: c.session})
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d", resp.StatusCode, c.status)
			}
			if changed := sets.Load() != 0 || on.Load(); changed != (c.status == 200) {
				t.Errorf("the state changed: %t (SetState called %d times, on %t)", changed, sets.Load(), on.Load())
			}
		})
	}
}

// TestBypassAttacks attacks the bypass link and cookie: guessed,
// truncated, extended, re-cased or re-spelled links, and cookies that are
// tampered with, expired, minted too far ahead, made with another secret
// or before a secret rotation. Each is refused (the maintenance
// response); the genuine link and cookie work, so the refusals are the
// check's.
func TestBypassAttacks(t *testing.T) {
	const secret = "Adversarial-Bypass_Secret.0123456789"
	const rotated = "Rotated-Bypass_Secret.0123456789"
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	newGuard := func(t *testing.T, s string) *guard.Guard {
		t.Helper()
		t.Setenv(bypassEnv, s)
		return guard.New(guard.Config{State: stateIs(true), Now: func() time.Time { return now }})
	}
	link := "/__maintenance/bypass/"

	t.Run("link", func(t *testing.T) {
		g := newGuard(t, secret)
		for _, c := range []struct {
			name, method, target string
			want                 guard.Step
		}{
			{"the link (control)", "GET", link + secret, guard.StepBypassLink},
			{"the link escaped byte by byte is the same path (control)", "GET", link + escapeAll(secret), guard.StepBypassLink},
			{"a wrong secret", "GET", link + "guess-guess-guess-guess", guard.StepMaintenance},
			{"the secret truncated by one byte", "GET", link + secret[:len(secret)-1], guard.StepMaintenance},
			{"the secret's first 16 bytes", "GET", link + secret[:16], guard.StepMaintenance},
			{"the secret extended by one byte", "GET", link + secret + "x", guard.StepMaintenance},
			{"the secret and a slash", "GET", link + secret + "/", guard.StepMaintenance},
			{"the secret in upper case", "GET", link + strings.ToUpper(secret), guard.StepMaintenance},
			{"the secret in the query", "GET", strings.TrimSuffix(link, "/") + "?" + secret, guard.StepMaintenance},
			{"a double slash before the link", "GET", "/" + link + secret, guard.StepMaintenance},
			{"a dot-dot segment into the link", "GET", "/x/.." + link + secret, guard.StepMaintenance},
			{"the link with an empty secret", "GET", link, guard.StepMaintenance},
			{"the link by POST", "POST", link + secret, guard.StepMaintenance},
			{"the link by HEAD", "HEAD", link + secret, guard.StepMaintenance},
		} {
			t.Run(c.name, func(t *testing.T) {
				d := g.Decide(outsiderRequest(c.method, c.target))
				if d.Step != c.want {
					t.Errorf("decision %+v; want the step %s", d, c.want)
				}
				rec := httptest.NewRecorder()
				g.Wrap(http.NotFoundHandler()).ServeHTTP(rec, outsiderRequest(c.method, c.target))
				if got := cookieValue(rec.Result(), "maintenance_bypass"); (got != "") != (c.want == guard.StepBypassLink) {
					t.Errorf("bypass cookie %q set: %t", got, got != "")
				}
			})
		}
	})

	t.Run("cookie", func(t *testing.T) {
		g := newGuard(t, secret)
		ttl := int64(3600) // bypass.ttl: 1h
		valid := interp.BypassCookieValue(secret, now.Unix()+600)
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
		// The cookie the genuine link sets, from a guard with the old secret.
		rec := httptest.NewRecorder()
		newGuard(t, secret).Wrap(http.NotFoundHandler()).ServeHTTP(rec, outsiderRequest("GET", link+secret))
		fromLink := cookieValue(rec.Result(), "maintenance_bypass")
		if fromLink == "" {
			t.Fatal("the link set no cookie")
		}
		g = newGuard(t, secret)
		for _, c := range []struct {
			name   string
			cookie string // the Cookie header
			pass   bool
		}{
			{"the cookie the link set (control)", "maintenance_bypass=" + fromLink, true},
			{"a cookie minted with the secret (control)", "maintenance_bypass=" + valid, true},
			{"the MAC tampered with", "maintenance_bypass=" + expiry + "." + flip(mac, 10), false},
			{"the expiry moved later, the MAC kept", "maintenance_bypass=" + strconv.FormatInt(now.Unix()+601, 10) + "." + mac, false},
			{"the MAC truncated", "maintenance_bypass=" + valid[:len(valid)-1], false},
			{"the MAC extended", "maintenance_bypass=" + valid + "A", false},
			{"the MAC in standard base64 with padding", "maintenance_bypass=" + expiry + "." + strings.NewReplacer("-", "+", "_", "/").Replace(mac) + "=", false},
			{"no MAC", "maintenance_bypass=" + expiry + ".", false},
			{"no expiry", "maintenance_bypass=." + mac, false},
			{"a leading zero in the expiry", "maintenance_bypass=0" + valid, false},
			{"a negative expiry", "maintenance_bypass=-" + valid, false},
			{"an expiry of 19 digits", "maintenance_bypass=" + strings.Repeat("9", 19) + "." + mac, false},
			{"expired a second ago", "maintenance_bypass=" + interp.BypassCookieValue(secret, now.Unix()-1), false},
			{"expiring now", "maintenance_bypass=" + interp.BypassCookieValue(secret, now.Unix()), false},
			{"expiring beyond ttl and the clock skew (minted with a longer ttl)", "maintenance_bypass=" + interp.BypassCookieValue(secret, now.Unix()+ttl+61), false},
			{"made with another secret", "maintenance_bypass=" + interp.BypassCookieValue(rotated, now.Unix()+600), false},
			{"made with the secret in another case", "maintenance_bypass=" + interp.BypassCookieValue(strings.ToLower(secret), now.Unix()+600), false},
			{"the secret itself as the cookie", "maintenance_bypass=" + secret, false},
			{"the cookie's name in another case", "Maintenance_Bypass=" + valid, false},
			{"an empty cookie", "maintenance_bypass=", false},
			{"a forged cookie before a genuine one: the genuine one counts (control)", "maintenance_bypass=forged; maintenance_bypass=" + valid, true},
			{"3,000 well-formed forged cookies before a genuine one, each an HMAC to check: only the first four count", strings.Repeat("maintenance_bypass="+expiry+"."+flip(mac, 10)+"; ", 3000) + "maintenance_bypass=" + valid, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := outsiderRequest("GET", "/secret")
				r.Header.Set("Cookie", c.cookie)
				d := g.Decide(r)
				if d.Pass != c.pass || c.pass && d.Step != guard.StepBypass {
					t.Errorf("decision %+v; want pass %t", d, c.pass)
				}
			})
		}
		t.Run("signed before a secret rotation", func(t *testing.T) {
			g := newGuard(t, rotated) // the app restarted with a new secret
			for _, v := range []string{fromLink, valid} {
				r := outsiderRequest("GET", "/secret")
				r.Header.Set("Cookie", "maintenance_bypass="+v)
				if d := g.Decide(r); d.Pass {
					t.Errorf("a cookie of the old secret passes: %+v", d)
				}
			}
		})
		t.Run("a secret shorter than 16 bytes turns bypass off", func(t *testing.T) {
			short := secret[:15]
			g := newGuard(t, short)
			r := outsiderRequest("GET", "/secret")
			r.Header.Set("Cookie", "maintenance_bypass="+interp.BypassCookieValue(short, now.Unix()+600))
			if d := g.Decide(r); d.Pass {
				t.Errorf("a cookie of a 15-byte secret passes: %+v", d)
			}
			if d := g.Decide(outsiderRequest("GET", link+short)); d.Step == guard.StepBypassLink {
				t.Errorf("the link of a 15-byte secret works: %+v", d)
			}
		})
	})
}

// cookieValue returns the value of the cookie name that resp sets, or "".
func cookieValue(resp *http.Response, name string) string {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// escapeAll escapes every byte of s, as a client may.
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(s[i]), 16)))
	}
	return b.String()
}

// TestSettingAttacks: what a state file with a setting (read-only, times,
// a reason) may carry, written by a careless operator, a script that
// passes user input through, or an attacker with write access to the file
// but not to the app. A setting the guard cannot read in full is no
// setting: state.fallback (on), never a half-read read-only. The reason
// reaches the page escaped and the JSON encoded; a method that is not
// exactly GET, HEAD or OPTIONS never passes read-only mode.
func TestSettingAttacks(t *testing.T) {
	for _, c := range []struct {
		name     string
		content  string
		method   string
		header   [2]string
		wantPass bool
		warn     bool
	}{
		{"read-only then a second mode line: fallback on", "read-only\non\n", "GET", [2]string{}, false, true},
		{"read-only with a reason holding a NUL: fallback on", "read-only\nreason: a\x00b", "GET", [2]string{}, false, true},
		{"read-only with a reason holding an escape sequence: fallback on", "read-only\nreason: \x1b[2J", "GET", [2]string{}, false, true},
		{"read-only with two reasons: fallback on", "read-only\nreason: a\nreason: b", "GET", [2]string{}, false, true},
		{"a reason padding the file past 1 KiB: fallback on", "read-only\nreason: " + strings.Repeat("x", 1100), "GET", [2]string{}, false, true},
		{"read-only with an end before its start: fallback on", "read-only from 2030-01-01T00:00:00Z until 2029-01-01T00:00:00Z", "GET", [2]string{}, false, true},
		{"read-only, a lower-case get: not a safe method", "read-only", "get", [2]string{}, false, false},
		{"read-only, POST overridden to GET by a header: still POST", "read-only", "POST", [2]string{"X-HTTP-Method-Override", "GET"}, false, false},
		{"read-only, TRACE (safe, but it echoes): blocked", "read-only", "TRACE", [2]string{}, false, false},
		{"read-only, PROPFIND: blocked", "read-only", "PROPFIND", [2]string{}, false, false},
		{"read-only (control): GET passes", "read-only\nreason: ok", "GET", [2]string{}, true, false},
		{"read-only that has ended (control): POST passes", "read-only until 2001-01-01T00:00:00Z", "POST", [2]string{}, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := loadPolicy(t)
			t.Chdir(t.TempDir())
			if err := os.WriteFile(stateFile, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			g := guard.New(guard.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			r := outsiderRequest(c.method, "/secret")
			if c.header[0] != "" {
				r.Header.Set(c.header[0], c.header[1])
			}
			d := decideWithin(t, g, r)
			if d.Pass != c.wantPass {
				t.Fatalf("decision %+v; want pass %t", d, c.wantPass)
			}
			want := interp.Evaluate(p, interpRequest(t, c.content, r))
			if got := toInterp(d); got != want {
				t.Errorf("the interpreter decides %+v, the guard %+v", want, got)
			}
			if warned := strings.Contains(logs.String(), `"level":"WARN"`); warned != c.warn {
				t.Errorf("warned %t, want %t:\n%s", warned, c.warn, logs.String())
			}
		})
	}
}

// TestHostileReason: a reason with markup and script reaches the page as
// text and the JSON as a string, whatever it holds.
func TestHostileReason(t *testing.T) {
	t.Chdir(t.TempDir())
	reason := `</p><script>alert(1)</script><img src=x onerror=alert(2)> "quotes" & 'apostrophes' \u2028 </time>`
	if err := os.WriteFile(stateFile, []byte("on until 2099-01-01T00:00:00Z\nreason: "+reason+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := guard.New(guard.Config{})
	h := g.Wrap(http.NotFoundHandler())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, outsiderRequest("GET", "/secret"))
	page := rec.Body.String()
	for _, bad := range []string{"<script>", "<img", "</p><script"} { // tags, not text
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q:\n%s", bad, page)
		}
	}
	if !strings.Contains(page, "&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the reason is not on the page as text:\n%s", page)
	}
	rec = httptest.NewRecorder()
	r := outsiderRequest("GET", "/secret")
	r.Header.Set("Accept", "application/json")
	h.ServeHTTP(rec, r)
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc["reason"] != reason {
		t.Errorf("JSON %v: reason %q, want %q (%s)", err, doc["reason"], reason, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "<script>") {
		t.Errorf("the JSON holds <script> unescaped, unsafe to embed: %s", rec.Body)
	}
}

// interpRequest is the interpreter's input for r with the state file
// holding content: a setting, or state.fallback (on) when it holds none.
func interpRequest(t *testing.T, content string, r *http.Request) interp.Request {
	t.Helper()
	req := interp.Request{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, RemoteAddr: r.RemoteAddr, Now: time.Now()}
	s, err := statefile.Parse(content)
	if err != nil || len(content) > statefile.MaxSize {
		req.On = true // state.fallback: on
		return req
	}
	interp.SettingRequest(s, &req)
	return req
}
