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
// With OnChange, the timer re-reads the file itself, until Close.
func (g *Guard) newFilePoller() {
	g.file.timer = time.AfterFunc(statePoll, func() {
		w := g.word.Or(stateStale) | stateStale
		if g.cfg.OnChange != nil {
			g.background(func() { g.refresh(w) })
		}
	})
	g.file.timer.Stop()
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
func (g *Guard) refresh(w uint32) uint32 {
	loaded := false
	if w&stateLoaded == 0 {
		g.file.once.Do(func() { g.load(); loaded = true })
	} else if g.file.refreshing.CompareAndSwap(false, true) {
		g.load()
		g.file.refreshing.Store(false)
		loaded = true
	}
	if loaded {
		g.notice()
	}
	return g.word.Load()
}

// load reads the file and arms the timer that marks the value stale after
// one poll interval, or sooner when the setting starts or ends sooner.
//
//   - A setting decides (ParseSetting).
//   - A missing file means off. But when the previous read found the
//     file, the value is kept until the next read confirms that the file
//     is gone: a file replaced by delete and create (an editor, a
//     non-atomic ConfigMap update) does not flip the site in between.
//   - An unreadable file or a value that is not a state word means
//     stateFallback, logged once until a valid value is read.
func (g *Guard) load() {
	g.file.mu.Lock()
	defer g.file.mu.Unlock()
	const modeBits = stateOn | stateReadOnly | stateSuspend
	w := uint32(stateLoaded)
	delay := time.Duration(statePoll)
	set := g.set.Load()
	text, err := readStateFile()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		g.file.good, g.file.emptySince = false, time.Time{}
		if g.file.seen {
			w |= g.word.Load() & modeBits
		} else {
			set = nil
		}
		g.file.seen = false
	case err != nil:
		g.file.seen, g.file.good, g.file.emptySince = true, false, time.Time{}
		set = fallbackSetting()
		w |= set.bits(g.now())
		g.warnOnce("maintenance: the state file cannot be read; using state.fallback", slog.String("error", err.Error()))
	default:
		g.file.seen = true
		if strings.TrimSpace(text) == "" && g.file.good {
			now := time.Now()
			if g.file.emptySince.IsZero() {
				g.file.emptySince = now
			}
			if now.Sub(g.file.emptySince) < emptyPatience {
				w |= g.word.Load() & modeBits
				delay = max(statePoll/16, time.Millisecond)
				break
			}
		}
		g.file.emptySince = time.Time{}
		s, err := ParseSetting(text)
		g.file.good = err == nil
		if err != nil {
			s = *fallbackSetting()
			g.warnOnce("maintenance: the state file holds no setting; using state.fallback", slog.String("value", quoteShort(text)))
		} else {
			g.file.warned = false
		}
		set = &s
		now := g.now()
		w |= s.bits(now)
		if next := s.next(now); !next.IsZero() { // read again when it starts or ends
			delay = min(delay, next.Sub(now))
		}
	}
	g.set.Store(set)
	g.word.Store(w)
	g.file.timer.Reset(delay)
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

// writeState records s in the state file for the toggle, as maintgen on
// and off do (statefile.Write): a setting is written atomically; a plain
// off removes the file (a missing file is no error, a directory in the
// way is), then syncs its directory, so that an nginx snippet, which asks
// only whether the file exists, reads the mode as the guard does. It makes
// the Guard see the new setting at once.
func (g *Guard) writeState(s Setting) error {
	g.file.mu.Lock()
	defer g.file.mu.Unlock()
	on := s.mode() != ModeOff || !s.From.IsZero() || !s.Until.IsZero()
	if on {
		if err := writeStateFile(stateFile, s.String()+"\n"); err != nil {
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
	w := stateLoaded | s.bits(g.now())
	g.set.Store(&s)
	// After off, seen is false: the next read finding no file confirms
	// off, rather than keeping the last value as for a file that went
	// missing by itself.
	g.file.seen, g.file.warned, g.file.good, g.file.emptySince = on, false, on, time.Time{}
	g.word.Store(w)
	delay := time.Duration(statePoll)
	if next := s.next(g.now()); !next.IsZero() {
		delay = min(delay, next.Sub(g.now()))
	}
	g.file.timer.Reset(delay)
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
