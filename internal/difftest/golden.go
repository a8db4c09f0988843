package difftest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// CheckFile compares the file name with want, the bytes a generator
// produces for it today. With update set it writes want to name instead
// (creating its directory). regen is the command that rewrites the file,
// for the failure message.
func CheckFile(t *testing.T, name string, want []byte, update bool, regen string) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v; run %s", err, regen)
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		t.Errorf("%s is stale; run %s (-committed +generated):\n%.2000s", name, regen, diff)
	}
}
