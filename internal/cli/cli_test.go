package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// run runs the command line in dir and returns its exit code and output.
func run(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code = Run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

const minimalPolicy = `version: 1
output:
  go: maintenance/maintenance_gen.go
  pages: public
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
`

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// listFiles returns every file under dir, slash-separated and sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return err
	})
	slices.Sort(names)
	return names
}

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
	}{
		{"no command", nil, ExitUsage, "", "Usage:"},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "", `unknown command "frobnicate"`},
		{"help", []string{"help"}, ExitOK, "maintgen generate", ""},
		{"generate -h", []string{"generate", "-h"}, ExitOK, "", "usage: maintgen generate"},
		{"validate -h", []string{"validate", "-h"}, ExitOK, "", "-policy file"},
		{"version -h", []string{"version", "-h"}, ExitOK, "", "usage: maintgen version"},
		{"unknown flag", []string{"generate", "-frob"}, ExitUsage, "", "flag provided but not defined: -frob"},
		{"stray argument", []string{"version", "policy.yaml"}, ExitUsage, "", `unexpected argument "policy.yaml"`},
		{"two policy files", []string{"validate", "a.yaml", "b.yaml"}, ExitUsage, "", "maintgen validate: want one policy file, got 2: a.yaml b.yaml"},
		{"missing policy argument", []string{"validate", "nope.yaml", "-strict"}, ExitPolicy, "", "nope.yaml:1:1: cannot read policy: no such file or directory"},
		{"version", []string{"version"}, ExitOK, "maintgen ", ""},
		{"missing policy", []string{"validate"}, ExitPolicy, "", "policy.yaml:1:1: cannot read policy: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, dir, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", out, tt.wantOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.wantErr)
			}
		})
	}
}

func TestGenerateWritesEveryOutput(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy)
	code, out, errOut := run(t, dir, "generate")
	if code != ExitOK || out != "" || errOut != "" {
		t.Fatalf("generate: code %d, stdout %q, stderr %q; want 0 and silence", code, out, errOut)
	}
	want := []string{"maintenance/maintenance_gen.go", "policy.yaml", "public/.maintgen-pages", "public/503.en.html", "public/503.en.json", "public/503.html", "public/503.json"}
	if got := listFiles(t, dir); !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	if code, _, errOut := run(t, dir, "validate"); code != ExitOK || errOut != "" {
		t.Errorf("validate: code %d, stderr %q", code, errOut)
	}
}

func TestGenerateRewritesOnlyChangedFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy)
	if code, _, errOut := run(t, dir, "generate"); code != ExitOK {
		t.Fatalf("generate: %s", errOut)
	}
	goFile := filepath.Join(dir, "maintenance", "maintenance_gen.go")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, f := range []string{goFile, filepath.Join(dir, "public", "503.en.html")} {
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
	// Change the body only: the JSON and HTML pages and the Go file change.
	writeFile(t, filepath.Join(dir, "policy.yaml"), strings.Replace(minimalPolicy, "body: B", "body: B2", 1))
	code, out, _ := run(t, dir, "generate", "-v")
	if code != ExitOK {
		t.Fatal("generate failed")
	}
	if !strings.Contains(out, "503.en.html\t") || !strings.Contains(out, "written") {
		t.Errorf("-v output %q does not list written files", out)
	}
	// Generate again: nothing changes, nothing is rewritten.
	for _, f := range []string{goFile} {
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
	code, out, _ = run(t, dir, "generate", "-v")
	if code != ExitOK || strings.Contains(out, "written") {
		t.Errorf("second generate wrote files: %q", out)
	}
	if fi, err := os.Stat(goFile); err != nil || !fi.ModTime().Equal(old) {
		t.Errorf("unchanged Go file was rewritten (mtime %v, want %v)", fi.ModTime(), old)
	}
}

func TestGenerateErrorWritesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := strings.Replace(minimalPolicy, "version: 1", "version: 1\nexempt: {ips: [\"10.0.0.1/8\"], paths: [nope]}", 1)
	writeFile(t, filepath.Join(dir, "policy.yaml"), bad)
	code, out, errOut := run(t, dir, "generate")
	if code != ExitPolicy {
		t.Errorf("exit code %d, want %d", code, ExitPolicy)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "policy.yaml:2:") || !strings.HasPrefix(lines[1], "policy.yaml:2:") ||
		!strings.Contains(errOut, "10.0.0.0/8") || !strings.Contains(errOut, `"nope"`) {
		t.Errorf("stderr %q: want both errors, positioned and sorted", errOut)
	}
	if out != "" {
		t.Errorf("stdout %q, want nothing", out)
	}
	if got := listFiles(t, dir); !slices.Equal(got, []string{"policy.yaml"}) {
		t.Errorf("files after a failed generate: %q, want the policy alone", got)
	}
}

func TestGenerateOut(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy)
	if code, _, errOut := run(t, dir, "generate", "-out", out); code != ExitOK {
		t.Fatal(errOut)
	}
	if got := listFiles(t, dir); !slices.Equal(got, []string{"policy.yaml"}) {
		t.Errorf("-out wrote into the policy's directory: %q", got)
	}
	want := []string{"maintenance/maintenance_gen.go", "public/.maintgen-pages", "public/503.en.html", "public/503.en.json", "public/503.html", "public/503.json"}
	if got := listFiles(t, out); !slices.Equal(got, want) {
		t.Errorf("-out files %q, want %q", got, want)
	}
}

