// Package difftest compares generated guards with the reference
// interpreter (interp.Evaluate): it builds request matrices from a policy,
// runs them through generated code compiled in a throwaway module, and
// checks every decision and response.
//
// It also holds the one convention of maintgen's golden tests: CheckFile
// compares a committed generated file with what the generator writes
// today, "go test -update" (Update) rewrites it instead, and a stale file
// names the command that rewrites it (RewriteCommand).
package difftest

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/statefile"
)

// Case is one request of a matrix, in the form the harness replays.
type Case struct {
	Name           string
	Method         string
	URI            string // request target, as on the request line
	RemoteAddr     string
	XForwardedFor  []string `json:",omitempty"`
	Roles          []string `json:",omitempty"`
	Accept         []string `json:",omitempty"`
	AcceptLanguage []string `json:",omitempty"`
	On             bool
	// Setting, when not "", is the state file's text that Config.Setting
	// returns (statefile grammar): it decides instead of On.
	Setting string `json:",omitempty"`

	// The inputs of the operations rules; their zero values leave those
	// rules out of the case.
	Now          string   `json:",omitempty"` // the guard's clock (Config.Now), RFC 3339; "": DefaultNow
	Cookie       []string `json:",omitempty"` // Cookie header lines
	BypassSecret string   `json:",omitempty"` // the value of bypass.secret_env when the guard is created

	// ClientIP, when not "", sets Config.ClientIP to a func that returns
	// this address, or reports no address for "none".
	ClientIP string `json:",omitempty"`
}

// DefaultNow is the guard's clock in a case that sets no Now.
var DefaultNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Time returns the guard's clock for c: Now, or DefaultNow.
func (c Case) Time() (time.Time, error) {
	if c.Now == "" {
		return DefaultNow, nil
	}
	return time.Parse(time.RFC3339Nano, c.Now)
}

// Request converts c to the interpreter's input, parsing the URI as
// net/http does.
func (c Case) Request() (interp.Request, error) {
	u, err := url.ParseRequestURI(c.URI)
	if err != nil {
		return interp.Request{}, fmt.Errorf("case %s: %w", c.Name, err)
	}
	req := interp.Request{
		Method: c.Method, Path: u.Path, RawPath: u.RawPath,
		RemoteAddr: c.RemoteAddr, XForwardedFor: c.XForwardedFor,
		Roles: c.Roles, Accept: c.Accept, AcceptLanguage: c.AcceptLanguage, On: c.On,
		Cookie: c.Cookie, BypassSecret: c.BypassSecret,
	}
	if c.Setting != "" {
		s, err := statefile.Parse(c.Setting)
		if err != nil {
			return interp.Request{}, fmt.Errorf("case %s: %w", c.Name, err)
		}
		if req.Now, err = c.Time(); err != nil {
			return interp.Request{}, fmt.Errorf("case %s: %w", c.Name, err)
		}
		interp.SettingRequest(s, &req)
	}
	if c.ClientIP != "" {
		req.CustomClientIP = true
		if c.ClientIP != "none" {
			a, err := netip.ParseAddr(c.ClientIP)
			if err != nil {
				return interp.Request{}, fmt.Errorf("case %s: %w", c.Name, err)
			}
			req.ClientIP = a.WithZone("").Unmap()
		}
	}
	return req, nil
}

