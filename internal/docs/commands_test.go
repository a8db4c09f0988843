package docs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// cannotRun are the documented commands that this test does not run, each
// with the reason, matched exactly (after the substitutions, without a
// trailing # comment). A command added to the documentation that is
// neither here nor runnable fails the test.
var cannotRun = map[string]string{
	"make test":                            "the repository's whole test suite, which runs this test",
	"go generate ./...":                    "an app's go:generate line running go tool maintgen generate: cmd/maintgen's TestGoTool runs it in a throwaway app",
	"maintgen preview -policy policy.yaml": "a web server that runs until it is stopped: internal/cli's TestPreviewCommand and internal/preview's tests serve it",
	"MAINTENANCE_BYPASS_SECRET=$(openssl rand -hex 16) ./app":                   "starts the user's app",
	"curl -u admin:password -d state=on https://shop.example/admin/maintenance": "a request to a real host: the generated ToggleHandler's tests (internal/gen/maintenance) send it",
}

// exitCodes are the documented commands that exit with a code other
// than 0 by design, with that code.
var exitCodes = map[string]int{
	// The guard answers the request itself: try's exit code 3.
	"maintgen try -path /shop -ip 10.1.0.7 -xff 203.0.113.50 -lang fr": 3,
	// The policy has nginx and Caddy snippets, which refuse a planned
	// start: exit code 1, nothing written.
	"maintgen on -at 2029-12-01T01:00:00Z -for 2h": 1,
}

// substitutions turn a documented command into the one this test runs:
// maintgen run as a Go tool, or with go run in a checkout, is the binary
// it builds; the demo's output directory is the test's.
var substitutions = []struct{ old, new string }{
	{"go tool maintgen ", "maintgen "},
	{"go run ./cmd/maintgen ", "maintgen "},
	{"/tmp/maintgen-demo", "demo"},
}

// shellLangs are the info strings of the blocks whose commands are run.
var shellLangs = []string{"sh", "console", "shell", "bash"}

// command is one documented command.
type command struct {
	file string
	line int
	text string // after the substitutions, without a trailing comment
}

// commands returns the commands of the shell blocks of d, block by block:
// every line of a sh block (a line ending in \ continues on the next;
// comment lines are skipped), and the lines of a console block that start
// with "$ ". The blocks of install recipes (Recipes) are left out: the
// tests of cmd/maintgen run them; so are Go blocks (GoBlockPrefix), which
// examples/routers compiles. An unlabelled block that shows a
// command must say console: problems says so, and names unknown markers.
func commands(d *Doc) (blocks [][]command, problems []string) {
	for _, b := range d.Blocks {
		lines := strings.Split(strings.TrimSuffix(b.Text, "\n"), "\n")
		switch {
		case b.Lang == "go" && strings.HasPrefix(b.Marker, GoBlockPrefix):
			continue // compiled by examples/routers
		case b.Marker != "":
			if !slices.Contains(Recipes, b.Marker) {
				problems = append(problems, fmt.Sprintf("%s:%d: block marked %q, which is not an install recipe (Recipes) or a Go block (GoBlockPrefix)", d.Path, b.Line, b.Marker))
			}
			continue
		case b.Lang == "" && strings.HasPrefix(lines[0], "$ "):
			problems = append(problems, fmt.Sprintf("%s:%d: a block of commands and their output without a language: label it ```console", d.Path, b.Line))
			continue
		case !slices.Contains(shellLangs, b.Lang):
			continue
		}
		var cmds []command
		for i := 0; i < len(lines); i++ {
			line, at := lines[i], b.Line+1+i
			if b.Lang == "console" {
				var ok bool
				if line, ok = strings.CutPrefix(line, "$ "); !ok {
					continue
				}
			}
			for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
				i++
				line = strings.TrimRight(strings.TrimSuffix(line, "\\"), " \t") + " " + strings.TrimSpace(lines[i])
			}
			line = strings.TrimSpace(stripComment(line))
			if line == "" {
				continue
			}
			for _, s := range substitutions {
				line = strings.ReplaceAll(line, s.old, s.new)
			}
			cmds = append(cmds, command{d.Path, at, line})
		}
		if len(cmds) > 0 {
			blocks = append(blocks, cmds)
		}
	}
	return blocks, problems
}

// stripComment removes a # comment from a shell line: a # at the start of
// a word, outside quotes.
func stripComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i]
		}
	}
	return line
}

