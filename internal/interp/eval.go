package interp

import (
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maintgen/maintgen/internal/policy"
)

// Request is what a maintenance decision reads of an HTTP request.
type Request struct {
	Method         string
	Path           string     // r.URL.Path, decoded
	RawPath        string     // r.URL.RawPath: the escaped path when it differs from the default encoding
	RemoteAddr     string     // r.RemoteAddr
	XForwardedFor  []string   // the X-Forwarded-For header lines, in order
	Roles          []string   // Config.Roles(r)
	CustomClientIP bool       // Config.ClientIP is set: ClientIP, not RemoteAddr and proxies, is the client address
	ClientIP       netip.Addr // Config.ClientIP's answer when CustomClientIP; the zero Addr when it reports none
	Accept         []string   // the Accept header lines
	AcceptLanguage []string   // the Accept-Language header lines
	On             bool       // maintenance mode is on by the state (the env var, the file or Config.State; see StateAt), fully or read-only
	ReadOnly       bool       // with On: the state's mode is read-only
	Suspended      bool       // the state suspends the schedule's windows (an off with a time; see StateAt)
	Until          time.Time  // with On: the setting's end; zero for none
	Reason         string     // with On: the setting's reason

	// The inputs of the operations rules. Their zero values leave those
	// rules out: no time is inside a window, no secret disables bypass.
	Now          time.Time // the guard's clock (Config.Now), for the schedule and bypass cookies
	Cookie       []string  // the Cookie header lines
	BypassSecret string    // the value of the bypass.secret_env variable when the guard was created
	Testing      bool      // the program runs under go test (testing.Testing), for exempt.tests
}

// Decision is a maintenance decision. Its fields mean what the generated
// code's Decision fields mean.
type Decision struct {
	Pass     bool
	Step     Step          // the step that decided, one of Steps
	Rule     int           // index of the deciding rule in the step's List; -1 for none
	Status   int           // 0 when Pass
	Format   policy.Format // policy.FormatHTML, FormatJSON or FormatRedirect; "" when Pass
	Locale   string        // for html and json
	Location string        // for redirect
}

// Personal reports whether d lets a request through because of who sent
// it while the mode is on: an exempt IP, an exempt role or a bypass
// cookie. The guard then sets Cache-Control: no-store on the app's
// response, replacing the app's own, so that no shared cache keeps that
// view of the site and serves it to everyone. Path exemptions are the same
// for everyone and keep the app's headers.
func (d Decision) Personal() bool {
	return d.Pass && (d.Step == StepExemptIPs || d.Step == StepExemptRoles || d.Step == StepBypass)
}

// Evaluate is the reference interpreter: it decides req by walking p's
// rules one by one, with the semantics the generated code compiles into
// tables. It is slow on purpose and exists to be compared with the
// generated code (and to explain decisions).
//
// It tries the steps of Steps in order, and the first that applies
// decides. The mode is on when req.On, or when req.Now is inside a
// schedule window that req.Suspended does not suspend; it is read-only
// when req.ReadOnly, outside a window. Among path rules an exact pattern wins, then the
// longest subtree, then the first regexp; among IP rules the longest
// prefix; among roles the first rule listed.
func Evaluate(p *policy.Policy, req Request) Decision {
	if IsBypassLink(p, req) {
		return Decision{Step: StepBypassLink, Rule: -1, Status: http.StatusFound, Format: policy.FormatRedirect, Location: "/"}
	}
	clean := policy.CleanPath(req.Path)
	for _, form := range ForcedForms(req.Method, req.Path, req.RawPath) {
		if i, ok := matchPath(p.Force.Paths, form); ok {
			return maintenance(p, req, clean, StepForce, i)
		}
	}
	redirect := p.Response.Redirect
	_, inWindow := WindowAt(p, req.Now)
	inWindow = inWindow && !req.Suspended
	if !req.On && !inWindow {
		if redirect != "" && clean == redirect {
			return Decision{Step: StepOff, Rule: -1, Status: http.StatusFound, Format: policy.FormatRedirect, Location: "/"}
		}
		return Decision{Pass: true, Step: StepOff, Rule: -1}
	}
	if redirect != "" && clean == redirect {
		return page(p, req, clean, StepRedirect, -1)
	}
	if req.ReadOnly && !inWindow && SafeMethod(req.Method) {
		return Decision{Pass: true, Step: StepReadOnly, Rule: -1}
	}
	if p.Exempt.Tests && req.Testing {
		return Decision{Pass: true, Step: StepExemptTests, Rule: -1}
	}
	if Canonical(req.Path, req.RawPath) {
		if i, ok := MatchExempt(p, clean); ok {
			return Decision{Pass: true, Step: StepExemptPaths, Rule: i}
		}
	}
	if ip, ok := requestIP(p, req); ok {
		if i, ok := matchIP(p.Exempt.IPs, ip); ok {
			return Decision{Pass: true, Step: StepExemptIPs, Rule: i}
		}
	}
	roles := req.Roles
	if len(roles) == 0 {
		roles = []string{"anonymous"}
	} else {
		roles = append(slices.Clip(roles), "authenticated")
	}
	for _, r := range p.Exempt.Roles {
		if slices.Contains(roles, r.Raw) {
			return Decision{Pass: true, Step: StepExemptRoles, Rule: r.Index}
		}
	}
	if HasBypassCookie(p, req) {
		return Decision{Pass: true, Step: StepBypass, Rule: -1}
	}
	return maintenance(p, req, clean, StepMaintenance, -1)
}