// Matrix returns requests that exercise every rule of p: each path
// pattern with its boundary cases, each prefix at and around its ends,
// direct and through every proxy, each role, and the negotiation inputs,
// with the mode on and off. The order and content are deterministic.
func Matrix(p *policy.Policy) []Case {
	m := &matrix{seen: map[string]bool{}}
	base := Case{Method: "GET", URI: "/nothing-exempt-here", RemoteAddr: "203.0.113.9:41000"}

	// Paths.
	paths := []string{"/", "/nothing-exempt-here", "/api/v1/status", "/api/v1/status/", "/healthz", "/healthz/", "/admin", "/administrator", "/static/x"}
	var pats []policy.PathPattern
	pats = append(pats, p.Force.Paths...)
	pats = append(pats, p.Exempt.Paths...)
	pats = append(pats, p.Response.JSONPaths...)
	for _, pp := range pats {
		switch pp.Kind {
		case policy.Exact:
			paths = append(paths, pp.Path, pp.Path+"/", pp.Path+"x", strings.ToUpper(pp.Path))
		case policy.Subtree:
			bare := strings.TrimSuffix(pp.Path, "/")
			paths = append(paths, pp.Path, bare, pp.Path+"x", pp.Path+"x/y", bare+"x", strings.ToUpper(pp.Path))
		}
	}
	if r := p.Response.Redirect; r != "" {
		paths = append(paths, r, r+"/", r+"x")
	}
	var raws []string
	for _, path := range paths {
		raws = append(raws, path, "/static/.."+path, "/"+path, path+";x=1", "/x/%2e%2e"+path, "/x%2f..%2f"+strings.TrimPrefix(path, "/"), "/x%5c"+path,
			// Spellings that routers other than ServeMux read as
			// written: any escaped byte, dot segments, empty segments.
			escapeAt(path, 1, "%%%02x"), escapeAt(path, len(path)-1, "%%%02X"), "/blog/x/../.."+path, path+"/.", path+"/..", path+"//", strings.Replace(path, "/", "//", 1))
	}
	for _, on := range []bool{true, false} {
		for _, method := range []string{"GET", "HEAD", "POST"} {
			for _, raw := range raws {
				if method != "GET" && !strings.HasPrefix(raw, "/") {
					continue
				}
				c := base
				c.Method, c.URI, c.On = method, raw, on
				if method != "GET" && raw != paths[0] && raw != paths[1] {
					continue // methods matter little: two paths each
				}
				m.add(c, "path")
			}
		}
	}

	// Paths that ServeMux routes on another path than the cleaned one:
	// CONNECT requests, whose paths it does not clean, and escaped dot
	// segments, which it does not resolve.
	for _, pp := range pats {
		if pp.Kind == policy.Regexp {
			continue
		}
		bare := strings.TrimSuffix(pp.Path, "/")
		for _, raw := range []string{bare + "/%2e%2e/x", bare + "/%2e/../x", bare + "/../x", "/x/.." + pp.Path, "/" + pp.Path} {
			for _, on := range []bool{true, false} {
				for _, method := range []string{"GET", "CONNECT"} {
					c := base
					c.Method, c.URI, c.On = method, raw, on
					m.add(c, "route")
				}
			}
		}
	}

	// Addresses: each rule's ends and just outside them, as the peer and
	// through each proxy.
	addrs := []netip.Addr{netip.MustParseAddr("203.0.113.9"), netip.MustParseAddr("2001:db8:1::5"), netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.1")}
	for _, pf := range append(slices.Clone(p.Exempt.IPs), p.Proxies...) {
		lo, hi := pf.Prefix.Masked().Addr(), lastAddr(pf.Prefix)
		addrs = append(addrs, lo, hi)
		if prev := lo.Prev(); prev.IsValid() {
			addrs = append(addrs, prev)
		}
		if next := hi.Next(); next.IsValid() {
			addrs = append(addrs, next)
		}
	}
	for _, a := range addrs {
		c := base
		c.On = true
		c.RemoteAddr = hostPort(a)
		m.add(c, "peer")
		c.RemoteAddr = netip.AddrFrom16(a.As16()).String() // IPv4-mapped, port-less
		m.add(c, "peer")
		// Config.ClientIP decides instead of RemoteAddr and proxies.
		c.RemoteAddr = "203.0.113.9:41000"
		c.ClientIP = a.String()
		m.add(c, "clientip")
		c.ClientIP = netip.AddrFrom16(a.As16()).String()
		m.add(c, "clientip")
		c.RemoteAddr, c.ClientIP = hostPort(a), "none"
		m.add(c, "clientip")
		c.ClientIP = ""
		for _, px := range p.Proxies {
			proxy := px.Prefix.Masked().Addr()
			c.RemoteAddr = hostPort(proxy)
			for _, xff := range [][]string{
				{a.String()},
				{"198.51.100.1, " + a.String()},
				{a.String() + ", " + proxy.String()},
				{a.String(), proxy.String()},
				{hostPort(a)},
				{"unknown, " + a.String()},
				{a.String() + ", unknown"},
				{a.String() + ",,"},
				{""},
			} {
				c.XForwardedFor = xff
				m.add(c, "xff")
			}
			c.XForwardedFor = nil
			m.add(c, "xff")
		}
	}

	// Roles.
	roleSets := [][]string{nil, {"nobody-special"}, {"staff"}, {"superuser"}, {"anonymous"}, {"authenticated"}}
	for _, r := range p.Exempt.Roles {
		roleSets = append(roleSets, []string{r.Raw}, []string{"x", r.Raw})
	}
	for _, rs := range roleSets {
		c := base
		c.On, c.Roles = true, rs
		m.add(c, "roles")
	}

	// Negotiation.
	for _, acc := range [][]string{nil, {""}, {"application/json"}, {"application/problem+json"}, {"text/html"}, {"*/*"},
		{"application/json, text/html;q=0.9"}, {"text/html, application/json"}, {"application/*;q=0.5, text/html;q=0.4"},
		{"text/*;q=0.3, application/json;q=0.3"}, {"application/json;q=0", "text/html;q=0.1"}, {"application/json;q=2"}, {"text/html;q=0, */*"}} {
		c := base
		c.On, c.Accept = true, acc
		m.add(c, "accept")
		c.URI = "/api/x"
		m.add(c, "accept")
	}
	langs := [][]string{nil, {""}, {"*"}, {"xx"}, {"fr-CA"}, {"pt"}, {"pt-PT"}, {"xx, en;q=0.1"}, {"en;q=0.5, fr;q=0.9"}, {"fr;q=0, en"}, {"de;q=abc, fr"}}
	for _, l := range p.Locales {
		langs = append(langs, []string{l.Tag}, []string{strings.ToUpper(l.Tag)}, []string{l.Lang}, []string{l.Lang + "-ZZ"}, []string{"xx;q=0.9, " + l.Tag + ";q=0.8"})
	}
	for _, al := range langs {
		c := base
		c.On, c.AcceptLanguage = true, al
		m.add(c, "lang")
	}

	// Settings: read-only mode for every method, a reason and an end on
	// the page, the JSON and Retry-After, a start and an end around now.
	now := DefaultNow.UTC().Format(time.RFC3339)
	hour := DefaultNow.Add(time.Hour).UTC().Format(time.RFC3339)
	settings := []string{
		"read-only", "read-only until " + hour + "\nreason: Read-only <b>&</b> \"quoted\"",
		"on until " + hour, "on\nreason: Upgrading the database", "on until " + hour + "\nreason: Upgrade",
		"on from " + hour, "on from " + now + " until " + hour, "on until " + now, "off until " + hour,
	}
	for _, set := range settings {
		for _, method := range []string{"GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "TRACE"} {
			for _, uri := range []string{"/nothing-exempt-here", "/healthz", "/api/x"} {
				for _, acc := range [][]string{nil, {"application/json"}} {
					c := base
					c.Method, c.URI, c.Setting, c.Accept = method, uri, set, acc
					m.add(c, "setting")
				}
			}
		}
		for _, pp := range pats {
			if pp.Kind != policy.Regexp {
				c := base
				c.URI, c.Setting, c.Method = pp.Path, set, "POST"
				m.add(c, "setting")
			}
		}
		if r := p.Response.Redirect; r != "" {
			for _, method := range []string{"GET", "POST"} {
				c := base
				c.URI, c.Setting, c.Method = r, set, method
				m.add(c, "setting")
			}
		}
		for _, l := range p.Locales {
			c := base
			c.Setting, c.AcceptLanguage = set, []string{l.Tag}
			m.add(c, "setting")
		}
	}
	return m.cases
}

type matrix struct {
	cases []Case
	seen  map[string]bool
}

func (m *matrix) add(c Case, kind string) {
	if _, err := url.ParseRequestURI(c.URI); err != nil {
		return // not a request target net/http would accept
	}
	key := fmt.Sprintf("%s|%s|%s|%q|%q|%q|%q|%t|%s|%q|%q|%s", c.Method, c.URI, c.RemoteAddr, c.XForwardedFor, c.Roles, c.Accept, c.AcceptLanguage, c.On,
		c.Now, c.Cookie, c.BypassSecret, c.ClientIP)
	if m.seen[key] {
		return
	}
	m.seen[key] = true
	c.Name = fmt.Sprintf("%s%03d", kind, len(m.cases))
	c.XForwardedFor = slices.Clone(c.XForwardedFor)
	m.cases = append(m.cases, c)
}

// escapeAt returns path with the byte at i percent-escaped in format (such
// as "%%%02x"); path itself when i is out of range or at a slash.
func escapeAt(path string, i int, format string) string {
	if i < 0 || i >= len(path) || path[i] == '/' {
		return path
	}
	return path[:i] + fmt.Sprintf(format, path[i]) + path[i+1:]
}

func hostPort(a netip.Addr) string { return netip.AddrPortFrom(a, 41000).String() }

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
