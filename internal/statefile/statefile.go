// Package statefile is the home of the maintenance state's words and the
// state file's grammar: the mode words that the state environment
// variable, the state file and state.fallback share (ParseMode,
// ParseWord, Word), and the state file's content (Parse, Read, Write), for
// maintgen on, off and status. The guard's toggle writes the same
// grammar, and Config.Setting's values print in it.
//
// The file holds one line, optionally followed by a reason line:
//
//	MODE [from T] [until T]
//	reason: TEXT
//
// MODE is on (also 1 or true), off (also 0 or false) or read-only, in
// any case; T is an RFC 3339 time; the words in any case, separated by
// whitespace, surrounding whitespace ignored. TEXT is the rest of its
// line, trimmed; it may be empty, and holds no control characters.
//
//   - on and read-only hold from T (when "from" is given) until T (when
//     "until" is given); outside that interval the mode is off. read-only
//     lets safe methods (GET, HEAD, OPTIONS) through.
//   - off with an interval ("off until T", what maintgen off writes
//     during a schedule window) suspends the schedule's windows in it:
//     the mode is off whatever the schedule says. A plain off suspends
//     nothing.
//   - The reason is shown on the guard's page and in its JSON.
//
// A missing file means off. Off with no interval has one form on disk: no
// file. Write removes the file for it, as the generated toggle does,
// because the nginx snippet can only ask whether the file exists (nginx
// cannot read a file's contents): a file holding off would be off to the
// middleware and on to nginx. nginx cannot read times either, so any
// existing file is on to it.
//
// The generated runtime, which imports only the standard library, keeps
// its own copies of ParseMode and Parse; its tests hold them equal to
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
	"unicode"
	"unicode/utf8"

	"github.com/maintgen/maintgen/internal/atomicfile"
)

// Mode is a maintenance mode: what a state file, the env var or the
// toggle sets.
type Mode string

// The modes.
const (
	Off      Mode = "off"       // requests pass
	On       Mode = "on"        // requests get the maintenance response, unless exempt
	ReadOnly Mode = "read-only" // safe methods (GET, HEAD, OPTIONS) pass as if off; others as if on
)

// State is the content of a state file.
type State struct {
	Mode   Mode      // the zero Mode is Off
	From   time.Time // the start; zero for no start (already begun)
	Until  time.Time // the end; zero for no end
	Reason string    // shown on the page and in the JSON; "" for none
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
// It is the grammar of state.fallback.
func ParseWord(s string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "1", "true":
		return true, true
	case "off", "0", "false":
		return false, true
	}
	return false, false
}

// ParseMode reads a mode word: an on/off word as for ParseWord, or
// read-only, in any case, surrounding whitespace ignored. ok is false for
// any other text. It is the grammar of the state env var.
func ParseMode(s string) (m Mode, ok bool) {
	if strings.EqualFold(strings.TrimSpace(s), string(ReadOnly)) {
		return ReadOnly, true
	}
	on, ok := ParseWord(s)
	if !ok {
		return Off, false
	}
	return Word(on), true
}

// Word returns the mode for on: On or Off.
func Word(on bool) Mode {
	if on {
		return On
	}
	return Off
}

// Parse parses a state file's content (see the package doc).
func Parse(content string) (State, error) {
	line, rest, _ := strings.Cut(content, "\n")
	s, ok := parseLine(line)
	if ok {
		s.Reason, ok = parseReason(rest)
	}
	if ok {
		return s, nil
	}
	short := content
	if len(short) > 64 {
		short = short[:64] + "..."
	}
	return State{}, fmt.Errorf("%q: %w: want on, off or read-only, then optionally from and until an RFC 3339 time, and a reason: line", short, ErrGarbage)
}

// parseLine parses the mode line: MODE [from T] [until T].
func parseLine(line string) (State, bool) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return State{}, false
	}
	m, ok := ParseMode(f[0])
	if !ok {
		return State{}, false
	}
	s := State{Mode: m}
	f = f[1:]
	for _, key := range []string{"from", "until"} {
		if len(f) >= 2 && strings.EqualFold(f[0], key) {
			t, err := time.Parse(time.RFC3339, f[1])
			if err != nil {
				return State{}, false
			}
			if key == "from" {
				s.From = t
			} else {
				s.Until = t
			}
			f = f[2:]
		}
	}
	if len(f) != 0 || !s.From.IsZero() && !s.Until.IsZero() && !s.From.Before(s.Until) {
		return State{}, false
	}
	return s, true
}

// parseReason parses what follows the mode line: nothing (blank), or one
// "reason:" line.
func parseReason(rest string) (string, bool) {
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return "", true
	}
	key, text, ok := strings.Cut(rest, ":")
	if !ok || !strings.EqualFold(strings.TrimSpace(key), "reason") {
		return "", false
	}
	text = strings.TrimSpace(text)
	if strings.ContainsFunc(text, unicode.IsControl) || !utf8.ValidString(text) {
		return "", false
	}
	return text, true
}

// String returns the file content for s, without a final newline: the
// mode line, its times in UTC, and the reason line when there is one.
func (s State) String() string {
	var b strings.Builder
	b.WriteString(string(s.mode()))
	if !s.From.IsZero() {
		b.WriteString(" from " + s.From.UTC().Format(time.RFC3339))
	}
	if !s.Until.IsZero() {
		b.WriteString(" until " + s.Until.UTC().Format(time.RFC3339))
	}
	if s.Reason != "" {
		b.WriteString("\nreason: " + s.Reason)
	}
	return b.String()
}

// At returns the mode s sets at now: its Mode inside [From, Until), else
// Off.
func (s State) At(now time.Time) Mode {
	if s.holds(now) {
		return s.mode()
	}
	return Off
}

// Suspends reports whether s suspends the schedule's windows at now: an
// off with an interval that holds now.
func (s State) Suspends(now time.Time) bool {
	return s.mode() == Off && (!s.From.IsZero() || !s.Until.IsZero()) && s.holds(now)
}

// holds reports whether now is in [From, Until), either end open when
// zero.
func (s State) holds(now time.Time) bool {
	return (s.From.IsZero() || !now.Before(s.From)) && (s.Until.IsZero() || now.Before(s.Until))
}

// Plain reports whether s is a plain off, which has no file on disk.
func (s State) Plain() bool { return s.mode() == Off && s.From.IsZero() && s.Until.IsZero() }

// mode returns s.Mode, Off for the zero Mode.
func (s State) mode() Mode {
	if s.Mode == "" {
		return Off
	}
	return s.Mode
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

// Write records s in the state file name. Any state but a plain off
// replaces the file atomically, with atomicfile.WriteFile: mode 0644
// (whatever the umask and the directory's mode), synced, renamed over
// name; a concurrent reader sees the old state or the new, whole, never a
// torn or missing file. A plain off removes the file (a missing file is
// no error), which a reader, nginx included, reads as off; a directory in
// the way is an error and stays.
func Write(name string, s State) error {
	if !s.Plain() {
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
