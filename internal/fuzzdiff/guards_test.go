package fuzzdiff

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the generated guards")

// TestGuardsUpToDate regenerates each guard from its golden policy and
// compares it with the committed one.
func TestGuardsUpToDate(t *testing.T) {
	for _, c := range Cases {
		t.Run(c.Dir, func(t *testing.T) {
			dir := filepath.Join("..", "..", "golden", c.Golden)
			src, err := os.ReadFile(filepath.Join(dir, "policy.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			_, files, err := cli.Outputs("policy.yaml", src, func(name string) ([]byte, error) {
				return os.ReadFile(filepath.Join(dir, name))
			})
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(c.Dir, "guard_gen.go")
			if *update {
				if err := os.MkdirAll(c.Dir, 0o755); err != nil {
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
				t.Errorf("%s is stale; run go generate ./internal/fuzzdiff (-committed +generated):\n%.2000s", name, diff)
			}
		})
	}
}
