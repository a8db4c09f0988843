package policy_test

import (
	"cmp"
	"errors"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/maintgen/maintgen/internal/policy"
)

// TestParseValues covers values that decode but are not valid.
func TestParseValues(t *testing.T) {
	withMessages := func(defaultLocale, messages string) string {
		return "version: 1\noutput: {go: m/m_gen.go, pages: public}\ndefault_locale: " + defaultLocale + "\nmessages:\n" + messages
	}
	runErrorCases(t, []errorCase{
		// version
		{
			name: "version 2",
			src:  strings.Replace(minimal, "version: 1", "version: 2", 1),
			want: "policy.yaml:1:10: version: 2 is not supported; want 1",
		},
		{
			name: "version 0",
			src:  strings.Replace(minimal, "version: 1", "version: 0", 1),
			want: "policy.yaml:1:10: version: 0 is not supported; want 1",
		},

		// package
		{
			name: "package starts with a digit",
			src:  minimal + "package: 9x\n",
			want: `policy.yaml:5:10: package: "9x" is not a Go package name: want an identifier such as maintenance`,
		},
		{
			name: "package with a dash",
			src:  minimal + "package: with-dash\n",
			want: `policy.yaml:5:10: package: "with-dash" is not a Go package name: want an identifier such as maintenance`,
		},
		{
			name: "package blank identifier",
			src:  minimal + "package: _\n",
			want: `policy.yaml:5:10: package: "_" is not a Go package name: want an identifier such as maintenance`,
		},
		{
			name: "package keyword",
			src:  minimal + "package: type\n",
			want: `policy.yaml:5:10: package: "type" is not a Go package name: want an identifier such as maintenance`,
		},
		{
			name: "package empty",
			src:  minimal + "package: \"\"\n",
			want: `policy.yaml:5:10: package: "" is not a Go package name: want an identifier such as maintenance`,
		},

		// output
		{
			name: "output paths",
			src: `version: 1
output: {go: /abs/m_gen.go, pages: "a\\b"}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: `policy.yaml:2:14: output.go: "/abs/m_gen.go" is absolute: output paths are relative to the policy file's directory
policy.yaml:2:36: output.pages: "a\\b": use a relative path with forward slashes`,
		},
		{
			name: "output.go not a Go file",
			src:  strings.Replace(minimal, "m/m_gen.go", "m/m_gen_test.go", 1),
			want: `policy.yaml:2:14: output.go: "m/m_gen_test.go": want a file name ending in .go (and not _test.go)`,
		},
		{
			name: "output paths the same",
			src:  strings.Replace(minimal, "pages: public", "pages: ./m/m_gen.go", 1),
			want: `policy.yaml:2:33: output.pages: "./m/m_gen.go" is also output.go: want a directory of its own for the pages`,
		},
		{
			name: "output.nginx and output.haproxy paths",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, nginx: nginx.txt, haproxy: /etc/haproxy/503.http}", 1),
			want: `policy.yaml:2:48: output.nginx: "nginx.txt": want a file name ending in .conf
policy.yaml:2:68: output.haproxy: "/etc/haproxy/503.http" is absolute: output paths are relative to the policy file's directory`,
		},
		{
			name: "output.nginx and output.haproxy empty or directories",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, nginx: \"\", haproxy: errors/}", 1),
			want: `policy.yaml:2:48: output.nginx: must not be empty: leave the key out for no file
policy.yaml:2:61: output.haproxy: "errors/" is a directory, not a file`,
		},
		{
			name: "output.haproxy is the http{} part of output.nginx",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, nginx: conf/site.conf, haproxy: ./conf/site.http.conf}", 1),
			want: `policy.yaml:2:73: output.haproxy: "conf/site.http.conf" is also the http{} part of output.nginx: want a file of its own`,
		},
		{
			name: "output.haproxy is output.pages",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, haproxy: public}", 1),
			want: `policy.yaml:2:50: output.haproxy: "public" is also output.pages: want a file of its own`,
		},
		{
			name: "output.haproxy is output.go",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, haproxy: ./m/m_gen.go}", 1),
			want: `policy.yaml:2:50: output.haproxy: "m/m_gen.go" is also output.go: want a file of its own`,
		},
		{
			name: "output.haproxy takes a page's name",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, nginx: m/m_gen.go.conf, haproxy: public/503.en-US.html}", 1),
			want: `policy.yaml:2:74: output.haproxy: "public/503.en-US.html" has the name of a page file in output.pages, which generate writes and removes: choose another name`,
		},
		{
			name: "output.haproxy takes the pages manifest's name",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, haproxy: public/.maintgen-pages}", 1),
			want: `policy.yaml:2:50: output.haproxy: "public/.maintgen-pages" is where generate lists the pages it wrote in output.pages: choose another name`,
		},
		{
			name: "output paths that leave the policy's directory",
			src: `version: 1
output: {go: ../m_gen.go, pages: "a/../../public", nginx: "nginx/../../../x.conf", haproxy: ".."}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: `policy.yaml:2:14: output.go: "../m_gen.go" leaves the policy file's directory: output paths stay inside it (and inside generate -out DIR)
policy.yaml:2:34: output.pages: "a/../../public" leaves the policy file's directory: output paths stay inside it (and inside generate -out DIR)
policy.yaml:2:59: output.nginx: "nginx/../../../x.conf" leaves the policy file's directory: output paths stay inside it (and inside generate -out DIR)
policy.yaml:2:93: output.haproxy: ".." leaves the policy file's directory: output paths stay inside it (and inside generate -out DIR)`,
		},
		{
			name: "output paths that climb and come back stay inside (control)",
			src:  strings.Replace(minimal, "pages: public}", "pages: a/../public, haproxy: x/../y/503.http}", 1),
		},
		{
			name: "output paths with control characters",
			src: `version: 1
output: {go: "m/m_gen.go", pages: "public\nset_real_ip_from 0.0.0.0/0;\n#", nginx: "nginx/m\r.conf", haproxy: "h/\u0085503.http"}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`,
			want: `policy.yaml:2:35: output.pages: "public\nset_real_ip_from 0.0.0.0/0;\n#" holds a control character: output paths are written into file names and the nginx snippet's comments
policy.yaml:2:84: output.nginx: "nginx/m\r.conf" holds a control character: output paths are written into file names and the nginx snippet's comments
policy.yaml:2:111: output.haproxy: "h/\u0085503.http" holds a control character: output paths are written into file names and the nginx snippet's comments`,
		},
		{
			name: "output.nginx with state.env only",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, nginx: nginx/site.conf}", 1) + "state: {env: MAINTENANCE_MODE}\n",
			want: "policy.yaml:2:48: output.nginx: nginx cannot read the environment variable MAINTENANCE_MODE, and state has no file: add state.file, which nginx checks for (the snippet would otherwise never switch maintenance on)",
		},
		{
			name: "output.nginx and output.haproxy valid",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, nginx: nginx/site.conf, haproxy: public/maintenance.http}", 1) + "state: {env: MAINTENANCE_MODE, file: m.state}\n",
		},
		{
			name: "output.caddy name",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, caddy: caddy/site.conf}", 1),
			want: `policy.yaml:2:48: output.caddy: "caddy/site.conf": want a file name ending in .caddy, or Caddyfile`,
		},
		{
			name: "output.caddy with state.env only",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, caddy: edge/Caddyfile}", 1) + "state: {env: MAINTENANCE_MODE}\n",
			want: `policy.yaml:2:48: output.caddy: Caddy cannot read the app's environment variable MAINTENANCE_MODE, and state has no file: add state.file, which the snippet checks for (it would otherwise never switch maintenance on)`,
		},
		{
			name: "output.caddy is output.haproxy",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, haproxy: edge/m.caddy, caddy: ./edge/m.caddy}", 1),
			want: `policy.yaml:2:71: output.caddy: "edge/m.caddy" is also output.haproxy: want a file of its own`,
		},
		{
			name: "output.caddy valid",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, caddy: caddy/site.caddy}", 1) + "state: {env: MAINTENANCE_MODE, file: m.state}\n",
		},
		{
			name: "output.caddy named Caddyfile",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, caddy: maintenance.Caddyfile}", 1),
		},
		{
			name: "output.worker name",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, worker: edge/worker.ts}", 1),
			want: `policy.yaml:2:49: output.worker: "edge/worker.ts": want a file name ending in .js or .mjs (an ES module)`,
		},
		{
			name: "output.worker is output.haproxy",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, haproxy: edge/m.js, worker: ./edge/m.js}", 1),
			want: `policy.yaml:2:69: output.worker: "edge/m.js" is also output.haproxy: want a file of its own`,
		},
		{
			name: "output.worker in output.pages",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, worker: public/503.en.mjs}", 1),
		},
		{
			name: "output.worker valid with state.env only",
			src:  strings.Replace(minimal, "pages: public}", "pages: public, worker: edge/maintenance.mjs}", 1) + "state: {env: MAINTENANCE_MODE}\n",
		},

		// IPs and CIDRs
		{
			name: "unmasked CIDR",
			src:  minimal + "exempt:\n  ips: [10.0.0.1/8]\n",
			want: `policy.yaml:6:9: exempt.ips[0]: invalid CIDR "10.0.0.1/8": the address has bits set beyond the prefix length; did you mean 10.0.0.0/8?`,
		},
		{
			name: "unmasked IPv6 CIDR",
			src:  minimal + "proxies: [\"2001:db8::1/32\"]\n",
			want: `policy.yaml:5:11: proxies[0]: invalid CIDR "2001:db8::1/32": the address has bits set beyond the prefix length; did you mean 2001:db8::/32?`,
		},
		{
			name: "zone in an address",
			src:  minimal + "exempt:\n  ips: [127.0.0.1, \"fe80::1%eth0\"]\n",
			want: `policy.yaml:6:20: exempt.ips[1]: invalid IP address "fe80::1%eth0": IPv6 zones are not allowed`,
		},
		{
			name: "zone in a CIDR",
			src:  minimal + "proxies: [\"fe80::1%eth0/64\"]\n",
			want: `policy.yaml:5:11: proxies[0]: invalid CIDR "fe80::1%eth0/64": IPv6 zones are not allowed`,
		},
		{
			name: "garbage address",
			src:  minimal + "exempt: {ips: [garbage]}\n",
			want: `policy.yaml:5:16: exempt.ips[0]: invalid IP address "garbage": want an address such as 192.0.2.1 or 2001:db8::1, or a CIDR`,
		},
		{
			name: "garbage CIDR",
			src:  minimal + "exempt: {ips: [10.0.0.0/33, 10.0.0.0/]}\n",
			want: `policy.yaml:5:16: exempt.ips[0]: invalid CIDR "10.0.0.0/33": want an address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32
policy.yaml:5:29: exempt.ips[1]: invalid CIDR "10.0.0.0/": want an address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32`,
		},
		{
			name: "leading zeros",
			src:  minimal + "exempt:\n  ips:\n    - 010.0.0.1\n    - 10.0.0.010/32\n",
			want: `policy.yaml:7:7: exempt.ips[0]: invalid IP address "010.0.0.1": leading zeros are not allowed, as some tools read them as octal
policy.yaml:8:7: exempt.ips[1]: invalid CIDR "10.0.0.010/32": leading zeros are not allowed, as some tools read them as octal`,
		},
		{
			name: "empty address",
			src:  minimal + "proxies: [\"\"]\n",
			want: `policy.yaml:5:11: proxies[0]: invalid IP address "": want an address such as 192.0.2.1 or 2001:db8::1, or a CIDR`,
		},

		// paths
		{
			name: "unbalanced regexp",
			src:  minimal + "exempt: {paths: [\"re:a)|(b\"]}\n",
			want: "policy.yaml:5:18: exempt.paths[0]: invalid regular expression: unexpected ): `a)|(b`",
		},
		{
			name: "unclosed class",
			src:  minimal + "force: {paths: [\"re:[\"]}\n",
			want: "policy.yaml:5:17: force.paths[0]: invalid regular expression: missing closing ]: `[`",
		},
		{
			name: "empty regexp",
			src:  minimal + "exempt: {paths: [\"re:\"]}\n",
			want: "policy.yaml:5:18: exempt.paths[0]: empty regular expression: want re: and an RE2 expression, such as re:^/api/v[0-9]+/status$",
		},
		{
			name: "regexp repeat too large",
			src:  minimal + "response: {json_paths: [\"re:a{1001}\"]}\n",
			want: "policy.yaml:5:25: response.json_paths[0]: invalid regular expression: invalid repeat count: `{1001}`",
		},
		{
			name: "relative path",
			src:  minimal + "exempt: {paths: [healthz]}\n",
			want: `policy.yaml:5:18: exempt.paths[0]: "healthz" does not start with /: want a path such as /healthz, a subtree such as /admin/, or re: and a regular expression`,
		},
		{
			name: "empty path",
			src:  minimal + "exempt: {paths: [\"\"]}\n",
			want: `policy.yaml:5:18: exempt.paths[0]: "" does not start with /: want a path such as /healthz, a subtree such as /admin/, or re: and a regular expression`,
		},
		{
			name: "unclean paths",
			src:  minimal + "exempt:\n  paths:\n    - /a/../b\n    - //x\n    - /a/./b\n    - /a//b/\n",
			want: `policy.yaml:7:7: exempt.paths[0]: "/a/../b" is not clean and could never match a cleaned request path; did you mean "/b"?
policy.yaml:8:7: exempt.paths[1]: "//x" is not clean and could never match a cleaned request path; did you mean "/x"?
policy.yaml:9:7: exempt.paths[2]: "/a/./b" is not clean and could never match a cleaned request path; did you mean "/a/b"?
policy.yaml:10:7: exempt.paths[3]: "/a//b/" is not clean and could never match a cleaned request path; did you mean "/a/b/"?`,
		},
		{
			name: "path with query, wildcard and control character",
			src:  minimal + "force:\n  paths: [\"/a?b=1\", \"/items/{id}\", \"/a\\tb\"]\n",
			want: `policy.yaml:6:11: force.paths[0]: "/a?b=1" contains '?': a pattern matches the path only, never the query or fragment
policy.yaml:6:21: force.paths[1]: "/items/{id}": ServeMux wildcards such as {id} are not supported; use re: and a regular expression
policy.yaml:6:36: force.paths[2]: "/a\tb" contains a control character`,
		},
		{
			name: "percent-escapes in paths",
			src:  minimal + "exempt:\n  paths: [\"/a%20b\", \"/x%2fy/\", \"/100%\", \"/q%3F\", \"/%zz\"]\n",
			want: `policy.yaml:6:11: exempt.paths[0]: "/a%20b" holds the escape %20, but patterns match the decoded path (r.URL.Path): it would match only a request for /a%2520b; write the characters themselves: "/a b"
policy.yaml:6:21: exempt.paths[1]: "/x%2fy/" holds the escape %2f, but patterns match the decoded path (r.URL.Path): it would match only a request for /x%252fy/; write the characters themselves: "/x/y/"
policy.yaml:6:41: exempt.paths[3]: "/q%3F" holds the escape %3F, but patterns match the decoded path (r.URL.Path): it would match only a request for /q%253F; write the characters themselves, or use re: and a regular expression`,
		},
		{
			name: "router wildcards",
			src:  minimal + "exempt:\n  paths: [/static/*, /assets/**, /files/*filepath, /a/*/b, /users/:id]\n",
			want: `policy.yaml:6:11: exempt.paths[0]: "/static/*": router wildcards such as * are not supported: did you mean the subtree /static/?
policy.yaml:6:22: exempt.paths[1]: "/assets/**": router wildcards such as * are not supported: did you mean the subtree /assets/?
policy.yaml:6:34: exempt.paths[2]: "/files/*filepath": router wildcards such as * are not supported: did you mean the subtree /files/?
policy.yaml:6:52: exempt.paths[3]: "/a/*/b": router wildcards such as * are not supported; use a subtree such as /static/, or re: and a regular expression
policy.yaml:6:60: exempt.paths[4]: "/users/:id": router parameters such as :id are not supported; use re: and a regular expression`,
		},

		// roles
		{
			name: "bad roles",
			src:  minimal + "exempt: {roles: [\" staff\", \"\"]}\n",
			want: `policy.yaml:5:18: exempt.roles[0]: " staff": want a role name without surrounding spaces
policy.yaml:5:28: exempt.roles[1]: "": want a role name without surrounding spaces`,
		},

		// response
		{
			name: "status 399",
			src:  minimal + "response: {status: 399}\n",
			want: "policy.yaml:5:20: response.status: 399 is not an error status: want 400-599",
		},
		{
			name: "status 600",
			src:  minimal + "response: {status: 600}\n",
			want: "policy.yaml:5:20: response.status: 600 is not an error status: want 400-599",
		},
		{
			name: "retry_after_form unknown",
			src:  minimal + "response: {retry_after_form: rfc1123}\n",
			want: "policy.yaml:5:30: response.retry_after_form: unknown form \"rfc1123\": want delay-seconds or http-date (RFC 9110, section 10.2.3)",
		},
		{
			name: "retry_after negative",
			src:  minimal + "response: {retry_after: -1s}\n",
			want: "policy.yaml:5:25: response.retry_after: -1s is negative: want 0 (no header) or more",
		},
		{
			name: "retry_after negative seconds",
			src:  minimal + "response: {retry_after: -1}\n",
			want: "policy.yaml:5:25: response.retry_after: -1 is negative: want 0 (no header) or more",
		},
		{
			name: "retry_after unparsable",
			src:  minimal + "response: {retry_after: soon}\n",
			want: `policy.yaml:5:25: response.retry_after: invalid duration "soon": want a Go duration such as 30s, 2m or 1h30m, or whole seconds`,
		},
		{
			name: "retry_after fraction",
			src:  minimal + "response: {retry_after: 1.5s}\n",
			want: "policy.yaml:5:25: response.retry_after: 1.5s is not a whole number of seconds, which Retry-After counts (RFC 9110, section 10.2.3): want a value such as 30s or 1h",
		},
		{
			name: "refresh",
			src:  minimal + "response: {refresh: 1500ms}\n",
			want: "policy.yaml:5:21: response.refresh: 1500ms is not a whole number of seconds, which the page's refresh counts: want a value such as 30s or 1m",
		},
		{
			name: "format unknown",
			src:  minimal + "response: {format: xml}\n",
			want: `policy.yaml:5:20: response.format: unknown format "xml": want html, json or auto`,
		},
		{
			name: "format in upper case",
			src:  minimal + "response: {format: HTML}\n",
			want: `policy.yaml:5:20: response.format: unknown format "HTML": want html, json or auto`,
		},
		{
			name: "json_paths with format html",
			src:  minimal + "response:\n  format: html\n  json_paths: [/api/]\n",
			want: "policy.yaml:7:15: response.json_paths: applies only when response.format is auto, not html",
		},
		{
			name: "redirect network-path reference",
			src:  minimal + "response: {redirect: //evil.example}\n",
			want: `policy.yaml:5:22: response.redirect: "//evil.example" is not a same-site absolute path (// starts a network-path reference to another host): want a path such as /maintenance`,
		},
		{
			name: "redirect backslash",
			src:  minimal + "response: {redirect: /\\evil.example}\n",
			want: `policy.yaml:5:22: response.redirect: "/\\evil.example" is not a same-site absolute path (browsers treat \ as /): want a path such as /maintenance`,
		},
		{
			name: "redirect absolute URL",
			src:  minimal + "response: {redirect: \"https://status.example\"}\n",
			want: `policy.yaml:5:22: response.redirect: "https://status.example" is not a same-site absolute path (it must start with /): want a path such as /maintenance`,
		},
		{
			name: "redirect javascript",
			src:  minimal + "response: {redirect: \"javascript:alert(1)\"}\n",
			want: `policy.yaml:5:22: response.redirect: "javascript:alert(1)" is not a same-site absolute path (it must start with /): want a path such as /maintenance`,
		},
		{
			name: "redirect CR LF",
			src:  minimal + "response: {redirect: \"/a\\r\\nb\"}\n",
			want: `policy.yaml:5:22: response.redirect: "/a\r\nb" is not a same-site absolute path (it contains a control character): want a path such as /maintenance`,
		},
		{
			name: "redirect root",
			src:  minimal + "response: {redirect: /}\n",
			want: `policy.yaml:5:22: response.redirect: "/" is not a same-site absolute path (/ would redirect to itself): want a path such as /maintenance`,
		},
		{
			name: "redirect relative",
			src:  minimal + "response: {redirect: relative}\n",
			want: `policy.yaml:5:22: response.redirect: "relative" is not a same-site absolute path (it must start with /): want a path such as /maintenance`,
		},
		{
			name: "redirect query",
			src:  minimal + "response: {redirect: \"/maintenance?from=x\"}\n",
			want: `policy.yaml:5:22: response.redirect: "/maintenance?from=x" is not a same-site absolute path (it has a query or fragment): want a path such as /maintenance`,
		},
		{
			name: "redirect unclean",
			src:  minimal + "response: {redirect: /a/../maintenance}\n",
			want: `policy.yaml:5:22: response.redirect: "/a/../maintenance" is not a same-site absolute path (it is not clean; did you mean "/maintenance"?): want a path such as /maintenance`,
		},
		{
			name: "template absolute",
			src:  minimal + "response: {template: /etc/page.html}\n",
			want: `policy.yaml:5:22: response.template: "/etc/page.html": want a path relative to the policy file's directory, with forward slashes`,
		},

		// messages
		{
			name: "locale with underscore",
			src:  withMessages("en", "  en: {title: T, heading: H, body: B}\n  en_US: {title: T, heading: H, body: B}\n"),
			want: `policy.yaml:6:3: messages: invalid locale tag "en_US": want a BCP 47 tag such as en or pt-BR; did you mean "en-US"?`,
		},
		{
			name: "locale too short",
			src:  withMessages("en", "  en: {title: T, heading: H, body: B}\n  e: {title: T, heading: H, body: B}\n"),
			want: `policy.yaml:6:3: messages: invalid locale tag "e": want a BCP 47 tag such as en or pt-BR`,
		},
		{
			name: "locale subtag too long",
			src:  withMessages("en", "  en: {title: T, heading: H, body: B}\n  toolongsubtagxx: {title: T, heading: H, body: B}\n"),
			want: `policy.yaml:6:3: messages: invalid locale tag "toolongsubtagxx": want a BCP 47 tag such as en or pt-BR`,
		},
		{
			name: "default_locale with an invalid tag",
			src:  withMessages("en_US", "  en_US: {title: T, heading: H, body: B}\n"),
			want: `policy.yaml:5:3: messages: invalid locale tag "en_US": want a BCP 47 tag such as en or pt-BR; did you mean "en-US"?`,
		},
		{
			name: "texts of an invalid locale",
			src:  withMessages("de", "  en_US: {title: \"\"}\n"),
			want: `policy.yaml:3:17: default_locale: "de" is not a key of messages
policy.yaml:5:3: messages: invalid locale tag "en_US": want a BCP 47 tag such as en or pt-BR; did you mean "en-US"?
policy.yaml:5:10: messages.en_US.body is required
policy.yaml:5:10: messages.en_US.heading is required
policy.yaml:5:18: messages.en_US.title: must not be empty`,
		},
		{
			name: "default_locale not in messages",
			src:  withMessages("fr", "  en: {title: T, heading: H, body: B}\n"),
			want: `policy.yaml:3:17: default_locale: "fr" is not a key of messages: want en`,
		},
		{
			name: "default_locale in another case",
			src:  withMessages("EN", "  en: {title: T, heading: H, body: B}\n  de: {title: T, heading: H, body: B}\n"),
			want: `policy.yaml:3:17: default_locale: "EN" is not a key of messages: want one of en, de`,
		},
		{
			name: "empty texts",
			src:  withMessages("en", "  en: {title: \"\", heading: \" \", body: \"\\t\\n\"}\n"),
			want: `policy.yaml:5:15: messages.en.title: must not be empty
policy.yaml:5:28: messages.en.heading: must not be empty
policy.yaml:5:39: messages.en.body: must not be empty`,
		},
		{
			name: "empty text without quotes",
			src:  withMessages("en", "  en:\n    title:\n    heading: H\n    body: B\n"),
			want: "policy.yaml:6:11: messages.en.title: want a string, got null",
		},
		{
			name: "missing title",
			src:  withMessages("en", "  en:\n    heading: H\n    body: B\n"),
			want: "policy.yaml:6:5: messages.en.title is required",
		},
		{
			name: "missing texts",
			src:  withMessages("en", "  en: {}\n"),
			want: `policy.yaml:5:7: messages.en.body is required
policy.yaml:5:7: messages.en.heading is required
policy.yaml:5:7: messages.en.title is required`,
		},
		{
			name: "locales differing in case",
			src:  withMessages("en", "  en: {title: T, heading: H, body: B}\n  EN: {title: T, heading: H, body: B}\n"),
			want: `policy.yaml:6:3: messages: locale "EN" repeats "en" (line 5); tags are case-insensitive`,
		},

		// state
		{
			name: "state with neither env nor file",
			src:  minimal + "state: {poll: 2s}\n",
			want: "policy.yaml:5:8: state: want env, file or both, to say where the on/off switch lives",
		},
		{
			name: "empty state",
			src:  minimal + "state:\n",
			want: "policy.yaml:5:7: state: want env, file or both, to say where the on/off switch lives",
		},
		{
			name: "bad env var names",
			src:  minimal + "state:\n  env: 1BAD\n",
			want: `policy.yaml:6:8: state.env: "1BAD" is not an environment variable name: want letters, digits and _, starting with a letter or _`,
		},
		{
			name: "env var name with a dash",
			src:  minimal + "state: {env: MAINTENANCE-MODE}\n",
			want: `policy.yaml:5:14: state.env: "MAINTENANCE-MODE" is not an environment variable name: want letters, digits and _, starting with a letter or _`,
		},
		{
			name: "empty state file",
			src:  minimal + "state: {file: \"\"}\n",
			want: "policy.yaml:5:15: state.file: must not be empty: want a file path such as maintenance.state",
		},
		{
			name: "fallback not a switch",
			src:  minimal + "state: {env: M, fallback: maybe}\n",
			want: `policy.yaml:5:27: state.fallback: want on or off, got string "maybe"`,
		},
		{
			name: "fallback number",
			src:  minimal + "state: {env: M, fallback: 2}\n",
			want: "policy.yaml:5:27: state.fallback: want on or off, got integer 2",
		},
		{
			name: "poll zero",
			src:  minimal + "state: {env: M, poll: 0s}\n",
			want: "policy.yaml:5:23: state.poll: 0s is not positive: want a duration greater than 0, such as 2s",
		},
		{
			name: "poll without a unit",
			src:  minimal + "state: {file: m.state, poll: 1000}\n",
			want: "policy.yaml:5:30: state.poll: 1000 has no unit: want a Go duration such as 2s or 500ms (as whole seconds it would be 16m40s)",
		},
		{
			name: "poll negative",
			src:  minimal + "state: {env: M, poll: -1s}\n",
			want: "policy.yaml:5:23: state.poll: -1s is not positive: want a duration greater than 0, such as 2s",
		},
		{
			name: "poll unparsable",
			src:  minimal + "state: {env: M, poll: soon}\n",
			want: `policy.yaml:5:23: state.poll: invalid duration "soon": want a Go duration such as 30s, 2m or 1h30m, or whole seconds`,
		},
	})
}

