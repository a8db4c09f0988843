package interp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
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

// End returns the expected end of the maintenance at req.Now: the end of
// the schedule window in progress (unless req.Suspended), the setting's
// end (req.Until, with req.On), or the later of both; zero when unknown,
// as it is while the setting is on with no end.
func End(p *policy.Policy, req Request) time.Time {
	var end time.Time
	if w, ok := WindowAt(p, req.Now); ok && !req.Suspended {
		end = w.End
	}
	if req.On {
		end = later(end, req.Until)
	}
	return end
}

// RetryAfter returns the Retry-After value of the response to d for req;
// "" means the header is left out. A response given because the mode is
// on (the steps response.redirect and maintenance) counts down to the
// expected end (End), when known: the seconds from req.Now to it, both in
// whole seconds (Unix time, rounded down). Other maintenance responses,
// and those with no known end, send response.retry_after. With
// response.retry_after_form http-date the value is the HTTP-date of that
// moment (RFC 9110, section 10.2.3). The bypass link's redirect sends
// none.
func RetryAfter(p *policy.Policy, d Decision, req Request) string {
	var end int64
	switch d.Step {
	case StepBypassLink:
		return ""
	case StepRedirect, StepMaintenance:
		if e := End(p, req); !e.IsZero() {
			end = e.Unix()
		}
	}
	now := req.Now.Unix()
	switch {
	case end == 0 && p.Response.RetryAfter == 0:
		return ""
	case end == 0 && p.Response.RetryDate:
		return time.Unix(now+p.Response.RetryAfter, 0).UTC().Format(http.TimeFormat)
	case end == 0:
		return strconv.FormatInt(p.Response.RetryAfter, 10)
	case p.Response.RetryDate:
		return time.Unix(end, 0).UTC().Format(http.TimeFormat)
	}
	return strconv.FormatInt(max(end-now, 0), 10)
}

// Live returns what the guard adds to the page of d for req, which is a
// response given because the mode is on: the setting's reason (req.Reason)
// and the expected end (End), as RFC 9457 extension members "reason" and
// "until" for JSON, or as paragraphs of class "live" for the HTML page's
// slot (render.PageData.Slot), the end in the locale's until_label. ""
// when there is neither, or d is another response.
func Live(p *policy.Policy, d Decision, req Request) string {
	if d.Step != StepRedirect && d.Step != StepMaintenance || d.Format == policy.FormatRedirect {
		return ""
	}
	end := End(p, req)
	var b strings.Builder
	if d.Format == policy.FormatJSON {
		if req.Reason != "" {
			r, _ := json.Marshal(req.Reason)
			b.WriteString(`,"reason":` + string(r))
		}
		if !end.IsZero() {
			b.WriteString(`,"until":"` + end.UTC().Format(time.RFC3339) + `"`)
		}
		return b.String()
	}
	if req.Reason != "" {
		b.WriteString(`<p class="live">` + html.EscapeString(req.Reason) + `</p>`)
	}
	if !end.IsZero() {
		label := ""
		for _, l := range p.Locales {
			if l.Tag == d.Locale {
				label = l.UntilLabel
			}
		}
		t := end.UTC()
		fmt.Fprintf(&b, `<p class="live">%s <time datetime="%s">%s</time></p>`, html.EscapeString(label), t.Format(time.RFC3339), t.Format("2006-01-02 15:04 MST"))
	}
	return b.String()
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
