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
	dir := StablePath("build", wd+"\x00"+t.Name())
	if err := os.RemoveAll(dir); err != nil { // left by a run that crashed
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// StablePath returns a path under os.TempDir that is the same on every
// run for one kind of directory and one key (a checkout, a test), for
// what the build cache should find again at the same place:
// maintgen-KIND-DIGEST, DIGEST from the key's SHA-256.
func StablePath(kind, key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(os.TempDir(), "maintgen-"+kind+"-"+hex.EncodeToString(sum[:8]))
}
