package pagecheck

import (
	"math"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// builtinPage renders one page with the built-in template for a small
// policy (plus extra, which is appended to its response section).
func builtinPage(t *testing.T, lang string, extra string) ([]byte, Expect) {
	t.Helper()
	src := "version: 1\noutput: {go: m/m.go, pages: p}\nresponse: {status: 503" + extra + "}\ndefault_locale: " + lang +
		"\nmessages:\n  " + lang + ": {title: \"Down  for maintenance\", heading: \"Back soon\", body: \"Please wait.\"}\n"
	p, err := policy.Parse("policy.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := render.Pages(p, render.DefaultTemplate(), "", policy.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	l := p.Locales[0]
	return pages[0].Body, Expect{Lang: l.Tag, RTL: l.RTL, Title: l.Title, Heading: l.Heading, Refresh: p.Response.Refresh}
}

func TestProblems(t *testing.T) {
	good, want := builtinPage(t, "en", "")
	if probs := Problems(good, want); probs != nil {
		t.Fatalf("the built-in page has problems: %q\n%s", probs, good)
	}
	rtl, rtlWant := builtinPage(t, "he", "")
	if probs := Problems(rtl, rtlWant); probs != nil {
		t.Fatalf("the built-in Hebrew page has problems: %q\n%s", probs, rtl)
	}
	refresh, refreshWant := builtinPage(t, "en", ", refresh: 30s")
	if probs := Problems(refresh, refreshWant); probs != nil {
		t.Fatalf("the built-in page with refresh has problems: %q\n%s", probs, refresh)
	}

	page := string(good)
	tests := []struct {
		name       string
		doc        string
		edit       func(*Expect)
		wantSubstr string
	}{
		{"no lang", strings.Replace(page, ` lang="en"`, "", 1), nil, "no lang attribute"},
		{"wrong lang", page, func(e *Expect) { e.Lang = "fr" }, `<html lang="en">, want "fr"`},
		{"rtl missing", page, func(e *Expect) { e.RTL = true }, `want "rtl"`},
		{"rtl on an ltr locale", strings.Replace(page, `dir="ltr"`, `dir="rtl"`, 1), nil, `want "ltr"`},
		{"no h1", strings.NewReplacer("<h1>", "<h2>", "</h1>", "</h2>").Replace(page), nil, "0 <h1> elements"},
		{"two h1", strings.Replace(page, "</main>", "<h1>Again</h1></main>", 1), nil, "2 <h1> elements"},
		{"wrong heading", page, func(e *Expect) { e.Heading = "Other" }, `<h1> reads "Back soon"`},
		{"wrong title", page, func(e *Expect) { e.Title = "Other" }, `<title> reads "Down for maintenance"`},
		{"no viewport", strings.Replace(page, `name="viewport"`, `name="x"`, 1), nil, `0 <meta name="viewport">`},
		{"fixed viewport", strings.Replace(page, `width=device-width`, `width=1024`, 1), nil, "does not set width=device-width"},
		{"no icon", strings.Replace(page, `<link rel="icon" href="data:,">`, "", 1), nil, "/favicon.ico"},
		{"icon to fetch", strings.Replace(page, `href="data:,"`, `href="/favicon.png"`, 1), nil, `<link href="/favicon.png"> makes a request`},
		{"no charset", strings.Replace(page, `<meta charset="utf-8">`, "", 1), nil, `no <meta charset="utf-8">`},
		{"refresh not asked for", string(refresh), func(e *Expect) { e.Refresh = 0 }, "sets no response.refresh"},
		{"refresh missing", page, func(e *Expect) { e.Refresh = 30 }, `0 <meta http-equiv="refresh"> elements`},
		{"refresh wrong", string(refresh), func(e *Expect) { e.Refresh = 60 }, `content="30">, want "60"`},
		{"refresh elsewhere", strings.Replace(page, "<title>", `<meta http-equiv="refresh" content="0;url=https://example.com/"><title>`, 1), func(e *Expect) { e.Refresh = 0 }, "goes to another URL"},
		{"script", strings.Replace(page, "</body>", "<script>1</script></body>", 1), nil, "<script>"},
		{"svg script", strings.Replace(page, "</svg>", "<script>1</script></svg>", 1), nil, "<script>"},
		{"event handler", strings.Replace(page, "<body>", `<body onload="x()">`, 1), nil, "event handler"},
		{"javascript link", strings.Replace(page, "<p>", `<p><a href=" javascript:x()">x</a>`, 1), nil, "is script"},
		{"stylesheet", strings.Replace(page, "<title>", `<link rel="stylesheet" href="/s.css"><title>`, 1), nil, `<link href="/s.css"> makes a request`},
		{"preconnect", strings.Replace(page, "<title>", `<link rel="preconnect" href="https://fonts.example">`+"<title>", 1), nil, "makes a request"},
		{"image", strings.Replace(page, "<p>", `<p><img alt="" src="x.png">`, 1), nil, "<img src"},
		{"srcset", strings.Replace(page, "<p>", `<p><img alt="" src="data:," srcset="a.png 2x">`, 1), nil, "<img srcset"},
		{"svg image", strings.Replace(page, "</svg>", `<image href="https://x.example/a.png"/></svg>`, 1), nil, "<image href"},
		{"svg use", strings.Replace(page, "</svg>", `<use xlink:href="sprite.svg#a"/></svg>`, 1), nil, "<use href"},
		{"iframe", strings.Replace(page, "<p>", `<p><iframe src="/x" title="x"></iframe>`, 1), nil, "<iframe src"},
		{"base", strings.Replace(page, "<title>", `<base href="https://x.example/"><title>`, 1), nil, "<base>"},
		{"css url", strings.Replace(page, "p{", "p{background:url(/bg.png);", 1), nil, "url(/bg.png)"},
		{"css quoted url", strings.Replace(page, "p{", `p{background:url("//x.example/bg.png");`, 1), nil, `url("//x.example/bg.png")`},
		{"css import", strings.Replace(page, "<style>", `<style>@import "x.css";`, 1), nil, "@import"},
		{"font face", strings.Replace(page, "<style>", `<style>@font-face{font-family:x;src:url(x.woff2)}`, 1), nil, "url(x.woff2)"},
		{"image-set", strings.Replace(page, "p{", `p{background-image:image-set("a.png" 1x);`, 1), nil, `image-set("a.png")`},
		{"style attribute url", strings.Replace(page, "<p>", `<p style="background:url(a.png)">`, 1), nil, "<p style> requests url(a.png)"},
		{"low contrast light", strings.Replace(page, "--muted:#4a5263", "--muted:#999999", 1), nil, "<p> text #999999 on #ffffff in light mode: contrast 2.85:1"},
		{"low contrast dark", strings.Replace(page, "--fg:#eef1f6", "--fg:#333333", 1), nil, "<h1> text #333333 on #1b1f27 in dark mode"},
		{"contrast not modeled", strings.Replace(page, "p{", "p{opacity:.5;", 1), nil, "cannot check the contrast in light mode: <p>: opacity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := want
			if tt.edit != nil {
				tt.edit(&w)
			}
			if tt.doc == page && tt.edit == nil {
				t.Fatal("the case changes nothing")
			}
			probs := Problems([]byte(tt.doc), w)
			for _, p := range probs {
				if strings.Contains(p, tt.wantSubstr) {
					return
				}
			}
			t.Errorf("problems %q, want one containing %q", probs, tt.wantSubstr)
		})
	}
}

func TestContrastRatio(t *testing.T) {
	hex := func(s string) Color {
		c, err := parseColor(s, lightCanvas, lightCanvasText)
		if err != nil {
			t.Fatal(err)
		}
		return Color{c.R, c.G, c.B}
	}
	tests := []struct {
		a, b string
		want float64
	}{
		{"#000", "#fff", 21},
		{"#fff", "#000", 21},
		{"#777", "#777", 1},
		{"#777777", "#ffffff", 4.48}, // the classic just-fails-AA grey
		{"#767676", "#ffffff", 4.54}, // the lightest grey that passes on white
		{"#ff0000", "#ffffff", 4.00},
		{"#0000ff", "#ffffff", 8.59},
	}
	for _, tt := range tests {
		got := ContrastRatio(hex(tt.a), hex(tt.b))
		if math.Abs(got-tt.want) > 0.005 {
			t.Errorf("ContrastRatio(%s, %s) = %.4f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestTextColors(t *testing.T) {
	doc := func(css, body string) []byte {
		return []byte(`<!doctype html><html lang="en"><head><style>` + css + `</style></head><body>` + body + `</body></html>`)
	}
	type pair struct{ el, fg, bg string }
	tests := []struct {
		name        string
		css, body   string
		light, dark []pair
		wantErr     string
	}{
		{
			name: "browser defaults", body: "<p>x</p>",
			light: []pair{{"p", "#000000", "#ffffff"}}, dark: []pair{{"p", "#000000", "#ffffff"}},
		},
		{
			name: "color-scheme dark uses the dark canvas", css: ":root{color-scheme:light dark}", body: "<p>x</p>",
			light: []pair{{"p", "#000000", "#ffffff"}}, dark: []pair{{"p", "#ffffff", "#121212"}},
		},
		{
			name:  "custom properties and media",
			css:   ":root{--fg:#111;--bg:#eee}@media (prefers-color-scheme: dark){:root{--fg:#eee;--bg:#111}}body{color:var(--fg);background:var(--bg)}",
			body:  "<main><h1>x</h1></main>",
			light: []pair{{"h1", "#111111", "#eeeeee"}}, dark: []pair{{"h1", "#eeeeee", "#111111"}},
		},
		{
			name: "light media and fallbacks", css: "@media(prefers-color-scheme:light){p{color:var(--none, navy)}}",
			body:  "<p>x</p>",
			light: []pair{{"p", "#000080", "#ffffff"}}, dark: []pair{{"p", "#000000", "#ffffff"}},
		},
		{
			name:  "specificity, order and important",
			css:   ":root{color:red}html{color:blue}p{color:green!important}p{color:olive}*{background-color:transparent}",
			body:  "<p>a</p><div>b</div>",
			light: []pair{{"p", "#008000", "#ffffff"}, {"div", "#ff0000", "#ffffff"}},
			dark:  []pair{{"p", "#008000", "#ffffff"}, {"div", "#ff0000", "#ffffff"}},
		},
		{
			name: "inline style wins over the sheet", css: "p{color:red}", body: `<p style="color:#00f">x</p>`,
			light: []pair{{"p", "#0000ff", "#ffffff"}}, dark: []pair{{"p", "#0000ff", "#ffffff"}},
		},
		{
			name: "translucent layers are composited", css: "body{background:#000}main{background:rgba(255,255,255,.5)}p{color:rgb(255 255 255 / 50%)}",
			body:  "<main><p>x</p></main>",
			light: []pair{{"p", "#bfbfbf", "#808080"}}, dark: []pair{{"p", "#bfbfbf", "#808080"}},
		},
		{
			name: "currentcolor and inherit", css: "body{color:#123456}main{background:currentcolor}p{color:#fff}span{color:inherit}",
			body:  "<main><p>x<span>y</span></p></main>",
			light: []pair{{"p", "#ffffff", "#123456"}, {"span", "#ffffff", "#123456"}},
			dark:  []pair{{"p", "#ffffff", "#123456"}, {"span", "#ffffff", "#123456"}},
		},
		{
			name: "rules without colors are ignored", css: ".x{margin:0}@media(min-width:40em){main{padding:0}}a b{font-weight:bold}",
			body:  "<p>x</p>",
			light: []pair{{"p", "#000000", "#ffffff"}}, dark: []pair{{"p", "#000000", "#ffffff"}},
		},
		{name: "class selector setting a color", css: ".x{color:red}", body: "<p>x</p>", wantErr: `selector ".x" sets color`},
		{name: "descendant selector", css: "main p{background:#000}", body: "<p>x</p>", wantErr: `selector "main p" sets background`},
		{name: "nested rule", css: "main{background:#fff;p{color:#eee}}", body: "<main><p>x</p></main>", wantErr: `selector "(nested) p" sets color`},
		{name: "other media", css: "@media (max-width:30em){p{color:red}}", body: "<p>x</p>", wantErr: "only prefers-color-scheme"},
		{name: "background image", css: "body{background:#fff url(a.png)}", body: "<p>x</p>", wantErr: "is not a plain color"},
		{name: "unset variable", css: "p{color:var(--nope)}", body: "<p>x</p>", wantErr: "var(--nope) is not set"},
		{name: "variable cycle", css: ":root{--a:var(--b);--b:var(--a)}p{color:var(--a)}", body: "<p>x</p>", wantErr: "cycle"},
		{name: "filter", css: "main{filter:invert(1)}", body: "<main><p>x</p></main>", wantErr: "filter: invert(1)"},
		{name: "svg text", body: "<svg><text>x</text></svg>", wantErr: "text in svg content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range []Scheme{Light, Dark} {
				got, err := TextColors(doc(tt.css, tt.body), s)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("%s: error %v, want one containing %q", s, err, tt.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", s, err)
				}
				want := tt.light
				if s == Dark {
					want = tt.dark
				}
				var pairs []pair
				for _, x := range got {
					pairs = append(pairs, pair{x.Element, x.FG.String(), x.BG.String()})
				}
				if len(pairs) != len(want) {
					t.Fatalf("%s: got %v, want %v", s, pairs, want)
				}
				for i := range want {
					if pairs[i] != want[i] {
						t.Errorf("%s: got %v, want %v", s, pairs, want)
					}
				}
			}
		})
	}
}