// TestParseManyErrors checks that every error of a file is reported at
// once, decoding and validation errors alike, sorted by position.
func TestParseManyErrors(t *testing.T) {
	const src = `version: 2
package: 9x
output: {go: /abs.go, pages: public, extra: 1}
state: {env: 1BAD, poll: 0s}
exempt:
  ips: [10.0.0.1/8, 127.0.0.1, garbage]
  paths: [relative, "re:["]
response:
  status: 600
  status: 503
  redirect: //evil.example
default_locale: de
messages:
  en_US: {title: T, heading: H, body: B}
  fr: {title: "", heading: H}
`
	const want = `policy.yaml:1:10: version: 2 is not supported; want 1
policy.yaml:2:10: package: "9x" is not a Go package name: want an identifier such as maintenance
policy.yaml:3:14: output.go: "/abs.go" is absolute: output paths are relative to the policy file's directory
policy.yaml:3:38: output: unknown key "extra" (want go, pages, nginx, haproxy, caddy or worker)
policy.yaml:4:14: state.env: "1BAD" is not an environment variable name: want letters, digits and _, starting with a letter or _
policy.yaml:4:26: state.poll: 0s is not positive: want a duration greater than 0, such as 2s
policy.yaml:6:9: exempt.ips[0]: invalid CIDR "10.0.0.1/8": the address has bits set beyond the prefix length; did you mean 10.0.0.0/8?
policy.yaml:6:32: exempt.ips[2]: invalid IP address "garbage": want an address such as 192.0.2.1 or 2001:db8::1, or a CIDR
policy.yaml:7:11: exempt.paths[0]: "relative" does not start with /: want a path such as /healthz, a subtree such as /admin/, or re: and a regular expression
policy.yaml:7:21: exempt.paths[1]: invalid regular expression: missing closing ]: ` + "`[`" + `
policy.yaml:9:11: response.status: 600 is not an error status: want 400-599
policy.yaml:10:3: response: duplicate key "status" (first at line 9)
policy.yaml:11:13: response.redirect: "//evil.example" is not a same-site absolute path (// starts a network-path reference to another host): want a path such as /maintenance
policy.yaml:12:17: default_locale: "de" is not a key of messages: want fr
policy.yaml:14:3: messages: invalid locale tag "en_US": want a BCP 47 tag such as en or pt-BR; did you mean "en-US"?
policy.yaml:15:7: messages.fr.body is required
policy.yaml:15:15: messages.fr.title: must not be empty`
	checkParse(t, src, want)

	_, err := policy.Parse("policy.yaml", []byte(src))
	var list policy.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Parse error is %T, want policy.ErrorList", err)
	}
	checkErrorList(t, list)
}

