package proxyconf

import (
	"bytes"
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"strings"

	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
)

// The Caddy snippet is one route{} block, to import first in a site
// block, in front of reverse_proxy, with two arguments: the pages
// directory and the state file, both absolute:
//
//	example.com {
//	    import /srv/app/caddy/maintenance.caddy /srv/app/public/maintenance /srv/app/maintenance.state
//	    reverse_proxy 127.0.0.1:8080
//	}
//
// Caddy runs the handlers of a route in order, so the snippet computes
// the middleware's steps as variables, one handler after the other, and
// ends with the response, or with nothing, which passes the request on.
// It reads the path patterns with Go's own regexp (vars_regexp), so re:
// patterns need no translation; the rest of what Caddy cannot do as the
// middleware does, it does fail closed, as docs/caddy-and-workers.md
// lists. The names of its variables start with the policy's package.

// CaddyAcceptLanguageRanges is how many Accept-Language elements the
// Caddy snippet reads, as AcceptLanguageRanges is nginx's: a Caddyfile
// cannot loop.
const CaddyAcceptLanguageRanges = AcceptLanguageRanges

// CaddyForwardedEntries is how many X-Forwarded-For entries, from the
// right, the Caddy snippet reads: a client address further left is not
// found (no IP exemption, fail closed).
const CaddyForwardedEntries = 8

// Caddy returns the Caddyfile snippet for p, whose tables are t (as
// gen.Compile computes them). The error, when not nil, is a
// policy.ErrorList: a value that the Caddyfile cannot carry as it is (a
// backtick, a control character, a "{" that Caddy's adapter would read as
// a placeholder), at its position in the policy.
func Caddy(p *policy.Policy, t *gen.Tables) ([]byte, error) {
	g := &caddyGen{p: p, t: t, v: p.Package + "_"}
	g.check()
	if err := g.errs.Err(); err != nil {
		return nil, err
	}
	g.write()
	if err := g.errs.Err(); err != nil {
		return nil, err
	}
	return bytes.Clone(g.b.Bytes()), nil
}

type caddyGen struct {
	p    *policy.Policy
	t    *gen.Tables
	v    string // variable prefix: the package name and "_"
	errs policy.ErrorList
	b    bytes.Buffer
}

func (g *caddyGen) printf(format string, args ...any) { fmt.Fprintf(&g.b, format, args...) }

// name returns the name of the snippet's variable s.
func (g *caddyGen) name(s string) string { return g.v + s }

// ph returns the placeholder of the snippet's variable s, as set by vars.
func (g *caddyGen) ph(s string) string { return "{vars." + g.v + s + "}" }

// mph returns the placeholder of the map output s.
func (g *caddyGen) mph(s string) string { return "{" + g.v + s + "}" }

func (g *caddyGen) pos(node func(*policy.Syntax) policy.Node) policy.Pos {
	if g.p.Syntax != nil {
		return node(g.p.Syntax).Pos
	}
	return policy.Pos{File: g.p.File, Line: 1, Col: 1}
}

// caddyBrace matches what Caddy's Caddyfile adapter rewrites inside any
// token, quoted or not: an environment variable ({$NAME}), an import
// argument ({args.0}) and the placeholder shorthands ({path}, {vars.x},
// {>Header}). A "{" that a digit follows, a regexp's repetition count,
// is left alone.
var caddyBrace = regexp.MustCompile(`\{[^0-9]`)

// caddyToken reports why s cannot be written as a backtick-quoted
// Caddyfile token, or "" when it can.
func caddyToken(s string) string {
	switch {
	case strings.Contains(s, "`"):
		return "a backtick, which ends a raw Caddyfile token"
	case strings.ContainsFunc(s, isControl):
		return "a control character"
	case caddyBrace.MatchString(s):
		return `a "{" that Caddy's adapter reads as a placeholder or an environment variable`
	}
	return ""
}

