package proxyconf

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// This file runs the generated Worker under workerd, the open-source
// Workers runtime (npm's workerd, pinned by tools/workerd), in front of a
// loopback origin, with its KV namespace served by the test, and compares
// its answers with the interpreter's decisions.

// workerdDir holds the pinned workerd (package.json, package-lock.json).
const workerdDir = "../../tools/workerd"

// workerdBinary returns the workerd executable, installing it with npm ci
// when node_modules is missing. Without it (or npm) the test is skipped
// on a developer's machine and fails under CI, which installs it
// (.ci/run).
func workerdBinary(t *testing.T) string {
	t.Helper()
	find := func() string {
		m, _ := filepath.Glob(filepath.Join(workerdDir, "node_modules", "@cloudflare", "workerd-*", "bin", "workerd"))
		for _, bin := range m {
			if abs, err := filepath.Abs(bin); err == nil {
				return abs
			}
		}
		return ""
	}
	if bin := find(); bin != "" {
		return bin
	}
	missing := func(why string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; under CI every test must run (.ci/run installs it)", why)
		}
		t.Skipf("skipped: %s; CI is unset, so the test is skipped", why)
	}
	if _, err := exec.LookPath("npm"); err != nil {
		missing("workerd is not installed and npm is missing (apt-get install npm; cd tools/workerd && npm ci)")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = workerdDir
	if out, err := cmd.CombinedOutput(); err != nil {
		missing(fmt.Sprintf("npm ci in tools/workerd failed: %v\n%s", err, out))
	}
	if bin := find(); bin != "" {
		return bin
	}
	missing("npm ci in tools/workerd installed no workerd binary for this platform")
	return ""
}

// workerTestWrapper is the module the test runs in front of the generated
// one: it sets the Worker's clock (Date.now, which the Worker reads once,
// before anything else) from the X-Test-Now header, in Unix milliseconds,
// for the request it hands on.
const workerTestWrapper = `import worker from "./worker.mjs";
const realNow = Date.now;
export default {
  fetch(request, env, ctx) {
    const t = request.headers.get("X-Test-Now");
    if (t !== null) Date.now = () => Number(t);
    try {
      return worker.fetch(request, env, ctx);
    } finally {
      Date.now = realNow;
    }
  },
};
`

// workerSite is one Worker listening in a running workerd.
type workerSite struct {
	port int
	kv   *kvStore // nil when the site binds no KV namespace
}

// kvStore is a KV namespace as workerd asks a service for it: GET /KEY.
type kvStore struct {
	mu    sync.Mutex
	value *string // the key "state"; nil for none
}

func (s *kvStore) set(v *string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.value = v
}

func (s *kvStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	v := s.value
	s.mu.Unlock()
	if r.Method != http.MethodGet || r.URL.Path != "/state" || v == nil {
		http.NotFound(w, r)
		return
	}
	w.Write([]byte(*v))
}

// workerSpec is one Worker to run: its module and its bindings.
type workerSpec struct {
	module []byte
	kv     bool      // bind a KV namespace as MAINTENANCE, served by the test
	text   *string   // bind the text variable MAINTENANCE_STATE
	secret [2]string // bind the text variable secret[0] (bypass.secret_env) to secret[1], unless secret[0] is ""
}

