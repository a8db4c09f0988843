// Package proxyconf generates proxy configurations from a maintenance
// policy, for when the app behind the proxy is down: an nginx snippet
// that applies the policy's rules itself and serves the static pages, and
// an HAProxy errorfile holding the default locale's page.
//
// The nginx snippet has two parts, because nginx allows map and geo only
// in its http{} block:
//
//	http {
//	    include /srv/app/nginx/maintenance.http.conf;   # NginxHTTP: maps and geo
//	    server {
//	        listen 80;
//	        set $maintenance_pages /srv/app/public/maintenance;
//	        set $maintenance_state_file /srv/app/maintenance.state;
//	        include /srv/app/nginx/maintenance.conf;    # NginxServer: the decision
//	        location / { proxy_pass http://127.0.0.1:8080; }
//	    }
//	}
//
// The server part decides once per request, in the server rewrite phase,
// before nginx picks a location, with the steps of the generated
// middleware; a passed request goes on to the server's own locations
// untouched. The variables are named after the policy's Go package, so
// two policies can share one nginx.
//
// What nginx cannot do as the middleware does, and what the snippet does
// instead, is listed in README.md ("Serving the pages from a CDN or
// proxy"); the differential test in this package checks the rest against
// a real nginx.
package proxyconf

import (
	"bytes"
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
)

// MaxNginxParam is the longest parameter, in bytes, that nginx's
// configuration parser reads (NGX_CONF_BUFFER, 4096, including the
// quotes): a longer translated regular expression is an error.
const MaxNginxParam = 4096 - 2

// AcceptLanguageRanges is how many Accept-Language elements (the
// comma-separated ranges, empty ones included) the nginx snippet reads;
// later ones are ignored. nginx maps cannot loop, so each element has its
// own maps.
const AcceptLanguageRanges = 8

// Nginx returns the two parts of the nginx snippet for p: server, for a
// server{} block, and http, for the http{} block. The error, when not
// nil, is a policy.ErrorList: a re: pattern longer than MaxNginxParam once
// translated, a response.redirect path that nginx's return directive
// cannot carry, a package name that cannot name nginx variables, or a
// path written into the snippet's comments that holds a control
// character (a newline would end the comment and start a directive).
func Nginx(p *policy.Policy) (server, http []byte, err error) {
	g := &nginxGen{p: p, v: p.Package + "_"}
	if r := p.Response.Redirect; strings.ContainsAny(r, " \t\"'$;{}\\") || strings.ContainsFunc(r, isControl) {
		g.errs.Add(g.pos(func(s *policy.Syntax) policy.Node { return s.Response.Redirect.Node }),
			"output.nginx: response.redirect %q holds a character that nginx's return directive cannot carry as it is (space, quote, $, ;, { or }): choose a plainer path", r)
	}
	g.checkValues()
	http = g.httpPart()
	if err := g.errs.Err(); err != nil {
		return nil, nil, err
	}
	return g.serverPart(), http, nil
}

// pos returns the position of the value that node picks from p's syntax
// tree, or the start of the policy file when p has none.
func (g *nginxGen) pos(node func(*policy.Syntax) policy.Node) policy.Pos {
	if g.p.Syntax != nil {
		return node(g.p.Syntax).Pos
	}
	return policy.Pos{File: g.p.File, Line: 1, Col: 1}
}

// checkValues checks the policy values that the snippet writes outside a
// regular expression: the package, which names every variable (nginx
// reads a variable name as ASCII letters, digits and _ only), and the
// paths that its header comment shows (a control character, a newline
// above all, would end the comment, and the rest of the value would be a
// live directive). The policy refuses control characters in output
// paths already; state.file is a path at run time, which the Go file
// carries quoted, so only the snippet refuses it.
func (g *nginxGen) checkValues() {
	p := g.p
	if !asciiName(p.Package) {
		g.errs.Add(g.pos(func(s *policy.Syntax) policy.Node { return s.Package.Node }),
			"output.nginx: package %q: the snippet names its nginx variables after the package ($%s_on), and nginx reads a variable name as ASCII letters, digits and _ only: choose an ASCII package name", p.Package, p.Package)
	}
	check := func(v, key string, node func(*policy.Syntax) policy.Node) {
		if strings.ContainsFunc(v, isControl) {
			g.errs.Add(g.pos(node), "output.nginx: %s %q holds a control character, which the snippet's comments cannot carry (a newline would end the comment and start a directive): rename the file", key, v)
		}
	}
	check(p.Output.Pages, "output.pages", func(s *policy.Syntax) policy.Node { return s.Output.Pages.Node })
	check(p.Output.Nginx, "output.nginx", func(s *policy.Syntax) policy.Node { return s.Output.Nginx.Node })
	if p.State != nil {
		check(p.State.File, "state.file", func(s *policy.Syntax) policy.Node { return s.State.File.Node })
	}
}

