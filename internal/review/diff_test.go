package review

import (
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/policy"
)

func diffLines(t *testing.T, old, new string) []string {
	t.Helper()
	var out []string
	for _, c := range Diff(parse(t, "old.yaml", old), parse(t, "new.yaml", new)) {
		if c.Pos.File != "new.yaml" {
			t.Errorf("change %v: position in %q, want new.yaml", c, c.Pos.File)
		}
		out = append(out, c.String())
	}
	return out
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"same meaning, other text",
			"exempt: {paths: [/a, /b/], ips: [10.0.0.0/8]}\n# a comment\n",
			"exempt:\n  ips: [\"10.0.0.0/8\"]\n  paths: [/a, /b/]\nresponse: {status: 503, format: auto}\n",
			nil},
		{"address counts",
			"exempt: {ips: [10.0.0.0/16]}\n",
			"exempt: {ips: [10.0.0.0/8, 10.0.1.0/24, \"2001:db8::1\"]}\n",
			[]string{
				"exempt.ips: - 10.0.0.0/16 (still covered: no narrower access)",
				"exempt.ips: + 10.0.0.0/8 (widens access by 16,711,680 addresses)",
				"exempt.ips: + 10.0.1.0/24 (already covered: no wider access)",
				"exempt.ips: + 2001:db8::1 (widens access by 1 address)",
			}},
		{"narrowed",
			"exempt: {ips: [10.0.0.0/8]}\n",
			"exempt: {ips: [10.0.0.0/9]}\n",
			[]string{
				"exempt.ips: - 10.0.0.0/8 (narrows access by 8,388,608 addresses)",
				"exempt.ips: + 10.0.0.0/9 (already covered: no wider access)",
			}},
		{"every address",
			"",
			"exempt: {ips: [\"::/0\"]}\n",
			[]string{"RISK: exempt.ips: + ::/0 (widens access by 340,282,366,920,938,463,463,374,607,431,768,211,456 addresses): exempts every address, IPv4 and IPv6"}},
		{"every path",
			"exempt: {paths: [/healthz]}\n",
			"exempt: {paths: [/healthz, /]}\n",
			[]string{"RISK: exempt.paths: + /: exempts every path: with the mode on, only force.paths get the maintenance response"}},
		{"health check loses its exemption",
			"exempt: {paths: [/healthz, /admin/]}\n",
			"exempt: {paths: [/admin/]}\n",
			[]string{"RISK: exempt.paths: - /healthz: health checks of /healthz now get the maintenance response during maintenance, and a load balancer may take every instance out of service"}},
		{"health check forced",
			"exempt: {paths: [/ops/health/]}\n",
			"exempt: {paths: [/ops/health/]}\nforce: {paths: [/ops/]}\n",
			[]string{
				"RISK: exempt.paths: /ops/health/live is no longer exempt (force.paths decides it): health checks of /ops/health/live now get the maintenance response during maintenance, and a load balancer may take every instance out of service",
				"RISK: force.paths: + /ops/: these paths get the maintenance response even when the mode is off",
			}},
		{"health check still exempt another way",
			"exempt: {paths: [/healthz]}\n",
			"exempt: {paths: [\"re:^/(healthz|livez)$\"]}\n",
			[]string{
				"exempt.paths: - /healthz",
				"exempt.paths: + re:^/(healthz|livez)$",
			}},
		{"proxies widened",
			"proxies: [10.1.0.0/24]\nexempt: {paths: [/healthz]}\n",
			"proxies: [10.1.0.0/24, 10.2.0.0/24]\nexempt: {paths: [/healthz]}\n",
			[]string{"RISK: proxies: + 10.2.0.0/24 (widens trust by 256 addresses): proxies widened: X-Forwarded-For from these peers decides the client IP, and so who matches exempt.ips"}},
		{"proxies narrowed",
			"proxies: [10.1.0.0/24, 10.2.0.0/24]\n",
			"proxies: [10.1.0.0/24]\n",
			[]string{"proxies: - 10.2.0.0/24 (stops trusting 256 addresses)"}},
		{"status",
			"response: {status: 503}\n",
			"response: {status: 500}\n",
			[]string{"RISK: response.status: 503 -> 500: the status moves away from 503 Service Unavailable: clients, caches, crawlers and load balancers take other statuses for failures (RFC 9110, section 15.6.4)"}},
		{"status back to 503",
			"response: {status: 500}\n",
			"response: {status: 503}\n",
			[]string{"response.status: 500 -> 503"}},
		{"force path",
			"force: {paths: [/a]}\n",
			"force: {paths: [/b]}\n",
			[]string{
				"force.paths: - /a",
				"RISK: force.paths: + /b: these paths get the maintenance response even when the mode is off",
			}},
		{"roles",
			"exempt: {roles: [staff]}\n",
			"exempt: {roles: [anonymous, authenticated]}\n",
			[]string{
				"exempt.roles: - staff",
				"RISK: exempt.roles: + anonymous: exempts every request without roles: every visitor who is not signed in",
				"exempt.roles: + authenticated (every request with any role)",
			}},
		{"state removed",
			"state: {file: m.state}\n",
			"",
			[]string{"RISK: state: - section (the mode is off unless the app sets Config.State): maintenance mode can no longer be switched on by an env var or file"}},
		{"state changed",
			"state: {file: m.state, poll: 2s, fallback: off}\n",
			"state: {env: MM, file: other.state, poll: 1m, fallback: on}\n",
			[]string{
				"state.env: (none) -> MM",
				"RISK: state.file: m.state -> other.state: the guard reads another file: the mode written to m.state (maintgen on, the toggle) no longer applies until it is written again",
				"state.poll: 2s -> 1m",
				"state.fallback: off -> on",
			}},
		{"state file dropped",
			"state: {env: MM, file: m.state}\n",
			"state: {env: MM}\n",
			[]string{"RISK: state.file: m.state -> (none): no state file switches the mode any more: maintgen on, the toggle and an operator's file stop working"}},
		{"every IPv4 address in two halves",
			"exempt: {ips: [10.0.0.0/8]}\n",
			"exempt: {ips: [10.0.0.0/8, 0.0.0.0/1, 128.0.0.0/1]}\n",
			[]string{
				"exempt.ips: + 0.0.0.0/1 (widens access by 2,130,706,432 addresses)",
				"exempt.ips: + 128.0.0.0/1 (widens access by 2,147,483,648 addresses)",
				"RISK: exempt.ips: all of it now holds 4,294,967,296 addresses, up from 16,777,216 addresses: exempts half the address space or more: judge the list as a whole, not entry by entry",
			}},
		{"proxies in two halves",
			"",
			"proxies: [0.0.0.0/1, 128.0.0.0/2]\n",
			[]string{
				"RISK: proxies: + 0.0.0.0/1 (widens trust by 2,147,483,648 addresses): proxies widened: X-Forwarded-For from these peers decides the client IP, and so who matches exempt.ips",
				"RISK: proxies: + 128.0.0.0/2 (widens trust by 1,073,741,824 addresses): proxies widened: X-Forwarded-For from these peers decides the client IP, and so who matches exempt.ips",
			}},
		{"a regexp that matches most paths",
			"",
			"exempt: {paths: [\"re:/[^~]*\", \"re:^/api/v[0-9]+/status$\"]}\n",
			[]string{
				"RISK: exempt.paths: + re:/[^~]*: exempts most paths: it matches 27 of 28 typical paths (/login, /cart, /api/v1/orders, ...)",
				"exempt.paths: + re:^/api/v[0-9]+/status$",
			}},
		{"toggle for every signed-in user",
			"",
			"toggle: {roles: [authenticated]}\n",
			[]string{
				"toggle.roles: - superuser",
				"RISK: toggle.roles: + authenticated: every signed-in user may switch the site into or out of maintenance",
			}},
		{"fail open",
			"state: {env: MM, fallback: on}\n",
			"state: {env: MM}\n",
			[]string{"RISK: state.fallback: on -> off: an unreadable or garbled state now means off: the site opens to everybody instead of failing closed"}},
		{"response",
			"response: {retry_after: 1h, redirect: /m, refresh: 30}\n",
			"response: {retry_after: 0, format: json, template: page.tmpl}\n",
			[]string{
				"response.retry_after: 3600s (1h) -> 0 (no Retry-After)",
				"response.format: auto -> json",
				"response.redirect: /m -> (none)",
				"response.template: (built-in) -> page.tmpl",
				"response.refresh: 30s -> (none)",
			}},
		{"schedule",
			"schedule: [{start: 2026-03-01T02:00:00Z, end: 2026-03-01T04:00:00Z}]\n",
			"schedule: [{start: \"2026-03-01T03:00:00+01:00\", end: 2026-03-01T04:00:00Z}, {start: 2026-04-01T02:00:00Z, end: 2026-04-01T03:00:00Z}]\nannounce: 24h\n",
			[]string{
				"schedule: + 2026-04-01T02:00:00Z to 2026-04-01T03:00:00Z (window: maintenance mode is on then, whatever the state says)",
				"announce: 0s -> 24h",
			}},
		{"bypass added",
			"",
			"bypass: {secret_env: BYPASS}\n",
			[]string{"RISK: bypass: + section (GET " + policy.DefaultBypassPath + "/<secret> sets a cookie that lets its holder in for 12h): a new way in: whoever holds the secret in BYPASS gets past maintenance"}},
		{"bypass changed",
			"bypass: {secret_env: BYPASS, ttl: 1h}\n",
			"bypass: {secret_env: BYPASS2, path: /let-me-in, ttl: 2h, insecure_cookie: true}\n",
			[]string{
				"bypass.secret_env: BYPASS -> BYPASS2",
				"bypass.path: " + policy.DefaultBypassPath + " -> /let-me-in",
				"bypass.ttl: 1h -> 2h",
				"RISK: bypass.insecure_cookie: false -> true: the bypass cookie loses its Secure attribute: it can leak over plain HTTP",
			}},
		{"bypass removed",
			"bypass: {secret_env: BYPASS}\n",
			"",
			[]string{"bypass: - section (bypass cookies no longer let their holders in)"}},
		{"tests, cookies and toggle",
			"response: {clear_cookies: [a, b]}\n",
			"exempt: {tests: true}\nresponse: {clear_cookies: [b, c]}\ntoggle: {roles: [admin]}\n",
			[]string{
				"exempt.tests: false -> true",
				"response.clear_cookies: - a",
				"response.clear_cookies: + c",
				"toggle.roles: - superuser",
				"toggle.roles: + admin",
			}},
		{"package and output",
			"package: a\n",
			"package: b\noutput: {go: x/x_gen.go, pages: static, nginx: deploy/m.conf}\n",
			[]string{
				"package: a -> b",
				"output.go: m/m_gen.go -> x/x_gen.go",
				"output.pages: public -> static",
				"output.nginx: (none) -> deploy/m.conf",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diffLines(t, tt.old+base, strings.Replace(base, "output: {go: m/m_gen.go, pages: public}\n", "", strings.Count(tt.new, "output:"))+tt.new)
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiffMessages(t *testing.T) {
	old := base + "  fr: {title: T, heading: H, body: B}\n  de: {title: T, heading: H, body: B}\n"
	new := strings.Replace(base, "en: {title: T, heading: H, body: B}", "en: {title: \"T 2\", heading: H, body: B}", 1) +
		"  de: {title: T, heading: H, body: B}\n  pt-BR: {title: T, heading: H, body: B}\n"
	want := []string{
		"messages: - fr (locale)",
		`messages.en.title: "T" -> "T 2"`,
		"messages: + pt-BR (locale)",
	}
	if diff := gocmp.Diff(want, diffLines(t, old, new)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	// Reordering locales changes which one a language-only range finds.
	reordered := base[:strings.Index(base, "  en:")] + "  de: {title: T, heading: H, body: B}\n  en: {title: T, heading: H, body: B}\n"
	want = []string{"messages: en, de -> de, en (order, which decides the locale a language-only Accept-Language range finds)"}
	if diff := gocmp.Diff(want, diffLines(t, base+"  de: {title: T, heading: H, body: B}\n", reordered)); diff != "" {
		t.Errorf("reordered (-want +got):\n%s", diff)
	}
}

func TestFormatDiff(t *testing.T) {
	if got := FormatDiff(nil, false); got != "no semantic changes\n" {
		t.Errorf("text of no changes = %q", got)
	}
	if got := FormatDiff(nil, true); got != "### Maintenance policy: no semantic changes\n" {
		t.Errorf("markdown of no changes = %q", got)
	}
	changes := []Change{
		{Key: "exempt.paths", Op: Added, New: "/a`b", Risk: "r"},
		{Key: "response.status", Op: Changed, Old: "503", New: "500"},
	}
	want := "### Maintenance policy: 2 changes, 1 risk\n\n" +
		"- **RISK** `exempt.paths`: + ``/a`b``  \n  r\n" +
		"- `response.status`: `503` -> `500`\n"
	if got := FormatDiff(changes, true); got != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", got, want)
	}
}