// checkErrorList checks the invariants of every error list Parse returns.
func checkErrorList(t *testing.T, list policy.ErrorList) {
	t.Helper()
	if len(list) == 0 {
		t.Fatal("empty ErrorList")
	}
	for i, e := range list {
		if e.Pos.File != "policy.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 {
			t.Errorf("error %d at %+v, want a position in policy.yaml: %v", i, e.Pos, e)
		}
		if e.Msg == "" {
			t.Errorf("error %d has no message", i)
		}
		if i > 0 {
			a, b := list[i-1], e
			if c := cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col), strings.Compare(a.Msg, b.Msg)); c > 0 {
				t.Errorf("errors %d and %d are not sorted:\n%v\n%v", i-1, i, a, b)
			}
		}
	}
}

var policyOpts = gocmp.Options{
	cmpopts.IgnoreFields(policy.Policy{}, "Syntax"),
	gocmp.Comparer(func(a, b *regexp.Regexp) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.String() == b.String()
	}),
	gocmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
}

func at(line, col int) policy.Pos { return policy.Pos{File: "policy.yaml", Line: line, Col: col} }

// TestParseExample checks the compiled values of policy.yaml.example.
func TestParseExample(t *testing.T) {
	src, err := os.ReadFile("../../policy.yaml.example")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("policy.yaml", src)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	re := regexp.MustCompile(policy.AnchorRegexp("^/api/v[0-9]+/status$"))
	want := &policy.Policy{
		File:    "policy.yaml",
		Package: "maintenance",
		Output: policy.Output{
			Go: "maintenance/maintenance_gen.go", Pages: "public/maintenance",
			Nginx: "nginx/maintenance.conf", NginxHTTP: "nginx/maintenance.http.conf", HAProxy: "haproxy/503.http",
			Caddy: "caddy/maintenance.caddy", Worker: "worker/maintenance.mjs",
		},
		State: &policy.State{
			Env:      "MAINTENANCE_MODE",
			File:     "maintenance.state",
			Poll:     2 * time.Second,
			Fallback: false,
		},
		Exempt: policy.Exempt{
			Paths: []policy.PathPattern{
				{Rule: policy.Rule{Index: 0, Raw: "/healthz", Pos: at(36, 11)}, Kind: policy.Exact, Path: "/healthz"},
				{Rule: policy.Rule{Index: 1, Raw: "/admin/", Pos: at(36, 23)}, Kind: policy.Subtree, Path: "/admin/"},
				{Rule: policy.Rule{Index: 2, Raw: "re:^/api/v[0-9]+/status$", Pos: at(36, 34)}, Kind: policy.Regexp, Expr: "^/api/v[0-9]+/status$", Regexp: re},
			},
			IPs: []policy.Prefix{
				{Rule: policy.Rule{Index: 0, Raw: "127.0.0.1", Pos: at(37, 9)}, Prefix: netip.MustParsePrefix("127.0.0.1/32")},
				{Rule: policy.Rule{Index: 1, Raw: "10.0.0.0/8", Pos: at(37, 22)}, Prefix: netip.MustParsePrefix("10.0.0.0/8")},
				{Rule: policy.Rule{Index: 2, Raw: "2001:db8::/32", Pos: at(37, 36)}, Prefix: netip.MustParsePrefix("2001:db8::/32")},
			},
			Roles: []policy.Role{
				{Rule: policy.Rule{Index: 0, Raw: "superuser", Pos: at(38, 11)}},
				{Rule: policy.Rule{Index: 1, Raw: "staff", Pos: at(38, 22)}},
			},
		},
		Force: policy.Force{Paths: []policy.PathPattern{
			{Rule: policy.Rule{Index: 0, Raw: "/checkout/", Pos: at(43, 11)}, Kind: policy.Subtree, Path: "/checkout/"},
		}},
		Proxies: []policy.Prefix{
			{Rule: policy.Rule{Index: 0, Raw: "10.1.0.0/16", Pos: at(46, 11)}, Prefix: netip.MustParsePrefix("10.1.0.0/16")},
		},
		Response: policy.Response{
			Status:     503,
			RetryAfter: 3600,
			Format:     policy.FormatAuto,
			JSONPaths: []policy.PathPattern{
				{Rule: policy.Rule{Index: 0, Raw: "/api/", Pos: at(52, 16)}, Kind: policy.Subtree, Path: "/api/"},
			},
			ClearCookies: []string{"sessionid"},
		},
		DefaultLocale: "en",
		Locales: []policy.Locale{
			{
				Tag: "en", Lang: "en", Pos: at(84, 3), UntilLabel: "Expected back by",
				Title:   "Down for maintenance",
				Heading: "We'll be back soon",
				Body:    "We are performing scheduled maintenance. Please try again in a little while.",
			},
			{
				Tag: "fr", Lang: "fr", Pos: at(88, 3),
				Title:   "Maintenance en cours",
				Heading: "Nous revenons bientôt",
				Body:    "Nous effectuons une maintenance planifiée. Merci de réessayer dans quelques instants.",
			},
			{
				Tag: "ar", Lang: "ar", RTL: true, Pos: at(92, 3),
				Title:   "الموقع قيد الصيانة",
				Heading: "سنعود قريبًا",
				Body:    "نقوم حاليًا بأعمال صيانة مجدولة. يرجى المحاولة مرة أخرى بعد قليل.",
			},
		},
		Schedule: []policy.Window{{Index: 0, Start: time.Date(2030, 3, 1, 2, 0, 0, 0, time.UTC), End: time.Date(2030, 3, 1, 4, 0, 0, 0, time.UTC), Pos: at(63, 5)}},
		Announce: 24 * time.Hour,
		Bypass:   &policy.Bypass{SecretEnv: "MAINTENANCE_BYPASS_SECRET", Path: "/__maintenance/bypass", TTL: 12 * time.Hour},
		Toggle:   policy.Toggle{Enabled: true, Roles: []policy.Role{{Rule: policy.Rule{Index: 0, Raw: "superuser", Pos: at(79, 11)}}}},
	}
	if diff := gocmp.Diff(want, p, policyOpts); diff != "" {
		t.Errorf("Parse(policy.yaml.example) mismatch (-want +got):\n%s", diff)
	}
	if p.Syntax == nil || !p.Syntax.Version.Set || p.Syntax.Version.Value != 1 {
		t.Errorf("Syntax.Version = %+v, want the decoded version", p.Syntax.Version)
	}

	// The expression must match the whole cleaned path.
	for path, want := range map[string]bool{
		"/api/v1/status":     true,
		"/api/v12/status":    true,
		"/api/v1/status/":    false,
		"/x/api/v1/status":   false,
		"/api/v1/status\n":   false,
		"/api/vx/status":     false,
		"/api/v1/status/foo": false,
	} {
		if got := p.Exempt.Paths[2].Regexp.MatchString(path); got != want {
			t.Errorf("exempt.paths[2] matches %q = %v, want %v", path, got, want)
		}
	}
}

