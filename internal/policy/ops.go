package policy

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// This file checks the operations sections of a policy: the schedule of
// maintenance windows, the bypass link, the admin toggle and the cookies
// that maintenance responses expire.

// timeLayout is how windows are printed in messages.
const timeLayout = time.RFC3339

func (c *compiler) schedule(d *Windows) []Window {
	var out []Window
	for i := range d.Items {
		item := &d.Items[i]
		if !item.Set {
			continue
		}
		start, okStart := c.windowTime(&item.Start)
		end, okEnd := c.windowTime(&item.End)
		if !okStart || !okEnd {
			continue
		}
		if !start.Before(end) {
			c.errorf(item.End.Node, "%s is not after start %s: a window is [start, end), so want start < end", item.End.Raw, item.Start.Raw)
			continue
		}
		out = append(out, Window{Index: i, Start: start, End: end, Pos: item.Pos})
	}
	slices.SortStableFunc(out, func(a, b Window) int { return a.Start.Compare(b.Start) })
	// Each window must start at or after the end of every window that
	// starts before it: the one with the latest end so far.
	for i := 1; i < len(out); i++ {
		latest := slices.MaxFunc(out[:i], func(a, b Window) int { return a.End.Compare(b.End) })
		if out[i].Start.Before(latest.End) {
			first, second := latest, out[i]
			if first.Index > second.Index {
				first, second = second, first
			}
			c.errs.Add(second.Pos, "%s[%d]: overlaps %s[%d] (%s to %s): windows must not overlap; merge them into one",
				d.Key, second.Index, d.Key, first.Index, first.Start.Format(timeLayout), first.End.Format(timeLayout))
		}
	}
	return out
}

// windowTime checks one end of a window: present, and whole seconds.
func (c *compiler) windowTime(t *Time) (time.Time, bool) {
	switch {
	case t.Bad:
		return time.Time{}, false
	case !t.Set:
		c.errs.Add(t.Pos, "%s is required: a window has a start and an end, such as {start: 2026-03-01T02:00:00Z, end: 2026-03-01T04:00:00Z}", t.Key)
		return time.Time{}, false
	case t.Value.Nanosecond() != 0:
		c.errorf(t.Node, "%s has a fraction of a second: want whole seconds, which Retry-After counts", t.Raw)
		return time.Time{}, false
	}
	return t.Value, true
}

func (c *compiler) bypass(d *BypassSyntax) *Bypass {
	if !d.Set {
		return nil
	}
	b := &Bypass{Path: DefaultBypassPath, TTL: DefaultBypassTTL}
	switch {
	case d.SecretEnv.Bad:
	case !d.SecretEnv.Set:
		c.errs.Add(d.SecretEnv.Pos, "%s is required: name the environment variable that holds the secret, such as MAINTENANCE_BYPASS_SECRET", d.SecretEnv.Key)
	case !envNameRE.MatchString(d.SecretEnv.Value):
		c.errorf(d.SecretEnv.Node, "%q is not an environment variable name: want letters, digits and _, starting with a letter or _", d.SecretEnv.Value)
	default:
		b.SecretEnv = d.SecretEnv.Value
	}
	if ok(d.Path.Node) {
		if err := checkBypassPath(d.Path.Value); err != nil {
			c.errorf(d.Path.Node, "%v", err)
		} else {
			b.Path = d.Path.Value
		}
	}
	if ok(d.TTL.Node) {
		v := d.TTL.Value
		switch {
		case v <= 0:
			c.errorf(d.TTL.Node, "%s is not positive: want how long the bypass cookie lasts, such as 12h", d.TTL.Raw)
		case v%time.Second != 0:
			c.errorf(d.TTL.Node, "%s is not a whole number of seconds, which the cookie's Max-Age counts: want a value such as 12h", d.TTL.Raw)
		case v > MaxBypassTTL:
			c.errorf(d.TTL.Node, "%s is longer than 400 days, the longest cookie lifetime browsers keep", d.TTL.Raw)
		default:
			b.TTL = v
		}
	}
	if ok(d.InsecureCookie.Node) {
		b.InsecureCookie = d.InsecureCookie.Value
	}
	return b
}

// checkBypassPath accepts a same-site clean absolute path without a
// trailing slash: the secret follows it after one "/".
func checkBypassPath(s string) error {
	bad := func(why string) error {
		return fmt.Errorf("%q is not a same-site absolute path (%s): want a path such as %s", s, why, DefaultBypassPath)
	}
	if why := notSameSitePath(s); why != "" {
		return bad(why)
	}
	switch {
	case strings.ContainsRune(s, '%'):
		return bad("a request for the link arrives with its %-escapes decoded, so it would never match; write the characters themselves")
	case s == "/":
		return bad("the secret would be the whole path")
	case strings.HasSuffix(s, "/"):
		return bad("the secret follows after one /, so leave the trailing slash out")
	case CleanPath(s) != s:
		return bad(fmt.Sprintf("it is not clean; did you mean %q?", CleanPath(s)))
	}
	return nil
}

func (c *compiler) toggle(d *ToggleSyntax) Toggle {
	t := Toggle{Enabled: ok(d.Node)}
	if !ok(d.Roles.Node) {
		return t
	}
	if len(d.Roles.Items) == 0 {
		c.errorf(d.Roles.Node, "want at least one role (leave the key out for the default, [%s])", DefaultToggleRole)
		return t
	}
	roles := c.roles(d.Roles)
	for _, r := range roles {
		if r.Raw == "anonymous" {
			c.errs.Add(r.Pos, "%s[%d]: anonymous users must never switch maintenance mode: name the roles of your administrators", d.Roles.Key, r.Index)
		}
	}
	t.Roles = roles
	return t
}

// RoleNames returns the roles that may use the toggle: toggle.roles, or
// DefaultToggleRole when the policy does not set them.
func (t Toggle) RoleNames() []string {
	if len(t.Roles) == 0 {
		return []string{DefaultToggleRole}
	}
	names := make([]string, len(t.Roles))
	for i, r := range t.Roles {
		names[i] = r.Raw
	}
	return names
}

func (c *compiler) clearCookies(list Strings) []string {
	var out []string
	seen := map[string]int{}
	for i, s := range list.Items {
		if !ok(s.Node) {
			continue
		}
		if !isCookieName(s.Value) {
			c.errorf(s.Node, "%q is not a cookie name: want a token such as sessionid (letters, digits and !#$%%&'*+-.^_`|~)", s.Value)
			continue
		}
		if first, dup := seen[s.Value]; dup {
			c.errorf(s.Node, "%q repeats %s[%d]", s.Value, list.Key, first)
			continue
		}
		seen[s.Value] = i
		out = append(out, s.Value)
	}
	return out
}

// isCookieName reports whether s is a cookie name: an HTTP token (RFC
// 6265, section 4.1.1; RFC 9110, section 5.6.2).
func isCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// ClearCookie returns the Set-Cookie header value that expires the cookie
// name on the path /. Names with the __Secure- or __Host- prefix get the
// Secure attribute, without which browsers ignore them.
func ClearCookie(name string) string {
	c := &http.Cookie{Name: name, Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		Secure: strings.HasPrefix(name, "__Secure-") || strings.HasPrefix(name, "__Host-")}
	return c.String()
}
