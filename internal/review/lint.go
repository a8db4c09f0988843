package review

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/maintgen/maintgen/internal/policy"
)

// Warning is a lint finding: the policy is valid, but part of it is
// probably not what its author meant. It prints as
// FILE:LINE:COL: warning: message.
type Warning struct {
	Pos policy.Pos
	Msg string
}

func (w Warning) String() string { return w.Pos.String() + ": warning: " + w.Msg }

// Lint returns the warnings for a valid policy, sorted by position, then
// message:
//   - a rule that can never match, or that another rule of its list
//     already covers (duplicates, nested prefixes, paths under a subtree);
//   - a re: pattern holding a %-escape, which matches a literal % in the
//     decoded path;
//   - a path that is both forced and exempt (force.paths wins);
//   - an exemption of every path ("/") or of every address (0.0.0.0/0,
//     ::/0), and proxies that trust every address;
//   - prefixes that merge into fewer CIDRs, with the merged form;
//   - proxies set but no health check path exempt;
//   - a status other than 503 (RFC 9110, section 15.6.4);
//   - a bypass cookie without the Secure attribute;
//   - a value that looks like a secret or token, in any key.
func Lint(p *policy.Policy) []Warning {
	l := &linter{p: p}
	d := p.Syntax
	l.pathList(d.Exempt.Paths, p.Exempt.Paths, "exempts")
	l.pathList(d.Force.Paths, p.Force.Paths, "forces")
	l.pathList(d.Response.JSONPaths, p.Response.JSONPaths, "")
	l.forcedAndExempt()
	l.ipList(d.Exempt.IPs, p.Exempt.IPs, false)
	l.ipList(d.Proxies, p.Proxies, true)
	l.roles()
	l.healthCheck()
	for _, r := range p.Toggle.Roles {
		if r.Raw == "authenticated" {
			l.add(r.Pos, "%s: authenticated lets every signed-in user switch the site into or out of maintenance: name the roles of your administrators", key(d.Toggle.Roles, r.Rule))
		}
	}
	if p.Response.Redirect != "" && len(p.Response.JSONPaths) > 0 {
		l.add(d.Response.JSONPaths.Pos, "response.json_paths: with response.redirect, requests for these paths get a 302 to the HTML page, not JSON: API clients may not follow it; drop one of the two")
	}
	if st := d.Response.Status; st.Set && p.Response.Status != 503 {
		l.add(st.Pos, "response.status: %d is not 503 Service Unavailable, the status of a temporary outage (RFC 9110, section 15.6.4): clients, caches, crawlers and load balancers take other statuses for failures", p.Response.Status)
	}
	if b := p.Bypass; b != nil && b.InsecureCookie {
		l.add(d.Bypass.InsecureCookie.Pos, "bypass.insecure_cookie: the bypass cookie goes over plain HTTP too, where anyone on the way can copy it and get in: keep this for local development")
	}
	l.out = append(l.out, secretWarnings(d)...)
	return SortWarnings(l.out)
}

// SortWarnings sorts ws by position, then message, and drops repeats, as
// Lint returns its warnings; it returns the shortened slice.
func SortWarnings(ws []Warning) []Warning {
	slices.SortFunc(ws, func(a, b Warning) int {
		return cmp.Or(strings.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col), strings.Compare(a.Msg, b.Msg))
	})
	return slices.Compact(ws)
}

type linter struct {
	p   *policy.Policy
	out []Warning
}

func (l *linter) add(pos policy.Pos, format string, args ...any) {
	l.out = append(l.out, Warning{pos, fmt.Sprintf(format, args...)})
}

func key(list policy.Strings, r policy.Rule) string { return fmt.Sprintf("%s[%d]", list.Key, r.Index) }

// plain formats a value for plain text: as it is, but for control
// characters (escapeControl).
func plain(s string) string { return escapeControl(s) }

