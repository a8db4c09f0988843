//go:build !maintgen_no_force

// force.paths, matched on every spelling of the path a router may route on.

package maintenance

import (
	"net/http"
	"net/url"
	"strings"
)

// forceOn reports that the policy has force.paths.
const forceOn = true

// forced returns the force.paths rule that matches the request r, whose
// cleaned path is p. A forced handler must not be reached by any spelling
// of its path that a router could route to it, so the rules are tried on
// each of these forms, in this order, and the first match decides:
//
//  1. p, the cleaned decoded path (ServeMux, gorilla/mux, chi's
//     CleanPath, gin's RemoveExtraSlash);
//  2. the path as ServeMux routes it (routedPath), when it differs: a
//     CONNECT request's path is not cleaned, and an escaped dot segment
//     (/checkout/%2e%2e/x) is not resolved;
//  3. the decoded path as it came, uncleaned, when it differs: chi, echo,
//     gin and gorilla/mux's SkipClean route /checkout/../cart on
//     /checkout/;
//
// and each form with a trailing slash removed or added (chi's
// StripSlashes, echo's RemoveTrailingSlash and AddTrailingSlash).
// Subtree patterns match unclean paths by their leading segments, as
// those routers do. For a canonical path, the most common case, only the
// first form is tried.
func forced(r *http.Request, p string) (int, bool) {
	if i, ok := forcedForm(p); ok {
		return i, true
	}
	// Only %2e and %2f make ServeMux's path differ, and they are in
	// RawPath, which is empty for most requests.
	if r.Method == http.MethodConnect || r.URL.RawPath != "" && hiddenSeparator(r.URL) {
		if rp := routedPath(r); rp != p {
			if i, ok := forcedForm(rp); ok {
				return i, true
			}
		}
	}
	if raw := r.URL.Path; raw != p && raw != "" {
		return forcedForm(raw)
	}
	return -1, false
}

// forcedForm returns the force.paths rule that matches the path form p, or
// p with its trailing slash removed or a trailing slash added. It
// allocates only when p has no trailing slash and force.paths has
// regexps.
func forcedForm(p string) (int, bool) {
	if i, ok := forcePaths.match(p); ok {
		return i, true
	}
	if n := len(p); n > 0 && p[n-1] == '/' {
		if n == 1 {
			return -1, false
		}
		return forcePaths.match(p[:n-1])
	}
	// p + "/": exact patterns never end in a slash and the subtree walk
	// of p + "/" is that of p, so only the regexps are left to try.
	if len(forcePaths.regexps) > 0 {
		return forcePaths.matchRegexps(p + "/")
	}
	return -1, false
}

// routedPath returns the path on which net/http's ServeMux routes r,
// decoded: it cleans the escaped path (except for CONNECT), so an escaped
// dot segment stays a segment of its own, and unescapes the segments
// after.
func routedPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if r.Method != http.MethodConnect {
		p = cleanPath(p)
	}
	if u, err := url.PathUnescape(p); err == nil {
		return u
	}
	return r.URL.Path
}

// hiddenSeparator reports whether the request's escaped path hides a
// separator or dot segment (%2f, %5c or %2e, any case, in RawPath), or the
// decoded path holds a backslash. ServeMux then routes another path than
// the cleaned one (routedPath).
func hiddenSeparator(u *url.URL) bool {
	if strings.IndexByte(u.Path, '\\') >= 0 {
		return true
	}
	raw := u.RawPath
	for i := 0; i+2 < len(raw); i++ {
		if raw[i] != '%' {
			continue
		}
		switch c := raw[i+2] | 0x20; raw[i+1] {
		case '2':
			if c == 'f' || c == 'e' {
				return true
			}
		case '5':
			if c == 'c' {
				return true
			}
		}
	}
	return false
}
