package proxyconf

import (
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
