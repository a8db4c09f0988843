package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyArgument checks that every command that reads a policy takes
// it as a file argument as well as -policy, with flags before or after it.
func TestPolicyArgument(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "conf", "p.yaml"), minimalPolicy+"state: {file: maintenance.state}\n")
	tests := []struct {
		args []string
		code int
		out  string // a line of stdout
	}{
		{[]string{"validate", "conf/p.yaml"}, ExitOK, ""},
		{[]string{"validate", "conf/p.yaml", "-strict"}, ExitOK, ""},
		{[]string{"validate", "-strict", "conf/p.yaml", "-format", "github"}, ExitOK, ""},
		{[]string{"explain", "conf/p.yaml", "-format", "markdown"}, ExitOK, "## Maintenance policy `conf/p.yaml`"},
		{[]string{"try", "conf/p.yaml", "-path", "/", "-state", "off"}, ExitOK, "pass: maintenance mode is off"},
		{[]string{"try", "-path", "/", "conf/p.yaml"}, ExitMaintenance, "maintenance: 503 html en: no exemption matched"},
		{[]string{"try", "-path", "/", "--", "conf/p.yaml"}, ExitMaintenance, "maintenance: 503 html en: no exemption matched"},
		{[]string{"generate", "conf/p.yaml", "-v"}, ExitOK, "maintenance_gen.go"},
		{[]string{"check", "conf/p.yaml"}, ExitOK, ""},
		{[]string{"status", "conf/p.yaml"}, ExitOK, "maintenance mode: off, decided by state.file maintenance.state"},
		{[]string{"on", "conf/p.yaml", "-for", "1h"}, ExitOK, "maintenance mode: on, decided by state.file maintenance.state"},
		{[]string{"off", "conf/p.yaml"}, ExitOK, "maintenance mode: off, decided by state.file maintenance.state"},
		// diff keeps its two file arguments; flags may follow them too.
		{[]string{"diff", "conf/p.yaml", "conf/p.yaml", "-format", "markdown"}, ExitOK, "### Maintenance policy: no semantic changes"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, dir, tt.args...)
		if code != tt.code || !strings.Contains(out, tt.out) {
			t.Errorf("maintgen %q: exit code %d, stdout:\n%s\nstderr:\n%s\nwant exit code %d and stdout holding %q", tt.args, code, out, errOut, tt.code, tt.out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "conf", "maintenance", "maintenance_gen.go")); err != nil {
		t.Errorf("generate conf/p.yaml wrote no middleware beside the policy: %v", err)
	}

	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"validate", "conf/p.yaml", "conf/p.yaml"}, "maintgen validate: want one policy file, got 2: conf/p.yaml conf/p.yaml\n"},
		{[]string{"validate", "-policy", "conf/p.yaml", "conf/p.yaml"}, "maintgen validate: the policy file is given twice, as -policy conf/p.yaml and as conf/p.yaml: give one\n"},
		{[]string{"status", "conf/p.yaml", "-nope"}, "flag provided but not defined: -nope\n"},
	} {
		code, out, errOut := run(t, dir, tt.args...)
		if code != ExitUsage || out != "" || !strings.HasPrefix(errOut, tt.wantErr) {
			t.Errorf("maintgen %q: exit code %d, stdout %q, stderr %q; want %d and %q", tt.args, code, out, errOut, ExitUsage, tt.wantErr)
		}
	}
	// init takes the file to create as an argument too.
	if code, _, errOut := run(t, dir, "init", "new/policy.yaml"); code != ExitOK {
		t.Errorf("init new/policy.yaml: exit code %d: %s", code, errOut)
	} else if _, err := os.Stat(filepath.Join(dir, "new", "policy.yaml")); err != nil {
		t.Error(err)
	}
}

// TestFindPolicy checks where a command looks for policy.yaml when none
// is named: the current directory, then upward to the module root, as go
// finds go.mod, saying which file it read when it is not ./policy.yaml.
func TestFindPolicy(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), "module example.com/app\n")
	writeFile(t, filepath.Join(root, "policy.yaml"), minimalPolicy)
	sub := filepath.Join(root, "internal", "web")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}

	code, _, errOut := run(t, sub, "validate")
	if code != ExitOK || errOut != "maintgen: using ../../policy.yaml\n" {
		t.Errorf("validate in a subdirectory: exit code %d, stderr %q", code, errOut)
	}
	// Outputs stay relative to the policy's directory.
	if code, _, errOut := run(t, sub, "generate"); code != ExitOK {
		t.Fatalf("generate in a subdirectory: exit code %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(root, "maintenance", "maintenance_gen.go")); err != nil {
		t.Errorf("generate in a subdirectory: %v", err)
	}
	// In the policy's directory, nothing is said.
	if code, _, errOut := run(t, root, "validate"); code != ExitOK || errOut != "" {
		t.Errorf("validate at the root: exit code %d, stderr %q", code, errOut)
	}
	// The nearest policy wins.
	writeFile(t, filepath.Join(root, "internal", "policy.yaml"), "version: 1\nbogus: true\n")
	if code, _, errOut := run(t, sub, "validate"); code != ExitPolicy || !strings.HasPrefix(errOut, "maintgen: using ../policy.yaml\n../policy.yaml:") {
		t.Errorf("validate under a nearer policy: exit code %d, stderr %q", code, errOut)
	}

	// The search stops at the module root: a nested module does not see
	// its parent's policy.
	nested := filepath.Join(root, "tools")
	writeFile(t, filepath.Join(nested, "go.mod"), "module example.com/tools\n")
	if code, _, errOut := run(t, nested, "validate"); code != ExitPolicy || errOut != "policy.yaml:1:1: cannot read policy: no such file or directory\n" {
		t.Errorf("validate in a nested module: exit code %d, stderr %q", code, errOut)
	}
	// Outside a module, only the current directory counts.
	plain := t.TempDir()
	writeFile(t, filepath.Join(plain, "policy.yaml"), minimalPolicy)
	below := filepath.Join(plain, "x")
	if err := os.MkdirAll(below, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, below, "validate"); code != ExitPolicy || errOut != "policy.yaml:1:1: cannot read policy: no such file or directory\n" {
		t.Errorf("validate outside a module: exit code %d, stderr %q", code, errOut)
	}
}
