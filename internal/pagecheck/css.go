package pagecheck

import (
	"fmt"
	"io"
	"strings"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
)

// cssRequests returns each URL the style sheet (or style attribute) src
// would fetch: url(), strings in url(), src(), image-set(), and @import.
func cssRequests(src string) []string {
	var out []string
	l := css.NewLexer(parse.NewInputString(src))
	var funcs []string // the open functions, innermost last
	for {
		tt, data := l.Next()
		switch tt {
		case css.ErrorToken:
			if l.Err() != io.EOF {
				out = append(out, fmt.Sprintf("unparsable CSS (%v)", l.Err()))
			}
			return out
		case css.AtKeywordToken:
			if strings.EqualFold(string(data), "@import") {
				out = append(out, "a style sheet (@import)")
			}
		case css.URLToken:
			u := string(data)
			u = strings.TrimSpace(u[strings.IndexByte(u, '(')+1 : len(u)-1])
			if fetches(strings.Trim(u, `"'`)) {
				out = append(out, "url("+u+")")
			}
		case css.FunctionToken:
			funcs = append(funcs, strings.ToLower(string(data)))
		case css.LeftParenthesisToken:
			funcs = append(funcs, "(")
		case css.RightParenthesisToken:
			if len(funcs) > 0 {
				funcs = funcs[:len(funcs)-1]
			}
		case css.StringToken:
			if len(funcs) == 0 {
				continue
			}
			switch funcs[len(funcs)-1] {
			case "url(", "src(", "image-set(", "-webkit-image-set(":
				if u := string(data[1 : len(data)-1]); fetches(u) {
					out = append(out, funcs[len(funcs)-1]+string(data)+")")
				}
			}
		}
	}
}

// decl is one declaration of a rule.
type decl struct {
	prop      string // lower case; a custom property keeps its case ("--bg")
	value     string // as written, without !important
	important bool
}

// rule is one selector of a style rule (a rule "a, b" makes two).
type rule struct {
	selector    string // "*", ":root" or an element name, lower case
	specificity int
	order       int    // position in the page's style sheets
	media       string // the @media condition, whitespace removed, lower case; "" for none
	decls       []decl
}

// colorProps are the properties that decide the colors of text and of
// what is behind it; the other properties of a rule are not looked at.
// The ones mapped to false change the rendered colors in ways TextColors
// does not model: a rule setting them on an element with text, or above
// it, is an error.
var colorProps = map[string]bool{
	"color": true, "background": true, "background-color": true, "color-scheme": true,
	"opacity": false, "filter": false, "backdrop-filter": false, "mix-blend-mode": false,
	"background-image": false, "-webkit-text-fill-color": false, "background-blend-mode": false,
}

