package review

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/maintgen/maintgen/internal/build"
	"github.com/maintgen/maintgen/internal/pagecheck"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// PageExpect returns what the HTML page of locale l must declare under the
// policy p, for pagecheck.Problems.
func PageExpect(p *policy.Policy, l policy.Locale) pagecheck.Expect {
	return pagecheck.Expect{Lang: l.Tag, RTL: l.RTL, Title: l.Title, Heading: l.Heading, Refresh: p.Response.Refresh}
}

// PageWarnings checks the HTML pages that a custom template
// (response.template) made, files being the policy's outputs, with the
// rules of the pagecheck package: no request of any kind, lang and dir, one
// h1, a viewport, a title, text contrast, and the size budget of the
// built-in page (pagecheck.MaxSize). Each problem is a warning at the
// position of response.template, naming the pages that have it (a
// problem that several locales' pages share is one warning), sorted as
// Lint sorts. The pages of
// the built-in template, which the pagecheck tests hold to these rules,
// are not checked again: for such a policy PageWarnings returns nil.
//
// The checks parse each page and its CSS, without a browser: about a
// millisecond a page.
func PageWarnings(p *policy.Policy, files build.Files) []Warning {
	if p.Response.Template == "" {
		return nil
	}
	var msgs []string                // each problem, in the order first found
	pagesOf := map[string][]string{} // problem -> the pages that have it
	add := func(name, msg string) {
		if _, ok := pagesOf[msg]; !ok {
			msgs = append(msgs, msg)
		}
		pagesOf[msg] = append(pagesOf[msg], name)
	}
	for _, f := range files.Of(build.HTMLPage) {
		i := slices.IndexFunc(p.Locales, func(l policy.Locale) bool { return l.Tag == f.Locale })
		name := path.Base(f.Path)
		if i < 0 || name == render.FileName(p.Response.Status, "", render.HTML) {
			continue // the default locale's copy, S.html, is S.L.html again
		}
		for _, msg := range pagecheck.Problems(f.Data, PageExpect(p, p.Locales[i])) {
			add(name, msg)
		}
		if len(f.Data) > pagecheck.MaxSize {
			add(name, fmt.Sprintf("%d bytes, over the built-in page's budget of %d (6 KiB), which keeps a page and its headers within HAProxy's errorfile buffer", len(f.Data), pagecheck.MaxSize))
		}
	}
	var out []Warning
	for _, msg := range msgs {
		out = append(out, Warning{p.Response.TemplatePos, fmt.Sprintf("response.template: %s: %s", strings.Join(pagesOf[msg], ", "), msg)})
	}
	return SortWarnings(out)
}
