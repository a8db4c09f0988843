// Package adversarial is maintgen's adversarial suite: one list of
// attacks on the guard, each named after the attack, with the safe
// behaviour it must meet. The guard under attack is the middleware
// generated from policy.yaml (package guard, compiled in process; the
// test TestGuardUpToDate keeps it in step, and go generate rewrites it);
// the request attacks also run against the nginx snippet of the same
// policy, in internal/proxyconf (TestNginxAdversarial), which must never
// be more permissive than the middleware.
//
// # Index
//
// Where each attack of issue 7 is tested:
//
//   - Client IP: forwarding headers spoofed without proxies (X-Forwarded-For,
//     X-Real-IP, Forwarded, True-Client-IP), left-most spoofing behind a
//     proxy, several X-Forwarded-For lines, malformed entries (unknown,
//     ports, brackets, garbage), IPv4-mapped IPv6 both ways, zones, an "@"
//     or port-less RemoteAddr, leading zeros, 0.0.0.0 and "::" are the
//     "ip:" cases of Requests, run by TestRequests over a real loopback
//     connection and, for "@", TestUnixSocketPeer over a real Unix socket.
//     The fuzz target FuzzClientIP (internal/gen/maintenance) checks that the
//     result is always a valid address or none.
//   - Paths: /static/../admin, //admin, /static/%2e%2e/admin,
//     /static%2f..%2fadmin, %5c, /administrator against /admin/, /healthz/
//     against /healthz, case changes, ;params, %00, absolute-form request
//     targets and CONNECT: Requests ("path:"), sent as raw bytes to an
//     http.Server; FuzzPathExemption checks that a raw path never gets an
//     exemption its cleaned form would not get.
//   - Regular expressions: unanchored intent, (?m) and newline tricks,
//     control characters: Requests ("regexp:").
//   - Output: messages holding </title><script>, quotes or {{.X}}, U+2028
//     in JSON: TestHostileMessages; CR/LF in Retry-After or the redirect,
//     open-redirect shapes: TestYAMLAttacks (the policy refuses them) and
//     TestRedirectIgnoresTheRequest (the Location never comes from the
//     request).
//   - State and toggles: a corrupt, empty, binary or unreadable state file
//     (a directory, a FIFO, a symbolic-link loop): TestStateFileAttacks;
//     concurrent toggles: TestConcurrentToggles (through the toggle, on a
//     real server; internal/statefile's TestConcurrentTogglesNeverTorn
//     runs 10,000 toggles of maintgen on and off); CSRF against the toggle
//     (cross-origin POSTs from a real http.Server request with Origin and
//     Sec-Fetch-Site): TestToggleCSRF; bypass cookies tampered with,
//     expired, or signed before a secret rotation, and bypass links
//     guessed: TestBypassAttacks (the secret kept out of logs:
//     internal/gen/maintenance's TestBypassSecretNeverLogged).
//   - YAML: alias bombs, deep nesting, files over the size limit,
//     duplicate and unknown keys at every level, type coercions (503.5,
//     0x1F7, -503, null, yes), masked and unmasked CIDRs: TestYAMLAttacks
//     (internal/policy's TestParseAliases, TestParseKeys, TestParseTypes,
//     TestParseCoercions and TestParseSize hold more cases of each; FuzzParse checks that no
//     input panics and that every error has a position).
//
// Where each attack of issue 13 on the outputs is tested (proxyout_test.go,
// and internal/proxyconf against a real nginx):
//
//   - nginx output: a newline in state.file, output.pages, output.nginx or
//     the policy file's name that would end a comment and write a
//     directive, a non-ASCII package: TestNginxValueAttacks (and
//     internal/proxyconf's TestNginxInjection); an X-Forwarded-For entry
//     with port 0 that nginx's realip refuses, and /checkout%2f..%2fx,
//     which nginx resolves out of the forced subtree: Requests ("ip:",
//     "path:"), run against nginx by TestNginxAdversarial, and
//     TestNginxMatchesMiddleware's cases (its policy exemptproxy.yaml has
//     proxies that are exempt themselves).
//   - Output paths: ".." out of the policy's directory, and pages that
//     generate would delete without having written them:
//     TestOutputPathAttacks.
//   - Off read two ways: maintgen off, the toggle, a file holding off and an
//     ended "on until", against what nginx reads: TestOffIsOffEverywhere
//     and TestConcurrentToggles.
//   - State reads: a file truncated by echo on > file while the guard
//     reads it, and a symbolic link swapped to a FIFO between the check
//     and the open: internal/gen/maintenance's
//     TestStateFileTruncatingWriters and TestStateFileSwappedToFIFO, on
//     the runtime itself (this suite's policy falls back to on, which
//     would hide a flip); maintgen status on a FIFO: internal/cli's
//     TestStatusFIFO.
//   - Review tools (review_test.go): widening split into harmless-looking
//     lines (0.0.0.0/1 and 128.0.0.0/1, proxies in parts, re:/[^~]*), a
//     moved or dropped state.file, toggle.roles [authenticated]:
//     TestReviewWideningAttacks; role names with a blank line and an HTML
//     comment, a workflow command or a terminal escape, in every output
//     format: TestReviewEscapingAttacks; validate's cost at 100,000
//     rules: internal/review's BenchmarkValidate; thousands of bypass
//     cookies: TestBypassAttacks and the runtime's
//     TestBypassCookieRefused (only the first four count).
//   - Routers: targets spelled for chi, echo, gin and gorilla/mux
//     (/%68ealthz, /blog/x/../../healthz, /checkout/../cart, /pay/): the
//     "path:" cases of Requests; examples/routers serves tens of thousands
//     of such targets through each router behind the guard.
//
// SECURITY.md states the threat model and the decision taken for each
// input.
package adversarial

