package cli

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/review"
	"github.com/maintgen/maintgen/internal/statefile"
)

// tryRequest is the request that the flags of maintgen try describe.
type tryRequest struct {
	Policy string         // -policy
	Target string         // -path: the request target, as on the request line (path, escapes and query)
	IP     string         // -ip: the peer address (RemoteAddr), with or without a port; "" for none
	XFF    []string       // -xff: X-Forwarded-For header lines
	Roles  []string       // -role: what Config.Roles returns
	Accept []string       // -accept: Accept header lines
	Lang   []string       // -lang: Accept-Language header lines
	Cookie []string       // -cookie: Cookie header lines
	Client string         // -client-ip: what Config.ClientIP returns, an address or "none"; "" when Config.ClientIP is nil
	Now    string         // -now: the guard's clock, RFC 3339; "" for the current time
	Mode   statefile.Mode // -state
	Method string         // -method
}

// listFlag is a flag that may be given more than once; each value is
// appended.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// parseTry parses the flags of maintgen try.
func (c *command) parseTry(args []string) (tryRequest, int, bool) {
	flags := c.flags("try", "-path P [-ip ADDR] [-xff LIST] [-role R]... [-client-ip ADDR|none] [-accept A] [-lang L] [-cookie C] [-now TIME] [-state on|off|read-only] [-method M] [FILE]")
	var t tryRequest
	var xff, roles, accept, lang, cookie listFlag
	flags.StringVar(&t.Policy, "policy", defaultPolicy, policyFlagUsage)
	flags.StringVar(&t.Target, "path", "", "the request `target`, as on the request line: a path, escapes and query included (required)")
	flags.StringVar(&t.IP, "ip", "", "the peer `address` the request comes from (RemoteAddr), with or without a port (default none: no IP exemption applies)")
	flags.StringVar(&t.Client, "client-ip", "", "what the app's Config.ClientIP returns: an IP `address`, or none (default: Config.ClientIP is nil, so -ip and -xff with the policy's proxies decide)")
	flags.Var(&xff, "xff", "an X-Forwarded-For header `line`, such as \"203.0.113.7, 10.1.0.5\" (repeatable)")
	flags.Var(&roles, "role", "a `role` that Config.Roles returns for the request (repeatable; none: anonymous)")
	flags.Var(&accept, "accept", "an Accept header `line` (repeatable)")
	flags.Var(&lang, "lang", "an Accept-Language header `line` (repeatable)")
	flags.Var(&cookie, "cookie", "a Cookie header `line`, for the bypass cookie (repeatable)")
	flags.StringVar(&t.Now, "now", "", "the guard's clock, an RFC 3339 `time` such as 2026-03-01T02:30:00Z, for the schedule and bypass cookies (default: the current time)")
	state := flags.String("state", "on", "the maintenance `mode` the state sets: on, off or read-only")
	flags.StringVar(&t.Method, "method", "GET", "the request `method`, for read-only mode")
	if code, ok := c.parsePolicy(flags, args, &t.Policy, true); !ok {
		return t, code, false
	}
	t.XFF, t.Roles, t.Accept, t.Lang, t.Cookie = xff, roles, accept, lang, cookie
	mode, ok := statefile.ParseMode(*state)
	if !ok {
		fmt.Fprintf(c.stderr, "maintgen try: -state %q: want on, off or read-only\n", *state)
		return t, ExitUsage, false
	}
	t.Mode = mode
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
func (t tryRequest) request() (interp.Request, error) {
	now := time.Now()
	if t.Now != "" {
		var err error
		if now, err = time.Parse(time.RFC3339, t.Now); err != nil {
			return interp.Request{}, fmt.Errorf("-now %q is not an RFC 3339 time: want a time such as 2026-03-01T02:30:00Z", t.Now)
		}
	}
	u, err := url.ParseRequestURI(t.Target)
	if err != nil {
		return interp.Request{}, fmt.Errorf("-path %q is not a request target: want a path such as /admin/users", t.Target)
	}
	if t.IP != "" {
		if _, ok := interp.ParseHost(t.IP); !ok {
			return interp.Request{}, fmt.Errorf("-ip %q is not an IP address, with or without a port", t.IP)
		}
	}
	req := interp.Request{
		Method: cmp.Or(t.Method, "GET"), Path: u.Path, RawPath: u.RawPath, RemoteAddr: t.IP, XForwardedFor: t.XFF,
		Roles: t.Roles, Accept: t.Accept, AcceptLanguage: t.Lang,
		On: t.Mode != statefile.Off, ReadOnly: t.Mode == statefile.ReadOnly,
		Now: now, Cookie: t.Cookie,
	}
	if t.Client != "" {
		req.CustomClientIP = true
		if t.Client != "none" {
			if req.ClientIP, err = netip.ParseAddr(t.Client); err != nil {
				return interp.Request{}, fmt.Errorf("-client-ip %q is not an IP address or none", t.Client)
			}
			req.ClientIP = req.ClientIP.WithZone("").Unmap()
		}
	}
	return req, nil
}

// requestFor returns t as the interpreter's input for p, with the bypass
// secret read from the environment variable p names, as the generated
// guard reads it when it is created.
func (t tryRequest) requestFor(p *policy.Policy) (interp.Request, error) {
	req, err := t.request()
	if err == nil && p.Bypass != nil {
		req.BypassSecret = os.Getenv(p.Bypass.SecretEnv)
	}
	return req, err
}

// try prints the decision for one request, the step and rule that made
// it, and the inputs it read (review.ExplainRequest); when the guard
// answers the request itself, the status and headers of its response
// (responseHeader). The decision is interp.Evaluate's, which the tests
// hold equal to the generated code's. It exits ExitOK when the request
// passes to the app, ExitMaintenance when the guard answers it.
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
	fmt.Fprint(c.stdout, review.ExplainRequest(p, req))
	d := interp.Evaluate(p, req)
	if d.Pass {
		return ExitOK
	}
	h := responseHeader(p, req, d)
	fmt.Fprintf(c.stdout, "response: %d %s\n", d.Status, http.StatusText(d.Status))
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			fmt.Fprintf(c.stdout, "  %s: %s\n", k, v)
		}
	}
	return ExitMaintenance
}

