package proxyconf

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// This file runs a real Caddy, Debian's caddy package (2.6.2 in Debian
// 12), in front of a loopback origin, with the snippets of the policies
// of the nginx test, and compares its answers with the middleware's
// decisions.

// caddyBinary returns the caddy executable. Without it the test is
// skipped on a developer's machine and fails under CI, which installs it
// (.ci/run).
func caddyBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"caddy", "/usr/bin/caddy"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("caddy is not installed; .ci/run installs the Debian package caddy")
	}
	t.Skip("caddy is not installed (apt-get install caddy); skipping the test against a real Caddy")
	return ""
}

// tables compiles p's tables from its rendered pages (keyed by file name,
// as loadPolicy returns them).
func tables(t *testing.T, p *policy.Policy, pages map[string][]byte) *gen.Tables {
	t.Helper()
	var list []render.Page
	for _, l := range p.Locales {
		for _, f := range []render.Format{render.HTML, render.JSON} {
			list = append(list, render.Page{Locale: l.Tag, Format: f, Body: pages[render.FileName(p.Response.Status, l.Tag, f)]})
		}
	}
	tb, err := gen.Compile(p, list)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// caddySite is one policy's site in a running Caddy.
type caddySite struct {
	port  int
	dir   string // the pages are in dir/pages, the state file is dir/state
	state string
}

// caddyServer is a running Caddy.
type caddyServer struct {
	mu  sync.Mutex
	log bytes.Buffer
}

// startCaddy starts one Caddy with a site per policy, each on a port of
// its own (127.0.0.1 and [::1] when the machine has it), importing the
// policy's snippet in front of reverse_proxy to origin, and waits until
// every site accepts connections. Caddy is stopped when the test ends;
// any error it logged fails the test.
func startCaddy(t *testing.T, bin string, origin string, snippets [][]byte, pages []map[string][]byte) []caddySite {
	t.Helper()
	dir := t.TempDir()
	var conf strings.Builder
	fmt.Fprintf(&conf, "{\n\tadmin off\n\tauto_https off\n\tstorage file_system %s/storage\n}\n", dir)
	var sites []caddySite
	for i, snippet := range snippets {
		site := caddySite{port: freePort(t), dir: filepath.Join(dir, fmt.Sprintf("site%d", i))}
		site.state = filepath.Join(site.dir, "state")
		files := map[string][]byte{"maintenance.caddy": snippet}
		for name, data := range pages[i] {
			files["pages/"+name] = data
		}
		for name, data := range files {
			name = filepath.Join(site.dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		bind := "127.0.0.1"
		if hasIPv6Loopback {
			bind += " ::1"
		}
		fmt.Fprintf(&conf, "http://:%d {\n\tbind %s\n\timport %s/maintenance.caddy %s/pages %s\n\treverse_proxy %s\n}\n",
			site.port, bind, site.dir, site.dir, site.state, origin)
		sites = append(sites, site)
	}
	confFile := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(confFile, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &caddyServer{}
	cmd := exec.Command(bin, "run", "--adapter", "caddyfile", "--config", confFile)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir+"/config", "XDG_DATA_HOME="+dir+"/data")
	cmd.Stdout, cmd.Stderr = &lockedWriter{s}, &lockedWriter{s}
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
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.log.String()
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Error("caddy did not exit after being killed")
		}
		for _, line := range strings.Split(logText(), "\n") {
			if strings.Contains(line, `"level":"error"`) || strings.Contains(line, `"level":"warn"`) && !caddyBenignWarning(line) {
				t.Errorf("caddy logged: %s", line)
			}
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for _, site := range sites {
		for {
			select {
			case <-exited:
				t.Fatalf("caddy exited: %v\n%s\n%s", waitErr, logText(), conf.String())
			default:
			}
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", site.port), time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("caddy did not accept connections within 20s: %v\n%s", err, logText())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return sites
}

// caddyBenignWarning reports whether a warning Caddy logs at start has
// nothing to do with the snippet.
func caddyBenignWarning(line string) bool {
	return strings.Contains(line, "admin endpoint disabled") || strings.Contains(line, "automatic HTTPS is completely disabled") || strings.Contains(line, "HTTP/2 skipped") ||
		strings.Contains(line, "server is listening only on the HTTP port") || strings.Contains(line, "Caddyfile input is not formatted")
}

type lockedWriter struct{ s *caddyServer }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.log.Write(b)
}

// setMode creates the state file for on and removes it for off.
func setMode(t *testing.T, file string, on bool) {
	t.Helper()
	if on {
		if err := os.WriteFile(file, []byte("on\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if err := os.Remove(file); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// caddyFront is what the Caddy test cannot send: nothing that Caddy
// refuses itself, but more Accept-Language elements than the snippet
// reads.
var caddyFront = front{name: "Caddy", connect: true, languageRanges: CaddyAcceptLanguageRanges}

// TestCaddyMatchesMiddleware sends the requests of the nginx test (the
// request matrix of the golden test and the nginx test's own cases) to a
// real Caddy running the generated snippet in front of an origin, with
// the mode on and off, and compares status, format, locale, headers and
// body with the interpreter's decision (which the golden test proves
// equal to the generated middleware's). Where Caddy cannot do what the
// middleware does, the case expects the snippet to fail closed
// (caddyWant); Caddy never passes a request that the middleware would
// not.
func TestCaddyMatchesMiddleware(t *testing.T) {
	skipUnderRace(t)
	bin := caddyBinary(t)
	var policies []*policy.Policy
	var pages []map[string][]byte
	var snippets [][]byte
	for _, file := range diffPolicies {
		p, pg := loadPolicy(t, file)
		snippet, err := Caddy(p, tables(t, p, pg))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		policies, pages, snippets = append(policies, p), append(pages, pg), append(snippets, snippet)
	}
	sites := startCaddy(t, bin, backend(t), snippets, pages)
	for i, file := range diffPolicies {
		p, site := policies[i], sites[i]
		t.Run(policyName(file), func(t *testing.T) {
			cases := append(difftest.Matrix(p), extraCases(p)...)
			compared, closed, skipped := 0, 0, map[string]int{}
			seen := map[string]bool{}
			for _, on := range []bool{true, false} {
				setMode(t, site.state, on)
				for _, c := range cases {
					if frontOn(c) != on {
						continue
					}
					raw, req, why := frontCase(p, c, caddyFront)
					if why != "" {
						skipped[why]++
						continue
					}
					middleware := settingAtFront(p, c, &req)
					if p.State == nil || p.State.File == "" {
						req.On = false
					}
					target := forwarded(&req, raw.URI)
					key := fmt.Sprintf("%q%t", raw, on)
					if seen[key] {
						continue
					}
					seen[key] = true
					want := caddyWant(p, req, target)
					if want != middleware {
						closed++
					}
					resp, body, err := sendRaw(site.port, raw)
					if err != nil {
						t.Fatalf("case %s %+v: %v", c.Name, raw, err)
					}
					compared++
					if err := checkEdgeResponse(p, pages[i], raw.Method, want, resp, body); err != nil {
						t.Errorf("case %s: %s %s from %s %q, mode on %t: %v", c.Name, raw.Method, raw.URI, raw.From, raw.Headers, on, err)
					}
				}
			}
			logCounts(t, compared, closed, skipped)
		})
	}
}

// logCounts logs how many requests a differential test compared, and
// fails it when too few were.
func logCounts(t *testing.T, compared, closed int, skipped map[string]int) {
	t.Helper()
	var reasons []string
	for why, n := range skipped {
		reasons = append(reasons, fmt.Sprintf("%d: %s", n, why))
	}
	sort.Strings(reasons)
	t.Logf("%d requests compared, %d of them expected to fail closed; left out: %s", compared, closed, strings.Join(reasons, "; "))
	if compared < 200 {
		t.Errorf("only %d requests compared: the matrix or the peer substitution is broken", compared)
	}
}

// checkEdgeResponse is checkNginxResponse, for any front: a passed
// request reached the origin (299).
func checkEdgeResponse(p *policy.Policy, pages map[string][]byte, method string, want interp.Decision, resp *http.Response, body []byte) error {
	return checkNginxResponse(p, pages, method, want, resp, body)
}

// forwarded returns the request target that Caddy forwards for the raw
// one, the target its snippet decides on: Go's URL.RequestURI, which
// writes the path in its default encoding unless the raw path is a valid
// encoding of it (an escape that need not be, %68, stays; a raw UTF-8 byte
// is escaped, and the app gets %C3%BC). It sets req's path from it, and
// trims req's header lines as Go reads them (spaces and tabs around a
// value go).
func forwarded(req *interp.Request, raw string) string {
	u, err := url.ParseRequestURI(raw)
	if err != nil {
		panic(err)
	}
	target := u.RequestURI()
	if f, err := url.ParseRequestURI(target); err == nil {
		req.Path, req.RawPath = f.Path, f.RawPath
	}
	trim := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			out = append(out, strings.Trim(l, " \t"))
		}
		return out
	}
	req.XForwardedFor, req.Accept, req.AcceptLanguage = trim(req.XForwardedFor), trim(req.Accept), trim(req.AcceptLanguage)
	return target
}

// caddyTarget is caddyTargetRE, which the snippet's target map applies.
var caddyTarget = regexp.MustCompile(caddyTargetRE)

// caddyWant is what Caddy must answer: the interpreter's decision, except
// where the snippet fails closed on purpose.
//
//   - Roles and bypass: Caddy sees none, so exempt.roles exempts nobody.
//   - force.paths: a target whose path is not clean on the request line is
//     forced, whatever it is.
//   - exempt.ips through a proxy: the walk reads the last
//     CaddyForwardedEntries entries, each only when Go and Caddy read it
//     alike (caddyClientExempt).
//   - response.redirect: an unclean target may be the redirect path, which
//     Caddy cannot compute; it gets the page when it is forced or the mode
//     is on, and passes when the mode is off (the app's middleware sends
//     it home).
//   - response.json_paths match the decoded path as it came, which is the
//     cleaned path for a clean target.
func caddyWant(p *policy.Policy, req interp.Request, target string) interp.Decision {
	q := *p
	q.Exempt.Roles = nil
	d := interp.Evaluate(&q, req)
	line := "//"
	if m := caddyTarget.FindStringSubmatch(target); m != nil {
		line = m[1]
	}
	unclean := unclean.MatchString(line)
	if len(p.Force.Paths) > 0 && unclean && d.Step != interp.StepForce {
		d = interp.ForceDecision(p, req)
	}
	if d.Step == interp.StepExemptIPs && !caddyClientExempt(p, req.RemoteAddr, req.XForwardedFor) {
		q.Exempt.IPs = nil
		d = interp.Evaluate(&q, req)
	}
	if d.Step == interp.StepExemptPaths && !(canonicalChars.MatchString(line) && !unclean) {
		panic(fmt.Sprintf("the interpreter exempts %q by path, which Caddy does not see as canonical", line))
	}
	if p.Response.Redirect != "" && unclean {
		switch {
		case d.Step == interp.StepForce:
			d = caddyPage(p, req, interp.StepForce)
		case d.Step == interp.StepOff:
			d = interp.Decision{Pass: true, Step: interp.StepOff, Rule: -1}
		default:
			d = caddyPage(p, req, interp.StepRedirect)
		}
	}
	if !d.Pass && d.Format != policy.FormatRedirect && p.Response.Format == policy.FormatAuto {
		d.Format = policy.FormatHTML
		j := *p
		j.Force.Paths = p.Response.JSONPaths
		if _, ok := interp.MatchForce(&j, req.Path); ok || interp.PrefersJSON(req.Accept) {
			d.Format = policy.FormatJSON
		}
	}
	return d
}

// caddyPage is the maintenance page for req, decided by step.
func caddyPage(p *policy.Policy, req interp.Request, step interp.Step) interp.Decision {
	d := interp.ForceDecision(p, interp.Request{Path: p.Response.Redirect, Accept: req.Accept, AcceptLanguage: req.AcceptLanguage})
	d.Step = step
	return d
}

// caddyClientExempt reports whether the snippet finds an exempt client
// address: the peer, unless it is a proxy; then the X-Forwarded-For
// entries (the lines joined with commas) from the right, at most
// CaddyForwardedEntries of them, proxies skipped, each read only when it
// is an address that Go and Caddy read alike (xffEntry).
func caddyClientExempt(p *policy.Policy, remoteAddr string, xff []string) bool {
	peer, ok := interp.ParseHost(remoteAddr)
	if !ok {
		return false
	}
	in := func(ps []policy.Prefix, a netip.Addr) bool {
		return slices.ContainsFunc(ps, func(pf policy.Prefix) bool { return contains(pf.Prefix, a) })
	}
	if !in(p.Proxies, peer) || xff == nil {
		return in(p.Exempt.IPs, peer)
	}
	entries := strings.Split(strings.Join(xff, ","), ",")
	last := peer
	for i := 1; i <= CaddyForwardedEntries; i++ {
		if i > len(entries) {
			return in(p.Exempt.IPs, last)
		}
		e := entries[len(entries)-i]
		if !xffEntryRE.MatchString(e) {
			return false
		}
		a, ok := interp.ParseHost(strings.Trim(e, " "))
		if !ok {
			panic(fmt.Sprintf("xffEntry matches %q, which Go cannot read", e))
		}
		if !in(p.Proxies, a) {
			return in(p.Exempt.IPs, a)
		}
		last = a
	}
	return len(entries) == CaddyForwardedEntries && in(p.Exempt.IPs, last)
}

// xffEntryRE matches one X-Forwarded-For entry as the snippet's valid
// class does.
var xffEntryRE = regexp.MustCompile(`\A` + xffEntry + `\z`)
