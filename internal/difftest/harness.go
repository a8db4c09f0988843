package difftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
)

// Package is one generated package to compile and exercise.
type Package struct {
	Dir    string // directory in the throwaway module, such as "minimal"
	Policy *policy.Policy
	Source []byte            // the generated Go file
	Pages  map[string][]byte // page file name (such as 503.en.html) to its bytes
	Slots  map[string]int    // HTML page file name to its slot's offset (render.Page.Slot); missing: -1
	Cases  []Case            // nil: Matrix(Policy) and OpsMatrix(Policy)
}

// Result is what the harness observed for one Case.
type Result struct {
	Name     string
	Decision interp.Decision // (*Guard).Decide
	Called   bool            // the app handler ran
	Active   bool            // Active(ctx) inside the app handler
	Status   int
	Header   http.Header
	Body     string
	Force    Response // ForceOn's response
	Upcoming Upcoming // (*Guard).Upcoming at the case's time
}

// Upcoming is what (*Guard).Upcoming reported, the times in RFC 3339 UTC.
type Upcoming struct {
	Start, End string
	OK         bool
}

// Response is a recorded response.
type Response struct {
	Called bool
	Status int
	Header http.Header
	Body   string
}

// harness is the test file written next to each generated file. It
// replays cases.json through Decide, Wrap and ForceOn and writes what it
// saw to results.json.
const harness = `package PACKAGE

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"testing"
	"time"
)

type harnessCase struct {
	Name           string
	Method         string
	URI            string
	RemoteAddr     string
	XForwardedFor  []string
	Roles          []string
	Accept         []string
	AcceptLanguage []string
	On             bool
	Setting        string
	Now            string
	Cookie         []string
	BypassSecret   string
	ClientIP       string
}

type harnessResponse struct {
	Called bool
	Status int
	Header http.Header
	Body   string
}

type harnessResult struct {
	Name     string
	Decision Decision
	Called   bool
	Active   bool
	Status   int
	Header   http.Header
	Body     string
	Force    harnessResponse
	Upcoming struct {
		Start, End string
		OK         bool
	}
}

func TestHarness(t *testing.T) {
	data, err := os.ReadFile("cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []harnessCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	var results []harnessResult
	for _, c := range cases {
		newRequest := func() *http.Request {
			r := httptest.NewRequest(c.Method, c.URI, nil)
			r.RemoteAddr = c.RemoteAddr
			for _, v := range c.XForwardedFor {
				r.Header.Add("X-Forwarded-For", v)
			}
			for _, v := range c.Accept {
				r.Header.Add("Accept", v)
			}
			for _, v := range c.AcceptLanguage {
				r.Header.Add("Accept-Language", v)
			}
			for _, v := range c.Cookie {
				r.Header.Add("Cookie", v)
			}
			return r
		}
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // difftest.DefaultNow
		if c.Now != "" {
			var err error
			if now, err = time.Parse(time.RFC3339Nano, c.Now); err != nil {
				t.Fatal(err)
			}
		}
		if bypassEnv := BYPASS_ENV; bypassEnv != "" {
			os.Setenv(bypassEnv, c.BypassSecret) // New reads it
		}
		cfg := Config{
			State: func(context.Context) (bool, error) { return c.On, nil },
			Roles: func(*http.Request) []string { return c.Roles },
			Now:   func() time.Time { return now },
		}
		if c.Setting != "" {
			cfg.Setting = func(context.Context) (Setting, error) { return ParseSetting(c.Setting) }
		}
		if c.ClientIP != "" {
			cfg.ClientIP = func(*http.Request) (netip.Addr, bool) {
				a, err := netip.ParseAddr(c.ClientIP)
				return a, err == nil
			}
		}
		g := New(cfg)
		res := harnessResult{Name: c.Name, Decision: g.Decide(newRequest())}
		if start, end, ok := g.Upcoming(context.Background()); ok {
			res.Upcoming.Start, res.Upcoming.End, res.Upcoming.OK = start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), true
		}
		app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res.Called, res.Active = true, Active(r.Context())
			w.Header().Set("Cache-Control", "public, max-age=60")
			w.WriteHeader(299)
		})
		rec := httptest.NewRecorder()
		g.Wrap(app).ServeHTTP(rec, newRequest())
		res.Status, res.Header, res.Body = rec.Code, rec.Header(), rec.Body.String()

		rec = httptest.NewRecorder()
		ForceOn(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { res.Force.Called = true })).ServeHTTP(rec, newRequest())
		res.Force.Status, res.Force.Header, res.Force.Body = rec.Code, rec.Header(), rec.Body.String()
		results = append(results, res)
	}
	out, err := json.MarshalIndent(results, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("results.json", out, 0o644); err != nil {
		t.Fatal(err)
	}
}
`

