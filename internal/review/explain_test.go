package review

import (
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	p := parse(t, "p.yaml", `version: 1
output: {go: m/m_gen.go, pages: public}
state: {env: MM}
exempt: {tests: true, ips: [10.0.0.0/8, 10.0.0.0/9, 192.0.2.1]}
response: {retry_after: 0, format: html, refresh: 90, clear_cookies: [sessionid]}
schedule: [{start: 2026-03-01T02:00:00Z, end: 2026-03-01T04:00:00Z}]
announce: 24h
bypass: {secret_env: BYPASS, path: /let-me-in, ttl: 2h}
toggle: {roles: [admin, ops]}
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
`)
	text := Explain(p, false)
	for _, want := range []string{
		"Maintenance policy p.yaml\n\nWho still gets in while maintenance mode is on:\n",
		"  - clients from these addresses: 10.0.0.0/8 (16,777,216 addresses), 10.0.0.0/9 (8,388,608 addresses), 192.0.2.1 (1 address); 16,777,217 addresses in all\n",
		"  - holders of a valid bypass cookie, which GET /let-me-in/<secret> sets for 2h; the secret is the value of the environment variable BYPASS\n",
		"  - every request while the program runs under go test (exempt.tests)\n",
		"  - the client IP is the connection's peer address; X-Forwarded-For is never read, as no proxies are set\n",
		"  - status 503, without Retry-After\n",
		"  - an HTML page: the built-in page\n",
		"  - the HTML page reloads itself every 1m30s\n",
		"  - these cookies expired (Max-Age=0): sessionid\n",
		"  - the schedule: the mode is on during these windows, whatever the switches below say: 2026-03-01T02:00:00Z to 2026-03-01T04:00:00Z; a window is announced 24h ahead\n",
		"  - the environment variable MM, read when the guard starts: when set and non-empty it decides\n",
		"  - otherwise the mode is off\n",
		"  - the words are on, off, 1, 0, true and false, in any case; any other value means off (state.fallback)\n",
		"  - the generated ToggleHandler, where the app mounts it, lets users with the roles admin and ops switch the mode\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Always blocked") {
		t.Errorf("explanation has a force section, but the policy forces nothing:\n%s", text)
	}
	md := Explain(p, true)
	for _, want := range []string{
		"## Maintenance policy `p.yaml`\n\n### Who still gets in while maintenance mode is on\n\n",
		"- holders of a valid bypass cookie, which `GET /let-me-in/<secret>` sets for 2h; the secret is the value of the environment variable `BYPASS`\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown explanation lacks %q:\n%s", want, md)
		}
	}
}

// TestExplainFronts: explain says what the Caddy snippet enforces and
// what it cannot.
func TestExplainFronts(t *testing.T) {
	p := parse(t, "p.yaml", `version: 1
output: {go: m/m_gen.go, pages: public, caddy: caddy/m.caddy}
state: {file: m.state}
exempt: {roles: [staff]}
bypass: {secret_env: BYPASS}
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
`)
	text := Explain(p, false)
	for _, want := range []string{
		"  - the Caddyfile snippet caddy/m.caddy\n",
		"At the proxy in front of the app:\n  - Caddy applies force.paths, the mode,",
		"  - Caddy: the mode is on while m.state exists, whatever it holds",
		"  - Caddy cannot check exempt.roles, bypass links and cookies: those requests get the maintenance response there (fail closed)\n",
		"  - Caddy fails closed where it cannot read a request as the middleware does",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
}
