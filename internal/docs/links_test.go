package docs

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// root is the repository root, relative to this package.
const root = "../.."

// pending are documentation files that links may name before they exist,
// each with the reason: pages being written on another branch. Once such a
// file exists, its links and anchors are checked like any other.
var pending = map[string]string{}

// readDocs reads every documentation file.
func readDocs(t *testing.T) map[string]*Doc {
	t.Helper()
	files, err := Files(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 6 {
		t.Fatalf("documentation files: %q; want README.md and the pages of docs/", files)
	}
	all := map[string]*Doc{}
	for _, f := range files {
		d, err := Read(root, f)
		if err != nil {
			t.Fatal(err)
		}
		all[f] = d
	}
	return all
}

// TestLinks checks every relative link, image and #anchor of README.md and
// docs/*.md: the file or directory exists, inside the repository, and a
// fragment names a heading of the Markdown file it points into (the same
// file for a bare #fragment). Absolute URLs are not fetched.
func TestLinks(t *testing.T) {
	all := readDocs(t)
	for _, name := range sortedKeys(all) {
		d := all[name]
		if len(d.Headings) == 0 || d.Headings[0].Level != 1 {
			t.Errorf("%s: does not start with a level-1 heading", name)
		}
		for _, l := range d.Links {
			if msg := checkLink(all, d, l.Target); msg != "" {
				t.Errorf("%s:%d: link %q: %s", name, l.Line, l.Target, msg)
			}
		}
	}
	for name := range pending {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(name))); err == nil {
			t.Logf("%s exists now: remove it from pending", name)
		}
	}
}

// checkLink returns what is wrong with the link target in the document d,
// or "".
func checkLink(all map[string]*Doc, d *Doc, target string) string {
	if target == "" {
		return "empty target"
	}
	if i := strings.Index(target, ":"); i > 0 && !strings.ContainsAny(target[:i], "/#") {
		switch scheme := strings.ToLower(target[:i]); scheme {
		case "http", "https", "mailto":
			return ""
		default:
			return "scheme " + scheme + ": want a relative link or http(s)"
		}
	}
	file, frag, _ := strings.Cut(target, "#")
	dest := d.Path
	if file != "" {
		if strings.HasPrefix(file, "/") {
			return "a path from the site root: GitHub resolves it elsewhere; write it relative to " + path.Dir(d.Path)
		}
		dest = path.Join(path.Dir(d.Path), file)
		if dest == ".." || strings.HasPrefix(dest, "../") {
			return "leaves the repository"
		}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(dest))); err != nil {
			if _, ok := pending[dest]; ok {
				return ""
			}
			return dest + " does not exist"
		}
	}
	if frag == "" {
		return ""
	}
	to, ok := all[dest]
	if !ok {
		return "a #fragment into " + dest + ", which is not a documentation page whose headings are known"
	}
	if !to.HasAnchor(frag) {
		return dest + " has no heading with the anchor #" + frag
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestParse checks the parser on the constructs the documentation uses.
func TestParse(t *testing.T) {
	src := "# Title\n\n" +
		"See [the `x` part](#the-x-part) and [a long\nlink](docs/a.md#b) and ![pic](p.png).\n" +
		"`[not](a-link)` <img src=\"s.png\" width=\"9\">\n\n" +
		"## The `x` part\n\n" +
		"<!-- docs: recipe -->\n" +
		"```sh\n# not a heading\n[not](a-link)\n```\n\n" +
		"## The `x` part\n\n" +
		"````markdown\n```\nnested\n```\n````\n"
	d := Parse("README.md", src)
	var anchors []string
	for _, h := range d.Headings {
		anchors = append(anchors, h.Anchor)
	}
	if want := []string{"title", "the-x-part", "the-x-part-1"}; !slices.Equal(anchors, want) {
		t.Errorf("anchors %q, want %q", anchors, want)
	}
	var links []string
	for _, l := range d.Links {
		links = append(links, l.Target+"@"+strconv.Itoa(l.Line))
	}
	if want := []string{"#the-x-part@3", "docs/a.md#b@3", "p.png@4", "s.png@5"}; !slices.Equal(links, want) {
		t.Errorf("links %q, want %q", links, want)
	}
	if len(d.Blocks) != 2 || d.Blocks[0].Lang != "sh" || d.Blocks[0].Marker != "recipe" || d.Blocks[0].Text != "# not a heading\n[not](a-link)\n" ||
		d.Blocks[1].Lang != "markdown" || d.Blocks[1].Text != "```\nnested\n```\n" {
		t.Errorf("blocks %+v", d.Blocks)
	}
	for in, want := range map[string]string{
		"nginx (`output.nginx`)":                      "nginx-outputnginx",
		"-format github":                              "-format-github",
		"try: why was I blocked?":                     "try-why-was-i-blocked",
		"maintgen on, off and status":                 "maintgen-on-off-and-status",
		"Using [maintgen](x.md) with_your router":     "using-maintgen-with_your-router",
		"Cloudflare/CloudFront/Fastly: Ünïcode 1.2.3": "cloudflarecloudfrontfastly-ünïcode-123",
	} {
		if got := Anchor(in); got != want {
			t.Errorf("Anchor(%q) = %q, want %q", in, got, want)
		}
	}
}