// Run compiles every package in one throwaway module, checks it with go
// vet, replays each package's cases through the generated code, and
// compares every decision with interp.Evaluate and every response with
// the policy's pages and headers.
func Run(t *testing.T, pkgs []Package) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to compile generated code: %v", err)
	}
	root := BuildDir(t)
	write := func(name string, data []byte) {
		t.Helper()
		name = filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// go 1.25: the generated code must build one release behind.
	write("go.mod", []byte("module example.com/generated\n\ngo 1.25\n"))
	for i := range pkgs {
		pk := &pkgs[i]
		if pk.Cases == nil {
			pk.Cases = append(Matrix(pk.Policy), OpsMatrix(pk.Policy)...)
		}
		cases, err := json.Marshal(pk.Cases)
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(pk.Dir, "maintenance_gen.go"), pk.Source)
		bypassEnv := ""
		if pk.Policy.Bypass != nil {
			bypassEnv = pk.Policy.Bypass.SecretEnv
		}
		h := strings.NewReplacer("PACKAGE", pk.Policy.Package, "BYPASS_ENV", strconv.Quote(bypassEnv)).Replace(harness)
		write(filepath.Join(pk.Dir, "harness_test.go"), []byte(h))
		write(filepath.Join(pk.Dir, "cases.json"), cases)
	}
	goCmd := func(args ...string) {
		t.Helper()
		cmd := exec.Command(goTool, args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	goCmd("vet", "./...")
	goCmd("test", "-count=1", "-vet=off", "./...") // vetted above
	for _, pk := range pkgs {
		data, err := os.ReadFile(filepath.Join(root, pk.Dir, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var results []Result
		if err := json.Unmarshal(data, &results); err != nil {
			t.Fatal(err)
		}
		if len(results) != len(pk.Cases) {
			t.Fatalf("%s: %d results for %d cases", pk.Dir, len(results), len(pk.Cases))
		}
		for i, c := range pk.Cases {
			if err := Check(&pk, c, results[i]); err != nil {
				t.Errorf("%s: %v", pk.Dir, err)
			}
		}
	}
}

// Check compares one harness result for a case of pk with the
// interpreter's decision and with the response that decision implies. The
// harness runs under go test, so the request is one made while testing
// (exempt.tests), at the case's time.
func Check(pk *Package, c Case, res Result) error {
	p := pk.Policy
	req, err := c.Request()
	if err != nil {
		return err
	}
	if req.Now, err = c.Time(); err != nil {
		return err
	}
	req.Testing = true
	want := interp.Evaluate(p, req)
	where := func() string {
		b, _ := json.Marshal(c)
		return string(b)
	}
	if diff := cmp.Diff(want, res.Decision); diff != "" {
		return fmt.Errorf("case %s: Decide differs from the interpreter (-want +got):\n%s", where(), diff)
	}
	var upcoming Upcoming
	if start, end, ok := interp.Upcoming(p, req.Now); ok {
		upcoming = Upcoming{start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), true}
	}
	if upcoming != res.Upcoming {
		return fmt.Errorf("case %s: Upcoming = %+v, the interpreter %+v", where(), res.Upcoming, upcoming)
	}
	if want.Pass {
		_, inWindow := interp.WindowAt(p, req.Now)
		active := req.On || inWindow && !req.Suspended
		if !res.Called || res.Status != 299 || res.Active != active {
			return fmt.Errorf("case %s: passed request: called=%t status=%d active=%t, want called, 299 and active=%t", where(), res.Called, res.Status, res.Active, active)
		}
		// The app sets a public Cache-Control; a personal pass replaces it.
		cc := "public, max-age=60"
		if want.Personal() {
			cc = "no-store"
		}
		if got := res.Header.Values("Cache-Control"); len(got) != 1 || got[0] != cc {
			return fmt.Errorf("case %s: passed by %s: Cache-Control %q, want %q", where(), want.Step, got, cc)
		}
	} else {
		if res.Called {
			return fmt.Errorf("case %s: the app ran for a maintenance response", where())
		}
		if err := checkResponse(pk, req, want, Response{Status: res.Status, Header: res.Header, Body: res.Body}, false); err != nil {
			return fmt.Errorf("case %s: %v", where(), err)
		}
	}
	// ForceOn: the maintenance response for the path, no exemption.
	fd := interp.ForceDecision(p, req)
	if res.Force.Called {
		return fmt.Errorf("case %s: ForceOn called its handler", where())
	}
	if err := checkResponse(pk, req, fd, res.Force, true); err != nil {
		return fmt.Errorf("case %s: ForceOn: %v", where(), err)
	}
	return nil
}

// checkResponse compares got with the response to d for req. wallClock
// says the handler has no Config.Now (ForceOn): an HTTP-date Retry-After
// is then of the real clock, and only its form is checked.
func checkResponse(pk *Package, req interp.Request, d interp.Decision, got Response, wallClock bool) error {
	p, method := pk.Policy, req.Method
	if wallClock && p.Response.RetryDate && got.Header.Get("Retry-After") != "" {
		if _, err := http.ParseTime(got.Header.Get("Retry-After")); err != nil {
			return fmt.Errorf("Retry-After %q is no HTTP-date", got.Header.Get("Retry-After"))
		}
		got.Header = got.Header.Clone()
		got.Header["Retry-After"] = []string{interp.RetryAfter(p, d, req)}
	}
	h := http.Header{
		"Cache-Control": {"no-store"},
		"Vary":          {"Accept, Accept-Language"},
	}
	if v := interp.RetryAfter(p, d, req); v != "" {
		h.Set("Retry-After", v)
	}
	if c := interp.ClearCookieHeaders(p, d); c != nil {
		h["Set-Cookie"] = c
	}
	body := ""
	switch {
	case d.Step == interp.StepBypassLink:
		h = http.Header{
			"Cache-Control":   {"no-store"},
			"Location":        {"/"},
			"Referrer-Policy": {"no-referrer"},
			"Set-Cookie":      {interp.BypassSetCookie(p, req.BypassSecret, req.Now)},
		}
	case d.Format == policy.FormatRedirect:
		h.Set("Location", d.Location)
	default:
		name := fmt.Sprintf("%d.%s.%s", d.Status, d.Locale, d.Format)
		page, ok := pk.Pages[name]
		if !ok {
			return fmt.Errorf("no page %s", name)
		}
		// The reason and the end, at the slot of the page, or at the
		// end of the problem details' object.
		if live := interp.Live(p, d, req); live != "" {
			at, ok := pk.Slots[name]
			if d.Format == policy.FormatJSON {
				at, ok = len(page)-1, true
			}
			if ok && at >= 0 {
				page = slices.Concat(page[:at], []byte(live), page[at:])
			}
		}
		ct := "text/html; charset=utf-8"
		if d.Format == policy.FormatJSON {
			ct = "application/problem+json"
		}
		h.Set("Content-Type", ct)
		h.Set("Content-Language", d.Locale)
		h.Set("Content-Length", strconv.Itoa(len(page)))
		h.Set("X-Content-Type-Options", "nosniff")
		if method != http.MethodHead {
			body = string(page)
		}
	}
	if got.Status != d.Status {
		return fmt.Errorf("status %d, want %d", got.Status, d.Status)
	}
	if diff := cmp.Diff(h, got.Header); diff != "" {
		return fmt.Errorf("headers differ (-want +got):\n%s", diff)
	}
	if !bytes.Equal([]byte(body), []byte(got.Body)) {
		return fmt.Errorf("body differs from the page file:\n got %.200q\nwant %.200q", got.Body, body)
	}
	return nil
}
