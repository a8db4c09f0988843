package policy_test

import (
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/policy"
)

// TestParseOps checks the errors of the operations keys: schedule,
// announce, bypass, toggle, response.clear_cookies and exempt.tests.
func TestParseOps(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"valid", minimal + `schedule:
  - {start: 2030-03-01T02:00:00Z, end: 2030-03-01T04:00:00Z}
  - {start: "2030-03-01T05:00:00+01:00", end: 2030-03-01T05:00:00Z}
announce: 24h
bypass: {secret_env: BYPASS, path: /x/bypass, ttl: 400h, insecure_cookie: true}
toggle: {roles: [superuser, ops, authenticated]}
exempt: {tests: true}
response: {clear_cookies: [sessionid, __Host-csrf, "a!#$%&'*+-.^_|~"]}
`, ""},
		{"empty sections", minimal + "schedule:\ntoggle:\nresponse: {clear_cookies: []}\n", ""},
		{"bypass with only secret_env", minimal + "bypass: {secret_env: B}\n", ""},
		{"schedule: start after end", minimal + "schedule:\n  - {start: 2030-03-01T04:00:00Z, end: 2030-03-01T02:00:00Z}\n",
			"policy.yaml:6:40: schedule[0].end: 2030-03-01T02:00:00Z is not after start 2030-03-01T04:00:00Z: a window is [start, end), so want start < end"},
		{"schedule: empty window", minimal + "schedule:\n  - {start: 2030-03-01T04:00:00Z, end: \"2030-03-01T05:00:00+01:00\"}\n",
			"policy.yaml:6:40: schedule[0].end: 2030-03-01T05:00:00+01:00 is not after start 2030-03-01T04:00:00Z: a window is [start, end), so want start < end"},
		{"schedule: overlap", minimal + `schedule:
  - {start: 2030-03-01T02:00:00Z, end: 2030-03-01T04:00:00Z}
  - {start: 2030-03-02T02:00:00Z, end: 2030-03-02T04:00:00Z}
  - {start: 2030-03-01T03:59:59Z, end: 2030-03-01T05:00:00Z}
`, "policy.yaml:8:5: schedule[2]: overlaps schedule[0] (2030-03-01T02:00:00Z to 2030-03-01T04:00:00Z): windows must not overlap; merge them into one"},
		{"schedule: overlap, the earlier written later", minimal + `schedule:
  - {start: 2030-03-01T03:00:00Z, end: 2030-03-01T05:00:00Z}
  - {start: 2030-03-01T01:00:00Z, end: 2030-03-01T09:00:00Z}
`, "policy.yaml:7:5: schedule[1]: overlaps schedule[0] (2030-03-01T03:00:00Z to 2030-03-01T05:00:00Z): windows must not overlap; merge them into one"},
		{"schedule: one window holds two", minimal + `schedule:
  - {start: 2030-03-01T00:00:00Z, end: 2030-03-02T00:00:00Z}
  - {start: 2030-03-01T03:00:00Z, end: 2030-03-01T04:00:00Z}
  - {start: 2030-03-01T05:00:00Z, end: 2030-03-01T06:00:00Z}
`, `policy.yaml:7:5: schedule[1]: overlaps schedule[0] (2030-03-01T00:00:00Z to 2030-03-02T00:00:00Z): windows must not overlap; merge them into one
policy.yaml:8:5: schedule[2]: overlaps schedule[0] (2030-03-01T00:00:00Z to 2030-03-02T00:00:00Z): windows must not overlap; merge them into one`},
		{"schedule: bad times", minimal + `schedule:
  - {start: 2030-03-01, end: 2030-03-01T05:00:00.5Z}
  - {start: "tomorrow", end: 5}
  - {start: 2030-03-01T10:00:00Z}
  - {end: 2030-03-01T10:00:00Z, stop: x}
  - 2030-03-01T10:00:00Z
`, `policy.yaml:6:13: schedule[0].start: "2030-03-01" is not an RFC 3339 date and time: want a time with a UTC offset, such as 2026-03-01T02:00:00Z or 2026-03-01T03:00:00+01:00
policy.yaml:6:30: schedule[0].end: 2030-03-01T05:00:00.5Z has a fraction of a second: want whole seconds, which Retry-After counts
policy.yaml:7:13: schedule[1].start: "tomorrow" is not an RFC 3339 date and time: want a time with a UTC offset, such as 2026-03-01T02:00:00Z or 2026-03-01T03:00:00+01:00
policy.yaml:7:30: schedule[1].end: want an RFC 3339 date and time such as 2026-03-01T02:00:00Z, got integer 5
policy.yaml:8:5: schedule[2].end is required: a window has a start and an end, such as {start: 2026-03-01T02:00:00Z, end: 2026-03-01T04:00:00Z}
policy.yaml:9:5: schedule[3].start is required: a window has a start and an end, such as {start: 2026-03-01T02:00:00Z, end: 2026-03-01T04:00:00Z}
policy.yaml:9:33: schedule[3]: unknown key "stop" (want start or end)
policy.yaml:10:5: schedule[4]: want a mapping, got timestamp 2030-03-01T10:00:00Z`},
		{"schedule: not a list", minimal + "schedule: {start: 2030-03-01T02:00:00Z}\n",
			"policy.yaml:5:11: schedule: want a sequence of windows such as {start: 2026-03-01T02:00:00Z, end: 2026-03-01T04:00:00Z}, got a mapping"},
		{"announce negative", minimal + "announce: -1h\n", "policy.yaml:5:11: announce: -1h is negative: want 0 or more, such as 24h"},
		{"bypass: the secret in the policy", minimal + "bypass: {secret_env: B, secret: hunter2hunter2hunter2}\n",
			"policy.yaml:5:25: bypass.secret: a secret must never be written in the policy, which is committed and reviewed: put it in an environment variable and name that variable in bypass.secret_env"},
		{"bypass: no secret_env", minimal + "bypass: {path: /b}\n",
			"policy.yaml:5:1: bypass.secret_env is required: name the environment variable that holds the secret, such as MAINTENANCE_BYPASS_SECRET"},
		{"bypass: empty section", minimal + "bypass:\n",
			"policy.yaml:5:1: bypass.secret_env is required: name the environment variable that holds the secret, such as MAINTENANCE_BYPASS_SECRET"},
		{"bypass: bad values", minimal + "bypass: {secret_env: 1X, path: b, ttl: 0s, insecure_cookie: yes}\n",
			`policy.yaml:5:22: bypass.secret_env: "1X" is not an environment variable name: want letters, digits and _, starting with a letter or _
policy.yaml:5:32: bypass.path: "b" is not a same-site absolute path (it must start with /): want a path such as /__maintenance/bypass
policy.yaml:5:40: bypass.ttl: 0s is not positive: want how long the bypass cookie lasts, such as 12h
policy.yaml:5:61: bypass.insecure_cookie: want true or false, got string "yes"`},
		{"bypass: paths", minimal + `bypass: {secret_env: B, path: "//evil"}
---
`, "policy.yaml:6:1: policy has more than one YAML document; want exactly one"},
		{"bypass: path with a trailing slash", minimal + "bypass: {secret_env: B, path: /b/}\n",
			`policy.yaml:5:31: bypass.path: "/b/" is not a same-site absolute path (the secret follows after one /, so leave the trailing slash out): want a path such as /__maintenance/bypass`},
		{"bypass: root path", minimal + "bypass: {secret_env: B, path: /}\n",
			`policy.yaml:5:31: bypass.path: "/" is not a same-site absolute path (the secret would be the whole path): want a path such as /__maintenance/bypass`},
		{"bypass: network path", minimal + "bypass: {secret_env: B, path: //evil.example/x}\n",
			`policy.yaml:5:31: bypass.path: "//evil.example/x" is not a same-site absolute path (// starts a network-path reference to another host): want a path such as /__maintenance/bypass`},
		{"bypass: unclean path", minimal + "bypass: {secret_env: B, path: /a/../b}\n",
			`policy.yaml:5:31: bypass.path: "/a/../b" is not a same-site absolute path (it is not clean; did you mean "/b"?): want a path such as /__maintenance/bypass`},
		{"bypass: ttl", minimal + "bypass: {secret_env: B, ttl: 1.5s}\nresponse: {status: 503}\n",
			"policy.yaml:5:30: bypass.ttl: 1.5s is not a whole number of seconds, which the cookie's Max-Age counts: want a value such as 12h"},
		{"bypass: ttl too long", minimal + "bypass: {secret_env: B, ttl: 9601h}\n",
			"policy.yaml:5:30: bypass.ttl: 9601h is longer than 400 days, the longest cookie lifetime browsers keep"},
		{"toggle: anonymous", minimal + "toggle: {roles: [ops, anonymous]}\n",
			"policy.yaml:5:23: toggle.roles[1]: anonymous users must never switch maintenance mode: name the roles of your administrators"},
		{"toggle: no roles", minimal + "toggle: {roles: []}\n",
			"policy.yaml:5:17: toggle.roles: want at least one role (leave the key out for the default, [superuser])"},
		{"toggle: bad role", minimal + "toggle: {roles: [\" ops\"]}\n",
			`policy.yaml:5:18: toggle.roles[0]: " ops": want a role name without surrounding spaces`},
		{"clear_cookies", minimal + "response: {clear_cookies: [\"a b\", sessionid, \"x;y\", sessionid, \"\"]}\n",
			`policy.yaml:5:28: response.clear_cookies[0]: "a b" is not a cookie name: want a token such as sessionid (letters, digits and !#$%&'*+-.^_` + "`" + `|~)
policy.yaml:5:46: response.clear_cookies[2]: "x;y" is not a cookie name: want a token such as sessionid (letters, digits and !#$%&'*+-.^_` + "`" + `|~)
policy.yaml:5:53: response.clear_cookies[3]: "sessionid" repeats response.clear_cookies[1]
policy.yaml:5:64: response.clear_cookies[4]: "" is not a cookie name: want a token such as sessionid (letters, digits and !#$%&'*+-.^_` + "`" + `|~)`},
		{"exempt.tests", minimal + "exempt: {tests: yes}\n", `policy.yaml:5:17: exempt.tests: want true or false, got string "yes"`},
	})
}

