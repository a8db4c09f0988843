// Package atomicfile replaces files atomically: it is where maintgen
// writes the files it owns, the generated outputs (maintgen generate) and
// the state file (maintgen on and off). A reader of the file sees the old
// content or the new, whole, never a torn, empty or missing file.
//
// It is built on github.com/google/renameio/v2: a temporary file in the
// same directory, synced, then renamed over the target. The generated
// runtime (internal/gen/maintenance) keeps a stdlib-only copy of its own.
package atomicfile

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// WriteFile replaces the file name with data atomically. It writes a
// temporary file in name's directory, gives it mode perm exactly (the
// umask does not apply), syncs it, renames it over name and then syncs
// the directory (best effort: not every file system syncs directories).
// The directory must exist. On error name is left as it was and the
// temporary file is removed.
func WriteFile(name string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(name)
	f, err := renameio.NewPendingFile(name, renameio.WithTempDir(dir), renameio.WithStaticPermissions(perm))
	if err != nil {
		return err
	}
	defer f.Cleanup()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.CloseAtomicallyReplace(); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort, as documented
		d.Close()
	}
	return nil
}

// WriteIfChanged is WriteFile, except that it leaves name alone (its
// modification time and mode included) when name is a regular file that
// already holds exactly data. It reports whether it wrote.
func WriteIfChanged(name string, data []byte, perm fs.FileMode) (bool, error) {
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(data)) {
		if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, data) {
			return false, nil
		}
	}
	if err := WriteFile(name, data, perm); err != nil {
		return false, err
	}
	return true, nil
}