// asciiName reports whether s is a non-empty run of ASCII letters, digits
// and _, which nginx reads as a variable name.
func asciiName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// isControl reports whether r is a control character: C0, DEL or C1.
func isControl(r rune) bool { return r < 0x20 || 0x7f <= r && r < 0xa0 }

type nginxGen struct {
	p    *policy.Policy
	v    string // variable prefix: the package name and "_"
	errs policy.ErrorList
	b    bytes.Buffer

	force, exemptPath string // references to the path maps' variables, or "0"
}

func (g *nginxGen) printf(format string, args ...any) { fmt.Fprintf(&g.b, format, args...) }

// name returns the nginx variable $<package>_<s>.
func (g *nginxGen) name(s string) string { return "$" + g.v + s }

// ref returns the nginx variable $<package>_<s> in braces, for use inside
// a string where letters or digits may follow.
func (g *nginxGen) ref(s string) string { return "${" + g.v + s + "}" }

// quote quotes s as an nginx parameter. s holds no double quote, single
// quote, backslash pair or newline, which nginx's parser would change; the
// regular expressions of this package never do. (Their \t, which nginx
// turns into a tab byte, means the same to PCRE either way.)
func quote(s string) string { return `"` + s + `"` }

// internalCodes are the statuses the server part returns to hand the
// request to its error_page: page, redirect and home, never the policy's
// own status.
func (g *nginxGen) internalCodes() (page, redirect, home int) {
	var codes []int
	for c := 599; len(codes) < 3; c-- {
		if c != g.p.Response.Status {
			codes = append(codes, c)
		}
	}
	return codes[0], codes[1], codes[2]
}

// header writes the comment at the top of both parts: what the file is
// and how the two parts are included.
func (g *nginxGen) header(part string) {
	p := g.p
	server, http := p.Output.Nginx, p.Output.NginxHTTP
	if server == "" {
		server, http = "maintenance.conf", "maintenance.http.conf"
	}
	// Every value in these comments goes through commentSafe, so that
	// none can end a comment line whatever the checks before let through;
	// the policy file's name, which is not a policy value, is only
	// rendered so.
	g.printf("# Code generated by maintgen from %s. DO NOT EDIT.\n#\n", commentSafe(path.Base(p.File)))
	g.printf("# The nginx snippet of the maintenance policy (package %s), in two parts:\n", commentSafe(p.Package))
	g.printf("# %s goes in http{}, once; %s goes first in each\n", commentSafe(path.Base(http)), commentSafe(path.Base(server)))
	g.printf("# server{} the policy guards, after the variables it reads:\n#\n")
	g.printf("#     http {\n#         include %s;\n#         server {\n", commentSafe(exampleArg("/srv/app/"+http)))
	g.printf("#             set %s %s;  # output.pages\n", g.name("pages"), commentSafe(exampleArg("/srv/app/"+p.Output.Pages)))
	if p.State != nil && p.State.File != "" {
		g.printf("#             set %s %s;  # state.file\n", g.name("state_file"), commentSafe(exampleArg(stateExample(p.State.File))))
	}
	g.printf("#             include %s;\n", commentSafe(exampleArg("/srv/app/"+server)))
	g.printf("#             location / { proxy_pass http://127.0.0.1:8080; }\n#         }\n#     }\n#\n")
	g.printf("# This is the %s part. README.md, \"Serving the pages from a CDN or proxy\",\n", part)
	g.printf("# says what nginx does differently from the Go middleware.\n")
}

// exampleArg returns s as an nginx parameter for the header's example:
// as it is when nginx reads it so, else in double quotes, with the quote
// and backslash escaped.
func exampleArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;{}#$") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// stateExample is an example absolute path for the state file.
func stateExample(file string) string {
	if strings.HasPrefix(file, "/") {
		return file
	}
	return "/srv/app/" + file
}

