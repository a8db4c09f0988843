package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/schema"
)

// TestInit: init writes a policy that generates as it is and the schema
// its modeline names, prints the go:generate line and the import path of
// the generated package in this module, and never overwrites a policy.
func TestInit(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/shop\n\ngo 1.26\n")
	code, out, errOut := run(t, dir, "init")
	if code != ExitOK {
		t.Fatalf("init: exit %d, stderr %s", code, errOut)
	}
	for _, want := range []string{
		"\t//go:generate go tool maintgen generate\n",
		"\timport \"example.com/shop/maintenance\"\n",
		"\thandler := maintenance.Wrap(mux)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("init's output lacks %q:\n%s", want, out)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, schema.FileName))
	if err != nil || !bytes.Equal(got, schema.JSON) {
		t.Errorf("the schema next to the policy: %v", err)
	}
	policy, err := os.ReadFile(filepath.Join(dir, "policy.yaml"))
	if err != nil || !strings.HasPrefix(string(policy), "# yaml-language-server: $schema=./policy.schema.json\n") {
		t.Errorf("policy.yaml's modeline: %v\n%s", err, policy)
	}
	if code, _, errOut := run(t, dir, "validate", "-strict"); code != ExitOK {
		t.Errorf("validate -strict of the starter policy: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := run(t, dir, "generate"); code != ExitOK {
		t.Errorf("generate of the starter policy: exit %d\n%s", code, errOut)
	}

	// A second init refuses, and leaves the policy alone.
	writeFile(t, filepath.Join(dir, "policy.yaml"), "version: 1 # mine\n")
	if code, _, errOut := run(t, dir, "init"); code != ExitPolicy || !strings.Contains(errOut, "never overwrites") {
		t.Errorf("init over a policy: exit %d, stderr %q", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "policy.yaml")); string(b) != "version: 1 # mine\n" {
		t.Errorf("init overwrote the policy: %q", b)
	}
}

// TestInitNoModule: without a go.mod, the import path is a placeholder.
func TestInitNoModule(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := run(t, dir, "init", "-policy", "sub/policy.yaml")
	if code != ExitOK || !strings.Contains(out, "\timport \"") {
		t.Fatalf("init: exit %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub", schema.FileName)); err != nil {
		t.Errorf("the schema is not next to the policy: %v", err)
	}
}

// TestSchemaCommand: schema prints the schema whose $id names the file.
func TestSchemaCommand(t *testing.T) {
	code, out, _ := run(t, t.TempDir(), "schema")
	if code != ExitOK || out != string(schema.JSON) || !strings.Contains(out, `"$id"`) {
		t.Errorf("schema: exit %d, %d bytes", code, len(out))
	}
}
