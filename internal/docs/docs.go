// Package docs reads maintgen's Markdown documentation, README.md and the
// pages in docs/, for the tests that keep it true: every relative link and
// #anchor resolves (TestLinks), and every command in a sh or console block
// runs or is listed as one that cannot run in a test (TestCommands); the
// install recipes are run by cmd/maintgen's tests, which find them here by
// their markers.
//
// It reads the subset of CommonMark the documentation uses: ATX headings
// (# Title), fenced code blocks (```lang), inline links and images
// ([text](target), ![alt](src)), <img src="..."> tags, inline code spans,
// and HTML comments of the form <!-- docs: NAME --> that mark the next
// fenced block.
package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// The install recipes of README.md: fenced blocks marked
// <!-- docs: NAME -->, which cmd/maintgen's tests run as written, with
// only the substitutions they list. TestCommands accepts the commands of
// these blocks as run there.
const (
	RecipeTool           = "install-tool"            // go get -tool from the module path, then init: TestInstall/tool
	RecipeReplace        = "install-replace"         // a checkout or fork as a Go tool, through replace: TestGoTool
	RecipeBinary         = "install-binary"          // go install ...@latest: TestInstall/binary
	RecipeBinaryCheckout = "install-binary-checkout" // go install ./cmd/maintgen in a checkout: TestInstall/binary-checkout
)

// Recipes are the names of the install recipes.
var Recipes = []string{RecipeTool, RecipeReplace, RecipeBinary, RecipeBinaryCheckout}

// GoBlockPrefix starts the marker of a Go block of the documentation that
// examples/routers compiles (TestDocsGoBlocks) against the real routers
// and a generated guard: <!-- docs: go-router-chi --> and the like.
const GoBlockPrefix = "go-"

// Doc is one Markdown file, parsed.
type Doc struct {
	Path     string // slash-separated, relative to the repository root
	Headings []Heading
	Links    []Link
	Blocks   []Block
}

// Heading is an ATX heading.
type Heading struct {
	Line   int    // 1-based
	Level  int    // the number of #
	Text   string // as written, without the #s
	Anchor string // its fragment identifier, as GitHub makes it (Anchor), made unique
}

// Link is the target of a link, an image or an <img> tag outside code.
type Link struct {
	Line   int
	Target string // as written: a URL, or a relative path with an optional #fragment
}

// Block is a fenced code block.
type Block struct {
	Line   int    // the line of its opening fence
	Lang   string // the info string's first word: "sh", "console", "go", ...; "" for none
	Marker string // NAME of a <!-- docs: NAME --> comment on the line before the fence; "" for none
	Text   string // the lines inside the fences, each ending in a newline
}

// Files returns the documentation files under the repository root, as
// slash-separated paths relative to it: README.md, then docs/*.md sorted.
func Files(root string) ([]string, error) {
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	files := []string{"README.md"}
	for _, p := range pages {
		files = append(files, "docs/"+filepath.Base(p))
	}
	slices.Sort(files[1:])
	return files, nil
}

// Read reads and parses the file name, a slash-separated path relative to
// root.
func Read(root, name string) (*Doc, error) {
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	return Parse(name, string(src)), nil
}

var (
	fenceRE   = regexp.MustCompile("^ {0,3}(```+|~~~+)\\s*([^`\\s]*)")
	headingRE = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$`)
	markerRE  = regexp.MustCompile(`^<!--\s*docs:\s*(\S+)\s*-->\s*$`)
	codeRE    = regexp.MustCompile("`+[^`]*`+")
	linkRE    = regexp.MustCompile(`\[[^\[\]]*\]\(\s*<?([^()\s<>]*)>?(?:\s+"[^"]*")?\s*\)`)
	imgRE     = regexp.MustCompile(`<img\s[^>]*\bsrc="([^"]*)"`)

	headingLinkRE = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// Parse parses the Markdown src of the file path.
func Parse(path, src string) *Doc {
	d := &Doc{Path: path}
	lines := strings.Split(src, "\n")
	// prose is src with code blocks blanked out, line for line, so that
	// links and headings are looked for outside code only.
	prose := make([]string, len(lines))
	seen := map[string]int{}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := fenceRE.FindStringSubmatch(line); m != nil {
			b := Block{Line: i + 1, Lang: m[2]}
			if i > 0 {
				if mm := markerRE.FindStringSubmatch(lines[i-1]); mm != nil {
					b.Marker = mm[1]
				}
			}
			var text strings.Builder
			j := i + 1
			for ; j < len(lines); j++ {
				if closes(lines[j], m[1]) {
					break
				}
				text.WriteString(lines[j] + "\n")
			}
			b.Text = text.String()
			d.Blocks = append(d.Blocks, b)
			i = j // the closing fence; prose stays blank
			continue
		}
		prose[i] = line
		if m := headingRE.FindStringSubmatch(line); m != nil {
			h := Heading{Line: i + 1, Level: len(m[1]), Text: m[2]}
			h.Anchor = Anchor(h.Text)
			if n := seen[h.Anchor]; n > 0 {
				seen[h.Anchor] = n + 1
				h.Anchor = fmt.Sprintf("%s-%d", h.Anchor, n)
			} else {
				seen[h.Anchor] = 1
			}
			d.Headings = append(d.Headings, h)
		}
	}
	// Links may span lines; code spans may too, and hide what looks like a
	// link. Blank code spans out, keeping the newlines, then find links
	// and count lines up to each.
	text := codeRE.ReplaceAllStringFunc(strings.Join(prose, "\n"), func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '\n' {
				return r
			}
			return ' '
		}, s)
	})
	var found [][]int
	found = append(found, linkRE.FindAllStringSubmatchIndex(text, -1)...)
	found = append(found, imgRE.FindAllStringSubmatchIndex(text, -1)...)
	for _, m := range found {
		d.Links = append(d.Links, Link{Line: 1 + strings.Count(text[:m[0]], "\n"), Target: text[m[2]:m[3]]})
	}
	slices.SortStableFunc(d.Links, func(a, b Link) int { return a.Line - b.Line })
	return d
}

// closes reports whether line is the closing fence of a block opened by
// fence: at most three spaces, at least as many of the same character,
// then only white space.
func closes(line, fence string) bool {
	rest := strings.TrimLeft(line, " ")
	if len(line)-len(rest) > 3 {
		return false
	}
	trimmed := strings.TrimLeft(rest, fence[:1])
	return len(rest)-len(trimmed) >= len(fence) && strings.TrimSpace(trimmed) == ""
}

// Anchor returns the fragment identifier GitHub gives a heading: its text
// in lower case, without the characters that are not letters, digits,
// spaces, hyphens or underscores, spaces turned into hyphens. Markdown
// links in the heading count by their text. (GitHub then adds -1, -2, ...
// to repeated anchors, as Parse does.)
func Anchor(heading string) string {
	heading = headingLinkRE.ReplaceAllString(heading, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// HasAnchor reports whether the document has a heading with the anchor.
func (d *Doc) HasAnchor(anchor string) bool {
	return slices.ContainsFunc(d.Headings, func(h Heading) bool { return h.Anchor == anchor })
}

// Marked returns the block marked <!-- docs: name -->, or false when the
// document has none.
func (d *Doc) Marked(name string) (Block, bool) {
	for _, b := range d.Blocks {
		if b.Marker == name {
			return b, true
		}
	}
	return Block{}, false
}