// parseSheet parses a style sheet into rules, in order, starting at order.
// A rule whose selector or @media condition TextColors does not
// understand is an error only when it sets a property of colorProps.
func parseSheet(src string, order int) ([]rule, error) {
	p := css.NewParser(parse.NewInputString(src), false)
	var rules []rule
	var media []string // open at-rules' conditions, innermost last; "?" for one that is not @media
	type ruleset struct {
		sel   string
		rules []int // indexes in rules of its selectors
	}
	var open []ruleset // the open rulesets, innermost last
	for {
		gt, _, data := p.Next()
		switch gt {
		case css.ErrorGrammar:
			if p.Err() == io.EOF {
				return rules, nil
			}
			return nil, fmt.Errorf("unparsable CSS at byte %d: %v", p.Offset(), p.Err())
		case css.BeginAtRuleGrammar:
			cond := "?"
			if strings.EqualFold(string(data), "@media") {
				cond = strings.ToLower(strings.Join(strings.Fields(joinValues(p.Values())), ""))
			}
			media = append(media, cond)
		case css.EndAtRuleGrammar:
			if len(media) > 0 {
				media = media[:len(media)-1]
			}
		case css.BeginRulesetGrammar:
			rs := ruleset{sel: joinValues(p.Values())}
			if len(open) > 0 { // CSS nesting: not modeled
				rs.sel = "(nested) " + rs.sel
			}
			cond := strings.Join(media, " and ")
			for _, sel := range strings.Split(rs.sel, ",") {
				sel = strings.ToLower(strings.TrimSpace(sel))
				order++
				rules = append(rules, rule{selector: sel, specificity: specificity(sel), order: order, media: cond})
				rs.rules = append(rs.rules, len(rules)-1)
			}
			open = append(open, rs)
		case css.EndRulesetGrammar:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		case css.DeclarationGrammar, css.CustomPropertyGrammar:
			d := decl{prop: string(data), value: joinValues(p.Values())}
			if gt == css.DeclarationGrammar {
				d.prop = strings.ToLower(d.prop)
			}
			d.value, d.important = cutImportant(d.value)
			_, relevant := colorProps[d.prop]
			relevant = relevant || strings.HasPrefix(d.prop, "--")
			if !relevant {
				continue
			}
			if len(open) == 0 {
				continue // a descriptor of @font-face or the like
			}
			rs := open[len(open)-1]
			for _, i := range rs.rules {
				r := &rules[i]
				if r.specificity < 0 {
					return nil, fmt.Errorf("selector %q sets %s: only *, :root and element names are understood", rs.sel, d.prop)
				}
				if !knownMedia(r.media) {
					return nil, fmt.Errorf("@media %s sets %s: only prefers-color-scheme conditions are understood", r.media, d.prop)
				}
				r.decls = append(r.decls, d)
			}
		}
	}
}

// parseStyleAttr parses a style attribute's declarations.
func parseStyleAttr(src string) []decl {
	p := css.NewParser(parse.NewInputString(src), true)
	var decls []decl
	for {
		gt, _, data := p.Next()
		switch gt {
		case css.ErrorGrammar:
			if p.Err() == io.EOF {
				return decls
			}
			continue // a bad declaration is dropped, as browsers do
		case css.DeclarationGrammar, css.CustomPropertyGrammar:
			d := decl{prop: string(data), value: joinValues(p.Values())}
			if gt == css.DeclarationGrammar {
				d.prop = strings.ToLower(d.prop)
			}
			d.value, d.important = cutImportant(d.value)
			decls = append(decls, d)
		}
	}
}

// joinValues joins the tokens of a selector, an @media condition or a
// declaration value.
func joinValues(toks []css.Token) string {
	var b strings.Builder
	for _, t := range toks {
		if t.TokenType == css.CustomPropertyValueToken {
			b.WriteString(strings.TrimSpace(string(t.Data)))
			continue
		}
		b.Write(t.Data)
	}
	return strings.TrimSpace(b.String())
}

// cutImportant removes a trailing !important from v.
func cutImportant(v string) (string, bool) {
	s := strings.TrimSpace(v)
	if i := strings.LastIndexByte(s, '!'); i >= 0 && strings.EqualFold(strings.TrimSpace(s[i+1:]), "important") {
		return strings.TrimSpace(s[:i]), true
	}
	return s, false
}

// specificity returns a simple selector's specificity, or -1 for a
// selector TextColors does not understand.
func specificity(sel string) int {
	switch {
	case sel == "*":
		return 0
	case sel == ":root":
		return 10 // a pseudo-class: (0,1,0)
	case isName(sel):
		return 1 // an element name: (0,0,1)
	}
	return -1
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '-' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// knownMedia reports whether TextColors understands the @media condition
// (whitespace removed, lower case).
func knownMedia(m string) bool {
	switch m {
	case "", "all", "screen", "(prefers-color-scheme:dark)", "(prefers-color-scheme:light)":
		return true
	}
	return false
}

// mediaApplies reports whether the @media condition m holds in scheme s.
func mediaApplies(m string, s Scheme) bool {
	switch m {
	case "", "all", "screen":
		return true
	case "(prefers-color-scheme:dark)":
		return s == Dark
	case "(prefers-color-scheme:light)":
		return s == Light
	}
	return false
}
