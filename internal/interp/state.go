package interp

import (
	"errors"
	"io/fs"
	"time"

	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/statefile"
)

// Source names an input that can decide the maintenance mode.
type Source string

// The sources of the mode, in the order a guard consults them: the first
// that has something to say decides. (An app that sets Config.State
// decides for itself, between the schedule and the env var: that answer
// replaces the env var and the file, and is not modelled here.)
const (
	SourceSchedule Source = "schedule"   // a schedule window is in progress: on, and the state is not read
	SourceEnv      Source = "state.env"  // the env var is set and non-empty: it decides for the guard's lifetime
	SourceFile     Source = "state.file" // the state file: missing means off
	SourceNone     Source = ""           // nothing: no state section, or its env var is unset and it has no file; off
)

// StateInputs is what a guard's state reads at one moment.
type StateInputs struct {
	Now     time.Time       // the guard's clock, for the schedule and "on until"
	Env     string          // the value of state.env in the app's environment; "" when unset or empty
	File    statefile.State // the state file's content, when FileErr is nil
	FileErr error           // reading the state file failed: wrapping fs.ErrNotExist when it is missing, statefile.ErrGarbage when it holds no state
}

// Reading is what one input of the state says.
type Reading struct {
	Present  bool // the env var is set and non-empty; the file exists (readable or not)
	Fallback bool // the value is no state word (or, for the file, no state), or the file cannot be read: On is state.fallback
	On       bool // what the input says at Now: off when absent or when "on until" has ended
}

// Mode is the maintenance mode at one moment, the source that decides it,
// and what each input says.
type Mode struct {
	On     bool
	By     Source
	Window policy.Window // the window in progress when By is SourceSchedule
	Env    Reading       // state.env; the zero Reading when the policy has none
	File   Reading       // state.file; the zero Reading when the policy has none
}

// StateAt returns the mode that a guard for p, whose Config.State is nil,
// has with the inputs in; Request.On is its On without the schedule. The
// rules:
//
//   - A schedule window holding in.Now decides: on, whatever the state.
//   - Else state.env, when set and non-empty, decides: an on/off word
//     (statefile.ParseWord), or state.fallback for any other value.
//   - Else state.file decides: a missing file means off; a state means
//     what it says ("on until T" is off from T on); a file that holds no
//     state or cannot be read (not a regular file, too long, an error)
//     means state.fallback.
//   - Else the mode is off.
//
// The guard also keeps the last value while a file that it had found goes
// missing, until the next read confirms it gone; StateAt, which sees one
// moment, reads a missing file as off.
func StateAt(p *policy.Policy, in StateInputs) Mode {
	var m Mode
	if p.State != nil && p.State.Env != "" && in.Env != "" {
		on, ok := statefile.ParseWord(in.Env)
		if !ok {
			on = p.State.Fallback
		}
		m.Env = Reading{Present: true, Fallback: !ok, On: on}
	}
	if p.State != nil && p.State.File != "" {
		switch err := in.FileErr; {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			m.File = Reading{Present: true, Fallback: true, On: p.State.Fallback}
		default:
			m.File = Reading{Present: true, On: in.File.OnAt(in.Now)}
		}
	}
	switch w, ok := WindowAt(p, in.Now); {
	case ok:
		m.On, m.By, m.Window = true, SourceSchedule, w
	case m.Env.Present:
		m.On, m.By = m.Env.On, SourceEnv
	case p.State != nil && p.State.File != "":
		m.On, m.By = m.File.On, SourceFile
	}
	return m
}