// TestParseDefaults checks the values a minimal policy gets.
func TestParseDefaults(t *testing.T) {
	p := checkParse(t, minimal, "")
	if p == nil {
		return
	}
	want := &policy.Policy{
		File:    "policy.yaml",
		Package: policy.DefaultPackage,
		Output:  policy.Output{Go: "m/m_gen.go", Pages: "public"},
		Response: policy.Response{
			Status:     policy.DefaultStatus,
			RetryAfter: policy.DefaultRetryAfter,
			Format:     policy.FormatAuto,
		},
		DefaultLocale: "en",
		Locales: []policy.Locale{
			{Tag: "en", Lang: "en", Title: "T", Heading: "H", Body: "B", Pos: at(4, 12), UntilLabel: "Expected back by"},
		},
	}
	if diff := gocmp.Diff(want, p, policyOpts); diff != "" {
		t.Errorf("Parse(minimal) mismatch (-want +got):\n%s", diff)
	}
	if policy.DefaultPackage != "maintenance" || policy.DefaultStatus != 503 || policy.DefaultRetryAfter != 3600 || policy.DefaultPoll != 2*time.Second {
		t.Errorf("defaults changed: package %q, status %d, retry_after %d, poll %v",
			policy.DefaultPackage, policy.DefaultStatus, policy.DefaultRetryAfter, policy.DefaultPoll)
	}
}