import (
	"fmt"
	"strings"
)

//go:generate go test -run TestGuardUpToDate -update

// Attack is one hostile request, as it goes on the wire.
type Attack struct {
	// Name names the attack and the safe behaviour it must meet; its
	// prefix is the kind: "ip:", "path:" or "regexp:".
	Name   string
	Method string // "" is GET
	Target string // the request target, as on the request line
	// Peer is the request's RemoteAddr as net/http reports it to the
	// guard (the test server substitutes it for the loopback address the
	// request really comes from); "" is Outsider.
	Peer    string
	Headers [][2]string // header lines, in order, after Host
	Off     bool        // maintenance mode is off (default on)
	// Want is the step of the guard's decision (a Step of the generated
	// package, such as "maintenance", "exempt.paths" or "force.paths"), or
	// Refused when net/http answers the request itself, before the guard.
	Want string
}

// Refused is the Want of an attack that net/http answers itself (400 Bad
// Request for a malformed request, the OPTIONS * handler), so that
// neither the guard nor the app sees it.
const Refused = "refused by net/http"

// Outsider is a client address that nothing exempts; ProxyPeer is a
// trusted proxy of policy.yaml (127.0.1.0/24).
const (
	Outsider  = "203.0.113.9:41000"
	ProxyPeer = "127.0.1.5:41000"
)

// The steps of the decisions, as the generated Step constants spell them.
const (
	maint  = "maintenance"
	paths  = "exempt.paths"
	ips    = "exempt.ips"
	forced = "force.paths"
	off    = "off"
)

// RemoteAddr returns the RemoteAddr the guard sees for a: its Peer, or
// Outsider.
func (a Attack) RemoteAddr() string {
	if a.Peer == "" {
		return Outsider
	}
	return a.Peer
}

// HTTPMethod returns a's method: its Method, or GET.
func (a Attack) HTTPMethod() string {
	if a.Method == "" {
		return "GET"
	}
	return a.Method
}

// Wire returns a as bytes on the wire: the request line, Host:
// localhost, the attack's headers in order, and Connection: close.
func (a Attack) Wire() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: localhost\r\n", a.HTTPMethod(), a.Target)
	for _, h := range a.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("Connection: close\r\n\r\n")
	return []byte(b.String())
}

func xff(values ...string) [][2]string {
	var h [][2]string
	for _, v := range values {
		h = append(h, [2]string{"X-Forwarded-For", v})
	}
	return h
}