// httpPart writes the maps and geo blocks.
func (g *nginxGen) httpPart() []byte {
	g.b.Reset()
	p := g.p
	g.header("http{}")

	g.printf("\n# The cleaned request path: $uri, whose dot segments and repeated slashes\n")
	g.printf("# nginx has resolved, except that a path ending in a dot segment (/a/.,\n")
	g.printf("# /a/b/..) loses the trailing slash nginx keeps, as Go's path.Clean drops it.\n")
	g.printf("map $request_uri %s {\n    default 0;\n    %s 1;\n}\n", g.name("dot_end"), quote(`~\A[^?]*(?:/|%2[fF])(?:\.|%2[eE]){1,2}(?:\?|\z)`))
	g.printf("map %s$uri %s {\n    %s $1;\n    %s $1;\n}\n", g.ref("dot_end"), g.name("path"),
		quote(`~\A1(/[\x00-\xff]+)/\z`), quote(`~\A[01]([\x00-\xff]*)\z`))

	g.printf("\n# 1 when the path on the request line is not clean: an empty segment, a\n")
	g.printf("# dot segment, an escaped dot, slash or backslash, a backslash, or a # (the\n")
	g.printf("# start of a fragment to nginx, part of the path to the app). Routers such\n")
	g.printf("# as chi, echo and gin route such a path as it is, not as nginx resolves it.\n")
	g.printf("map $request_uri %s {\n    default 0;\n    %s 1;\n}\n", g.name("path_unclean"), quote(uncleanRE))
	g.printf("\n# 1 when the path on the request line holds only what Go's default\n")
	g.printf("# encoding of the decoded path writes (url.URL.RawPath is empty): no other\n")
	g.printf("# escape, whatever byte it escapes, and no raw byte that Go would escape.\n")
	g.printf("map $request_uri %s {\n    default 0;\n    %s 1;\n}\n", g.name("path_encoded"), quote(canonicalCharsRE))
	g.printf("\n# 1 when the request path is not in canonical form: such a request is never\n")
	g.printf("# exempt by path, as every router must see the path nginx matched.\n")
	g.printf("map %s %s {\n    default 1;\n    10 0;\n}\n", quote(g.ref("path_encoded")+g.ref("path_unclean")), g.name("noncanonical"))

	g.force = g.pathMap("force", "force.paths", p.Force.Paths)
	if g.force != "0" {
		slash := ""
		if slices.ContainsFunc(p.Force.Paths, func(pp policy.PathPattern) bool { return pp.Kind == policy.Regexp }) {
			g.printf("\n# 1 when a re: pattern of force.paths matches the cleaned path with a\n")
			g.printf("# trailing slash added (echo's AddTrailingSlash routes it so).\n")
			g.printf("map %s %s {\n    default 0;\n", quote(g.ref("path")+"/"), g.name("force_slash"))
			for _, pp := range p.Force.Paths {
				if pp.Kind != policy.Regexp {
					continue
				}
				if re, err := pcreFullMatch(pp.Expr); err == nil {
					g.printf("    %s 1;  # force.paths[%d] %s\n", quote("~"+re), pp.Index, commentSafe(pp.Raw))
				}
			}
			g.printf("}\n")
			slash = g.ref("force_slash")
		}
		g.printf("\n# Forced: a force.paths pattern matches the cleaned path, with or without a\n")
		g.printf("# trailing slash, or the path on the request line is not clean, so that a\n")
		g.printf("# router may route it on a forced route that nginx cannot see: then it is\n")
		g.printf("# forced, whatever it is (fail closed).\n")
		g.printf("map %s %s {\n    default 0;\n    %s 1;\n}\n", quote(g.force+slash+g.ref("path_unclean")), g.name("forced"), quote("~1"))
		g.force = g.ref("forced")
	}
	g.exemptPath = g.pathMap("exempt_path", "exempt.paths", p.Exempt.Paths)
	if r := p.Response.Redirect; r != "" {
		g.printf("\n# 1 for the response.redirect path itself.\n")
		g.printf("map %s %s {\n    default 0;\n    %s 1;\n}\n", g.name("path"), g.name("redirect_path"), quote(`~\A`+pcreLiteral(r)+`\z`))
	}

	g.ipMaps()
	g.actionMap()
	g.formatMaps()
	g.localeMaps()
	return bytes.Clone(g.b.Bytes())
}

// pathMap writes a map from the cleaned path to 1 when a pattern of the
// list matches, and returns a reference to its variable, or "0" for an
// empty list. Which pattern matches does not matter here (the steps only
// ask whether one does), so the patterns are regular expressions tried in
// order: exact paths and subtrees as literals, re: patterns translated to
// byte-level PCRE.
func (g *nginxGen) pathMap(v, key string, pats []policy.PathPattern) string {
	if len(pats) == 0 {
		return "0"
	}
	// force.paths also match with a trailing slash removed (chi's
	// StripSlashes, echo's RemoveTrailingSlash); a subtree pattern already
	// does.
	force, exempt := v == "force", v == "exempt_path"
	if force {
		g.printf("\n# 1 when a pattern of %s matches the cleaned path, or the cleaned path\n# less a trailing slash.\n", key)
	} else {
		g.printf("\n# 1 when a pattern of %s matches the cleaned path.\n", key)
	}
	g.printf("map %s %s {\n    default 0;\n", g.name("path"), g.name(v))
	for _, pp := range pats {
		var re string
		switch pp.Kind {
		case policy.Exact:
			re = `\A` + pcreLiteral(pp.Path) + `\z`
			if force {
				re = `\A` + pcreLiteral(pp.Path) + `/?\z`
			}
		case policy.Subtree:
			re = `\A` + pcreLiteral(strings.TrimSuffix(pp.Path, "/")) + `(?:/|\z)`
			if exempt && pp.Path != "/" {
				// The paths below the root: not /static, nor /static/,
				// which routers may route on a wildcard (MatchExempt).
				re = `\A` + pcreLiteral(pp.Path) + `.`
			}
		case policy.Regexp:
			var err error
			re, err = pcreFullMatch(pp.Expr)
			if err != nil {
				g.errs.Add(pp.Pos, "output.nginx: %s[%d]: %q cannot be translated for nginx: %v", key, pp.Index, pp.Raw, err)
				continue
			}
			if exempt {
				// A path with a trailing slash is exempt only when it is
				// without; nginx cannot ask, so a re: pattern never
				// exempts one (fail closed).
				re = `\A(?!.+/\z)` + strings.TrimPrefix(re, `\A`)
			}
			if force {
				// \A(?:X)\z, or X then a slash, but not for the root.
				re = re + `|\A(?!/\z)` + strings.TrimPrefix(strings.TrimSuffix(re, `\z`), `\A`) + `/\z`
			}
			if len(re)+1 > MaxNginxParam {
				g.errs.Add(pp.Pos, "output.nginx: %s[%d]: %q is %d bytes long once translated for nginx, which reads at most %d bytes in one parameter: simplify it (each \".\" or non-ASCII class matches UTF-8 byte by byte)", key, pp.Index, pp.Raw, len(re)+1, MaxNginxParam)
				continue
			}
		}
		g.printf("    %s 1;  # %s[%d] %s\n", quote("~"+re), key, pp.Index, commentSafe(pp.Raw))
	}
	g.printf("}\n")
	return g.ref(v)
}

