package maintenance

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The state at run time: read-only mode, the setting's reason and end on
// the page, in the JSON and in Retry-After, Status, OnChange and Stats.

func settingCfg(s Setting, now time.Time) Config {
	return Config{Now: clock(now), Setting: func(context.Context) (Setting, error) { return s, nil }}
}

func TestReadOnly(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	g := New(settingCfg(Setting{Mode: ModeReadOnly}, t0))
	for _, c := range []struct {
		method, path string
		want         Decision
	}{
		{http.MethodGet, "/secret", wantPass(StepReadOnly, -1)},
		{http.MethodHead, "/secret", wantPass(StepReadOnly, -1)},
		{http.MethodOptions, "/secret", wantPass(StepReadOnly, -1)},
		{http.MethodPost, "/secret", wantMaint(FormatHTML, "en")},
		{http.MethodDelete, "/secret", wantMaint(FormatHTML, "en")},
		{"TRACE", "/secret", wantMaint(FormatHTML, "en")},
		{http.MethodPost, "/healthz", wantPass(StepExemptPaths, 0)}, // exemptions apply as when on
		{http.MethodGet, "/pay", wantForced(1, FormatHTML, "en")},   // force.paths as ever
	} {
		r := newReq(c.path)
		r.Method = c.method
		if got := g.Decide(r); got != c.want {
			t.Errorf("%s %s: %+v, want %+v", c.method, c.path, got, c.want)
		}
	}
	// Inside a schedule window the mode is fully on.
	g = New(settingCfg(Setting{Mode: ModeReadOnly}, win1Start))
	if got := g.Decide(newReq("/secret")); got != wantMaint(FormatHTML, "en") {
		t.Errorf("GET in a window, read-only: %+v", got)
	}
	// A pass in read-only mode sees the mode on, and is not personal.
	a := &app{}
	rec := serve(t, New(settingCfg(Setting{Mode: ModeReadOnly}, t0)).Wrap(a), newReq("/secret"))
	if rec.Code != 200 || !a.active.Load() || rec.Header().Get("Cache-Control") == "no-store" {
		t.Errorf("read-only GET: %d, active %t, Cache-Control %q", rec.Code, a.active.Load(), rec.Header().Get("Cache-Control"))
	}
}

func TestReadOnlyEnvAndFile(t *testing.T) {
	t.Setenv(envVar, "Read-Only")
	post := newReq("/secret")
	post.Method = http.MethodPost
	g := New(Config{})
	if g.Decide(newReq("/secret")).Step != StepReadOnly || g.Decide(post).Pass {
		t.Error("env var read-only")
	}
	useStateFile(t)
	writeState(t, "read-only\n")
	g = New(Config{})
	if g.Decide(newReq("/secret")).Step != StepReadOnly || g.Decide(post).Pass {
		t.Error("state file read-only")
	}
}

// TestSettingTimes: the setting holds from its start to its end, and an
// off with a time suspends the schedule.
func TestSettingTimes(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Setting{Mode: ModeOn, From: t0, Until: t0.Add(time.Hour)}
	for at, on := range map[time.Time]bool{t0.Add(-time.Second): false, t0: true, t0.Add(time.Hour - 1): true, t0.Add(time.Hour): false} {
		if got := New(settingCfg(s, at)).Decide(newReq("/secret")).Pass; got == on {
			t.Errorf("at %s: pass %t", at, got)
		}
	}
	off := Setting{Mode: ModeOff, Until: win1End}
	if d := New(settingCfg(off, win1Start)).Decide(newReq("/secret")); !d.Pass || d.Step != StepOff {
		t.Errorf("off until the window's end, in the window: %+v", d)
	}
	if New(settingCfg(off, win1End)).Decide(newReq("/secret")).Pass {
		t.Error("off until T suspends the schedule after T")
	}
}

