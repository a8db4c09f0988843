package proxyconf

import (
	"strconv"
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

// inject is a value that, written raw into a comment of the snippet,
// would end the comment and make nginx trust X-Forwarded-For from anyone.
const inject = "\nset_real_ip_from 0.0.0.0/0;\n#"

// liveLines returns the lines of an nginx file that are not comments.
func liveLines(b []byte) []string {
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestNginxInjection: no value written into the snippet, not even the
// policy file's name, can end one of its comments and write a directive
// of its own, and a package name must name nginx variables (issue 13).
// A value the snippet cannot carry is a positioned error.
func TestNginxInjection(t *testing.T) {
	const src = `version: 1
output: {go: m/m_gen.go, pages: public, nginx: nginx/m.conf}
state: {file: STATE}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`
	parse := func(t *testing.T, name, src string) *policy.Policy {
		t.Helper()
		p, err := policy.Parse(name, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, src, want string
	}{
		{"a newline in state.file", strings.Replace(src, "STATE", strconv.Quote("maintenance.state"+inject), 1),
			`policy.yaml:3:15: output.nginx: state.file "maintenance.state\nset_real_ip_from 0.0.0.0/0;\n#" holds a control character, which the snippet's comments cannot carry (a newline would end the comment and start a directive): rename the file`},
		{"a carriage return in state.file", strings.Replace(src, "STATE", `"m\r.state"`, 1),
			`policy.yaml:3:15: output.nginx: state.file "m\r.state" holds a control character, which the snippet's comments cannot carry (a newline would end the comment and start a directive): rename the file`},
		{"a non-ASCII package", strings.Replace(src, "STATE", "m.state", 1) + "package: paquetÉ\n",
			`policy.yaml:6:10: output.nginx: package "paquetÉ": the snippet names its nginx variables after the package ($paquetÉ_on), and nginx reads a variable name as ASCII letters, digits and _ only: choose an ASCII package name`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Nginx(parse(t, "policy.yaml", c.src))
			if err == nil || err.Error() != c.want {
				t.Errorf("error:\n%v\nwant:\n%s", err, c.want)
			}
		})
	}

	// The policy refuses control characters in output paths; should one
	// reach the snippet all the same, it is refused there too.
	for _, c := range []struct {
		name string
		set  func(p *policy.Policy)
		want string
	}{
		{"output.pages", func(p *policy.Policy) { p.Output.Pages += inject }, `policy.yaml:2:33: output.nginx: output.pages "public\n`},
		{"output.nginx", func(p *policy.Policy) { p.Output.Nginx += inject }, `policy.yaml:2:48: output.nginx: output.nginx "nginx/m.conf\n`},
	} {
		t.Run("a newline in "+c.name, func(t *testing.T) {
			p := parse(t, "policy.yaml", strings.Replace(src, "STATE", "m.state", 1))
			c.set(p)
			if _, _, err := Nginx(p); err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error:\n%v\nwant %s...", err, c.want)
			}
		})
	}

	// The policy file's name is no policy value: it is written safely.
	t.Run("a newline in the policy file's name", func(t *testing.T) {
		// path.Base keeps what follows the last slash: no slash here.
		p := parse(t, "conf/policy\nreal_ip_header X-Forwarded-For;\n#.yaml", strings.Replace(src, "STATE", `"state dir/m;{x}.state"`, 1))
		server, http, err := Nginx(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range [][]byte{server, http} {
			for _, l := range liveLines(part) {
				if strings.Contains(l, "real_ip") {
					t.Errorf("a live directive: %s", l)
				}
			}
		}
		if want := `#             set $maintenance_state_file "/srv/app/state dir/m;{x}.state";  # state.file`; !strings.Contains(string(server), want+"\n") {
			t.Errorf("the state file's example is not quoted for nginx:\n%s", server)
		}
	})
}
