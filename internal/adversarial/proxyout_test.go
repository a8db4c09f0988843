package adversarial

import (
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/adversarial/guard"
	"github.com/maintgen/maintgen/internal/build"
	"github.com/maintgen/maintgen/internal/cli"
	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/proxyconf"
)

// This file holds the attacks of issue 13 on what maintgen writes outside
// the Go file: policy values that would inject a directive into the nginx
// snippet, output paths that leave their directory, pages that generate
// would delete without having written them, and "off" read two ways by the
// guard and nginx.

// nginxPolicy is a policy with an nginx snippet; STATE is its state.file.
const nginxPolicy = `version: 1
output: {go: m/m_gen.go, pages: public, nginx: nginx/m.conf}
state: {file: STATE}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`

// outputs runs the pipeline of generate and validate on src.
func outputs(name, src string) (build.Files, error) {
	_, files, err := build.Outputs(name, []byte(src), func(string) ([]byte, error) { return nil, fs.ErrNotExist }, gen.Options{})
	return files, err
}

// nginxOutputs returns the nginx snippet's two parts for src, without the
// rest of the pipeline.
func nginxOutputs(name, src string) (build.Files, error) {
	p, err := policy.Parse(name, []byte(src))
	if err != nil {
		return nil, err
	}
	server, http, err := proxyconf.Nginx(p)
	if err != nil {
		return nil, err
	}
	return build.Files{{Path: p.Output.Nginx, Kind: build.NginxServer, Data: server}, {Path: p.Output.NginxHTTP, Kind: build.NginxHTTP, Data: http}}, nil
}

