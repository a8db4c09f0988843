//go:build !maintgen_no_regexp

// re: path patterns.

package maintenance

import (
	"regexp"
	"strings"
)

// pathRegexp is one re: pattern. Every path it matches begins with prefix
// (regexp.LiteralPrefix of the expression), which is checked first.
type pathRegexp struct {
	rule   int32
	prefix string
	re     *regexp.Regexp
}

// match reports whether x matches the whole path p.
func (x *pathRegexp) match(p string) bool {
	return strings.HasPrefix(p, x.prefix) && x.re.MatchString(p)
}

// compileRegexp compiles a generated, already validated expression.
func compileRegexp(expr string) *regexp.Regexp { return regexp.MustCompile(expr) }