// TestParseFeatures checks compiled values that the example does not
// show: IPv4-mapped prefixes stored as IPv4, cleaned output paths, state
// defaults, integer seconds, and locale subtags and script direction.
func TestParseFeatures(t *testing.T) {
	const src = `version: 1
package: gate
output:
  go: ./gen/../gen/gate_gen.go
  pages: public/
state:
  env: MAINT
  fallback: "ON"
exempt:
  paths: [/, "re:(?i)/Status"]
  ips:
    - "::ffff:10.0.0.0/104"
    - "::ffff:192.0.2.1"
    - "::ffff:0:0/96"
    - "2001:db8::1"
    - "64:ff9b::/96"
response:
  status: 429
  retry_after: 90
  format: html
  redirect: /maintenance
  template: ./tmpl//page.html.tmpl
  refresh: 1m
default_locale: en-US
messages:
  en-US: {title: T, heading: H, body: B}
  he: {title: T, heading: H, body: B}
  fa: {title: T, heading: H, body: B}
  pt-BR: {title: T, heading: H, body: B}
  ar-Latn: {title: T, heading: H, body: B}
  az-Arab: {title: T, heading: H, body: B}
  zh-Hant-TW: {title: T, heading: H, body: B}
`
	p := checkParse(t, src, "")
	if p == nil {
		return
	}
	want := &policy.Policy{
		File:    "policy.yaml",
		Package: "gate",
		Output:  policy.Output{Go: "gen/gate_gen.go", Pages: "public"},
		State:   &policy.State{Env: "MAINT", Poll: policy.DefaultPoll, Fallback: true},
		Exempt: policy.Exempt{
			Paths: []policy.PathPattern{
				{Rule: policy.Rule{Index: 0, Raw: "/", Pos: at(10, 11)}, Kind: policy.Subtree, Path: "/"},
				{Rule: policy.Rule{Index: 1, Raw: "re:(?i)/Status", Pos: at(10, 14)}, Kind: policy.Regexp, Expr: "(?i)/Status",
					Regexp: regexp.MustCompile(`\A(?:(?i)/Status)\z`)},
			},
			IPs: []policy.Prefix{
				{Rule: policy.Rule{Index: 0, Raw: "::ffff:10.0.0.0/104", Pos: at(12, 7)}, Prefix: netip.MustParsePrefix("10.0.0.0/8")},
				{Rule: policy.Rule{Index: 1, Raw: "::ffff:192.0.2.1", Pos: at(13, 7)}, Prefix: netip.MustParsePrefix("192.0.2.1/32")},
				{Rule: policy.Rule{Index: 2, Raw: "::ffff:0:0/96", Pos: at(14, 7)}, Prefix: netip.MustParsePrefix("0.0.0.0/0")},
				{Rule: policy.Rule{Index: 3, Raw: "2001:db8::1", Pos: at(15, 7)}, Prefix: netip.MustParsePrefix("2001:db8::1/128")},
				{Rule: policy.Rule{Index: 4, Raw: "64:ff9b::/96", Pos: at(16, 7)}, Prefix: netip.MustParsePrefix("64:ff9b::/96")},
			},
		},
		Response: policy.Response{
			Status:      429,
			RetryAfter:  90,
			Format:      policy.FormatHTML,
			Redirect:    "/maintenance",
			Template:    "tmpl/page.html.tmpl",
			TemplatePos: at(22, 13),
			Refresh:     60,
		},
		DefaultLocale: "en-US",
		Locales: []policy.Locale{
			{Tag: "en-US", Lang: "en", Pos: at(26, 3), UntilLabel: "Expected back by"},
			{Tag: "he", Lang: "he", RTL: true, Pos: at(27, 3)},
			{Tag: "fa", Lang: "fa", RTL: true, Pos: at(28, 3)},
			{Tag: "pt-BR", Lang: "pt", Pos: at(29, 3)},
			{Tag: "ar-Latn", Lang: "ar", Pos: at(30, 3)},
			{Tag: "az-Arab", Lang: "az", RTL: true, Pos: at(31, 3)},
			{Tag: "zh-Hant-TW", Lang: "zh", Pos: at(32, 3)},
		},
	}
	for i := range want.Locales {
		want.Locales[i].Title, want.Locales[i].Heading, want.Locales[i].Body = "T", "H", "B"
	}
	if diff := gocmp.Diff(want, p, policyOpts); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
	if re := p.Exempt.Paths[1].Regexp; !re.MatchString("/status") || re.MatchString("/status/x") {
		t.Errorf("exempt.paths[1] = %v, want a case-insensitive match of the whole path", re)
	}
}

