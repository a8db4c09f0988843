package cli

import (
	"slices"
	"strings"
	"testing"
)

// usageBlock returns the lines of Usage's block that follows the line
// heading, without their tab.
func usageBlock(t *testing.T, heading string) []string {
	t.Helper()
	_, block, ok := strings.Cut(Usage, "\n"+heading+"\n\n")
	if !ok {
		t.Fatalf("Usage has no %q block", heading)
	}
	block, _, _ = strings.Cut(block, "\n\n")
	var lines []string
	for line := range strings.Lines(block) {
		lines = append(lines, strings.TrimPrefix(strings.TrimSuffix(line, "\n"), "\t"))
	}
	return lines
}

// TestCommandHelp checks every command of Usage's list: "maintgen CMD -h"
// succeeds and starts with what the command does, as the list says, and
// its synopses are the ones Usage shows, all of them.
func TestCommandHelp(t *testing.T) {
	dir := t.TempDir()
	synopses := usageBlock(t, "Usage:")
	var printed []string
	commands := usageBlock(t, "The commands are:")
	if len(commands) < 10 {
		t.Fatalf("Usage lists %d commands: %q", len(commands), commands)
	}
	for _, line := range commands {
		name, text, _ := strings.Cut(line, " ")
		text = strings.TrimSpace(text)
		if text == "" || summary(name) != text {
			t.Errorf("command %s: summary %q, list line %q", name, summary(name), line)
		}
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, dir, name, "-h")
			if code != ExitOK || out != "" {
				t.Fatalf("maintgen %s -h: exit code %d, stdout %q", name, code, out)
			}
			first, rest, _ := strings.Cut(errOut, "\n")
			if want := "maintgen " + name + ": " + text; first != want {
				t.Errorf("first line %q, want %q", first, want)
			}
			_, syn, ok := strings.Cut(rest, "usage: ")
			if !ok {
				t.Fatalf("no usage line in %q", errOut)
			}
			// The synopsis lines: "usage: maintgen ..." and its
			// continuations, indented to line up.
			for i, line := range strings.Split(syn, "\n") {
				line = strings.TrimSpace(line)
				if i > 0 && !strings.HasPrefix(line, "maintgen "+name) {
					break
				}
				printed = append(printed, line)
				if !slices.Contains(synopses, line) {
					t.Errorf("synopsis %q is not in Usage", line)
				}
			}
		})
	}
	for _, line := range synopses {
		if !slices.Contains(printed, line) {
			t.Errorf("Usage shows %q, which no command's -h prints", line)
		}
	}
}

func TestSummary(t *testing.T) {
	if got := summary("version"); got != "print maintgen's version" {
		t.Errorf("summary(version) = %q", got)
	}
	for _, name := range []string{"", "frobnicate", "maintgen", "Usage:"} {
		if got := summary(name); got != "" {
			t.Errorf("summary(%q) = %q, want \"\"", name, got)
		}
	}
}
