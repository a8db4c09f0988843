package cli

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/maintgen/maintgen/internal/policy"
)

// tryRequest is the request that the flags of maintgen try describe.
type tryRequest struct {
	Policy string   // -policy
	Target string   // -path: the request target, as on the request line (path, escapes and query)
	IP     string   // -ip: the peer address (RemoteAddr), with or without a port; "" for none
	XFF    []string // -xff: X-Forwarded-For header lines
	Roles  []string // -role: what Config.Roles returns
	Accept []string // -accept: Accept header lines
	Lang   []string // -lang: Accept-Language header lines
	Cookie []string // -cookie: Cookie header lines
	Client string   // -client-ip: what Config.ClientIP returns, an address or "none"; "" when Config.ClientIP is nil
	Now    string   // -now: the guard's clock, RFC 3339; "" for the current time
	On     bool     // -state
}

// listFlag is a flag that may be given more than once; each value is
// appended.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// parseTry parses the flags of maintgen try.
func (c *command) parseTry(args []string) (tryRequest, int, bool) {
	flags := c.flags("try", "[-policy FILE] -path P [-ip ADDR] [-xff LIST] [-role R]... [-client-ip ADDR|none] [-accept A] [-lang L] [-cookie C] [-now TIME] [-state on|off]")
	var t tryRequest
	var xff, roles, accept, lang, cookie listFlag
	flags.StringVar(&t.Policy, "policy", "policy.yaml", "the policy `file`")
	flags.StringVar(&t.Target, "path", "", "the request `target`, as on the request line: a path, escapes and query included (required)")
	flags.StringVar(&t.IP, "ip", "", "the peer `address` the request comes from (RemoteAddr), with or without a port (default none: no IP exemption applies)")
	flags.StringVar(&t.Client, "client-ip", "", "what the app's Config.ClientIP returns: an IP `address`, or none (default: Config.ClientIP is nil, so -ip and -xff with the policy's proxies decide)")
	flags.Var(&xff, "xff", "an X-Forwarded-For header `line`, such as \"203.0.113.7, 10.1.0.5\" (repeatable)")
	flags.Var(&roles, "role", "a `role` that Config.Roles returns for the request (repeatable; none: anonymous)")
	flags.Var(&accept, "accept", "an Accept header `line` (repeatable)")
	flags.Var(&lang, "lang", "an Accept-Language header `line` (repeatable)")
	flags.Var(&cookie, "cookie", "a Cookie header `line`, for the bypass cookie (repeatable)")
	flags.StringVar(&t.Now, "now", "", "the guard's clock, an RFC 3339 `time` such as 2026-03-01T02:30:00Z, for the schedule and bypass cookies (default: the current time)")
	state := flags.String("state", "on", "the maintenance `mode`: on or off")
	if code, ok := c.parse(flags, args); !ok {
		return t, code, false
	}
	t.XFF, t.Roles, t.Accept, t.Lang, t.Cookie = xff, roles, accept, lang, cookie
	on, ok := policy.ParseSwitch(*state)
	if !ok {
		fmt.Fprintf(c.stderr, "maintgen try: -state %q: want on or off\n", *state)
		return t, ExitUsage, false
	}
	t.On = on
	if t.Target == "" {
		fmt.Fprintf(c.stderr, "maintgen try: -path is required\n")
		flags.Usage()
		return t, ExitUsage, false
	}
	if _, err := t.request(); err != nil {
		fmt.Fprintf(c.stderr, "maintgen try: %v\n", err)
		return t, ExitUsage, false
	}
	return t, 0, true
}

