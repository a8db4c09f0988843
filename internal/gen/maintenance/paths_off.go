//go:build maintgen_no_paths

// Paths, off: the policy has no exempt.paths, force.paths,
// response.json_paths or response.redirect, so no rule reads the path.

package maintenance

import "net/url"

func cleanPath(p string) string { return p }

func canonical(u *url.URL) bool { return false }

type pathMatcher struct{}

func (m *pathMatcher) match(p string) (int, bool) { return -1, false }

func exemptPath(p string) (int, bool) { return -1, false }