// TestRetryAfterCountsDown: Retry-After counts down to the setting's end;
// inside a window, to the later of both ends.
func TestRetryAfterCountsDown(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		s    Setting
		now  time.Time
		want string
	}{
		{"no end", Setting{Mode: ModeOn}, t0, "120"},
		{"on for 90m", Setting{Mode: ModeOn, Until: t0.Add(90 * time.Minute)}, t0, "5400"},
		{"a fraction rounds down to the second", Setting{Mode: ModeOn, Until: t0.Add(90*time.Minute + 500*time.Millisecond)}, t0, "5400"},
		{"window, setting ends later", Setting{Mode: ModeOn, Until: win1End.Add(time.Hour)}, win1Start, "10800"},
		{"window, setting ends sooner", Setting{Mode: ModeOn, Until: win1Start.Add(time.Minute)}, win1Start, "7200"},
		{"window, setting off", Setting{}, win1Start, "7200"},
	} {
		rec := serve(t, New(settingCfg(c.s, c.now)).Wrap(&app{}), newReq("/secret"))
		if got := rec.Header().Get("Retry-After"); rec.Code != 503 || got != c.want {
			t.Errorf("%s: %d, Retry-After %q, want %s", c.name, rec.Code, got, c.want)
		}
	}
}

// TestLivePage: the page and the JSON carry the reason and the end,
// escaped; without either they are the static pages.
func TestLivePage(t *testing.T) {
	end := time.Date(2030, 1, 1, 4, 0, 0, 0, time.UTC)
	s := Setting{Mode: ModeOn, Until: end, Reason: `Upgrading <the> "database" & more`}
	g := New(settingCfg(s, end.Add(-time.Hour)))
	rec := serve(t, g.Wrap(&app{}), newReq("/secret"))
	body := rec.Body.String()
	for _, want := range []string{
		`<p class="live">Upgrading &lt;the&gt; &#34;database&#34; &amp; more</p>`,
		`<p class="live">Expected back by <time datetime="2030-01-01T04:00:00Z">2030-01-01 04:00 UTC</time></p>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s:\n%s", want, body)
		}
	}
	if rec.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %s, body %d bytes", rec.Header().Get("Content-Length"), len(body))
	}
	if i := strings.Index(body, `<p class="live">`); i != locales[0].slot {
		t.Errorf("the reason is at %d, the slot at %d", i, locales[0].slot)
	}
	if got := strings.Replace(strings.Replace(body, `<p class="live">Upgrading &lt;the&gt; &#34;database&#34; &amp; more</p>`, "", 1),
		`<p class="live">Expected back by <time datetime="2030-01-01T04:00:00Z">2030-01-01 04:00 UTC</time></p>`, "", 1); got != locales[0].html.body {
		t.Error("the live page is not the static page with the slot filled")
	}

	r := newReq("/secret", hdr("Accept", "application/json"), hdr("Accept-Language", "fr"))
	rec = serve(t, g.Wrap(&app{}), r)
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("JSON: %v: %s", err, rec.Body)
	}
	if doc["reason"] != s.Reason || doc["until"] != "2030-01-01T04:00:00Z" || doc["status"] != float64(503) || doc["title"] != "Maintenance" {
		t.Errorf("problem details %v", doc)
	}
	// The French page has no label: the time alone.
	rec = serve(t, g.Wrap(&app{}), newReq("/secret", hdr("Accept-Language", "fr")))
	if !strings.Contains(rec.Body.String(), `<p class="live"> <time datetime="2030-01-01T04:00:00Z">`) {
		t.Errorf("fr page: %s", rec.Body)
	}
	// Neither: the static page.
	rec = serve(t, New(settingCfg(Setting{Mode: ModeOn}, end)).Wrap(&app{}), newReq("/secret"))
	if rec.Body.String() != locales[0].html.body {
		t.Error("without a reason or an end, the page is not the static page")
	}
}

