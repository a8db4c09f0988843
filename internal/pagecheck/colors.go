package pagecheck

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/mazznoer/csscolorparser"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Scheme is a value of the prefers-color-scheme media feature.
type Scheme string

// The color schemes a page is checked in.
const (
	Light Scheme = "light"
	Dark  Scheme = "dark"
)

// Color is an opaque sRGB color, each channel from 0 to 1.
type Color struct{ R, G, B float64 }

// String returns c as #rrggbb.
func (c Color) String() string {
	b := func(v float64) int { return int(math.Round(v * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", b(c.R), b(c.G), b(c.B))
}

// Luminance returns the relative luminance of c, from 0 (black) to 1
// (white), as WCAG 2.x defines it.
func (c Color) Luminance() float64 {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// ContrastRatio returns the WCAG 2.x contrast ratio of a and b, from 1 to
// 21: (L1 + 0.05) / (L2 + 0.05), L1 the relative luminance of the lighter.
func ContrastRatio(a, b Color) float64 {
	la, lb := a.Luminance(), b.Luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// Text is the colors of one element's own text.
type Text struct {
	Element string // the element's name, such as "h1"
	Text    string // its own text, whitespace collapsed
	FG      Color  // the text color, composited over BG
	BG      Color  // the background behind the text: every background from the root element down, composited over the canvas
}

// Ratio returns the contrast ratio of t's text and background.
func (t Text) Ratio() float64 { return ContrastRatio(t.FG, t.BG) }

// The system colors of a light and a dark color scheme, as Chromium draws
// them: the canvas and its text.
var (
	lightCanvas, lightCanvasText = rgba(1, 1, 1, 1), rgba(0, 0, 0, 1)
	darkCanvas, darkCanvasText   = rgba(18.0/255, 18.0/255, 18.0/255, 1), rgba(1, 1, 1, 1)
)

func rgba(r, g, b, a float64) csscolorparser.Color {
	return csscolorparser.Color{R: r, G: g, B: b, A: a}
}

// TextColors parses the HTML page doc and returns, in document order, the
// colors of each element in <body> that holds text of its own, when the
// user prefers the color scheme s.
//
// The colors come from the page's <style> sheets and style attributes,
// through a model of the CSS cascade that is enough for a maintenance
// page: selectors *, :root and element names, @media
// (prefers-color-scheme), custom properties and var(), !important, color,
// background and background-color (a plain color), color-scheme and the
// canvas. Anything else that would change the colors (another selector or
// @media condition setting a color, a background image, opacity, filters)
// is an error rather than a guess.
func TextColors(doc []byte, s Scheme) ([]Text, error) {
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	return textColors(root, s)
}

// style is an element's computed values of the properties TextColors
// models.
type style struct {
	vars        map[string]string // custom properties, inherited; values as written
	colorScheme string            // inherited
	color       csscolorparser.Color
	bg          csscolorparser.Color // background-color; not inherited
}

func textColors(root *html.Node, s Scheme) ([]Text, error) {
	var rules []rule
	for n := range root.Descendants() {
		if n.Type == html.ElementNode && n.DataAtom == atom.Style && n.Namespace == "" {
			var b strings.Builder
			for c := range n.ChildNodes() {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			rs, err := parseSheet(b.String(), len(rules))
			if err != nil {
				return nil, err
			}
			rules = append(rules, rs...)
		}
	}
	htmlEl := documentElement(root)
	if htmlEl == nil {
		return nil, fmt.Errorf("no <html> element")
	}
	e := &engine{rules: rules, scheme: s, root: htmlEl}
	initial := style{vars: map[string]string{}, colorScheme: "normal"}
	var out []Text
	var walk func(n *html.Node, parent style, bgs []csscolorparser.Color) error
	walk = func(n *html.Node, parent style, bgs []csscolorparser.Color) error {
		st, err := e.compute(n, parent)
		if err != nil {
			return fmt.Errorf("<%s>: %w", n.Data, err)
		}
		bgs = append(slices.Clip(bgs), st.bg)
		if t := ownText(n); t != "" && inBody(n) {
			if n.Namespace != "" {
				return fmt.Errorf("<%s>: text in %s content is not modeled", n.Data, n.Namespace)
			}
			fg, bg := composite(st.color, bgs, e.canvas)
			out = append(out, Text{Element: n.Data, Text: t, FG: fg, BG: bg})
		}
		for c := range n.ChildNodes() {
			if c.Type == html.ElementNode {
				if err := walk(c, st, bgs); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(htmlEl, initial, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// engine computes styles for one page and scheme.
type engine struct {
	rules  []rule
	scheme Scheme
	root   *html.Node
	canvas csscolorparser.Color // set once the root element is computed
}

// matched is a declaration that applies to an element, with its place in
// the cascade.
type matched struct {
	decl
	specificity, order int
}

// compute returns n's style given its parent's.
func (e *engine) compute(n *html.Node, parent style) (style, error) {
	var ds []matched
	for _, r := range e.rules {
		if len(r.decls) > 0 && mediaApplies(r.media, e.scheme) && e.matches(r.selector, n) {
			for _, d := range r.decls {
				ds = append(ds, matched{d, r.specificity, r.order})
			}
		}
	}
	if v, ok := attr(n, "style"); ok {
		for _, d := range parseStyleAttr(v) {
			ds = append(ds, matched{d, 1000, math.MaxInt})
		}
	}
	// Lowest precedence first, so that later writes win.
	slices.SortStableFunc(ds, func(a, b matched) int {
		if a.important != b.important {
			if a.important {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.specificity, b.specificity), cmp.Compare(a.order, b.order))
	})
	st := style{vars: parent.vars, colorScheme: parent.colorScheme, color: parent.color}
	own := map[string]string{}
	copied := false
	for _, d := range ds {
		switch {
		case strings.HasPrefix(d.prop, "--"):
			if !copied {
				st.vars = maps.Clone(parent.vars)
				copied = true
			}
			st.vars[d.prop] = d.value
		case d.prop == "background":
			own["background-color"] = "background:" + d.value
		default:
			own[d.prop] = d.value
		}
	}
	for _, p := range slices.Sorted(maps.Keys(own)) {
		if ok := colorProps[p]; !ok && !harmless(p, own[p]) {
			return style{}, fmt.Errorf("%s: %s changes the colors in a way that is not modeled", p, own[p])
		}
	}
	if v, ok := own["color-scheme"]; ok {
		st.colorScheme = strings.ToLower(v)
	}
	canvas, canvasText := systemColors(usedScheme(st.colorScheme, e.scheme))
	if n == e.root {
		e.canvas = canvas     // the root's color scheme picks the canvas
		st.color = canvasText // the initial value of color
	}
	if v, ok := own["color"]; ok {
		c, err := e.color(v, st.vars, parent.color, canvas, canvasText)
		if err != nil {
			return style{}, fmt.Errorf("color: %w", err)
		}
		st.color = c
	}
	if v, ok := own["background-color"]; ok {
		c, err := e.background(v, st, parent, canvas, canvasText)
		if err != nil {
			return style{}, err
		}
		st.bg = c
	}
	return st, nil
}

// harmless reports whether a property TextColors does not model has a
// value that leaves the colors alone.
func harmless(prop, v string) bool {
	v = strings.ToLower(v)
	switch prop {
	case "opacity":
		return v == "1" || v == "100%"
	case "filter", "backdrop-filter", "background-image":
		return v == "none"
	case "mix-blend-mode", "background-blend-mode":
		return v == "normal"
	}
	return false
}

// color resolves the value v of the color property.
func (e *engine) color(v string, vars map[string]string, inherited, canvas, canvasText csscolorparser.Color) (csscolorparser.Color, error) {
	v, err := substitute(v, vars, 0)
	if err != nil {
		return csscolorparser.Color{}, err
	}
	switch strings.ToLower(v) {
	case "inherit", "unset", "currentcolor":
		return inherited, nil
	case "initial":
		return canvasText, nil
	}
	return parseColor(v, canvas, canvasText)
}

// background resolves a background-color value, or a background shorthand
// (written as "background:" and its value) when it is a plain color.
func (e *engine) background(v string, st, parent style, canvas, canvasText csscolorparser.Color) (csscolorparser.Color, error) {
	prop := "background-color"
	if rest, ok := strings.CutPrefix(v, "background:"); ok {
		prop, v = "background", rest
	}
	v, err := substitute(v, st.vars, 0)
	if err != nil {
		return csscolorparser.Color{}, fmt.Errorf("%s: %w", prop, err)
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "inherit":
		return parent.bg, nil
	case "initial", "unset", "none", "transparent":
		return csscolorparser.Color{}, nil
	case "currentcolor":
		return st.color, nil
	}
	c, err := parseColor(v, canvas, canvasText)
	if err != nil {
		return csscolorparser.Color{}, fmt.Errorf("%s: %q is not a plain color", prop, v)
	}
	return c, nil
}

// parseColor parses a CSS color, system colors Canvas and CanvasText
// included.
func parseColor(v string, canvas, canvasText csscolorparser.Color) (csscolorparser.Color, error) {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "canvas":
		return canvas, nil
	case "canvastext":
		return canvasText, nil
	}
	if strings.Contains(strings.ToLower(v), "var(") {
		return csscolorparser.Color{}, fmt.Errorf("unresolved %q", v)
	}
	c, err := csscolorparser.Parse(v)
	if err != nil {
		return csscolorparser.Color{}, fmt.Errorf("%q is not a color TextColors can read", v)
	}
	return c, nil
}

// substitute replaces each var(--name) or var(--name, fallback) in v with
// the custom property's value (or the fallback), recursively.
func substitute(v string, vars map[string]string, depth int) (string, error) {
	if depth > 32 {
		return "", fmt.Errorf("var() nested too deep (a cycle?)")
	}
	for {
		i := strings.Index(strings.ToLower(v), "var(")
		if i < 0 {
			return v, nil
		}
		end, comma, level := -1, -1, 0
	scan:
		for j := i + 4; j < len(v); j++ {
			switch v[j] {
			case '(':
				level++
			case ')':
				if level == 0 {
					end = j
					break scan
				}
				level--
			case ',':
				if level == 0 && comma < 0 {
					comma = j
				}
			}
		}
		if end < 0 {
			return "", fmt.Errorf("unclosed var() in %q", v)
		}
		name, fallback, hasFallback := strings.TrimSpace(v[i+4:end]), "", false
		if comma >= 0 {
			name, fallback, hasFallback = strings.TrimSpace(v[i+4:comma]), v[comma+1:end], true
		}
		val, ok := vars[name]
		if !ok {
			if !hasFallback {
				return "", fmt.Errorf("var(%s) is not set", name)
			}
			val = fallback
		}
		val, err := substitute(strings.TrimSpace(val), vars, depth+1)
		if err != nil {
			return "", err
		}
		v = v[:i] + val + v[end+1:]
	}
}

// usedScheme returns the color scheme an element with the color-scheme
// value cs is drawn in when the user prefers s.
func usedScheme(cs string, s Scheme) Scheme {
	var offered []Scheme
	for _, f := range strings.Fields(cs) {
		if f == "light" || f == "dark" {
			offered = append(offered, Scheme(f))
		}
	}
	switch {
	case len(offered) == 0:
		return Light // normal
	case slices.Contains(offered, s):
		return s
	}
	return offered[0]
}

// systemColors returns Canvas and CanvasText in the scheme s.
func systemColors(s Scheme) (canvas, canvasText csscolorparser.Color) {
	if s == Dark {
		return darkCanvas, darkCanvasText
	}
	return lightCanvas, lightCanvasText
}

// composite returns the text color fg and the backgrounds bgs (the root
// element's first) as drawn over the opaque canvas: the text color over
// the background, and the background.
func composite(fg csscolorparser.Color, bgs []csscolorparser.Color, canvas csscolorparser.Color) (Color, Color) {
	bg := Color{canvas.R, canvas.G, canvas.B}
	over := func(c csscolorparser.Color, under Color) Color {
		a := c.A
		return Color{c.R*a + under.R*(1-a), c.G*a + under.G*(1-a), c.B*a + under.B*(1-a)}
	}
	for _, b := range bgs {
		bg = over(b, bg)
	}
	return over(fg, bg), bg
}

// matches reports whether the simple selector sel (see specificity)
// matches the element n.
func (e *engine) matches(sel string, n *html.Node) bool {
	switch {
	case sel == "*":
		return true
	case sel == ":root":
		return n == e.root
	}
	return n.Namespace == "" && n.Data == sel || n.Namespace != "" && strings.EqualFold(n.Data, sel)
}

// ownText returns the text of n's own text children, whitespace collapsed.
func ownText(n *html.Node) string {
	var b strings.Builder
	for c := range n.ChildNodes() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
			b.WriteByte(' ')
		}
	}
	return collapse(b.String())
}

// inBody reports whether n is <body> or inside it.
func inBody(n *html.Node) bool {
	for a := n; a != nil; a = a.Parent {
		if a.Type == html.ElementNode && a.DataAtom == atom.Body && a.Namespace == "" {
			return true
		}
	}
	return false
}
