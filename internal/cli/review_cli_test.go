package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/policy"
)

// snapshot returns every file under dir with its contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, name := range listFiles(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = string(b)
	}
	return m
}

func TestCheck(t *testing.T) {
	twoLocales := minimalPolicy + "  fr: {title: T, heading: H, body: B}\n"
	tests := []struct {
		name     string
		edit     func(t *testing.T, dir string)
		args     []string
		wantCode int
		wantOut  []string // lines or fragments of stdout, in order
	}{
		{"up to date", func(*testing.T, string) {}, nil, ExitOK, nil},
		{"a page maintgen did not write", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "public", "404.html"), "<!doctype html><title>Not found</title>")
		}, nil, ExitOK, nil},
		{"edited by hand", func(t *testing.T, dir string) {
			name := filepath.Join(dir, "maintenance", "maintenance_gen.go")
			b, _ := os.ReadFile(name)
			writeFile(t, name, strings.Replace(string(b), "package maintenance\n", "package maintenance\n\n// edited by hand\n", 1))
		}, nil, ExitPolicy, []string{
			"stale: maintenance/maintenance_gen.go\n",
			"--- maintenance/maintenance_gen.go\n+++ maintenance/maintenance_gen.go (generated)\n@@ ",
			" package maintenance\n-\n-// edited by hand\n",
		}},
		{"runtime edited by hand", func(t *testing.T, dir string) {
			name := filepath.Join(dir, "maintenance", "maintenance_gen.go")
			b, _ := os.ReadFile(name)
			writeFile(t, name, strings.Replace(string(b), "func (g *Guard) Wrap(", "// reviewed\nfunc (g *Guard) Wrap(", 1))
		}, nil, ExitPolicy, []string{
			"stale: maintenance/maintenance_gen.go\n",
		}},
		{"policy edited, not regenerated", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "policy.yaml"), strings.Replace(twoLocales, "body: B}", "body: B2}", 1))
		}, nil, ExitPolicy, []string{
			"stale: maintenance/maintenance_gen.go\n",
			"stale: public/503.en.html\n",
			"stale: public/503.en.json\n",
			"stale: public/503.html\n",
			"stale: public/503.json\n",
		}},
		{"page missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "public", "503.fr.json"))
		}, nil, ExitPolicy, []string{
			"missing: public/503.fr.json\n--- /dev/null\n+++ public/503.fr.json (generated)\n@@ -0,0 +1 @@\n+{",
		}},
		{"locale removed, page left behind", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy)
			// The other outputs do not change when fr goes: only its pages.
		}, nil, ExitPolicy, []string{
			"stale: maintenance/maintenance_gen.go\n",
			"extra: public/503.fr.html\n--- public/503.fr.html\n+++ /dev/null\n",
			"extra: public/503.fr.json\n",
		}},
		{"Caddy snippet stale after a policy edit", func(t *testing.T, dir string) {
			withCaddy := strings.Replace(twoLocales, "  pages: public\n", "  pages: public\n  caddy: caddy/m.caddy\n", 1) + "exempt: {paths: [/healthz]}\n"
			writeFile(t, filepath.Join(dir, "policy.yaml"), withCaddy)
			if code, _, errOut := run(t, dir, "generate"); code != ExitOK {
				t.Fatal(errOut)
			}
			writeFile(t, filepath.Join(dir, "policy.yaml"), strings.Replace(withCaddy, "/healthz", "/livez", 1))
		}, nil, ExitPolicy, []string{
			"stale: maintenance/maintenance_gen.go\n",
			"stale: caddy/m.caddy\n",
			"-\t@maintenance_exempt_path vars_regexp {http.request.uri.path} `(?:\\A/healthz\\z)`\n",
		}},
		{"Worker module stale after a policy edit", func(t *testing.T, dir string) {
			withWorker := strings.Replace(twoLocales, "  pages: public\n", "  pages: public\n  worker: edge/worker.mjs\n", 1) + "exempt: {paths: [/healthz]}\n"
			writeFile(t, filepath.Join(dir, "policy.yaml"), withWorker)
			if code, _, errOut := run(t, dir, "generate"); code != ExitOK {
				t.Fatal(errOut)
			}
			writeFile(t, filepath.Join(dir, "policy.yaml"), strings.Replace(withWorker, "/healthz", "/livez", 1))
		}, nil, ExitPolicy, []string{
			"stale: maintenance/maintenance_gen.go\n",
			"stale: edge/worker.mjs\n",
			"-\t\t\t\"/healthz\"\n+\t\t\t\"/livez\"\n",
		}},
		{"github annotations", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "public", "503.fr.json"))
		}, []string{"-format", "github"}, ExitPolicy, []string{
			"::error file=public/503.fr.json::public/503.fr.json is missing: maintgen generate writes it for policy.yaml; run maintgen generate\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "policy.yaml"), twoLocales)
			if code, _, errOut := run(t, dir, "generate"); code != ExitOK {
				t.Fatal(errOut)
			}
			tt.edit(t, dir)
			before := snapshot(t, dir)
			code, out, errOut := run(t, dir, append([]string{"check"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			rest := out
			for _, w := range tt.wantOut {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("stdout lacks %q (in order); stdout:\n%s", w, out)
					break
				}
				rest = rest[i+len(w):]
			}
			if tt.wantCode == ExitOK && (out != "" || errOut != "") {
				t.Errorf("up to date: stdout %q, stderr %q; want silence", out, errOut)
			}
			if tt.wantCode != ExitOK && !strings.Contains(errOut, "run maintgen generate") {
				t.Errorf("stderr %q does not say how to fix it", errOut)
			}
			// Only an edit of the runtime part is reported as one.
			const edited = "maintenance/maintenance_gen.go: the runtime part was edited by hand: its digest is sha256:"
			if got, want := strings.Contains(errOut, edited), tt.name == "runtime edited by hand"; got != want {
				t.Errorf("stderr reports a runtime edit: %t, want %t; stderr:\n%s", got, want, errOut)
			}
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("check changed files (-before +after):\n%s", diff)
			}
			// generate repairs whatever check found.
			if code, _, errOut := run(t, dir, "generate"); code != ExitOK {
				t.Fatal(errOut)
			}
			if code, out, _ := run(t, dir, "check"); code != ExitOK {
				t.Errorf("check after generate: exit code %d; stdout:\n%s", code, out)
			}
		})
	}
}

