package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/docs"
)

// The throwaway app of TestGoTool: a policy, a main package that
// generates its guard with "go tool maintgen", and a test that serves
// requests through the generated guard.
var appFiles = map[string]string{
	"policy.yaml": `version: 1
output:
  go: maintenance/maintenance_gen.go
  pages: public/maintenance
state:
  env: APP_MAINTENANCE
exempt:
  paths: ["/healthz"]
default_locale: en
messages:
  en: {title: "Down for maintenance", heading: "Back soon", body: "We are upgrading."}
`,
	// The directive is split so that go generate in this repository
	// does not read it as one of its own.
	"main.go": `// Command app is a throwaway app that uses maintgen as a Go tool.
package main

` + "//go:" + `generate go tool maintgen generate

import (
	"net/http"

	"example.com/app/maintenance"
)

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("app")) })
	return maintenance.Wrap(mux)
}

func main() { http.ListenAndServe("127.0.0.1:8080", handler()) }
`,
	"main_test.go": `package main

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGuard(t *testing.T) {
	t.Setenv("APP_MAINTENANCE", "on")
	h := handler()
	for _, c := range []struct {
		path string
		code int
		body string
	}{{"/", 503, "Back soon"}, {"/healthz", 200, "app"}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("GET %s: %d %q, want %d and %q", c.path, rec.Code, rec.Body.String(), c.code, c.body)
		}
	}
}
`,
}

// TestGoTool installs maintgen as a Go tool in a throwaway app module by
// the README's recipe for a checkout (install-replace: go mod edit
// -replace -require -tool, go mod tidy), then runs go generate, go vet and
// go test; generating again changes nothing; and maintgen check fails
// once the policy is edited without regenerating, or a generated file by
// hand. Then a new user's first steps: the same recipe, maintgen init, and
// only the lines it prints pasted into the app.
//
// It builds maintgen and the app with the go command, and needs
// maintgen's dependencies from the module proxy (GOPROXY from the
// environment) or the module cache, so -short skips it.
func TestGoTool(t *testing.T) {
	checkout := checkoutAndDeps(t)
	// maintgen's dependencies are in the module cache: the app resolves
	// every module from there and the replace directive, with
	// GOPROXY=off (and so no checksum database). go get -tool would ask
	// about the candidate module paths of the unpublished package path
	// (github.com/maintgen/maintgen/cmd/maintgen, .../cmd), and a proxy may
	// refuse those (403) instead of answering "not found": the recipe
	// does not.
	g := goCommand{t: t, env: append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")}
	goCmd := func(dir string, args ...string) (string, error) {
		t.Helper()
		return g.run(dir, "go", args...)
	}
	mustGo := func(dir string, args ...string) string {
		t.Helper()
		return g.must(dir, "go", args...)
	}
	install := func(dir, module string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+module+"\n\ngo 1.26\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if out := g.script(dir, recipe(t, docs.RecipeReplace, checkout)); !strings.Contains(out, "maintgen (devel)\n") {
			t.Errorf("the replace recipe's go tool maintgen version printed %q, want maintgen (devel)", out)
		}
		if gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod")); !strings.Contains(string(gomod), "\ntool github.com/maintgen/maintgen/cmd/maintgen\n") {
			t.Fatalf("the replace recipe did not add the tool directive:\n%s", gomod)
		}
	}

	// The app and the shop live where the build cache finds their
	// packages again from run to run (difftest.BuildDir).
	root := difftest.BuildDir(t)
	app, shop := filepath.Join(root, "app"), filepath.Join(root, "shop")
	for _, dir := range []string{app, shop} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(app, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	install(app, "example.com/app")
	for name, data := range appFiles {
		write(name, data)
	}

	mustGo(app, "generate", "./...")
	mustGo(app, "vet", "./...")
	mustGo(app, "test", "-count=1", "./...")
	if out := mustGo(app, "tool", "maintgen", "check"); out != "" {
		t.Errorf("maintgen check after generate printed:\n%s", out)
	}

	// Generating again changes nothing, and rewrites nothing.
	before := snapshot(t, app)
	mustGo(app, "generate", "./...")
	if diff := cmp.Diff(before, snapshot(t, app)); diff != "" {
		t.Errorf("generating again changed files (-first +second):\n%s", diff)
	}

	// The policy edited, the outputs not regenerated: check fails and
	// names them.
	write("policy.yaml", strings.Replace(appFiles["policy.yaml"], "We are upgrading.", "We are upgrading the database.", 1))
	out, err := goCmd(app, "tool", "maintgen", "check")
	if err == nil {
		t.Fatalf("maintgen check passed with a stale guard:\n%s", out)
	}
	for _, want := range []string{"stale: maintenance/maintenance_gen.go", "stale: public/maintenance/503.en.html", "run maintgen generate"} {
		if !strings.Contains(out, want) {
			t.Errorf("maintgen check output lacks %q:\n%s", want, out)
		}
	}
	mustGo(app, "generate", "./...")
	mustGo(app, "tool", "maintgen", "check")

	// A generated file edited by hand: check fails.
	gen := filepath.Join(app, "maintenance", "maintenance_gen.go")
	src, err := os.ReadFile(gen)
	if err != nil {
		t.Fatal(err)
	}
	write("maintenance/maintenance_gen.go", strings.Replace(string(src), `"/healthz"`, `"/"`, 1))
	if out, err := goCmd(app, "tool", "maintgen", "check"); err == nil || !strings.Contains(out, "stale: maintenance/maintenance_gen.go") {
		t.Errorf("maintgen check of a hand-edited guard: err %v, output:\n%s", err, out)
	}

	// A new user's first steps: maintgen init in a new module, then only
	// the lines it prints pasted into the app.
	install(shop, "example.com/shop")
	printed := mustGo(shop, "tool", "maintgen", "init")
	line := func(prefix string) string {
		for l := range strings.Lines(printed) {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, prefix) {
				return l
			}
		}
		t.Fatalf("maintgen init printed no line starting %q:\n%s", prefix, printed)
		return ""
	}
	main := "package main\n\n" + line("//go:generate") + "\n\nimport (\n\t\"net/http\"\n\n\t" +
		strings.TrimPrefix(line("import "), "import ") + "\n)\n\n" +
		"func app() http.Handler {\n\tmux := http.NewServeMux()\n\tmux.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(\"shop\")) })\n\t" +
		line("handler :=") + "\n\treturn handler\n}\n\nfunc main() { http.ListenAndServe(\"127.0.0.1:8080\", app()) }\n"
	test := `package main

import (
	"net/http/httptest"
	"testing"
)

func TestMode(t *testing.T) {
	for mode, want := range map[string]int{"off": 200, "on": 503} {
		t.Setenv("MAINTENANCE_MODE", mode)
		rec := httptest.NewRecorder()
		app().ServeHTTP(rec, httptest.NewRequest("GET", "/cart", nil))
		if rec.Code != want {
			t.Errorf("MAINTENANCE_MODE=%s: %d, want %d", mode, rec.Code, want)
		}
	}
	t.Setenv("MAINTENANCE_MODE", "on")
	rec := httptest.NewRecorder()
	app().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Errorf("/healthz while on: %d", rec.Code)
	}
}
`
	for name, data := range map[string]string{"main.go": main, "main_test.go": test} {
		if err := os.WriteFile(filepath.Join(shop, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustGo(shop, "generate", "./...")
	mustGo(shop, "build", "./...")
	mustGo(shop, "test", "-count=1", "./...")
}

// snapshot returns every file under dir with its contents and
// modification time.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = info.ModTime().Format(time.RFC3339Nano) + "\n" + string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