func maintenance(p *policy.Policy, req Request, clean string, step Step, rule int) Decision {
	if r := p.Response.Redirect; r != "" && clean != r {
		return Decision{Step: step, Rule: rule, Status: http.StatusFound, Format: policy.FormatRedirect, Location: r}
	}
	return page(p, req, clean, step, rule)
}

func page(p *policy.Policy, req Request, clean string, step Step, rule int) Decision {
	d := Decision{Step: step, Rule: rule, Status: p.Response.Status, Format: policy.FormatHTML}
	switch p.Response.Format {
	case policy.FormatJSON:
		d.Format = policy.FormatJSON
	case policy.FormatAuto:
		if _, ok := matchPath(p.Response.JSONPaths, clean); ok || PrefersJSON(req.Accept) {
			d.Format = policy.FormatJSON
		}
	}
	d.Locale = NegotiateLocale(p, req.AcceptLanguage)
	return d
}

// HidesSeparator reports whether a request path's escaped form holds
// %2f, %5c or %2e (any case), which cleaning the decoded path would treat
// as a separator or dot segment, or the decoded path holds a backslash.
// ServeMux then routes on another path than the cleaned one (RoutedPath).
func HidesSeparator(path, rawPath string) bool {
	raw := strings.ToLower(rawPath)
	return strings.Contains(path, `\`) || strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") || strings.Contains(raw, "%2e")
}

// Canonical reports whether a request may be exempt by path: its target's
// path is in the one form that every router reads the same way. That is a
// rooted path, already clean (CleanPath returns it unchanged: no ".", ".."
// or empty segment, a trailing slash aside), without a backslash, and
// with no percent-escape but the default encoding of the decoded path
// (rawPath, url.URL.RawPath, is empty), whatever byte is escaped: %68 as
// much as %2f. Routers such as chi, echo and gin route the escaped or
// uncleaned path, so for any other spelling they could run another
// handler than the one whose path was exempt.
func Canonical(path, rawPath string) bool {
	return rawPath == "" && strings.HasPrefix(path, "/") && policy.CleanPath(path) == path && !strings.Contains(path, `\`)
}

// ForcedForms returns the spellings of a request's path that force.paths
// are matched against, in order, the first match deciding: the cleaned
// path, the path as ServeMux routes it (RoutedPath), and the decoded path
// as it came, uncleaned, each followed by itself with its trailing slash
// removed, or with one added; empty and repeated forms are left out.
// Together they cover every path that ServeMux, chi, echo, gin and
// gorilla/mux, with their slash and cleaning options, route a request on.
func ForcedForms(method, path, rawPath string) []string {
	var forms []string
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	for _, f := range []string{policy.CleanPath(path), RoutedPath(method, path, rawPath), path} {
		if f == "" {
			continue
		}
		add(f)
		if n := len(f); n > 1 && f[n-1] == '/' {
			add(f[:n-1])
		} else if f[n-1] != '/' {
			add(f + "/")
		}
	}
	return forms
}

// RoutedPath returns the decoded path on which net/http's ServeMux routes
// a request: it cleans the escaped path (url.URL.EscapedPath), except for
// CONNECT, and unescapes its segments after, so an escaped dot segment
// (/checkout/%2e%2e/x) stays a segment of its own and reaches /checkout/.
// Without CONNECT and escaped separators or dots it is policy.CleanPath(path).
func RoutedPath(method, path, rawPath string) string {
	p := (&url.URL{Path: path, RawPath: rawPath}).EscapedPath()
	if method != http.MethodConnect {
		p = policy.CleanPath(p)
	}
	if u, err := url.PathUnescape(p); err == nil {
		return u
	}
	return path
}

// MatchForce returns the index of the force.paths rule that matches the
// path form f, as Evaluate matches each of ForcedForms.
func MatchForce(p *policy.Policy, f string) (int, bool) { return matchPath(p.Force.Paths, f) }

// MatchExempt returns the index of the exempt.paths rule for the cleaned
// path clean, which every router routes on an exempt handler: a subtree
// pattern covers the paths below its root, not the root without its slash
// (/static for /static/, which chi, gin, gorilla/mux and ServeMux since Go
// 1.22 may route on a /{page} wildcard); and a path with a trailing slash
// is exempt only when it is without the slash too, since chi's
// StripSlashes and echo's RemoveTrailingSlash route it so. The rule is
// the one that matches clean.
func MatchExempt(p *policy.Policy, clean string) (int, bool) {
	i, ok := matchPathBelow(p.Exempt.Paths, clean)
	if n := len(clean); ok && n > 1 && clean[n-1] == '/' {
		_, ok = matchPathBelow(p.Exempt.Paths, clean[:n-1])
	}
	return i, ok
}

// matchPathBelow is matchPath, except that a subtree pattern does not
// match its root without the slash.
func matchPathBelow(pats []policy.PathPattern, clean string) (int, bool) {
	return matchPathIn(pats, clean, false)
}

// matchPath returns the index of the rule that matches the cleaned path:
// an exact pattern, else the longest subtree pattern (which also matches
// its root without the slash), else the first regexp that matches the
// whole path.
func matchPath(pats []policy.PathPattern, clean string) (int, bool) {
	return matchPathIn(pats, clean, true)
}

// matchPathIn is matchPath; bare says whether a subtree pattern matches
// its root without the slash.
func matchPathIn(pats []policy.PathPattern, clean string, bare bool) (int, bool) {
	for _, pp := range pats {
		if pp.Kind == policy.Exact && pp.Path == clean {
			return pp.Index, true
		}
	}
	best := -1
	for i, pp := range pats {
		if pp.Kind != policy.Subtree {
			continue
		}
		if bare && clean == strings.TrimSuffix(pp.Path, "/") || strings.HasPrefix(clean, pp.Path) {
			if best < 0 || len(pp.Path) > len(pats[best].Path) {
				best = i
			}
		}
	}
	if best >= 0 {
		return pats[best].Index, true
	}
	for _, pp := range pats {
		if pp.Kind == policy.Regexp && pp.Regexp.MatchString(clean) {
			return pp.Index, true
		}
	}
	return -1, false
}

// bits128 is the length of p in the 128-bit space where IPv4 is
// IPv4-mapped IPv6.
func bits128(p netip.Prefix) int {
	if p.Addr().Is4() {
		return p.Bits() + 96
	}
	return p.Bits()
}

// contains reports whether p holds a in the one 128-bit space.
func contains(p netip.Prefix, a netip.Addr) bool {
	if p.Contains(a) {
		return true
	}
	// An IPv6 prefix such as ::/0 or ::ffff:0:0/96 also holds IPv4.
	return p.Addr().Is6() && a.Is4() && p.Contains(netip.AddrFrom16(a.As16()))
}

// matchIP returns the index of the longest prefix that holds a.
func matchIP(ps []policy.Prefix, a netip.Addr) (int, bool) {
	best := -1
	for i, p := range ps {
		if contains(p.Prefix, a) && (best < 0 || bits128(p.Prefix) > bits128(ps[best].Prefix)) {
			best = i
		}
	}
	if best < 0 {
		return -1, false
	}
	return ps[best].Index, true
}

// ParseHost parses a RemoteAddr or X-Forwarded-For entry: an address with
// an optional port (a decimal up to 65535), IPv6 optionally in brackets.
// A bracketed address ends at the first "]" (an IP-literal of RFC 3986),
// which only a port may follow: netip alone would read "[::%]]" as ::
// with the zone "]". A zone is dropped and an IPv4-mapped address
// unmapped.
func ParseHost(s string) (netip.Addr, bool) {
	host := s
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		host = s[1:end]
		if rest := s[end+1:]; rest != "" {
			port, ok := strings.CutPrefix(rest, ":")
			if _, err := strconv.ParseUint(port, 10, 16); !ok || err != nil {
				return netip.Addr{}, false
			}
		}
	} else if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").Unmap(), true
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return a, false
	}
	return a.WithZone("").Unmap(), true
}

// ClientIP returns the client address of a request: the host of
// remoteAddr, unless that peer is in p.Proxies; then the X-Forwarded-For
// entries are examined from the right, proxies skipped, and the first
// other address is the client. A malformed or empty entry met first means
// no client address; when the entries run out, the last address examined
// is the client.
func ClientIP(p *policy.Policy, remoteAddr string, xff []string) (netip.Addr, bool) {
	peer, ok := ParseHost(remoteAddr)
	if !ok {
		return peer, false
	}
	if _, trusted := matchIP(p.Proxies, peer); !trusted {
		return peer, true
	}
	var entries []string
	for _, line := range xff {
		entries = append(entries, strings.Split(line, ",")...)
	}
	client := peer
	for i := len(entries) - 1; i >= 0; i-- {
		a, ok := ParseHost(ows(entries[i]))
		if !ok {
			return netip.Addr{}, false
		}
		client = a
		if _, trusted := matchIP(p.Proxies, a); !trusted {
			return a, true
		}
	}
	return client, true
}

// requestIP returns the client address of req: the answer of
// Config.ClientIP when req.CustomClientIP, else ClientIP's rule.
func requestIP(p *policy.Policy, req Request) (netip.Addr, bool) {
	if req.CustomClientIP {
		return req.ClientIP, req.ClientIP.IsValid()
	}
	return ClientIP(p, req.RemoteAddr, req.XForwardedFor)
}

// ows trims optional whitespace (RFC 9110, section 5.6.3): spaces and tabs.
func ows(s string) string { return strings.Trim(s, " \t") }

// qvalue parses the q parameter of a list element's parameters, in
// thousandths; 1000 when absent. ok is false for a malformed qvalue (RFC
// 9110, section 12.4.2: "0" or "1", then up to three decimals).
func qvalue(params []string) (q int, ok bool) {
	for _, param := range params {
		name, value, _ := strings.Cut(ows(param), "=")
		if !strings.EqualFold(ows(name), "q") {
			continue
		}
		value = ows(value)
		whole, frac, dot := strings.Cut(value, ".")
		if whole != "0" && whole != "1" || len(frac) > 3 || !dot && frac != "" {
			return 0, false
		}
		q = int(whole[0]-'0') * 1000
		for i, c := range frac {
			if c < '0' || c > '9' {
				return 0, false
			}
			q += int(c-'0') * []int{100, 10, 1}[i]
		}
		if q > 1000 {
			return 0, false
		}
		return q, true
	}
	return 1000, true
}

type listElem struct {
	value string
	q     int
}

// parseList splits header lines into elements with their q-values,
// skipping empty elements and ones with a malformed q.
func parseList(lines []string) []listElem {
	var out []listElem
	for _, line := range lines {
		for _, elem := range strings.Split(line, ",") {
			parts := strings.Split(elem, ";")
			v := ows(parts[0])
			q, ok := qvalue(parts[1:])
			if v == "" || !ok {
				continue
			}
			out = append(out, listElem{v, q})
		}
	}
	return out
}

// PrefersJSON reports whether Accept header lines prefer application/json
// or application/problem+json over text/html: each media type gets the
// q-value of the most specific range that matches it, the first of equal
// ones (RFC 9110, section 12.5.1), parameters other than q ignored; a tie
// goes to HTML.
func PrefersJSON(accept []string) bool {
	qOf := func(typ, sub string) int {
		spec, q := -1, 0
		for _, e := range parseList(accept) {
			t, s, ok := strings.Cut(e.value, "/")
			if !ok || t == "" || s == "" {
				continue
			}
			n := -1
			switch {
			case t == "*" && s == "*":
				n = 0
			case strings.EqualFold(t, typ) && s == "*":
				n = 1
			case strings.EqualFold(t, typ) && strings.EqualFold(s, sub):
				n = 2
			}
			if n > spec {
				spec, q = n, e.q
			}
		}
		return q
	}
	return max(qOf("application", "json"), qOf("application", "problem+json")) > qOf("text", "html")
}

// NegotiateLocale picks the locale for Accept-Language lines: ranges by
// q-value then header order, q=0 dropped; the first range that finds a
// locale (equal to the range, equal to its language subtag, or with the
// range as language subtag; any case) decides; else the default locale.
func NegotiateLocale(p *policy.Policy, acceptLanguage []string) string {
	ranges := parseList(acceptLanguage)
	slices.SortStableFunc(ranges, func(a, b listElem) int { return b.q - a.q })
	for _, r := range ranges {
		if r.q == 0 {
			continue
		}
		if l, ok := findLocale(p, r.value); ok {
			return l
		}
	}
	return p.DefaultLocale
}

func findLocale(p *policy.Policy, rng string) (string, bool) {
	for _, l := range p.Locales {
		if strings.EqualFold(l.Tag, rng) {
			return l.Tag, true
		}
	}
	if i := strings.Index(rng, "-"); i >= 0 {
		for _, l := range p.Locales {
			if strings.EqualFold(l.Tag, rng[:i]) {
				return l.Tag, true
			}
		}
	}
	for _, l := range p.Locales {
		if strings.EqualFold(l.Lang, rng) {
			return l.Tag, true
		}
	}
	return "", false
}

// ForceDecision is the decision of a route wrapped by the generated
// ForceOn: the maintenance response for the request, with no exemption.
func ForceDecision(p *policy.Policy, req Request) Decision {
	return maintenance(p, req, policy.CleanPath(req.Path), StepForce, -1)
}

// SafeMethod reports whether read-only mode lets method through: GET,
// HEAD and OPTIONS, the safe methods that read (RFC 9110, section 9.2.1;
// TRACE, also safe, is left out: it echoes the request).
func SafeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}
