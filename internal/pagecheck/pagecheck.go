// Package pagecheck checks a generated maintenance page against the rules
// every page must keep when a CDN or a proxy serves it on its own:
//
//   - it makes no request of any kind: no script, no stylesheet, image,
//     font or frame to fetch, no CSS url() or @import (data: URLs and
//     #fragments are fine), and a <link rel="icon"> so that browsers do
//     not ask for /favicon.ico;
//   - it is accessible: lang on <html>, dir="rtl" for right-to-left
//     locales, exactly one h1, a viewport, a title;
//   - its text meets WCAG 2.x AA contrast (SC 1.4.3, 4.5:1), in light mode
//     and under prefers-color-scheme: dark.
//
// Problems runs every check on one page; TextColors resolves a page's text
// colors from its own CSS. The package's tests run them, html-validate and
// headless Chromium over every golden page; maintgen preview shows the
// problems of a page being designed.
package pagecheck

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxSize is the most bytes a page made with the built-in template may
// have, uncompressed: 6 KiB, so that the page and its headers fit
// HAProxy's errorfile buffer (tune.bufsize, 16 KiB by default, less the
// space tune.maxrewrite reserves).
const MaxSize = 6 << 10

// MinContrast is the least contrast ratio text must have: WCAG 2.x success
// criterion 1.4.3 (level AA) for normal text. Large text would be allowed
// 3:1; every page's text is held to 4.5:1.
const MinContrast = 4.5

// Expect is what a page must declare for its locale.
type Expect struct {
	Lang    string // the lang attribute of <html>: the locale's BCP 47 tag
	RTL     bool   // whether <html> must have dir="rtl" (else dir is "ltr" or absent)
	Title   string // the text of <title>, whitespace collapsed
	Heading string // the text of the one <h1>, whitespace collapsed
	Refresh int64  // seconds of <meta http-equiv="refresh">; 0: there must be none
}

// Problems parses the HTML page doc and returns every rule it breaks, one
// message each, in a fixed order. It returns nil for a good page.
func Problems(doc []byte, want Expect) []string {
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		return []string{fmt.Sprintf("cannot parse the page: %v", err)}
	}
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	htmlEl := documentElement(root)
	if htmlEl == nil {
		return []string{"no <html> element"}
	}
	switch lang, ok := attr(htmlEl, "lang"); {
	case !ok || strings.TrimSpace(lang) == "":
		add("<html> has no lang attribute")
	case lang != want.Lang:
		add("<html lang=%q>, want %q", lang, want.Lang)
	}
	dir, _ := attr(htmlEl, "dir")
	if want.RTL && dir != "rtl" {
		add("<html dir=%q>, want \"rtl\" for a right-to-left locale", dir)
	} else if !want.RTL && dir != "" && dir != "ltr" {
		add("<html dir=%q>, want \"ltr\" for a left-to-right locale", dir)
	}

	var h1s, titles, viewports, refreshes []*html.Node
	charset, icon := false, false
	for n := range root.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.H1:
			h1s = append(h1s, n)
		case atom.Title:
			if n.Namespace == "" {
				titles = append(titles, n)
			}
		case atom.Link:
			rel, _ := attr(n, "rel")
			icon = icon || slices.Contains(strings.Fields(strings.ToLower(rel)), "icon")
		case atom.Meta:
			name, _ := attr(n, "name")
			equiv, _ := attr(n, "http-equiv")
			_, hasCharset := attr(n, "charset")
			switch {
			case strings.EqualFold(name, "viewport"):
				viewports = append(viewports, n)
			case strings.EqualFold(equiv, "refresh"):
				refreshes = append(refreshes, n)
			case hasCharset:
				cs, _ := attr(n, "charset")
				charset = strings.EqualFold(cs, "utf-8")
			}
		}
		for _, p := range requests(n) {
			add("%s", p)
		}
	}
	if !charset {
		add(`no <meta charset="utf-8">`)
	}
	if !icon {
		add(`no <link rel="icon">: browsers request /favicon.ico (href="data:," asks for nothing)`)
	}
	if len(h1s) != 1 {
		add("%d <h1> elements, want exactly one", len(h1s))
	} else if got := text(h1s[0]); got != collapse(want.Heading) {
		add("<h1> reads %q, want %q", got, collapse(want.Heading))
	}
	if len(titles) != 1 {
		add("%d <title> elements, want exactly one", len(titles))
	} else if got := text(titles[0]); got != collapse(want.Title) {
		add("<title> reads %q, want %q", got, collapse(want.Title))
	}
	if len(viewports) != 1 {
		add(`%d <meta name="viewport"> elements, want exactly one`, len(viewports))
	} else if c, _ := attr(viewports[0], "content"); !strings.Contains(strings.ReplaceAll(c, " ", ""), "width=device-width") {
		add(`<meta name="viewport" content=%q> does not set width=device-width`, c)
	}
	switch {
	case want.Refresh == 0 && len(refreshes) > 0:
		add(`<meta http-equiv="refresh">, but the policy sets no response.refresh`)
	case want.Refresh > 0 && len(refreshes) != 1:
		add(`%d <meta http-equiv="refresh"> elements, want one for response.refresh`, len(refreshes))
	case want.Refresh > 0:
		if c, _ := attr(refreshes[0], "content"); c != strconv.FormatInt(want.Refresh, 10) {
			add(`<meta http-equiv="refresh" content=%q>, want %q: reload the page itself`, c, strconv.FormatInt(want.Refresh, 10))
		}
	}

	for _, s := range []Scheme{Light, Dark} {
		texts, err := textColors(root, s)
		if err != nil {
			add("cannot check the contrast in %s mode: %v", s, err)
			continue
		}
		for _, t := range texts {
			if r := t.Ratio(); r < MinContrast {
				add("<%s> text %s on %s in %s mode: contrast %.2f:1, want at least %.1f:1 (WCAG 2.x AA)", t.Element, t.FG, t.BG, s, r, MinContrast)
			}
		}
	}
	return probs
}

