package review

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"

	"github.com/maintgen/maintgen/internal/policy"
)

// literalPrefix returns the text every match of the path expression expr
// starts with, leading ^ and \A skipped; complete is true when that text
// is the only match. Case-folded literals end the prefix.
func literalPrefix(expr string) (prefix string, complete bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	complete = walkPrefix(re.Simplify(), &b)
	return b.String(), complete
}

// walkPrefix appends to b the literal text re starts with, and reports
// whether re is that text and nothing else.
func walkPrefix(re *syntax.Regexp, b *strings.Builder) bool {
	switch re.Op {
	case syntax.OpBeginText, syntax.OpBeginLine, syntax.OpEmptyMatch:
		return true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return false
		}
		b.WriteString(string(re.Rune))
		return true
	case syntax.OpCapture:
		return walkPrefix(re.Sub[0], b)
	case syntax.OpConcat:
		for i, sub := range re.Sub {
			if (sub.Op == syntax.OpEndText || sub.Op == syntax.OpEndLine) && i == len(re.Sub)-1 {
				return true
			}
			if !walkPrefix(sub, b) {
				return false
			}
		}
		return true
	}
	return false
}

// neverMatches says why the regular expression pattern pp can match no
// cleaned request path, or returns "".
func neverMatches(pp policy.PathPattern) string {
	if pp.Kind != policy.Regexp {
		return ""
	}
	prefix, _ := literalPrefix(pp.Expr)
	switch {
	case prefix != "" && !strings.HasPrefix(prefix, "/"):
		return "every match starts with " + quote(prefix) + ", but every cleaned request path starts with /"
	case strings.Contains(prefix, "//") || strings.Contains(prefix, "/./") || strings.Contains(prefix, "/../"):
		return "every match starts with " + quote(prefix) + ", which a cleaned request path never holds"
	}
	return ""
}

// probePaths are the paths a pattern must match to count as matching
// every path.
var probePaths = []string{"/", "/index.html", "/a", "/a/b/c/", "/admin/", "/api/v1/users/42", "/x.y-z_~", "/%E2%82%AC"}

// samplePaths are typical request paths of an app, to judge how much of a
// site a re: pattern covers.
var samplePaths = []string{
	"/", "/index.html", "/login", "/logout", "/signup", "/search", "/cart", "/checkout", "/checkout/pay",
	"/orders", "/orders/42", "/users/1/settings", "/account", "/admin", "/admin/users", "/api/v1/orders",
	"/api/v2/users/7", "/graphql", "/static/app.js", "/static/app.css", "/favicon.ico", "/robots.txt",
	"/blog/2026/hello-world", "/products/shoe-42", "/help/faq", "/a/b/c/d/e", "/x~y", "/%E2%82%AC",
}

// pathShare returns how many of samplePaths a re: pattern matches.
func pathShare(pp policy.PathPattern) int {
	n := 0
	if pp.Kind == policy.Regexp {
		for _, s := range samplePaths {
			if pp.Regexp.MatchString(s) {
				n++
			}
		}
	}
	return n
}

// mostPaths reports whether a re: pattern matches at least half of
// samplePaths: such a pattern exempts (or forces) most of a site, whatever
// it looks like.
func mostPaths(pp policy.PathPattern) bool { return 2*pathShare(pp) >= len(samplePaths) }

// everyPath reports whether pp matches every request path: the subtree
// "/", or an expression that matches each of probePaths.
func everyPath(pp policy.PathPattern) bool {
	switch pp.Kind {
	case policy.Subtree:
		return pp.Path == "/"
	case policy.Regexp:
		for _, p := range probePaths {
			if !pp.Regexp.MatchString(p) {
				return false
			}
		}
		return true
	}
	return false
}

// within reports whether every path b matches is also matched by a.
func within(b, a policy.PathPattern) bool {
	switch a.Kind {
	case policy.Exact:
		return b.Kind == policy.Exact && b.Path == a.Path
	case policy.Subtree:
		bare := strings.TrimSuffix(a.Path, "/")
		switch b.Kind {
		case policy.Exact:
			return b.Path == bare || strings.HasPrefix(b.Path, a.Path)
		case policy.Subtree:
			return strings.HasPrefix(b.Path, a.Path)
		case policy.Regexp:
			prefix, complete := literalPrefix(b.Expr)
			return strings.HasPrefix(prefix, a.Path) || complete && prefix == bare
		}
	case policy.Regexp:
		switch b.Kind {
		case policy.Exact:
			return a.Regexp.MatchString(b.Path)
		case policy.Regexp:
			return b.Expr == a.Expr
		}
	}
	return false
}

// healthRE matches the path patterns of health checks and probes.
var healthRE = regexp.MustCompile(`(?i)health|livez|readyz|ready|alive|ping|heartbeat|status|^/up/?$`)

// healthPaths are request paths that load balancers and orchestrators
// commonly probe.
var healthPaths = []string{"/healthz", "/health", "/livez", "/readyz", "/ready", "/ping", "/status", "/up", "/_health", "/heartbeat"}

// describePath says in words what a path pattern matches.
func describePath(pp policy.PathPattern, code func(string) string) string {
	switch pp.Kind {
	case policy.Subtree:
		if pp.Path == "/" {
			return code("/") + " (every path)"
		}
		return code(pp.Path) + " and everything under it"
	case policy.Regexp:
		return "paths matching " + code(pp.Expr)
	}
	return code(pp.Path)
}

// quote returns s as written, or quoted as a Go string when it would
// otherwise be unclear: when it is empty, or holds white space, quotes or
// characters that are not printable.
func quote(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return !unicode.IsPrint(r) || unicode.IsSpace(r) || r == '"' || r == '\'' || r == '`'
	}) {
		return strconv.Quote(s)
	}
	return s
}
