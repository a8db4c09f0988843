// The race detector makes these tests six times slower (the 100k-rule
// guard above all) and has nothing to check in them: they start no
// goroutine. make test runs them without it (go test ./internal/bench/...).

//go:build !race

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