// responseHeader returns the header of the response the generated guard
// sends for the decision d on req, which does not pass, as the interpreter
// gives it: Cache-Control: no-store always; for the bypass link, its
// cookie, Location: / and Referrer-Policy; otherwise Vary, Retry-After
// (interp.RetryAfter), the Set-Cookie lines that expire
// response.clear_cookies (interp.ClearCookieHeaders), and Location for a
// redirect, or the page's Content-Type, Content-Language and
// X-Content-Type-Options. Content-Length, the page's size, is left out:
// try reads the policy, not the pages.
func responseHeader(p *policy.Policy, req interp.Request, d interp.Decision) http.Header {
	h := http.Header{"Cache-Control": {"no-store"}}
	if d.Step == interp.StepBypassLink {
		h["Location"] = []string{d.Location}
		h["Referrer-Policy"] = []string{"no-referrer"}
		h["Set-Cookie"] = []string{interp.BypassSetCookie(p, req.BypassSecret, req.Now)}
		return h
	}
	h["Vary"] = []string{"Accept, Accept-Language"}
	if v := interp.RetryAfter(p, d, req); v != "" {
		h["Retry-After"] = []string{v}
	}
	if c := interp.ClearCookieHeaders(p, d); len(c) > 0 {
		h["Set-Cookie"] = c
	}
	if d.Format == policy.FormatRedirect {
		h["Location"] = []string{d.Location}
		return h
	}
	h["Content-Type"] = []string{"text/html; charset=utf-8"}
	if d.Format == policy.FormatJSON {
		h["Content-Type"] = []string{"application/problem+json"}
	}
	h["Content-Language"] = []string{d.Locale}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	return h
}
