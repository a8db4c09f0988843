package policy_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/policy"
)

// minimal is the smallest valid policy. Cases append to it, so the lines
// they add start at line 5.
const minimal = `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`

// errorCase is a policy and the full text Parse must return for it: every
// error, one per line, sorted by position. An empty want means the policy
// is valid.
type errorCase struct {
	name string
	src  string
	want string
}

func runErrorCases(t *testing.T, cases []errorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, tc.src, tc.want)
		})
	}
}

// checkParse parses src as policy.yaml and compares the error text with
// want, line by line.
func checkParse(t *testing.T, src, want string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("policy.yaml", []byte(src))
	if want == "" {
		if err != nil {
			t.Fatalf("Parse: unexpected error:\n%v", err)
		}
		if p == nil {
			t.Fatal("Parse returned neither a policy nor an error")
		}
		return p
	}
	if err == nil {
		t.Fatalf("Parse succeeded; want errors:\n%s", want)
	}
	if p != nil {
		t.Errorf("Parse returned a policy along with an error")
	}
	var list policy.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Parse error is %T, want policy.ErrorList: %v", err, err)
	}
	if diff := cmp.Diff(strings.Split(want, "\n"), strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("Parse errors mismatch (-want +got):\n%s", diff)
	}
	return nil
}

const topKeys = "version, package, output, state, exempt, force, proxies, response, default_locale, messages, schedule, announce, bypass or toggle"