// request returns t as the interpreter's input, parsing the target as
// net/http parses a request line. Without -now, Now is the current time,
// as it is for a guard whose Config.Now is nil.
func (t tryRequest) request() (policy.Request, error) {
	now := time.Now()
	if t.Now != "" {
		var err error
		if now, err = time.Parse(time.RFC3339, t.Now); err != nil {
			return policy.Request{}, fmt.Errorf("-now %q is not an RFC 3339 time: want a time such as 2026-03-01T02:30:00Z", t.Now)
		}
	}
	u, err := url.ParseRequestURI(t.Target)
	if err != nil {
		return policy.Request{}, fmt.Errorf("-path %q is not a request target: want a path such as /admin/users", t.Target)
	}
	if t.IP != "" {
		if _, ok := policy.ParseHost(t.IP); !ok {
			return policy.Request{}, fmt.Errorf("-ip %q is not an IP address, with or without a port", t.IP)
		}
	}
	req := policy.Request{
		Method: "GET", Path: u.Path, RawPath: u.RawPath, RemoteAddr: t.IP, XForwardedFor: t.XFF,
		Roles: t.Roles, Accept: t.Accept, AcceptLanguage: t.Lang, On: t.On,
		Now: now, Cookie: t.Cookie,
	}
	if t.Client != "" {
		req.CustomClientIP = true
		if t.Client != "none" {
			if req.ClientIP, err = netip.ParseAddr(t.Client); err != nil {
				return policy.Request{}, fmt.Errorf("-client-ip %q is not an IP address or none", t.Client)
			}
			req.ClientIP = req.ClientIP.WithZone("").Unmap()
		}
	}
	return req, nil
}

// requestFor returns t as the interpreter's input for p, with the bypass
// secret read from the environment variable p names, as the generated
// guard reads it when it is created.
func (t tryRequest) requestFor(p *policy.Policy) (policy.Request, error) {
	req, err := t.request()
	if err == nil && p.Bypass != nil {
		req.BypassSecret = os.Getenv(p.Bypass.SecretEnv)
	}
	return req, err
}

// try prints the decision for one request, the step and rule that made
// it, and the inputs it read. The decision is policy.Evaluate's, which
// the tests hold equal to the generated code's.
func (c *command) try(args []string) int {
	t, code, ok := c.parseTry(args)
	if !ok {
		return code
	}
	// The decision depends on the policy alone, not on the pages.
	src, err := readPolicy(t.Policy)
	if err != nil {
		return c.report(err)
	}
	p, err := policy.Parse(filepath.ToSlash(t.Policy), src)
	if err != nil {
		return c.report(err)
	}
	req, _ := t.requestFor(p) // checked by parseTry
	d := p.Evaluate(req)
	fmt.Fprintln(c.stdout, describeDecision(p, d))

	switch w, inWindow := p.WindowAt(req.Now); {
	case inWindow:
		fmt.Fprintf(c.stdout, "  mode: on, as %s is inside schedule[%d] (%s to %s)\n", req.Now.Format(time.RFC3339), w.Index, w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339))
	case !req.On:
		fmt.Fprintln(c.stdout, "  mode: off (-state off)")
	}
	clean := policy.CleanPath(req.Path)
	if clean != req.Path {
		fmt.Fprintf(c.stdout, "  path: %s, cleaned to %s\n", req.Path, clean)
	}
	switch {
	case req.RawPath != "":
		fmt.Fprintf(c.stdout, "  path: the target spells it %s, not in canonical form (a router may route that spelling elsewhere), so no exempt.paths rule applies\n", req.RawPath)
	case !policy.Canonical(req.Path, req.RawPath):
		fmt.Fprintf(c.stdout, "  path: %s is not in canonical form (a router may route it uncleaned), so no exempt.paths rule applies\n", req.Path)
	}
	if d.Step == "force.paths" {
		if form := forcedForm(p, req); form != clean {
			fmt.Fprintf(c.stdout, "  path: a router may route it on %s, where a force.paths pattern matches\n", form)
		}
	}
	peer, _ := policy.ParseHost(req.RemoteAddr)
	switch ip, ok := p.ClientIP(req.RemoteAddr, req.XForwardedFor); {
	case req.CustomClientIP && req.ClientIP.IsValid():
		fmt.Fprintf(c.stdout, "  client IP: %s, from Config.ClientIP (-client-ip)\n", req.ClientIP)
	case req.CustomClientIP:
		fmt.Fprintln(c.stdout, "  client IP: none: Config.ClientIP reports none (-client-ip none), so no exempt.ips rule applies")
	case req.RemoteAddr == "":
		fmt.Fprintln(c.stdout, "  client IP: none (no -ip), so no exempt.ips rule applies")
	case !ok:
		fmt.Fprintln(c.stdout, "  client IP: none: the peer is a trusted proxy and X-Forwarded-For has an empty or malformed entry, so no exempt.ips rule applies")
	case ip != peer:
		fmt.Fprintf(c.stdout, "  client IP: %s, from X-Forwarded-For through the trusted proxy %s\n", ip, peer)
	default:
		fmt.Fprintf(c.stdout, "  client IP: %s\n", ip)
	}
	if d.Personal() {
		fmt.Fprintln(c.stdout, "  cache: the app's response gets Cache-Control: no-store, as the pass depends on who sent the request")
	}
	roles := "anonymous"
	if len(req.Roles) > 0 {
		roles = strings.Join(req.Roles, ", ") + ", authenticated"
	}
	fmt.Fprintf(c.stdout, "  roles: %s\n", roles)
	return ExitOK
}

