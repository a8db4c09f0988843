package difftest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// BuildDir returns an empty directory for a throwaway module that a test
// builds with the go command, removed when t ends. Its path is the same on
// every run of t in one checkout (under os.TempDir, named for a digest of
// the test's working directory and name), because the build cache keys a
// package by its directory as well as its files: under a fresh t.TempDir
// the go command compiles and vets the module's packages again on every
// run, while here it finds them in the cache when their files have not
// changed. Two runs of one test in one checkout at once would share it.
func BuildDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(wd + "\x00" + t.Name()))
	dir := filepath.Join(os.TempDir(), "maintgen-build-"+hex.EncodeToString(sum[:8]))
	if err := os.RemoveAll(dir); err != nil { // left by a run that crashed
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