// Requests are the request attacks, against policy.yaml with the mode on
// (unless Off): its exempt.paths are /healthz, /admin/, /static/,
// re:^/api/v[0-9]+/status$, re:/docs/[a-z]+, re:(?m)^/multi$ and
// re:^/public/.*$; exempt.ips 127.0.0.1, 10.0.0.1, 192.0.2.0/24,
// ::ffff:198.51.100.0/120 and 2001:db8::/32; force.paths /checkout/ and
// /pay; proxies 127.0.1.0/24 and 2001:db8:ffff::/48.
var Requests = []Attack{
	// ---- Client IP ----
	{Name: "ip: spoofed X-Forwarded-For from an untrusted peer is never read: maintenance", Target: "/secret",
		Headers: xff("127.0.0.1"), Want: maint},
	{Name: "ip: spoofed X-Real-IP is never read: maintenance", Target: "/secret",
		Headers: [][2]string{{"X-Real-IP", "127.0.0.1"}}, Want: maint},
	{Name: "ip: spoofed Forwarded for= is never read: maintenance", Target: "/secret",
		Headers: [][2]string{{"Forwarded", "for=127.0.0.1;proto=https"}}, Want: maint},
	{Name: "ip: spoofed True-Client-IP is never read: maintenance", Target: "/secret",
		Headers: [][2]string{{"True-Client-IP", "127.0.0.1"}}, Want: maint},
	{Name: "ip: every forwarding header spoofed at once from an untrusted peer: maintenance", Target: "/secret",
		Headers: [][2]string{{"X-Forwarded-For", "127.0.0.1"}, {"X-Real-IP", "127.0.0.1"}, {"Forwarded", "for=127.0.0.1"},
			{"True-Client-IP", "127.0.0.1"}, {"CF-Connecting-IP", "127.0.0.1"}, {"X-Client-IP", "127.0.0.1"}}, Want: maint},
	{Name: "ip: an exempt peer is its own client whatever X-Forwarded-For says: pass", Target: "/secret",
		Peer: "127.0.0.1:41000", Headers: xff("203.0.113.9"), Want: ips},
	{Name: "ip: left-most spoofing behind a trusted proxy: the right-most entry is the client: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1, 203.0.113.9"), Want: maint},
	{Name: "ip: left-most spoofing through a chain of trusted proxies: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1, 203.0.113.9, 127.0.1.7, 127.0.1.8"), Want: maint},
	{Name: "ip: genuine client behind a trusted proxy (control): pass", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1"), Want: ips},
	{Name: "ip: genuine client behind two trusted proxies (control): pass", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1, 127.0.1.9"), Want: ips},
	{Name: "ip: several X-Forwarded-For lines, the spoofed one first: read as one list from the right: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1", "203.0.113.9"), Want: maint},
	{Name: "ip: several X-Forwarded-For lines, the client in an earlier line behind proxies (control): pass", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1", "127.0.1.9"), Want: ips},
	{Name: "ip: X-Real-IP from a trusted proxy is still never read: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: [][2]string{{"X-Real-IP", "127.0.0.1"}, {"X-Forwarded-For", "203.0.113.9"}}, Want: maint},
	{Name: "ip: lower-case x-forwarded-for is the same header (control): pass", Target: "/secret",
		Peer: ProxyPeer, Headers: [][2]string{{"x-forwarded-for", "127.0.0.1"}}, Want: ips},
	{Name: "ip: X_Forwarded_For with underscores is another header: the proxy is the client: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: [][2]string{{"X_Forwarded_For", "127.0.0.1"}}, Want: maint},
	{Name: "ip: unknown reached before the client: no client IP: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1, unknown"), Want: maint},
	{Name: "ip: unknown left of the client is never read (control): pass", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("unknown, 127.0.0.1"), Want: ips},
	{Name: "ip: garbage entry reached before the client: no client IP: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1, <script>alert(1)</script>"), Want: maint},
	{Name: "ip: empty entries reached before the client: no client IP: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1,,"), Want: maint},
	{Name: "ip: an entry with a port is the address (documented): pass", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1:8080"), Want: ips},
	{Name: "ip: an entry with a port out of range is malformed: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1:65536"), Want: maint},
	{Name: "ip: an entry with a non-numeric port is malformed: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1:http"), Want: maint},
	{Name: "ip: bracketed IPv6 with a port is the address: pass", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("[2001:db8::5]:443"), Want: ips},
	{Name: "ip: an unclosed bracket is malformed: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("[2001:db8::5"), Want: maint},
	{Name: "ip: a stray closing bracket is malformed: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("2001:db8::5]"), Want: maint},
	{Name: "ip: a hostname entry is malformed: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("localhost"), Want: maint},
	{Name: "ip: a Forwarded-style for= entry in X-Forwarded-For is malformed: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("for=127.0.0.1"), Want: maint},
	{Name: "ip: two addresses in one entry, separated by a space, are malformed: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("203.0.113.9 127.0.0.1"), Want: maint},
	{Name: "ip: an IPv4-mapped IPv6 entry is unmapped: pass", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("::ffff:127.0.0.1"), Want: ips},
	{Name: "ip: an IPv4-mapped IPv6 peer is unmapped: pass", Target: "/secret",
		Peer: "[::ffff:10.0.0.1]:41000", Want: ips},
	{Name: "ip: an IPv4-mapped peer in an IPv4 prefix: pass", Target: "/secret",
		Peer: "[::ffff:192.0.2.5]:41000", Want: ips},
	{Name: "ip: an IPv4 peer in an IPv4-mapped IPv6 prefix: pass", Target: "/secret",
		Peer: "198.51.100.7:41000", Want: ips},
	{Name: "ip: an IPv4-compatible ::a.b.c.d peer is not IPv4: maintenance", Target: "/secret",
		Peer: "[::192.0.2.5]:41000", Want: maint},
	{Name: "ip: a NAT64 64:ff9b::a.b.c.d peer is not IPv4: maintenance", Target: "/secret",
		Peer: "[64:ff9b::192.0.2.5]:41000", Want: maint},
	{Name: "ip: a zone on an IPv6 peer is dropped: pass", Target: "/secret",
		Peer: "[2001:db8::5%eth0]:41000", Want: ips},
	{Name: "ip: a zone on an IPv6 entry is dropped: pass", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("2001:db8::5%eth0"), Want: ips},
	{Name: "ip: a zone on an IPv4 entry is malformed: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1%eth0"), Want: maint},
	{Name: "ip: a zone holding colons on an IPv4 entry is malformed too (found by FuzzClientIP): maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1%::"), Want: maint},
	{Name: "ip: an @ peer (a Unix socket) has no client IP: maintenance", Target: "/secret",
		Peer: "@", Want: maint},
	{Name: "ip: a port-less IPv4 peer is the address: pass", Target: "/secret",
		Peer: "127.0.0.1", Want: ips},
	{Name: "ip: a port-less IPv6 peer is the address: pass", Target: "/secret",
		Peer: "2001:db8::5", Want: ips},
	{Name: "ip: a leading zero is not octal: 0127.0.0.1 is malformed: maintenance", Target: "/secret",
		Peer: "0127.0.0.1:41000", Want: maint},
	{Name: "ip: a leading zero in an entry is malformed: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.000.000.001"), Want: maint},
	{Name: "ip: hexadecimal and integer IPv4 forms are malformed: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("0x7f.0.0.1, 2130706433"), Want: maint},
	{Name: "ip: 10.0.0.10 is not the exempt 10.0.0.1 (no prefix matching of text): maintenance", Target: "/secret",
		Peer: "10.0.0.10:41000", Want: maint},
	{Name: "ip: 110.0.0.1 is not the exempt 10.0.0.1: maintenance", Target: "/secret",
		Peer: "110.0.0.1:41000", Want: maint},
	{Name: "ip: X-Real-IP from an untrusted peer is never read (chi's middleware.RealIP would): maintenance", Target: "/secret",
		Headers: [][2]string{{"X-Real-IP", "127.0.0.1"}, {"True-Client-IP", "127.0.0.1"}, {"CF-Connecting-IP", "127.0.0.1"}}, Want: maint},
	{Name: "ip: the exempt 10.0.0.1 itself (control): pass", Target: "/secret",
		Peer: "10.0.0.1:41000", Want: ips},
	{Name: "ip: 0.0.0.0 is an address nothing exempts: maintenance", Target: "/secret",
		Peer: "0.0.0.0:41000", Want: maint},
	{Name: "ip: :: is an address nothing exempts: maintenance", Target: "/secret",
		Peer: "[::]:41000", Want: maint},
	{Name: "ip: 0.0.0.0 and :: in X-Forwarded-For exempt nothing: maintenance", Target: "/secret",
		Peer: ProxyPeer, Headers: xff("127.0.0.1, ::", "0.0.0.0"), Want: maint},
	{Name: "ip: an entry with port 0 through a proxy that is exempt itself is the entry's address, not the proxy's (nginx's realip refuses port 0 and would keep the proxy): maintenance", Target: "/secret",
		Peer: "[2001:db8:ffff::5]:41000", Headers: xff("203.0.113.9:0"), Want: maint},
	{Name: "ip: the exempt proxy without X-Forwarded-For is its own client (control): pass", Target: "/secret",
		Peer: "[2001:db8:ffff::5]:41000", Want: ips},

	// ---- Paths ----
	{Name: "path: /static/../admin is not in canonical form (chi routes it on /static/*): never exempt by path: maintenance", Target: "/static/../admin", Want: maint},
	{Name: "path: /admin/../orders climbs out of the exempt subtree: maintenance", Target: "/admin/../orders", Want: maint},
	{Name: "path: //admin, an empty segment, is not in canonical form: maintenance", Target: "//admin", Want: maint},
	{Name: "path: /blog/hello/../../healthz, which chi routes to /blog/* uncleaned: never exempt by path: maintenance", Target: "/blog/hello/../../healthz", Want: maint},
	{Name: "path: /healthz/., a trailing dot segment: maintenance", Target: "/healthz/.", Want: maint},
	{Name: "path: /admin/x/.. climbs back to the subtree root: not canonical: maintenance", Target: "/admin/x/..", Want: maint},
	{Name: "path: /static/%2e%2e/admin hides a dot segment: never exempt by path: maintenance", Target: "/static/%2e%2e/admin", Want: maint},
	{Name: "path: /admin/%2e%2e/orders hides a dot segment: never exempt by path: maintenance", Target: "/admin/%2e%2e/orders", Want: maint},
	{Name: "path: /static%2f..%2fadmin hides separators: never exempt by path: maintenance", Target: "/static%2f..%2fadmin", Want: maint},
	{Name: "path: /static%2F..%2Fadmin, upper-case escapes: maintenance", Target: "/static%2F..%2Fadmin", Want: maint},
	{Name: "path: /admin%2forders hides a separator: maintenance", Target: "/admin%2forders", Want: maint},
	{Name: "path: /admin%5c..%5corders hides backslashes: maintenance", Target: "/admin%5c..%5corders", Want: maint},
	{Name: `path: /admin\..\orders holds backslashes: maintenance`, Target: `/admin\..\orders`, Want: maint},
	{Name: "path: /administrator is not under /admin/: maintenance", Target: "/administrator", Want: maint},
	{Name: "path: /admin-panel/ is not under /admin/: maintenance", Target: "/admin-panel/", Want: maint},
	{Name: "path: /admin, the bare root of the exempt subtree /admin/, which chi routes to /{page}: maintenance", Target: "/admin", Want: maint},
	{Name: "path: /admin/, the exempt subtree's root, which chi's StripSlashes routes as /admin: maintenance", Target: "/admin/", Want: maint},
	{Name: "path: /admin/x, below the exempt subtree (control): pass", Target: "/admin/x", Want: paths},
	{Name: "path: /admin/x/, below the exempt subtree with a trailing slash: pass", Target: "/admin/x/", Want: paths},
	{Name: "path: /healthz/ is not the exact /healthz: maintenance", Target: "/healthz/", Want: maint},
	{Name: "path: /healthz/x is not the exact /healthz: maintenance", Target: "/healthz/x", Want: maint},
	{Name: "path: /healthz (control): pass", Target: "/healthz", Want: paths},
	{Name: "path: /HEALTHZ, another case, is another path: maintenance", Target: "/HEALTHZ", Want: maint},
	{Name: "path: /Admin/x, another case, is another path: maintenance", Target: "/Admin/x", Want: maint},
	{Name: "path: /%61dmin/x, an escaped letter, which echo routes to /:tenant/*: never exempt by path: maintenance", Target: "/%61dmin/x", Want: maint},
	{Name: "path: /%68ealthz, an escaped letter, which chi routes to /{page}: never exempt by path: maintenance", Target: "/%68ealthz", Want: maint},
	{Name: "path: /%68EALTHZ mixes an escape and case: maintenance", Target: "/%68EALTHZ", Want: maint},
	{Name: "path: /admin/%78, an escaped letter inside the exempt subtree, is not canonical: maintenance", Target: "/admin/%78", Want: maint},
	{Name: "path: /admin/a%20b, the default encoding of a space, is canonical (control): pass", Target: "/admin/a%20b", Want: paths},
	{Name: "path: /healthz;jsessionid=1, ;params are part of the path: maintenance", Target: "/healthz;jsessionid=1", Want: maint},
	{Name: "path: /admin;x=1 is not under /admin/: maintenance", Target: "/admin;x=1", Want: maint},
	{Name: "path: /healthz%00, a NUL, is another path: maintenance", Target: "/healthz%00", Want: maint},
	{Name: "path: /healthz%0a, a newline, is another path: maintenance", Target: "/healthz%0a", Want: maint},
	{Name: "path: /healthz#x, a fragment on the request line, is part of the path: maintenance", Target: "/healthz#x", Want: maint},
	{Name: "path: /admin/#x, a # on the request line under an exempt subtree, is not the default encoding: maintenance", Target: "/admin/#x", Want: maint},
	{Name: "path: /x#/../checkout/ with the mode off, a # and dot segments, is the forced /checkout/", Target: "/x#/../checkout/", Off: true, Want: forced},
	{Name: "path: /x?/healthz, a path in the query, does not count: maintenance", Target: "/x?/healthz", Want: maint},
	{Name: "path: absolute-form http://evil.example/admin/x: the path decides, as ServeMux routes it: pass", Target: "http://evil.example/admin/x", Want: paths},
	{Name: "path: absolute-form http://evil.example/orders: maintenance", Target: "http://evil.example/orders", Want: maint},
	{Name: "path: absolute-form with userinfo http://admin@evil.example/orders: maintenance", Target: "http://admin@evil.example/orders", Want: maint},
	{Name: "path: absolute-form without a path is /: maintenance", Target: "http://evil.example", Want: maint},
	{Name: "path: a Host or X-Original-URL header cannot change the path: maintenance", Target: "/orders",
		Headers: [][2]string{{"X-Original-URL", "/admin/"}, {"X-Rewrite-URL", "/admin/"}, {"X-Forwarded-Prefix", "/admin"}}, Want: maint},
	{Name: "path: CONNECT /orders/../admin/, which ServeMux routes to /orders/ uncleaned: never exempt by path: maintenance", Method: "CONNECT",
		Target: "/orders/../admin/", Want: maint},
	{Name: "path: CONNECT //admin, uncleaned: maintenance", Method: "CONNECT", Target: "//admin", Want: maint},
	{Name: "path: CONNECT with a clean exempt path (control): pass", Method: "CONNECT", Target: "/admin/x", Want: paths},
	{Name: "path: CONNECT example.com:443, authority-form, has no path: maintenance", Method: "CONNECT", Target: "example.com:443", Want: maint},
	{Name: "path: CONNECT /checkout/../x with the mode off, which ServeMux routes to /checkout/: forced", Method: "CONNECT",
		Target: "/checkout/../x", Off: true, Want: forced},
	{Name: "path: /checkout/%2e%2e/x with the mode off, which ServeMux routes to /checkout/: forced", Target: "/checkout/%2e%2e/x", Off: true, Want: forced},
	{Name: "path: /checkout/%2E./x with the mode off: forced", Target: "/checkout/%2E./x", Off: true, Want: forced},
	{Name: "path: /checkout/%2e/../x with the mode off, which ServeMux cleans to /checkout/x: forced", Target: "/checkout/%2e/../x", Off: true, Want: forced},
	{Name: "path: /x/../checkout/y with the mode off: forced on the cleaned path", Target: "/x/../checkout/y", Off: true, Want: forced},
	{Name: "path: //checkout/ with the mode off: forced", Target: "//checkout/", Off: true, Want: forced},
	{Name: "path: /%63heckout/x, an escaped letter, with the mode off: forced", Target: "/%63heckout/x", Off: true, Want: forced},
	{Name: "path: /checkout%2fx with the mode off: forced (ServeMux would not route it there)", Target: "/checkout%2fx", Off: true, Want: forced},
	{Name: "path: /checkout%2f..%2fx with the mode off, which chi routes to /checkout/* decoded and nginx resolves to /x: forced, at nginx too", Target: "/checkout%2f..%2fx", Off: true, Want: forced},
	{Name: "path: /CHECKOUT/, another case, another route, with the mode off: pass", Target: "/CHECKOUT/", Off: true, Want: off},
	{Name: "path: /checkout/../cart with the mode off, which chi and echo route to /checkout/* uncleaned: forced", Target: "/checkout/../cart", Off: true, Want: forced},
	{Name: "path: /checkout/.. with the mode off, which chi and echo route to /checkout/*: forced", Target: "/checkout/..", Off: true, Want: forced},
	{Name: "path: /pay/ with the mode off, which chi's StripSlashes and echo's RemoveTrailingSlash route to /pay: forced", Target: "/pay/", Off: true, Want: forced},
	{Name: "path: /pay/. with the mode off, which cleans to /pay: forced", Target: "/pay/.", Off: true, Want: forced},
	{Name: "path: /pay// with the mode off: forced", Target: "/pay//", Off: true, Want: forced},
	{Name: "path: OPTIONS *, the asterisk-form, is answered by net/http", Method: "OPTIONS", Target: "*", Want: Refused},
	{Name: "path: a raw NUL byte on the request line is refused by net/http", Target: "/healthz\x00", Want: Refused},
	{Name: "path: a raw control character on the request line is refused by net/http", Target: "/admin/\x7f", Want: Refused},
	{Name: "path: a request target without a slash is refused by net/http", Target: "admin/x", Want: Refused},
	{Name: "path: a 64 KiB path under an exempt subtree (control): pass", Target: "/admin/" + longSegment, Want: paths},
	{Name: "path: a 64 KiB path elsewhere: maintenance", Target: "/orders/" + longSegment, Want: maint},

	// ---- Regular expressions ----
	{Name: "regexp: re:/docs/[a-z]+ (unanchored intent) matches the whole path only (control): pass", Target: "/docs/intro", Want: paths},
	{Name: "regexp: re:/docs/[a-z]+ does not match a longer path: maintenance", Target: "/docs/intro/x", Want: maint},
	{Name: "regexp: re:/docs/[a-z]+ does not match a prefixed path: maintenance", Target: "/orders/docs/intro", Want: maint},
	{Name: "regexp: re:/docs/[a-z]+ sees the cleaned path, not the dot segments: maintenance", Target: "/docs/intro/../../orders", Want: maint},
	{Name: "regexp: re:^/api/v[0-9]+/status$: a trailing newline does not satisfy $: maintenance", Target: "/api/v1/status%0a", Want: maint},
	{Name: "regexp: re:^/api/v[0-9]+/status$: CR LF does not satisfy $: maintenance", Target: "/api/v1/status%0d%0a", Want: maint},
	{Name: "regexp: re:^/api/v[0-9]+/status$: a non-ASCII digit is not [0-9]: maintenance", Target: "/api/v%D9%A1/status", Want: maint},
	{Name: "regexp: re:^/api/v[0-9]+/status$ (control): pass", Target: "/api/v12/status", Want: paths},
	{Name: "regexp: re:(?m)^/multi$: (?m) cannot let a line after a newline match: maintenance", Target: "/orders%0a/multi", Want: maint},
	{Name: "regexp: re:(?m)^/multi$: nor a line before one: maintenance", Target: "/multi%0a/orders", Want: maint},
	{Name: "regexp: re:(?m)^/multi$ (control): pass", Target: "/multi", Want: paths},
	{Name: "regexp: re:^/public/.*$: . does not match a newline: maintenance", Target: "/public/a%0a", Want: maint},
	{Name: "regexp: re:^/public/.*$ matches the cleaned path, not one climbing out: maintenance", Target: "/public/../orders", Want: maint},
	{Name: "regexp: a control character against an exact path: maintenance", Target: "/healthz%09", Want: maint},
	{Name: "regexp: DEL against an exact path: maintenance", Target: "/healthz%7f", Want: maint},
}

// longSegment is a 64 KiB path segment.
var longSegment = func() string {
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return string(b)
}()