// describeDecision formats a decision as one line: the verdict, then what
// decided it, such as
//
//	pass: exempt.ips 10.0.0.0/8 (policy.yaml:14:7)
//	maintenance: 503 json fr: no exemption matched
func describeDecision(p *policy.Policy, d policy.Decision) string {
	var verdict string
	switch {
	case d.Pass:
		verdict = "pass"
	case d.Step == "off":
		return fmt.Sprintf("redirect: %d to %s: maintenance mode is off, and %s is response.redirect (%s)", d.Status, d.Location, p.Response.Redirect, p.Doc.Response.Redirect.Pos)
	case d.Step == "bypass.path":
		return fmt.Sprintf("redirect: %d to %s: the bypass link sets the bypass cookie (%s)", d.Status, d.Location, p.Doc.Bypass.Pos)
	case d.Format == "redirect":
		verdict = fmt.Sprintf("maintenance: %d redirect to %s", d.Status, d.Location)
	default:
		verdict = fmt.Sprintf("maintenance: %d %s %s", d.Status, d.Format, d.Locale)
	}
	var why string
	switch d.Step {
	case "off":
		why = "maintenance mode is off"
	case "maintenance":
		why = "no exemption matched"
	case "exempt.tests":
		why = fmt.Sprintf("exempt.tests (%s): the program runs under go test", p.Doc.Exempt.Tests.Pos)
	case "bypass":
		why = fmt.Sprintf("bypass (%s): the request holds a valid bypass cookie", p.Doc.Bypass.Pos)
	case "response.redirect":
		why = fmt.Sprintf("response.redirect %s (%s): the redirect target gets the page", p.Response.Redirect, p.Doc.Response.Redirect.Pos)
	default:
		if r, ok := ruleOf(p, d.Step, d.Rule); ok {
			why = fmt.Sprintf("%s %s (%s)", d.Step, r.Raw, r.Pos)
		} else {
			why = d.Step
		}
	}
	return verdict + ": " + why
}

// ruleOf returns the rule of the list named step whose index is i.
func ruleOf(p *policy.Policy, step string, i int) (policy.Rule, bool) {
	var rules []policy.Rule
	switch step {
	case "force.paths":
		for _, r := range p.Force.Paths {
			rules = append(rules, r.Rule)
		}
	case "exempt.paths":
		for _, r := range p.Exempt.Paths {
			rules = append(rules, r.Rule)
		}
	case "exempt.ips":
		for _, r := range p.Exempt.IPs {
			rules = append(rules, r.Rule)
		}
	case "exempt.roles":
		for _, r := range p.Exempt.Roles {
			rules = append(rules, r.Rule)
		}
	}
	for _, r := range rules {
		if r.Index == i {
			return r, true
		}
	}
	return policy.Rule{}, false
}

// forcedForm returns the first spelling of req's path (policy.ForcedForms)
// on which a force.paths pattern matches; "" when none does.
func forcedForm(p *policy.Policy, req policy.Request) string {
	for _, f := range policy.ForcedForms(req.Method, req.Path, req.RawPath) {
		if _, ok := p.MatchForce(f); ok {
			return f
		}
	}
	return ""
}
