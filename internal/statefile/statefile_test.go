package statefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	at := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	from := at.Add(-time.Hour)
	for _, c := range []struct {
		in   string
		want State
		ok   bool
	}{
		{"on", State{Mode: On}, true},
		{"ON\n", State{Mode: On}, true},
		{" true ", State{Mode: On}, true},
		{"1", State{Mode: On}, true},
		{"off", State{Mode: Off}, true},
		{"False\r\n", State{Mode: Off}, true},
		{"0", State{Mode: Off}, true},
		{"read-only", State{Mode: ReadOnly}, true},
		{"Read-Only\n", State{Mode: ReadOnly}, true},
		{"on until 2027-03-01T02:00:00Z\n", State{Mode: On, Until: at}, true},
		{"On UNTIL 2027-03-01T03:00:00+01:00", State{Mode: On, Until: at}, true},
		{"off until 2027-03-01T02:00:00Z", State{Mode: Off, Until: at}, true},
		{"read-only from 2027-03-01T01:00:00Z until 2027-03-01T02:00:00Z", State{Mode: ReadOnly, From: from, Until: at}, true},
		{"on from 2027-03-01T01:00:00Z", State{Mode: On, From: from}, true},
		{"on until 2027-03-01T02:00:00Z\nreason: Upgrading the database\n", State{Mode: On, Until: at, Reason: "Upgrading the database"}, true},
		{"on\r\nReason:  a: b \r\n", State{Mode: On, Reason: "a: b"}, true},
		{"on\nreason:", State{Mode: On}, true},
		{"on\n\n", State{Mode: On}, true},
		{"on until 2027-03-01T02:00:00Z from 2027-03-01T01:00:00Z", State{}, false},
		{"on from 2027-03-01T02:00:00Z until 2027-03-01T02:00:00Z", State{}, false},
		{"on until 2027-03-01", State{}, false},
		{"on until", State{}, false},
		{"", State{}, false},
		{"yes", State{}, false},
		{"readonly", State{}, false},
		{"on off", State{}, false},
		{"on\nwhy: x", State{}, false},
		{"on\nreason: a\nreason: b", State{}, false},
		{"on\nreason: a\tb", State{}, false},
		{"on\nreason: \xff", State{}, false},
	} {
		t.Run(strconv.Quote(c.in), func(t *testing.T) {
			got, err := Parse(c.in)
			if (err == nil) != c.ok || got.Mode != c.want.Mode || !got.From.Equal(c.want.From) || !got.Until.Equal(c.want.Until) || got.Reason != c.want.Reason {
				t.Errorf("Parse = %+v, %v; want %+v, ok %t", got, err, c.want, c.ok)
			}
			if err != nil && !errors.Is(err, ErrGarbage) {
				t.Errorf("error %v does not wrap ErrGarbage", err)
			}
			if err == nil { // String prints what Parse reads
				again, err := Parse(got.String())
				if err != nil || again.String() != got.String() {
					t.Errorf("Parse(%q) = %+v, %v", got.String(), again, err)
				}
			}
		})
	}
}

func TestStateAt(t *testing.T) {
	t0 := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
	s := State{Mode: ReadOnly, From: t0, Until: t0.Add(time.Hour)}
	for _, c := range []struct {
		at   time.Time
		want Mode
	}{{t0.Add(-time.Second), Off}, {t0, ReadOnly}, {t0.Add(time.Hour - time.Second), ReadOnly}, {t0.Add(time.Hour), Off}} {
		if got := s.At(c.at); got != c.want {
			t.Errorf("At(%v) = %s, want %s", c.at, got, c.want)
		}
		if s.Suspends(c.at) {
			t.Errorf("read-only suspends windows at %v", c.at)
		}
	}
	off := State{Mode: Off, Until: t0}
	if !off.Suspends(t0.Add(-time.Second)) || off.Suspends(t0) || (State{Mode: Off}).Suspends(t0) {
		t.Error("off until T suspends windows before T only; a plain off never")
	}
	if !(State{Mode: Off}).Plain() || off.Plain() || (State{Mode: On}).Plain() {
		t.Error("Plain: only off without times")
	}
}

func TestParseMode(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Mode
		ok   bool
	}{{"read-only", ReadOnly, true}, {" READ-ONLY\n", ReadOnly, true}, {"on", On, true}, {"0", Off, true}, {"ro", Off, false}, {"read only", Off, false}} {
		if m, ok := ParseMode(c.in); m != c.want || ok != c.ok {
			t.Errorf("ParseMode(%q) = %s, %t; want %s, %t", c.in, m, ok, c.want, c.ok)
		}
	}
}

func TestParseWord(t *testing.T) {
	for _, c := range []struct {
		in     string
		on, ok bool
	}{
		{"on", true, true}, {"ON", true, true}, {" 1\n", true, true}, {"True", true, true},
		{"off", false, true}, {"\tOFF ", false, true}, {"0", false, true}, {"false", false, true},
		{"", false, false}, {"yes", false, false}, {"o n", false, false}, {"on until 2027-03-01T02:00:00Z", false, false},
	} {
		if on, ok := ParseWord(c.in); on != c.on || ok != c.ok {
			t.Errorf("ParseWord(%q) = %t, %t; want %t, %t", c.in, on, ok, c.on, c.ok)
		}
	}
	for _, on := range []bool{false, true} {
		if got, ok := ParseWord(string(Word(on))); got != on || !ok {
			t.Errorf("ParseWord(Word(%t)) = %t, %t", on, got, ok)
		}
	}
}

