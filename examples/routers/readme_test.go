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

// readmeFrame is what a Go block of the README leaves out: the imports
// it uses and the names it takes as given (the app's handlers, its
// address and the guard), declared with the types the router expects.
type readmeFrame struct {
	imports []string
	given   string // var declarations, inside the block's function
}

// readmeFrames are the README's Go blocks that this module compiles, by
// their <!-- docs: NAME --> marker.
var readmeFrames = map[string]readmeFrame{
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
}

// TestREADMEGoBlocks compiles the README's Go blocks for routers and the
// guard's Config against the real routers and this module's generated
// guard: each block becomes the body of a function in a file of its own,
// with its frame's imports and given names, added to this package with
// go vet -overlay (nothing is written into the tree). Every marked block
// must have a frame, and every frame a block.
func TestREADMEGoBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet (-short)")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	d, err := docs.Read(filepath.Join("..", ".."), "README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := filepath.Abs(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	overlay := map[string]string{}
	seen := map[string]bool{}
	for _, b := range d.Blocks {
		if !strings.HasPrefix(b.Marker, docs.GoBlockPrefix) {
			continue
		}
		fr, ok := readmeFrames[b.Marker]
		if !ok {
			t.Errorf("README.md:%d: block %s has no frame in readmeFrames", b.Line, b.Marker)
			continue
		}
		seen[b.Marker] = true
		src := readmeFile(readme, b, fr)
		name := "zz_readme_" + strings.ReplaceAll(b.Marker, "-", "_") + "_test.go"
		file := filepath.Join(tmp, name)
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		overlay[filepath.Join(wd, name)] = file
	}
	for name := range readmeFrames {
		if !seen[name] {
			t.Errorf("README.md has no Go block marked <!-- docs: %s -->", name)
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
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		// The files' line numbers are the README's (//line directives).
		t.Errorf("the README's Go blocks do not compile: %v\n%s", err, out)
	}
}

// readmeFile returns a test file of this package whose one function runs
// block b of the README at path readme in frame fr. A //line directive
// gives the block's lines the README's path and numbers; the names the
// block declares and the given names are used once after it, so that Go
// does not reject them as unused.
func readmeFile(readme string, b docs.Block, fr readmeFrame) string {
	fn := "readme_" + strings.ReplaceAll(b.Marker, "-", "_")
	body := fr.given + "\n//line " + readme + ":" + fmt.Sprint(b.Line+1) + "\n" + b.Text
	var uses []string
	for _, name := range declared("package p\nfunc f() {\n" + body + "\n}\n") {
		uses = append(uses, "_ = "+name)
	}
	return fmt.Sprintf("package routers\n\nimport (\n\t%s\n)\n\nfunc %s() {\n%s\n%s\n}\n",
		strings.Join(fr.imports, "\n\t"), fn, body, strings.Join(uses, "\n"))
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