// commentSafe makes s fit on one comment line: each control character
// (a newline above all, which would end the comment) becomes "?".
func commentSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return '?'
		}
		return r
	}, s)
}

// uncleanRE matches a request target whose path, as on the request line,
// is not clean: an empty segment, a "." or ".." segment, an escaped dot,
// slash or backslash (any case), a backslash, or a #.
const uncleanRE = `~\A[^?]*(?://|/\.\.?(?:/|\?|\z)|%2[eEfF]|%5[cC]|\x5c|#)`

// canonicalCharsRE matches a request target whose path, as on the request
// line, is rooted and holds only what Go's default encoding of the decoded
// path writes (url.URL.EscapedPath with RawPath empty): the bytes that it
// leaves as they are, and upper-case escapes of the bytes that it escapes.
const canonicalCharsRE = `~\A/(?:[A-Za-z0-9\-_.~$&+,/:;=@]|%(?:[01][0-9A-F]|2[0-357-9A]|3[CEF]|5[B-E]|60|7[B-DF]|[89A-F][0-9A-F]))*(?:\?|\z)`

// geoPrefixes returns the prefixes for an nginx geo block or
// set_real_ip_from: nginx matches IPv4 clients against IPv4 prefixes only,
// so an IPv6 prefix that holds the IPv4-mapped range (such as ::/0) also
// gets 0.0.0.0/0.
func geoPrefixes(ps []policy.Prefix) []string {
	var out []string
	v4mapped := netip.MustParsePrefix("::ffff:0.0.0.0/96")
	for _, p := range ps {
		pf := p.Prefix.Masked()
		out = append(out, pf.String())
		if pf.Addr().Is6() && pf.Bits() <= v4mapped.Bits() && pf.Contains(v4mapped.Addr()) {
			out = append(out, "0.0.0.0/0")
		}
	}
	return out
}

// xffEntry matches one X-Forwarded-For entry that both Go (interp.ParseHost)
// and nginx (ngx_parse_addr_port) read as the same address: IPv4 without
// leading zeros, IPv6 without zone, either with a port from 1 to 65535
// (nginx refuses port 0), IPv6 in brackets when it has one. Spaces may
// surround it; a tab may not, as nginx splits entries on spaces and commas
// only.
var xffEntry = func() string {
	dec := `(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`
	v4 := dec + `(?:\.` + dec + `){3}`
	h := `[0-9A-Fa-f]{1,4}`
	ls32 := `(?:` + h + `:` + h + `|` + v4 + `)`
	v6 := `(?:` + strings.Join([]string{
		`(?:` + h + `:){6}` + ls32,
		`::(?:` + h + `:){5}` + ls32,
		`(?:` + h + `)?::(?:` + h + `:){4}` + ls32,
		`(?:(?:` + h + `:){0,1}` + h + `)?::(?:` + h + `:){3}` + ls32,
		`(?:(?:` + h + `:){0,2}` + h + `)?::(?:` + h + `:){2}` + ls32,
		`(?:(?:` + h + `:){0,3}` + h + `)?::` + h + `:` + ls32,
		`(?:(?:` + h + `:){0,4}` + h + `)?::` + ls32,
		`(?:(?:` + h + `:){0,5}` + h + `)?::` + h,
		// RFC 3986 allows seven groups before a final "::", but nginx's
		// parser refuses them, so six at most here.
		`(?:(?:` + h + `:){0,5}` + h + `)?::`,
	}, "|") + `)`
	// A port from 1 to 65535, leading zeros allowed: nginx refuses port
	// 0 (and keeps the entry's right neighbour as the client), where Go
	// reads the address.
	port := `0*(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])`
	return ` *(?:` + v4 + `(?::` + port + `)?|` + v6 + `|\[` + v6 + `\]:` + port + `) *`
}()

