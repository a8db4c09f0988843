package cli

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
// does. Off during a schedule window writes "off until" the window's end
// instead, which ends it early. The file is state.file as written,
// relative to the working directory, as the app reads it.
func (c *command) switchMode(name string, args []string) int {
	on := name == "on"
	synopsis := "[FILE]"
	if on {
		synopsis = "[-read-only] [-at TIME] [-for DURATION | -until TIME] [-reason TEXT] [FILE]"
	}
	fs := c.flags(name, synopsis)
	policyFile := fs.String("policy", defaultPolicy, policyFlagUsage)
	var forD *time.Duration
	var until, at, reason *string
	var readOnly *bool
	if on {
		readOnly = fs.Bool("read-only", false, "read-only mode: safe methods (GET, HEAD, OPTIONS) pass, others get the maintenance response")
		at = fs.String("at", "", "start at `TIME`, in RFC 3339 such as 2026-03-01T02:00:00Z, not now (the file records the start)")
		forD = fs.Duration("for", 0, "switch off by itself after `DURATION`, from now or -at, such as 2h (the file records the end)")
		until = fs.String("until", "", "switch off by itself at `TIME`, in RFC 3339 such as 2026-03-01T04:00:00Z")
		reason = fs.String("reason", "", "`TEXT` shown on the page and in the JSON, such as \"Upgrading the database\"")
	}
	if code, ok := c.parsePolicy(fs, args, policyFile, true); !ok {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	t := now()
	st := statefile.State{Mode: statefile.Word(on)}
	if on {
		if *readOnly {
			st.Mode = statefile.ReadOnly
		}
		if msg := c.settingFlags(&st, t, set, *at, *forD, *until, *reason); msg != "" {
			return c.usageError(fs, msg)
		}
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
	if w, ok := interp.WindowAt(p, t); !on && ok {
		st.Until = w.End // end the window in progress early
	}
	if msg := existenceFronts(p, st, t); msg != "" {
		fmt.Fprintf(c.stderr, "maintgen %s: %s\n", name, msg)
		return ExitPolicy
	}
	if st.Mode == statefile.ReadOnly && (p.Output.Nginx != "" || p.Output.Caddy != "") {
		fmt.Fprintf(c.stderr, "maintgen on: warning: the proxy snippets (output.nginx, output.caddy) cannot tell read-only from on: they give every request the maintenance response\n")
	}
	c.warnStateDir(name, p, *policyFile)
	_, statErr := os.Lstat(p.State.File)
	if err := statefile.Write(p.State.File, st); err != nil {
		fmt.Fprintf(c.stderr, "maintgen %s: %v\n", name, err)
		return ExitPolicy
	}
	switch {
	case !st.Plain():
		fmt.Fprintf(c.stdout, "wrote %s: %s\n", p.State.File, strings.ReplaceAll(st.String(), "\n", "; "))
	case statErr == nil:
		fmt.Fprintf(c.stdout, "removed %s: off\n", p.State.File)
	default:
		fmt.Fprintf(c.stdout, "%s: off (there was no file)\n", p.State.File)
	}
	c.printStatus(p, t)
	return ExitOK
}

// maxReason bounds -reason, in bytes: the state file holds at most
// statefile.MaxSize.
const maxReason = 500

// settingFlags applies on's -at, -for, -until and -reason to st, now being
// t; it returns a usage error's message, or "".
func (c *command) settingFlags(st *statefile.State, t time.Time, set map[string]bool, at string, forD time.Duration, until, reason string) string {
	start := t
	if set["at"] {
		u, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return fmt.Sprintf("-at %q: want an RFC 3339 time with a UTC offset, such as 2026-03-01T02:00:00Z", at)
		}
		if !t.Before(u) {
			return fmt.Sprintf("-at %s is not in the future: leave -at out to start now", at)
		}
		st.From, start = u, u
	}
	switch {
	case set["for"] && set["until"]:
		return "-for and -until exclude each other: give one"
	case set["for"]:
		if forD <= 0 {
			return fmt.Sprintf("-for %s: want a positive duration, such as 2h", forD)
		}
		// The file holds whole seconds: round the end up, so that the
		// mode lasts at least DURATION.
		end := start.Add(forD)
		if rounded := end.Truncate(time.Second); !rounded.Equal(end) {
			end = rounded.Add(time.Second)
		}
		st.Until = end
	case set["until"]:
		u, err := time.Parse(time.RFC3339, until)
		if err != nil {
			return fmt.Sprintf("-until %q: want an RFC 3339 time with a UTC offset, such as 2026-03-01T04:00:00Z", until)
		}
		switch {
		case !set["at"] && !t.Before(u):
			return fmt.Sprintf("-until %s is not in the future", until)
		case !start.Before(u):
			return fmt.Sprintf("-until %s is not after -at %s", until, stamp(start))
		}
		st.Until = u
	}
	if set["reason"] {
		st.Reason = strings.TrimSpace(reason)
		switch {
		case st.Reason == "":
			return "-reason is empty: give a line of text, or leave it out"
		case len(st.Reason) > maxReason:
			return fmt.Sprintf("-reason is %d bytes: want at most %d", len(st.Reason), maxReason)
		case strings.ContainsFunc(st.Reason, unicode.IsControl) || !utf8.ValidString(st.Reason) || strings.ContainsRune(st.Reason, policy.SlotMark):
			return "-reason: want one line of text, without control characters"
		}
	}
	return ""
}

// existenceFronts returns why st cannot be written for p's proxy
// outputs, which read only whether the state file exists: "" when it can.
// They would read a planned start (-at) as on now, and an off that ends a
// schedule window early as on.
func existenceFronts(p *policy.Policy, st statefile.State, t time.Time) string {
	var fronts []string
	if p.Output.Nginx != "" {
		fronts = append(fronts, "the nginx snippet (output.nginx)")
	}
	if p.Output.Caddy != "" {
		fronts = append(fronts, "the Caddy snippet (output.caddy)")
	}
	if len(fronts) == 0 {
		return ""
	}
	who := strings.Join(fronts, " and ")
	reads, applies := "reads", "applies"
	if len(fronts) > 1 {
		reads, applies = "read", "apply"
	}
	switch {
	case !st.From.IsZero():
		return fmt.Sprintf("-at: %s %s any state file as on, so it would start now, not at %s; run maintgen on at that time instead (at(1), a systemd timer or cron)", who, reads, stamp(st.From))
	case st.Mode == statefile.Off && !st.Plain():
		return fmt.Sprintf("a schedule window is in progress until %s: ending it early writes off until then to the state file, which %s would read as on; %s %s no schedule, so it is off unless the file exists; to end the window at the app, remove it from the policy and regenerate", stamp(st.Until), who, who, applies)
	}
	return ""
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
		fallback = "state.fallback: " + string(statefile.Word(p.State.Fallback))
	}
	if p.State != nil && p.State.Env != "" {
		switch name := p.State.Env; {
		case !m.Env.Present:
			env = name + " is not set here"
		case m.Env.Fallback:
			env = fmt.Sprintf("%s=%q here: neither on, off nor read-only (%s)", name, in.Env, fallback)
		default:
			env = fmt.Sprintf("%s=%s here: %s", name, in.Env, m.Env.Mode)
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
		case st.Mode != statefile.Off && m.File.Mode == statefile.Off && t.Before(st.From):
			file = fmt.Sprintf("%s: %s (starts in %s)", name, settingLine(st), st.From.Sub(t).Truncate(time.Second))
		case st.Mode != statefile.Off && m.File.Mode == statefile.Off || st.Mode == statefile.Off && !st.Plain() && !st.Suspends(t):
			file = fmt.Sprintf("%s: %s (ended: off)", name, settingLine(st))
		case !st.Until.IsZero():
			file = fmt.Sprintf("%s: %s (%s left)", name, settingLine(st), st.Until.Sub(t).Truncate(time.Second))
		default:
			file = fmt.Sprintf("%s: %s", name, settingLine(st))
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
	mode := statefile.Word(m.On)
	if m.ReadOnly {
		mode = statefile.ReadOnly
	}
	fmt.Fprintf(c.stdout, "maintenance mode: %s, decided by %s", mode, by)
	if m.Suspended {
		fmt.Fprintf(c.stdout, ", which suspends the schedule")
	}
	if !m.Until.IsZero() {
		fmt.Fprintf(c.stdout, ", until %s (%s left)", stamp(m.Until), m.Until.Sub(t).Truncate(time.Second))
	}
	fmt.Fprintln(c.stdout)
	if m.Reason != "" {
		fmt.Fprintf(c.stdout, "reason: %s\n", m.Reason)
	}
	if p.Output.Nginx != "" && p.State != nil && p.State.File != "" {
		fmt.Fprintf(c.stdout, "output.nginx: %s\n", nginxMode(p.State.File, m, in))
	}
	if p.Output.Worker != "" {
		fmt.Fprintf(c.stdout, "output.worker: reads its KV key, not this file; to match it: npx wrangler kv key put --binding MAINTENANCE --remote state %s\n", shellQuote(workerSetting(p, in)))
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
		s += ", but the middleware is off: nginx reads any state file as on, whatever it holds, and cannot read its start or end; maintgen off removes it"
	case on && m.ReadOnly:
		s += ", but the middleware is read-only: nginx cannot tell, and gives every request the maintenance response"
	case !on && m.On:
		s += ", but the middleware is on: nginx reads neither state.env, state.fallback nor the schedule; maintgen on writes the file"
	case on && in.FileErr == nil && in.File.Mode != statefile.Off && !in.File.Until.IsZero():
		s += fmt.Sprintf("; nginx cannot read the end, %s: it stays on until maintgen off removes the file", stamp(in.File.Until))
	}
	return s
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// settingLine returns the first line of st's file content: the mode and
// its times.
func settingLine(st statefile.State) string {
	line, _, _ := strings.Cut(st.String(), "\n")
	return line
}

// workerSetting returns the setting the Worker's KV key should hold to
// match the state file: its content; off for a missing file; the
// fallback's word for one the guard cannot read, as the guard reads it.
func workerSetting(p *policy.Policy, in interp.StateInputs) string {
	switch {
	case errors.Is(in.FileErr, fs.ErrNotExist):
		return "off"
	case in.FileErr != nil:
		return string(statefile.Word(p.State.Fallback))
	}
	return in.File.String()
}

// shellQuote quotes s for a POSIX shell: in single quotes, each single
// quote written as '\”.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
