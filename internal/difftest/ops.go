package difftest

import (
	"strconv"
	"strings"
	"time"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
)

// OpsSecret is the bypass secret of OpsMatrix's cases.
const OpsSecret = "difftest-Bypass_secret.0123"

// OpsMatrix returns requests that exercise p's operations rules: times
// around each schedule window and its announcement, and, with a bypass
// section, the bypass link and cookies (valid, expired, forged, the secret
// unset or too short). Run replays them with Matrix's. The order and
// content are deterministic.
func OpsMatrix(p *policy.Policy) []Case {
	m := &matrix{seen: map[string]bool{}}
	base := Case{Method: "GET", URI: "/nothing-exempt-here", RemoteAddr: "203.0.113.9:41000"}
	paths := []string{"/nothing-exempt-here", "/healthz"}
	for _, pp := range append(p.Force.Paths, p.Exempt.Paths...) {
		if pp.Kind != policy.Regexp {
			paths = append(paths, pp.Path)
		}
	}
	if r := p.Response.Redirect; r != "" {
		paths = append(paths, r)
	}
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

	// The schedule: both sides of every edge, with the state on and off.
	var times []time.Time
	for _, w := range p.Schedule {
		times = append(times,
			w.Start.Add(-time.Second), w.Start.Add(-1), w.Start, w.Start.Add(500*time.Millisecond),
			w.Start.Add(w.End.Sub(w.Start)/2), w.End.Add(-time.Second), w.End.Add(-1), w.End, w.End.Add(time.Second),
			w.Start.Add(-p.Announce), w.Start.Add(-p.Announce-1), w.Start.Add(-p.Announce+1))
	}
	for _, at := range times {
		for _, on := range []bool{false, true} {
			for _, path := range paths {
				c := base
				c.URI, c.On, c.Now = path, on, stamp(at)
				m.add(c, "schedule")
			}
			c := base
			c.Now, c.On, c.Method = stamp(at), on, "HEAD"
			m.add(c, "schedule")
			c.Method, c.Accept = "GET", []string{"application/json"}
			m.add(c, "schedule")
		}
	}

	if p.Bypass == nil {
		return m.cases
	}
	link := p.Bypass.Path + "/"
	now := DefaultNow
	ttl := int64(p.Bypass.TTL / time.Second)
	valid := interp.BypassCookieValue(OpsSecret, now.Unix()+60)
	expiry, mac, _ := strings.Cut(valid, ".")
	tampered := []byte(mac)
	tampered[len(tampered)/2] ^= 1
	cookies := [][]string{
		{"maintenance_bypass=" + valid},
		{"sessionid=1; maintenance_bypass=" + valid},
		{"maintenance_bypass=garbage", "maintenance_bypass=" + valid},
		{`maintenance_bypass="` + valid + `"`},
		{"maintenance_bypass=" + interp.BypassCookieValue(OpsSecret, now.Unix()+ttl+int64(interp.BypassClockSkew/time.Second))},
		{"maintenance_bypass=" + interp.BypassCookieValue(OpsSecret, now.Unix()+ttl+int64(interp.BypassClockSkew/time.Second)+1)},
		{"maintenance_bypass=" + interp.BypassCookieValue(OpsSecret, now.Unix())},
		{"maintenance_bypass=" + interp.BypassCookieValue(OpsSecret, now.Unix()-1)},
		{"maintenance_bypass=" + interp.BypassCookieValue(OpsSecret+"x", now.Unix()+60)},
		{"maintenance_bypass=" + interp.BypassCookieValue(strings.ToUpper(OpsSecret), now.Unix()+60)},
		{"maintenance_bypass=" + expiry + "." + string(tampered)},
		{"maintenance_bypass=" + strconv.FormatInt(now.Unix()+61, 10) + "." + mac},
		{"maintenance_bypass=" + valid[:len(valid)-1]},
		{"maintenance_bypass=" + valid + "A"},
		{"maintenance_bypass=0" + valid},
		{"maintenance_bypass=" + OpsSecret},
		{"Maintenance_Bypass=" + valid},
		{"maintenance_bypass="},
		// Only the first interp.MaxBypassCookies count.
		{strings.Repeat("maintenance_bypass=garbage; ", interp.MaxBypassCookies-1) + "maintenance_bypass=" + valid},
		{strings.Repeat("maintenance_bypass=garbage; ", interp.MaxBypassCookies) + "maintenance_bypass=" + valid},
	}
	for _, secret := range []string{OpsSecret, " " + OpsSecret + "\n", "", OpsSecret[:15]} {
		for _, on := range []bool{true, false} {
			// The link, and near misses.
			for _, uri := range []string{
				link + OpsSecret, link + OpsSecret + "x", link + OpsSecret[:len(OpsSecret)-1], link + strings.ToUpper(OpsSecret),
				link + OpsSecret + "/", link + "x/" + OpsSecret, strings.TrimSuffix(link, "/") + OpsSecret, link, link + OpsSecret[:15],
				link + OpsSecret + "?x=1", link + escapeAll(OpsSecret),
			} {
				for _, method := range []string{"GET", "HEAD", "POST"} {
					c := base
					c.Method, c.URI, c.On, c.BypassSecret = method, uri, on, secret
					if method != "GET" && uri != link+OpsSecret {
						continue
					}
					m.add(c, "bypass")
				}
			}
			// The cookie.
			for _, ck := range cookies {
				for _, path := range paths {
					c := base
					c.URI, c.On, c.BypassSecret, c.Cookie = path, on, secret, ck
					m.add(c, "bypass")
				}
				c := base
				c.On, c.BypassSecret, c.Cookie, c.Roles = on, secret, ck, []string{"staff"}
				m.add(c, "bypass")
			}
		}
	}
	// The cookie expires with the clock.
	for _, at := range []time.Time{now.Add(59 * time.Second), now.Add(60 * time.Second), now.Add(-time.Duration(ttl) * time.Second)} {
		c := base
		c.On, c.BypassSecret, c.Cookie, c.Now = true, OpsSecret, cookies[0], stamp(at)
		m.add(c, "bypass")
	}
	return m.cases
}

// escapeAll escapes every byte of s, as a client may.
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(s[i]), 16)))
	}
	return b.String()
}