// workerOrigin starts the origin the Workers fetch: it answers 299 with
// the request target it received in X-Target.
func workerOrigin(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Target", r.RequestURI)
		w.WriteHeader(299)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// startWorkerd starts one workerd with a socket per spec on 127.0.0.1,
// each running the test wrapper in front of the spec's module, fetching
// from origin, and waits until every socket accepts connections. workerd
// is stopped when the test ends; an uncaught exception it logged fails
// the test.
//
// freePort's ports are free when chosen, but another process (a parallel
// test package starting nginx or Caddy) may bind one before workerd does:
// then workerd logs "Address already in use", and it starts again on
// other ports, up to three times.
func startWorkerd(t *testing.T, bin, origin string, specs []workerSpec) []workerSite {
	t.Helper()
	for attempt := 1; ; attempt++ {
		if sites, ok := startWorkerdOnce(t, bin, origin, specs, attempt == 3); ok {
			return sites
		}
		t.Logf("workerd could not bind its ports (attempt %d); starting it again", attempt)
	}
}

// startWorkerdOnce is one attempt of startWorkerd; ok is false when a
// port was taken and this is not the last attempt.
func startWorkerdOnce(t *testing.T, bin, origin string, specs []workerSpec, last bool) (sites []workerSite, ok bool) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "test.mjs"), []byte(workerTestWrapper), 0o644); err != nil {
		t.Fatal(err)
	}
	var services, sockets []string
	services = append(services, fmt.Sprintf(`(name = "origin", external = (address = %q, http = ()))`, origin))
	for i, spec := range specs {
		name := fmt.Sprintf("w%d.mjs", i)
		if err := os.WriteFile(filepath.Join(dir, name), spec.module, 0o644); err != nil {
			t.Fatal(err)
		}
		site := workerSite{port: freePort(t)}
		var bindings []string
		if spec.kv {
			site.kv = &kvStore{}
			srv := httptest.NewServer(site.kv)
			t.Cleanup(srv.Close)
			services = append(services, fmt.Sprintf(`(name = "kv%d", external = (address = %q, http = ()))`, i, srv.Listener.Addr().String()))
			bindings = append(bindings, fmt.Sprintf(`(name = "MAINTENANCE", kvNamespace = "kv%d")`, i))
		}
		if spec.text != nil {
			bindings = append(bindings, fmt.Sprintf(`(name = "MAINTENANCE_STATE", text = %s)`, strconv.Quote(*spec.text)))
		}
		if spec.secret[0] != "" {
			bindings = append(bindings, fmt.Sprintf(`(name = %s, text = %s)`, strconv.Quote(spec.secret[0]), strconv.Quote(spec.secret[1])))
		}
		services = append(services, fmt.Sprintf(`(name = "w%d", worker = (modules = [(name = "test.mjs", esModule = embed "test.mjs"), (name = "worker.mjs", esModule = embed %q)], compatibilityDate = "2024-09-23", bindings = [%s], globalOutbound = "origin"))`,
			i, name, strings.Join(bindings, ", ")))
		sockets = append(sockets, fmt.Sprintf(`(name = "s%d", address = "127.0.0.1:%d", http = (), service = "w%d")`, i, site.port, i))
		sites = append(sites, site)
	}
	conf := "using Workerd = import \"/workerd/workerd.capnp\";\nconst config :Workerd.Config = (\n  services = [\n    " +
		strings.Join(services, ",\n    ") + "\n  ],\n  sockets = [\n    " + strings.Join(sockets, ",\n    ") + "\n  ],\n);\n"
	confFile := filepath.Join(dir, "config.capnp")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var log bytes.Buffer
	w := writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return log.Write(b)
	})
	cmd := exec.Command(bin, "serve", confFile)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	logText := func() string {
		mu.Lock()
		defer mu.Unlock()
		return log.String()
	}
	retried := false
	t.Cleanup(func() {
		cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Error("workerd did not exit after being killed")
		}
		if retried {
			return
		}
		for _, line := range strings.Split(logText(), "\n") {
			if strings.Contains(line, "error") || strings.Contains(line, "Uncaught") {
				t.Errorf("workerd logged: %s", line)
			}
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for _, site := range sites {
		for {
			select {
			case <-exited:
				t.Fatalf("workerd exited: %v\n%s\n%s", waitErr, logText(), conf)
			default:
			}
			if !last && strings.Contains(logText(), "Address already in use") {
				retried = true
				cmd.Process.Kill()
				<-exited
				return nil, false
			}
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", site.port), time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("workerd did not accept connections within 30s: %v\n%s", err, logText())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A socket bound by another process answers too: the log says so.
	if !last && strings.Contains(logText(), "Address already in use") {
		retried = true
		cmd.Process.Kill()
		<-exited
		return nil, false
	}
	return sites, true
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// workerPolicy loads a policy file and compiles its Worker module; it
// returns the policy, its pages keyed by file name, and the pages' slots.
func workerPolicy(t *testing.T, file string) (*policy.Policy, map[string][]byte, map[string]int, []byte) {
	t.Helper()
	p, files := loadPolicy(t, file)
	var list []render.Page
	slots := map[string]int{}
	tmpl := render.DefaultTemplate()
	if p.Response.Template != "" {
		name := filepath.Join(filepath.Dir(file), p.Response.Template)
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if tmpl, err = render.ParseTemplate(name, p.Response.TemplatePos, string(b)); err != nil {
			t.Fatal(err)
		}
	}
	list, err := render.Pages(p, tmpl, "", p.Response.TemplatePos)
	if err != nil {
		t.Fatal(err)
	}
	for _, pg := range list {
		slots[render.FileName(p.Response.Status, pg.Locale, pg.Format)] = pg.Slot
	}
	tb, err := gen.Compile(p, list)
	if err != nil {
		t.Fatal(err)
	}
	module, err := Worker(p, tb)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return p, files, slots, module
}

// workerRequest is one request of the Worker test: what goes on the
// wire, the clock and the KV value, and the interpreter's input.
type workerRequest struct {
	raw   rawRequest
	now   time.Time
	state *string // the KV value; nil for none
	req   interp.Request
	zone  bool // CF-Connecting-IP holds a zone, which the Worker does not read

	cookieLines []string // the Cookie lines as sent, which the middleware reads one by one (req has them joined)
}

// workerCase turns a matrix case into a Worker request, or gives the
// reason it is left out. The Worker reads the client address from
// CF-Connecting-IP only, as Cloudflare sets it: the case's client (the
// address the middleware finds from the peer, X-Forwarded-For and
// proxies, or Config.ClientIP's) is sent there, and the interpreter reads
// it as Config.ClientIP's answer. The mode is the KV value: the case's
// setting, "on", or none.
func workerCase(p *policy.Policy, c difftest.Case) (workerRequest, string) {
	if c.Method == http.MethodConnect {
		return workerRequest{}, "CONNECT (workerd hands it to a connect handler, which the Worker has not)"
	}
	// workerd drops a fragment: the Worker, and the origin, see the
	// target up to a #.
	uri, _, _ := strings.Cut(c.URI, "#")
	seen := c
	seen.URI = uri
	req, err := seen.Request()
	if err != nil {
		return workerRequest{}, "not a request target"
	}
	if req.Now, err = c.Time(); err != nil {
		return workerRequest{}, "bad time"
	}
	if c.Setting == "" {
		req.Until, req.Reason = time.Time{}, ""
	}
	req.Roles = nil
	w := workerRequest{now: req.Now}
	switch {
	case c.ClientIP == "none":
	case c.ClientIP != "":
		w.raw.Headers = append(w.raw.Headers, [2]string{"CF-Connecting-IP", c.ClientIP})
	default:
		if a, ok := interp.ClientIP(p, c.RemoteAddr, c.XForwardedFor); ok {
			w.raw.Headers = append(w.raw.Headers, [2]string{"CF-Connecting-IP", a.String()})
		}
	}
	for _, v := range c.XForwardedFor {
		w.raw.Headers = append(w.raw.Headers, [2]string{"X-Forwarded-For", v})
	}
	for _, v := range c.Accept {
		w.raw.Headers = append(w.raw.Headers, [2]string{"Accept", v})
	}
	for _, v := range c.AcceptLanguage {
		w.raw.Headers = append(w.raw.Headers, [2]string{"Accept-Language", v})
	}
	for _, v := range c.Cookie {
		w.raw.Headers = append(w.raw.Headers, [2]string{"Cookie", v})
	}
	w.raw.From, w.raw.Method, w.raw.URI = "127.0.0.1", c.Method, c.URI
	switch {
	case c.Setting != "":
		s := c.Setting
		w.state = &s
	case c.On:
		s := "on"
		w.state = &s
	}
	req.CustomClientIP, req.ClientIP = true, netip.Addr{}
	for _, h := range w.raw.Headers {
		if h[0] == "CF-Connecting-IP" {
			a, err := netip.ParseAddr(strings.Trim(h[1], " \t"))
			switch {
			case err != nil:
			case a.Zone() != "":
				w.zone = true
			default:
				req.ClientIP = a.Unmap()
			}
		}
	}
	trim := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			out = append(out, strings.Trim(l, " \t"))
		}
		return out
	}
	req.Accept, req.AcceptLanguage = trim(req.Accept), trim(req.AcceptLanguage)
	// workerd joins a request's Cookie lines into one, with commas, as
	// Headers.get joins any header's: the Worker reads the cookies of that
	// line, so a bypass cookie after the first line is not read (fail
	// closed). Browsers send one Cookie line, and Cloudflare joins
	// HTTP/2's cookie crumbs with semicolons (RFC 9113, section 8.2.3).
	w.cookieLines = req.Cookie
	if len(req.Cookie) > 1 {
		req.Cookie = []string{strings.Join(req.Cookie, ", ")}
	}
	w.req = req
	return w, ""
}

// workerdRefuses reports why workerd refuses a target itself (400 or
// 414), or "".
func workerdRefuses(uri string) string {
	switch {
	case strings.ContainsAny(uri, "<>{}|^`"):
		return "a character workerd refuses on the request line"
	case !utf8.ValidString(uri):
		return "a request line that is not UTF-8"
	case len(uri) > 32<<10:
		return "a request line longer than workerd reads (414)"
	}
	return ""
}

// workerWant is what the Worker must answer: the interpreter's decision
// with no roles (the Worker knows none, so they exempt nobody), and no
// client address for a CF-Connecting-IP with a zone. The origin gets the
// path without its dot segments (forwardedPath): when the decision on
// that path is not a pass, it is the Worker's answer.
func workerWant(p *policy.Policy, w workerRequest) interp.Decision {
	d := decideAtWorker(p, w.req)
	if !d.Pass {
		return d
	}
	if fwd := forwardedTarget(w.raw.URI); fwd != w.raw.URI {
		if u, err := url.ParseRequestURI(fwd); err == nil {
			req := w.req
			req.Path, req.RawPath = u.Path, u.RawPath
			if df := decideAtWorker(p, req); !df.Pass {
				return df
			}
		}
	}
	return d
}

// decideAtWorker is the interpreter's decision with no roles.
func decideAtWorker(p *policy.Policy, req interp.Request) interp.Decision {
	q := *p
	q.Exempt.Roles = nil
	return interp.Evaluate(&q, req)
}

// forwardedTarget returns the target that workerd's fetch sends for the
// raw one: up to a #, without an absolute URL's scheme and authority, its
// path's dot segments removed (RFC 3986, section 5.2.4). An escaped dot
// stays.
func forwardedTarget(raw string) string {
	raw, _, _ = strings.Cut(raw, "#")
	if i := strings.Index(raw, "://"); i >= 0 && !strings.HasPrefix(raw, "/") {
		rest := raw[i+3:]
		j := strings.IndexAny(rest, "/?")
		if j < 0 {
			return "/"
		}
		raw = rest[j:]
	}
	p, q, hasQ := strings.Cut(raw, "?")
	segs := strings.Split(p, "/")
	var out []string
	for i := 1; i < len(segs); i++ {
		last := i == len(segs)-1
		if segs[i] == "." || segs[i] == ".." {
			if segs[i] == ".." && len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
			continue
		}
		out = append(out, segs[i])
	}
	p = "/" + strings.Join(out, "/")
	if hasQ {
		p += "?" + q
	}
	return p
}

// sendWorker sends w to the site with its clock and state.
func sendWorker(site workerSite, w workerRequest) (*http.Response, []byte, error) {
	site.kv.set(w.state)
	raw := w.raw
	raw.Headers = append(slices.Clone(raw.Headers), [2]string{"X-Test-Now", strconv.FormatInt(w.now.UnixMilli(), 10)})
	return sendRaw(site.port, raw)
}

// checkWorkerResponse compares the Worker's response with the decision
// d on req: a pass reached the origin (299); a maintenance response has
// the middleware's status, headers (Retry-After counting down to the
// expected end) and page, with the setting's reason and end
// (interp.Live).
func checkWorkerResponse(p *policy.Policy, pages map[string][]byte, slots map[string]int, req interp.Request, d interp.Decision, resp *http.Response, body []byte) error {
	if d.Pass {
		if resp.StatusCode != 299 {
			return fmt.Errorf("status %d, want 299 (passed to the origin) for %+v (body %.120q)", resp.StatusCode, d, body)
		}
		return nil
	}
	if resp.StatusCode != d.Status {
		return fmt.Errorf("status %d, want %d for %+v (body %.120q)", resp.StatusCode, d.Status, d, body)
	}
	if d.Step == interp.StepBypassLink {
		want := http.Header{
			"Cache-Control":   {"no-store"},
			"Location":        {"/"},
			"Referrer-Policy": {"no-referrer"},
			"Set-Cookie":      {interp.BypassSetCookie(p, req.BypassSecret, req.Now)},
		}
		got := resp.Header.Clone()
		for _, name := range []string{"Content-Length", "Date", "Server"} {
			got.Del(name)
		}
		if diff := cmp.Diff(want, got); diff != "" || len(body) != 0 {
			return fmt.Errorf("the bypass link's response differs (-want +got):\n%s(body %q)", diff, body)
		}
		return nil
	}
	want := map[string]string{
		"Cache-Control": "no-store", "Vary": "Accept, Accept-Language", "Retry-After": interp.RetryAfter(p, d, req),
		"Location": "", "Content-Type": "", "Content-Language": "", "X-Content-Type-Options": "",
	}
	if d.Format == policy.FormatRedirect {
		want["Location"] = d.Location
	} else {
		name := render.FileName(d.Status, d.Locale, d.Format)
		page, ok := pages[name]
		if !ok {
			return fmt.Errorf("no page %s", name)
		}
		if live := interp.Live(p, d, req); live != "" {
			at := slots[name]
			if d.Format == policy.FormatJSON {
				at = len(page) - 1
			}
			if at >= 0 {
				page = slices.Concat(page[:at], []byte(live), page[at:])
			}
		}
		want["Content-Type"] = "text/html; charset=utf-8"
		if d.Format == policy.FormatJSON {
			want["Content-Type"] = "application/problem+json"
		}
		want["Content-Language"] = d.Locale
		want["Content-Length"] = strconv.Itoa(len(page))
		want["X-Content-Type-Options"] = "nosniff"
		if req.Method != http.MethodHead && !bytes.Equal(body, page) {
			return fmt.Errorf("body is not %s with %q: got %.300q", name, interp.Live(p, d, req), body)
		}
	}
	for name, v := range want {
		if got := strings.Join(resp.Header.Values(name), ", "); got != v {
			return fmt.Errorf("%s: %q, want %q for %+v", name, got, v, d)
		}
	}
	if got, wantCookies := resp.Header.Values("Set-Cookie"), interp.ClearCookieHeaders(p, d); !slices.Equal(got, wantCookies) {
		return fmt.Errorf("Set-Cookie: %q, want %q for %+v", got, wantCookies, d)
	}
	return nil
}

// behindWorker checks that a request the Worker passed is one the
// middleware behind it passes too: the interpreter's decision on the
// target the origin received (X-Target: workerd resolves dot segments),
// with the Worker's client address as Config.ClientIP, no roles, and
// the Worker's bypass secret.
func behindWorker(p *policy.Policy, w workerRequest, resp *http.Response) error {
	if resp.StatusCode != 299 {
		return nil
	}
	target := resp.Header.Get("X-Target")
	if want := forwardedTarget(w.raw.URI); target != want {
		return fmt.Errorf("the origin got %s for %s; forwardedTarget says %s", target, w.raw.URI, want)
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return fmt.Errorf("the origin got %q, which Go's server refuses", target)
	}
	req := w.req
	req.Path, req.RawPath = u.Path, u.RawPath
	if d := decideAtWorker(p, req); !d.Pass {
		return fmt.Errorf("the Worker passed %s to the origin as %s, which the middleware does not pass: %+v", w.raw.URI, target, d)
	}
	return nil
}

// workerCase0 is a case of the Worker test: a matrix case, and the
// CF-Connecting-IP to send instead of the case's client address when cf
// is not nil.
type workerCase0 struct {
	c  difftest.Case
	cf *string
}

// workerExtraCases adds to the nginx test's cases what is special to the
// Worker: CF-Connecting-IP in many spellings (the Worker reads it as
// netip.ParseAddr does, a zone aside), and targets that workerd reads
// in its own way (a fragment, raw UTF-8, an absolute URL, characters Go
// escapes).
func workerExtraCases(p *policy.Policy) []workerCase0 {
	var out []workerCase0
	base := difftest.Case{Method: "GET", URI: "/nothing-exempt-here", RemoteAddr: "203.0.113.9:41000", On: true}
	var addrs []string
	for _, pf := range append(slices.Clone(p.Exempt.IPs), p.Proxies...) {
		a := pf.Prefix.Masked().Addr()
		addrs = append(addrs, a.String())
		if prev := a.Prev(); prev.IsValid() {
			addrs = append(addrs, prev.String())
		}
	}
	addrs = append(addrs, "203.0.113.9", "2001:db8::1", "::1", "127.0.0.1")
	for _, a := range addrs {
		addr := netip.MustParseAddr(a)
		mapped := netip.AddrFrom16(addr.As16()).String()
		forms := []string{a, mapped, strings.ToUpper(mapped), "0" + a, a + ":80", "[" + a + "]", a + "%eth0", " " + a, a + ",", "x" + a, a + ".", "::" + a, ""}
		if addr.Is6() {
			x := addr.As16()
			var groups []string
			for i := 0; i < 16; i += 2 {
				groups = append(groups, fmt.Sprintf("%04x", uint16(x[i])<<8|uint16(x[i+1])))
			}
			forms = append(forms, strings.Join(groups, ":"), strings.Join(groups[:6], ":")+":1.2.3.4", "::ffff:"+strings.Join(groups[6:], ":"))
		}
		for _, f := range forms {
			c := base
			c.Name = fmt.Sprintf("cfip%03d", len(out))
			out = append(out, workerCase0{c, &f})
		}
	}
	for _, pth := range []string{"/healthz#x", "/admin#/../healthz", "/caf\u00e9/notes.txt", "/%C3%BCn%C3%AFcode/x", "/\u00fcn\u00efcode/x",
		"http://example.com/healthz", "http://example.com/a/../admin/", "/a!b", "/healthz%21", "/x/(y)", "/api/v1/status/*", "/a'b", "/a\"b",
		"/healthz/x/../..", "/admin/danger/./", "/static/x//..", "/healthz/.%2e/admin"} {
		for _, on := range []bool{true, false} {
			c := base
			c.URI, c.On = pth, on
			c.Name = fmt.Sprintf("target%03d", len(out))
			out = append(out, workerCase0{c: c})
		}
	}
	if p.Bypass != nil {
		// The bypass cookie in the spellings net/http's cookie parser
		// reads its own way, which the Worker's must follow.
		valid := interp.BypassCookieValue(difftest.OpsSecret, difftest.DefaultNow.Unix()+60)
		for _, line := range []string{
			"maintenance_bypass= " + valid, "maintenance_bypass =" + valid, " maintenance_bypass=" + valid + " ;",
			"a=1;;maintenance_bypass=" + valid + ";", "maintenance_bypass=" + valid + "; x", `maintenance_bypass="` + valid,
			`maintenance_bypass="` + valid + `";`, "maintenance_bypass=" + valid + "\\", "maintenance_bypass=" + valid + ",x",
			"maintenance_bypass", "=maintenance_bypass=" + valid, "maintenance_bypass=" + valid + "=",
			strings.Repeat("a=1; ", interp.MaxBypassCookies) + "maintenance_bypass=" + valid,
			strings.Repeat("a; ", 2999) + "maintenance_bypass=" + valid,
			strings.Repeat("a; ", 3000) + "maintenance_bypass=" + valid,
		} {
			c := base
			c.Name, c.BypassSecret, c.Cookie = fmt.Sprintf("cookie%03d", len(out)), difftest.OpsSecret, []string{line}
			out = append(out, workerCase0{c: c})
		}
	}
	return out
}

// TestWorkerMatchesMiddleware sends the requests of the nginx test (the
// request matrix of the golden test, the nginx test's own cases), the
// operations matrix (settings, schedule windows, bypass cookies) and
// cases of its own to the generated Worker under workerd, with the mode
// set in its KV namespace and its clock set per request, and compares
// status, headers and body with the interpreter's decision (which the
// golden test proves equal to the generated middleware's). A case's
// bypass secret is the Worker secret of the Worker it goes to: each
// policy with a bypass section runs one Worker per secret of its cases.
// Every request the Worker passes, the middleware behind it passes too.
func TestWorkerMatchesMiddleware(t *testing.T) {
	skipUnderRace(t)
	bin := workerdBinary(t)
	type loaded struct {
		p     *policy.Policy
		pages map[string][]byte
		slots map[string]int
	}
	var pols []loaded
	var specs []workerSpec
	cases := make([][]workerCase0, len(diffPolicies))
	siteOf := make([]map[string]int, len(diffPolicies)) // the site of each bypass secret, "" for none
	for i, file := range diffPolicies {
		p, pages, slots, module := workerPolicy(t, file)
		pols = append(pols, loaded{p, pages, slots})
		for _, c := range slices.Concat(difftest.Matrix(p), extraCases(p), difftest.OpsMatrix(p)) {
			cases[i] = append(cases[i], workerCase0{c: c})
		}
		cases[i] = append(cases[i], workerExtraCases(p)...)
		// One Worker per bypass secret of the cases, bound as the Worker
		// secret bypass.secret_env; the one for "" binds none.
		siteOf[i] = map[string]int{"": len(specs)}
		specs = append(specs, workerSpec{module: module, kv: true})
		for _, wc := range cases[i] {
			if _, ok := siteOf[i][wc.c.BypassSecret]; !ok && p.Bypass != nil {
				secret := wc.c.BypassSecret
				siteOf[i][secret] = len(specs)
				specs = append(specs, workerSpec{module: module, kv: true, secret: [2]string{p.Bypass.SecretEnv, secret}})
			}
		}
	}
	sites := startWorkerd(t, bin, workerOrigin(t), specs)
	for i, file := range diffPolicies {
		p := pols[i].p
		t.Run(policyName(file), func(t *testing.T) {
			t.Parallel()
			compared, closed, refused, skipped := 0, 0, 0, map[string]int{}
			seen := map[string]bool{}
			for _, wc := range cases[i] {
				c := wc.c
				site := sites[siteOf[i][""]]
				if n, ok := siteOf[i][c.BypassSecret]; ok {
					site = sites[n]
				}
				w, why := workerCase(p, c)
				if why != "" {
					skipped[why]++
					continue
				}
				if cfip := wc.cf; cfip != nil {
					w.raw.Headers = slices.DeleteFunc(w.raw.Headers, func(h [2]string) bool { return h[0] == "CF-Connecting-IP" })
					w.raw.Headers = append(w.raw.Headers, [2]string{"CF-Connecting-IP", *cfip})
					w.req.ClientIP, w.zone = netip.Addr{}, false
					if a, err := netip.ParseAddr(strings.Trim(*cfip, " \t")); err == nil {
						if a.Zone() != "" {
							w.zone = true
						} else {
							w.req.ClientIP = a.Unmap()
						}
					}
				}
				key := fmt.Sprintf("%q|%v|%v|%q", w.raw, w.now.UnixMilli(), w.state, c.BypassSecret)
				if w.state != nil {
					key += *w.state
				}
				if seen[key] {
					continue
				}
				seen[key] = true
				resp, body, err := sendWorker(site, w)
				if err != nil {
					t.Fatalf("case %s %+v: %v", c.Name, w.raw, err)
				}
				if why := workerdRefuses(w.raw.URI); why != "" {
					refused++
					if resp.StatusCode != 400 && resp.StatusCode != 414 {
						t.Errorf("case %s: %s: status %d, want workerd's 400 or 414 (%s)", c.Name, w.raw.URI, resp.StatusCode, why)
					}
					continue
				}
				want := workerWant(p, w)
				mw := w.req
				mw.Cookie = w.cookieLines
				if want.Pass != interp.Evaluate(p, mw).Pass || w.zone {
					closed++
				}
				compared++
				if err := checkWorkerResponse(p, pols[i].pages, pols[i].slots, w.req, want, resp, body); err != nil {
					t.Errorf("case %s: %s %s %q, state %v at %s: %v", c.Name, w.raw.Method, w.raw.URI, w.raw.Headers, deref(w.state), w.now.Format(time.RFC3339Nano), err)
				}
				if err := behindWorker(p, w, resp); err != nil {
					t.Errorf("case %s: %v", c.Name, err)
				}
			}
			t.Logf("%d refused by workerd", refused)
			logCounts(t, compared, closed, skipped)
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "(none)"
	}
	return strconv.Quote(*s)
}
