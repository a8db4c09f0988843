package proxyconf

import (
	"math/rand/v2"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/policy"
)

// TestNginxErrors checks what the nginx snippet cannot carry: each is a
// positioned error, all reported at once.
func TestNginxErrors(t *testing.T) {
	src := `version: 1
output: {go: m/m_gen.go, pages: public, nginx: nginx/m.conf}
state: {file: m.state}
exempt:
  paths: ["/ok", "re:^/\\pL+/\\pN+$"]
force:
  paths: ["re:^/[\\p{Han}\\p{Greek}]+/\\p{Cyrillic}.\\pL$"]
response: {redirect: "/down;here"}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`
	p, err := policy.Parse("policy.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Nginx(p)
	if err == nil {
		t.Fatal("no error")
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{
		`policy.yaml:5:18: output.nginx: exempt.paths[1]: "re:^/\\pL+/\\pN+$" is `,
		`policy.yaml:7:11: output.nginx: force.paths[0]: "re:^/[\\p{Han}\\p{Greek}]+/\\p{Cyrillic}.\\pL$" is `,
		`policy.yaml:8:22: output.nginx: response.redirect "/down;here" holds a character that nginx's return directive cannot carry as it is (space, quote, $, ;, { or }): choose a plainer path`,
	}
	if len(got) != len(want) {
		t.Fatalf("errors:\n%s\nwant %d", err, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d:\n got %s\nwant %s...", i, got[i], want[i])
		}
	}
	if !strings.Contains(got[0], "which reads at most 4094 bytes in one parameter") {
		t.Errorf("the length error does not give nginx's limit: %s", got[0])
	}
}

// TestNginxDeterministic checks that the snippet is the same bytes every
// time, and that it names the variables after the package.
func TestNginxDeterministic(t *testing.T) {
	p, _ := loadPolicy(t, "testdata/edge.yaml")
	server, http, err := Nginx(p)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		s2, h2, err := Nginx(p)
		if err != nil || string(s2) != string(server) || string(h2) != string(http) {
			t.Fatal("a second run gives other bytes")
		}
	}
	for _, part := range [][]byte{server, http} {
		if strings.Contains(string(part), "$maintenance_") {
			t.Error("a variable is not named after the package edge")
		}
	}
	if !strings.Contains(string(server), "set $edge_on 0;") || !strings.Contains(string(http), "map $http_accept_language $edge_al0 {") {
		t.Error("the edge_ variables are missing")
	}
}

// TestXFFEntry checks the X-Forwarded-For entry expression of the http{}
// part: every entry it accepts is an address the middleware reads
// (policy.ParseHost), and it refuses the forms nginx reads differently.
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
			if _, ok := policy.ParseHost(strings.Trim(s, " ")); !ok {
				t.Errorf("%q is accepted, but the middleware cannot read it", s)
			}
		}
	}
	if accepted < 50000 {
		t.Errorf("only %d entries accepted: the expression refuses valid addresses", accepted)
	}
	for _, s := range []string{"", "unknown", "010.0.0.1", "\t10.0.0.1", "[2001:db8::1]", "fe80::1%eth0", "1:2:3:4:5:6:7::",
		"10.0.0.1:65536", "10.0.0.1:", "[10.0.0.1]:80", "::ffff:010.0.0.1", "10.0.0.1 10.0.0.2"} {
		if entry.MatchString(s) {
			t.Errorf("%q is accepted", s)
		}
	}
	for _, s := range []string{"10.0.0.1", "10.0.0.1:80", "2001:db8::1", "[2001:db8::1]:443", "::ffff:10.0.0.1", "::", "1:2:3:4:5:6::", " ::1 "} {
		if !entry.MatchString(s) {
			t.Errorf("%q is refused", s)
		}
	}
}