// documentElement returns the <html> element of a parsed document.
func documentElement(root *html.Node) *html.Node {
	for c := range root.ChildNodes() {
		if c.Type == html.ElementNode && c.DataAtom == atom.Html {
			return c
		}
	}
	return nil
}

// attr returns the value of n's attribute key (no namespace) and whether
// it is present.
func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

// text returns n's text content, whitespace collapsed and trimmed.
func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return collapse(b.String())
}

// collapse trims s and turns each run of white space into one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// urlAttrs are the attributes whose URL a browser fetches, or navigates to
// by itself, without the user following a link.
var urlAttrs = map[string]bool{
	"src": true, "srcset": true, "imagesrcset": true, "poster": true,
	"data": true, "background": true, "manifest": true, "codebase": true,
	"archive": true, "longdesc": true, "lowsrc": true, "dynsrc": true,
	"href": true, // except on <a> and <area>: see requests
}

// requests returns a message for each request the element n would make,
// or each script it holds.
func requests(n *html.Node) []string {
	var out []string
	tag := n.Data
	switch {
	case n.DataAtom == atom.Script && n.Namespace == "", n.Namespace == "svg" && n.Data == "script":
		out = append(out, "a <script> element: the page must work without script")
	case n.DataAtom == atom.Base:
		out = append(out, "a <base> element")
	case n.DataAtom == atom.Meta:
		if equiv, _ := attr(n, "http-equiv"); strings.EqualFold(equiv, "refresh") {
			if c, _ := attr(n, "content"); strings.ContainsAny(c, ";,") {
				out = append(out, fmt.Sprintf(`<meta http-equiv="refresh" content=%q> goes to another URL`, c))
			}
		}
	case n.DataAtom == atom.Style && n.Namespace == "", n.Namespace == "svg" && n.Data == "style":
		var b strings.Builder
		for c := range n.ChildNodes() {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			}
		}
		for _, u := range cssRequests(b.String()) {
			out = append(out, fmt.Sprintf("<%s> requests %s", tag, u))
		}
	}
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		if a.Namespace == "xlink" && key == "href" {
			key = "href"
		} else if a.Namespace != "" {
			continue
		}
		switch {
		case strings.HasPrefix(key, "on"):
			out = append(out, fmt.Sprintf("<%s %s>: an event handler is script", tag, a.Key))
		case key == "style":
			for _, u := range cssRequests(a.Val) {
				out = append(out, fmt.Sprintf("<%s style> requests %s", tag, u))
			}
		case key == "href" && n.Namespace == "" && (n.DataAtom == atom.A || n.DataAtom == atom.Area):
			// A link is followed only when the user chooses to; but a
			// javascript: URL is script.
			if isScriptURL(a.Val) {
				out = append(out, fmt.Sprintf("<%s href=%q> is script", tag, a.Val))
			}
		case key == "href" && n.Namespace == "svg" && n.Data == "a":
			if isScriptURL(a.Val) {
				out = append(out, fmt.Sprintf("<%s href=%q> is script", tag, a.Val))
			}
		case urlAttrs[key]:
			if fetches(a.Val) {
				out = append(out, fmt.Sprintf("<%s %s=%q> makes a request", tag, a.Key, a.Val))
			}
		}
	}
	return out
}

// fetches reports whether a browser would make a request for the URL (or
// srcset) u: anything but nothing, a #fragment or a data: URL does.
func fetches(u string) bool {
	u = strings.TrimSpace(u)
	return u != "" && !strings.HasPrefix(u, "#") && !hasScheme(u, "data")
}

func isScriptURL(u string) bool { return hasScheme(u, "javascript") }

// hasScheme reports whether the URL u has the scheme (case-insensitive;
// the URL parser of browsers drops tabs and newlines and leading spaces).
func hasScheme(u, scheme string) bool {
	u = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, strings.TrimLeft(u, " \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"))
	return len(u) > len(scheme) && u[len(scheme)] == ':' && strings.EqualFold(u[:len(scheme)], scheme)
}