// check refuses the policy values that the snippet cannot carry.
func (g *caddyGen) check() {
	p := g.p
	if !asciiName(p.Package) {
		g.errs.Add(g.pos(func(s *policy.Syntax) policy.Node { return s.Package.Node }),
			"output.caddy: package %q: the snippet names its Caddy variables after the package, in ASCII letters, digits and _: choose an ASCII package name", p.Package)
	}
	for _, list := range []struct {
		key  string
		pats []policy.PathPattern
	}{{"force.paths", p.Force.Paths}, {"exempt.paths", p.Exempt.Paths}, {"response.json_paths", p.Response.JSONPaths}} {
		for _, pp := range list.pats {
			if why := caddyToken(pp.Raw); why != "" {
				g.errs.Add(pp.Pos, "output.caddy: %s[%d]: %q holds %s: write it without", list.key, pp.Index, pp.Raw, why)
			}
		}
	}
	if r := p.Response.Redirect; r != "" && (strings.ContainsAny(r, " \t\"'`\\{}") || strings.ContainsFunc(r, isControl)) {
		g.errs.Add(g.pos(func(s *policy.Syntax) policy.Node { return s.Response.Redirect.Node }),
			"output.caddy: response.redirect %q holds a character that Caddy's redir cannot carry as it is (space, quote, backslash, { or }): choose a plainer path", r)
	}
	for _, name := range p.Response.ClearCookies {
		if v := policy.ClearCookie(name); strings.ContainsAny(v, "\"\\{}`") || strings.ContainsFunc(v, isControl) {
			g.errs.Add(g.pos(func(s *policy.Syntax) policy.Node { return s.Response.ClearCookies.Node }),
				"output.caddy: response.clear_cookies: %q holds a character that a Caddyfile header value cannot carry as it is", name)
		}
	}
	check := func(v, key string, node func(*policy.Syntax) policy.Node) {
		if strings.ContainsFunc(v, isControl) {
			g.errs.Add(g.pos(node), "output.caddy: %s %q holds a control character, which the snippet's comments cannot carry: rename the file", key, v)
		}
	}
	check(p.Output.Pages, "output.pages", func(s *policy.Syntax) policy.Node { return s.Output.Pages.Node })
	check(p.Output.Caddy, "output.caddy", func(s *policy.Syntax) policy.Node { return s.Output.Caddy.Node })
	if p.State != nil {
		check(p.State.File, "state.file", func(s *policy.Syntax) policy.Node { return s.State.File.Node })
	}
}