// pathList checks one list of path patterns. verb says what the list does
// to the paths it matches ("exempts", "forces"), for the every-path
// warning; "" skips it.
func (l *linter) pathList(list policy.Strings, pats []policy.PathPattern, verb string) {
	for i, b := range pats {
		k := key(list, b.Rule)
		if why := neverMatches(b); why != "" {
			l.add(b.Pos, "%s: %s can never match: %s", k, quote(b.Raw), why)
			continue
		}
		if esc := policy.EscapeIn(b.Expr); b.Kind == policy.Regexp && esc != "" {
			l.add(b.Pos, "%s: %s holds the escape %s, but patterns match the decoded path (r.URL.Path), where it matches a literal %s (a request for %%25%s); write the character itself", k, quote(b.Raw), esc, esc, esc[1:])
		}
		if verb != "" && everyPath(b) {
			switch verb {
			case "exempts":
				l.add(b.Pos, "%s: %s exempts every path: with the mode on, only force.paths get the maintenance response", k, quote(b.Raw))
			case "forces":
				l.add(b.Pos, "%s: %s forces every path: the site gets the maintenance response even when the mode is off", k, quote(b.Raw))
			}
		} else if verb == "exempts" && mostPaths(b) {
			l.add(b.Pos, "%s: %s exempts most paths: it matches %d of %d typical paths (/login, /cart, /api/v1/orders, ...)", k, quote(b.Raw), pathShare(b), len(samplePaths))
		}
		if verb == "exempts" && b.Kind == policy.Subtree && b.Path != "/" && healthRE.MatchString(b.Raw) {
			bare := strings.TrimSuffix(b.Path, "/")
			l.add(b.Pos, "%s: %s is a subtree: it exempts the paths below it, not %s or %s, which routers may route elsewhere; write %s for the path itself", k, quote(b.Raw), bare, b.Path, bare)
		}
		if verb == "exempts" && l.p.Response.Redirect != "" && b.Kind == policy.Exact && b.Path == l.p.Response.Redirect {
			l.add(b.Pos, "%s: %s can never match: it is response.redirect, which always serves the maintenance page", k, quote(b.Raw))
			continue
		}
		for j, a := range pats {
			if i == j || !within(b, a) || within(a, b) && j > i {
				continue
			}
			if a.Raw == b.Raw {
				l.add(b.Pos, "%s: %s repeats %s (line %d); remove it", k, quote(b.Raw), key(list, a.Rule), a.Pos.Line)
			} else {
				l.add(b.Pos, "%s: %s is shadowed by %s (line %d), which matches every path it matches; remove it", k, quote(b.Raw), quote(a.Raw), a.Pos.Line)
			}
			break
		}
	}
}

// forcedAndExempt warns about paths that are both forced and exempt:
// force.paths is the first step, so the exemption never applies there.
func (l *linter) forcedAndExempt() {
	d := l.p.Syntax
	for _, e := range l.p.Exempt.Paths {
		for _, f := range l.p.Force.Paths {
			switch {
			case within(e, f):
				l.add(e.Pos, "%s: %s is also forced by %s %s (line %d): force.paths comes first, so it is never exempt", key(d.Exempt.Paths, e.Rule), quote(e.Raw), key(d.Force.Paths, f.Rule), quote(f.Raw), f.Pos.Line)
			case within(f, e):
				l.add(f.Pos, "%s: %s is also exempt by %s %s (line %d): force.paths comes first, so those paths get the maintenance response", key(d.Force.Paths, f.Rule), quote(f.Raw), key(d.Exempt.Paths, e.Rule), quote(e.Raw), e.Pos.Line)
			}
		}
	}
}

