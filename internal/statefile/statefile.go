// Package statefile reads and writes the state file of a maintgen policy
// (state.file), the on/off switch that generated guards poll.
//
// The file holds one of:
//
//	on | off | 1 | 0 | true | false     (any case)
//	on until 2026-03-01T04:00:00Z       (the words in any case; an RFC 3339 time)
//
// surrounding whitespace ignored. "on until T" reads as off from T on: it
// is what maintgen on -for and -until write. The generated runtime parses
// the file with the same grammar (its tests hold the two equal).
package statefile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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

// Parse parses a state file's content.
func Parse(content string) (State, error) {
	f := strings.Fields(content)
	switch {
	case len(f) == 1:
		switch strings.ToLower(f[0]) {
		case "on", "1", "true":
			return State{On: true}, nil
		case "off", "0", "false":
			return State{}, nil
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
	switch {
	case !s.On:
		return "off"
	case s.Until.IsZero():
		return "on"
	}
	return "on until " + s.Until.UTC().Format(time.RFC3339)
}

// OnAt reports whether s means maintenance mode is on at now.
func (s State) OnAt(now time.Time) bool {
	return s.On && (s.Until.IsZero() || now.Before(s.Until))
}

// Read reads and parses the state file name. A missing file is an error
// wrapping fs.ErrNotExist (guards read it as off).
func Read(name string) (State, error) {
	f, err := os.Open(name)
	if err != nil {
		return State{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return State{}, err
	}
	if len(b) > MaxSize {
		return State{}, fmt.Errorf("%s: longer than 1 KiB", name)
	}
	return Parse(string(b))
}

// Write replaces the state file name with s atomically, with
// atomicfile.WriteFile: mode 0644 (whatever the umask and the directory's
// mode), synced, renamed over name. A concurrent reader sees the old state
// or the new, whole, never a torn or missing file.
func Write(name string, s State) error {
	return atomicfile.WriteFile(name, []byte(s.String()+"\n"), 0o644)
}