// pathRE returns one Go expression for a list of path patterns that
// matches a path when a pattern of the list matches it: exact paths,
// subtrees (bare: also their root without the slash, as force.paths and
// json_paths match; else only the paths below, as MatchExempt asks), and
// the anchored re: patterns. "" for an empty list.
func pathRE(pats []policy.PathPattern, bare bool) string {
	var alts []string
	for _, pp := range pats {
		switch pp.Kind {
		case policy.Exact:
			alts = append(alts, `\A`+regexp.QuoteMeta(pp.Path)+`\z`)
		case policy.Subtree:
			if bare {
				alts = append(alts, `\A`+regexp.QuoteMeta(strings.TrimSuffix(pp.Path, "/"))+`(?:/(?s:.*))?\z`)
			} else {
				alts = append(alts, `\A`+regexp.QuoteMeta(pp.Path))
			}
		case policy.Regexp:
			alts = append(alts, policy.AnchorRegexp(pp.Expr))
		}
	}
	if len(alts) == 0 {
		return ""
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

// caddyPrefixes returns the prefixes for Caddy's remote_ip matcher, which
// matches an IPv4 address against IPv4 prefixes only, and an IPv4-mapped
// IPv6 address against IPv6 prefixes only: each prefix that holds
// addresses of both forms is written in both, as the middleware reads
// IPv4 and IPv4-mapped IPv6 as one.
func caddyPrefixes(ps []policy.Prefix) []string {
	var out []string
	v4mapped := netip.MustParsePrefix("::ffff:0.0.0.0/96")
	for _, p := range ps {
		pf := p.Prefix.Masked()
		out = append(out, pf.String())
		if pf.Addr().Is4() {
			// Caddy reads an IPv4-mapped entry as IPv6.
			out = append(out, netip.PrefixFrom(netip.AddrFrom16(pf.Addr().As16()), pf.Bits()+96).String())
			continue
		}
		switch {
		case pf.Bits() <= v4mapped.Bits() && pf.Contains(v4mapped.Addr()):
			out = append(out, "0.0.0.0/0")
		case pf.Bits() > v4mapped.Bits() && v4mapped.Contains(pf.Addr()):
			out = append(out, netip.PrefixFrom(pf.Addr().Unmap(), pf.Bits()-96).String())
		}
	}
	return out
}

// Regular expressions of the snippet, in Go syntax.
const (
	// caddyTargetRE splits the request target (Caddy's {http.request.uri},
	// the target as reverse_proxy forwards it) into its path: a URL in
	// absolute form loses its scheme and authority, and the query goes.
	caddyTargetRE = `\A(?:[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*)?(/[^?]*)(?s:.*)\z`
	// caddyNotQ matches one list element parameter that is not q, as
	// interp reads parameters: its name, spaces and tabs trimmed, is not
	// q in any case.
	caddyNotQ = `;(?:[ \t]*(?:=[^;,]*)?|[ \t]*[^qQ;,= \t][^;,]*|[ \t]*[qQ][ \t]*[^;,= \t][^;,]*)`
	// caddyQ matches a valid q parameter, its value captured, and the
	// parameters after it.
	caddyQ = `;[ \t]*[qQ][ \t]*=[ \t]*` + qValue + `[ \t]*(?:;[^;,]*)*`
)

func (g *caddyGen) header() {
	p := g.p
	out := p.Output.Caddy
	if out == "" {
		out = "maintenance.caddy"
	}
	g.printf("# Code generated by maintgen from %s. DO NOT EDIT.\n#\n", commentSafe(path.Base(p.File)))
	g.printf("# The Caddy snippet of the maintenance policy (package %s). Import it first\n", commentSafe(p.Package))
	g.printf("# in each site block the policy guards, in front of reverse_proxy, with the\n")
	g.printf("# pages directory (output.pages) and the state file (state.file), absolute:\n#\n")
	state := ""
	if p.State != nil && p.State.File != "" {
		state = " " + commentSafe(exampleArg(stateExample(p.State.File)))
	}
	g.printf("#     example.com {\n#         import %s %s%s\n", commentSafe(exampleArg("/srv/app/"+out)), commentSafe(exampleArg("/srv/app/"+p.Output.Pages)), state)
	g.printf("#         reverse_proxy 127.0.0.1:8080\n#     }\n#\n")
	g.printf("# It is one route: its handlers run in order, before reverse_proxy (and\n")
	g.printf("# after the site's handle blocks, redir and rewrite: wrap those in a route\n")
	g.printf("# after the import). docs/caddy-and-workers.md says what Caddy does\n")
	g.printf("# differently from the Go middleware. Caddy 2.6 or later.\n")
}

func (g *caddyGen) write() {
	p, t := g.p, g.t
	g.header()
	g.printf("route {\n")
	g.printf("\t# The flags below are \"1\" or \"0\"; the decision reads them all at once.\n")
	g.printf("\tvars {\n")
	for _, f := range []string{"unclean", "encoded", "on", "force_path", "force_less", "force_more", "redirect_path", "exempt_path", "exempt_less", "exempt_ip"} {
		g.printf("\t\t%s \"0\"\n", g.name(f))
	}
	g.printf("\t}\n")

	// The target's path as on the request line, and whether it is clean
	// and canonical.
	g.printf("\t# The path of the target as Caddy forwards it ({http.request.uri}, Go's\n")
	g.printf("\t# encoding of the request's URL, which keeps the escapes of the request\n")
	g.printf("\t# line when they are valid), less an absolute URL's scheme and authority,\n")
	g.printf("\t# and the query; a target without a path (*) is unclean.\n")
	g.printf("\tmap {http.request.uri} {%s} {\n\t\t`~%s` \"${1}\"\n\t\tdefault //\n\t}\n", g.name("target"), caddyTargetRE)
	g.printf("\t# unclean: that path is not clean: an empty segment, a dot segment, an\n")
	g.printf("\t# escaped dot, slash or backslash, a backslash, or a #. Routers such as\n")
	g.printf("\t# chi, echo and gin route such a path as it is, which Caddy cannot compute.\n")
	g.flag("unclean", g.mph("target"), strings.TrimPrefix(uncleanRE, "~"))
	g.printf("\t# encoded: it holds only what Go's default encoding of the decoded path\n")
	g.printf("\t# writes. Clean and encoded, it is canonical: only then is it exempt by path.\n")
	g.flag("encoded", g.mph("target"), strings.TrimPrefix(canonicalCharsRE, "~"))

	g.printf("\n\t# on: the mode. Caddy cannot read a file's contents or the app's environment:\n")
	if p.State != nil && p.State.File != "" {
		g.printf("\t# maintenance is on while the state file (the import's second argument)\n")
		g.printf("\t# exists as a file, whatever it holds. maintgen on writes it and maintgen\n")
		g.printf("\t# off removes it; the end of \"on until\" is not read here.\n")
		g.printf("\t@%s file {\n\t\troot /\n\t\ttry_files {args.1}\n\t}\n\tvars @%s %s \"1\"\n", g.name("on"), g.name("on"), g.name("on"))
	} else {
		g.printf("\t# the policy has no state.file, so maintenance is never on here; only\n")
		g.printf("\t# force.paths get the maintenance response.\n")
	}

	// The path and it less or plus a trailing slash; Caddy's maps give
	// "" for a form the path does not have, hence the has flags.
	g.printf("\n\t# The decoded path less a trailing slash, or with one added, and whether\n")
	g.printf("\t# the path has that form.\n")
	g.printf("\tmap {http.request.uri.path} {%s} {%s} {%s} {%s} {\n", g.name("less"), g.name("has_less"), g.name("more"), g.name("has_more"))
	g.printf("\t\t`~\\A((?s:.+))/\\z` \"${1}\" \"1\" \"\" \"0\"\n\t\t`~\\A((?s:.*[^/]))\\z` \"\" \"0\" \"${1}/\" \"1\"\n\t\tdefault \"\" \"0\" \"\" \"0\"\n\t}\n")
	force := pathRE(p.Force.Paths, true)
	forceFlags := "000000"
	if force != "" {
		g.printf("\n\t# force.paths: a pattern matches the path, or the path less or plus a\n")
		g.printf("\t# trailing slash.\n")
		g.flag("force_path", "{http.request.uri.path}", force)
		g.flag("force_less", g.mph("less"), force)
		g.flag("force_more", g.mph("more"), force)
		forceFlags = g.ph("unclean") + g.ph("force_path") + g.mph("has_less") + g.ph("force_less") + g.mph("has_more") + g.ph("force_more")
	}
	if r := p.Response.Redirect; r != "" {
		g.printf("\n\t# redirect_path: the response.redirect path itself.\n")
		g.flag("redirect_path", "{http.request.uri.path}", `\A`+regexp.QuoteMeta(r)+`\z`)
	}
	exempt := pathRE(p.Exempt.Paths, false)
	if exempt != "" {
		g.printf("\n\t# exempt.paths: a pattern matches the path, and the path less its trailing\n")
		g.printf("\t# slash too (chi's StripSlashes routes it so).\n")
		g.flag("exempt_path", "{http.request.uri.path}", exempt)
		g.flag("exempt_less", g.mph("less"), exempt)
	}
	ip := g.clientIP()

	// The decision: one map over every flag, its entries tried in order,
	// as the middleware's steps are.
	maint := "page"
	if t.Redirect != "" {
		maint = "redirect"
	}
	forced := `(?:1.....|.1....|..11..|....11)`
	src := forceFlags + "|" + g.ph("on") + "|" + g.ph("unclean") + g.ph("redirect_path") + "|" +
		g.ph("encoded") + g.ph("unclean") + g.ph("exempt_path") + g.mph("has_less") + g.ph("exempt_less") + "|" + ip
	g.printf("\n\t# The decision, with the steps of the middleware: page (the maintenance\n")
	g.printf("\t# page), redirect (302 to response.redirect), home (302 to /) or \"\" (pass),\n")
	g.printf("\t# and whether the response expires response.clear_cookies. Its input is\n")
	g.printf("\t# force (unclean, path, has less, less, has more, more) | on | redirect\n")
	g.printf("\t# (unclean, path) | exempt path (encoded, unclean, path, has less, less) |\n")
	g.printf("\t# exempt ip. The first expression that matches decides.\n")
	g.printf("\tmap \"%s\" {%s} {%s} {\n", src, g.name("action"), g.name("clear"))
	entry := func(re, action, clear, comment string) {
		g.printf("\t\t`~\\A%s\\z` \"%s\" \"%s\"  # %s\n", re, action, clear, comment)
	}
	if t.Redirect != "" {
		entry(forced+`\|.\|(?:1.|.1)\|.*`, "page", "0", step(interp.StepForce, "force.paths, for the redirect path or an unclean target (which may be it): the page"))
	}
	entry(forced+`\|.*`, maint, "0", step(interp.StepForce, "force.paths"))
	if t.Redirect != "" {
		entry(`[^|]*\|0\|01\|.*`, "home", "0", step(interp.StepOff, "off: the redirect path goes home"))
	}
	entry(`[^|]*\|0\|.*`, "", "0", step(interp.StepOff, "off"))
	if t.Redirect != "" {
		entry(`[^|]*\|1\|(?:1.|.1)\|.*`, "page", "1", step(interp.StepRedirect, "response.redirect, or an unclean target (which may be it): the page"))
	}
	entry(`[^|]*\|1\|..\|101(?:0.|11)\|.`, "", "0", step(interp.StepExemptPaths, "exempt.paths, for a path in canonical form"))
	entry(`[^|]*\|1\|..\|.....\|1`, "", "0", step(interp.StepExemptIPs, "exempt.ips"))
	if len(p.Exempt.Roles) > 0 {
		var roles []string
		for _, r := range p.Exempt.Roles {
			roles = append(roles, r.Raw)
		}
		g.printf("\t\t# %d. exempt.roles (%s): Caddy knows no roles, so none is exempt (fail closed)\n", interp.StepExemptRoles.Number(), commentSafe(strings.Join(roles, ", ")))
	}
	if p.Bypass != nil {
		g.printf("\t\t# %d. bypass: Caddy cannot check the bypass link or cookie, so it exempts nobody (fail closed)\n", interp.StepBypass.Number())
	}
	g.printf("\t\t# %d. read-only: Caddy reads any state file as on, read-only too, so every method gets the maintenance response (fail closed)\n", interp.StepReadOnly.Number())
	g.printf("\t\tdefault \"%s\" \"1\"  # %d. maintenance\n\t}\n", maint, interp.StepMaintenance.Number())
	g.negotiation()
	g.responses()
	g.printf("}\n")
}

// flag writes a matcher that sets the flag v to "1" when the value of
// the placeholder ph matches re.
func (g *caddyGen) flag(v, ph, re string) {
	g.printf("\t@%s vars_regexp %s `%s`\n\tvars @%s %s \"1\"\n", g.name(v), ph, re, g.name(v), g.name(v))
}

// clientIP writes the check of exempt.ips: exempt_ip is 1 when the
// client address, as the middleware finds it, is in exempt.ips. Caddy's
// remote_ip matcher reads the peer, or with forwarded the first
// X-Forwarded-For entry; the snippet puts each of the last
// CaddyForwardedEntries entries in turn as the only one, and classes it:
// present, valid (an address that Go and Caddy read alike), a proxy,
// exempt. A regular expression over the classes then walks them as the
// middleware does. X-Forwarded-For is put back as it came (its lines
// joined with commas) before the request goes on.
func (g *caddyGen) clientIP() string {
	p := g.p
	if len(p.Exempt.IPs) == 0 {
		return "0"
	}
	exempt := strings.Join(caddyPrefixes(p.Exempt.IPs), " ")
	g.printf("\n\t# exempt_ip: the client address is in exempt.ips. ")
	if len(p.Proxies) == 0 {
		g.printf("The policy has no proxies: the\n\t# client is the peer.\n")
		g.printf("\t@%s remote_ip %s\n\tvars @%s %s \"1\"\n", g.name("exempt_ip"), exempt, g.name("exempt_ip"), g.name("exempt_ip"))
		return g.ph("exempt_ip")
	}
	proxies := strings.Join(caddyPrefixes(p.Proxies), " ")
	n := CaddyForwardedEntries
	g.printf("When the peer is one of\n")
	g.printf("\t# the proxies, the X-Forwarded-For entries are walked right to left,\n")
	g.printf("\t# skipping proxies; the first other address is the client; a malformed\n")
	g.printf("\t# entry first means no client; when they run out, the last address\n")
	g.printf("\t# examined. Caddy's remote_ip forwarded reads the first entry, so each\n")
	g.printf("\t# valid entry in turn is made the only one (an invalid one is replaced by\n")
	g.printf("\t# 0.0.0.0, which is not read), and classed by four digits: present,\n")
	g.printf("\t# valid (an address Go and Caddy read alike: no zone, no leading zero, no\n")
	g.printf("\t# brackets without a port, no port 0), a proxy, exempt. Only the last %d\n", n)
	g.printf("\t# entries are read: a walk that goes further finds no client (fail closed).\n")
	g.printf("\tvars {\n\t\t%s \"0\"\n\t\t%s \"0\"\n\t\t%s \"0\"\n\t}\n", g.name("xff_present"), g.name("peer_proxy"), g.name("peer_exempt"))
	g.printf("\t@%s header X-Forwarded-For *\n\tvars @%s %s \"1\"\n", g.name("xff_present"), g.name("xff_present"), g.name("xff_present"))
	g.printf("\tvars %s {http.request.header.X-Forwarded-For}\n", g.name("xff"))
	g.printf("\t@%s remote_ip %s\n\tvars @%s %s \"1\"\n", g.name("peer_proxy"), proxies, g.name("peer_proxy"), g.name("peer_proxy"))
	g.printf("\t@%s remote_ip %s\n\tvars @%s %s \"1\"\n", g.name("peer_exempt"), exempt, g.name("peer_exempt"), g.name("peer_exempt"))
	classes := "11" + g.ph("peer_proxy") + g.ph("peer_exempt")
	for i := 1; i <= n; i++ {
		x := fmt.Sprintf("x%d", i)
		g.printf("\t# Entry %d from the right.\n", i)
		g.printf("\tmap \"%s|%s\" {%s} {%s} {\n\t\t`~\\A1\\|(?:(?s:.*),)?([^,]*)(?:,[^,]*){%d}\\z` \"${1}\" \"1\"\n\t\tdefault \"\" \"0\"\n\t}\n",
			g.ph("xff_present"), g.ph("xff"), g.name(x), g.name(x+"_present"), i-1)
		g.printf("\tvars {\n\t\t%s \"0\"\n\t\t%s \"0\"\n\t}\n", g.name(x+"_proxy"), g.name(x+"_exempt"))
		g.printf("\tmap %s {%s} {%s} {\n\t\t`~\\A(%s)\\z` \"${1}\" \"1\"\n\t\tdefault 0.0.0.0 \"0\"\n\t}\n", g.mph(x), g.name(x+"_ok"), g.name(x+"_valid"), xffEntry)
		g.printf("\trequest_header X-Forwarded-For %s\n", g.mph(x+"_ok"))
		g.printf("\t@%s remote_ip forwarded %s\n\tvars @%s %s \"1\"\n", g.name(x+"_proxy"), proxies, g.name(x+"_proxy"), g.name(x+"_proxy"))
		g.printf("\t@%s remote_ip forwarded %s\n\tvars @%s %s \"1\"\n", g.name(x+"_exempt"), exempt, g.name(x+"_exempt"), g.name(x+"_exempt"))
		classes += ";" + g.mph(x+"_present") + g.mph(x+"_valid") + g.ph(x+"_proxy") + g.ph(x+"_exempt")
	}
	g.printf("\tmap {http.request.header.X-Forwarded-For} {%s} {\n\t\t`~\\A(?:[^,]*,){%d}(?s:.*)\\z` \"1000\"\n\t\tdefault \"0000\"\n\t}\n", g.name("more"), n)
	classes += ";" + g.mph("more")
	g.printf("\t# X-Forwarded-For as it came (its lines joined), or none.\n")
	g.printf("\t@%s vars %s \"1\"\n\trequest_header @%s X-Forwarded-For %s\n", g.name("xff_back"), g.name("xff_present"), g.name("xff_back"), g.ph("xff"))
	g.printf("\t@%s not vars %s \"1\"\n\trequest_header @%s -X-Forwarded-For\n", g.name("xff_none"), g.name("xff_present"), g.name("xff_none"))
	g.printf("\t# The walk: the peer's class, then each entry's (0... when absent), then\n")
	g.printf("\t# 1000 (present, not valid) when more entries are left unread.\n")
	g.printf("\tmap \"%s\" {%s} {\n\t\t`~\\A(?:111[01];)*(?:1101|1111;0)(?s:.*)\\z` \"1\"\n\t\tdefault \"0\"\n\t}\n", classes, g.name("walk"))
	return g.mph("walk")
}

// negotiation writes the variables locale and format, as the middleware
// negotiates them.
func (g *caddyGen) negotiation() {
	p, t := g.p, g.t
	g.printf("\n\t# The locale, from Accept-Language, as the middleware reads it: the range\n")
	g.printf("\t# with the highest q-value, the first of equal ones, that finds a locale.\n")
	g.printf("\tvars %s %s\n", g.name("locale"), t.Locales[t.DefaultLocale].Tag)
	if len(t.Locales) > 1 {
		g.printf("\t# A Caddyfile cannot loop: each of the first %d elements has maps of its\n", CaddyAcceptLanguageRanges)
		g.printf("\t# own: its text (al), its q-value (lq) and whether that is valid (lv), the\n")
		g.printf("\t# locale it finds (ll); the best q-value so far is lbest.\n")
		g.printf("\tvars %s \"0\"\n", g.name("lbest"))
		var rules [][2]string // regexp, tag: in findLocale's order
		seen := map[string]bool{}
		add := func(re, tag string) {
			if !seen[re] {
				seen[re] = true
				rules = append(rules, [2]string{re, tag})
			}
		}
		for _, l := range t.Locales {
			add(`\A[ \t]*(?i:`+regexp.QuoteMeta(l.Tag)+`)[ \t]*(?:;(?s:.*))?\z`, l.Tag)
		}
		for _, l := range t.Locales {
			if !strings.Contains(l.Tag, "-") {
				add(`\A[ \t]*(?i:`+regexp.QuoteMeta(l.Tag)+`)-[^;]*(?:;(?s:.*))?\z`, l.Tag)
			}
		}
		for _, l := range t.Locales {
			add(`\A[ \t]*(?i:`+regexp.QuoteMeta(l.Lang)+`)[ \t]*(?:;(?s:.*))?\z`, l.Tag)
		}
		for i := range CaddyAcceptLanguageRanges {
			al, lq, lv, ll := fmt.Sprintf("al%d", i), fmt.Sprintf("lq%d", i), fmt.Sprintf("lv%d", i), fmt.Sprintf("ll%d", i)
			g.printf("\tmap {http.request.header.Accept-Language} {%s} {\n\t\t`~\\A(?:[^,]*,){%d}([^,]*)(?s:.*)\\z` \"${1}\"\n\t\tdefault \"\"\n\t}\n", g.name(al), i)
			g.printf("\tmap %s {%s} {%s} {\n", g.mph(al), g.name(lq), g.name(lv))
			g.printf("\t\t`~\\A[^;]*(?:%s)*%s\\z` \"${1}\" \"1\"\n", caddyNotQ, caddyQ)
			g.printf("\t\t`~\\A[^;]*(?:%s)*\\z` \"1\" \"1\"\n\t\tdefault \"\" \"\"\n\t}\n", caddyNotQ)
			g.printf("\tmap %s {%s} {\n", g.mph(al), g.name(ll))
			for _, r := range rules {
				g.printf("\t\t`~%s` %s\n", r[0], r[1])
			}
			g.printf("\t\tdefault \"\"\n\t}\n")
			m := g.name("l" + fmt.Sprint(i))
			g.printf("\t@%s expression `%s == \"1\" && %s != \"\" && double(%s) > double(%s)`\n", m, g.mph(lv), g.mph(ll), g.mph(lq), g.ph("lbest"))
			g.printf("\tvars @%s {\n\t\t%s %s\n\t\t%s %s\n\t}\n", m, g.name("lbest"), g.mph(lq), g.name("locale"), g.mph(ll))
		}
	}

	g.printf("\n\t# The format: html or json.\n")
	switch t.Format {
	case policy.FormatJSON:
		g.printf("\tvars %s json\n", g.name("format"))
		return
	case policy.FormatHTML:
		g.printf("\tvars %s html\n", g.name("format"))
		return
	}
	g.printf("\tvars %s html\n", g.name("format"))
	if jp := pathRE(p.Response.JSONPaths, true); jp != "" {
		g.printf("\t# response.json_paths, on the decoded path.\n")
		g.printf("\t@%s vars_regexp {http.request.uri.path} `%s`\n\tvars @%s %s json\n", g.name("json_path"), jp, g.name("json_path"), g.name("format"))
	}
	g.printf("\t# Accept (RFC 9110, section 12.5.1), as the middleware reads it: each media\n")
	g.printf("\t# type gets the q-value of the most specific range that matches it, the first\n")
	g.printf("\t# of equal ones; ranges with a bad q-value are skipped. For each kind of\n")
	g.printf("\t# range, the q-value of its first valid one (\"\" for none: 1) and whether\n")
	g.printf("\t# there is one.\n")
	kinds := []struct{ v, rng string }{
		{"json", `(?i:application/json)`},
		{"problem", `(?i:application/problem\+json)`},
		{"html", `(?i:text/html)`},
		{"application", `(?i:application)/\*`},
		{"text", `(?i:text)/\*`},
		{"any", `\*/\*`},
	}
	q := map[string]string{}
	for _, k := range kinds {
		g.printf("\tmap {http.request.header.Accept} {%s} {%s} {\n", g.name("aq_"+k.v), g.name("ap_"+k.v))
		g.printf("\t\t`~\\A(?:[^,]*,)*?[ \\t]*%s[ \\t]*(?:%s)*(?:%s)?(?:,(?s:.*))?\\z` \"${1}\" \"1\"\n\t\tdefault \"\" \"\"\n\t}\n", k.rng, caddyNotQ, caddyQ)
		q[k.v] = fmt.Sprintf(`(%s == "" ? 1.0 : double(%s))`, g.mph("aq_"+k.v), g.mph("aq_"+k.v))
	}
	of := func(exact, wild string) string {
		return fmt.Sprintf(`(%s == "1" ? %s : (%s == "1" ? %s : (%s == "1" ? %s : 0.0)))`,
			g.mph("ap_"+exact), q[exact], g.mph("ap_"+wild), q[wild], g.mph("ap_any"), q["any"])
	}
	html := of("html", "text")
	g.printf("\t# json when application/json or application/problem+json has a higher\n")
	g.printf("\t# q-value than text/html (a tie goes to HTML).\n")
	g.printf("\t@%s expression `%s > %s || %s > %s`\n\tvars @%s %s json\n", g.name("prefers_json"),
		of("json", "application"), html, of("problem", "application"), html, g.name("prefers_json"), g.name("format"))
}

// responses writes the handlers of the maintenance page and the
// redirects.
func (g *caddyGen) responses() {
	p, t := g.p, g.t
	headers := func(page bool) {
		g.printf("\t\theader {\n\t\t\tCache-Control no-store\n\t\t\tVary \"Accept, Accept-Language\"\n")
		if t.RetryAfter != "" {
			g.printf("\t\t\tRetry-After %s\n", t.RetryAfter)
		}
		if page {
			g.printf("\t\t\tContent-Language %s\n\t\t\tX-Content-Type-Options nosniff\n", g.ph("locale"))
			g.printf("\t\t\t-ETag\n\t\t\t-Last-Modified\n\t\t\t-Accept-Ranges\n")
		}
		g.printf("\t\t\tdefer\n\t\t}\n")
		for _, c := range t.ClearCookieSet {
			g.printf("\t\theader @%s +Set-Cookie \"%s\"\n", g.name("clear"), c)
		}
	}
	g.printf("\n\t# The responses. The page is a file of the pages directory (the import's\n")
	g.printf("\t# first argument) served with the policy's status, whatever the method.\n")
	g.printf("\t@%s vars_regexp %s `\\A1\\z`\n", g.name("clear"), g.mph("clear"))
	g.printf("\t@%s vars_regexp %s `\\Apage\\z`\n\thandle @%s {\n", g.name("page"), g.mph("action"), g.name("page"))
	g.printf("\t\troot * {args.0}\n\t\trewrite * /%d.%s.%s\n", t.Status, g.ph("locale"), g.ph("format"))
	g.printf("\t\t@%s not method GET HEAD\n\t\tmethod @%s GET\n", g.name("other_method"), g.name("other_method"))
	g.printf("\t\t# The file is the whole answer: no range, no conditional request.\n")
	for _, h := range []string{"Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		g.printf("\t\trequest_header -%s\n", h)
	}
	headers(true)
	g.printf("\t\t@%s vars %s json\n\t\theader @%s Content-Type application/problem+json\n", g.name("json"), g.name("format"), g.name("json"))
	g.printf("\t\tfile_server {\n\t\t\tstatus %d\n\t\t}\n\t}\n", t.Status)
	if r := p.Response.Redirect; r != "" {
		for _, loc := range []struct{ name, to string }{{"redirect", r}, {"home", "/"}} {
			g.printf("\t@%s vars_regexp %s `\\A%s\\z`\n\thandle @%s {\n", g.name(loc.name), g.mph("action"), loc.name, g.name(loc.name))
			headers(false)
			g.printf("\t\tredir * %s 302\n\t}\n", loc.to)
		}
	}
}

// step returns a decision comment: the step's number in interp.Steps, then
// text, which starts with the step's name.
func step(s interp.Step, text string) string { return fmt.Sprintf("%d. %s", s.Number(), text) }
