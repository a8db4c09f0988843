package gen

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// TestCompile checks the tables of a policy as a value: duplicate
// patterns keep their first rule, subtrees lose their slash, re: patterns
// get their literal prefix, and the derived header values.
func TestCompile(t *testing.T) {
	src := `version: 1
output: {go: maintenance/maintenance_gen.go, pages: public}
exempt:
  paths: [/healthz, /static/, /healthz, "re:^/api/v[0-9]+/status$", /]
  roles: [staff, superuser, staff]
force: {paths: [/pay]}
response: {retry_after: 2m, clear_cookies: [sessionid]}
toggle: {roles: [superuser, admin, superuser]}
default_locale: fr
messages:
  en: {title: T, heading: H, body: B}
  fr: {title: T, heading: H, body: B}
`
	p, err := policy.Parse("policy.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := render.Pages(p, render.DefaultTemplate(), "", policy.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Compile(p, pages)
	if err != nil {
		t.Fatal(err)
	}
	want := PathTable{
		Exact:   map[string]int{"/healthz": 0},
		Subtree: map[string]int{"/static": 1, "": 4},
		Regexps: []RegexpRule{{Rule: 3, Prefix: "/api/v", Anchored: `\A(?:^/api/v[0-9]+/status$)\z`}},
	}
	if diff := cmp.Diff(want, tb.ExemptPaths); diff != "" {
		t.Errorf("exempt.paths (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"staff": 0, "superuser": 1}, tb.ExemptRoles); diff != "" {
		t.Errorf("exempt.roles (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"admin", "superuser"}, tb.ToggleRoles); diff != "" {
		t.Errorf("toggle.roles (-want +got):\n%s", diff)
	}
	if tb.RetryAfter != "120" || tb.DefaultLocale != 1 || len(tb.Locales) != 2 || tb.Locales[1].Tag != "fr" {
		t.Errorf("RetryAfter %q, DefaultLocale %d, locales %d", tb.RetryAfter, tb.DefaultLocale, len(tb.Locales))
	}
	if len(tb.ClearCookieSet) != 1 || !strings.HasPrefix(tb.ClearCookieSet[0], "sessionid=; Path=/;") {
		t.Errorf("clear cookies %q", tb.ClearCookieSet)
	}
	if !tb.Features["force"] || tb.Features["addr"] || !tb.Features["toggle"] || !tb.Features["locales"] {
		t.Errorf("features %v", tb.Features)
	}
}

// TestFlattenLongestPrefix is a property test of range flattening: for
// random nested and overlapping IPv4 and IPv6 prefixes, the flattened
// table gives every address (random ones, and each prefix's ends and
// their neighbours) the rule that the interpreter's longest-prefix rule
// gives it (interp.Evaluate's exempt.ips step).
func TestFlattenLongestPrefix(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var rules []string
		var probes []netip.Addr
		base4 := netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), 0, 0})
		base6 := netip.MustParseAddr("2001:db8::")
		for range 1 + r.IntN(12) {
			var pf netip.Prefix
			switch r.IntN(3) {
			case 0:
				b := base4.As4()
				b[2], b[3] = byte(r.IntN(4)), byte(r.IntN(256))
				pf = netip.PrefixFrom(netip.AddrFrom4(b), 8+r.IntN(25)).Masked()
			case 1:
				b := base6.As16()
				b[15], b[14] = byte(r.IntN(256)), byte(r.IntN(3))
				pf = netip.PrefixFrom(netip.AddrFrom16(b), 100+r.IntN(29)).Masked()
			default: // an IPv4-mapped IPv6 prefix, which also holds IPv4
				b := base4.As4()
				b[3] = byte(r.IntN(256))
				pf = netip.PrefixFrom(netip.AddrFrom16(netip.AddrFrom4(b).As16()), 112+r.IntN(17)).Masked()
			}
			rules = append(rules, fmt.Sprintf("%q", pf.String()))
			lo, hi := pf.Addr(), lastOf(pf)
			probes = append(probes, lo, hi, lo.Prev(), hi.Next())
		}
		for range 20 {
			b := base4.As4()
			b[2], b[3] = byte(r.IntN(4)), byte(r.IntN(256))
			probes = append(probes, netip.AddrFrom4(b))
		}
		src := fmt.Sprintf("version: 1\noutput: {go: m/m_gen.go, pages: p}\nexempt: {ips: [%s]}\ndefault_locale: en\nmessages: {en: {title: T, heading: H, body: B}}\n", strings.Join(rules, ", "))
		p, err := policy.Parse("policy.yaml", []byte(src))
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		segs := Flatten(p.Exempt.IPs)
		for _, a := range probes {
			if !a.IsValid() {
				continue
			}
			a = a.Unmap()
			d := interp.Evaluate(p, interp.Request{Method: "GET", Path: "/x", RemoteAddr: netip.AddrPortFrom(a, 1).String(), On: true})
			want := -1
			if d.Step == "exempt.ips" {
				want = d.Rule
			}
			if got := lookupSegment(segs, a); got != want {
				t.Fatalf("round %d: %s: flattened rule %d, the interpreter's %d; rules %s\nsegments %v", round, a, got, want, rules, segs)
			}
		}
	}
}

// lookupSegment returns the rule of the segment that holds a, or -1.
func lookupSegment(segs []Segment, a netip.Addr) int {
	x := toU128(netip.AddrFrom16(a.As16()))
	i := sort.Search(len(segs), func(i int) bool { return x.cmp(toU128(netip.AddrFrom16(segs[i].Hi.As16()))) <= 0 })
	if i < len(segs) && toU128(netip.AddrFrom16(segs[i].Lo.As16())).cmp(x) <= 0 {
		return segs[i].Rule
	}
	return -1
}

// lastOf returns the last address of the masked prefix p.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