func TestStatus(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		cfg  Config
		want Status
	}{
		{"read-only until", settingCfg(Setting{Mode: ModeReadOnly, Until: t0.Add(time.Hour), Reason: "r"}, t0),
			Status{On: true, ReadOnly: true, Until: t0.Add(time.Hour), Reason: "r", Source: "config"}},
		{"off", settingCfg(Setting{}, t0), Status{Source: "config"}},
		{"window", settingCfg(Setting{}, win1Start), Status{On: true, Until: win1End, Source: "schedule"}},
		{"window, read-only: fully on", settingCfg(Setting{Mode: ModeReadOnly}, win1Start), Status{On: true, Source: "schedule"}},
	} {
		if got := New(c.cfg).Status(context.Background()); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	useStateFile(t)
	writeState(t, "on until 2030-01-01T01:00:00Z\nreason: DB\n")
	g := New(Config{Now: clock(t0)})
	if got, want := g.Status(context.Background()), (Status{On: true, Until: t0.Add(time.Hour), Reason: "DB", Source: "state.file"}); got != want {
		t.Errorf("file: %+v, want %+v", got, want)
	}

	h := g.StatusHandler()
	rec := serve(t, h, newReq("/status"))
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Content-Type") != "application/json" ||
		rec.Body.String() != `{"on":true,"read_only":false,"until":"2030-01-01T01:00:00Z","reason":"DB","source":"state.file"}`+"\n" {
		t.Errorf("StatusHandler: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	r := newReq("/status")
	r.Method = http.MethodPost
	if rec := serve(t, h, r); rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %v", rec.Code, rec.Header())
	}
}

// changes records OnChange's calls.
type changes struct {
	mu    sync.Mutex
	calls [][2]Status
	seen  chan struct{}
}

func newChanges() *changes { return &changes{seen: make(chan struct{}, 100)} }

func (c *changes) hook(old, new Status) {
	c.mu.Lock()
	c.calls = append(c.calls, [2]Status{old, new})
	c.mu.Unlock()
	c.seen <- struct{}{}
}

// wait waits for the nth call and returns it.
func (c *changes) wait(t *testing.T, n int) [2]Status {
	t.Helper()
	for {
		c.mu.Lock()
		if len(c.calls) >= n {
			call := c.calls[n-1]
			c.mu.Unlock()
			return call
		}
		c.mu.Unlock()
		select {
		case <-c.seen:
		case <-time.After(3 * time.Second):
			t.Fatalf("OnChange call %d not seen within 3s", n)
		}
	}
}

func (c *changes) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

func TestOnChange(t *testing.T) {
	t.Run("env start", func(t *testing.T) {
		t.Setenv(envVar, "on")
		c := newChanges()
		closeAtEnd(t, New(Config{OnChange: c.hook}))
		if got := c.wait(t, 1); got[0].On || !got[1].On || got[1].Source != "state.env" {
			t.Errorf("call %+v", got)
		}
	})
	t.Run("file", func(t *testing.T) {
		useStateFile(t)
		c := newChanges()
		closeAtEnd(t, New(Config{OnChange: c.hook})) // no request: polling notices
		writeState(t, "read-only\nreason: migration\n")
		if got := c.wait(t, 1); got[0].On || !got[1].ReadOnly || got[1].Reason != "migration" {
			t.Errorf("call 1 %+v", got)
		}
		if err := removeState(); err != nil {
			t.Fatal(err)
		}
		if got := c.wait(t, 2); !got[0].On || got[1].On || got[1].Source != "state.file" {
			t.Errorf("call 2 %+v", got)
		}
		time.Sleep(3 * statePoll)
		if c.count() != 2 {
			t.Errorf("%d calls, want 2: one per change, not per poll", c.count())
		}
	})
	t.Run("schedule under Config.Now", func(t *testing.T) {
		useStateFile(t)
		now := win1Start.Add(-time.Minute)
		var mu sync.Mutex
		c := newChanges()
		g := New(Config{OnChange: c.hook, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
		closeAtEnd(t, g)
		set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
		set(win1Start)
		g.Decide(newReq("/secret"))
		if got := c.wait(t, 1); !got[1].On || got[1].Source != "schedule" || !got[1].Until.Equal(win1End) {
			t.Errorf("window opens: %+v", got)
		}
		g.Decide(newReq("/secret"))
		set(win2End) // through the second window, which starts as the first ends
		g.Status(context.Background())
		if got := c.wait(t, 2); got[1].On || !got[0].Until.Equal(win1End) {
			t.Errorf("window closes: %+v", got)
		}
		if c.count() != 2 {
			t.Errorf("%d calls, want 2", c.count())
		}
	})
}

// closeAtEnd closes g when t ends, so that no poller or timer of g runs
// while a later test swaps the tables it reads.
func closeAtEnd(t *testing.T, g *Guard) {
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// TestClose checks that Close stops the file's poller: a change of the
// file made after it reaches OnChange only through a request.
func TestClose(t *testing.T) {
	useStateFile(t)
	c := newChanges()
	g := New(Config{OnChange: c.hook})
	writeState(t, "on\n")
	c.wait(t, 1)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	g.Close() // again: nothing more
	writeState(t, "off\n")
	time.Sleep(4 * statePoll)
	if n := c.count(); n != 1 {
		t.Errorf("%d OnChange calls after Close, want 1 (before it)", n)
	}
	if d := g.Decide(newReq("/secret")); !d.Pass || d.Step != StepOff {
		t.Errorf("a request after Close: %+v, want the file's off", d)
	}
	time.Sleep(2 * statePoll)
	if n := c.count(); n != 1 {
		t.Errorf("%d OnChange calls after Close, want 1: a request after it queues none", n)
	}
}

func removeState() error {
	return writeStateFileRemove()
}

// writeStateFileRemove removes the state file, as maintgen off does.
func writeStateFileRemove() error {
	g := New(Config{})
	return g.writeState(Setting{})
}

func TestStats(t *testing.T) {
	g := New(settingCfg(Setting{Mode: ModeOn}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	h := g.Wrap(&app{})
	for _, target := range []string{"/secret", "/secret", "/healthz", "/admin/x", "/admin/y", "/pay"} {
		serve(t, h, newReq(target))
	}
	g.Decide(newReq("/secret")) // Decide does not count
	s := g.Stats()
	if s.Steps[StepMaintenance] != 2 || s.Steps[StepExemptPaths] != 3 || s.Steps[StepForce] != 1 || len(s.Steps) != 3 {
		t.Errorf("steps %v", s.Steps)
	}
	if r := s.Rules[StepExemptPaths]; len(r) != 5 || r[0] != 1 || r[1] != 2 {
		t.Errorf("exempt.paths rules %v", r)
	}
	if r := s.Rules[StepForce]; len(r) != 2 || r[1] != 1 {
		t.Errorf("force.paths rules %v", r)
	}
	// Off passes are not counted.
	g = New(settingCfg(Setting{}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	serve(t, g.Wrap(&app{}), newReq("/secret"))
	if n := g.Stats().Steps[StepOff]; n != 0 {
		t.Errorf("off counted %d", n)
	}
}

func TestToggleReadOnly(t *testing.T) {
	useStateFile(t)
	g := New(Config{Roles: func(*http.Request) []string { return []string{"ops"} }})
	form := url.Values{"state": {"read-only"}, "reason": {"DB upgrade"}, "until": {"2031-01-01T00:00:00Z"}}
	r := httptest.NewRequest(http.MethodPost, "/admin/maintenance", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := serve(t, g.ToggleHandler(), r)
	if rec.Code != 200 {
		t.Fatalf("toggle: %d %s", rec.Code, rec.Body)
	}
	st := g.Status(context.Background())
	if !st.ReadOnly || st.Reason != "DB upgrade" || !st.Until.Equal(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("status after the toggle: %+v", st)
	}
	text, err := readStateFile()
	if err != nil || text != "read-only until 2031-01-01T00:00:00Z\nreason: DB upgrade\n" {
		t.Errorf("state file %q, %v", text, err)
	}
	// Config.SetState cannot take read-only.
	g = New(Config{Roles: g.cfg.Roles, State: func(context.Context) (bool, error) { return false, nil }, SetState: func(context.Context, bool) error { return nil }})
	r = httptest.NewRequest(http.MethodPost, "/admin/maintenance", strings.NewReader(`{"state":"read-only"}`))
	r.Header.Set("Content-Type", "application/json")
	if rec := serve(t, g.ToggleHandler(), r); rec.Code != 409 {
		t.Errorf("read-only through SetState: %d %s", rec.Code, rec.Body)
	}
}
