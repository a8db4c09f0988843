package gen

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// runtimePolicy returns maintenance/policy.yaml, which uses every feature but
// exempt.tests, and its pages.
func runtimePolicy(t *testing.T) (*policy.Policy, []render.Page) {
	t.Helper()
	src, err := os.ReadFile("maintenance/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("policy.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := render.Pages(p, render.DefaultTemplate(), "", policy.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	return p, pages
}

// variant is a choice of features: a feature's name to on.
type variant struct {
	name string
	on   map[string]bool
}

// variants returns the runtime's variants worth building: every feature
// on, every feature off, and each feature flipped alone from every
// feature on (with what it requires, or what requires it, following).
func variants() []variant {
	all := func(v bool) map[string]bool {
		on := map[string]bool{}
		for _, f := range Features {
			on[f.Name] = v
		}
		return on
	}
	vs := []variant{{"all_on", all(true)}, {"all_off", all(false)}}
	for _, f := range Features {
		on := all(true)
		on[f.Name] = !on[f.Name]
		settle(on, f.Name)
		vs = append(vs, variant{"flip_" + f.Name, on})
	}
	return vs
}

// settle makes on meet Requires after the feature changed was flipped: a
// feature turned off turns off what requires it; one turned on turns on
// what it requires.
func settle(on map[string]bool, changed string) {
	for range Features {
		for f, reqs := range Requires {
			for _, r := range reqs {
				if on[f] && !on[r] {
					if f == changed {
						on[r] = true
					} else {
						on[f] = false
					}
				}
			}
		}
	}
}

// TestVariants compiles and vets a generated file for every variant of
// the runtime (every feature on, every feature off, each feature flipped
// alone), all in one throwaway module, and checks that every variant has
// the same exported API: switching a feature in policy.yaml never breaks
// an app's compile. (The goldens, compiled and replayed against the
// interpreter, test the variants real policies choose.)
func TestVariants(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	p, pages := runtimePolicy(t)
	root := difftest.BuildDir(t)
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/variants\n\ngo 1.25\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var wantAPI []string
	for _, v := range variants() {
		src, err := source(p, pages, Options{}, v.on)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		dir := filepath.Join(root, v.name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "maintenance_gen.go"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		api := exportedAPI(t, src)
		if wantAPI == nil {
			wantAPI = api
		} else if diff := cmp.Diff(wantAPI, api); diff != "" {
			t.Errorf("%s: the exported API differs from all_on's (-all_on +%s):\n%s", v.name, v.name, diff)
		}
	}
	cmd := exec.Command(goTool, "vet", "./...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the variants: %v\n%s", err, out)
	}
}

// TestExportedAPIDiffers makes sure exportedAPI sees a dropped name, as
// TestVariants relies on it.
func TestExportedAPIDiffers(t *testing.T) {
	a := exportedAPI(t, []byte("package m\n\nfunc (g *Guard) Upcoming() int { return 0 }\n\ntype Guard struct{ X int; y int }\n"))
	b := exportedAPI(t, []byte("package m\n\ntype Guard struct{ X int; z string }\n"))
	if cmp.Equal(a, b) {
		t.Fatalf("the API of a file without Upcoming equals one with it: %q", a)
	}
	if !slices.Contains(a, "type Guard struct{ X int }") {
		t.Errorf("unexported fields are not left out: %q", a)
	}
	if c := exportedAPI(t, []byte("package m\n\ntype w struct{}\n\nfunc (*w) Flush() {}\n")); len(c) != 0 {
		t.Errorf("a method of an unexported type is API: %q", c)
	}
}

// exportedAPI returns difftest.ExportedAPI of src, failing t when src
// does not parse.
func exportedAPI(t *testing.T, src []byte) []string {
	t.Helper()
	api, err := difftest.ExportedAPI(src)
	if err != nil {
		t.Fatal(err)
	}
	return api
}
