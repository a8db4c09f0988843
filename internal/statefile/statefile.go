// Package statefile is the home of the maintenance state's words: the
// on/off word that the state environment variable, the state file and
// state.fallback share (ParseWord, Word), and the state file's grammar
// (Parse, Read, Write), for maintgen on, off and status.
//
// The file holds one of:
//
//	on | off | 1 | 0 | true | false     (any case)
//	on until 2026-03-01T04:00:00Z       (the words in any case; an RFC 3339 time)
//
// surrounding whitespace ignored. "on until T" reads as off from T on: it
// is what maintgen on -for and -until write. A missing file means off.
//
// Off has one form on disk: no file. Write removes the file for off, as
// the generated toggle does, because the nginx snippet can only ask
// whether the file exists (nginx cannot read a file's contents): a file
// holding off would be off to the middleware and on to nginx. nginx
// cannot read an end either, so an "on until" that has ended stays on to
// nginx until the file is removed.
//
// The generated runtime, which imports only the standard library, keeps
// its own copies of ParseWord and Parse; its tests hold them equal to
// these.
package statefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/maintgen/maintgen/internal/atomicfile"
)

// State is the content of a state file.
type State struct {
	On    bool
	Until time.Time // for On: the end; zero for no end
}

// MaxSize is the most a guard reads of the file, in bytes (1 KiB).
const MaxSize = 1 << 10

// ErrGarbage is wrapped by Parse's error: the file holds neither on nor
// off, so guards use state.fallback.
var ErrGarbage = errors.New("neither on nor off")

// ErrNotRegular is wrapped by Read's error when the file is not a regular
// file (nor a symbolic link to one): a directory, a device or a FIFO,
// which would block whoever opens it. Guards refuse such a file too, and
// use state.fallback.
var ErrNotRegular = errors.New("not a regular file")

// ParseWord reads an on/off word: on, off, 1, 0, true or false, in any
// case, surrounding whitespace ignored. ok is false for any other text.
func ParseWord(s string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "1", "true":
		return true, true
	case "off", "0", "false":
		return false, true
	}
	return false, false
}

// Word returns the word for on: "on" or "off".
func Word(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// Parse parses a state file's content.
func Parse(content string) (State, error) {
	f := strings.Fields(content)
	switch {
	case len(f) == 1:
		if on, ok := ParseWord(f[0]); ok {
			return State{On: on}, nil
		}
	case len(f) == 3 && strings.EqualFold(f[0], "on") && strings.EqualFold(f[1], "until"):
		t, err := time.Parse(time.RFC3339, f[2])
		if err == nil {
			return State{On: true, Until: t}, nil
		}
	}
	short := content
	if len(short) > 64 {
		short = short[:64] + "..."
	}
	return State{}, fmt.Errorf("%q: %w: want on, off or on until an RFC 3339 time", short, ErrGarbage)
}

// String returns the file content for s, without a newline: "on", "off"
// or "on until T" with T in UTC.
func (s State) String() string {
	if !s.On || s.Until.IsZero() {
		return Word(s.On)
	}
	return "on until " + s.Until.UTC().Format(time.RFC3339)
}

// OnAt reports whether s means maintenance mode is on at now.
func (s State) OnAt(now time.Time) bool {
	return s.On && (s.Until.IsZero() || now.Before(s.Until))
}

// Read reads and parses the state file name, as a guard does. A missing
// file is an error wrapping fs.ErrNotExist (guards read it as off). Only a
// regular file, or a symbolic link to one, is read: anything else is an
// error wrapping ErrNotRegular, returned at once (opening a FIFO the usual
// way would block until a writer came).
func Read(name string) (State, error) {
	// O_NONBLOCK: opening a FIFO without a writer returns at once instead
	// of blocking, and Stat then refuses it; a regular file reads as ever.
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return State{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return State{}, err
	}
	if err := regular(name, fi.Mode()); err != nil {
		return State{}, err
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return State{}, err
	}
	if len(b) > MaxSize {
		return State{}, fmt.Errorf("%s: longer than 1 KiB", name)
	}
	return Parse(string(b))
}

// regular returns an error wrapping ErrNotRegular, a *fs.PathError for
// name, when mode is not a regular file's.
func regular(name string, mode fs.FileMode) error {
	var kind string
	switch {
	case mode.IsRegular():
		return nil
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case mode.IsDir():
		kind = "a directory"
	case mode&fs.ModeDevice != 0:
		kind = "a device"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	default:
		kind = "a special file"
	}
	return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%s, %w", kind, ErrNotRegular)}
}

// Write records s in the state file name. On, with or without an end,
// replaces the file atomically, with atomicfile.WriteFile: mode 0644
// (whatever the umask and the directory's mode), synced, renamed over
// name; a concurrent reader sees the old state or the new, whole, never a
// torn or missing file. Off removes the file (a missing file is no
// error), which a reader, nginx included, reads as off; a directory in
// the way is an error and stays.
func Write(name string, s State) error {
	if s.On {
		return atomicfile.WriteFile(name, []byte(s.String()+"\n"), 0o644)
	}
	return remove(name)
}

// remove removes the state file name, unless it is a directory, then
// syncs the directory holding it, so that the removal survives a crash.
func remove(name string) error {
	fi, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return &fs.PathError{Op: "remove", Path: name, Err: fmt.Errorf("a directory, %w", ErrNotRegular)}
	}
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if d, err := os.Open(filepath.Dir(name)); err == nil {
		d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}
