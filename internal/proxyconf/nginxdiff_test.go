package proxyconf

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// diffPolicies are the policies the nginx snippet is checked with: golden
// cases (their addresses are not loopback, so only their cases from a
// substitutable peer run) and testdata, whose proxies are loopback
// addresses the test connects from.
var diffPolicies = []string{
	"../../golden/full/policy.yaml",
	"../../golden/redirect/policy.yaml",
	"../../golden/multilocale-rtl/policy.yaml",
	"../../golden/roles/policy.yaml",
	"testdata/edge.yaml",
	"testdata/redirect.yaml",
	"testdata/exemptproxy.yaml",
}

// policyName names a file of diffPolicies in subtests: golden-full,
// testdata-edge. (HAProxy reads # in a path as a comment, and Go adds one
// to repeated subtest names.)
func policyName(file string) string {
	dir := path.Base(path.Dir(file))
	if dir == "testdata" {
		return "testdata-" + strings.TrimSuffix(path.Base(file), ".yaml")
	}
	return "golden-" + dir
}

// loadPolicy parses a policy file and renders its pages, keyed by file
// name (503.en.html).
func loadPolicy(t *testing.T, file string) (*policy.Policy, map[string][]byte) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("policy.yaml", src)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
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
	pages, err := render.Pages(p, tmpl, "", p.Response.TemplatePos)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, pg := range pages {
		files[render.FileName(p.Response.Status, pg.Locale, pg.Format)] = pg.Body
	}
	return p, files
}

// startPolicyNginx starts nginx with p's snippet in front of a backend
// that answers 299. The state file is PREFIX/state.
func startPolicyNginx(t *testing.T, bin string, p *policy.Policy, pages map[string][]byte) *nginxServer {
	t.Helper()
	server, http, err := Nginx(p)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"conf/server.conf": server, "conf/http.conf": http}
	for name, data := range pages {
		files["pages/"+name] = data
	}
	return startNginx(t, bin, files,
		"    include PREFIX/conf/http.conf;",
		fmt.Sprintf("        set $%[1]s_pages PREFIX/pages;\n        set $%[1]s_state_file PREFIX/state;\n"+
			"        include PREFIX/conf/server.conf;\n        location / {\n            proxy_pass http://%[2]s;\n        }",
			p.Package, backend(t)))
}

