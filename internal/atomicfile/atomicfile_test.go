package atomicfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// entries returns the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileMode(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	name := filepath.Join(dir, "out.txt")
	// A new file, then one that was 0600: both end 0644, umask or not.
	for i, content := range []string{"one\n", "two\n"} {
		if err := WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(name)
		if err != nil || fi.Mode() != 0o644 {
			t.Errorf("write %d: mode %v, %v; want 0644", i, fi.Mode(), err)
		}
		if b, _ := os.ReadFile(name); string(b) != content {
			t.Errorf("write %d: content %q, want %q", i, b, content)
		}
		if err := os.Chmod(name, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("files left: %v", got)
	}
}

func TestWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(filepath.Join(dir, "missing", "out.txt"), []byte("x"), 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing directory: %v", err)
	}
	// A non-empty directory in the way: the rename fails, the directory
	// stays and the temporary file goes.
	name := filepath.Join(dir, "out.txt")
	if err := os.Mkdir(name, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(name, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(name, []byte("x"), 0o644); err == nil {
		t.Error("no error writing over a directory")
	}
	if _, err := WriteIfChanged(name, []byte("x"), 0o644); err == nil {
		t.Error("WriteIfChanged: no error writing over a directory")
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("files left: %v", got)
	}
	if fi, err := os.Stat(name); err != nil || !fi.IsDir() {
		t.Errorf("the directory in the way: %v, %v", fi, err)
	}
}

func TestWriteIfChanged(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "out.txt")
	if wrote, err := WriteIfChanged(name, []byte("a\n"), 0o644); err != nil || !wrote {
		t.Fatalf("a new file: wrote %v, %v", wrote, err)
	}
	// The same bytes: the file is left alone, its time and mode included.
	past := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(name, past, past); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(name, 0o600); err != nil {
		t.Fatal(err)
	}
	if wrote, err := WriteIfChanged(name, []byte("a\n"), 0o644); err != nil || wrote {
		t.Errorf("the same bytes: wrote %v, %v; want not written", wrote, err)
	}
	if fi, err := os.Stat(name); err != nil || !fi.ModTime().Equal(past) || fi.Mode() != 0o600 {
		t.Errorf("the same bytes: the file changed: %v, %v", fi.ModTime(), fi.Mode())
	}
	// Other bytes of the same length, then another length: rewritten.
	for _, content := range []string{"b\n", "bb\n", ""} {
		if wrote, err := WriteIfChanged(name, []byte(content), 0o644); err != nil || !wrote {
			t.Errorf("%q: wrote %v, %v; want written", content, wrote, err)
		}
		if b, _ := os.ReadFile(name); string(b) != content {
			t.Errorf("content %q, want %q", b, content)
		}
		if fi, err := os.Stat(name); err != nil || fi.Mode() != 0o644 {
			t.Errorf("%q: mode %v, %v; want 0644", content, fi.Mode(), err)
		}
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("files left: %v", got)
	}
}

// TestWriteIfChangedFIFO: a FIFO in the way is replaced, not read (a read
// would wait for a writer forever).
func TestWriteIfChangedFIFO(t *testing.T) {
	name := filepath.Join(t.TempDir(), "out.txt")
	if err := syscall.Mkfifo(name, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := WriteIfChanged(name, nil, 0o644)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		f, _ := os.OpenFile(name, os.O_WRONLY, 0) // let the reader go
		f.Close()
		t.Fatal("WriteIfChanged blocked on a FIFO")
	}
	if fi, err := os.Stat(name); err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 {
		t.Errorf("after: %v, %v; want an empty regular file", fi, err)
	}
}

// TestNeverTorn rewrites a file between two large contents while readers
// read it continuously: every read must be one of the two, whole.
func TestNeverTorn(t *testing.T) {
	name := filepath.Join(memDir(t), "out.txt")
	a := bytes.Repeat([]byte("a"), 256<<10)
	b := bytes.Repeat([]byte("b"), 128<<10)
	if err := WriteFile(name, a, 0o644); err != nil {
		t.Fatal(err)
	}
	var done atomic.Bool
	var reads, bs atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 2 {
		wg.Go(func() {
			for !done.Load() {
				got, err := os.ReadFile(name)
				if err != nil {
					errs <- err
					return
				}
				switch {
				case bytes.Equal(got, a):
				case bytes.Equal(got, b):
					bs.Add(1)
				default:
					errs <- errors.New("a torn read")
					return
				}
				reads.Add(1)
			}
		})
	}
	for i := range 400 {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := WriteFile(name, data, 0o644); err != nil {
			errs <- err
			break
		}
	}
	done.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if reads.Load() == 0 {
		t.Error("no reads")
	}
	t.Logf("%d reads, %d of the second content", reads.Load(), bs.Load())
	if got := entries(t, filepath.Dir(name)); len(got) != 1 {
		t.Errorf("files left: %v", got)
	}
}

// memDir returns a temporary directory on tmpfs (/dev/shm) when there is
// one, else in the default temporary directory, so that the syncs cost
// little; the atomicity under test comes from the rename.
func memDir(t *testing.T) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "atomicfile-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}
