//go:build maintgen_no_regexp

// re: path patterns, off: the policy has none.

package maintenance

type pathRegexp struct{ rule int32 }

func (x *pathRegexp) match(p string) bool { return false }