func TestParseOpsValues(t *testing.T) {
	p := checkParse(t, minimal+`schedule:
  - {start: 2030-03-08T03:00:00+01:00, end: 2030-03-08T04:00:00+01:00}
  - {start: 2030-03-01T02:00:00Z, end: 2030-03-01T04:00:00Z}
announce: 36h
bypass: {secret_env: BYPASS}
exempt: {tests: true}
`, "")
	want := []policy.Window{
		{Index: 1, Start: time.Date(2030, 3, 1, 2, 0, 0, 0, time.UTC), End: time.Date(2030, 3, 1, 4, 0, 0, 0, time.UTC), Pos: at(7, 5)},
		{Index: 0, Start: time.Date(2030, 3, 8, 2, 0, 0, 0, time.UTC), End: time.Date(2030, 3, 8, 3, 0, 0, 0, time.UTC), Pos: at(6, 5)},
	}
	if diff := gocmp.Diff(want, p.Schedule); diff != "" {
		t.Errorf("Schedule, sorted by start (-want +got):\n%s", diff)
	}
	if p.Announce != 36*time.Hour || !p.Exempt.Tests {
		t.Errorf("Announce %s, Exempt.Tests %t", p.Announce, p.Exempt.Tests)
	}
	if diff := gocmp.Diff(&policy.Bypass{SecretEnv: "BYPASS", Path: "/__maintenance/bypass", TTL: 12 * time.Hour}, p.Bypass); diff != "" {
		t.Errorf("Bypass defaults (-want +got):\n%s", diff)
	}
	if got := p.Toggle.RoleNames(); !gocmp.Equal(got, []string{"superuser"}) {
		t.Errorf("default toggle roles %q", got)
	}
}