// ipMaps writes the geo blocks for exempt.ips and proxies, and the check
// of X-Forwarded-For.
func (g *nginxGen) ipMaps() {
	p := g.p
	if len(p.Exempt.IPs) > 0 {
		g.printf("\n# 1 when the client address (after the realip module) is in exempt.ips.\n")
		g.printf("geo %s {\n    default 0;\n", g.name("exempt_ip"))
		for _, pf := range geoPrefixes(p.Exempt.IPs) {
			g.printf("    %s 1;\n", pf)
		}
		g.printf("}\n")
	}
	if len(p.Proxies) > 0 {
		g.printf("\n# 1 when the connection's peer is one of the proxies.\n")
		g.printf("geo $realip_remote_addr %s {\n    default 0;\n", g.name("peer_trusted"))
		for _, pf := range geoPrefixes(p.Proxies) {
			g.printf("    %s 1;\n", pf)
		}
		g.printf("}\n")
		g.printf("\n# 1 when every X-Forwarded-For entry is an address that Go and nginx read\n")
		g.printf("# alike. nginx's realip skips empty entries and takes a bad one's right\n")
		g.printf("# neighbour, where the middleware finds no client address: then no IP\n")
		g.printf("# exemption applies (fail closed). $proxy_add_x_forwarded_for is every\n")
		g.printf("# X-Forwarded-For line, then the client address.\n")
		g.printf("map $proxy_add_x_forwarded_for %s {\n    default 0;\n    %s 1;\n}\n", g.name("xff_valid"),
			quote(`~\A(?:`+xffEntry+`,)*[^,]*\z`))
	}
}

// actionMap writes the decision: "page", "redirect" (302 to
// response.redirect), "home" (302 to /) or "" (pass), with the steps of
// the middleware.
func (g *nginxGen) actionMap() {
	p := g.p
	lit := func(v string, present bool, absent string) string {
		if present {
			return g.ref(v)
		}
		return absent
	}
	src := "force=" + g.force +
		" on=" + g.ref("on") +
		" redirect=" + lit("redirect_path", p.Response.Redirect != "", "0") +
		" path=" + g.exemptPath + g.ref("noncanonical") +
		" ip=" + lit("exempt_ip", len(p.Exempt.IPs) > 0, "0") +
		lit("peer_trusted", len(p.Proxies) > 0, "0") + lit("xff_valid", len(p.Proxies) > 0, "1")
	maint := "page"
	if p.Response.Redirect != "" {
		maint = "redirect"
	}
	g.printf("\n# The decision, with the steps of the middleware: page (the maintenance\n")
	g.printf("# page), redirect (302 to response.redirect), home (302 to /) or \"\" (pass).\n")
	g.printf("# Regular expressions are tried in order; the first that matches decides.\n")
	g.printf("map %s %s {\n", quote(src), g.name("action"))
	g.printf("    default %s;  # %d. maintenance: the maintenance response\n", maint, interp.StepMaintenance.Number())
	if p.Response.Redirect != "" {
		g.printf("    %s page;  # %d. force.paths, for the redirect path itself: the page\n", quote(`~\Aforce=1 on=[01] redirect=1 `), interp.StepForce.Number())
	}
	g.printf("    %s %s;  # %d. force.paths\n", quote(`~\Aforce=1 `), maint, interp.StepForce.Number())
	if p.Response.Redirect != "" {
		g.printf("    %s home;  # %d. off: the redirect path goes home\n", quote(`~\Aforce=0 on=0 redirect=1 `), interp.StepOff.Number())
	}
	g.printf("    %s \"\";  # %d. off\n", quote(`~\Aforce=0 on=0 `), interp.StepOff.Number())
	if p.Response.Redirect != "" {
		g.printf("    %s page;  # %d. response.redirect: the page\n", quote(`~ redirect=1 `), interp.StepRedirect.Number())
	}
	g.printf("    # %d. read-only: nginx reads any state file as on, read-only too, so every method gets the maintenance response (fail closed)\n", interp.StepReadOnly.Number())
	g.printf("    %s \"\";  # %d. exempt.paths, for a path in canonical form\n", quote(`~ path=10 `), interp.StepExemptPaths.Number())
	g.printf("    %s \"\";  # %d. exempt.ips: the peer, or X-Forwarded-For from a proxy when valid\n", quote(`~ ip=1(?:0[01]|11)\z`), interp.StepExemptIPs.Number())
	if len(p.Exempt.Roles) > 0 {
		var roles []string
		for _, r := range p.Exempt.Roles {
			roles = append(roles, r.Raw)
		}
		g.printf("    # %d. exempt.roles (%s): nginx knows no roles, so none is exempt (fail closed)\n", interp.StepExemptRoles.Number(), commentSafe(strings.Join(roles, ", ")))
	}
	if p.Bypass != nil {
		g.printf("    # %d. bypass: nginx cannot check the bypass link or cookie, so it exempts nobody (fail closed)\n", interp.StepBypass.Number())
	}
	g.printf("}\n")
	g.clearCookieMaps(src)
}

