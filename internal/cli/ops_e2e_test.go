package cli

import (
	"bufio"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/statefile"
)

// The throwaway app of TestOperationsEndToEnd: a policy with a state file,
// an env var and a schedule window, and a program serving its generated
// guard on loopback. The program prints JSON lines on stdout: first
// {"addr": ...}, then {"old": ..., "new": ...} for each OnChange call. Its
// clock is Config.Now: the real clock, or a fake one set by -now and by
// POST /_/clock (an RFC 3339 time; empty for the real clock again). Under
// /_/ it serves, unguarded, StatusHandler and the Stats as JSON.
const (
	e2eEnv    = "MAINTGEN_E2E_MODE"
	e2ePolicy = `version: 1
output:
  go: maintenance/maintenance_gen.go
  pages: public
state:
  env: ` + e2eEnv + `
  file: maintenance.state
  poll: 50ms
schedule:
  - {start: 2030-03-01T02:00:00Z, end: 2030-03-01T04:00:00Z}
response:
  retry_after: 2m
default_locale: en
messages:
  en:
    title: Down for maintenance
    heading: Back soon
    body: We are upgrading.
    link: {text: Status page, href: "https://status.example/"}
`
	e2eMain = `package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"example.com/opsapp/maintenance"
)

func main() {
	start := flag.String("now", "", "fake clock's start (RFC 3339); empty: the real clock")
	flag.Parse()
	var mu sync.Mutex
	var fake time.Time
	if *start != "" {
		fake, _ = time.Parse(time.RFC3339, *start)
	}
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		if fake.IsZero() {
			return time.Now()
		}
		return fake
	}
	var outMu sync.Mutex
	enc := json.NewEncoder(os.Stdout)
	emit := func(v any) {
		outMu.Lock()
		defer outMu.Unlock()
		enc.Encode(v)
	}
	g := maintenance.New(maintenance.Config{
		Now: now,
		OnChange: func(old, new maintenance.Status) {
			emit(map[string]maintenance.Status{"old": old, "new": new})
		},
	})
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "app %s", r.Method) })
	mux := http.NewServeMux()
	mux.Handle("/", g.Wrap(app))
	mux.Handle("/_/status", g.StatusHandler())
	mux.HandleFunc("/_/stats", func(w http.ResponseWriter, r *http.Request) { json.NewEncoder(w).Encode(g.Stats()) })
	mux.HandleFunc("POST /_/clock", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var t time.Time
		if len(b) != 0 {
			var err error
			if t, err = time.Parse(time.RFC3339, string(b)); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
		}
		mu.Lock()
		fake = t
		mu.Unlock()
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	emit(map[string]string{"addr": l.Addr().String()})
	panic(http.Serve(l, mux))
}
`
)

// e2eApp is one running instance of the throwaway program.
type e2eApp struct {
	t      *testing.T
	url    string
	events chan map[string]json.RawMessage
}

// startE2EApp starts the program bin in dir with env (added to this
// process's, less the policy's env var) and args, and returns once it
// listens. It is killed when the test ends.
func startE2EApp(t *testing.T, bin, dir string, env []string, args ...string) *e2eApp {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, e2eEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	a := &e2eApp{t: t, events: make(chan map[string]json.RawMessage, 100)}
	addr := make(chan string, 1)
	go func() {
		defer close(a.events)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				continue
			}
			if v, ok := m["addr"]; ok {
				var s string
				json.Unmarshal(v, &s)
				addr <- s
				continue
			}
			a.events <- m // OnChange calls may come first: New notices at once
		}
	}()
	select {
	case s := <-addr:
		a.url = "http://" + s
	case <-time.After(10 * time.Second):
		t.Fatal("the program did not listen within 10s")
	}
	return a
}

// e2eStatus is the Status as the program's JSON spells it.
type e2eStatus struct {
	On       bool      `json:"on"`
	ReadOnly bool      `json:"read_only"`
	Until    time.Time `json:"until"`
	Reason   string    `json:"reason"`
	Source   string    `json:"source"`
}