// TestParseDurations checks the accepted forms of durations.
func TestParseDurations(t *testing.T) {
	for _, tc := range []struct {
		retryAfter string
		want       int64
	}{
		{"0", 0},
		{"0s", 0},
		{"90", 90},
		{"+90", 90},
		{"1h", 3600},
		{"1h30m", 5400},
		{"2m0.5s0.5s", 121},
	} {
		t.Run(tc.retryAfter, func(t *testing.T) {
			p, err := policy.Parse("policy.yaml", []byte(minimal+"response: {retry_after: "+tc.retryAfter+"}\n"))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.Response.RetryAfter != tc.want {
				t.Errorf("RetryAfter = %d, want %d", p.Response.RetryAfter, tc.want)
			}
		})
	}
}

// fuzzSeeds are inputs of the cases above, for FuzzParse.
var fuzzSeeds = []string{
	"",
	"# comment\n",
	minimal,
	minimal + "---\nversion: 1\n",
	minimal + "response: {status: 0x1F7, retry_after: 1.5s, redirect: //x}\n",
	minimal + "exempt: {ips: [10.0.0.1/8, \"fe80::1%eth0\"], paths: [\"re:a)|(b\", /a/../b]}\n",
	minimal + "state: {env: 1BAD, poll: 0s, fallback: maybe}\n",
	"version: 1\noutput: [a]\nmessages: {en_US: {title: \"\"}, EN: x}\n",
	"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
	"version: \"1\"\nmessages: {en: {title: T, heading: H, body: B}, en: {}}\n",
	"version: 1\n\tbad: tab\n",
	"\xff\xfe\x00v",
	"version: 1\nx: *nope\n",
}

