package cli

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const statePolicy = `version: 1
output: {go: m/m_gen.go, pages: public}
state: {env: MAINTGEN_CLI_TEST_MODE, file: maintenance.state, fallback: on}
schedule:
  - {start: 2030-03-01T02:00:00Z, end: 2030-03-01T04:00:00Z}
  - {start: 2030-04-01T02:00:00Z, end: 2030-04-01T03:00:00Z}
announce: 24h
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
`

// stateDir makes a working directory holding policy.yaml with src, with
// the env var unset and the clock at t.
func stateDir(t *testing.T, src string, at time.Time) {
	t.Helper()
	t.Chdir(t.TempDir())
	t.Setenv("MAINTGEN_CLI_TEST_MODE", "")
	os.Unsetenv("MAINTGEN_CLI_TEST_MODE")
	if err := os.WriteFile("policy.yaml", []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	saved := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = saved })
}

func runState(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	code = Run(args, strings.NewReader(""), &out, &errOut)
	// The state file's absolute path is $DIR/NAME.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return code, strings.ReplaceAll(out.String(), wd, "$DIR"), errOut.String()
}

func stateFileContent(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("maintenance.state")
	if os.IsNotExist(err) {
		return "<missing>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOnOff(t *testing.T) {
	at := time.Date(2029, 6, 1, 12, 0, 0, 500_000_000, time.UTC)
	for _, c := range []struct {
		name string
		args []string
		file string // the state file's content after the command
		out  string
	}{
		{"on", []string{"on"}, "on\n", `wrote maintenance.state: on
state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: on
state.file path: $DIR/maintenance.state
schedule:   no window ahead
maintenance mode: on, decided by state.file maintenance.state
`},
		{"off removes the file", []string{"off"}, "<missing>", `removed maintenance.state: off
state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: missing (off)
state.file path: $DIR/maintenance.state
schedule:   no window ahead
maintenance mode: off, decided by state.file maintenance.state
`},
		{"on -for 2h: the end rounded up to a whole second", []string{"on", "-for", "2h"}, "on until 2029-06-01T14:00:01Z\n", `wrote maintenance.state: on until 2029-06-01T14:00:01Z
state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: on until 2029-06-01T14:00:01Z (2h0m0s left)
state.file path: $DIR/maintenance.state
schedule:   no window ahead
maintenance mode: on, decided by state.file maintenance.state, until 2029-06-01T14:00:01Z (2h0m0s left)
`},
		{"on -until", []string{"on", "-until", "2029-06-01T15:30:00+02:00"}, "on until 2029-06-01T13:30:00Z\n", `wrote maintenance.state: on until 2029-06-01T13:30:00Z
state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: on until 2029-06-01T13:30:00Z (1h29m59s left)
state.file path: $DIR/maintenance.state
schedule:   no window ahead
maintenance mode: on, decided by state.file maintenance.state, until 2029-06-01T13:30:00Z (1h29m59s left)
`},
		{"on -read-only -for 90m -reason", []string{"on", "-read-only", "-for", "90m", "-reason", "Upgrading the database"}, "read-only until 2029-06-01T13:30:01Z\nreason: Upgrading the database\n", `wrote maintenance.state: read-only until 2029-06-01T13:30:01Z; reason: Upgrading the database
state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: read-only until 2029-06-01T13:30:01Z (1h30m0s left)
state.file path: $DIR/maintenance.state
schedule:   no window ahead
maintenance mode: read-only, decided by state.file maintenance.state, until 2029-06-01T13:30:01Z (1h30m0s left)
reason: Upgrading the database
`},
		{"on -at -for: planned", []string{"on", "-at", "2029-06-02T02:00:00Z", "-for", "2h"}, "on from 2029-06-02T02:00:00Z until 2029-06-02T04:00:00Z\n", `wrote maintenance.state: on from 2029-06-02T02:00:00Z until 2029-06-02T04:00:00Z
state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: on from 2029-06-02T02:00:00Z until 2029-06-02T04:00:00Z (starts in 13h59m59s)
state.file path: $DIR/maintenance.state
schedule:   no window ahead
maintenance mode: off, decided by state.file maintenance.state
`},
	} {
		t.Run(c.name, func(t *testing.T) {
			stateDir(t, strings.Replace(statePolicy, "2030", "2028", -1), at) // windows in the past
			old := syscall.Umask(0o077)
			defer syscall.Umask(old)
			if err := os.WriteFile("maintenance.state", []byte("garbage"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runState(t, c.args...)
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if diff := cmp.Diff(c.out, out); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if got := stateFileContent(t); got != c.file {
				t.Errorf("state file %q, want %q", got, c.file)
			}
			if c.file == "<missing>" {
				return
			}
			if fi, err := os.Stat("maintenance.state"); err != nil || fi.Mode() != 0o644 {
				t.Errorf("state file mode %v, %v; want 0644", fi.Mode(), err)
			}
		})
	}
	t.Run("off without a file", func(t *testing.T) {
		stateDir(t, statePolicy, at)
		code, out, errOut := runState(t, "off")
		if code != ExitOK || errOut != "" {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if first, _, _ := strings.Cut(out, "\n"); first != "maintenance.state: off (there was no file)" {
			t.Errorf("first line %q", first)
		}
		if got := stateFileContent(t); got != "<missing>" {
			t.Errorf("state file %q", got)
		}
	})
}

// TestStatusNginx: with output.nginx, status says what the snippet does,
// which reads the state file's existence only, and where that differs
// from the middleware (issue 13).
func TestStatusNginx(t *testing.T) {
	policy := strings.Replace(statePolicy, "pages: public}", "pages: public, nginx: nginx/m.conf}", 1)
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, env, file, want string // file: "" missing
	}{
		{"missing", "", "", "output.nginx: off (no state file)"},
		{"on", "", "on\n", "output.nginx: on (the state file exists)"},
		{"off written into the file", "", "off\n", "output.nginx: on (the state file exists), but the middleware is off: nginx reads any state file as on, whatever it holds, and cannot read its start or end; maintgen off removes it"},
		{"on until, ended", "", "on until 2029-12-31T23:00:00Z\n", "output.nginx: on (the state file exists), but the middleware is off: nginx reads any state file as on, whatever it holds, and cannot read its start or end; maintgen off removes it"},
		{"on until, ahead", "", "on until 2030-01-01T02:00:00Z\n", "output.nginx: on (the state file exists); nginx cannot read the end, 2030-01-01T02:00:00Z: it stays on until maintgen off removes the file"},
		{"the env var decides", "on", "", "output.nginx: off (no state file), but the middleware is on: nginx reads neither state.env, state.fallback nor the schedule; maintgen on writes the file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stateDir(t, policy, at)
			if c.env != "" {
				t.Setenv("MAINTGEN_CLI_TEST_MODE", c.env)
			}
			if c.file != "" {
				if err := os.WriteFile("maintenance.state", []byte(c.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, out, errOut := runState(t, "status")
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if got := lines[len(lines)-1]; got != c.want {
				t.Errorf("last line:\n%s\nwant:\n%s\n(all: %s)", got, c.want, out)
			}
		})
	}
	t.Run("without output.nginx, no such line", func(t *testing.T) {
		stateDir(t, statePolicy, at)
		if _, out, _ := runState(t, "status"); strings.Contains(out, "nginx") {
			t.Errorf("status mentions nginx:\n%s", out)
		}
	})
}

func TestOnOffErrors(t *testing.T) {
	at := time.Date(2029, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		policy string
		args   []string
		code   int
		stderr string // a line the error output must hold
	}{
		{"-for and -until", statePolicy, []string{"on", "-for", "1h", "-until", "2030-01-01T00:00:00Z"}, ExitUsage, "maintgen on: -for and -until exclude each other: give one"},
		{"-for 0", statePolicy, []string{"on", "-for", "0s"}, ExitUsage, "maintgen on: -for 0s: want a positive duration, such as 2h"},
		{"-for negative", statePolicy, []string{"on", "-for", "-1h"}, ExitUsage, "maintgen on: -for -1h0m0s: want a positive duration, such as 2h"},
		{"-for garbage", statePolicy, []string{"on", "-for", "soon"}, ExitUsage, `invalid value "soon" for flag -for: parse error`},
		{"-until in the past", statePolicy, []string{"on", "-until", "2029-06-01T12:00:00Z"}, ExitUsage, "maintgen on: -until 2029-06-01T12:00:00Z is not in the future"},
		{"-until without offset", statePolicy, []string{"on", "-until", "2030-01-01T00:00:00"}, ExitUsage, `maintgen on: -until "2030-01-01T00:00:00": want an RFC 3339 time with a UTC offset, such as 2026-03-01T04:00:00Z`},
		{"off -for", statePolicy, []string{"off", "-for", "1h"}, ExitUsage, "flag provided but not defined: -for"},
		{"two arguments", statePolicy, []string{"on", "policy.yaml", "now"}, ExitUsage, `maintgen on: want one policy file, got 2: policy.yaml now`},
		{"no state file", strings.Replace(statePolicy, "file: maintenance.state, ", "", 1), []string{"on"}, ExitPolicy,
			"policy.yaml:3:8: state.file is not set: maintgen on writes the state file; add one, such as state.file: maintenance.state"},
		{"no state section", strings.Replace(statePolicy, "state: {env: MAINTGEN_CLI_TEST_MODE, file: maintenance.state, fallback: on}\n", "", 1), []string{"off"}, ExitPolicy,
			"policy.yaml:1:1: state.file is not set: maintgen off removes the state file; add one, such as state.file: maintenance.state"},
		{"-reason empty", statePolicy, []string{"on", "-reason", " "}, ExitUsage, "maintgen on: -reason is empty: give a line of text, or leave it out"},
		{"-reason two lines", statePolicy, []string{"on", "-reason", "a\nb"}, ExitUsage, "maintgen on: -reason: want one line of text, without control characters"},
		{"-at in the past", statePolicy, []string{"on", "-at", "2029-06-01T11:00:00Z"}, ExitUsage, "maintgen on: -at 2029-06-01T11:00:00Z is not in the future: leave -at out to start now"},
		{"-until before -at", statePolicy, []string{"on", "-at", "2029-06-02T00:00:00Z", "-until", "2029-06-01T18:00:00Z"}, ExitUsage, "maintgen on: -until 2029-06-01T18:00:00Z is not after -at 2029-06-02T00:00:00Z"},
		{"-at with nginx", strings.Replace(statePolicy, "pages: public}", "pages: public, nginx: deploy/m.conf}", 1), []string{"on", "-at", "2029-06-02T00:00:00Z"}, ExitPolicy,
			"maintgen on: -at: the nginx snippet (output.nginx) reads any state file as on, so it would start now, not at 2029-06-02T00:00:00Z; run maintgen on at that time instead (at(1), a systemd timer or cron)"},
		{"-at with nginx and Caddy", strings.Replace(statePolicy, "pages: public}", "pages: public, nginx: deploy/m.conf, caddy: deploy/m.caddy}", 1), []string{"on", "-at", "2029-06-02T00:00:00Z"}, ExitPolicy,
			"maintgen on: -at: the nginx snippet (output.nginx) and the Caddy snippet (output.caddy) read any state file as on, so it would start now, not at 2029-06-02T00:00:00Z; run maintgen on at that time instead (at(1), a systemd timer or cron)"},
		{"bad policy", "version: 2\n", []string{"on"}, ExitPolicy, "policy.yaml:1:10: version: 2 is not supported; want 1"},
		{"missing policy", statePolicy, []string{"on", "-policy", "nope.yaml"}, ExitPolicy, "nope.yaml:1:1: cannot read policy: no such file or directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stateDir(t, c.policy, at)
			code, out, errOut := runState(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			if !strings.Contains(errOut, c.stderr+"\n") {
				t.Errorf("stderr lacks %q:\n%s", c.stderr, errOut)
			}
			if out != "" {
				t.Errorf("stdout: %s", out)
			}
			if got := stateFileContent(t); got != "<missing>" {
				t.Errorf("the state file was written: %q", got)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	inWindow := time.Date(2030, 3, 1, 3, 0, 0, 0, time.UTC)
	before := time.Date(2030, 2, 28, 3, 0, 0, 0, time.UTC)
	longBefore := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		at   time.Time
		env  string // "" unset
		file string // "" missing
		want string
	}{
		{"missing file", longBefore, "", "", `state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: missing (off)
state.file path: $DIR/maintenance.state
schedule:   next window 2030-03-01T02:00:00Z to 2030-03-01T04:00:00Z (in 1418h0m0s; announced 24h0m0s ahead)
maintenance mode: off, decided by state.file maintenance.state
`},
		{"file on, window announced", before, "", "on\n", `state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: on
state.file path: $DIR/maintenance.state
schedule:   next window 2030-03-01T02:00:00Z to 2030-03-01T04:00:00Z (in 23h0m0s)
maintenance mode: on, decided by state.file maintenance.state
`},
		{"window in progress decides", inWindow, "off", "off\n", `state.env:  MAINTGEN_CLI_TEST_MODE=off here: off
state.file: maintenance.state: off
state.file path: $DIR/maintenance.state
schedule:   window 2030-03-01T02:00:00Z to 2030-03-01T04:00:00Z in progress (1h0m0s left)
maintenance mode: on, decided by the schedule, until 2030-03-01T04:00:00Z (1h0m0s left)
`},
		{"env decides over the file", longBefore, "ON", "off\n", `state.env:  MAINTGEN_CLI_TEST_MODE=ON here: on
state.file: maintenance.state: off
state.file path: $DIR/maintenance.state
schedule:   next window 2030-03-01T02:00:00Z to 2030-03-01T04:00:00Z (in 1418h0m0s; announced 24h0m0s ahead)
maintenance mode: on, decided by state.env MAINTGEN_CLI_TEST_MODE
`},
		{"garbage env", longBefore, "maybe", "off\n", `state.env:  MAINTGEN_CLI_TEST_MODE="maybe" here: neither on, off nor read-only (state.fallback: on)
state.file: maintenance.state: off
state.file path: $DIR/maintenance.state
schedule:   next window 2030-03-01T02:00:00Z to 2030-03-01T04:00:00Z (in 1418h0m0s; announced 24h0m0s ahead)
maintenance mode: on, decided by state.env MAINTGEN_CLI_TEST_MODE
`},
		{"garbage file", longBefore, "", "of", `state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: "of": neither on nor off: want on, off or read-only, then optionally from and until an RFC 3339 time, and a reason: line (state.fallback: on)
state.file path: $DIR/maintenance.state
schedule:   next window 2030-03-01T02:00:00Z to 2030-03-01T04:00:00Z (in 1418h0m0s; announced 24h0m0s ahead)
maintenance mode: on, decided by state.file maintenance.state
`},
		{"on until, ended", longBefore, "", "on until 2029-12-31T23:00:00Z\n", `state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: on until 2029-12-31T23:00:00Z (ended: off)
state.file path: $DIR/maintenance.state
schedule:   next window 2030-03-01T02:00:00Z to 2030-03-01T04:00:00Z (in 1418h0m0s; announced 24h0m0s ahead)
maintenance mode: off, decided by state.file maintenance.state
`},
		{"after every window", time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), "", "off", `state.env:  MAINTGEN_CLI_TEST_MODE is not set here
state.file: maintenance.state: off
state.file path: $DIR/maintenance.state
schedule:   no window ahead
maintenance mode: off, decided by state.file maintenance.state
`},
	} {
		t.Run(c.name, func(t *testing.T) {
			stateDir(t, statePolicy, c.at)
			if c.env != "" {
				t.Setenv("MAINTGEN_CLI_TEST_MODE", c.env)
			}
			if c.file != "" {
				if err := os.WriteFile("maintenance.state", []byte(c.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, out, errOut := runState(t, "status")
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if diff := cmp.Diff(c.want, out); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no state section", func(t *testing.T) {
		stateDir(t, "version: 1\noutput: {go: m/m_gen.go, pages: public}\ndefault_locale: en\nmessages:\n  en: {title: T, heading: H, body: B}\n", longBefore)
		_, out, _ := runState(t, "status")
		want := `state.env:  none
state.file: none
schedule:   none
maintenance mode: off, decided by no state section: the mode is off unless the app sets Config.State
`
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("status (-want +got):\n%s", diff)
		}
	})
}

// TestStatusFIFO: a state file that is a FIFO, which would block whoever
// opens it for reading, is reported at once as guards read it: not a
// regular file, so state.fallback.
func TestStatusFIFO(t *testing.T) {
	stateDir(t, statePolicy, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := syscall.Mkfifo("maintenance.state", 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	type result struct {
		code      int
		out, errs string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := runState(t, "status")
		done <- result{code, out, errOut}
	}()
	select {
	case r := <-done:
		want := "state.file: maintenance.state: cannot be read: a named pipe (FIFO), not a regular file (state.fallback: on)\n"
		if r.code != ExitOK || r.errs != "" || !strings.Contains(r.out, want) || !strings.HasSuffix(r.out, "maintenance mode: on, decided by state.file maintenance.state\n") {
			t.Errorf("status: exit %d, stderr %q, stdout:\n%s\nwant the line %q and the mode on by the file", r.code, r.errs, r.out, want)
		}
	case <-time.After(10 * time.Second):
		// Unblock the reader, so that the test can end.
		if f, err := os.OpenFile("maintenance.state", os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("maintgen status blocked on a FIFO state file for 10s")
	}
}

func TestUsageListsStateCommands(t *testing.T) {
	_, out, _ := runState(t, "help")
	for _, line := range []string{
		"maintgen on [-read-only] [-at TIME] [-for DURATION | -until TIME] [-reason TEXT] [FILE]",
		"maintgen off [FILE]",
		"maintgen status [FILE]",
	} {
		if !strings.Contains(out, "\t"+line+"\n") {
			t.Errorf("usage lacks %q", line)
		}
	}
	for _, cmd := range []string{"on", "off", "status"} {
		if code, _, errOut := runState(t, cmd, "-h"); code != ExitOK || !strings.Contains(errOut, "usage: maintgen "+cmd+" ") {
			t.Errorf("%s -h: exit %d, %q", cmd, code, errOut)
		}
	}
}

// TestStateFileWhere: on, off and status print the absolute path of the
// state file they used, and warn when state.file is relative and the
// working directory is not the policy's, where the app would read
// another file (issue 14).
func TestStateFileWhere(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root+"/go.mod", "module example.com/app\n")
	writeFile(t, root+"/policy.yaml", statePolicy)
	sub := root + "/internal"
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MAINTGEN_CLI_TEST_MODE", "")
	os.Unsetenv("MAINTGEN_CLI_TEST_MODE")
	for _, args := range [][]string{{"on"}, {"status", "../policy.yaml"}, {"off", "-policy", "../policy.yaml"}} {
		code, out, errOut := run(t, sub, args...)
		if code != ExitOK {
			t.Fatalf("%q: exit code %d: %s", args, code, errOut)
		}
		if want := "state.file path: " + sub + "/maintenance.state\n"; !strings.Contains(out, want) {
			t.Errorf("%q: stdout lacks %q:\n%s", args, want, out)
		}
		want := "maintgen " + args[0] + ": warning: state.file maintenance.state is relative to the working directory: this uses " +
			sub + "/maintenance.state, but an app started in the policy's directory reads " + root + "/maintenance.state\n"
		if !strings.Contains(errOut, want) {
			t.Errorf("%q: stderr lacks the warning %q:\n%s", args, want, errOut)
		}
	}
	// In the policy's directory: no warning.
	code, out, errOut := run(t, root, "status")
	if code != ExitOK || errOut != "" || !strings.Contains(out, "state.file path: "+root+"/maintenance.state\n") {
		t.Errorf("status in the policy's directory: exit code %d, stdout:\n%s\nstderr: %q", code, out, errOut)
	}
}

// TestOffEndsWindow: maintgen off during a schedule window writes off
// until the window's end, which the guard's model reads as off; with an
// nginx snippet, which would read the file as on, it refuses.
func TestOffEndsWindow(t *testing.T) {
	inWindow := time.Date(2030, 3, 1, 3, 0, 0, 0, time.UTC)
	stateDir(t, statePolicy, inWindow)
	code, out, errOut := runState(t, "off")
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := stateFileContent(t); got != "off until 2030-03-01T04:00:00Z\n" {
		t.Errorf("state file %q", got)
	}
	if !strings.Contains(out, "maintenance mode: off, decided by state.file maintenance.state, which suspends the schedule\n") {
		t.Errorf("output:\n%s", out)
	}
	// After the window, the file says nothing: the next window applies.
	stateDir(t, statePolicy, time.Date(2030, 4, 1, 2, 30, 0, 0, time.UTC))
	if err := os.WriteFile("maintenance.state", []byte("off until 2030-03-01T04:00:00Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, out, _ := runState(t, "status"); !strings.Contains(out, "maintenance mode: on, decided by the schedule") {
		t.Errorf("the next window:\n%s", out)
	}

	stateDir(t, strings.Replace(statePolicy, "output: {go: m/m_gen.go, pages: public}", "output: {go: m/m_gen.go, pages: public, nginx: deploy/m.conf}", 1), inWindow)
	code, _, errOut = runState(t, "off")
	if code != ExitPolicy || !strings.Contains(errOut, "a schedule window is in progress until 2030-03-01T04:00:00Z") {
		t.Errorf("with nginx: exit %d: %s", code, errOut)
	}
	if got := stateFileContent(t); got != "<missing>" {
		t.Errorf("with nginx, the state file %q", got)
	}
}

// TestStatusWorker: with output.worker, on and status say that the Worker
// reads its KV key, and give the wrangler command that sets it to the
// file's content, quoted for the shell.
func TestStatusWorker(t *testing.T) {
	stateDir(t, strings.Replace(statePolicy, "pages: public}", "pages: public, worker: worker/m.mjs}", 1), time.Date(2029, 6, 1, 12, 0, 0, 0, time.UTC))
	code, out, errOut := runState(t, "on", "-reason", "Don't panic")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "output.worker: reads its KV key, not this file; to match it: npx wrangler kv key put --binding MAINTENANCE --remote state 'on\nreason: Don'\\''t panic'\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("output:\n%s\nwant the last line %q", out, want)
	}
	if _, out, _ := runState(t, "off"); !strings.HasSuffix(out, "--remote state 'off'\n") {
		t.Errorf("after off:\n%s", out)
	}
	// A file the guard cannot read means state.fallback (on) to it.
	if err := os.WriteFile("maintenance.state", []byte("maybe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, out, _ := runState(t, "status"); !strings.HasSuffix(out, "--remote state 'on'\n") {
		t.Errorf("a garbage file:\n%s", out)
	}
}
