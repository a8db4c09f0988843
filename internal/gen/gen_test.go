package gen

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

var update = flag.Bool("update", false, "rewrite runtime/tables_gen.go")

// TestRuntimeTables keeps runtime/tables_gen.go, the tables the runtime's
// own tests compile against, in step with runtime/policy.yaml.
func TestRuntimeTables(t *testing.T) {
	src, err := os.ReadFile("runtime/policy.yaml")
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
	got, err := Tables("maintenance", p, pages)
	if err != nil {
		t.Fatal(err)
	}
	const name = "runtime/tables_gen.go"
	if *update {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is stale; run go test ./internal/gen -update (-want +got):\n%s", name, diff)
	}
}
