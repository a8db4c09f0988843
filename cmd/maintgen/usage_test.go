package main

import (
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/cli"
)

// TestPackageDocIsUsage holds the package doc, which go doc shows, to the
// help text maintgen prints (cli.Usage): the usage text exists once, and
// this is its copy for go doc.
func TestPackageDocIsUsage(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc == nil {
		t.Fatal("main.go has no package doc")
	}
	if diff := cmp.Diff(strings.Split(cli.Usage, "\n"), strings.Split(f.Doc.Text(), "\n")); diff != "" {
		t.Errorf("the package doc of main.go is not cli.Usage (internal/cli/usage.go); make it the same text, each line commented (-Usage +doc):\n%s", diff)
	}
}

// TestDocsUsage holds the synopses of docs/cli.md, under "Synopsis", to
// those of cli.Usage.
func TestDocsUsage(t *testing.T) {
	page, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(page), "\n## Synopsis\n\n```\n")
	if !ok {
		t.Fatal("docs/cli.md has no section Synopsis starting with a code block")
	}
	section, _, _ = strings.Cut(section, "```\n")

	_, want, _ := strings.Cut(cli.Usage, "\nUsage:\n\n")
	want, _, _ = strings.Cut(want, "\n\n")
	want = strings.ReplaceAll(want, "\t", "") + "\n"
	if diff := cmp.Diff(strings.Split(want, "\n"), strings.Split(section, "\n")); diff != "" {
		t.Errorf("the synopses of docs/cli.md are not those of cli.Usage (internal/cli/usage.go) (-Usage +docs):\n%s", diff)
	}
}
