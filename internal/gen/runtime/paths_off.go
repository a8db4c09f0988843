//go:build maintgen_no_paths

// Paths, off: the policy has no exempt.paths, force.paths,
// response.json_paths or response.redirect, so no rule reads the path.

package maintenance

import "net/url"

// cleanPath returns p: no rule reads it.
func cleanPath(p string) string { return p }

// canonical reports false: no path is exempt.
func canonical(u *url.URL) bool { return false }

// pathMatcher matches no path: the policy has no path patterns.
type pathMatcher struct{}

// match reports no match.
func (m *pathMatcher) match(p string) (int, bool) { return -1, false }

// exemptPath reports no match.
func exemptPath(p string) (int, bool) { return -1, false }