// clearCookieMaps writes, for response.clear_cookies, the Set-Cookie value
// of each cookie: set for a response given because the mode is on (the
// page of the redirect path, or the maintenance response), empty for
// force.paths and the rest, as the middleware does.
func (g *nginxGen) clearCookieMaps(src string) {
	p := g.p
	if len(p.Response.ClearCookies) == 0 {
		return
	}
	g.printf("\n# 1 when the maintenance response clears response.clear_cookies: the mode\n")
	g.printf("# is on and no force.paths pattern decided.\n")
	g.printf("map %s %s {\n    default 1;\n", quote(src), g.name("clear_cookies"))
	g.printf("    %s \"\";\n    %s \"\";\n", quote(`~\Aforce=1 `), quote(`~\Aforce=0 on=0 `))
	if p.Response.Redirect != "" {
		g.printf("    %s 1;\n", quote(`~ redirect=1 `))
	}
	g.printf("    %s \"\";\n    %s \"\";\n}\n", quote(`~ path=10 `), quote(`~ ip=1(?:0[01]|11)\z`))
	for i, name := range p.Response.ClearCookies {
		v := policy.ClearCookie(name)
		if strings.ContainsAny(v, "\"'$\\\n") {
			g.errs.Add(g.clearCookiesPos(), "output.nginx: response.clear_cookies: %q holds a character nginx's add_header cannot carry as it is", name)
			continue
		}
		g.printf("map %s %s {\n    default \"\";\n    1 %s;\n}\n", g.name("clear_cookies"), g.name("clear_cookie"+strconv.Itoa(i)), quote(v))
	}
}

// clearCookiesPos is the position of response.clear_cookies.
func (g *nginxGen) clearCookiesPos() policy.Pos {
	if g.p.Syntax != nil {
		return g.p.Syntax.Response.ClearCookies.Pos
	}
	return policy.Pos{File: g.p.File, Line: 1, Col: 1}
}

// qValue matches a valid q-value (RFC 9110, section 12.4.2), captured.
const qValue = `(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)`

// nonQParams matches list element parameters that are not q, as
// interp.PrefersJSON reads them: a parameter whose name is q, with or
// without a value, ends the run.
const nonQParams = `(?:;(?![ \t]*[qQ][ \t]*(?:=|;|,|\z))[^;,]*)*`

// qNormalize writes map entries that turn a q-value, between prefix and
// suffix, into four digits (1000 for q=1, 0500 for q=0.5), and noQ, the
// expression for a value without q, into 1000.
func (g *nginxGen) qNormalize(noQ, prefix, suffix string) {
	g.printf("    %s 1000;\n", quote(`~`+noQ))
	g.printf("    %s 1000;\n", quote(`~`+prefix+`1(?:\.0{0,3})?`+suffix))
	g.printf("    %s 0000;\n", quote(`~`+prefix+`0\.?`+suffix))
	g.printf("    %s 0$100;\n", quote(`~`+prefix+`0\.([0-9])`+suffix))
	g.printf("    %s 0$1$20;\n", quote(`~`+prefix+`0\.([0-9])([0-9])`+suffix))
	g.printf("    %s 0$1;\n", quote(`~`+prefix+`0\.([0-9]{3})`+suffix))
}

// greater is a regular expression over "AAAA:...|BBBB:X" (two four-digit
// numbers) that matches when BBBB > AAAA and X is not empty. Equal
// leading digits are captured and compared with a backreference.
func greater() string {
	var alts []string
	for d := 0; d <= 8; d++ {
		higher := "9"
		if d < 8 {
			higher = fmt.Sprintf("%d-9", d+1)
		}
		alts = append(alts, fmt.Sprintf(`%d[0-9]*:[^|]*\|\g{1}[%s]`, d, higher))
	}
	return `\A([0-9]*)(?:` + strings.Join(alts, "|") + `)[0-9]*:.`
}

// greaterThird matches "AAAA:BBBB:CCCC" when the number at position n (0
// or 1) is greater than CCCC.
func greaterThird(n int) string {
	var alts []string
	for d := 1; d <= 9; d++ {
		mid := `:[0-9]{4}:`
		if n == 1 {
			mid = `:`
		}
		lower := "0"
		if d > 1 {
			lower = fmt.Sprintf("0-%d", d-1)
		}
		alts = append(alts, fmt.Sprintf(`%d[0-9]*%s\g{1}[%s]`, d, mid, lower))
	}
	lead := ``
	if n == 1 {
		lead = `[0-9]{4}:`
	}
	return `\A` + lead + `([0-9]*)(?:` + strings.Join(alts, "|") + `)`
}

