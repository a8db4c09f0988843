package difftest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records what CheckFile reports.
type recorder struct {
	testing.TB
	name string
	errs []string
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestRewriteCommand(t *testing.T) {
	want := "go test ./internal/difftest -run '^TestGolden$' -update"
	if got := RewriteCommand(&recorder{name: "TestGolden/full/review"}); got != want {
		t.Errorf("RewriteCommand = %q, want %q", got, want)
	}
}

func TestCheckFile(t *testing.T) {
	if Update() {
		t.Skip("-update: CheckFile writes instead of comparing")
	}
	name := filepath.Join(t.TempDir(), "guard_gen.go")
	if err := os.WriteFile(name, []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rewrite := "run go test ./internal/difftest -run '^TestGuards$' -update"
	for _, tt := range []struct {
		name, file, want string
		wantErr          string // "" for no error
	}{
		{"same", name, "package a\n", ""},
		{"stale", name, "package b\n", "guard_gen.go is stale; " + rewrite + " (-committed +generated):\n"},
		{"missing", name + ".nope", "package a\n", "no such file or directory; " + rewrite},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{name: "TestGuards/" + tt.name}
			CheckFile(r, tt.file, []byte(tt.want))
			switch {
			case tt.wantErr == "" && len(r.errs) > 0:
				t.Errorf("CheckFile reported %q", r.errs)
			case tt.wantErr != "" && (len(r.errs) != 1 || !strings.Contains(r.errs[0], tt.wantErr)):
				t.Errorf("CheckFile reported %q, want one error containing %q", r.errs, tt.wantErr)
			}
		})
	}
}
