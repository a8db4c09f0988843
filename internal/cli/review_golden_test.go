package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// reviewOutputs runs the review commands in the folder of a golden case
// whose policy compiles, and returns what they print, under the names the
// case keeps them as:
//   - explain.txt and explain.md: maintgen explain, as text and Markdown;
//   - warnings.txt: the lint warnings of maintgen validate, when any;
//   - diff.txt and diff.md: maintgen diff old.yaml policy.yaml, as text
//     and Markdown, when the case has an old.yaml.
func reviewOutputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	t.Run("review", func(t *testing.T) {
		cmd := func(args ...string) (stdout, stderr string) {
			t.Helper()
			code, stdout, stderr := run(t, abs, args...)
			if code != ExitOK {
				t.Fatalf("maintgen %q: exit code %d, want 0; stderr:\n%s", args, code, stderr)
			}
			return stdout, stderr
		}
		text, _ := cmd("explain")
		md, _ := cmd("explain", "-format", "markdown")
		out["explain.txt"], out["explain.md"] = []byte(text), []byte(md)
		if _, warnings := cmd("validate"); warnings != "" {
			out["warnings.txt"] = []byte(warnings)
		}
		if _, err := os.Stat(filepath.Join(abs, "old.yaml")); err == nil {
			text, _ := cmd("diff", "old.yaml", "policy.yaml")
			md, _ := cmd("diff", "-format", "markdown", "old.yaml", "policy.yaml")
			out["diff.txt"], out["diff.md"] = []byte(text), []byte(md)
		}
	})
	return out
}
