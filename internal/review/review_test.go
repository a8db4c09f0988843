package review

import (
	"cmp"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/policy"
)

// base is a valid policy that lint finds nothing in; tests add to it.
const base = `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
`

func parse(t *testing.T, name, src string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", name, err, src)
	}
	return p
}

func TestCIDRs(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"10.0.0.0/9", "10.128.0.0/9"}, []string{"10.0.0.0/8"}},
		{[]string{"10.0.0.0/8", "10.1.0.0/16"}, []string{"10.0.0.0/8"}},
		{[]string{"192.0.2.1", "192.0.2.2"}, []string{"192.0.2.1/32", "192.0.2.2/32"}},
		{[]string{"192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"}, []string{"192.0.2.0/30"}},
		{[]string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}, []string{"192.0.2.1/32", "192.0.2.2/31", "192.0.2.4/32"}},
		{[]string{"0.0.0.0/1", "128.0.0.0/1"}, []string{"0.0.0.0/0"}},
		{[]string{"::/1", "8000::/1"}, []string{"::/0"}},
		{[]string{"2001:db8::/33", "2001:db8:8000::/33"}, []string{"2001:db8::/32"}},
		{[]string{"::ffff:0:0/97", "128.0.0.0/1"}, []string{"0.0.0.0/0"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.in, "+"), func(t *testing.T) {
			var pfxs []netip.Prefix
			for _, s := range tt.in {
				pfx, err := policy.ParsePrefix(s)
				if err != nil {
					t.Fatal(err)
				}
				pfxs = append(pfxs, pfx)
			}
			var got []string
			for _, r := range setOf(pfxs).Ranges() {
				for _, p := range cidrs(r) {
					got = append(got, p.String())
				}
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("merged (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOutside(t *testing.T) {
	set := setOf([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("10.2.0.0/16")})
	tests := []struct {
		prefix string
		want   int64
	}{
		{"10.0.0.0/8", 1<<24 - 2<<16},
		{"10.0.1.0/24", 0},
		{"10.1.0.0/16", 1 << 16},
		{"192.0.2.1/32", 1},
		{"::ffff:10.0.0.0/104", 1<<24 - 2<<16}, // the same addresses as 10.0.0.0/8
		{"2001:db8::/120", 256},
	}
	for _, tt := range tests {
		if got := outside(netip.MustParsePrefix(tt.prefix), set); got.Cmp(big.NewInt(tt.want)) != 0 {
			t.Errorf("outside(%s) = %s, want %d", tt.prefix, got, tt.want)
		}
	}
	if got := countAddrs(size(rangeOf(netip.MustParsePrefix("::/0")))); got != "340,282,366,920,938,463,463,374,607,431,768,211,456 addresses" {
		t.Errorf("countAddrs(::/0) = %s", got)
	}
	if got := countAddrs(count(setOf([]netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::ffff:0:0/96")}))); got != "4,294,967,296 addresses" {
		t.Errorf("countAddrs(0.0.0.0/0 + ::ffff:0:0/96) = %s", got)
	}
	if got := countAddrs(big.NewInt(1)); got != "1 address" {
		t.Errorf("countAddrs(1) = %s", got)
	}
}

func TestEveryAddress(t *testing.T) {
	tests := []struct{ prefix, want string }{
		{"::/0", "every address, IPv4 and IPv6"},
		{"0.0.0.0/0", "every IPv4 address"},
		{"::ffff:0:0/96", "every IPv4 address"},
		{"::/1", "every IPv4 address"},
		{"::ffff:0:0/95", "every IPv4 address"},
		{"0.0.0.0/1", ""},
		{"::ffff:0:0/97", ""},
		{"8000::/1", ""},
		{"2001:db8::/32", ""},
	}
	for _, tt := range tests {
		if got := everyAddress(netip.MustParsePrefix(tt.prefix)); got != tt.want {
			t.Errorf("everyAddress(%s) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

// TestAddrMaths checks union, cidrs and outside against counting address
// by address, on random prefixes inside one /20, IPv4 and IPv4-mapped
// IPv6 mixed.
func TestAddrMaths(t *testing.T) {
	const bits = 12 // the /20 holds 1<<bits addresses
	base := netip.MustParseAddr("10.1.0.0")
	rng := rand.New(rand.NewPCG(1, 2))
	pfx := func() netip.Prefix {
		b := 32 - rng.IntN(bits+1)
		off := rng.Uint32N(1<<bits) &^ (1<<(32-b) - 1)
		a := base.As4()
		n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) + off
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), b)
		if rng.IntN(2) == 0 {
			p = netip.PrefixFrom(netip.AddrFrom16(p.Addr().As16()), b+96)
		}
		return p
	}
	// mark sets the bits of the addresses of p in m.
	mark := func(m []bool, p netip.Prefix) {
		q := in128(p)
		a := q.Addr().As16()
		first := int(a[14]&0x0f)<<8 | int(a[15])
		for i := range 1 << (128 - q.Bits()) {
			m[first+i] = true
		}
	}
	for round := range 300 {
		var ps []netip.Prefix
		want := make([]bool, 1<<bits)
		for range 1 + rng.IntN(6) {
			p := pfx()
			ps = append(ps, p)
			mark(want, p)
		}
		got := make([]bool, 1<<bits)
		var merged []netip.Prefix
		for _, r := range setOf(ps).Ranges() {
			for _, c := range cidrs(r) {
				if !c.Addr().Is4() {
					t.Fatalf("round %d: cidrs gave %s, not IPv4", round, c)
				}
				mark(got, c)
				merged = append(merged, c)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: the merged prefixes %v hold other addresses than %v", round, merged, ps)
		}
		// Fewest: no two merged prefixes are the halves of one.
		for i := 1; i < len(merged); i++ {
			a, b := merged[i-1], merged[i]
			if a.Bits() == b.Bits() {
				if up, _ := a.Addr().Prefix(a.Bits() - 1); up.Contains(b.Addr()) {
					t.Fatalf("round %d: %s and %s merge into %s", round, a, b, up)
				}
			}
		}
		// outside counts the addresses of a prefix the set lacks.
		p := pfx()
		in := make([]bool, 1<<bits)
		mark(in, p)
		var n int64
		for i := range in {
			if in[i] && !want[i] {
				n++
			}
		}
		if got := outside(p, setOf(ps)); got.Cmp(big.NewInt(n)) != 0 {
			t.Fatalf("round %d: outside(%s, %v) = %s, want %d", round, p, ps, got, n)
		}
	}
}

func TestLiteralPrefix(t *testing.T) {
	tests := []struct {
		expr     string
		prefix   string
		complete bool
	}{
		{`^/api/v[0-9]+/status$`, "/api/v", false},
		{`/api/.*`, "/api/", false},
		{`api/x`, "api/x", true},
		{`^/healthz$`, "/healthz", true},
		{`(/ready)`, "/ready", true},
		{`(?i)/API/`, "", false},
		{`.*`, "", false},
		{`/a|/b`, "/", false},
	}
	for _, tt := range tests {
		prefix, complete := literalPrefix(tt.expr)
		if prefix != tt.prefix || complete != tt.complete {
			t.Errorf("literalPrefix(%q) = %q, %t; want %q, %t", tt.expr, prefix, complete, tt.prefix, tt.complete)
		}
	}
}

func TestWithin(t *testing.T) {
	tests := []struct {
		b, a string
		want bool
	}{
		{"/admin/x", "/admin/", true},
		{"/admin", "/admin/", true},
		{"/administrator", "/admin/", false},
		{"/admin/x/", "/admin/", true},
		{"/admin/", "/admin/x/", false},
		{"/a", "/a", true},
		{"/a", "/a/", true},
		{"/a/", "/a", false},
		{"re:^/admin/[0-9]+$", "/admin/", true},
		{"re:^/admin$", "/admin/", true},
		{"re:^/adm.*$", "/admin/", false},
		{"/api/v1/status", "re:^/api/v[0-9]+/status$", true},
		{"/api/v1/", "re:^/api/.*$", false}, // unknown, so not claimed
		{"re:^/x$", "re:^/x$", true},
	}
	for _, tt := range tests {
		b, err := policy.ParsePath(tt.b)
		if err != nil {
			t.Fatal(err)
		}
		a, err := policy.ParsePath(tt.a)
		if err != nil {
			t.Fatal(err)
		}
		if got := within(b, a); got != tt.want {
			t.Errorf("within(%s, %s) = %t, want %t", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestLooksSecret(t *testing.T) {
	tests := []struct {
		s, want string
	}{
		{"ghp_" + strings.Repeat("aB3", 12), "a GitHub token"},
		{"key AKIAIOSFODNN7EXAMPLE here", "an AWS access key ID"},
		{"xoxb-1234567890-abcdefghij", "a Slack token"},
		{"sk_live_" + strings.Repeat("a1", 10), "a Stripe key"},
		{"-----BEGIN RSA PRIVATE KEY-----", "a private key"},
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "a JSON Web Token"},
		{"password: hunter2hunter2", "a credential assignment"},
		{"https://deploy:s3cret@example.com/", "a credential in a URL"},
		{"/bypass/9f86d081884c7d659a2feaa0c55ad015", "a random token"},
		{"Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MA", "a random token"},
		// Ordinary policy values.
		{"We'll be back soon", ""},
		{"re:^/api/v[0-9]+/status$", ""},
		{"MAINTENANCE_MODE", ""},
		{"internal/downtime/downtime_gen.go", ""},
		{"Donaudampfschifffahrtsgesellschaftskapitän", ""},
		{"123e4567-e89b-12d3-a456-426614174000", ""},
		{"2001:db8:85a3::8a2e:370:7334/128", ""},
		{"Nous effectuons une maintenance planifiée. Merci de réessayer.", ""},
	}
	for _, tt := range tests {
		if got := looksSecret(tt.s); got != tt.want {
			t.Errorf("looksSecret(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

// lint returns the warnings for base with extra prepended, as
// "LINE:COL: message" strings.
func lint(t *testing.T, extra string) []string {
	t.Helper()
	var out []string
	for _, w := range Lint(parse(t, "p.yaml", extra+base)) {
		if w.Pos.File != "p.yaml" {
			t.Errorf("warning %v: file %q, want p.yaml", w, w.Pos.File)
		}
		out = append(out, strings.TrimPrefix(w.String(), "p.yaml:"))
	}
	return out
}

func TestLint(t *testing.T) {
	tests := []struct {
		name, extra string
		want        []string
	}{
		{"clean", "exempt: {paths: [/healthz, /admin/], ips: [10.0.0.0/8], roles: [staff]}\nproxies: [10.1.0.0/16]\nresponse: {status: 503}\n", nil},
		{"every path", "exempt: {paths: [/]}\n", []string{
			"1:18: warning: exempt.paths[0]: / exempts every path: with the mode on, only force.paths get the maintenance response"}},
		{"every path by regexp", "exempt: {paths: [\"re:.*\"]}\n", []string{
			"1:18: warning: exempt.paths[0]: re:.* exempts every path: with the mode on, only force.paths get the maintenance response"}},
		{"force every path", "force: {paths: [\"re:/.*\"]}\n", []string{
			"1:17: warning: force.paths[0]: re:/.* forces every path: the site gets the maintenance response even when the mode is off"}},
		{"every IPv4 address", "exempt: {ips: [0.0.0.0/0]}\n", []string{
			"1:16: warning: exempt.ips[0]: 0.0.0.0/0 exempts every IPv4 address"}},
		{"every address", "exempt: {ips: [\"::/0\"]}\n", []string{
			"1:16: warning: exempt.ips[0]: ::/0 exempts every address, IPv4 and IPv6"}},
		{"proxies trust everybody", "exempt: {paths: [/healthz]}\nproxies: [\"::ffff:0:0/96\"]\n", []string{
			"2:11: warning: proxies[0]: ::ffff:0:0/96 trusts X-Forwarded-For from every IPv4 address: any client can then claim any address, an exempt one included"}},
		{"proxies without health check", "exempt: {paths: [/admin/]}\nproxies: [10.1.0.0/16]\n", []string{
			"2:10: warning: proxies: the app sits behind a load balancer, but no health check path (such as /healthz) is exempt: its health checks get the maintenance response and it may take every instance out of service"}},
		{"proxies with a health check", "exempt: {paths: [\"re:^/livez$\"]}\nproxies: [10.1.0.0/16]\n", nil},
		{"anonymous", "exempt: {roles: [anonymous]}\n", []string{
			"1:18: warning: exempt.roles[0]: anonymous exempts every request without roles: every visitor who is not signed in"}},
		{"anonymous and authenticated", "exempt: {roles: [authenticated, anonymous]}\n", []string{
			"1:33: warning: exempt.roles[1]: anonymous and authenticated together exempt every request: maintenance mode shows nothing except force.paths"}},
		{"a regexp that exempts most paths", "exempt: {paths: [\"re:/[^~]*\"]}\n", []string{
			"1:18: warning: exempt.paths[0]: re:/[^~]* exempts most paths: it matches 27 of 28 typical paths (/login, /cart, /api/v1/orders, ...)"}},
		{"a health check subtree", "exempt: {paths: [/healthz/]}\n", []string{
			"1:18: warning: exempt.paths[0]: /healthz/ is a subtree: it exempts the paths below it, not /healthz or /healthz/, which routers may route elsewhere; write /healthz for the path itself"}},
		{"toggle for every signed-in user", "exempt: {paths: [/healthz]}\ntoggle: {roles: [admin, authenticated]}\n", []string{
			"2:25: warning: toggle.roles[1]: authenticated lets every signed-in user switch the site into or out of maintenance: name the roles of your administrators"}},
		{"redirect with json_paths", "response: {redirect: /maintenance, json_paths: [/api/]}\n", []string{
			"1:48: warning: response.json_paths: with response.redirect, requests for these paths get a 302 to the HTML page, not JSON: API clients may not follow it; drop one of the two"}},
		{"status", "response: {status: 500}\n", []string{
			"1:20: warning: response.status: 500 is not 503 Service Unavailable, the status of a temporary outage (RFC 9110, section 15.6.4): clients, caches, crawlers and load balancers take other statuses for failures"}},
		{"json path duplicate", "response: {json_paths: [/api/, /api/v1]}\n", []string{
			"1:32: warning: response.json_paths[1]: /api/v1 is shadowed by /api/ (line 1), which matches every path it matches; remove it"}},
		{"forced exact equals exempt", "exempt: {paths: [/x]}\nforce: {paths: [/x]}\n", []string{
			"1:18: warning: exempt.paths[0]: /x is also forced by force.paths[0] /x (line 2): force.paths comes first, so it is never exempt"}},
		{"regexp never matches clean paths", "exempt: {paths: [\"re:^/a//b$\"]}\n", []string{
			"1:18: warning: exempt.paths[0]: re:^/a//b$ can never match: every match starts with /a//b, which a cleaned request path never holds"}},
		{"insecure bypass cookie", "bypass: {secret_env: S, insecure_cookie: true}\n", []string{
			"1:42: warning: bypass.insecure_cookie: the bypass cookie goes over plain HTTP too, where anyone on the way can copy it and get in: keep this for local development"}},
		{"secure bypass cookie", "bypass: {secret_env: S}\n", nil},
		{"secret in a path", "exempt: {paths: [/bypass/9f86d081884c7d659a2feaa0c55ad015]}\n", []string{
			"1:18: warning: exempt.paths[0]: looks like a random token: the policy is committed and compiled into the generated code and pages, so keep secrets out of it (read them at run time instead)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := gocmp.Diff(tt.want, lint(t, tt.extra)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLintSorted checks that warnings come sorted by position, however
// the checks found them.
func TestLintSorted(t *testing.T) {
	p := parse(t, "p.yaml", "response: {status: 404}\nexempt: {paths: [/a/, /a/b, /a/b], ips: [10.0.0.0/9, 10.128.0.0/9, 10.0.0.1]}\n"+base)
	got := Lint(p)
	if len(got) != 5 {
		t.Fatalf("got %d warnings, want 5: %v", len(got), got)
	}
	if !slices.IsSortedFunc(got, func(a, b Warning) int { return cmp.Or(a.Pos.Line-b.Pos.Line, a.Pos.Col-b.Pos.Col) }) {
		t.Errorf("warnings not sorted by position: %v", got)
	}
}

// TestHostileValuesEscaped: a policy value with a newline, an HTML comment
// or a terminal escape cannot end a Markdown code span (and hide the rest
// of a pull request comment), start a GitHub workflow command on a line
// of its own, or restyle a terminal, in explain and diff, text or
// Markdown.
func TestHostileValuesEscaped(t *testing.T) {
	role := "staff\n\n<!-- hidden\n::stop-commands::x\n\x1b[31mred"
	p := parse(t, "p.yaml", "exempt: {roles: ["+strconv.Quote(role)+"]}\n"+base)
	old := parse(t, "p.yaml", base)
	for name, out := range map[string]string{
		"explain text":     Explain(p, false),
		"explain markdown": Explain(p, true),
		"diff text":        FormatDiff(Diff(old, p), false),
		"diff markdown":    FormatDiff(Diff(old, p), true),
	} {
		if strings.Contains(out, "\x1b") || strings.Contains(out, "\n<!--") || strings.Contains(out, "\n::stop-commands") {
			t.Errorf("%s holds the raw value:\n%s", name, out)
		}
		if !strings.Contains(out, `staff\n\n<!-- hidden\n::stop-commands::x\n\x1b[31mred`) {
			t.Errorf("%s does not show the value escaped:\n%s", name, out)
		}
	}
}
