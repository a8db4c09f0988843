package fuzzdiff

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/maintgen/maintgen/internal/build"
	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/gen"
)

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
			_, files, err := build.Outputs("policy.yaml", src, func(name string) ([]byte, error) {
				return os.ReadFile(filepath.Join(dir, name))
			}, gen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			difftest.CheckFile(t, filepath.Join(c.Dir, "guard_gen.go"), files.Go().Data)
		})
	}
}