// formatMaps writes $<pkg>_format: json or html.
func (g *nginxGen) formatMaps() {
	p := g.p
	if p.Response.Format != policy.FormatAuto {
		return
	}
	jsonPath := g.pathMap("json_path", "response.json_paths", p.Response.JSONPaths)

	g.printf("\n# Accept (RFC 9110, section 12.5.1), as the middleware reads it: each media\n")
	g.printf("# type gets the q-value of the most specific range that matches it, the first\n")
	g.printf("# of equal ones; ranges with a bad q-value are skipped. First the q-value\n")
	g.printf("# (\"q\" and its text) of the first valid range of each kind.\n")
	kinds := []struct{ v, rng string }{
		{"accept_json", pcreFold("application/json")},
		{"accept_problem", pcreFold("application/problem+json")},
		{"accept_html", pcreFold("text/html")},
		{"accept_application", pcreFold("application/") + `\*`},
		{"accept_text", pcreFold("text/") + `\*`},
		{"accept_any", `\*/\*`},
	}
	for _, k := range kinds {
		re := `~(?:\A|,)[ \t]*` + k.rng + `[ \t]*` + nonQParams +
			`(?:;[ \t]*[qQ][ \t]*=[ \t]*` + qValue + `[ \t]*(?:;[^;,]*)*)?(?=,|\z)`
		g.printf("map $http_accept %s {\n    default \"\";\n    %s q$1;\n}\n", g.name(k.v), quote(re))
	}
	g.printf("\n# The q-value of each media type, in thousandths: its most specific range.\n")
	for _, t := range []struct{ v, exact, wild string }{
		{"q_json", "accept_json", "accept_application"},
		{"q_problem", "accept_problem", "accept_application"},
		{"q_html", "accept_html", "accept_text"},
	} {
		g.printf("map %s %s {\n    default 0000;\n", quote(g.ref(t.exact)+"|"+g.ref(t.wild)+"|"+g.ref("accept_any")+"|"), g.name(t.v))
		for _, prefix := range []string{`\Aq`, `\A\|q`, `\A\|\|q`} {
			g.qNormalize(prefix+`\|`, prefix, `\|`)
		}
		g.printf("}\n")
	}
	g.printf("\n# 1 when application/json or application/problem+json has a higher q-value\n")
	g.printf("# than text/html (a tie goes to HTML).\n")
	g.printf("map %s %s {\n    default 0;\n    %s 1;\n    %s 1;\n}\n",
		quote(g.ref("q_json")+":"+g.ref("q_problem")+":"+g.ref("q_html")), g.name("prefers_json"),
		quote("~"+greaterThird(0)), quote("~"+greaterThird(1)))
	g.printf("\nmap %s %s {\n    default html;\n    %s json;\n}\n",
		quote(jsonPath+g.ref("prefers_json")), g.name("format"), quote(`~1`))
}

// localeMaps writes $<pkg>_locale: the negotiated locale.
func (g *nginxGen) localeMaps() {
	p := g.p
	if len(p.Locales) < 2 {
		return
	}
	g.printf("\n# Accept-Language, as the middleware reads it: the range with the highest\n")
	g.printf("# q-value, the first of equal ones, that finds a locale decides. nginx maps\n")
	g.printf("# cannot loop, so each of the first %d elements has maps of its own: its\n", AcceptLanguageRanges)
	g.printf("# text (al), its q-value in thousandths (lq), the locale it finds (ll), and\n")
	g.printf("# the best so far (lw, \"QQQQ:locale\").\n")
	var rules []string // regex, locale tag; in findLocale's order
	seen := map[string]bool{}
	add := func(re, tag string) {
		if !seen[re] {
			seen[re] = true
			rules = append(rules, re, tag)
		}
	}
	for _, l := range p.Locales {
		add(`~\A[ \t]*`+pcreFold(l.Tag)+`[ \t]*(?:;|\z)`, l.Tag)
	}
	for _, l := range p.Locales {
		if !strings.Contains(l.Tag, "-") {
			add(`~\A[ \t]*`+pcreFold(l.Tag)+`-`, l.Tag)
		}
	}
	for _, l := range p.Locales {
		add(`~\A[ \t]*`+pcreFold(l.Lang)+`[ \t]*(?:;|\z)`, l.Tag)
	}
	prev := `0000:`
	for i := range AcceptLanguageRanges {
		al, lq, ll, lw := g.name("al"+strconv.Itoa(i)), g.name("lq"+strconv.Itoa(i)), g.name("ll"+strconv.Itoa(i)), g.name("lw"+strconv.Itoa(i))
		g.printf("\nmap $http_accept_language %s {\n    default \"\";\n    %s $1;\n}\n", al, quote(fmt.Sprintf(`~\A(?:[^,]*,){%d}([^,]*)`, i)))
		g.printf("map %s %s {\n    default \"\";\n", al, lq)
		g.qNormalize(`\A[^;]*`+nonQParams+`\z`, `\A[^;]*`+nonQParams+`;[ \t]*[qQ][ \t]*=[ \t]*`, `[ \t]*(?:;|\z)`)
		g.printf("}\n")
		g.printf("map %s %s {\n    default \"\";\n", al, ll)
		for j := 0; j < len(rules); j += 2 {
			g.printf("    %s %s;\n", quote(rules[j]), rules[j+1])
		}
		g.printf("}\n")
		g.printf("map %s %s {\n    default %s;\n    %s %s;\n}\n",
			quote(prev+"|"+lq+":"+ll), lw, quote(prev), quote("~"+greater()), quote(lq+":"+ll))
		prev = lw
	}
	g.printf("\nmap %s %s {\n    default %s;\n    %s $1;\n}\n", prev, g.name("locale"), g.p.DefaultLocale, quote(`~:(.+)\z`))
}

