package routers

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/docs"
)

// docFrame is what a Go block of the documentation leaves out: the
// imports it uses and the names it takes as given (the app's handlers,
// its address and the guard), declared with the types the router
// expects, and the results of the function it runs in.
type docFrame struct {
	imports []string
	given   string // var declarations, inside the block's function
	results string // the function's results; "" for none
	elide   string // a line of the block left blank: its import of the app's illustrative package, which imports stands for
}

// docFiles returns the documentation files whose marked Go blocks this
// module compiles, relative to the repository's root: the README and
// every file of docs/, so that a block marked anywhere is compiled.
func docFiles(t *testing.T) []string {
	t.Helper()
	md, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil || len(md) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	files := []string{"README.md"}
	for _, m := range md {
		files = append(files, "docs/"+filepath.Base(m))
	}
	return files
}

// docFrames are the Go blocks of docFiles that this module compiles,
// by their <!-- docs: NAME --> marker.
var docFrames = map[string]docFrame{
	"go-quickstart": {
		imports: []string{`"net/http"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
		given:   "var mux http.Handler",
		elide:   `import "example.com/yourapp/maintenance"`,
	},
	"go-guard": {
		imports: []string{`"github.com/maintgen/maintgen/examples/routers/maintenance"`},
	},
	"go-clientip": {
		imports: []string{`"net/http"`, `"net/netip"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
	},
	"go-router-servemux": {
		imports: []string{`"net/http"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
		given:   "var addr string\nvar guard *maintenance.Guard\nvar healthz, page http.HandlerFunc\nvar static http.Handler",
	},
	"go-router-chi": {
		imports: []string{`"net/http"`, `"github.com/go-chi/chi/v5"`, `"github.com/go-chi/chi/v5/middleware"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
		given:   "var addr string\nvar guard *maintenance.Guard\nvar healthz, static, page http.HandlerFunc",
	},
	"go-router-echo": {
		imports: []string{`"net/http"`, `"github.com/labstack/echo/v4"`, `"github.com/labstack/echo/v4/middleware"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
		given:   "var addr string\nvar guard *maintenance.Guard\nvar healthz, static, page echo.HandlerFunc",
	},
	"go-router-gin": {
		imports: []string{`"net/http"`, `"github.com/gin-gonic/gin"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
		given:   "var addr string\nvar guard *maintenance.Guard\nvar healthz, static, page gin.HandlerFunc",
	},
	"go-router-gorilla": {
		imports: []string{`"net/http"`, `"github.com/gorilla/mux"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
		given:   "var addr string\nvar guard *maintenance.Guard\nvar healthz, static, page http.Handler",
	},
	"go-status-handler": {
		imports: []string{`"net/http"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
		given:   "var guard *maintenance.Guard\nvar mux http.Handler",
	},
	"go-status-worker": {
		imports: []string{`"context"`, `"time"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
		given:   "var guard *maintenance.Guard\nvar ctx context.Context\nvar processNextJob func(context.Context) error",
		results: "error",
	},
	"go-upcoming": {
		imports: []string{`"fmt"`, `"net/http"`, `"time"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
		given:   "var guard *maintenance.Guard\nvar r *http.Request\nvar banner string",
	},
	"go-toggle": {
		imports: []string{`"net/http"`, `"github.com/maintgen/maintgen/examples/routers/maintenance"`},
		given:   "var guard *maintenance.Guard\nvar mux *http.ServeMux",
	},
}

// TestDocsGoBlocks compiles the marked Go blocks of the README and docs/
// (the quick start, the guard's Config, each router's recipe, Status,
// Upcoming, the toggle) against the real routers and this module's
// generated guard: each block becomes the body of a function in a file of
// its own, with its frame's imports and given names, added to this
// package with go vet -overlay (nothing is written into the tree). Every
// marked block must have a frame, and every frame a block.
func TestDocsGoBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet (-short)")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	overlay := map[string]string{}
	seen := map[string]bool{}
	files := docFiles(t)
	for _, name := range files {
		d, err := docs.Read(filepath.Join("..", ".."), name)
		if err != nil {
			t.Fatal(err)
		}
		path, err := filepath.Abs(filepath.Join("..", "..", filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range d.Blocks {
			if !strings.HasPrefix(b.Marker, docs.GoBlockPrefix) {
				continue
			}
			fr, ok := docFrames[b.Marker]
			if !ok {
				t.Errorf("%s:%d: block %s has no frame in docFrames", name, b.Line, b.Marker)
				continue
			}
			if seen[b.Marker] {
				t.Errorf("%s:%d: a second block marked %s", name, b.Line, b.Marker)
				continue
			}
			seen[b.Marker] = true
			file := filepath.Join(tmp, "zz_docs_"+strings.ReplaceAll(b.Marker, "-", "_")+"_test.go")
			if err := os.WriteFile(file, []byte(docFile(path, b, fr)), 0o644); err != nil {
				t.Fatal(err)
			}
			overlay[filepath.Join(wd, filepath.Base(file))] = file
		}
	}
	for name := range docFrames {
		if !seen[name] {
			t.Errorf("%s: no Go block marked <!-- docs: %s -->", strings.Join(files, ", "), name)
		}
	}
	if len(overlay) == 0 {
		t.Fatal("no Go block to compile")
	}
	cfg, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(cfgFile, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	// nomsgpack, as make test builds gin (Makefile), so that the build
	// cache serves the routers.
	cmd := exec.Command(goTool, "vet", "-tags", "nomsgpack", "-overlay", cfgFile, ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off", "GOTOOLCHAIN=local") // never edits go.mod
	if out, err := cmd.CombinedOutput(); err != nil {
		// The files' line numbers are the documentation's (//line directives).
		t.Errorf("the documentation's Go blocks do not compile: %v\n%s", err, out)
	}
}

// docFile returns a test file of this package whose one function runs
// block b of the documentation file at path in frame fr. A //line
// directive gives the block's lines the file's path and numbers. Go
// rejects a name declared and not used: the given names are used once
// before the block, and the names the block declares once after it.
func docFile(path string, b docs.Block, fr docFrame) string {
	fn := "docs_" + strings.ReplaceAll(b.Marker, "-", "_")
	text := b.Text
	if fr.elide != "" {
		// A blank line keeps the block's line numbers; without the line,
		// the import stays inside the function, which does not compile.
		text = strings.Replace(text, fr.elide+"\n", "\n", 1)
	}
	given := declared("package p\nfunc f() {\n" + fr.given + "\n}\n")
	var before, after []string
	for _, name := range given {
		before = append(before, "_ = "+name)
	}
	for _, name := range declared("package p\nfunc f() {\n" + fr.given + "\n" + text + "\n}\n") {
		if !slices.Contains(given, name) {
			after = append(after, "_ = "+name)
		}
	}
	body := fr.given + "\n" + strings.Join(before, "\n") + "\n//line " + path + ":" + fmt.Sprint(b.Line+1) + "\n" + text + strings.Join(after, "\n")
	return fmt.Sprintf("package routers\n\nimport (\n\t%s\n)\n\nfunc %s() %s {\n%s\n}\n",
		strings.Join(fr.imports, "\n\t"), fn, fr.results, body)
}

// declared returns the names that the statements of src's function f
// declare at its top level (with := or var), sorted; none when src does
// not parse, which go vet then reports.
func declared(src string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	var names []string
	add := func(id *ast.Ident) {
		if id.Name != "_" && !slices.Contains(names, id.Name) {
			names = append(names, id.Name)
		}
	}
	for _, st := range f.Decls[0].(*ast.FuncDecl).Body.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for _, e := range st.Lhs {
					if id, ok := e.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		case *ast.DeclStmt:
			if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
				for _, sp := range gd.Specs {
					for _, id := range sp.(*ast.ValueSpec).Names {
						add(id)
					}
				}
			}
		}
	}
	slices.Sort(names)
	return names
}
