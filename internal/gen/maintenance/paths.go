//go:build !maintgen_no_paths

// Paths: the patterns of exempt.paths, force.paths and
// response.json_paths, and the cleaned path (also for response.redirect).

package maintenance

import (
	"net/url"
	"path"
	"strings"
)

// pathMatcher matches cleaned request paths against compiled ServeMux-style
// patterns. exact holds exact patterns; subtree holds subtree patterns
// without their trailing slash ("" for "/"). Lookups cost at most one map
// probe per path segment, whatever the number of patterns, and a probe is
// skipped when no pattern has that length; regexps are tried only when no
// literal pattern matches. Values are rule indexes.
type pathMatcher struct {
	exact       map[string]int32
	subtree     map[string]int32
	regexps     []pathRegexp
	exactLens   lengthSet
	subtreeLens lengthSet
}

// lengthSet is a set of string lengths: bit n for length n < 63, bit 63
// for every length from 63 up.
type lengthSet uint64

func lengthBit(n int) lengthSet { return 1 << min(n, 63) }

func (s lengthSet) has(n int) bool { return s&lengthBit(n) != 0 }

func newPathMatcher(exact, subtree map[string]int32, regexps []pathRegexp) pathMatcher {
	m := pathMatcher{exact: exact, subtree: subtree, regexps: regexps}
	for k := range exact {
		m.exactLens |= lengthBit(len(k))
	}
	for k := range subtree {
		m.subtreeLens |= lengthBit(len(k))
	}
	return m
}

// exemptPath returns the exempt.paths rule for the cleaned path p, which
// routers must all route on an exempt handler:
//
//   - a subtree pattern covers the paths below its root, not the root
//     itself without its slash (/static for /static/): chi, gin,
//     gorilla/mux and ServeMux since Go 1.22 may route /static on a
//     /{page} wildcard;
//   - a path with a trailing slash is exempt only when it is without the
//     slash too, as chi's StripSlashes and echo's RemoveTrailingSlash
//     route it so: the subtree root /static/ is not, /static/x/ is.
func exemptPath(p string) (int, bool) {
	i, ok := exemptPaths.matchBelow(p)
	if n := len(p); ok && n > 1 && p[n-1] == '/' {
		_, ok = exemptPaths.matchBelow(p[:n-1])
	}
	return i, ok
}

// matchBelow is match, except that a subtree pattern does not match its
// root without the slash.
func (m *pathMatcher) matchBelow(p string) (int, bool) { return m.matchIn(p, false) }

// match returns the rule that matches the cleaned path p: an exact
// pattern, else the longest subtree pattern (which also matches its root
// without the slash), else the first regexp.
func (m *pathMatcher) match(p string) (int, bool) { return m.matchIn(p, true) }

// matchIn is match; bare says whether a subtree pattern matches its root
// without the slash (/static for /static/).
func (m *pathMatcher) matchIn(p string, bare bool) (int, bool) {
	if m.exactLens.has(len(p)) {
		if i, ok := m.exact[p]; ok {
			return int(i), true
		}
	}
	if m.subtreeLens != 0 {
		s := strings.TrimSuffix(p, "/")
		// Without a trailing slash, s is p itself: the bare root of the
		// subtree pattern p/.
		skip := !bare && len(s) == len(p)
		for {
			if !skip && m.subtreeLens.has(len(s)) {
				if i, ok := m.subtree[s]; ok {
					return int(i), true
				}
			}
			skip = false
			j := strings.LastIndexByte(s, '/')
			if j < 0 {
				break
			}
			s = s[:j]
		}
	}
	return m.matchRegexps(p)
}

// matchRegexps returns the first regexp rule that matches p.
func (m *pathMatcher) matchRegexps(p string) (int, bool) {
	for i := range m.regexps {
		if x := &m.regexps[i]; x.match(p) {
			return int(x.rule), true
		}
	}
	return -1, false
}

// cleanPath returns the canonical form of the request path p, as net/http's
// ServeMux computes it: path.Clean, keeping a trailing slash, with a
// leading slash added when missing. A clean path is returned as it is,
// without allocating.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] == '/' && isClean(p) {
		return p
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		if len(p) == len(np)+1 && strings.HasPrefix(p, np) {
			np = p
		} else {
			np += "/"
		}
	}
	return np
}

// isClean reports whether the rooted path p is already in the form
// cleanPath returns: no empty, "." or ".." segment, except a final empty
// one (a trailing slash).
func isClean(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		rest := p[i+1:]
		switch {
		case rest == "":
			return true
		case rest[0] == '/':
			return false
		case rest[0] == '.':
			if len(rest) == 1 || rest[1] == '/' || rest[1] == '.' && (len(rest) == 2 || rest[2] == '/') {
				return false
			}
		}
	}
	return true
}

// canonical reports whether the request target's path is in canonical
// form, the one form every router reads the same way: rooted, already
// clean (no ".", ".." or empty segment, a trailing slash aside), with no
// backslash, and with no percent-escape other than the default encoding
// of the decoded path (RawPath empty, whatever byte is escaped: %68 as
// much as %2f). Only such a request may be exempt by path: for any other
// spelling, a router that routes the raw or uncleaned path (chi, echo,
// gin, gorilla/mux with SkipClean or UseEncodedPath) could run another
// handler than the one whose path the guard matched. ServeMux redirects
// unclean paths to their clean form, which is then exempt.
func canonical(u *url.URL) bool {
	p := u.Path
	return u.RawPath == "" && p != "" && p[0] == '/' && isClean(p) && strings.IndexByte(p, '\\') < 0
}
