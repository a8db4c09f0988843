package difftest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update is the one -update flag of every golden test (golden files,
// committed guards, the runtime's tables): no test package defines its
// own, and each reads it through Update.
var update = flag.Bool("update", false, "rewrite the committed files the golden tests compare (golden files, generated guards and tables) with what the generator writes today")

// Update reports whether the test binary runs with -update: golden tests
// then rewrite the files they compare instead of comparing them.
func Update() bool { return *update }

// packageDir is the directory of the package under test, relative to the
// module root and slash-separated ("internal/cli"); "." when it cannot be
// found. It is worked out once, before any test changes directory.
var packageDir = findPackageDir()

func findPackageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil {
				return "."
			}
			return filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}

// RewriteCommand returns the command that rewrites the files t's test
// compares, run from the module root:
// go test ./DIR -run '^TestName$' -update, TestName being the top-level
// test of t.
func RewriteCommand(t testing.TB) string {
	test, _, _ := strings.Cut(t.Name(), "/")
	pkg := "./" + packageDir
	if packageDir == "." {
		pkg = "."
	}
	return fmt.Sprintf("go test %s -run '^%s$' -update", pkg, test)
}

// WriteFile writes data to name for -update, creating its directory.
func WriteFile(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// CheckFile compares the committed file name with want, the bytes a
// generator writes for it today, and reports a difference as stale, with
// the command that rewrites it. With -update it writes want to name
// instead.
func CheckFile(t testing.TB, name string, want []byte) {
	t.Helper()
	if Update() {
		WriteFile(t, name, want)
		return
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Errorf("%v; run %s", err, RewriteCommand(t))
		return
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		t.Errorf("%s is stale; run %s (-committed +generated):\n%.2000s", filepath.ToSlash(name), RewriteCommand(t), diff)
	}
}
