//go:build !maintgen_no_file

// The state file: polling it (state.file, state.poll) and writing it for
// the toggle.

package maintenance

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// fileState is the poller of the state file.
type fileState struct {
	refreshing atomic.Bool // one request re-reads at a time
	once       sync.Once   // the first read
	timer      *time.Timer // marks the word stale after a poll interval

	// mu serializes reads of the state file with the toggle's writes, and
	// guards seen and warned.
	mu     sync.Mutex
	seen   bool // the last read found the file
	warned bool // the unusable state has been logged

	// An empty file after a good value is a write in progress (echo on >
	// file truncates, then writes): the value is kept, and the file
	// re-read soon, until it has been empty for emptyPatience.
	good       bool      // the last value read was valid
	emptySince time.Time // when reads began to find the file empty
}

// newFilePoller creates the timer, stopped, before g is shared: load only
// resets it, so that a load on any goroutine may use it.
func (g *Guard) newFilePoller() {
	g.file.timer = time.AfterFunc(statePoll, func() { g.word.Or(stateStale) })
	g.file.timer.Stop()
}

// parseStateFile reads the state file's contents: an on/off word as for
// parseWord, or "on until T" (the words in any case, separated by
// whitespace, surrounding whitespace ignored) where T is an RFC 3339 time,
// as maintgen on -for and -until write it. until is zero for a plain word.
func parseStateFile(s string) (on bool, until time.Time, ok bool) {
	f := strings.Fields(s)
	switch {
	case len(f) == 1:
		on, ok = parseWord(f[0])
		return on, time.Time{}, ok
	case len(f) == 3 && strings.EqualFold(f[0], "on") && strings.EqualFold(f[1], "until"):
		t, err := time.Parse(time.RFC3339, f[2])
		if err == nil {
			return true, t, true
		}
	}
	return false, time.Time{}, false
}

// emptyPatience is how long an empty state file after a good value is
// taken for a write in progress: a poll interval, and at least a second,
// for a writer descheduled between its truncate and its write.
const emptyPatience = max(statePoll, time.Second)

// maxStateFile bounds how much of the state file is read.
const maxStateFile = 1 << 10

// readStateFile reads the state file, at most maxStateFile bytes, and
// only a regular file (or a symbolic link to one). It opens without
// blocking, then checks the opened file, so that a FIFO (whose read would
// wait for a writer, and every request with it), a device or a directory
// is never read, whatever is swapped in between.
func readStateFile() (string, error) {
	f, err := os.OpenFile(stateFile, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", errors.New("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxStateFile {
		return "", errors.New("longer than 1 KiB")
	}
	return string(b), nil
}

// refresh re-reads the state file. Concurrent first requests wait for the
// first read; later, one request re-reads while the others keep the last
// value.
func (g *Guard) refresh(w uint32) bool {
	if w&stateLoaded == 0 {
		g.file.once.Do(g.load)
	} else if g.file.refreshing.CompareAndSwap(false, true) {
		g.load()
		g.file.refreshing.Store(false)
	}
	return g.word.Load()&stateOn != 0
}

// load reads the file and arms the timer that marks the value stale after
// one poll interval, or sooner when an "on until" ends sooner.
//
//   - A valid value decides; "on until T" reads as off from T on.
//   - A missing file means off. But when the previous read found the
//     file, the value is kept until the next read confirms that the file
//     is gone: a file replaced by delete and create (an editor, a
//     non-atomic ConfigMap update) does not flip the site in between.
//   - An unreadable file or a value that is not a state word means
//     stateFallback, logged once until a valid value is read.
func (g *Guard) load() {
	g.file.mu.Lock()
	defer g.file.mu.Unlock()
	w := uint32(stateLoaded)
	delay := time.Duration(statePoll)
	text, err := readStateFile()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		g.file.good, g.file.emptySince = false, time.Time{}
		if g.file.seen {
			w |= g.word.Load() & stateOn
		}
		g.file.seen = false
	case err != nil:
		g.file.seen, g.file.good, g.file.emptySince = true, false, time.Time{}
		if stateFallback {
			w |= stateOn
		}
		g.warnOnce("maintenance: the state file cannot be read; using state.fallback", slog.String("error", err.Error()))
	default:
		g.file.seen = true
		if strings.TrimSpace(text) == "" && g.file.good {
			now := time.Now()
			if g.file.emptySince.IsZero() {
				g.file.emptySince = now
			}
			if now.Sub(g.file.emptySince) < emptyPatience {
				w |= g.word.Load() & stateOn
				delay = max(statePoll/16, time.Millisecond)
				break
			}
		}
		g.file.emptySince = time.Time{}
		on, until, ok := parseStateFile(text)
		g.file.good = ok
		if !ok {
			if stateFallback {
				w |= stateOn
			}
			g.warnOnce("maintenance: the state file holds neither on nor off; using state.fallback", slog.String("value", quoteShort(text)))
			break
		}
		g.file.warned = false
		if on && !until.IsZero() {
			on, delay = untilRead(until.Sub(g.now()), delay)
		}
		if on {
			w |= stateOn
		}
	}
	g.word.Store(w)
	g.file.timer.Reset(delay)
}

// untilRead applies the end of an "on until" state, left being the time
// from now to the end: the mode is on while left > 0, and the next read
// is due after poll or, when sooner, at the end, so that the mode goes
// off on time.
func untilRead(left, poll time.Duration) (on bool, delay time.Duration) {
	if left <= 0 {
		return false, poll
	}
	return true, min(left, poll)
}

// warnOnce logs that the state file is unusable, once until a valid value
// is read. g.mu is held.
func (g *Guard) warnOnce(msg string, attr slog.Attr) {
	if g.file.warned {
		return
	}
	g.file.warned = true
	g.warn(msg, slog.String("file", stateFile), attr, slog.Bool("fallback", stateFallback))
}

// writeState records on or off in the state file for the toggle, as
// maintgen on and off do (statefile.Write): on writes "on" atomically;
// off removes the file (a missing file is no error, a directory in the
// way is), then syncs its directory, so that an nginx snippet, which asks
// only whether the file exists, reads the mode as the guard does. It makes
// the Guard see the new mode at once.
func (g *Guard) writeState(on bool) error {
	g.file.mu.Lock()
	defer g.file.mu.Unlock()
	if on {
		if err := writeStateFile(stateFile, "on\n"); err != nil {
			return err
		}
	} else {
		fi, err := os.Lstat(stateFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return err
		case fi.IsDir():
			return &fs.PathError{Op: "remove", Path: stateFile, Err: errors.New("a directory, not a state file")}
		default:
			if err := os.Remove(stateFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if d, err := os.Open(filepath.Dir(stateFile)); err == nil {
				d.Sync() // best effort: not every file system syncs directories
				d.Close()
			}
		}
	}
	w := uint32(stateLoaded)
	if on {
		w |= stateOn
	}
	// After off, seen is false: the next read finding no file confirms
	// off, rather than keeping the last value as for a file that went
	// missing by itself.
	g.file.seen, g.file.warned, g.file.good, g.file.emptySince = on, false, on, time.Time{}
	g.word.Store(w)
	g.file.timer.Reset(statePoll)
	return nil
}

// writeStateFile replaces the file name with content atomically: a
// temporary file in the same directory, written, given mode 0644 (whatever
// the umask), synced, then renamed over name; then the directory is synced
// so that the rename survives a crash. A reader sees the old content or
// the new, never a mix, and never a missing file.
func writeStateFile(name, content string) (err error) {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	_, err = io.WriteString(f, content)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err = os.Rename(tmp, name); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}
