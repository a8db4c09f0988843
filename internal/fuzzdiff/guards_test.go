package fuzzdiff

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/policy"
)

// guardFile is where the guard of a golden case lives, relative to this
// directory: CASE/PACKAGE/BASE, BASE being the file name of the policy's
// output.go.
func guardFile(c string, p *policy.Policy) string {
	return path.Join(c, p.Package, path.Base(p.Output.Go))
}

// TestGoldenLinks checks that each fuzzed case's golden Go output is a
// symbolic link to the guard fuzzed here, so that the guard is the golden
// file and not a copy; that every guard here is a case's; and that the
// generate directive of fuzzdiff.go rewrites every case.
func TestGoldenLinks(t *testing.T) {
	if len(guards) != len(Cases) {
		t.Fatalf("%d guards for %d Cases", len(guards), len(Cases))
	}
	want := map[string]bool{}
	for _, c := range Cases {
		dir := filepath.Join("..", "..", "golden", c)
		src, err := os.ReadFile(filepath.Join(dir, "policy.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := policy.Parse("policy.yaml", src)
		if err != nil {
			t.Fatal(err)
		}
		guard := guardFile(c, p)
		want[guard] = true
		link := filepath.Join(dir, filepath.FromSlash(p.Output.Go)+".golden")
		target, err := os.Readlink(link)
		if err != nil {
			t.Errorf("%s: %v; it must be a symbolic link to internal/fuzzdiff/%s", link, err, guard)
			continue
		}
		got, err := filepath.Abs(filepath.Join(filepath.Dir(link), target))
		if err != nil {
			t.Fatal(err)
		}
		if wantAbs, _ := filepath.Abs(filepath.FromSlash(guard)); filepath.IsAbs(target) || got != wantAbs {
			t.Errorf("%s links to %s, want a relative link to internal/fuzzdiff/%s", link, target, guard)
		}
	}

	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_gen.go") {
			return err
		}
		if !want[filepath.ToSlash(p)] {
			t.Errorf("%s is no fuzzed case's guard (Cases)", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	src, err := os.ReadFile("fuzzdiff.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^//go:generate .*\^TestGolden\$/\^\((.*)\)\$ -update$`).FindSubmatch(src)
	if m == nil || !slices.Equal(strings.Split(string(m[1]), "|"), Cases) {
		t.Errorf("fuzzdiff.go's generate directive does not rewrite exactly the Cases %q", Cases)
	}
}
