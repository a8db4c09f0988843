package docs

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// apiSummary is where the documentation sums up the generated API: the Go
// block under this heading of this file.
const (
	apiSummaryFile    = "docs/architecture.md"
	apiSummaryHeading = "The generated API"
	// apiGuard is a generated file that carries every feature (the full
	// golden case), whose exported API the summary must show.
	apiGuard = "golden/full/maintenance/maintenance_gen.go.golden"
)

// TestAPISummary holds the summary of the generated API in
// docs/architecture.md to the generated code: it must show every exported
// function and method of a guard with every feature, and every field of
// Config, with their real parameter and result types, and nothing else.
func TestAPISummary(t *testing.T) {
	d, err := Read(root, apiSummaryFile)
	if err != nil {
		t.Fatal(err)
	}
	at := -1
	for _, h := range d.Headings {
		if h.Text == apiSummaryHeading {
			at = h.Line
		}
	}
	i := slices.IndexFunc(d.Blocks, func(b Block) bool { return b.Line > at && b.Lang == "go" })
	if at < 0 || i < 0 {
		t.Fatalf("%s: no Go block under the heading %q", apiSummaryFile, apiSummaryHeading)
	}
	doc := d.Blocks[i]
	summary, err := parser.ParseFile(token.NewFileSet(), apiSummaryFile, "package p\n"+doc.Text, 0)
	if err != nil {
		t.Fatalf("%s:%d: the summary does not parse as Go: %v", apiSummaryFile, doc.Line, err)
	}
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(apiGuard)))
	if err != nil {
		t.Fatal(err)
	}
	guard, err := parser.ParseFile(token.NewFileSet(), apiGuard, src, 0)
	if err != nil {
		t.Fatal(err)
	}

	got, want := apiOf(summary), apiOf(guard)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s:%d: the summary lacks %s", apiSummaryFile, doc.Line, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("%s:%d: the summary shows %s, which the generated code (%s) has not", apiSummaryFile, doc.Line, g, apiGuard)
		}
	}
}

// apiOf returns the exported functions and methods of f (on exported
// types) and the fields of its Config, each as one line: the declaration
// without parameter names, body or comments.
func apiOf(f *ast.File) []string {
	fset := token.NewFileSet()
	print := func(n ast.Node) string {
		var b bytes.Buffer
		printer.Fprint(&b, fset, n)
		return b.String()
	}
	// typeOnly prints a func type with its parameters' and results' names
	// dropped: names are not API.
	typeOnly := func(ft *ast.FuncType) string {
		var parts []string
		for _, fl := range []*ast.FieldList{ft.Params, ft.Results} {
			var ts []string
			if fl != nil {
				for _, fd := range fl.List {
					for range max(len(fd.Names), 1) {
						ts = append(ts, print(fd.Type))
					}
				}
			}
			parts = append(parts, "("+strings.Join(ts, ", ")+")")
		}
		return parts[0] + " " + parts[1]
	}
	var api []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			recv := ""
			if d.Recv != nil {
				rt := print(d.Recv.List[0].Type)
				if !ast.IsExported(strings.TrimPrefix(rt, "*")) {
					continue
				}
				recv = "(" + rt + ") "
			}
			api = append(api, "func "+recv+d.Name.Name+typeOnly(d.Type))
		case *ast.GenDecl:
			for _, s := range d.Specs {
				ts, ok := s.(*ast.TypeSpec)
				if !ok || ts.Name.Name != "Config" {
					continue
				}
				for _, fd := range ts.Type.(*ast.StructType).Fields.List {
					for _, n := range fd.Names {
						if ft, ok := fd.Type.(*ast.FuncType); ok {
							api = append(api, "Config."+n.Name+" func"+typeOnly(ft))
						} else {
							api = append(api, "Config."+n.Name+" "+print(fd.Type))
						}
					}
				}
			}
		}
	}
	slices.Sort(api)
	return api
}

// TestStatusExcerpt holds the excerpt of the Status type in
// docs/operations.md (its fields, without their JSON tags) to the
// generated code: the same fields, in the same order, of the same types.
func TestStatusExcerpt(t *testing.T) {
	const file = "docs/operations.md"
	d, err := Read(root, file)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(d.Blocks, func(b Block) bool {
		return b.Lang == "go" && strings.HasPrefix(b.Text, "type Status struct {")
	})
	if i < 0 {
		t.Fatalf("%s: no Go block with the Status type", file)
	}
	b := d.Blocks[i]
	excerpt, err := parser.ParseFile(token.NewFileSet(), file, "package p\n"+b.Text, 0)
	if err != nil {
		t.Fatalf("%s:%d: the excerpt does not parse as Go: %v", file, b.Line, err)
	}
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(apiGuard)))
	if err != nil {
		t.Fatal(err)
	}
	guard, err := parser.ParseFile(token.NewFileSet(), apiGuard, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, want := fieldsOf(excerpt, "Status"), fieldsOf(guard, "Status")
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("%s:%d: the Status excerpt has the fields %q; the generated code has %q", file, b.Line, got, want)
	}
}

// fieldsOf returns the fields of the struct type name in f, each as its
// name and type.
func fieldsOf(f *ast.File, name string) []string {
	fset := token.NewFileSet()
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != name {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return false
		}
		for _, fd := range st.Fields.List {
			var b bytes.Buffer
			printer.Fprint(&b, fset, fd.Type)
			for _, n := range fd.Names {
				out = append(out, n.Name+" "+b.String())
			}
		}
		return false
	})
	return out
}