// change waits for the next OnChange call, for up to 5 seconds.
func (a *e2eApp) change() (old, new e2eStatus) {
	a.t.Helper()
	select {
	case m, ok := <-a.events:
		if !ok {
			a.t.Fatal("the program exited")
		}
		if err := json.Unmarshal(m["old"], &old); err != nil {
			a.t.Fatal(err)
		}
		if err := json.Unmarshal(m["new"], &new); err != nil {
			a.t.Fatal(err)
		}
		return old, new
	case <-time.After(5 * time.Second):
		a.t.Fatal("no OnChange call within 5s")
	}
	return
}

// noChange fails when an OnChange call comes within d.
func (a *e2eApp) noChange(d time.Duration) {
	a.t.Helper()
	select {
	case m := <-a.events:
		a.t.Errorf("unexpected OnChange call: old %s, new %s", m["old"], m["new"])
	case <-time.After(d):
	}
}

// do sends a request and returns the response, its body read.
func (a *e2eApp) do(method, path, body string, header ...string) (*http.Response, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return res, string(b)
}

func (a *e2eApp) setClock(t string) {
	a.t.Helper()
	if res, body := a.do(http.MethodPost, "/_/clock", t); res.StatusCode != 200 {
		a.t.Fatalf("set the clock to %q: %d %s", t, res.StatusCode, body)
	}
}

func (a *e2eApp) status() e2eStatus {
	a.t.Helper()
	res, body := a.do(http.MethodGet, "/_/status", "")
	var st e2eStatus
	if err := json.Unmarshal([]byte(body), &st); res.StatusCode != 200 || err != nil {
		a.t.Fatalf("GET /_/status: %d %s (%v)", res.StatusCode, body, err)
	}
	return st
}

func (a *e2eApp) stats() map[string]uint64 {
	a.t.Helper()
	_, body := a.do(http.MethodGet, "/_/stats", "")
	var s struct{ Steps map[string]uint64 }
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		a.t.Fatalf("GET /_/stats: %s (%v)", body, err)
	}
	return s.Steps
}

