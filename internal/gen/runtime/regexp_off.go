//go:build maintgen_no_regexp

// re: path patterns, off: the policy has none.

package maintenance

// pathRegexp is a re: pattern; the policy has none.
type pathRegexp struct{ rule int32 }

// match reports no match.
func (x *pathRegexp) match(p string) bool { return false }