// TestNginxValueAttacks: no policy value, nor the policy file's name, can
// end a comment of the nginx snippet and write a directive of its own
// (here set_real_ip_from 0.0.0.0/0, which would let anyone claim an
// exempt address with X-Forwarded-For); a value the snippet cannot carry
// is a policy error at its position, which validate reports.
func TestNginxValueAttacks(t *testing.T) {
	const inject = "\nset_real_ip_from 0.0.0.0/0;\n#"
	state := func(v string) string { return strings.Replace(nginxPolicy, "STATE", strconv.Quote(v), 1) }
	for _, c := range []struct {
		name, file, src string
		want            string // the error's first line, up to its message's start; "" for no error
	}{
		{"a newline in state.file would end the header comment: refused", "policy.yaml", state("maintenance.state" + inject),
			`policy.yaml:3:15: output.nginx: state.file "maintenance.state\nset_real_ip_from 0.0.0.0/0;\n#" holds a control character`},
		{"a newline in output.pages: refused", "policy.yaml", strings.Replace(state("m.state"), "pages: public", "pages: "+strconv.Quote("public"+inject), 1),
			`policy.yaml:2:33: output.pages: "public\nset_real_ip_from 0.0.0.0/0;\n#" holds a control character`},
		{"a newline in output.nginx: refused", "policy.yaml", strings.Replace(state("m.state"), "nginx: nginx/m.conf", "nginx: "+strconv.Quote("nginx/m"+inject+".conf"), 1),
			`policy.yaml:2:48: output.nginx: "nginx/m\nset_real_ip_from 0.0.0.0/0;\n#.conf" holds a control character`},
		{"a non-ASCII package, which names no nginx variable: refused", "policy.yaml", state("m.state") + "package: paquetÉ\n",
			`policy.yaml:6:10: output.nginx: package "paquetÉ": the snippet names its nginx variables after the package`},
		// (The Go file's header refuses this name too: gen.Source's
		// output does not parse. Only the snippet is generated here.)
		{"a newline in the policy file's name: kept inside the comment", "conf/policy\nreal_ip_header X-Forwarded-For;\n#.yaml", state("m.state"), ""},
		{"spaces, quotes and ; in state.file (control): accepted, quoted in the example", "policy.yaml", state(`state dir/"m";{x}.state`), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			pipeline := outputs
			if c.file != "policy.yaml" {
				pipeline = nginxOutputs
			}
			files, err := pipeline(c.file, c.src)
			if c.want != "" {
				if err == nil || !strings.HasPrefix(err.Error(), c.want) {
					t.Fatalf("error:\n%v\nwant a line starting:\n%s", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			nginx := files.Of(build.NginxServer, build.NginxHTTP)
			if len(nginx) != 2 {
				t.Fatalf("%d nginx files", len(nginx))
			}
			for _, f := range nginx {
				for _, line := range strings.Split(string(f.Data), "\n") {
					if l := strings.TrimSpace(line); !strings.HasPrefix(l, "#") && strings.Contains(l, "real_ip") {
						t.Errorf("%s: a live directive from a value: %s", f.Path, l)
					}
				}
			}
		})
	}
}

// TestOutputPathAttacks: an output path cannot leave the policy file's
// directory (an output.haproxy two levels up overwrote a dotfile), and
// generate removes only the pages it wrote itself, so that output.pages
// pointed at a directory of other pages deletes none of them.
func TestOutputPathAttacks(t *testing.T) {
	for _, c := range []struct{ name, from, to, want string }{
		{"output.haproxy two levels up, onto a dotfile", "nginx: nginx/m.conf}", "nginx: nginx/m.conf, haproxy: ../../.bashrc}",
			`policy.yaml:2:71: output.haproxy: "../../.bashrc" leaves the policy file's directory`},
		{"output.go above the policy", "go: m/m_gen.go", "go: m/../../m_gen.go",
			`policy.yaml:2:14: output.go: "m/../../m_gen.go" leaves the policy file's directory`},
		{"output.pages as ..", "pages: public", "pages: ..",
			`policy.yaml:2:33: output.pages: ".." leaves the policy file's directory`},
		{"output.nginx above the policy", "nginx: nginx/m.conf", "nginx: ../nginx/m.conf",
			`policy.yaml:2:48: output.nginx: "../nginx/m.conf" leaves the policy file's directory`},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(strings.Replace(nginxPolicy, "STATE", "m.state", 1), c.from, c.to, 1)
			if _, err := outputs("policy.yaml", src); err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error:\n%v\nwant a line starting:\n%s", err, c.want)
			}
		})
	}

	t.Run("output.pages pointed at a directory of other pages: generate deletes none", func(t *testing.T) {
		dir := t.TempDir()
		theirs := map[string]string{"503.html": "their page", "503.fr.html": "their French page", "404.json": "{}", "500.en-GB.html": "theirs"}
		for name, content := range theirs {
			if err := os.MkdirAll(filepath.Join(dir, "public"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "public", name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// The policy's own pages overwrite 503.html (its name), and then
		// the policy moves to status 500: generate removes what it wrote,
		// and leaves every other page.
		policyFile := filepath.Join(dir, "policy.yaml")
		for _, src := range []string{strings.Replace(nginxPolicy, "STATE", "m.state", 1), strings.Replace(nginxPolicy, "STATE", "m.state", 1) + "response: {status: 500}\n"} {
			if err := os.WriteFile(policyFile, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr strings.Builder
			if code := cli.Run([]string{"generate", "-policy", policyFile}, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Fatalf("generate: %d: %s", code, stderr.String())
			}
		}
		for name, content := range theirs {
			b, err := os.ReadFile(filepath.Join(dir, "public", name))
			switch {
			case name == "503.html":
				// generate wrote over it with the 503 policy, so it was
				// generate's to remove when the status changed.
				if !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s: %v; generate wrote it, and should have removed it", name, err)
				}
			case err != nil || string(b) != content:
				t.Errorf("%s: %q, %v; want it kept", name, b, err)
			}
		}
	})
}

// TestOffIsOffEverywhere: maintgen off and the generated toggle leave off
// in the one form that the guard and the nginx snippet read alike, no
// state file; status says what nginx does, including where it cannot
// follow the middleware (an "on until" that has ended).
func TestOffIsOffEverywhere(t *testing.T) {
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		var stdout, stderr strings.Builder
		if code := cli.Run(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("maintgen %s: %d: %s", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.String()
	}
	missing := func(t *testing.T, name string) {
		t.Helper()
		if _, err := os.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %v; off must leave no file, which nginx reads as on", name, err)
		}
	}
	t.Run("maintgen off", func(t *testing.T) {
		t.Chdir(t.TempDir())
		if err := os.WriteFile("policy.yaml", []byte(strings.Replace(nginxPolicy, "STATE", "m.state", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out := run(t, "on"); !strings.Contains(out, "\noutput.nginx: on (the state file exists)\n") {
			t.Errorf("on:\n%s", out)
		}
		out := run(t, "off")
		missing(t, "m.state")
		if !strings.Contains(out, "maintenance mode: off") || !strings.Contains(out, "\noutput.nginx: off (no state file)\n") {
			t.Errorf("off:\n%s", out)
		}
	})
	t.Run("off written by hand, or an on until that has ended: status says nginx is still on", func(t *testing.T) {
		t.Chdir(t.TempDir())
		if err := os.WriteFile("policy.yaml", []byte(strings.Replace(nginxPolicy, "STATE", "m.state", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, content := range []string{"off\n", "on until 2001-01-01T00:00:00Z\n"} {
			if err := os.WriteFile("m.state", []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			out := run(t, "status")
			if !strings.Contains(out, "maintenance mode: off") || !strings.Contains(out, "\noutput.nginx: on (the state file exists), but the middleware is off") {
				t.Errorf("%q:\n%s", content, out)
			}
		}
	})
	t.Run("the generated toggle", func(t *testing.T) {
		t.Chdir(t.TempDir())
		g := guard.New(guard.Config{Roles: roleCookie})
		for _, word := range []string{"on", "off"} {
			req := httptest.NewRequest(http.MethodPost, "/admin/maintenance", strings.NewReader("state="+word))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "session", Value: "superuser"})
			rec := httptest.NewRecorder()
			g.ToggleHandler().ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("toggle %s: %d: %s", word, rec.Code, rec.Body.String())
			}
		}
		missing(t, stateFile)
		if d := g.Decide(outsiderRequest("GET", "/secret")); !d.Pass {
			t.Errorf("after the toggle's off: %+v", d)
		}
	})
}