// FuzzParse checks that Parse never panics and that its errors are always
// a sorted ErrorList with a real position in the file.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := policy.Parse("policy.yaml", src)
		if err == nil {
			if p == nil {
				t.Fatal("Parse returned neither a policy nor an error")
			}
			if len(p.Locales) == 0 || !slices.ContainsFunc(p.Locales, func(l policy.Locale) bool { return l.Tag == p.DefaultLocale }) {
				t.Fatalf("valid policy with default locale %q not among %d locales", p.DefaultLocale, len(p.Locales))
			}
			if p.Response.Status < 400 || p.Response.Status > 599 {
				t.Fatalf("valid policy with status %d", p.Response.Status)
			}
			return
		}
		if p != nil {
			t.Fatal("Parse returned a policy along with an error")
		}
		var list policy.ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("Parse error is %T, want policy.ErrorList: %v", err, err)
		}
		checkErrorList(t, list)
	})
}

// TestParseLinkAndLabel: a locale's link and until_label, and their
// mistakes, each at its place.
func TestParseLinkAndLabel(t *testing.T) {
	const head = "version: 1\noutput: {go: m/m_gen.go, pages: public}\ndefault_locale: de\nmessages:\n  de:\n    {title: T, heading: H, body: B, "
	p, err := policy.Parse("policy.yaml", []byte(head+"until_label: Zurück um, link: {text: Status, href: \"https://status.example.com/\"}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l := p.Locales[0]; l.UntilLabel != "Zurück um" || l.LinkText != "Status" || l.LinkHref != "https://status.example.com/" {
		t.Errorf("locale %+v", l)
	}
	if p, err := policy.Parse("policy.yaml", []byte(head+"link: {text: Status, href: /status}}\n")); err != nil || p.Locales[0].UntilLabel != "" || p.Locales[0].LinkHref != "/status" {
		t.Errorf("a same-site path, no label for German: %v", err)
	}
	for _, c := range []struct{ src, want string }{
		{"link: {text: Status}}", "policy.yaml:6:43: messages.de.link.href is required with messages.de.link"},
		{"link: {text: Status, href: \"javascript:alert(1)\"}}", `policy.yaml:6:64: messages.de.link.href: "javascript:alert(1)": want an http or https URL, or a path starting with /`},
		{"link: {text: Status, href: //evil.example}}", `policy.yaml:6:64: messages.de.link.href: "//evil.example": want an http or https URL, or a path starting with /`},
		{"link: {text: \" \", href: /s}}", "policy.yaml:6:50: messages.de.link.text: must not be empty"},
		{"until_label: \"a\\ue000\"}", "policy.yaml:6:50: messages.de.until_label: holds U+E000, a private-use character that maintgen reserves for the page's slot"},
	} {
		_, err := policy.Parse("policy.yaml", []byte(head+c.src+"\n"))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.src, err, c.want)
		}
	}
}
