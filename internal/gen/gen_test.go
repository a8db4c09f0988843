package gen

import (
	"bytes"
	"os"
	"testing"

	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// TestRuntimeTables keeps maintenance/tables_gen.go, the tables the runtime's
// own tests compile against, in step with maintenance/policy.yaml.
func TestRuntimeTables(t *testing.T) {
	src, err := os.ReadFile("maintenance/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("policy.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := render.Pages(p, render.DefaultTemplate(), "", policy.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := TablesFile("maintenance", p, pages)
	if err != nil {
		t.Fatal(err)
	}
	difftest.CheckFile(t, "maintenance/tables_gen.go", got)
}

// TestSourceNameInComment: a policy file's name with a newline cannot end
// the header comment and inject code.
func TestSourceNameInComment(t *testing.T) {
	src := []byte("version: 1\noutput: {go: m_gen.go, pages: p}\ndefault_locale: en\nmessages: {en: {title: T, heading: H, body: B}}\n")
	p, err := policy.Parse("evil\nfunc init() { panic(1) }\n//.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := render.Pages(p, render.DefaultTemplate(), "", policy.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Source(p, pages, Options{})
	if err != nil {
		t.Fatalf("Source: %v", err)
	}
	if bytes.Contains(out, []byte("\nfunc init() { panic(1) }")) {
		t.Errorf("the file name reached the code:\n%.600s", out)
	}
}