// TestOperationsEndToEnd runs the real maintgen generate, on and off
// against a policy with a state file, and sends real requests through the
// generated guard, compiled (once) in a throwaway module into a program
// served on loopback:
//
//   - after maintgen on -read-only -for 90m -reason TEXT, a GET passes
//     (step read-only), a POST gets 503 with Retry-After counting down
//     from 5400 to the end, the page shows the reason, escaped, and the
//     end in a <time>, the JSON has reason and until, and StatusHandler
//     reports the Status of the state file;
//   - OnChange is called for maintgen off and on (the file changes, seen
//     by polling), for an env-decided start, and for a schedule window
//     opening and closing under Config.Now, where Retry-After counts down
//     to the window's end.
func TestOperationsEndToEnd(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to compile generated code: %v", err)
	}
	dir := difftest.BuildDir(t) // the build cache serves its packages again
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/opsapp\n\ngo 1.25\n")
	writeFile(t, filepath.Join(dir, "policy.yaml"), e2ePolicy)
	writeFile(t, filepath.Join(dir, "main.go"), e2eMain)
	t.Setenv(e2eEnv, "") // maintgen on and status read it
	if code, _, stderr := run(t, dir, "generate"); code != ExitOK {
		t.Fatalf("maintgen generate: exit %d\n%s", code, stderr)
	}
	bin := filepath.Join(t.TempDir(), "opsapp")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	const reason = `Upgrading <the> "database" & more`
	code, stdout, stderr := run(t, dir, "on", "-read-only", "-for", "90m", "-reason", reason)
	if code != ExitOK {
		t.Fatalf("maintgen on: exit %d\n%s", code, stderr)
	}
	st, err := statefile.Read(filepath.Join(dir, "maintenance.state"))
	if err != nil || st.Mode != statefile.ReadOnly || st.Reason != reason || st.Until.IsZero() {
		t.Fatalf("the state file after maintgen on: %+v, %v\n%s", st, err, stdout)
	}
	until := st.Until.UTC()
	for _, want := range []string{"maintenance mode: read-only, decided by state.file maintenance.state, until " + until.Format(time.RFC3339), "reason: " + reason + "\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("maintgen on printed no %q:\n%s", want, stdout)
		}
	}
	if left := time.Until(until); left <= 89*time.Minute || left > 90*time.Minute+time.Second {
		t.Fatalf("maintgen on -for 90m wrote until %s, %s from now", until, left)
	}

	a := startE2EApp(t, bin, dir, nil)
	// New with OnChange reads the file at once: off to read-only.
	if old, new := a.change(); old.On || !new.On || !new.ReadOnly || new.Reason != reason || !new.Until.Equal(until) || new.Source != "state.file" {
		t.Errorf("OnChange at start: old %+v, new %+v", old, new)
	}

	t.Run("read-only", func(t *testing.T) {
		a.t = t
		if res, body := a.do(http.MethodGet, "/orders", ""); res.StatusCode != 200 || body != "app GET" {
			t.Errorf("GET /orders: %d %q, want 200 from the app", res.StatusCode, body)
		}
		if n := a.stats()["read-only"]; n != 1 {
			t.Errorf("Stats: %d requests decided by the step read-only, want 1", n)
		}
		res, body := a.do(http.MethodPost, "/orders", "x=1")
		if res.StatusCode != 503 {
			t.Fatalf("POST /orders: %d %q, want 503", res.StatusCode, body)
		}
		retry, err := strconv.Atoi(res.Header.Get("Retry-After"))
		// The seconds to the end, rounded up: -for rounds the end up to
		// a whole second, so right after on -for 90m it may read 5401.
		if left := time.Until(until).Seconds(); err != nil || retry > 5401 || retry < 5390 || float64(retry) < left-1 || float64(retry) > left+2 {
			t.Errorf("Retry-After %q, want the %.1f seconds to the end, rounded up (about 5400)", res.Header.Get("Retry-After"), left)
		}
		for _, want := range []string{
			`<p class="live">` + html.EscapeString(reason) + `</p>`,
			`<time datetime="` + until.Format(time.RFC3339) + `">` + until.Format("2006-01-02 15:04 MST") + `</time>`,
			`Expected back by`,
			`href="https://status.example/"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s:\n%s", want, body)
			}
		}
		if strings.Contains(body, "<the>") {
			t.Errorf("the page holds the reason unescaped:\n%s", body)
		}

		res, body = a.do(http.MethodPost, "/orders", "", "Accept", "application/json")
		var doc map[string]any
		if err := json.Unmarshal([]byte(body), &doc); err != nil || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("JSON: %s %q (%v)", res.Header.Get("Content-Type"), body, err)
		}
		if doc["reason"] != reason || doc["until"] != until.Format(time.RFC3339) || doc["status"] != float64(503) {
			t.Errorf("problem details %v, want reason %q and until %s", doc, reason, until.Format(time.RFC3339))
		}

		// 30 minutes before the end by Config.Now: Retry-After has
		// counted down.
		a.setClock(until.Add(-30 * time.Minute).Format(time.RFC3339))
		if res, _ := a.do(http.MethodDelete, "/orders", ""); res.StatusCode != 503 || res.Header.Get("Retry-After") != "1800" {
			t.Errorf("DELETE 30 minutes before the end: %d, Retry-After %q, want 503 and 1800", res.StatusCode, res.Header.Get("Retry-After"))
		}
		a.setClock("")

		want := e2eStatus{On: true, ReadOnly: true, Until: until, Reason: reason, Source: "state.file"}
		if got := a.status(); got != want {
			t.Errorf("Status %+v, want %+v", got, want)
		}
		if s := a.stats(); s["maintenance"] != 3 || s["read-only"] != 1 {
			t.Errorf("Stats %v, want 3 maintenance and 1 read-only", s)
		}
		a.noChange(50 * time.Millisecond)
	})

	t.Run("OnChange file", func(t *testing.T) {
		a.t = t
		// maintgen off removes the file; the poller sees it without a
		// request.
		if code, _, stderr := run(t, dir, "off"); code != ExitOK {
			t.Fatalf("maintgen off: exit %d\n%s", code, stderr)
		}
		if old, new := a.change(); !old.ReadOnly || old.Reason != reason || new.On || new.ReadOnly || new.Reason != "" || new.Source != "state.file" {
			t.Errorf("after maintgen off: old %+v, new %+v", old, new)
		}
		if code, _, stderr := run(t, dir, "on", "-reason", "Moving racks"); code != ExitOK {
			t.Fatalf("maintgen on: exit %d\n%s", code, stderr)
		}
		if old, new := a.change(); old.On || !new.On || new.ReadOnly || new.Reason != "Moving racks" || !new.Until.IsZero() {
			t.Errorf("after maintgen on -reason: old %+v, new %+v", old, new)
		}
		if res, _ := a.do(http.MethodGet, "/", ""); res.StatusCode != 503 || res.Header.Get("Retry-After") != "120" {
			t.Errorf("GET / while on with no end: %d, Retry-After %q, want 503 and response.retry_after 120", res.StatusCode, res.Header.Get("Retry-After"))
		}
		a.noChange(200 * time.Millisecond) // polling again, nothing changed: no call
	})

	t.Run("OnChange env", func(t *testing.T) {
		empty := t.TempDir() // no state file: the env var alone
		e := startE2EApp(t, bin, empty, []string{e2eEnv + "=read-only"})
		e.t = t
		if old, new := e.change(); old.On || !new.On || !new.ReadOnly || new.Source != "state.env" {
			t.Errorf("env start: old %+v, new %+v", old, new)
		}
		if res, _ := e.do(http.MethodPut, "/", ""); res.StatusCode != 503 {
			t.Errorf("PUT / with the env var read-only: %d", res.StatusCode)
		}
		e.noChange(50 * time.Millisecond)
	})

	t.Run("OnChange schedule", func(t *testing.T) {
		empty := t.TempDir()
		s := startE2EApp(t, bin, empty, nil, "-now", "2030-03-01T01:59:00Z")
		s.t = t
		if res, _ := s.do(http.MethodGet, "/", ""); res.StatusCode != 200 {
			t.Errorf("before the window: %d", res.StatusCode)
		}
		s.noChange(100 * time.Millisecond) // off as before New: no call
		s.setClock("2030-03-01T02:00:00Z")
		if res, _ := s.do(http.MethodGet, "/", ""); res.StatusCode != 503 || res.Header.Get("Retry-After") != "7200" {
			t.Errorf("the window opens: %d, Retry-After %q, want 503 and 7200", res.StatusCode, res.Header.Get("Retry-After"))
		}
		end := time.Date(2030, 3, 1, 4, 0, 0, 0, time.UTC)
		if old, new := s.change(); old.On || !new.On || new.ReadOnly || new.Source != "schedule" || !new.Until.Equal(end) {
			t.Errorf("the window opens: old %+v, new %+v", old, new)
		}
		s.setClock("2030-03-01T03:00:01Z")
		if res, _ := s.do(http.MethodGet, "/", ""); res.StatusCode != 503 || res.Header.Get("Retry-After") != "3599" {
			t.Errorf("an hour into the window: %d, Retry-After %q, want 503 and 3599", res.StatusCode, res.Header.Get("Retry-After"))
		}
		s.setClock("2030-03-01T04:00:00Z")
		if got := s.status(); got.On || got.Source != "state.file" {
			t.Errorf("Status after the window: %+v", got)
		}
		if old, new := s.change(); !old.On || old.Source != "schedule" || new.On {
			t.Errorf("the window closes: old %+v, new %+v", old, new)
		}
		s.noChange(100 * time.Millisecond)
	})
}
