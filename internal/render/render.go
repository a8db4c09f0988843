// Package render renders a policy's static maintenance pages: one HTML page
// (from an html/template) and one RFC 9457 problem details JSON document
// per locale, minified.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"strconv"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/html"
	minjson "github.com/tdewolff/minify/v2/json"
	"github.com/tdewolff/minify/v2/svg"

	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/templates"
)

// PageData is what a page template is executed with.
type PageData struct {
	Lang       string // BCP 47 tag as written in the policy, for the lang attribute
	Dir        string // "ltr" or "rtl", for the dir attribute
	Title      string
	Heading    string
	Body       string
	Status     int   // HTTP status code of the maintenance response
	RetryAfter int64 // seconds; 0 when no Retry-After is sent
	Refresh    int64 // seconds between automatic reloads; 0 for none
	Link       *Link // a link under the text, such as a status page; nil for none

	// Slot is where the guard puts the reason and expected end that an
	// operator sets at run time (maintgen on -reason, -for), as
	// paragraphs of class "live". Write {{.Slot}} once, between
	// elements; a template without it shows neither. The static pages
	// leave it empty.
	Slot template.HTML
}

// Link is a link on the page.
type Link struct {
	Text, Href string
}

// slotMark stands for the slot while a page is rendered and minified: a
// private-use character, which no policy text holds (policy.Parse refuses
// it) and the minifier keeps.
const slotMark = string(policy.SlotMark)

// Format is the format of a page: the response format, whose home is
// policy.Format.
type Format = policy.Format

// The page formats.
const (
	HTML = policy.FormatHTML // text/html; charset=utf-8
	JSON = policy.FormatJSON // application/problem+json (RFC 9457)
)

// Page is one rendered page.
type Page struct {
	Locale string // BCP 47 tag as written in the policy
	Format Format
	Body   []byte // minified
	Slot   int    // HTML: the offset in Body of the slot (PageData.Slot); -1 when the template has none
}

// FileName returns the name of a page file under output.pages: S.L.html or
// S.L.json, or S.html and S.json for the default locale's second copy
// (pass locale "").
func FileName(status int, locale string, f Format) string {
	if locale == "" {
		return fmt.Sprintf("%d.%s", status, f)
	}
	return fmt.Sprintf("%d.%s.%s", status, locale, f)
}

// newMinifier returns the one minifier maintgen uses, with each option
// chosen on purpose.
func newMinifier() *minify.M {
	m := minify.New()
	m.Add("text/html", &html.Minifier{
		KeepDocumentTags:    true,  // <html lang dir>, <head> and <body> stay explicit
		KeepEndTags:         true,  // strict validators want them
		KeepQuotes:          true,  // attribute values stay quoted
		KeepDefaultAttrVals: false, // type="text/css" and the like go
		KeepSpecialComments: false,
		KeepComments:        false,
		KeepWhitespace:      false,
	})
	m.Add("text/css", &css.Minifier{Precision: 0, Version: 0}) // 0: full precision, any CSS version
	m.Add("image/svg+xml", &svg.Minifier{KeepComments: false, Precision: 0})
	m.Add("application/json", &minjson.Minifier{Precision: 0, KeepNumbers: true}) // the status stays 503
	return m
}

var tmplLineRE = regexp.MustCompile(`^template: [^:]*:(\d+)(?::(\d+))?: (.*)$`)

// templateError positions an html/template error in the template file.
func templateError(file string, at policy.Pos, err error) error {
	var errs policy.ErrorList
	if m := tmplLineRE.FindStringSubmatch(err.Error()); m != nil && file != "" {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		errs.Add(policy.Pos{File: file, Line: line, Col: max(col, 1)}, "template: %s", m[3])
	} else {
		errs.Add(at, "response.template: %v", err)
	}
	return errs.Err()
}

// ParseTemplate parses src as a page template. file names the template in
// errors ("" for the built-in one), and at is the policy position blamed
// when an error has no line. The error, when not nil, is a policy.ErrorList.
func ParseTemplate(file string, at policy.Pos, src string) (*template.Template, error) {
	t, err := template.New("page").Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, templateError(file, at, err)
	}
	return t, nil
}

// DefaultTemplate returns the built-in page template.
func DefaultTemplate() *template.Template {
	t, err := ParseTemplate("", policy.Pos{}, templates.Page)
	if err != nil {
		panic(err) // tested: the built-in template parses
	}
	return t
}

// problem is an RFC 9457 problem details object, fields in the RFC's order.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// Pages renders every page of p with tmpl: for each locale in policy
// order, its HTML page, then its JSON document. file and at locate tmpl in
// errors, as for ParseTemplate. The error is a policy.ErrorList.
func Pages(p *policy.Policy, tmpl *template.Template, file string, at policy.Pos) ([]Page, error) {
	m := newMinifier()
	var pages []Page
	for _, l := range p.Locales {
		data := PageData{
			Lang: l.Tag, Dir: "ltr",
			Title: l.Title, Heading: l.Heading, Body: l.Body,
			Status: p.Response.Status, RetryAfter: p.Response.RetryAfter,
			Refresh: p.Response.Refresh,
			Slot:    template.HTML(slotMark),
		}
		if l.LinkHref != "" {
			data.Link = &Link{Text: l.LinkText, Href: l.LinkHref}
		}
		if l.RTL {
			data.Dir = "rtl"
		}
		var raw bytes.Buffer
		if err := tmpl.Execute(&raw, data); err != nil {
			return nil, templateError(file, at, err)
		}
		var min bytes.Buffer
		if err := m.Minify("text/html", &min, &raw); err != nil {
			return nil, fmt.Errorf("minify %s page: %w", l.Tag, err)
		}
		body, slot, err := cutSlot(min.Bytes())
		if err != nil {
			return nil, templateError(file, at, err)
		}
		pages = append(pages, Page{Locale: l.Tag, Format: HTML, Body: body, Slot: slot})

		// encoding/json escapes <, >, &, U+2028 and U+2029, so the document
		// is also safe to embed in a page.
		doc, err := json.Marshal(problem{Type: "about:blank", Title: l.Title, Status: p.Response.Status, Detail: l.Body})
		if err != nil {
			return nil, fmt.Errorf("encode %s problem details: %w", l.Tag, err)
		}
		min.Reset()
		if err := m.Minify("application/json", &min, bytes.NewReader(doc)); err != nil {
			return nil, fmt.Errorf("minify %s problem details: %w", l.Tag, err)
		}
		pages = append(pages, Page{Locale: l.Tag, Format: JSON, Body: bytes.Clone(min.Bytes()), Slot: -1})
	}
	return pages, nil
}

// cutSlot removes the slot's mark from a rendered page, and returns the
// page and the mark's offset: -1 when the template has no slot, an error
// when it has several.
func cutSlot(page []byte) ([]byte, int, error) {
	i := bytes.Index(page, []byte(slotMark))
	if i < 0 {
		return bytes.Clone(page), -1, nil
	}
	body := append(bytes.Clone(page[:i]), page[i+len(slotMark):]...)
	if bytes.Contains(body, []byte(slotMark)) {
		return nil, 0, fmt.Errorf("{{.Slot}} is used more than once: the guard fills one place")
	}
	return body, i, nil
}