// serverPart writes the server{} part.
func (g *nginxGen) serverPart() []byte {
	g.b.Reset()
	p := g.p
	g.header("server{}")
	pageCode, redirectCode, homeCode := g.internalCodes()

	if len(p.Proxies) > 0 {
		g.printf("\n# Proxies: the client address is read from X-Forwarded-For, right to left,\n")
		g.printf("# skipping these (the realip module replaces any set_real_ip_from of the\n")
		g.printf("# http{} block).\n")
		for _, pf := range geoPrefixes(p.Proxies) {
			g.printf("set_real_ip_from %s;\n", pf)
		}
		g.printf("real_ip_header X-Forwarded-For;\nreal_ip_recursive on;\n")
	}

	g.printf("\n# The mode. nginx cannot read a file's contents or an environment variable:\n")
	if p.State != nil && p.State.File != "" {
		g.printf("# maintenance is on while the state file exists, whatever it holds, and off\n")
		g.printf("# when it does not. maintgen on writes it and maintgen off (or the toggle's\n")
		g.printf("# off) removes it, so that nginx and the middleware agree; the end of an\n")
		g.printf("# \"on until\" is not read here: maintgen off ends it.\n")
		if p.State.Env != "" {
			g.printf("# The environment variable %s is not read.\n", p.State.Env)
		}
		if len(p.Schedule) > 0 {
			g.printf("# Neither are the schedule's windows: during one, create the file.\n")
		}
		g.printf("set %s 0;\nif (-f %s) {\n    set %s 1;\n}\n", g.name("on"), g.name("state_file"), g.name("on"))
	} else {
		g.printf("# the policy has no state.file, so maintenance is never on here; only\n")
		g.printf("# force.paths get the maintenance response.\n")
		g.printf("set %s 0;\n", g.name("on"))
	}

	g.printf("\n# The decision, made once, here, before nginx picks a location. The page is\n")
	g.printf("# served through an internal redirect, which runs these lines again: the\n")
	g.printf("# decision is cleared first so that the redirect passes. (An error_page URI\n")
	g.printf("# also turns any method into GET, so POST gets the page, not 405.)\n")
	g.printf("if (%s = page) {\n    set %s \"\";\n    return %d;\n}\n", g.name("action"), g.name("action"), pageCode)
	if p.Response.Redirect != "" {
		g.printf("if (%s = redirect) {\n    return %d;\n}\n", g.name("action"), redirectCode)
		g.printf("if (%s = home) {\n    return %d;\n}\n", g.name("action"), homeCode)
	}

	locale := p.DefaultLocale
	if len(p.Locales) > 1 {
		locale = g.name("locale")
	}
	format := string(p.Response.Format)
	if p.Response.Format == policy.FormatAuto {
		format = g.name("format")
	}
	pages := "/." + p.Package + "-pages/"
	g.printf("error_page %d =%d %s%d.%s.%s;\n", pageCode, p.Response.Status, pages, p.Response.Status, locale, format)
	if p.Response.Redirect != "" {
		g.printf("error_page %d @%sredirect;\n", redirectCode, g.v)
		g.printf("error_page %d @%shome;\n", homeCode, g.v)
	}

	headers := func(withPage bool) {
		g.printf("    add_header Cache-Control no-store always;\n")
		g.printf("    add_header Vary \"Accept, Accept-Language\" always;\n")
		if ra := p.Response.RetryAfter; ra > 0 {
			g.printf("    add_header Retry-After %d always;\n", ra)
		}
		if withPage {
			g.printf("    add_header Content-Language %s always;\n", locale)
			g.printf("    add_header X-Content-Type-Options nosniff always;\n")
		}
		for i := range p.Response.ClearCookies {
			g.printf("    add_header Set-Cookie %s always;\n", g.name("clear_cookie"+strconv.Itoa(i)))
		}
	}
	g.printf("\n# The pages, from %s (output.pages).\n", g.name("pages"))
	g.printf("location ^~ %s {\n    internal;\n    alias %s/;\n", pages, g.name("pages"))
	g.printf("    types {\n        text/html html;\n        application/problem+json json;\n    }\n")
	g.printf("    default_type application/octet-stream;\n    charset utf-8;\n    etag off;\n")
	g.printf("    add_header Last-Modified \"\" always;\n")
	headers(true)
	g.printf("}\n")
	if r := p.Response.Redirect; r != "" {
		for _, loc := range []struct{ name, to string }{{"redirect", r}, {"home", "/"}} {
			g.printf("location @%s%s {\n    absolute_redirect off;\n", g.v, loc.name)
			headers(false)
			g.printf("    return 302 %s;\n}\n", loc.to)
		}
	}
	return bytes.Clone(g.b.Bytes())
}
