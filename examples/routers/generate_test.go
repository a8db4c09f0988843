package routers

import (
	"os/exec"
	"testing"
)

// TestGeneratedUpToDate fails when the committed guard
// (maintenance/maintenance_gen.go) or pages are stale: generated from
// another policy.yaml or by another maintgen than this checkout's (go.mod
// replaces maintgen with the repository around this module). It runs
// "go tool maintgen check", which regenerates in memory and compares;
// "go generate ./..." rewrites them.
func TestGeneratedUpToDate(t *testing.T) {
	out, err := exec.Command("go", "tool", "maintgen", "check").CombinedOutput()
	if err != nil {
		t.Errorf("go tool maintgen check: %v; run go generate ./... in examples/routers\n%.3000s", err, out)
	}
}