// TestCommands runs every command of the sh and console blocks of
// README.md and docs/*.md, but the install recipes (which cmd/maintgen's
// tests run) and the few listed in cannotRun: maintgen commands against a
// maintgen binary built once, in a fresh directory for each block holding
// policy.yaml.example as policy.yaml, with its outputs generated, and the
// other files the examples name. Each must exit 0, or with its code in
// exitCodes.
func TestCommands(t *testing.T) {
	all := readDocs(t)
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "maintgen"), "./cmd/maintgen")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/maintgen: %v\n%s", err, out)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAINTENANCE_") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	env = append(env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	ran, listed := 0, map[string]bool{} // listed: the commands of cannotRun and exitCodes seen
	for _, name := range sortedKeys(all) {
		blocks, problems := commands(all[name])
		for _, p := range problems {
			t.Error(p)
		}
		for _, block := range blocks {
			dir := site(t, bin, env)
			for _, c := range block {
				if _, ok := cannotRun[c.text]; ok {
					listed[c.text] = true
					continue
				}
				if !strings.HasPrefix(c.text, "maintgen ") {
					t.Errorf("%s:%d: %q is not a maintgen command, and not listed in cannotRun", c.file, c.line, c.text)
					continue
				}
				code, out := runCommand(t, dir, env, c.text)
				listed[c.text] = true
				if want := exitCodes[c.text]; code != want {
					t.Errorf("%s:%d: %s: exit code %d, want %d:\n%s", c.file, c.line, c.text, code, want, out)
				}
				ran++
			}
		}
	}
	for c := range cannotRun {
		if !listed[c] {
			t.Errorf("cannotRun lists %q, which no documentation page shows", c)
		}
	}
	for c := range exitCodes {
		if !listed[c] {
			t.Errorf("exitCodes lists %q, which no documentation page shows", c)
		}
	}
	t.Logf("ran %d commands; %d listed in cannotRun", ran, len(cannotRun))
}

// site makes a directory for the commands of one block: policy.yaml is
// policy.yaml.example (and policy.yaml.example is there too), old.yaml
// the old policy of golden/review-diff, golden/lint/policy.yaml the lint
// example; the outputs are generated.
func site(t *testing.T, bin string, env []string) string {
	t.Helper()
	dir := t.TempDir()
	for dest, src := range map[string]string{
		"policy.yaml":             "policy.yaml.example",
		"policy.yaml.example":     "policy.yaml.example",
		"old.yaml":                "golden/review-diff/old.yaml",
		"golden/lint/policy.yaml": "golden/lint/policy.yaml",
	} {
		b, err := os.ReadFile(filepath.Join(root, src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(dest)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dest), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, out := runCommand(t, dir, env, "maintgen generate"); code != 0 {
		t.Fatalf("maintgen generate: exit code %d:\n%s", code, out)
	}
	return dir
}

// runCommand runs the shell command line in dir, with a timeout, and
// returns its exit code and output.
func runCommand(t *testing.T, dir string, env []string, line string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit) && ctx.Err() == nil:
		return exit.ExitCode(), string(out)
	default:
		t.Errorf("%s: %v\n%s", line, err, out)
		return -1, string(out)
	}
}

// TestCommandsExtracted checks what commands extracts from a page, and
// that each kind of mistake is reported.
func TestCommandsExtracted(t *testing.T) {
	d := Parse("x.md", "# X\n\n"+
		"```sh\nmaintgen on   # writes \"on\"\n# a comment\n\ngo tool maintgen check \\\n  -format github\necho '# not a comment'\n```\n\n"+
		"```console\n$ maintgen explain\nMaintenance policy policy.yaml\n$ go run ./cmd/maintgen generate -out /tmp/maintgen-demo\n```\n\n"+
		"```go\nmaintgen.Wrap(mux)\n```\n\n"+
		"<!-- docs: install-tool -->\n```sh\ngo get -tool example.com/x\n```\n")
	blocks, problems := commands(d)
	if problems != nil {
		t.Errorf("problems: %q", problems)
	}
	var got []string
	for _, block := range blocks {
		for _, c := range block {
			got = append(got, fmt.Sprintf("%s@%d", c.text, c.line))
		}
		got = append(got, "|")
	}
	want := []string{
		"maintgen on@4", "maintgen check -format github@7", "echo '# not a comment'@9", "|",
		"maintgen explain@13", "maintgen generate -out demo@15", "|",
	}
	if !slices.Equal(got, want) {
		t.Errorf("commands:\n%q\nwant\n%q", got, want)
	}

	for src, want := range map[string]string{
		"<!-- docs: nope -->\n```sh\nmaintgen on\n```\n": `x.md:4: block marked "nope", which is not an install recipe (Recipes) or a Go block (GoBlockPrefix)`,
		"```\n$ maintgen on\n```\n":                      "x.md:3: a block of commands and their output without a language: label it ```console",
	} {
		if _, problems := commands(Parse("x.md", "# X\n\n"+src)); !slices.Equal(problems, []string{want}) {
			t.Errorf("%q: problems %q, want %q", src, problems, want)
		}
	}
}
