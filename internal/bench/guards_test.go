// The race detector makes these tests six times slower (the 100k-rule
// guard above all) and has nothing to check in them: they start no
// goroutine. make test runs them without it (go test ./internal/bench/...).

//go:build !race

package bench

import (
	"path/filepath"
	"testing"

	"github.com/maintgen/maintgen/internal/build"
	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/gen"
)

// TestGuardsUpToDate regenerates each synthetic guard and compares it
// with the committed one. An uncommitted guard (ip100k) is only written,
// with -update: make bench generates it that way before benchmarking.
func TestGuardsUpToDate(t *testing.T) {
	for _, s := range Sizes {
		t.Run(s.Name, func(t *testing.T) {
			if s.Uncommitted && !difftest.Update() {
				t.Skipf("%s is not committed: make bench generates it (%s)", s.Name, difftest.RewriteCommand(t))
			}
			_, files, err := build.Outputs("policy.yaml", Synthetic(s), nil, gen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			g := files.Go()
			difftest.CheckFile(t, filepath.FromSlash(g.Path), g.Data)
		})
	}
}
