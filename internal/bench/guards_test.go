package bench

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/maintgen/maintgen/internal/cli"
	"github.com/maintgen/maintgen/internal/difftest"
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
			difftest.CheckFile(t, filepath.FromSlash(files[0].Path), files[0].Data, *update, "go generate ./internal/bench")
		})
	}
}