func TestGenerateRemovesStalePages(t *testing.T) {
	dir := t.TempDir()
	twoLocales := minimalPolicy + "  fr: {title: T, heading: H, body: B}\n"
	writeFile(t, filepath.Join(dir, "policy.yaml"), twoLocales)
	if code, _, errOut := run(t, dir, "generate"); code != ExitOK {
		t.Fatal(errOut)
	}
	writeFile(t, filepath.Join(dir, "public", "robots.txt"), "keep me")
	writeFile(t, filepath.Join(dir, "public", "index.html"), "keep me")
	writeFile(t, filepath.Join(dir, "policy.yaml"), strings.Replace(minimalPolicy, "version: 1", "version: 1\nresponse: {status: 500}", 1))
	if code, _, errOut := run(t, dir, "generate"); code != ExitOK {
		t.Fatal(errOut)
	}
	want := []string{"public/.maintgen-pages", "public/500.en.html", "public/500.en.json", "public/500.html", "public/500.json", "public/index.html", "public/robots.txt"}
	var got []string
	for _, f := range listFiles(t, dir) {
		if strings.HasPrefix(f, "public/") {
			got = append(got, f)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages %q, want %q (stale 503 and fr pages removed, other files kept)", got, want)
	}
}

// TestGenerateKeepsPagesItDidNotWrite: generate removes a stale page only
// when its manifest says it wrote it, so that output.pages pointed at an
// existing directory never loses files of generate's naming pattern that
// maintgen did not write (issue 13).
func TestGenerateKeepsPagesItDidNotWrite(t *testing.T) {
	dir := t.TempDir()
	foreign := map[string]string{"public/404.html": "their 404", "public/500.json": "{}", "public/503.fr.html": "their fr page"}
	for name, content := range foreign {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), content)
	}
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy+"  de: {title: T, heading: H, body: B}\n")
	if code, _, errOut := run(t, dir, "generate"); code != ExitOK {
		t.Fatal(errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "public", ".maintgen-pages"))
	if want := "503.de.html\n503.de.json\n503.en.html\n503.en.json\n503.html\n503.json\n"; err != nil || !strings.HasSuffix(string(b), "\n"+want) {
		t.Errorf("manifest %q, %v; want it to end with the pages:\n%s", b, err, want)
	}
	// The de locale goes: its pages go, the foreign files stay.
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy)
	code, out, errOut := run(t, dir, "generate", "-v")
	if code != ExitOK {
		t.Fatal(errOut)
	}
	for name, content := range foreign {
		if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))); err != nil || string(b) != content {
			t.Errorf("%s: %q, %v; want it kept", name, b, err)
		}
	}
	for _, name := range []string{"503.de.html", "503.de.json"} {
		if _, err := os.Stat(filepath.Join(dir, "public", name)); !os.IsNotExist(err) {
			t.Errorf("%s: %v; want it removed", name, err)
		}
		if !strings.Contains(out, name+"\tremoved\n") {
			t.Errorf("-v does not list %s as removed:\n%s", name, out)
		}
	}
	// A manifest that names files outside the directory, or that are no
	// page, is never followed there.
	writeFile(t, filepath.Join(dir, "keep.html"), "keep")
	writeFile(t, filepath.Join(dir, "public", ".maintgen-pages"), "../keep.html\n../policy.yaml\nindex.html\n/etc/passwd\n404.html\n404.html\n")
	writeFile(t, filepath.Join(dir, "public", "index.html"), "keep")
	if code, _, errOut := run(t, dir, "generate"); code != ExitOK {
		t.Fatal(errOut)
	}
	for _, name := range []string{"keep.html", "policy.yaml", "public/index.html"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A page listed twice is removed once, without an error.
	if _, err := os.Stat(filepath.Join(dir, "public", "404.html")); !os.IsNotExist(err) {
		t.Errorf("404.html, listed: %v; want it removed", err)
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct {
		name, template, want string
	}{
		{"missing file", "", "policy.yaml:2:22: response.template: page.tmpl does not exist\n"},
		{"parse error", "<p>\n{{if .Title}}", "page.tmpl:2:1: template: unexpected EOF\n"},
		{"unknown field", "<p>{{.Nope}}</p>", "page.tmpl:1:5: template: executing \"page\" at <.Nope>: can't evaluate field Nope in type render.PageData\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "policy.yaml"), strings.Replace(minimalPolicy, "version: 1", "version: 1\nresponse: {template: page.tmpl}", 1))
			if tt.template != "" {
				writeFile(t, filepath.Join(dir, "page.tmpl"), tt.template)
			}
			code, _, errOut := run(t, dir, "validate")
			if code != ExitPolicy || errOut != tt.want {
				t.Errorf("code %d, stderr %q; want %d, %q", code, errOut, ExitPolicy, tt.want)
			}
		})
	}
}

// TestGenerateVerboseSizes checks that generate -v reports each output's
// size in bytes, as written (the pages minified), which is what the page
// size budget (pagecheck.MaxSize) is about.
func TestGenerateVerboseSizes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.yaml"), minimalPolicy)
	code, out, errOut := run(t, dir, "generate", "-v")
	if code != ExitOK {
		t.Fatalf("generate -v: exit code %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 { // the Go file and four pages
		t.Fatalf("generate -v printed %d lines, want 5:\n%s", len(lines), out)
	}
	for _, line := range lines {
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			t.Errorf("line %q: want FILE<tab>N bytes<tab>STATE", line)
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, fields[0]))
		if err != nil {
			t.Error(err)
			continue
		}
		if want := fmt.Sprintf("%d bytes", len(data)); fields[1] != want {
			t.Errorf("%s: -v reports %q, the file has %s", fields[0], fields[1], want)
		}
	}
}
