package bench

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the generated guards")

// TestGuardsUpToDate regenerates each synthetic guard and compares it
// with the committed one.
func TestGuardsUpToDate(t *testing.T) {
	for _, s := range Sizes {
		t.Run(s.Name, func(t *testing.T) {
			_, files, err := cli.Outputs("policy.yaml", Synthetic(s), nil)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.FromSlash(files[0].Path)
			if *update {
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, files[0].Data, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			got, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(got), string(files[0].Data)); diff != "" {
				t.Errorf("%s is stale; run go generate ./internal/bench (-committed +generated):\n%.2000s", name, diff)
			}
		})
	}
}