// TestParseFile covers problems with the file as a whole.
func TestParseFile(t *testing.T) {
	runErrorCases(t, []errorCase{
		{
			name: "empty",
			src:  "",
			want: "policy.yaml:1:1: policy is empty",
		},
		{
			name: "whitespace only",
			src:  "  \n\n   \n",
			want: "policy.yaml:1:1: policy is empty",
		},
		{
			name: "comments only",
			src:  "# maintenance policy\n\n  # to do\n",
			want: "policy.yaml:1:1: policy is empty",
		},
		{
			name: "empty explicit document",
			src:  "# policy\n---\n",
			want: "policy.yaml:1:1: policy is empty",
		},
		{
			name: "two documents",
			src:  minimal + "---\nversion: 1\n",
			want: "policy.yaml:5:1: policy has more than one YAML document; want exactly one",
		},
		{
			name: "empty second document",
			src:  minimal + "# more\n---\n",
			want: "policy.yaml:6:1: policy has more than one YAML document; want exactly one",
		},
		{
			name: "two documents with explicit start",
			src:  "---\n" + minimal + "--- # again\n" + minimal,
			want: "policy.yaml:6:1: policy has more than one YAML document; want exactly one",
		},
		{
			name: "document end marker",
			src:  minimal + "...\n",
		},
		{
			name: "sequence",
			src:  "# policy\n- version: 1\n",
			want: "policy.yaml:2:1: policy: want a mapping of keys such as version and messages, got a sequence",
		},
		{
			name: "scalar",
			src:  "maintenance\n",
			want: `policy.yaml:1:1: policy: want a mapping of keys such as version and messages, got string "maintenance"`,
		},
		{
			name: "anchored root",
			src:  "&policy\n" + minimal,
			want: "policy.yaml:1:1: policy: YAML anchors are not supported in a policy",
		},
		{
			name: "tagged root",
			src:  "!!map\n" + minimal,
			want: "policy.yaml:1:1: policy: explicit YAML tags such as !!map are not supported in a policy",
		},
		{
			name: "mapping value in plain scalar",
			src:  "version: 1\noutput: go: m/m_gen.go\n",
			want: "policy.yaml:2:1: invalid YAML: mapping values are not allowed in this context",
		},
		{
			name: "mapping value on the first line",
			src:  "a: b: c\n",
			want: "policy.yaml:1:1: invalid YAML: mapping values are not allowed in this context",
		},
		{
			name: "unclosed flow mapping",
			src:  "version: 1\noutput: {go: m/m_gen.go, pages: public}\ndefault_locale: en\nmessages: {en: {title: T, heading: H, body: B}\n",
			want: "policy.yaml:4:1: invalid YAML: did not find expected ',' or '}'",
		},
		{
			name: "unclosed quote",
			src:  "version: 1\noutput: {go: m/m_gen.go, pages: public}\ndefault_locale: \"en\nmessages: {en: {title: T, heading: H, body: B}}\n",
			want: "policy.yaml:3:1: invalid YAML: found unexpected end of stream",
		},
		{
			name: "tab indentation",
			src:  "version: 1\noutput:\n\tgo: m/m_gen.go\n",
			want: "policy.yaml:3:1: invalid YAML: tabs are not allowed for indentation; indent with spaces",
		},
		{
			name: "tab after spaces",
			src:  "version: 1\noutput:\n  go: m/m_gen.go\n  \tpages: p\n",
			want: "policy.yaml:4:3: invalid YAML: tabs are not allowed for indentation; indent with spaces",
		},
		{
			name: "a key indented between two levels, far below the mapping's start",
			src:  "version: 1\noutput:\n  go: m/m_gen.go\n  pages: p\ndefault_locale: en\nmessages:\n  en:\n    title: T\n   heading: H\n    body: B\n",
			want: "policy.yaml:9:4: invalid YAML: this line is indented 3 spaces, like no key above it; indent it as the keys it belongs with",
		},
		{
			name: "a sequence entry indented between two levels",
			src:  minimal + "exempt:\n  paths:\n    - /a\n   - /b\n",
			want: "policy.yaml:8:4: invalid YAML: this line is indented 3 spaces, like no key above it; indent it as the keys it belongs with",
		},
		{
			name: "bad indentation",
			src:  "version: 1\noutput: {go: m/m_gen.go, pages: public}\n  default_locale: en\n",
			want: "policy.yaml:3:1: invalid YAML: did not find expected key",
		},
		{
			name: "sequence entry in a mapping",
			src:  minimal + "- exempt\n",
			want: "policy.yaml:5:1: invalid YAML: did not find expected key",
		},
		{
			name: "mapping entry in a sequence",
			src:  minimal + "exempt:\n  paths:\n    - /healthz\n    ips: [127.0.0.1]\n",
			want: "policy.yaml:7:1: invalid YAML: did not find expected '-' indicator",
		},
		{
			name: "missing flow entry",
			src:  minimal + "proxies: [10.0.0.0/8, }]\n",
			want: "policy.yaml:5:1: invalid YAML: did not find expected node content",
		},
		{
			name: "undefined tag handle",
			src:  minimal + "package: !x!y m\n",
			want: "policy.yaml:5:1: invalid YAML: found undefined tag handle",
		},
		{
			name: "YAML 2.0",
			src:  "%YAML 2.0\n---\n" + minimal,
			want: "policy.yaml:1:1: invalid YAML: found incompatible YAML document",
		},
		{
			name: "content after document end",
			src:  minimal + "...\nversion: 1\n",
			want: "policy.yaml:6:1: invalid YAML: did not find expected <document start>",
		},
		{
			name: "unknown anchor",
			src:  minimal + "package: *name\n",
			want: "policy.yaml:1:1: invalid YAML: unknown anchor 'name' referenced",
		},
		{
			name: "control character",
			src:  minimal + "package: \"a\x07b\"\n",
			want: "policy.yaml:5:12: invalid YAML: control character U+0007 is not allowed; escape it in a double-quoted string",
		},
		{
			name: "NUL byte after CRLF lines",
			src:  "version: 1\r\noutput: {go: m/m_gen.go, pages: public}\r\n\x00",
			want: "policy.yaml:3:1: invalid YAML: control character U+0000 is not allowed; escape it in a double-quoted string",
		},
		{
			name: "Latin-1",
			src:  minimal + "package: caf\xe9\n",
			want: "policy.yaml:5:13: invalid YAML: invalid UTF-8 byte 0xE9; save the policy as UTF-8",
		},
		{
			name: "UTF-8 byte order mark",
			src:  "\xef\xbb\xbf" + minimal,
		},
	})
}

