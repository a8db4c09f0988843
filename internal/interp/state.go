package interp

import (
	"errors"
	"io/fs"
	"time"

	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/statefile"
)

// Source names an input that can decide the maintenance mode. The
// generated guard's Status.Source spells the same words.
type Source string

// The sources of the mode, in the order a guard consults them: the first
// that has something to say decides. (An app that sets Config.Setting or
// Config.State decides for itself, SourceConfig: that answer replaces the
// env var and the file, and is not modelled here.)
const (
	SourceSchedule Source = "schedule"   // a schedule window is in progress (and no off with a time suspends it): on
	SourceConfig   Source = "config"     // Config.Setting or Config.State
	SourceEnv      Source = "state.env"  // the env var is set and non-empty: it decides for the guard's lifetime
	SourceFile     Source = "state.file" // the state file: missing means off
	SourceNone     Source = "none"       // nothing: no state section, or its env var is unset and it has no file; off
)

// StateInputs is what a guard's state reads at one moment.
type StateInputs struct {
	Now     time.Time       // the guard's clock, for the schedule and the setting's times
	Env     string          // the value of state.env in the app's environment; "" when unset or empty
	File    statefile.State // the state file's content, when FileErr is nil
	FileErr error           // reading the state file failed: wrapping fs.ErrNotExist when it is missing, statefile.ErrGarbage when it holds no state
}

// Reading is what one input of the state says.
type Reading struct {
	Present  bool            // the env var is set and non-empty; the file exists (readable or not)
	Fallback bool            // the value is no mode word (or, for the file, no setting), or the file cannot be read: Setting is state.fallback's
	Setting  statefile.State // what the input says: for the env var, a mode alone
	Mode     statefile.Mode  // Setting's mode at Now: off outside its interval
}

// Mode is the maintenance mode at one moment, the source that decides it,
// and what each input says.
type Mode struct {
	On       bool          // on, fully or read-only
	ReadOnly bool          // read-only: the state says so, and no window is in progress
	By       Source        // what decides
	Window   policy.Window // the window in progress when By is SourceSchedule
	Until    time.Time     // the expected end: the window's, the setting's, or the later of both; zero when unknown
	Reason   string        // the setting's reason, when it is on
	// Suspended: the setting, an off with a time, suspends the schedule
	// now (Request.Suspended).
	Suspended bool
	Env       Reading // state.env; the zero Reading when the policy has none
	File      Reading // state.file; the zero Reading when the policy has none

	setting statefile.Mode // the mode the deciding input sets, "" for none
	until   time.Time      // its end
}

// Request sets req's state fields (On, ReadOnly, Suspended) from m: what
// the setting says, which Evaluate combines with the schedule.
func (m Mode) Request(req *Request) {
	req.On = m.setting != statefile.Off && m.setting != ""
	req.ReadOnly = m.setting == statefile.ReadOnly
	req.Suspended = m.Suspended
	req.Until, req.Reason = time.Time{}, ""
	if req.On {
		req.Until, req.Reason = m.until, m.Reason
	}
}

// SettingRequest sets req's state fields from a setting (what Config.Setting
// returns) at req.Now: the mode it sets then, its end and reason, and
// whether it suspends the schedule.
func SettingRequest(s statefile.State, req *Request) {
	m := s.At(req.Now)
	req.On, req.ReadOnly, req.Suspended = m != statefile.Off, m == statefile.ReadOnly, s.Suspends(req.Now)
	req.Until, req.Reason = time.Time{}, ""
	if req.On {
		req.Until, req.Reason = s.Until, s.Reason
	}
}

// StateAt returns the mode that a guard for p, whose Config.Setting and
// Config.State are nil, has with the inputs in; Request fills a Request's
// state fields from it. The rules:
//
//   - state.env, when set and non-empty, is the setting: a mode word
//     (statefile.ParseMode), or state.fallback for any other value.
//   - Else state.file is the setting: a missing file means off; a setting
//     means what it says (statefile.State.At); a file that holds no
//     setting or cannot be read (not a regular file, too long, an error)
//     means state.fallback.
//   - A schedule window holding in.Now decides, on, unless the setting is
//     an off with a time whose interval holds in.Now.
//   - Else the setting decides; without one the mode is off.
//
// The guard also keeps the last value while a file that it had found goes
// missing, until the next read confirms it gone; StateAt, which sees one
// moment, reads a missing file as off.
func StateAt(p *policy.Policy, in StateInputs) Mode {
	var m Mode
	read := func(s statefile.State, fallback bool) Reading {
		if fallback {
			s = statefile.State{Mode: statefile.Word(p.State.Fallback)}
		}
		return Reading{Present: true, Fallback: fallback, Setting: s, Mode: s.At(in.Now)}
	}
	if p.State != nil && p.State.Env != "" && in.Env != "" {
		mode, ok := statefile.ParseMode(in.Env)
		m.Env = read(statefile.State{Mode: mode}, !ok)
	}
	if p.State != nil && p.State.File != "" {
		switch err := in.FileErr; {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			m.File = read(statefile.State{}, true)
		default:
			m.File = read(in.File, false)
		}
	}
	var set *Reading
	switch {
	case m.Env.Present:
		set, m.By = &m.Env, SourceEnv
	case p.State != nil && p.State.File != "":
		set, m.By = &m.File, SourceFile
	default:
		set, m.By = &Reading{}, SourceNone
	}
	m.Suspended, m.setting, m.until = set.Setting.Suspends(in.Now), set.Mode, set.Setting.Until
	var end time.Time
	if w, ok := WindowAt(p, in.Now); ok && !m.Suspended {
		m.On, m.By, m.Window, end = true, SourceSchedule, w, w.End
	}
	if set.Mode != statefile.Off && set.Mode != "" {
		m.On, m.Reason = true, set.Setting.Reason
		m.ReadOnly = set.Mode == statefile.ReadOnly && m.By != SourceSchedule
		end = later(end, set.Setting.Until)
	}
	if m.On {
		m.Until = end
	}
	return m
}

// later returns the later of a window's end and a setting's end, either
// zero when unknown: the setting's zero end (on with no end) makes the
// end unknown.
func later(window, setting time.Time) time.Time {
	if !setting.IsZero() && setting.Before(window) {
		return window
	}
	return setting
}