// TestReadNotRegular: Read refuses what is not a regular file at once,
// as guards do; a FIFO above all, which would block whoever opens it.
func TestReadNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.state")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := filepath.Join(dir, "link.state")
	if err := os.Symlink("fifo.state", link); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{fifo, link, dir} {
		done := make(chan error, 1)
		go func() {
			_, err := Read(name)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) {
				t.Errorf("Read(%s) = %v, want ErrNotRegular", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Read(%s) blocks", name)
		}
	}
	regular := filepath.Join(dir, "regular.state")
	if err := os.WriteFile(regular, []byte("on\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link = filepath.Join(dir, "link2.state")
	if err := os.Symlink("regular.state", link); err != nil {
		t.Fatal(err)
	}
	if s, err := Read(link); err != nil || s.Mode != On {
		t.Errorf("Read through a link to a regular file = %+v, %v", s, err)
	}
}

func TestStringUTC(t *testing.T) {
	if got := (State{Mode: On, Until: time.Date(2027, 3, 1, 3, 0, 0, 0, time.FixedZone("x", 3600))}).String(); got != "on until 2027-03-01T02:00:00Z" {
		t.Errorf("String = %q, want UTC", got)
	}
}

func TestWriteMode(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "maintenance.state")
	if err := os.WriteFile(name, []byte("off\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(name, State{Mode: On}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(name)
	if err != nil || fi.Mode() != 0o644 {
		t.Errorf("mode %v, %v; want 0644", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(name); string(b) != "on\n" {
		t.Errorf("content %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	if err := Write(filepath.Join(dir, "missing", "maintenance.state"), State{Mode: On}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing directory: %v", err)
	}
	// A directory in the way: the rename fails and the temporary file goes.
	name := filepath.Join(dir, "maintenance.state")
	if err := os.Mkdir(name, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(name, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(name, State{Mode: On}); err == nil {
		t.Error("no error writing over a directory")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}

// TestWriteOff: off removes the state file, so that nginx, which asks only
// whether the file exists, reads off as the middleware does (issue 13).
func TestWriteOff(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "maintenance.state")
	if err := Write(name, State{Mode: On}); err != nil {
		t.Fatal(err)
	}
	if err := Write(name, State{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("off left the file: %v", err)
	}
	if _, err := Read(name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Read after off: %v, want a missing file (off)", err)
	}
	if err := Write(name, State{}); err != nil {
		t.Errorf("off twice: %v", err)
	}
	// A file holding a word of its own (written by hand) goes too.
	if err := os.WriteFile(name, []byte("off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(name, State{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("off left a file holding off: %v", err)
	}
	// A symbolic link is removed, not what it points to.
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("on\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target", name); err != nil {
		t.Fatal(err)
	}
	if err := Write(name, State{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("off left the link: %v", err)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("off removed the link's target: %v", err)
	}
	// A directory in the way (even empty) is an error, and stays.
	if err := os.Mkdir(name, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(name, State{}); !errors.Is(err, ErrNotRegular) {
		t.Errorf("off on a directory: %v, want ErrNotRegular", err)
	}
	if fi, err := os.Stat(name); err != nil || !fi.IsDir() {
		t.Errorf("the directory is gone: %v", err)
	}
}

// TestConcurrentTogglesNeverTorn runs 10,000 toggles from two writers
// against readers that read the file continuously: every read must parse
// as on, or find no file (off); never a torn, empty or unparsable file.
func TestConcurrentTogglesNeverTorn(t *testing.T) {
	const toggles = 10_000
	name := filepath.Join(memDir(t), "maintenance.state")
	if err := Write(name, State{}); err != nil {
		t.Fatal(err)
	}
	var done atomic.Bool
	var reads, ons atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done.Load() {
				s, err := Read(name)
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs <- err
					return
				}
				reads.Add(1)
				if s.Mode == On {
					ons.Add(1)
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range toggles / 2 {
				s := State{Mode: Word(i%2 == w)}
				if i%7 == 0 {
					s = State{Mode: On, Until: time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)}
				}
				if err := Write(name, s); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	writers.Wait()
	done.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d reads, %d on", reads.Load(), ons.Load())
	if reads.Load() == 0 || ons.Load() == 0 || ons.Load() == reads.Load() {
		t.Errorf("%d reads, %d on: the readers did not see both states", reads.Load(), ons.Load())
	}
	entries, _ := os.ReadDir(filepath.Dir(name))
	if len(entries) > 1 {
		t.Errorf("files left: %d", len(entries))
	}
}

// memDir returns a temporary directory on tmpfs (/dev/shm) when there is
// one, else in the default temporary directory. On tmpfs fsync costs
// nothing, which keeps 10,000 writes fast; the atomicity under test comes
// from the rename, on any file system.
func memDir(t *testing.T) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "statefile-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}