// TestParseAliases checks that anchors and aliases, and so YAML "billion
// laughs" bombs, are refused without being expanded. Decoding into
// yaml.Node keeps aliases as they are; the walker refuses them.
func TestParseAliases(t *testing.T) {
	// Nine levels of nine: 9^9 "lol" strings if expanded.
	var bomb strings.Builder
	bomb.WriteString(`lol0: &lol0 "lol"` + "\n")
	for i := 1; i <= 9; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*lol%d, ", i-1), 9), ", ")
		fmt.Fprintf(&bomb, "lol%d: &lol%d [%s]\n", i, i, refs)
	}
	var bombWant strings.Builder
	bombWant.WriteString("policy.yaml:1:1: default_locale is required: name one of the messages locales\n")
	bombWant.WriteString("policy.yaml:1:1: messages is required: map at least one locale to its title, heading and body\n")
	bombWant.WriteString("policy.yaml:1:1: output is required: set output.go, the generated Go file, and output.pages, the pages directory\n")
	bombWant.WriteString(`policy.yaml:1:1: policy: unknown key "lol0" (want ` + topKeys + ")\n")
	bombWant.WriteString("policy.yaml:1:1: version is required: add \"version: 1\"\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&bombWant, "policy.yaml:%d:1: policy: unknown key \"lol%d\" (want %s)\n", i+1, i, topKeys)
	}

	runErrorCases(t, []errorCase{
		{
			name: "billion laughs at the top level",
			src:  bomb.String(),
			want: strings.TrimSuffix(bombWant.String(), "\n"),
		},
		{
			name: "billion laughs in the lists",
			src: minimal + `exempt:
  roles: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
  paths: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  ips: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
force:
  paths: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
proxies: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
response:
  json_paths: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
`,
			want: `policy.yaml:6:10: exempt.roles: YAML anchors are not supported in a policy
policy.yaml:7:10: exempt.paths: YAML anchors are not supported in a policy
policy.yaml:8:8: exempt.ips: YAML anchors are not supported in a policy
policy.yaml:10:10: force.paths: YAML anchors are not supported in a policy
policy.yaml:11:10: proxies: YAML anchors are not supported in a policy
policy.yaml:13:16: response.json_paths[0]: YAML aliases are not supported in a policy; write the value out
policy.yaml:13:20: response.json_paths[1]: YAML aliases are not supported in a policy; write the value out
policy.yaml:13:24: response.json_paths[2]: YAML aliases are not supported in a policy; write the value out
policy.yaml:13:28: response.json_paths[3]: YAML aliases are not supported in a policy; write the value out
policy.yaml:13:32: response.json_paths[4]: YAML aliases are not supported in a policy; write the value out
policy.yaml:13:36: response.json_paths[5]: YAML aliases are not supported in a policy; write the value out
policy.yaml:13:40: response.json_paths[6]: YAML aliases are not supported in a policy; write the value out
policy.yaml:13:44: response.json_paths[7]: YAML aliases are not supported in a policy; write the value out
policy.yaml:13:48: response.json_paths[8]: YAML aliases are not supported in a policy; write the value out
policy.yaml:13:52: response.json_paths[9]: YAML aliases are not supported in a policy; write the value out`,
		},
		{
			name: "shared message",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages:
  en: &en {title: T, heading: H, body: B}
  en-GB: *en
`,
			want: `policy.yaml:5:7: messages.en: YAML anchors are not supported in a policy
policy.yaml:6:10: messages.en-GB: YAML aliases are not supported in a policy; write the value out`,
		},
		{
			name: "merge key",
			src: minimal + `state: &s {env: MAINTENANCE}
response:
  <<: *s
`,
			want: `policy.yaml:5:8: state: YAML anchors are not supported in a policy
policy.yaml:7:3: response: want a string key, got !!merge "<<"`,
		},
		{
			name: "anchored key",
			src:  minimal + "&k package: m\n",
			want: "policy.yaml:5:1: policy: YAML anchors are not supported in a policy",
		},
		{
			name: "explicit tag",
			src:  minimal + "response: {status: !!int \"503\"}\n",
			want: "policy.yaml:5:20: response.status: explicit YAML tags such as !!int are not supported in a policy",
		},
		{
			name: "custom tag",
			src:  minimal + "package: !go maintenance\n",
			want: "policy.yaml:5:10: package: explicit YAML tags such as !go are not supported in a policy",
		},
	})
}

// TestParseKeys covers unknown, duplicate and missing keys.
func TestParseKeys(t *testing.T) {
	runErrorCases(t, []errorCase{
		{
			name: "unknown top-level key",
			src:  minimal + "maintenance: on\n",
			want: `policy.yaml:5:1: policy: unknown key "maintenance" (want ` + topKeys + ")",
		},
		{
			name: "unknown key in output",
			src: `version: 1
output: {go: m/m_gen.go, pages: public, dir: x}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: `policy.yaml:2:41: output: unknown key "dir" (want go, pages, nginx, haproxy, caddy or worker)`,
		},
		{
			name: "unknown key in state",
			src:  minimal + "state: {env: MAINTENANCE, default: off}\n",
			want: `policy.yaml:5:27: state: unknown key "default" (want env, file, poll or fallback)`,
		},
		{
			name: "unknown key in exempt",
			src:  minimal + "exempt:\n  paths: [/healthz]\n  ip: [127.0.0.1]\n",
			want: `policy.yaml:7:3: exempt: unknown key "ip" (want paths, ips, roles or tests)`,
		},
		{
			name: "unknown key in force",
			src:  minimal + "force: {ips: [10.0.0.0/8]}\n",
			want: `policy.yaml:5:9: force: unknown key "ips" (want paths)`,
		},
		{
			name: "unknown key in response",
			src:  minimal + "response: {code: 503}\n",
			want: `policy.yaml:5:12: response: unknown key "code" (want status, retry_after, retry_after_form, format, json_paths, redirect, template, refresh or clear_cookies)`,
		},
		{
			name: "unknown key in a message",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages:
  en:
    title: T
    heading: H
    body: B
    footer: F
`,
			want: `policy.yaml:9:5: messages.en: unknown key "footer" (want title, heading, body, until_label or link)`,
		},
		{
			name: "key of another case",
			src:  minimal + "Package: m\n",
			want: `policy.yaml:5:1: policy: unknown key "Package" (want ` + topKeys + ")",
		},
		{
			name: "sequence as a key",
			src:  minimal + "? [a, b]\n: c\n",
			want: "policy.yaml:5:3: policy: want a string key, got a sequence",
		},
		{
			name: "null key",
			src:  minimal + "~: x\n",
			want: "policy.yaml:5:1: policy: want a string key, got null",
		},
		{
			name: "duplicate top-level key",
			src:  minimal + "version: 1\n",
			want: `policy.yaml:5:1: policy: duplicate key "version" (first at line 1)`,
		},
		{
			name: "duplicate key in output",
			src: `version: 1
output:
  go: m/m_gen.go
  pages: public
  go: n/n_gen.go
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: `policy.yaml:5:3: output: duplicate key "go" (first at line 3)`,
		},
		{
			name: "duplicate locale",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
  en: {title: T2, heading: H2, body: B2}
`,
			want: `policy.yaml:6:3: messages: duplicate key "en" (first at line 5)`,
		},
		{
			name: "duplicate key in a message",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: T, heading: H, body: B, title: T2}}
`,
			want: `policy.yaml:4:48: messages.en: duplicate key "title" (first at line 4)`,
		},
		{
			name: "missing version",
			src: `output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: `policy.yaml:1:1: version is required: add "version: 1"`,
		},
		{
			name: "missing output",
			src: `version: 1
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: "policy.yaml:1:1: output is required: set output.go, the generated Go file, and output.pages, the pages directory",
		},
		{
			name: "missing output.go",
			src: `version: 1
output: {pages: public}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: "policy.yaml:2:1: output.go is required",
		},
		{
			name: "missing output.pages",
			src: `version: 1
output:
  go: m/m_gen.go
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: "policy.yaml:2:1: output.pages is required",
		},
		{
			name: "empty output",
			src: `version: 1
output:
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: "policy.yaml:2:1: output.go is required\npolicy.yaml:2:1: output.pages is required",
		},
		{
			name: "missing messages",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
`,
			want: "policy.yaml:1:1: messages is required: map at least one locale to its title, heading and body",
		},
		{
			name: "empty messages",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {}
`,
			want: "policy.yaml:4:11: messages: want at least one locale",
		},
		{
			name: "missing default_locale",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
messages: {en: {title: T, heading: H, body: B}}
`,
			want: "policy.yaml:1:1: default_locale is required: name one of the messages locales",
		},
		{
			name: "only a version",
			src:  "version: 1\n",
			want: `policy.yaml:1:1: default_locale is required: name one of the messages locales
policy.yaml:1:1: messages is required: map at least one locale to its title, heading and body
policy.yaml:1:1: output is required: set output.go, the generated Go file, and output.pages, the pages directory`,
		},
	})
}

// TestParseTypes covers values of the wrong YAML type. A section of the
// wrong type is reported once, not once more for each of its keys.
func TestParseTypes(t *testing.T) {
	runErrorCases(t, []errorCase{
		{
			name: "mapping for a list",
			src:  minimal + "exempt:\n  ips: {office: 192.0.2.0/24}\n",
			want: "policy.yaml:6:8: exempt.ips: want a sequence of strings, got a mapping",
		},
		{
			name: "string for a list",
			src:  minimal + "proxies: 10.0.0.0/8\n",
			want: `policy.yaml:5:10: proxies: want a sequence of strings, got string "10.0.0.0/8"`,
		},
		{
			name: "string for an int",
			src:  minimal + "response: {status: unavailable}\n",
			want: `policy.yaml:5:20: response.status: want a decimal integer, got string "unavailable"`,
		},
		{
			name: "list for a string",
			src:  minimal + "package: [maintenance]\n",
			want: "policy.yaml:5:10: package: want a string, got a sequence",
		},
		{
			name: "int in a list of strings",
			src:  minimal + "exempt: {roles: [admin, 7, null]}\n",
			want: `policy.yaml:5:25: exempt.roles[1]: want a string, got integer 7; write "7" in quotes to use it as text
policy.yaml:5:28: exempt.roles[2]: want a string, got null`,
		},
		{
			name: "list for a section",
			src: `version: 1
output: [m/m_gen.go, public]
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: "policy.yaml:2:9: output: want a mapping, got a sequence",
		},
		{
			name: "string for a section",
			src:  minimal + "state: MAINTENANCE\n",
			want: `policy.yaml:5:8: state: want a mapping, got string "MAINTENANCE"`,
		},
		{
			name: "int for a section",
			src:  minimal + "response: 503\n",
			want: "policy.yaml:5:11: response: want a mapping, got integer 503",
		},
		{
			name: "string for a message",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: Down for maintenance}
`,
			want: `policy.yaml:4:16: messages.en: want a mapping, got string "Down for maintenance"`,
		},
		{
			name: "list for messages",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: [en]
`,
			want: "policy.yaml:4:11: messages: want a mapping, got a sequence",
		},
		{
			name: "int as a locale",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: T, heading: H, body: B}, 123: {title: T, heading: H, body: B}}
`,
			want: "policy.yaml:4:49: messages: want a locale tag such as en or pt-BR as the key, got integer 123",
		},
		{
			name: "int for a duration string",
			src:  minimal + "state: {env: M, poll: [2s]}\n",
			want: "policy.yaml:5:23: state.poll: want a duration such as 30s or whole seconds, got a sequence",
		},
		{
			name: "int for a text",
			src: `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: 503, heading: H, body: B}}
`,
			want: `policy.yaml:4:24: messages.en.title: want a string, got integer 503; write "503" in quotes to use it as text`,
		},
		{
			name: "timestamp for a string",
			src:  minimal + "state: {file: 2026-01-02}\n",
			want: `policy.yaml:5:15: state.file: want a string, got timestamp 2026-01-02; write "2026-01-02" in quotes to use it as text`,
		},
		{
			name: "boolean for a string",
			src:  minimal + "package: true\n",
			want: `policy.yaml:5:10: package: want a string, got boolean true; write "true" in quotes to use it as text`,
		},
	})
}

// TestParseCoercions checks that YAML's looser scalars are not silently
// coerced into what the policy wants.
func TestParseCoercions(t *testing.T) {
	status := func(v string) string { return minimal + "response: {status: " + v + "}\n" }
	runErrorCases(t, []errorCase{
		{
			name: "status float",
			src:  status("503.5"),
			want: "policy.yaml:5:20: response.status: want a decimal integer, got number 503.5",
		},
		{
			name: "status float with zero fraction",
			src:  status("503.0"),
			want: "policy.yaml:5:20: response.status: want a decimal integer, got number 503.0",
		},
		{
			name: "status hex",
			src:  status("0x1F7"),
			want: "policy.yaml:5:20: response.status: want a decimal integer, got integer 0x1F7",
		},
		{
			name: "status octal",
			src:  status("0o767"),
			want: "policy.yaml:5:20: response.status: want a decimal integer, got integer 0o767",
		},
		{
			name: "status leading zero",
			src:  status("0503"),
			want: "policy.yaml:5:20: response.status: 0503 has a leading zero, which YAML reads as octal: write 503",
		},
		{
			name: "status with underscore",
			src:  status("5_03"),
			want: "policy.yaml:5:20: response.status: want a decimal integer, got integer 5_03",
		},
		{
			name: "status negative",
			src:  status("-503"),
			want: "policy.yaml:5:20: response.status: -503 is not an error status: want 400-599",
		},
		{
			name: "status null",
			src:  status("null"),
			want: "policy.yaml:5:20: response.status: want a decimal integer, got null",
		},
		{
			name: "status empty",
			src:  minimal + "response:\n  status:\n",
			want: "policy.yaml:6:10: response.status: want a decimal integer, got null",
		},
		{
			name: "status yes",
			src:  status("yes"),
			want: `policy.yaml:5:20: response.status: want a decimal integer, got string "yes"`,
		},
		{
			name: "status quoted",
			src:  status(`"503"`),
			want: `policy.yaml:5:20: response.status: want a decimal integer, got string "503"`,
		},
		{
			name: "status too large",
			src:  status("99999999999999999999"),
			want: "policy.yaml:5:20: response.status: want a decimal integer, got number 99999999999999999999",
		},
		{
			name: "version quoted",
			src: `version: "1"
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: `policy.yaml:1:10: version: want a decimal integer, got string "1"`,
		},
		{
			name: "version float",
			src: `version: 1.0
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: "policy.yaml:1:10: version: want a decimal integer, got number 1.0",
		},
		{
			name: "retry_after float",
			src:  minimal + "response: {retry_after: 1.5}\n",
			want: "policy.yaml:5:25: response.retry_after: want a duration such as 30s or whole seconds, got number 1.5",
		},
		{
			name: "retry_after leading zero",
			src:  minimal + "response: {retry_after: 0600}\n",
			want: "policy.yaml:5:25: response.retry_after: 0600 has a leading zero, which YAML reads as octal: write 600",
		},
		{
			name: "retry_after too many seconds",
			src:  minimal + "response: {retry_after: 9223372036854775807}\n",
			want: "policy.yaml:5:25: response.retry_after: 9223372036854775807 seconds is too long: want at most 9223372036",
		},
		{
			name: "retry_after quoted seconds",
			src:  minimal + "response: {retry_after: \"120\"}\n",
			want: `policy.yaml:5:25: response.retry_after: "120" is a string: want whole seconds without quotes, such as 120, or a duration such as 120s`,
		},
		{
			name: "package number",
			src:  minimal + "package: 7\n",
			want: `policy.yaml:5:10: package: want a string, got integer 7; write "7" in quotes to use it as text`,
		},
		{
			name: "fallback yes",
			src:  minimal + "state: {env: M, fallback: yes}\n",
			want: `policy.yaml:5:27: state.fallback: want on or off, got string "yes"`,
		},
	})
}
