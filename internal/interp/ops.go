package interp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/maintgen/maintgen/internal/policy"
)

// This file is the reference interpreter of the operations rules: the
// schedule, the bypass link and cookie, and the cookies that maintenance
// responses expire. The generated runtime implements the same rules.

// BypassCookie is the name of the cookie the bypass link sets.
const BypassCookie = "maintenance_bypass"

// MinBypassSecret is the shortest bypass secret, in bytes: a shorter one
// (or none) disables bypass, since the link could be guessed.
const MinBypassSecret = 16

// BypassClockSkew is how far beyond bypass.ttl a cookie's expiry may lie,
// for instances whose clocks differ a little: a cookie whose expiry is
// later than now + ttl + BypassClockSkew is refused as forged or minted
// under a longer ttl.
const BypassClockSkew = time.Minute

// MaxBypassCookies is how many maintenance_bypass cookies a request may
// carry that count, the first in header order: each costs an HMAC, so
// that a request with thousands of them costs no more than one with four.
const MaxBypassCookies = 4

// WindowAt returns the schedule window that holds now: Start <= now < End.
func WindowAt(p *policy.Policy, now time.Time) (policy.Window, bool) {
	for _, w := range p.Schedule {
		if !now.Before(w.Start) && now.Before(w.End) {
			return w, true
		}
	}
	return policy.Window{}, false
}

// Upcoming returns the window in progress at now, or else the next window
// when it starts within p.Announce of now; this is the generated
// Upcoming.
func Upcoming(p *policy.Policy, now time.Time) (start, end time.Time, ok bool) {
	for _, w := range p.Schedule { // sorted by start
		if !now.Before(w.End) {
			continue
		}
		if !now.Before(w.Start) || w.Start.Sub(now) <= p.Announce {
			return w.Start, w.End, true
		}
		break
	}
	return time.Time{}, time.Time{}, false
}

// RetryAfter returns the Retry-After of the response to d at now, in
// seconds; 0 means the header is left out. Inside a schedule window, a
// response given because the mode is on (the steps response.redirect and
// maintenance) counts the seconds to the window's end, rounded up;
// other maintenance responses send response.retry_after. The bypass
// link's redirect sends none.
func RetryAfter(p *policy.Policy, d Decision, now time.Time) int64 {
	switch d.Step {
	case StepBypassLink:
		return 0
	case StepRedirect, StepMaintenance:
		if w, ok := WindowAt(p, now); ok {
			return int64((w.End.Sub(now) + time.Second - 1) / time.Second)
		}
	}
	return p.Response.RetryAfter
}

// ClearCookieHeaders returns the Set-Cookie header values of the response
// to d: for a response given because the mode is on (the steps
// response.redirect and maintenance), one per response.clear_cookies
// name, expiring the cookie on the path /; none otherwise.
func ClearCookieHeaders(p *policy.Policy, d Decision) []string {
	if d.Step != StepRedirect && d.Step != StepMaintenance {
		return nil
	}
	var out []string
	for _, name := range p.Response.ClearCookies {
		out = append(out, policy.ClearCookie(name))
	}
	return out
}

// bypassSecret returns the bypass secret of req, or "" when bypass is
// off: no bypass section, or a secret shorter than MinBypassSecret once
// surrounding whitespace is trimmed.
func bypassSecret(p *policy.Policy, req Request) string {
	s := strings.TrimSpace(req.BypassSecret)
	if p.Bypass == nil || len(s) < MinBypassSecret {
		return ""
	}
	return s
}

// IsBypassLink reports whether req is a GET of the bypass link: the path
// is bypass.path, "/", and the secret, exactly (case-sensitive, nothing
// more and nothing less).
func IsBypassLink(p *policy.Policy, req Request) bool {
	secret := bypassSecret(p, req)
	if secret == "" || req.Method != http.MethodGet {
		return false
	}
	given, ok := strings.CutPrefix(req.Path, p.Bypass.Path+"/")
	return ok && hmac.Equal([]byte(given), []byte(secret))
}

// BypassCookieValue returns the bypass cookie's value for the secret and
// the expiry: the expiry in Unix seconds, ".", and the unpadded base64url
// HMAC-SHA256 of that decimal expiry keyed with the secret. It holds no
// part of the secret.
func BypassCookieValue(secret string, expiry int64) string {
	e := strconv.FormatInt(expiry, 10)
	m := hmac.New(sha256.New, []byte(strings.TrimSpace(secret)))
	m.Write([]byte(e))
	return e + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// BypassSetCookie returns the Set-Cookie header value of the bypass link
// at now: the cookie, expiring after bypass.ttl, HttpOnly, SameSite=Lax,
// on the path /, and Secure unless bypass.insecure_cookie.
func BypassSetCookie(p *policy.Policy, secret string, now time.Time) string {
	ttl := int64(p.Bypass.TTL / time.Second)
	expiry := now.Unix() + ttl
	c := &http.Cookie{
		Name: BypassCookie, Value: BypassCookieValue(secret, expiry), Path: "/",
		Expires: time.Unix(expiry, 0), MaxAge: int(ttl),
		HttpOnly: true, Secure: !p.Bypass.InsecureCookie, SameSite: http.SameSiteLaxMode,
	}
	return c.String()
}

var bypassCookieRE = regexp.MustCompile(`^([1-9][0-9]{0,17})\.([A-Za-z0-9_-]{43})$`)

// HasBypassCookie reports whether req carries a valid bypass cookie: one
// of its first MaxBypassCookies maintenance_bypass cookies (as net/http
// parses the Cookie lines)
// has the form BypassCookieValue gives, a MAC made with the secret, and
// an expiry after req.Now but not beyond req.Now + ttl + BypassClockSkew.
func HasBypassCookie(p *policy.Policy, req Request) bool {
	secret := bypassSecret(p, req)
	if secret == "" {
		return false
	}
	r := &http.Request{Header: http.Header{"Cookie": req.Cookie}}
	now := req.Now.Unix()
	latest := now + int64((p.Bypass.TTL+BypassClockSkew)/time.Second)
	cookies := r.CookiesNamed(BypassCookie)
	for _, c := range cookies[:min(len(cookies), MaxBypassCookies)] {
		m := bypassCookieRE.FindStringSubmatch(c.Value)
		if m == nil {
			continue
		}
		expiry, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || expiry <= now || expiry > latest {
			continue
		}
		if hmac.Equal([]byte(c.Value), []byte(BypassCookieValue(secret, expiry))) {
			return true
		}
	}
	return false
}
