package docs

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/gen"
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
// docs/architecture.md to the generated code, as difftest.ExportedAPI
// prints both: it must show every exported function and method of a
// guard with every feature, and Config, with their real parameter and
// result types and fields, and nothing else.
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
	summary, err := difftest.ExportedAPI([]byte("package p\n" + doc.Text))
	if err != nil {
		t.Fatalf("%s:%d: the summary does not parse as Go: %v", apiSummaryFile, doc.Line, err)
	}
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(apiGuard)))
	if err != nil {
		t.Fatal(err)
	}
	guard, err := difftest.ExportedAPI(src)
	if err != nil {
		t.Fatal(err)
	}

	// The summary shows the functions, the methods and Config.
	shown := func(decl string) bool {
		return strings.HasPrefix(decl, "func ") || strings.HasPrefix(decl, "type Config ")
	}
	got, want := slices.DeleteFunc(summary, not(shown)), slices.DeleteFunc(guard, not(shown))
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s:%d: the summary lacks\n%s", apiSummaryFile, doc.Line, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("%s:%d: the summary shows\n%s\nwhich the generated code (%s) has not", apiSummaryFile, doc.Line, g, apiGuard)
		}
	}
}

func not(f func(string) bool) func(string) bool { return func(s string) bool { return !f(s) } }

// TestStatusExcerpt holds the excerpt of the Status type in
// docs/operations.md (its fields, without their JSON tags) to the
// generated code: the same fields, in the same order, of the same types.
func TestStatusExcerpt(t *testing.T) {
	const file = "docs/operations.md"
	b := goBlock(t, file, "the Status type", func(text string) bool { return strings.HasPrefix(text, "type Status struct {") })
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

// TestWebhookExcerpt holds the webhook hook that docs/operations.md shows
// to examples/app's, which that module's test runs: the same function,
// comments aside.
func TestWebhookExcerpt(t *testing.T) {
	const file, example = "docs/operations.md", "examples/app/webhook.go"
	b := goBlock(t, file, "func webhook", func(text string) bool { return strings.Contains(text, "func webhook(") })
	got, err := funcSource(file, "package p\n"+b.Text[strings.Index(b.Text, "func webhook("):], "webhook")
	if err != nil {
		t.Fatalf("%s:%d: %v", file, b.Line, err)
	}
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(example)))
	if err != nil {
		t.Fatal(err)
	}
	want, err := funcSource(example, string(src), "webhook")
	if err != nil || want == "" {
		t.Fatalf("%s: no func webhook: %v", example, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s:%d: the webhook differs from %s's (-example +docs):\n%s", file, b.Line, example, diff)
	}
}

// funcSource returns the function name of the Go source src, printed
// without its comments; "" when src has none.
func funcSource(filename, src, name string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, 0) // no comments
	if err != nil {
		return "", err
	}
	for _, decl := range f.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
			var b bytes.Buffer
			if err := printer.Fprint(&b, fset, fd); err != nil {
				return "", err
			}
			return b.String(), nil
		}
	}
	return "", nil
}

// TestHeaderExample holds the generated file's header that docs/cli.md
// shows to gen.Header: the line it prints for the version and digest the
// example names.
func TestHeaderExample(t *testing.T) {
	const file = "docs/cli.md"
	b := goBlock(t, file, "a generated file's header", func(text string) bool { return strings.HasPrefix(text, "// Code generated by maintgen") })
	m := regexp.MustCompile(`maintgen (\S+) \(runtime (\S+)\)`).FindStringSubmatch(b.Text)
	if m == nil {
		t.Fatalf("%s:%d: the example header names no version and runtime digest: %q", file, b.Line, b.Text)
	}
	if want := gen.Header(m[1], m[2]); b.Text != want {
		t.Errorf("%s:%d: the example header is %q; gen.Header writes %q", file, b.Line, b.Text, want)
	}
}

// goBlock returns the first Go block of the documentation file whose text
// is, per match, the one that shows what; the test fails without one.
func goBlock(t *testing.T, file, what string, match func(text string) bool) Block {
	t.Helper()
	d, err := Read(root, file)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(d.Blocks, func(b Block) bool { return b.Lang == "go" && match(b.Text) })
	if i < 0 {
		t.Fatalf("%s: no Go block with %s", file, what)
	}
	return d.Blocks[i]
}