// ipList checks exempt.ips or proxies: every address, duplicates, nested
// prefixes, and prefixes that merge into fewer. It takes O(n log n) for n
// prefixes: one sort, then sweeps (a policy may list 100,000).
func (l *linter) ipList(list policy.Strings, ps []policy.Prefix, proxies bool) {
	for _, b := range ps {
		if every := everyAddress(b.Prefix); every != "" {
			k := key(list, b.Rule)
			if proxies {
				l.add(b.Pos, "%s: %s trusts X-Forwarded-For from %s: any client can then claim any address, an exempt one included", k, quote(b.Raw), every)
			} else {
				l.add(b.Pos, "%s: %s exempts %s", k, quote(b.Raw), every)
			}
		}
	}
	// In address order, outer prefixes before the ones they hold, equal
	// ones in policy order. CIDR prefixes nest or are disjoint, so the
	// prefixes that hold the current one are a stack; each entry also
	// keeps the first (in policy order) of itself and those below it,
	// which is the one a nested prefix is reported against.
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := rangeOf(ps[i].Prefix), rangeOf(ps[j].Prefix)
		return cmp.Or(a.From().Compare(b.From()), b.To().Compare(a.To()))
	})
	type open struct {
		to    netip.Addr
		first int // the lowest index among this entry and those below it
	}
	var stack []open
	redundant := make([]bool, len(ps))
	for _, i := range order {
		r := rangeOf(ps[i].Prefix)
		for len(stack) > 0 && stack[len(stack)-1].to.Less(r.From()) {
			stack = stack[:len(stack)-1]
		}
		first := i
		if n := len(stack); n > 0 {
			a, b := ps[stack[n-1].first], ps[i]
			redundant[i] = true
			k := key(list, b.Rule)
			if a.Prefix == b.Prefix || in128(a.Prefix) == in128(b.Prefix) {
				l.add(b.Pos, "%s: %s repeats %s (line %d), the same prefix; remove it", k, quote(b.Raw), key(list, a.Rule), a.Pos.Line)
			} else {
				l.add(b.Pos, "%s: %s overlaps %s (line %d), which holds it whole; the merged form is %s alone", k, quote(b.Raw), a.Raw, a.Pos.Line, a.Prefix)
			}
			first = min(first, stack[n-1].first)
		}
		stack = append(stack, open{r.To(), first})
	}
	// Prefixes that are not redundant but together form fewer, larger
	// ones, such as 10.0.0.0/9 and 10.128.0.0/9: each range of their set
	// holds the kept prefixes that follow in address order.
	var kept []netip.Prefix
	var members []int // indexes into ps, in address order
	for _, i := range order {
		if !redundant[i] {
			kept = append(kept, ps[i].Prefix)
			members = append(members, i)
		}
	}
	next := 0
	for _, r := range setOf(kept).Ranges() {
		var in []policy.Prefix
		for next < len(members) && rangeCovers(r, ps[members[next]].Prefix) {
			in = append(in, ps[members[next]])
			next++
		}
		slices.SortFunc(in, func(a, b policy.Prefix) int { return cmp.Compare(a.Index, b.Index) })
		merged := cidrs(r)
		if len(merged) >= len(in) {
			continue
		}
		raws := make([]string, len(in))
		for i, m := range in {
			raws[i] = m.Raw
		}
		forms := make([]string, len(merged))
		for i, m := range merged {
			forms[i] = m.String()
		}
		l.add(in[0].Pos, "%s: %s merge into %s; write the merged form", list.Key, andList(raws), strings.Join(forms, ", "))
	}
}

// andList joins items as "a, b and c".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func (l *linter) roles() {
	list := l.p.Syntax.Exempt.Roles
	first := map[string]policy.Role{}
	for _, r := range l.p.Exempt.Roles {
		if f, dup := first[r.Raw]; dup {
			l.add(r.Pos, "%s: %s repeats %s (line %d); remove it", key(list, r.Rule), quote(r.Raw), key(list, f.Rule), f.Pos.Line)
			continue
		}
		first[r.Raw] = r
	}
	auth, hasAuth := first["authenticated"]
	anon, hasAnon := first["anonymous"]
	for _, r := range l.p.Exempt.Roles {
		if hasAuth && r.Raw != "authenticated" && r.Raw != "anonymous" && first[r.Raw].Index == r.Index {
			l.add(r.Pos, "%s: %s is shadowed by authenticated (line %d): every request with a role has it; remove it", key(list, r.Rule), quote(r.Raw), auth.Pos.Line)
		}
	}
	switch {
	case hasAnon && hasAuth:
		later := max(anon.Index, auth.Index)
		r := anon
		if auth.Index == later {
			r = auth
		}
		l.add(r.Pos, "%s: anonymous and authenticated together exempt every request: maintenance mode shows nothing except force.paths", key(list, r.Rule))
	case hasAnon:
		l.add(anon.Pos, "%s: anonymous exempts every request without roles: every visitor who is not signed in", key(list, anon.Rule))
	}
}

// healthCheck warns when the app sits behind proxies, which usually probe
// a health check path, and no such path is exempt.
func (l *linter) healthCheck() {
	if len(l.p.Proxies) == 0 {
		return
	}
	for _, pp := range l.p.Exempt.Paths {
		if healthRE.MatchString(pp.Raw) {
			return
		}
	}
	l.add(l.p.Syntax.Proxies.Pos, "proxies: the app sits behind a load balancer, but no health check path (such as /healthz) is exempt: its health checks get the maintenance response and it may take every instance out of service")
}