func TestCheckOut(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy)
	if code, _, errOut := run(t, dir, "generate", "-out", out); code != ExitOK {
		t.Fatal(errOut)
	}
	if code, stdout, _ := run(t, dir, "check", "-out", out); code != ExitOK {
		t.Errorf("check -out: exit code %d:\n%s", code, stdout)
	}
	if code, stdout, _ := run(t, dir, "check"); code != ExitPolicy || !strings.Contains(stdout, "missing: maintenance/maintenance_gen.go") {
		t.Errorf("check without -out: exit code %d, want 1 and the outputs missing:\n%s", code, stdout)
	}
}

func TestValidateLint(t *testing.T) {
	dir := t.TempDir()
	policy := strings.Replace(minimalPolicy, "version: 1", "version: 1\nexempt: {ips: [10.0.0.0/8, 10.1.0.0/16]}\nresponse: {status: 500}", 1)
	writeFile(t, filepath.Join(dir, "policy.yaml"), policy)
	tests := []struct {
		args             []string
		wantCode         int
		wantOut, wantErr string
	}{
		{nil, ExitOK, "", "" +
			"policy.yaml:2:28: warning: exempt.ips[1]: 10.1.0.0/16 overlaps 10.0.0.0/8 (line 2), which holds it whole; the merged form is 10.0.0.0/8 alone\n" +
			"policy.yaml:3:20: warning: response.status: 500 is not 503 Service Unavailable, the status of a temporary outage (RFC 9110, section 15.6.4): clients, caches, crawlers and load balancers take other statuses for failures\n"},
		{[]string{"-strict"}, ExitPolicy, "", "" +
			"policy.yaml:2:28: exempt.ips[1]: 10.1.0.0/16 overlaps 10.0.0.0/8 (line 2), which holds it whole; the merged form is 10.0.0.0/8 alone\n" +
			"policy.yaml:3:20: response.status: 500 is not 503 Service Unavailable, the status of a temporary outage (RFC 9110, section 15.6.4): clients, caches, crawlers and load balancers take other statuses for failures\n"},
		{[]string{"-format", "github"}, ExitOK, "" +
			"::warning file=policy.yaml,line=2,col=28::exempt.ips[1]: 10.1.0.0/16 overlaps 10.0.0.0/8 (line 2), which holds it whole; the merged form is 10.0.0.0/8 alone\n" +
			"::warning file=policy.yaml,line=3,col=20::response.status: 500 is not 503 Service Unavailable, the status of a temporary outage (RFC 9110, section 15.6.4): clients, caches, crawlers and load balancers take other statuses for failures\n", ""},
		{[]string{"-format", "github", "-strict"}, ExitPolicy, "" +
			"::error file=policy.yaml,line=2,col=28::exempt.ips[1]: 10.1.0.0/16 overlaps 10.0.0.0/8 (line 2), which holds it whole; the merged form is 10.0.0.0/8 alone\n" +
			"::error file=policy.yaml,line=3,col=20::response.status: 500 is not 503 Service Unavailable, the status of a temporary outage (RFC 9110, section 15.6.4): clients, caches, crawlers and load balancers take other statuses for failures\n", ""},
		{[]string{"-format", "xml"}, ExitUsage, "", "maintgen validate: unknown -format \"xml\": want text, github\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, dir, append([]string{"validate"}, tt.args...)...)
			if code != tt.wantCode || out != tt.wantOut || errOut != tt.wantErr {
				t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s\nwant %d, stdout:\n%s\nstderr:\n%s", code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
	// A clean policy passes -strict.
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy)
	if code, out, errOut := run(t, dir, "validate", "-strict"); code != ExitOK || out != "" || errOut != "" {
		t.Errorf("clean policy: validate -strict: exit code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestGitHubErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), strings.Replace(minimalPolicy, "version: 1", "version: 1\nexempt: {ips: [\"10.0.0.1/8\"]}", 1))
	want := "::error file=policy.yaml,line=2,col=16::exempt.ips[0]: invalid CIDR \"10.0.0.1/8\": the address has bits set beyond the prefix length; did you mean 10.0.0.0/8?\n"
	for _, cmd := range []string{"validate", "check"} {
		code, out, errOut := run(t, dir, cmd, "-format", "github")
		if code != ExitPolicy || out != want || errOut != "" {
			t.Errorf("%s -format github: exit code %d, stdout %q, stderr %q; want 1, %q", cmd, code, out, errOut, want)
		}
	}
}

func TestAnnotate(t *testing.T) {
	tests := []struct {
		level string
		file  string
		line  int
		msg   string
		want  string
	}{
		{"error", "policy.yaml", 3, "plain", "::error file=policy.yaml,line=3,col=7::plain\n"},
		{"warning", "a,b:c%.yaml", 1, "100% sure\r\nnext: line", "::warning file=a%2Cb%3Ac%25.yaml,line=1,col=7::100%25 sure%0D%0Anext: line\n"},
		{"notice", "", 0, "no file", "::notice::no file\n"},
		{"error", "public/503.html", 0, "stale", "::error file=public/503.html::stale\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		annotate(&b, tt.level, posAt(tt.file, tt.line, 7), tt.msg)
		if b.String() != tt.want {
			t.Errorf("annotate(%q, %q) = %q, want %q", tt.file, tt.msg, b.String(), tt.want)
		}
	}
}

const riskyPolicy = `version: 1
output:
  go: maintenance/maintenance_gen.go
  pages: public
exempt:
  ips: ["10.0.0.0/8", "0.0.0.0/0"]
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
`

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "old.yaml"), minimalPolicy)
	writeFile(t, filepath.Join(dir, "same.yaml"), "# the same, reformatted\n"+minimalPolicy)
	writeFile(t, filepath.Join(dir, "risky.yaml"), riskyPolicy)
	writeFile(t, filepath.Join(dir, "bad.yaml"), "version: 2\n")
	tests := []struct {
		name             string
		args             []string
		wantCode         int
		wantOut, wantErr string
	}{
		{"no changes", []string{"old.yaml", "same.yaml"}, ExitOK, "no semantic changes\n", ""},
		{"no changes, fail on risk", []string{"-fail-on-risk", "old.yaml", "same.yaml"}, ExitOK, "no semantic changes\n", ""},
		{"risky", []string{"old.yaml", "risky.yaml"}, ExitOK, "" +
			"exempt.ips: + 10.0.0.0/8 (widens access by 16,777,216 addresses)\n" +
			"RISK: exempt.ips: + 0.0.0.0/0 (widens access by 4,294,967,296 addresses): exempts every IPv4 address\n" +
			"2 changes, 1 risk\n", ""},
		{"risky, fail on risk", []string{"-fail-on-risk", "old.yaml", "risky.yaml"}, ExitPolicy, "" +
			"exempt.ips: + 10.0.0.0/8 (widens access by 16,777,216 addresses)\n" +
			"RISK: exempt.ips: + 0.0.0.0/0 (widens access by 4,294,967,296 addresses): exempts every IPv4 address\n" +
			"2 changes, 1 risk\n", "maintgen diff: 1 risk (-fail-on-risk)\n"},
		{"github", []string{"-format", "github", "old.yaml", "risky.yaml"}, ExitOK, "" +
			"::notice file=risky.yaml,line=6,col=9::exempt.ips: + 10.0.0.0/8 (widens access by 16,777,216 addresses)\n" +
			"::warning file=risky.yaml,line=6,col=23::exempt.ips: + 0.0.0.0/0 (widens access by 4,294,967,296 addresses): exempts every IPv4 address\n", ""},
		{"github, fail on risk", []string{"-format", "github", "-fail-on-risk", "old.yaml", "risky.yaml"}, ExitPolicy, "" +
			"::notice file=risky.yaml,line=6,col=9::exempt.ips: + 10.0.0.0/8 (widens access by 16,777,216 addresses)\n" +
			"::error file=risky.yaml,line=6,col=23::exempt.ips: + 0.0.0.0/0 (widens access by 4,294,967,296 addresses): exempts every IPv4 address\n",
			"maintgen diff: 1 risk (-fail-on-risk)\n"},
		{"invalid policies", []string{"bad.yaml", "missing.yaml"}, ExitPolicy, "", "" +
			"bad.yaml:1:1: default_locale is required: name one of the messages locales\n" +
			"bad.yaml:1:1: messages is required: map at least one locale to its title, heading and body\n" +
			"bad.yaml:1:1: output is required: set output.go, the generated Go file, and output.pages, the pages directory\n" +
			"bad.yaml:1:10: version: 2 is not supported; want 1\n" +
			"missing.yaml:1:1: cannot read policy: no such file or directory\n"},
		{"one file", []string{"old.yaml"}, ExitUsage, "", "maintgen diff: want two policy files, or -base REV and at most one\n"},
		{"bad format", []string{"-format", "html", "old.yaml", "risky.yaml"}, ExitUsage, "", "maintgen diff: unknown -format \"html\": want text, markdown, github\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, dir, append([]string{"diff"}, tt.args...)...)
			if code != tt.wantCode || out != tt.wantOut || !strings.HasPrefix(errOut, tt.wantErr) {
				t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s\nwant %d, stdout:\n%s\nstderr:\n%s", code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}

// TestDiffBase compares a policy with its version at a git revision.
func TestDiffBase(t *testing.T) {
	gitTool, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("git is needed for diff -base: %v", err)
		}
		t.Skipf("git is not installed (needed for diff -base): %v", err)
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command(gitTool, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "-q")
	writeFile(t, filepath.Join(dir, "sub", "policy.yaml"), minimalPolicy)
	git("add", ".")
	git("commit", "-q", "-m", "policy")
	writeFile(t, filepath.Join(dir, "sub", "policy.yaml"), strings.Replace(minimalPolicy, "version: 1", "version: 1\nresponse: {status: 500}", 1))

	want := "RISK: response.status: 503 -> 500: the status moves away from 503 Service Unavailable: clients, caches, crawlers and load balancers take other statuses for failures (RFC 9110, section 15.6.4)\n1 change, 1 risk\n"
	code, out, errOut := run(t, dir, "diff", "-base", "HEAD", "sub/policy.yaml")
	if code != ExitOK || out != want {
		t.Errorf("diff -base HEAD sub/policy.yaml: exit code %d, stdout:\n%s\nstderr:\n%s\nwant stdout:\n%s", code, out, errOut, want)
	}
	// The default file is policy.yaml in the working directory.
	code, out, errOut = run(t, filepath.Join(dir, "sub"), "diff", "-base", "HEAD", "-fail-on-risk")
	if code != ExitPolicy || out != want {
		t.Errorf("diff -base HEAD -fail-on-risk: exit code %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// Errors in the old version name it by revision.
	writeFile(t, filepath.Join(dir, "sub", "policy.yaml"), "version: 2\n")
	git("commit", "-q", "-am", "broken")
	writeFile(t, filepath.Join(dir, "sub", "policy.yaml"), minimalPolicy)
	code, _, errOut = run(t, dir, "diff", "-base", "HEAD", "sub/policy.yaml")
	if code != ExitPolicy || !strings.Contains(errOut, "HEAD:sub/policy.yaml:1:10: version: 2 is not supported; want 1\n") {
		t.Errorf("broken base: exit code %d, stderr:\n%s", code, errOut)
	}
	// A revision that does not exist.
	code, _, errOut = run(t, dir, "diff", "-base", "no-such-rev", "sub/policy.yaml")
	if code != ExitPolicy || !strings.Contains(errOut, "git show no-such-rev:./policy.yaml") {
		t.Errorf("unknown revision: exit code %d, stderr:\n%s", code, errOut)
	}
	if code, _, errOut = run(t, dir, "diff", "-base", "--output=x", "sub/policy.yaml"); code != ExitPolicy || !strings.Contains(errOut, "cannot start with -") {
		t.Errorf("revision starting with -: exit code %d, stderr:\n%s", code, errOut)
	}
	if slices.Contains(listFiles(t, dir), "x") {
		t.Error("a -base value was passed to git as an option")
	}
	// The pull request that adds the policy: the file is missing at the
	// base, which reads as empty, so every key is added.
	writeFile(t, filepath.Join(dir, "new", "policy.yaml"), minimalPolicy+"exempt: {paths: [/healthz]}\n")
	wantAdded := "package: + maintenance\noutput.go: + maintenance/maintenance_gen.go\noutput.pages: + public\nexempt.paths: + /healthz\n" +
		"response.status: + 503\nresponse.retry_after: + 3600s (1h)\nresponse.format: + auto\ndefault_locale: + en\nmessages: + en (locale)\n9 changes, 0 risks\n"
	code, out, errOut = run(t, dir, "diff", "-base", "HEAD", "new/policy.yaml")
	if code != ExitOK || out != wantAdded || errOut != "maintgen diff: new/policy.yaml does not exist at HEAD: every key is added\n" {
		t.Errorf("diff -base HEAD on a new file: exit code %d, stdout:\n%s\nstderr:\n%s\nwant stdout:\n%s", code, out, errOut, wantAdded)
	}
}

func TestExplainCommand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy)
	code, out, _ := run(t, dir, "explain")
	if code != ExitOK || !strings.HasPrefix(out, "Maintenance policy policy.yaml\n\nWho still gets in while maintenance mode is on:\n  - nobody: every request gets the maintenance response\n") {
		t.Errorf("explain: exit code %d, stdout:\n%s", code, out)
	}
	code, out, _ = run(t, dir, "explain", "-format", "markdown")
	if code != ExitOK || !strings.HasPrefix(out, "## Maintenance policy `policy.yaml`\n\n### Who still gets in while maintenance mode is on\n\n- nobody") {
		t.Errorf("explain -format markdown: exit code %d, stdout:\n%s", code, out)
	}
	if code, _, errOut := run(t, dir, "explain", "-format", "github"); code != ExitUsage {
		t.Errorf("explain -format github: exit code %d, want %d; stderr %q", code, ExitUsage, errOut)
	}
	writeFile(t, filepath.Join(dir, "policy.yaml"), "version: 1\n")
	if code, out, errOut := run(t, dir, "explain"); code != ExitPolicy || out != "" || !strings.Contains(errOut, "policy.yaml:1:1: messages is required") {
		t.Errorf("explain of an invalid policy: exit code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func posAt(file string, line, col int) policy.Pos {
	if line == 0 {
		col = 0
	}
	return policy.Pos{File: file, Line: line, Col: col}
}

// TestPageWarnings checks that validate and generate hold the pages of a
// custom template to the page rules (review.PageWarnings): a template with
// an external image and no viewport gets a warning for each, at the
// position of response.template, for both locales' pages at once;
// validate -strict fails on them, generate writes the pages all the same.
// The built-in template gets none.
func TestPageWarnings(t *testing.T) {
	const tmpl = `<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.Dir}}">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>{{.Title}}</title>
</head>
<body>
<img src="https://cdn.example/logo.png" alt="">
<h1>{{.Heading}}</h1>
<p>{{.Body}}</p>
</body>
</html>
`
	policy := strings.Replace(minimalPolicy, "version: 1", "version: 1\nresponse: {template: page.tmpl}", 1) +
		"  fr: {title: T, heading: H, body: B}\n"
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), policy)
	writeFile(t, filepath.Join(dir, "page.tmpl"), tmpl)
	const (
		img      = `response.template: 503.en.html, 503.fr.html: <img src="https://cdn.example/logo.png"> makes a request`
		viewport = `response.template: 503.en.html, 503.fr.html: 0 <meta name="viewport"> elements, want exactly one`
	)
	want := "policy.yaml:2:22: warning: " + viewport + "\npolicy.yaml:2:22: warning: " + img + "\n"
	if code, out, errOut := run(t, dir, "validate"); code != ExitOK || out != "" || errOut != want {
		t.Errorf("validate: exit code %d, stdout %q, stderr:\n%s\nwant 0 and stderr:\n%s", code, out, errOut, want)
	}
	if code, _, errOut := run(t, dir, "validate", "-strict"); code != ExitPolicy || !strings.Contains(errOut, "policy.yaml:2:22: "+img+"\n") {
		t.Errorf("validate -strict: exit code %d, stderr:\n%s\nwant 1 and the warnings as errors", code, errOut)
	}
	if code, out, _ := run(t, dir, "validate", "-format", "github"); code != ExitOK || !strings.Contains(out, "::warning file=policy.yaml,line=2,col=22::"+escapeData(viewport)+"\n") {
		t.Errorf("validate -format github: exit code %d, stdout:\n%s", code, out)
	}
	code, out, errOut := run(t, dir, "generate")
	if code != ExitOK || out != "" || errOut != want {
		t.Errorf("generate: exit code %d, stdout %q, stderr:\n%s\nwant 0 and stderr:\n%s", code, out, errOut, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "public", "503.fr.html")); err != nil {
		t.Errorf("generate with page warnings did not write the pages: %v", err)
	}

	// The built-in template: no warnings, from either command.
	builtin := t.TempDir()
	writeFile(t, filepath.Join(builtin, "policy.yaml"), strings.Replace(policy, "response: {template: page.tmpl}", "response: {retry_after: 60}", 1))
	for _, args := range [][]string{{"validate", "-strict"}, {"generate"}} {
		if code, out, errOut := run(t, builtin, args...); code != ExitOK || out != "" || errOut != "" {
			t.Errorf("%s with the built-in template: exit code %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errOut)
		}
	}
}
