// TestXFFEntry runs Go's regexp engine on 100,000 strings, which the race
// detector makes sixty times slower (about a minute) while it has nothing
// to check: the test starts no goroutine. make test runs it without the
// race detector (go test -run '^TestXFFEntry$' ./internal/proxyconf).

//go:build !race

package proxyconf

import (
	"math/rand/v2"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/interp"
)

// TestXFFEntry checks the X-Forwarded-For entry expression of the http{}
// part: every entry it accepts is an address the middleware reads
// (interp.ParseHost), and it refuses the forms nginx reads differently.
func TestXFFEntry(t *testing.T) {
	entry := regexp.MustCompile(`\A` + xffEntry + `\z`)
	r := rand.New(rand.NewPCG(3, 4))
	var accepted int
	for range 20000 {
		var a netip.Addr
		if r.IntN(2) == 0 {
			a = netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
		} else {
			var b [16]byte
			for i := range b {
				if r.IntN(3) > 0 { // runs of zeros, for :: forms
					b[i] = byte(r.IntN(256))
				}
			}
			a = netip.AddrFrom16(b)
		}
		forms := []string{a.String(), netip.AddrPortFrom(a, uint16(r.IntN(65536))).String(), strings.ToUpper(a.String()),
			a.StringExpanded(), " " + a.String() + " "}
		for _, s := range forms {
			// Mutate some: drop, double or swap a character.
			if r.IntN(3) == 0 && len(s) > 2 {
				i := r.IntN(len(s) - 1)
				switch r.IntN(3) {
				case 0:
					s = s[:i] + s[i+1:]
				case 1:
					s = s[:i] + s[i:i+1] + s[i:]
				default:
					s = s[:i] + s[i+1:i+2] + s[i:i+1] + s[i+2:]
				}
			}
			if !entry.MatchString(s) {
				continue
			}
			accepted++
			if _, ok := interp.ParseHost(strings.Trim(s, " ")); !ok {
				t.Errorf("%q is accepted, but the middleware cannot read it", s)
			}
		}
	}
	if accepted < 50000 {
		t.Errorf("only %d entries accepted: the expression refuses valid addresses", accepted)
	}
	for _, s := range []string{"", "unknown", "010.0.0.1", "\t10.0.0.1", "[2001:db8::1]", "fe80::1%eth0", "1:2:3:4:5:6:7::",
		"10.0.0.1:65536", "10.0.0.1:", "[10.0.0.1]:80", "::ffff:010.0.0.1", "10.0.0.1 10.0.0.2",
		"10.0.0.1:0", "10.0.0.1:00000", "[2001:db8::1]:0", "[::ffff:10.0.0.1]:000"} { // nginx refuses port 0

		if entry.MatchString(s) {
			t.Errorf("%q is accepted", s)
		}
	}
	for _, s := range []string{"10.0.0.1", "10.0.0.1:80", "2001:db8::1", "[2001:db8::1]:443", "::ffff:10.0.0.1", "::", "1:2:3:4:5:6::", " ::1 ",
		"10.0.0.1:1", "10.0.0.1:0080", "[2001:db8::1]:00443", "10.0.0.1:65535"} {
		if !entry.MatchString(s) {
			t.Errorf("%q is refused", s)
		}
	}
}