// TestNginxMatchesMiddleware sends the same requests to a real nginx
// running the generated snippet and to the reference interpreter
// (interp.Evaluate, which the golden test proves equal to the generated
// middleware), with the mode on and off, and compares status, format,
// locale, headers and body. The request matrix is difftest.Matrix plus
// cases for what is special to nginx. Where nginx cannot do what the
// middleware does, the case is either left out with its reason, or
// expected to fail closed, as listed in nginxWant and README.md.
func TestNginxMatchesMiddleware(t *testing.T) {
	skipUnderRace(t)
	bin := nginxBinary(t)
	version := nginxVersion(t, bin)
	for _, file := range diffPolicies {
		t.Run(policyName(file), func(t *testing.T) {
			p, pages := loadPolicy(t, file)
			s := startPolicyNginx(t, bin, p, pages)
			state := filepath.Join(s.dir, "state")
			cases := append(difftest.Matrix(p), extraCases(p)...)
			compared, closed, skipped := 0, 0, map[string]int{}
			seen := map[string]bool{}
			for _, on := range []bool{true, false} {
				if on {
					if err := os.WriteFile(state, []byte("on\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				} else if err := os.Remove(state); err != nil {
					t.Fatal(err)
				}
				for _, c := range cases {
					if frontOn(c) != on {
						continue
					}
					raw, req, why := nginxCase(p, c, version)
					if why != "" {
						skipped[why]++
						continue
					}
					middleware := settingAtFront(p, c, &req)
					if p.State == nil || p.State.File == "" {
						// Without state.file nginx has no switch: its mode
						// is always off.
						req.On = false
					}
					key := fmt.Sprintf("%q", raw)
					if seen[key+strconv.FormatBool(on)] {
						continue // a case that differed only in roles
					}
					seen[key+strconv.FormatBool(on)] = true
					want := nginxWant(p, req)
					if want != middleware {
						closed++
						if want.Pass && !middleware.Pass && p.State != nil && p.State.File != "" {
							t.Errorf("case %s: nginx would pass what the middleware blocks: %+v", c.Name, middleware)
						}
					}
					resp, body, err := s.do(raw)
					if err != nil {
						t.Fatalf("case %s %+v: %v", c.Name, raw, err)
					}
					compared++
					if err := checkNginxResponse(p, pages, raw.Method, want, resp, body); err != nil {
						t.Errorf("case %s: %s %s from %s %q, mode on %t: %v", c.Name, raw.Method, raw.URI, raw.From, raw.Headers, on, err)
					}
				}
			}
			var reasons []string
			for why, n := range skipped {
				reasons = append(reasons, fmt.Sprintf("%d: %s", n, why))
			}
			sort.Strings(reasons)
			t.Logf("%d requests compared, %d of them expected to fail closed; left out: %s", compared, closed, strings.Join(reasons, "; "))
			if compared < 200 {
				t.Errorf("only %d requests compared: the matrix or the peer substitution is broken", compared)
			}
		})
	}
}

// loopbackPeers are the addresses a test request can come from, tried in
// this order when a case's peer is not one of them.
var loopbackPeers = []string{"127.0.0.1", "127.0.0.2", "127.254.254.254", "127.0.1.7", "127.0.0.9", "::1"}

// bindable reports whether the test can connect from a: 127.0.0.0/8 and ::1
// are this machine's own.
func bindable(a netip.Addr) bool {
	return a.Is4() && a.As4()[0] == 127 || a == netip.IPv6Loopback() && hasIPv6Loopback
}

// nginxCase turns a matrix case into a request on the wire and the
// interpreter's input for it, or gives the reason it is left out.
func nginxCase(p *policy.Policy, c difftest.Case, version int) (rawRequest, interp.Request, string) {
	return frontCase(p, c, front{nginxVersion: version, name: "nginx", languageRanges: AcceptLanguageRanges})
}

// front says what a front (a proxy or the Worker runtime) cannot be sent,
// for frontCase.
type front struct {
	name         string
	nginxVersion int  // nginx's version, major*1000+minor; 0 for another front
	connect      bool // the front is sent CONNECT requests

	languageRanges int // how many Accept-Language elements the front reads; 0 for all
}

// frontCase turns a matrix case into a request on the wire and the
// interpreter's input for it, or gives the reason it is left out, for
// the front f.
func frontCase(p *policy.Policy, c difftest.Case, f front) (rawRequest, interp.Request, string) {
	req, err := c.Request()
	if err != nil {
		return rawRequest{}, req, "not a request target"
	}
	if c.ClientIP != "" {
		return rawRequest{}, req, "Config.ClientIP (the app's own code; " + f.name + " reads the peer and X-Forwarded-For)"
	}
	if c.Method == http.MethodConnect && !f.connect {
		return rawRequest{}, req, "CONNECT (" + f.name + " refuses it; the adversarial test sends some)"
	}
	if c.Method == http.MethodTrace && f.nginxVersion != 0 {
		return rawRequest{}, req, "TRACE (nginx answers 405)"
	}
	// A front knows no roles: the request is anonymous, and the test
	// expects exempt.roles to exempt nobody.
	req.Roles = nil

	// The peer: the test connects from loopback addresses only. A case
	// whose peer is another address runs from a loopback address that
	// gets the same decision from the interpreter, if there is one.
	peer, ok := interp.ParseHost(c.RemoteAddr)
	if !ok {
		return rawRequest{}, req, "unparsable peer"
	}
	if !bindable(peer) {
		want := interp.Evaluate(p, req)
		found := false
		for _, s := range loopbackPeers {
			if !bindable(netip.MustParseAddr(s)) {
				continue
			}
			sub := req
			sub.RemoteAddr = remoteAddr(s)
			if interp.Evaluate(p, sub) == want {
				req, peer, found = sub, netip.MustParseAddr(s), true
				break
			}
		}
		if !found {
			return rawRequest{}, req, "the peer's decision needs a non-loopback address"
		}
	}
	req.RemoteAddr = remoteAddr(peer.String())

	// nginx before 1.23 reads only the first line of a repeated Accept or
	// Accept-Language header (1.23.0 joins them, as the middleware does).
	if f.nginxVersion > 0 && f.nginxVersion < 1023 && (len(c.Accept) > 1 || len(c.AcceptLanguage) > 1) {
		return rawRequest{}, req, "a repeated Accept or Accept-Language header (nginx before 1.23 reads the first line)"
	}
	if n := strings.Count(strings.Join(c.AcceptLanguage, ","), ",") + 1; f.languageRanges > 0 && len(c.AcceptLanguage) > 0 && n > f.languageRanges {
		return rawRequest{}, req, fmt.Sprintf("more than %d Accept-Language elements", f.languageRanges)
	}
	// nginx refuses (400) a path whose dot segments climb above the root,
	// which Go cleans to the root.
	if f.nginxVersion > 0 && climbsAboveRoot(req.Path) {
		return rawRequest{}, req, "a path that climbs above / (nginx answers 400)"
	}

	raw := rawRequest{From: peer.String(), Method: c.Method, URI: c.URI}
	for _, v := range c.XForwardedFor {
		raw.Headers = append(raw.Headers, [2]string{"X-Forwarded-For", v})
	}
	for _, v := range c.Accept {
		raw.Headers = append(raw.Headers, [2]string{"Accept", v})
	}
	for _, v := range c.AcceptLanguage {
		raw.Headers = append(raw.Headers, [2]string{"Accept-Language", v})
	}
	return raw, req, ""
}

// remoteAddr returns a RemoteAddr for the address s.
func remoteAddr(s string) string { return netip.AddrPortFrom(netip.MustParseAddr(s), 41000).String() }

// climbsAboveRoot reports whether the decoded path p has more ".."
// segments than segments before them.
func climbsAboveRoot(p string) bool {
	depth := 0
	for _, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		switch seg {
		case "..":
			depth--
			if depth < 0 {
				return true
			}
		case ".", "":
		default:
			depth++
		}
	}
	return false
}

// unclean and canonicalChars are the checks of the http{} part's
// path_unclean and path_encoded maps, in Go.
var (
	unclean        = regexp.MustCompile(strings.TrimPrefix(uncleanRE, "~"))
	canonicalChars = regexp.MustCompile(strings.TrimPrefix(canonicalCharsRE, "~"))
)

// xffValidRE is the check of the http{} part's xff_valid map, in Go: every
// X-Forwarded-For entry is an address Go and nginx read alike.
var xffValidRE = regexp.MustCompile(`\A(?:` + xffEntry + `,)*[^,]*\z`)

// nginxWant is what nginx must answer: the interpreter's decision, except
// where the snippet fails closed on purpose.
//
//   - Roles: nginx sees none, so exempt.roles exempts nobody (not even
//     anonymous).
//   - force.paths: a path that is not clean on the request line (an empty
//     or dot segment, an escaped dot, slash or backslash, a backslash, a
//     #) is forced, whatever it is, as routers may route it on a path
//     that nginx cannot compute.
//   - exempt.ips through a proxy: when any X-Forwarded-For entry is not an
//     address both read alike (empty, "unknown", a tab, a leading zero, an
//     IPv6 zone, brackets without a port), nginx's realip module would
//     skip it or stop at its neighbour where the middleware stops with no
//     client address, so the snippet grants no IP exemption at all.
func nginxWant(p *policy.Policy, req interp.Request) interp.Decision {
	q := *p
	q.Exempt.Roles = nil
	d := interp.Evaluate(&q, req)
	// The escaped path is the path as on the request line: RawPath
	// whenever that holds an escape the default encoding does not write,
	// such as %2e, or a character it escapes, such as #.
	line := req.RawPath
	if line == "" {
		line = (&url.URL{Path: req.Path}).EscapedPath()
	}
	if len(p.Force.Paths) > 0 && d.Step != "force.paths" && unclean.MatchString(line) {
		return interp.ForceDecision(p, req)
	}
	// A path with a trailing slash (not /) that only a re: pattern
	// exempts is not exempt at nginx, which cannot ask whether the path
	// without the slash is exempt too (interp.MatchExempt).
	if clean := policy.CleanPath(req.Path); d.Step == "exempt.paths" && len(clean) > 1 && strings.HasSuffix(clean, "/") {
		r := q
		r.Exempt.Paths = slices.DeleteFunc(slices.Clone(p.Exempt.Paths), func(pp policy.PathPattern) bool { return pp.Kind == policy.Regexp })
		if _, ok := interp.MatchExempt(&r, clean); !ok {
			q.Exempt.Paths = nil
			d = interp.Evaluate(&q, req)
		}
	}
	// nginx's canonical form is the middleware's (interp.Canonical).
	if d.Step == "exempt.paths" && (unclean.MatchString(line) || !canonicalChars.MatchString(line)) {
		panic(fmt.Sprintf("the interpreter exempts %q by path, which nginx does not see as canonical", line))
	}
	if d.Step != "exempt.ips" || len(req.XForwardedFor) == 0 {
		return d
	}
	peer, _ := interp.ParseHost(req.RemoteAddr)
	trusted := slices.ContainsFunc(p.Proxies, func(pf policy.Prefix) bool { return contains(pf.Prefix, peer) })
	if trusted && !xffValidRE.MatchString(strings.Join(req.XForwardedFor, ", ")+", 127.0.0.1") {
		q.Exempt.IPs = nil
		return interp.Evaluate(&q, req)
	}
	return d
}

// contains reports whether p holds a, IPv4 also in IPv6 prefixes that hold
// its IPv4-mapped form, as the middleware matches.
func contains(p netip.Prefix, a netip.Addr) bool {
	return p.Contains(a) || p.Addr().Is6() && a.Is4() && p.Contains(netip.AddrFrom16(a.As16()))
}

// checkNginxResponse compares nginx's response with the decision.
func checkNginxResponse(p *policy.Policy, pages map[string][]byte, method string, want interp.Decision, resp *http.Response, body []byte) error {
	if want.Pass {
		if resp.StatusCode != 299 {
			return fmt.Errorf("status %d, want 299 (passed to the app) for %+v", resp.StatusCode, want)
		}
		return nil
	}
	if resp.StatusCode != want.Status {
		return fmt.Errorf("status %d, want %d for %+v (body %.120q)", resp.StatusCode, want.Status, want, body)
	}
	h := resp.Header
	wantHeader := map[string]string{
		"Cache-Control": "no-store",
		"Vary":          "Accept, Accept-Language",
		"Retry-After":   "",
	}
	if p.Response.RetryAfter > 0 {
		wantHeader["Retry-After"] = strconv.FormatInt(p.Response.RetryAfter, 10)
	}
	if want.Format == "redirect" {
		wantHeader["Location"] = want.Location
	} else {
		name := render.FileName(want.Status, want.Locale, render.Format(want.Format))
		page, ok := pages[name]
		if !ok {
			return fmt.Errorf("no page %s", name)
		}
		wantHeader["Content-Type"] = "text/html; charset=utf-8"
		if want.Format == "json" {
			wantHeader["Content-Type"] = "application/problem+json"
		}
		wantHeader["Content-Language"] = want.Locale
		wantHeader["Content-Length"] = strconv.Itoa(len(page))
		wantHeader["X-Content-Type-Options"] = "nosniff"
		wantHeader["ETag"] = ""
		wantHeader["Last-Modified"] = ""
		if method != http.MethodHead && string(body) != string(page) {
			return fmt.Errorf("body is not %s: %.120q", name, body)
		}
	}
	for name, v := range wantHeader {
		if got := strings.Join(h.Values(name), ", "); got != v {
			return fmt.Errorf("%s: %q, want %q for %+v", name, got, v, want)
		}
	}
	if got, wantCookies := h.Values("Set-Cookie"), interp.ClearCookieHeaders(p, want); !slices.Equal(got, wantCookies) {
		return fmt.Errorf("Set-Cookie: %q, want %q for %+v", got, wantCookies, want)
	}
	return nil
}

// extraCases adds to difftest.Matrix what is special to the nginx snippet:
// paths that nginx normalizes (dot segments at the end, decoded bytes
// that are not UTF-8, newlines), X-Forwarded-For entries that nginx's
// realip module reads differently, Accept and Accept-Language headers that
// exercise the q-value maps, and more methods.
func extraCases(p *policy.Policy) []difftest.Case {
	var out []difftest.Case
	base := difftest.Case{Method: "GET", URI: "/nothing-exempt-here", RemoteAddr: "203.0.113.9:41000", On: true}
	add := func(kind string, c difftest.Case) {
		c.Name = fmt.Sprintf("nginx-%s%03d", kind, len(out))
		if _, err := url.ParseRequestURI(c.URI); err == nil {
			out = append(out, c)
		}
	}
	paths := []string{
		"/admin/.", "/admin/x/..", "/admin/%2e", "/healthz/.", "/healthz/x/..", "/a/b/..", "/.", "/checkout/.",
		"/checkout/x/..", "/api/v1/status/.", "/admin", "/admin/", "/ADMIN/", "/admin%2f", "/admin%5c", "/admin\\x",
		"/healthz%0a", "/healthz%0A/", "/%0a/healthz", "/caf%C3%A9/notes.txt", "/CAF%C3%89/NOTES.TXT", "/caf%c3%a9/%ff.txt",
		"/caf%c3%a9/a/b.txt", "/x/ab", "/x/%c3%a9", "/x/%c3%a9%c3%a9", "/x/%ff%fe", "/x/%e2%82", "/x/%e2%82%ac", "/x/a",
		"/x/%0a%0a", "/multi", "/multi%0a", "/forced/abc", "/forced/ABC", "/forced/%c5%bf", "/%C3%BCn%C3%AFcode/x",
		"/%C3%BCn%C3%AFcode", "/admin/danger", "/admin/danger/", "/maintenance/.", "/maintenance%2f", "/api/v1/status;x",
		"/static/..%2fhealthz", "/x?y=/healthz", "/healthz?x=%2f", "/a//b/../healthz", "//admin",
		// Forced by the middleware, which routes the decoded /checkout/../x
		// as chi does; nginx resolves it to /x (issue 13).
		"/checkout%2f..%2fx", "/checkout%2F..%2Fx", "/checkout%2f%2e%2e%2fx",
	}
	for _, method := range []string{"GET", "HEAD", "POST"} {
		for _, on := range []bool{true, false} {
			for _, pth := range paths {
				c := base
				c.Method, c.URI, c.On = method, pth, on
				add("path", c)
			}
		}
	}
	for _, method := range []string{"PUT", "DELETE", "OPTIONS", "PATCH"} {
		for _, pth := range []string{"/", "/healthz", "/checkout/x", "/maintenance"} {
			c := base
			c.Method, c.URI = method, pth
			add("method", c)
		}
	}

	// X-Forwarded-For through each proxy, with entries that Go and nginx
	// read differently, around each exempt address.
	var clients []string
	for _, pf := range p.Exempt.IPs {
		clients = append(clients, pf.Prefix.Masked().Addr().String())
	}
	clients = append(clients, "203.0.113.9")
	for _, px := range p.Proxies {
		proxy := px.Prefix.Masked().Addr()
		for _, a := range clients {
			addr := netip.MustParseAddr(a)
			mapped := netip.AddrFrom16(addr.As16()).String()
			for _, xff := range [][]string{
				{a + ",,"}, {a + ", "}, {", " + a}, {a + ", , " + proxy.String()}, {a + " , " + proxy.String()},
				{a + ",\t" + proxy.String()}, {"\t" + a}, {a + "\t"}, {"0" + a}, {a + ":80"}, {a + ":65535"}, {a + ":65536"},
				{a + ":0080"}, {"[" + a + "]"}, {"[" + a + "]:80"}, {mapped}, {"[" + mapped + "]:443"}, {a + "%eth0"},
				{"1:2:3:4:5:6:7::, " + a}, {a, "1:2:3:4:5:6:7::"}, {"1:2:3:4:5:6::, " + a}, {"::ffff:010.0.0.1, " + a},
				{a, ""}, {"", a}, {a + " " + proxy.String()}, {"unknown, " + a + ", " + proxy.String()},
				{a + ", " + proxy.String(), proxy.String()}, {a + ";x"}, {strings.ToUpper(a)},
				// Port 0, which Go reads and nginx's realip refuses,
				// keeping the entry's right neighbour (issue 13).
				{a + ":0"}, {a + ":00000"}, {"[" + mapped + "]:0"}, {a + ":0, " + proxy.String()},
			} {
				c := base
				c.RemoteAddr = netip.AddrPortFrom(proxy, 41000).String()
				c.XForwardedFor = xff
				add("xff", c)
			}
		}
	}

	for _, acc := range [][]string{
		{"application/j\u017fon"}, {"APPLICATION/JSON"}, {"text/html;q=0.5, application/json;q=0.50"},
		{"application/json;q=0.501, text/html;q=0.5"}, {"application/json;q=0.5, text/html;q=0.501"},
		{"*/*;q=0.8, text/html;q=0.1"}, {"text/*;q=0.2, application/*;q=0.3"}, {"application/json;level=1;q=0.9, text/html;q=0.8"},
		{"application/json; Q = 0.9 ;x=y, text/html;q=0.85"}, {"application/json;q, text/html;q=0.1"},
		{"application/json;q=1.5, text/html;q=0.1"}, {"text/html;q=0.9;q=0.1, application/json;q=0.5"},
		{"application/json;q=0.9, application/json;q=0.1, text/html;q=0.5"}, {"application/json;q=x, application/json;q=0.9, text/html;q=0.5"},
		{"application/problem+json, text/html;q=0.999"}, {"text/html;q=0, */*;q=0.001"}, {"application/json;q=1., text/html;q=1.000"},
		{"application/json;q=0., text/html;q=0"}, {"*/json, text/html;q=0.1"}, {" application/json ;q=0.6 , text/html; q=0.59"},
		{"text/html;q=0.5, application/*;q=0.6, application/json;q=0.4"}, {"application/json;q=0.50000"}, {"application/json\t;q=0.7,text/html;q=0.6"},
	} {
		c := base
		c.Accept = acc
		add("accept", c)
		c.URI = "/api/x"
		add("accept", c)
	}
	for _, al := range [][]string{
		{"fr;q=0.5, ar;q=0.6"}, {"de, pt;q=0.9, en;q=0.9"}, {"pt-BR;q=0.2, PT-pt;q=0.3"}, {"*;q=0.9, fr;q=0.1"},
		{"fr;q=0.5;x=1, en;q=0.4"}, {"fr ; q = 0.5 , en;q=0.4"}, {"xx, yy, zz, fr;q=0.1, ar;q=0.2, en;q=0.15"},
		{"a, b, c, d, e, f, g, fr"}, {"a, b, c, d, e, f, g, h, fr"}, {"fr;q=0.5, ar;q=0.50, en;q=0.500"},
		{"fr;q=1.0, ar"}, {"fr;q=0, ar;q=0.001"}, {"fr-FR-x-y;q=0.3, pt-BR-x;q=0.4"}, {"pt, fr;q=0.9"},
		{"ar-EG, fr;q=0.99"}, {"en-US;q=0.7, ja;q=0.8, he;q=0.8"}, {"fr;q=abc, ar;q=0.2, fr;q=0.3"}, {",,fr"},
		{"\u017fr"}, {"pt-br"}, {"ZH, fr;q=0.2"}, {"en;q=0.9, *"},
	} {
		c := base
		c.AcceptLanguage = al
		add("lang", c)
	}
	return out
}

// frontOn reports whether the state file exists for case c: with the mode
// on, or with a setting, none of which is a plain off.
func frontOn(c difftest.Case) bool { return c.On || c.Setting != "" }

// settingAtFront returns the middleware's decision on req, then makes req
// what a front that reads only the state file's existence decides on: a
// setting (read-only, a start, an end, an off that suspends a window) is
// on to it, which fails closed.
func settingAtFront(p *policy.Policy, c difftest.Case, req *interp.Request) interp.Decision {
	middleware := interp.Evaluate(p, *req)
	if c.Setting != "" {
		req.On, req.ReadOnly, req.Suspended = true, false, false
	}
	return middleware
}

// skipUnderRace skips a differential test under the race detector: its
// own code is a sequential loop over thousands of requests, which -race
// slows twofold and has nothing to check in (the servers are other
// processes), so make test runs it once, without -race.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if difftest.Race {
		t.Skip("make test runs the differential tests without the race detector")
	}
}
