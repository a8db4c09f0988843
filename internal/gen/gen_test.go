package gen

import (
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
