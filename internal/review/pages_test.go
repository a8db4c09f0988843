package review

import (
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/build"
	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/templates"
)

// pageWarnings builds the policy src, whose template file page.tmpl holds
// tmpl, and returns its page warnings.
func pageWarnings(t *testing.T, src, tmpl string) []string {
	t.Helper()
	read := func(string) ([]byte, error) { return []byte(tmpl), nil }
	p, files, err := build.Outputs("policy.yaml", []byte(src), read, gen.Options{})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	var out []string
	for _, w := range PageWarnings(p, files) {
		out = append(out, w.String())
	}
	return out
}

// The page of TestPageWarnings: the built-in template's rules all kept.
const goodTemplate = `<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.Dir}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<link rel="icon" href="data:,"><title>{{.Title}}</title></head>
<body><h1>{{.Heading}}</h1><p>{{.Body}}</p></body>
</html>
`

func TestPageWarnings(t *testing.T) {
	src := strings.Replace(base, "default_locale", "response:\n  template: page.tmpl\ndefault_locale", 1) +
		"  ar: {title: T, heading: H, body: B}\n"
	tests := []struct {
		name, tmpl string
		want       []string
	}{
		{"good", goodTemplate, nil},
		{"the built-in template as a custom one", templates.Page, nil},
		{"every page", strings.Replace(goodTemplate, "<h1>{{.Heading}}</h1>", `<h1>{{.Heading}}</h1><h1>again</h1><script src="/x.js"></script>`, 1), []string{
			"policy.yaml:4:13: warning: response.template: 503.en.html, 503.ar.html: 2 <h1> elements, want exactly one",
			"policy.yaml:4:13: warning: response.template: 503.en.html, 503.ar.html: <script src=\"/x.js\"> makes a request",
			"policy.yaml:4:13: warning: response.template: 503.en.html, 503.ar.html: a <script> element: the page must work without script",
		}},
		{"one locale", strings.Replace(goodTemplate, `dir="{{.Dir}}"`, `dir="ltr"`, 1), []string{
			"policy.yaml:4:13: warning: response.template: 503.ar.html: <html dir=\"ltr\">, want \"rtl\" for a right-to-left locale",
		}},
		{"over the size budget", strings.Replace(goodTemplate, "<p>", "<p>"+strings.Repeat("x", 7000)+" ", 1), []string{
			"policy.yaml:4:13: warning: response.template: 503.en.html, 503.ar.html: 7213 bytes, over the built-in page's budget of 6144 (6 KiB), which keeps a page and its headers within HAProxy's errorfile buffer",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := gocmp.Diff(tt.want, pageWarnings(t, src, tt.tmpl)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// The built-in template: its pages are not checked here (the
	// pagecheck tests hold them to the rules), even with a message that
	// would make the page break one.
	builtin := strings.Replace(base, "heading: H", "heading: "+strings.Repeat("long ", 1500), 1)
	if got := pageWarnings(t, builtin, ""); got != nil {
		t.Errorf("built-in template: %q, want none", got)
	}
}

// TestPageWarningsCheap: validate runs the page checks on every locale's
// page; 40 locales take well under a second (about a millisecond a page).
func TestPageWarningsCheap(t *testing.T) {
	src := strings.Replace(base, "default_locale", "response:\n  template: page.tmpl\ndefault_locale", 1)
	for _, tag := range []string{"fr", "de", "es", "it", "pt", "nl", "sv", "da", "fi", "pl", "cs", "sk", "hu", "ro", "bg", "el", "tr", "ru", "uk", "ar", "he", "fa", "hi", "bn", "th", "vi", "id", "ms", "ja", "ko", "zh", "sw", "zu", "af", "sq", "hy", "az", "eu", "be", "ca"} {
		src += "  " + tag + ": {title: T, heading: H, body: B}\n"
	}
	read := func(string) ([]byte, error) { return []byte(templates.Page), nil }
	p, files, err := build.Outputs("policy.yaml", []byte(src), read, gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if w := PageWarnings(p, files); w != nil {
		t.Errorf("the built-in page as a custom template: %v", w)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("PageWarnings of %d locales took %v", len(p.Locales), d)
	}
	t.Logf("PageWarnings of %d locales: %v", len(p.Locales), time.Since(start))
}
