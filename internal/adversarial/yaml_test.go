package adversarial

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/policy"
)

// minimal is the smallest valid policy; cases append to it from line 5.
const minimal = `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`

// TestYAMLAttacks feeds hostile policies to the decoder. Each is refused
// with every error at once, each error at its line and column, and
// nothing else happens: no alias is expanded, no deep structure is
// walked, no type is coerced, and no value that would reach a header
// (Retry-After, Location, Set-Cookie, Content-Language) may hold CR or LF,
// nor may the redirect point to another site. A policy whose messages are
// hostile is accepted: the pages show them as text (TestHostileMessages).
func TestYAMLAttacks(t *testing.T) {
	var bomb strings.Builder // ten levels of ten: 10^10 strings if expanded
	bomb.WriteString(minimal + "state:\n  env: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		ref := fmt.Sprintf("*l%d", i-1)
		fmt.Fprintf(&bomb, "  l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(ref+", ", 10), ", "))
	}
	var deepBlock strings.Builder
	deepBlock.WriteString(minimal + "state:\n")
	for i := range 5000 {
		deepBlock.WriteString(strings.Repeat(" ", i+2) + "file:\n")
	}
	pad := func(n int) string { return minimal + "#" + strings.Repeat("x", n-len(minimal)-2) + "\n" }

	for _, c := range []struct {
		name, src, want string // want: every error, one a line; "" for a valid policy
	}{
		{"alias bomb: the first anchor is refused, nothing is expanded", bomb.String(),
			"policy.yaml:6:8: state.env: YAML anchors are not supported in a policy\n" +
				"policy.yaml:7:3: state: unknown key \"l1\" (want env, file, poll or fallback)\n" +
				"policy.yaml:8:3: state: unknown key \"l2\" (want env, file, poll or fallback)\n" +
				"policy.yaml:9:3: state: unknown key \"l3\" (want env, file, poll or fallback)\n" +
				"policy.yaml:10:3: state: unknown key \"l4\" (want env, file, poll or fallback)\n" +
				"policy.yaml:11:3: state: unknown key \"l5\" (want env, file, poll or fallback)\n" +
				"policy.yaml:12:3: state: unknown key \"l6\" (want env, file, poll or fallback)\n" +
				"policy.yaml:13:3: state: unknown key \"l7\" (want env, file, poll or fallback)\n" +
				"policy.yaml:14:3: state: unknown key \"l8\" (want env, file, poll or fallback)\n" +
				"policy.yaml:15:3: state: unknown key \"l9\" (want env, file, poll or fallback)"},
		{"alias of a whole section", minimal + "force: &f {paths: [/a]}\nexempt: *f\n",
			"policy.yaml:5:8: force: YAML anchors are not supported in a policy\n" +
				"policy.yaml:6:9: exempt: YAML aliases are not supported in a policy; write the value out"},
		{"nesting deeper than the YAML parser's limit", minimal + "exempt: {paths: " + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + "}\n",
			"policy.yaml:5:1: invalid YAML: exceeded max depth of 10000"},
		{"nesting just within the limit: one type error", minimal + "exempt: {paths: " + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + "}\n",
			"policy.yaml:5:18: exempt.paths[0]: want a string, got a sequence"},
		{"deep block nesting: one type error", deepBlock.String(),
			"policy.yaml:7:4: state.file: want a string, got a mapping"},
		{"a file over the size limit", pad(policy.MaxSize + 1),
			"policy.yaml:1:1: policy is larger than the limit of 16 MiB (16777216 bytes)"},
		{"duplicate and unknown keys at every level", `version: 1
output: {go: m/m_gen.go, pages: public, go: x.go, zz: 1}
state: {file: s, file: t, zz: 1}
exempt: {paths: [/a], paths: [/b], tests: true, tests: false, zz: 1}
force: {paths: [/c], paths: [/d], zz: 1}
response: {status: 503, status: 504, zz: 1}
schedule:
  - {start: 2030-01-01T00:00:00Z, end: 2030-01-01T01:00:00Z, end: 2030-01-01T02:00:00Z, zz: 1}
announce: 1h
announce: 2h
bypass: {secret_env: X_SECRET, secret_env: Y, zz: 1}
toggle: {roles: [a], roles: [b], zz: 1}
default_locale: en
messages:
  en: {title: T, heading: H, body: B, body: C, zz: 1}
  en: {title: T, heading: H, body: B}
`, `policy.yaml:2:41: output: duplicate key "go" (first at line 2)
policy.yaml:2:51: output: unknown key "zz" (want go, pages, nginx, haproxy, caddy or worker)
policy.yaml:3:18: state: duplicate key "file" (first at line 3)
policy.yaml:3:27: state: unknown key "zz" (want env, file, poll or fallback)
policy.yaml:4:23: exempt: duplicate key "paths" (first at line 4)
policy.yaml:4:49: exempt: duplicate key "tests" (first at line 4)
policy.yaml:4:63: exempt: unknown key "zz" (want paths, ips, roles or tests)
policy.yaml:5:22: force: duplicate key "paths" (first at line 5)
policy.yaml:5:35: force: unknown key "zz" (want paths)
policy.yaml:6:25: response: duplicate key "status" (first at line 6)
policy.yaml:6:38: response: unknown key "zz" (want status, retry_after, retry_after_form, format, json_paths, redirect, template, refresh or clear_cookies)
policy.yaml:8:62: schedule[0]: duplicate key "end" (first at line 8)
policy.yaml:8:89: schedule[0]: unknown key "zz" (want start or end)
policy.yaml:10:1: policy: duplicate key "announce" (first at line 9)
policy.yaml:11:32: bypass: duplicate key "secret_env" (first at line 11)
policy.yaml:11:47: bypass: unknown key "zz" (want secret_env, path, ttl or insecure_cookie)
policy.yaml:12:22: toggle: duplicate key "roles" (first at line 12)
policy.yaml:12:34: toggle: unknown key "zz" (want roles)
policy.yaml:15:39: messages.en: duplicate key "body" (first at line 15)
policy.yaml:15:48: messages.en: unknown key "zz" (want title, heading, body, until_label or link)
policy.yaml:16:3: messages: duplicate key "en" (first at line 15)`},
		{"a bypass secret in the policy", minimal + "bypass: {secret_env: S, secret: hunter2hunter2hunter2}\n",
			"policy.yaml:5:25: bypass.secret: a secret must never be written in the policy, which is committed and reviewed: put it in an environment variable and name that variable in bypass.secret_env"},
		{"coercion: status 503.5", minimal + "response: {status: 503.5}\n",
			"policy.yaml:5:20: response.status: want a decimal integer, got number 503.5"},
		{"coercion: status 0x1F7 (503 in hexadecimal)", minimal + "response: {status: 0x1F7}\n",
			"policy.yaml:5:20: response.status: want a decimal integer, got integer 0x1F7"},
		{"coercion: status 0o767 (503 in octal)", minimal + "response: {status: 0o767}\n",
			"policy.yaml:5:20: response.status: want a decimal integer, got integer 0o767"},
		{"coercion: status -503", minimal + "response: {status: -503}\n",
			"policy.yaml:5:20: response.status: -503 is not an error status: want 400-599"},
		{"coercion: status null", minimal + "response: {status: null}\n",
			"policy.yaml:5:20: response.status: want a decimal integer, got null"},
		{"coercion: status ~", minimal + "response: {status: ~}\n",
			"policy.yaml:5:20: response.status: want a decimal integer, got null"},
		{"coercion: status yes", minimal + "response: {status: yes}\n",
			"policy.yaml:5:20: response.status: want a decimal integer, got string \"yes\""},
		{"coercion: status \"503\"", minimal + "response: {status: \"503\"}\n",
			"policy.yaml:5:20: response.status: want a decimal integer, got string \"503\""},
		{"coercion: an explicit !!int tag", minimal + "response: {status: !!int \"503\"}\n",
			"policy.yaml:5:20: response.status: explicit YAML tags such as !!int are not supported in a policy"},
		{"coercion: version 1.0", strings.Replace(minimal, "version: 1", "version: 1.0", 1),
			"policy.yaml:1:10: version: want a decimal integer, got number 1.0"},
		{"coercion: version yes", strings.Replace(minimal, "version: 1", "version: yes", 1),
			"policy.yaml:1:10: version: want a decimal integer, got string \"yes\""},
		{"coercion: exempt.tests yes (YAML 1.1's boolean)", minimal + "exempt: {tests: yes}\n",
			"policy.yaml:5:17: exempt.tests: want true or false, got string \"yes\""},
		{"coercion: exempt.tests on", minimal + "exempt: {tests: on}\n",
			"policy.yaml:5:17: exempt.tests: want true or false, got string \"on\""},
		{"coercion: state.fallback yes", minimal + "state: {file: s, fallback: yes}\n",
			"policy.yaml:5:28: state.fallback: want on or off, got string \"yes\""},
		{"coercion: state.poll 0x10", minimal + "state: {file: s, poll: 0x10}\n",
			"policy.yaml:5:24: state.poll: want a duration such as 30s or whole seconds, got integer 0x10"},
		{"CIDRs: unmasked ones, zones, leading zeros and other forms are refused; masked ones pass",
			minimal + `exempt:
  ips: ["10.0.0.1/8", "10.0.0.0/8", "2001:db8::1/32", "2001:db8::/32", "fe80::%eth0/64", "fe80::1%eth0", "010.0.0.0/8", "10.0.0.0/33", "::ffff:10.0.0.1/104", "::ffff:10.0.0.0/104", "0x0a000000/8", "10.0.0.0/8/8", " 10.0.0.0/8", "10.0.0.0/08"]
proxies: ["192.168.1.1/24", "192.168.1.0/24"]
`, `policy.yaml:6:9: exempt.ips[0]: invalid CIDR "10.0.0.1/8": the address has bits set beyond the prefix length; did you mean 10.0.0.0/8?
policy.yaml:6:37: exempt.ips[2]: invalid CIDR "2001:db8::1/32": the address has bits set beyond the prefix length; did you mean 2001:db8::/32?
policy.yaml:6:72: exempt.ips[4]: invalid CIDR "fe80::%eth0/64": IPv6 zones are not allowed
policy.yaml:6:90: exempt.ips[5]: invalid IP address "fe80::1%eth0": IPv6 zones are not allowed
policy.yaml:6:106: exempt.ips[6]: invalid CIDR "010.0.0.0/8": leading zeros are not allowed, as some tools read them as octal
policy.yaml:6:121: exempt.ips[7]: invalid CIDR "10.0.0.0/33": want an address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32
policy.yaml:6:136: exempt.ips[8]: invalid CIDR "::ffff:10.0.0.1/104": the address has bits set beyond the prefix length; did you mean ::ffff:10.0.0.0/104?
policy.yaml:6:182: exempt.ips[10]: invalid CIDR "0x0a000000/8": want an address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32
policy.yaml:6:198: exempt.ips[11]: invalid CIDR "10.0.0.0/8/8": want an address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32
policy.yaml:6:214: exempt.ips[12]: invalid CIDR " 10.0.0.0/8": want an address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32
policy.yaml:6:229: exempt.ips[13]: invalid CIDR "10.0.0.0/08": want an address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32
policy.yaml:7:11: proxies[0]: invalid CIDR "192.168.1.1/24": the address has bits set beyond the prefix length; did you mean 192.168.1.0/24?`},
		{"CR LF in Retry-After", minimal + "response: {retry_after: \"60\\r\\nX-Injected: 1\"}\n",
			`policy.yaml:5:25: response.retry_after: invalid duration "60\r\nX-Injected: 1": want a Go duration such as 30s, 2m or 1h30m, or whole seconds`},
		{"CR LF in a cookie to clear", minimal + "response: {clear_cookies: [\"sessionid\\r\\nSet-Cookie: admin=1\"]}\n",
			`policy.yaml:5:28: response.clear_cookies[0]: "sessionid\r\nSet-Cookie: admin=1" is not a cookie name: want a token such as sessionid (letters, digits and !#$%&'*+-.^_` + "`" + `|~)`},
		{"CR LF in a locale tag (Content-Language)", `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: T, heading: H, body: B}, "fr\r\nX-Injected: 1": {title: T, heading: H, body: B}}
`, `policy.yaml:4:49: messages: invalid locale tag "fr\r\nX-Injected: 1": want a BCP 47 tag such as en or pt-BR`},
		{"CR LF in the bypass path", minimal + "bypass: {secret_env: S, path: \"/by\\r\\npass\"}\n",
			`policy.yaml:5:31: bypass.path: "/by\r\npass" is not a same-site absolute path (it contains a control character): want a path such as /__maintenance/bypass`},
		{"an escape in the bypass path, which would never match", minimal + "bypass: {secret_env: S, path: \"/by%70ass\"}\n",
			`policy.yaml:5:31: bypass.path: "/by%70ass" is not a same-site absolute path (a request for the link arrives with its %-escapes decoded, so it would never match; write the characters themselves): want a path such as /__maintenance/bypass`},
		{"redirect: CR LF and a header", minimal + "response: {redirect: \"/\\r\\nSet-Cookie: x=1\"}\n",
			redirectError(`"/\r\nSet-Cookie: x=1"`, "it contains a control character")},
		{"redirect: LF and a second Location", minimal + "response: {redirect: \"/maintenance\\nLocation: //evil.example\"}\n",
			redirectError(`"/maintenance\nLocation: //evil.example"`, "it contains a control character")},
		{"redirect: escaped CR LF, which would loop", minimal + "response: {redirect: \"/%0d%0aSet-Cookie:x=1\"}\n",
			redirectError(`"/%0d%0aSet-Cookie:x=1"`, "a request for it arrives with its %-escapes decoded, so the guard would not know it and would redirect it again, in a loop; write the characters themselves")},
		{"open redirect: a network-path reference", minimal + "response: {redirect: //evil.example/x}\n",
			redirectError(`"//evil.example/x"`, "// starts a network-path reference to another host")},
		{"open redirect: a backslash that browsers read as /", minimal + "response: {redirect: \"/\\\\evil.example\"}\n",
			redirectError(`"/\\evil.example"`, `browsers treat \ as /`)},
		{"open redirect: a tab that browsers drop", minimal + "response: {redirect: \"/\\t/evil.example\"}\n",
			redirectError(`"/\t/evil.example"`, "it contains a control character")},
		{"open redirect: an absolute URL", minimal + "response: {redirect: \"https://evil.example/\"}\n",
			redirectError(`"https://evil.example/"`, "it must start with /")},
		{"open redirect: a javascript: URL", minimal + "response: {redirect: \"javascript:alert(1)\"}\n",
			redirectError(`"javascript:alert(1)"`, "it must start with /")},
		{"open redirect: a host without a scheme", minimal + "response: {redirect: evil.example}\n",
			redirectError(`"evil.example"`, "it must start with /")},
		{"open redirect: dot segments that make a network path", minimal + "response: {redirect: \"/..//evil.example\"}\n",
			redirectError(`"/..//evil.example"`, `it is not clean; did you mean "/evil.example"?`)},
		{"open redirect: a next parameter", minimal + "response: {redirect: \"/maintenance?next=//evil.example\"}\n",
			redirectError(`"/maintenance?next=//evil.example"`, "it has a query or fragment")},
		{"hostile messages are accepted: the pages escape them", `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: "</title><script>alert(1)</script>", heading: "{{.Title}} \"'", body: "a\u2028b\u2029c\r\nSet-Cookie: x=1"}}
`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := policy.Parse("policy.yaml", []byte(c.src))
			if c.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil || p != nil {
				t.Fatalf("Parse accepted the policy")
			}
			var list policy.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T, want a policy.ErrorList: %v", err, err)
			}
			if diff := cmp.Diff(strings.Split(c.want, "\n"), strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// redirectError is the error for the response.redirect value quoted at
// line 5, column 22 of a policy that appends to minimal.
func redirectError(quoted, why string) string {
	return "policy.yaml:5:22: response.redirect: " + quoted + " is not a same-site absolute path (" + why + "): want a path such as /maintenance"
}
