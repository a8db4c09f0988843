package cli

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/statefile"
)

// now is the clock of on, off and status; tests replace it.
var now = time.Now

// switchMode runs "maintgen on" and "maintgen off": on writes the policy's
// state file atomically, off removes it (statefile.Write), so that the
// nginx snippet, which asks only whether the file exists, reads the mode
// as the middleware does; then it prints the resulting state as status
// does. The file is state.file as written, relative to the working
// directory, as the app reads it.
func (c *command) switchMode(name string, args []string) int {
	on := name == "on"
	synopsis := "[FILE]"
	if on {
		synopsis = "[-for DURATION | -until RFC3339] [FILE]"
	}
	fs := c.flags(name, synopsis)
	policyFile := fs.String("policy", defaultPolicy, policyFlagUsage)
	var forD *time.Duration
	var until *string
	if on {
		forD = fs.Duration("for", 0, "switch off by itself after `DURATION`, such as 2h (the file records the end)")
		until = fs.String("until", "", "switch off by itself at `TIME`, in RFC 3339 such as 2026-03-01T04:00:00Z")
	}
	if code, ok := c.parsePolicy(fs, args, policyFile, true); !ok {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	t := now()
	st := statefile.State{On: on}
	switch {
	case set["for"] && set["until"]:
		return c.usageError(fs, "-for and -until exclude each other: give one")
	case set["for"]:
		if *forD <= 0 {
			return c.usageError(fs, fmt.Sprintf("-for %s: want a positive duration, such as 2h", *forD))
		}
		// The file holds whole seconds: round the end up, so that the
		// mode lasts at least DURATION.
		end := t.Add(*forD)
		if rounded := end.Truncate(time.Second); !rounded.Equal(end) {
			end = rounded.Add(time.Second)
		}
		st.Until = end
	case set["until"]:
		u, err := time.Parse(time.RFC3339, *until)
		if err != nil {
			return c.usageError(fs, fmt.Sprintf("-until %q: want an RFC 3339 time with a UTC offset, such as 2026-03-01T04:00:00Z", *until))
		}
		if !t.Before(u) {
			return c.usageError(fs, fmt.Sprintf("-until %s is not in the future", *until))
		}
		st.Until = u
	}
	p, err := loadPolicy(*policyFile)
	if err != nil {
		return c.report(err)
	}
	if p.State == nil || p.State.File == "" {
		var list policy.ErrorList
		pos := p.Syntax.Pos
		if p.State != nil {
			pos = p.Syntax.State.Pos
		}
		verb := "writes"
		if !on {
			verb = "removes"
		}
		list.Add(pos, "state.file is not set: maintgen %s %s the state file; add one, such as state.file: maintenance.state", name, verb)
		return c.report(list)
	}
	c.warnStateDir(name, p, *policyFile)
	_, statErr := os.Lstat(p.State.File)
	if err := statefile.Write(p.State.File, st); err != nil {
		fmt.Fprintf(c.stderr, "maintgen %s: %v\n", name, err)
		return ExitPolicy
	}
	switch {
	case on:
		fmt.Fprintf(c.stdout, "wrote %s: %s\n", p.State.File, st)
	case statErr == nil:
		fmt.Fprintf(c.stdout, "removed %s: off\n", p.State.File)
	default:
		fmt.Fprintf(c.stdout, "%s: off (there was no file)\n", p.State.File)
	}
	c.printStatus(p, t)
	return ExitOK
}

// usageError prints msg and the usage of fs, and returns ExitUsage.
func (c *command) usageError(fs *flag.FlagSet, msg string) int {
	fmt.Fprintf(c.stderr, "%s: %s\n", fs.Name(), msg)
	fs.Usage()
	return ExitUsage
}

// status runs "maintgen status": what the env var, the state file and the
// schedule say, and which of them decides.
func (c *command) status(args []string) int {
	fs := c.flags("status", "[FILE]")
	policyFile := fs.String("policy", defaultPolicy, policyFlagUsage)
	if code, ok := c.parsePolicy(fs, args, policyFile, true); !ok {
		return code
	}
	p, err := loadPolicy(*policyFile)
	if err != nil {
		return c.report(err)
	}
	c.warnStateDir("status", p, *policyFile)
	c.printStatus(p, now())
	return ExitOK
}

// warnStateDir warns, on stderr, when the policy's state.file is a
// relative path and the working directory is not the policy file's: the
// command then uses another file than an app started in the policy's
// directory reads.
func (c *command) warnStateDir(name string, p *policy.Policy, policyFile string) {
	if p.State == nil || p.State.File == "" || filepath.IsAbs(p.State.File) {
		return
	}
	wd, err1 := os.Getwd()
	dir, err2 := filepath.Abs(filepath.Dir(policyFile))
	if err1 != nil || err2 != nil || sameDir(wd, dir) {
		return
	}
	fmt.Fprintf(c.stderr, "maintgen %s: warning: state.file %s is relative to the working directory: this uses %s, but an app started in the policy's directory reads %s\n",
		name, p.State.File, absPath(p.State.File), filepath.Join(dir, p.State.File))
}

// sameDir reports whether the directories a and b are the same, through
// symbolic links.
func sameDir(a, b string) bool {
	if a == b {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// absPath returns name as an absolute path, or name itself when the
// working directory is unknown.
func absPath(name string) string {
	if abs, err := filepath.Abs(name); err == nil {
		return abs
	}
	return name
}

// loadPolicy reads and validates a policy, without rendering anything.
func loadPolicy(name string) (*policy.Policy, error) {
	src, err := readPolicy(name)
	if err != nil {
		return nil, err
	}
	return policy.Parse(filepath.ToSlash(name), src)
}

// printStatus prints one line for each source of the mode, then the mode
// and the source that decides it, by interp.StateAt, the model of a
// generated guard's state: a schedule window, then the env var, then the
// file. The env var is read from this process's environment, which may
// differ from the app's; an app that sets Config.State decides for itself.
// When the policy has output.nginx and state.file, a last line says what
// the nginx snippet does (nginxMode).
func (c *command) printStatus(p *policy.Policy, t time.Time) {
	in := interp.StateInputs{Now: t}
	if p.State != nil && p.State.Env != "" {
		in.Env = os.Getenv(p.State.Env)
	}
	if p.State != nil && p.State.File != "" {
		in.File, in.FileErr = statefile.Read(p.State.File)
	}
	m := interp.StateAt(p, in)

	// The schedule.
	schedule := "none"
	switch start, end, ok := interp.Upcoming(p, t); {
	case len(p.Schedule) == 0:
	case m.By == interp.SourceSchedule:
		w := m.Window
		schedule = fmt.Sprintf("window %s to %s in progress (%s left)", stamp(w.Start), stamp(w.End), w.End.Sub(t).Truncate(time.Second))
	case ok:
		schedule = fmt.Sprintf("next window %s to %s (in %s)", stamp(start), stamp(end), start.Sub(t).Truncate(time.Second))
	default:
		schedule = "no window ahead"
		for _, w := range p.Schedule {
			if t.Before(w.Start) {
				schedule = fmt.Sprintf("next window %s to %s (in %s; announced %s ahead)", stamp(w.Start), stamp(w.End), w.Start.Sub(t).Truncate(time.Second), p.Announce)
				break
			}
		}
	}

	env, file := "none", "none"
	var fallback string
	if p.State != nil {
		fallback = "state.fallback: " + statefile.Word(p.State.Fallback)
	}
	if p.State != nil && p.State.Env != "" {
		switch name := p.State.Env; {
		case !m.Env.Present:
			env = name + " is not set here"
		case m.Env.Fallback:
			env = fmt.Sprintf("%s=%q here: neither on nor off (%s)", name, in.Env, fallback)
		default:
			env = fmt.Sprintf("%s=%s here: %s", name, in.Env, statefile.Word(m.Env.On))
		}
	}
	if p.State != nil && p.State.File != "" {
		switch name, st, err := p.State.File, in.File, in.FileErr; {
		case !m.File.Present:
			file = name + ": missing (off)"
		case errors.Is(err, statefile.ErrGarbage):
			file = fmt.Sprintf("%s: %v (%s)", name, err, fallback)
		case err != nil:
			file = fmt.Sprintf("%s: cannot be read: %v (%s)", name, unwrapPath(err), fallback)
		case st.On && !st.Until.IsZero() && !m.File.On:
			file = fmt.Sprintf("%s: %s (ended: off)", name, st)
		case st.On && !st.Until.IsZero():
			file = fmt.Sprintf("%s: %s (%s left)", name, st, st.Until.Sub(t).Truncate(time.Second))
		default:
			file = fmt.Sprintf("%s: %s", name, st)
		}
	}

	var by string
	switch m.By {
	case interp.SourceSchedule:
		by = "the schedule"
	case interp.SourceEnv:
		by = "state.env " + p.State.Env
	case interp.SourceFile:
		by = "state.file " + p.State.File
	case interp.SourceNone:
		by = "no state set" // a state section with an env var unset and no file
		if p.State == nil {
			by = "no state section: the mode is off unless the app sets Config.State"
		}
	}
	fmt.Fprintf(c.stdout, "state.env:  %s\n", env)
	fmt.Fprintf(c.stdout, "state.file: %s\n", file)
	if p.State != nil && p.State.File != "" {
		fmt.Fprintf(c.stdout, "state.file path: %s\n", absPath(p.State.File))
	}
	fmt.Fprintf(c.stdout, "schedule:   %s\n", schedule)
	fmt.Fprintf(c.stdout, "maintenance mode: %s, decided by %s\n", statefile.Word(m.On), by)
	if p.Output.Nginx != "" && p.State != nil && p.State.File != "" {
		fmt.Fprintf(c.stdout, "output.nginx: %s\n", nginxMode(p.State.File, m, in))
	}
}

// nginxMode says what the nginx snippet does with the state file name,
// and where that differs from the middleware's mode m: the snippet is on
// while name exists as a regular file (nginx's -f), whatever it holds, an
// "on until" that has ended too; it reads neither state.env,
// state.fallback nor the schedule.
func nginxMode(name string, m interp.Mode, in interp.StateInputs) string {
	fi, err := os.Stat(name)
	on := err == nil && fi.Mode().IsRegular()
	var s string
	switch {
	case on:
		s = "on (the state file exists)"
	case err == nil:
		s = "off (the state file is not a regular file)"
	case errors.Is(err, fs.ErrNotExist):
		s = "off (no state file)"
	default:
		s = fmt.Sprintf("off, if nginx cannot see the state file either (%v)", unwrapPath(err))
	}
	switch {
	case on && !m.On:
		s += ", but the middleware is off: nginx reads any state file as on, whatever it holds, and cannot read the end of on until; maintgen off removes it"
	case !on && m.On:
		s += ", but the middleware is on: nginx reads neither state.env, state.fallback nor the schedule; maintgen on writes the file"
	case on && in.FileErr == nil && in.File.On && !in.File.Until.IsZero():
		s += fmt.Sprintf("; nginx cannot read the end, %s: it stays on until maintgen off removes the file", stamp(in.File.Until))
	}
	return s
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
