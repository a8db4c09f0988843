package preview

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/build"
	"github.com/maintgen/maintgen/internal/gen"
)

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// get sends one request to h and returns the status, the headers and the
// body.
func get(t *testing.T, h http.Handler, method, target string) (int, http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(body)
}

const previewPolicy = `version: 1
output:
  go: maintenance/maintenance_gen.go
  pages: public
response:
  template: page.tmpl
default_locale: en
messages:
  en: {title: Down, heading: Back soon, body: Please wait.}
  ar: {title: الصيانة, heading: سنعود قريبًا, body: انتظر.}
`

const previewTemplate = `<!DOCTYPE html>
<html lang="{{.Lang}}" dir="{{.Dir}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<link rel="icon" href="data:,"><title>{{.Title}}</title></head>
<body><h1>{{.Heading}}</h1><p>{{.Body}} version one</p></body></html>
`

func TestPreviewServesEveryPage(t *testing.T) {
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "policy.yaml")
	writeFile(t, policyFile, previewPolicy)
	writeFile(t, filepath.Join(dir, "page.tmpl"), previewTemplate)
	_, files, err := build.Outputs("policy.yaml", []byte(previewPolicy), func(name string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, name))
	}, gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(policyFile)

	code, hdr, body := get(t, h, "GET", "/")
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %q:\n%s", code, hdr.Get("Content-Type"), body)
	}
	for _, name := range []string{"503.en.html", "503.en.json", "503.ar.html", "503.ar.json", "503.html"} {
		if !strings.Contains(body, `href="/`+name+`"`) {
			t.Errorf("the index does not link to %s:\n%s", name, body)
		}
	}
	if !strings.Contains(body, "all pass") {
		t.Errorf("the index shows no passing checks:\n%s", body)
	}

	pages := 0
	for _, f := range files.Of(build.HTMLPage, build.JSONPage) {
		pages++
		name := filepath.Base(f.Path)
		code, hdr, got := get(t, h, "GET", "/"+name)
		if code != http.StatusOK || got != string(f.Data) {
			t.Errorf("GET /%s = %d, body %q, want 200 and what generate writes, %q", name, code, got, f.Data)
		}
		wantType := "text/html; charset=utf-8"
		if strings.HasSuffix(name, ".json") {
			wantType = "application/problem+json"
		}
		if hdr.Get("Content-Type") != wantType || hdr.Get("Cache-Control") != "no-store" {
			t.Errorf("GET /%s: Content-Type %q, Cache-Control %q, want %q and no-store", name, hdr.Get("Content-Type"), hdr.Get("Cache-Control"), wantType)
		}
	}
	if pages != 6 {
		t.Errorf("%d pages, want 6 (two locales, HTML and JSON, and the default's copies)", pages)
	}
	if _, hdr, _ := get(t, h, "GET", "/503.ar.json"); hdr.Get("Content-Language") != "ar" {
		t.Errorf("Content-Language of 503.ar.json is %q, want ar", hdr.Get("Content-Language"))
	}
	for _, tt := range []struct {
		method, target string
		want           int
	}{
		{"GET", "/503.fr.html", http.StatusNotFound},
		{"GET", "/maintenance/maintenance_gen.go", http.StatusNotFound},
		{"GET", "/../policy.yaml", http.StatusNotFound},
		{"POST", "/", http.StatusMethodNotAllowed},
		{"HEAD", "/503.en.html", http.StatusOK},
	} {
		if code, _, _ := get(t, h, tt.method, tt.target); code != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.target, code, tt.want)
		}
	}
}

func TestPreviewRendersAgainOnChange(t *testing.T) {
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "policy.yaml")
	tmplFile := filepath.Join(dir, "page.tmpl")
	writeFile(t, policyFile, previewPolicy)
	writeFile(t, tmplFile, previewTemplate)
	h := NewHandler(policyFile)

	if _, _, body := get(t, h, "GET", "/503.en.html"); !strings.Contains(body, "version one") {
		t.Fatalf("first render: %q", body)
	}
	// The template changes; the mtime may not (same second, coarse file
	// systems): the contents decide.
	writeFile(t, tmplFile, strings.Replace(previewTemplate, "version one", "version two", 1))
	if _, _, body := get(t, h, "GET", "/503.en.html"); !strings.Contains(body, "version two") {
		t.Errorf("after the template changed: %q", body)
	}
	// The policy changes: a locale is added.
	writeFile(t, policyFile, previewPolicy+"  fr: {title: Maintenance, heading: Bientôt, body: Patientez.}\n")
	if code, _, body := get(t, h, "GET", "/"); code != http.StatusOK || !strings.Contains(body, "503.fr.html") {
		t.Errorf("after a locale was added, the index (%d) does not list it:\n%s", code, body)
	}
	if code, _, body := get(t, h, "GET", "/503.fr.html"); code != http.StatusOK || !strings.Contains(body, "Bientôt") {
		t.Errorf("GET /503.fr.html = %d %q", code, body)
	}
	// Nothing changes: the same render is served.
	before := h.pages
	get(t, h, "GET", "/")
	if &before[0] != &h.pages[0] {
		t.Error("rendered again although no file changed")
	}
}

func TestPreviewShowsErrors(t *testing.T) {
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "policy.yaml")
	tmplFile := filepath.Join(dir, "page.tmpl")
	h := NewHandler(policyFile)

	// No policy file yet.
	code, _, body := get(t, h, "GET", "/")
	if code != http.StatusInternalServerError || !strings.Contains(body, "policy.yaml:1:1: cannot read policy: no such file or directory") {
		t.Errorf("without a policy file: %d\n%s", code, body)
	}

	// A policy with two errors: both are shown, escaped, on every path.
	writeFile(t, policyFile, strings.Replace(previewPolicy, "version: 1", "version: 1\nexempt: {ips: [\"10.0.0.1/8\"], paths: [\"<b>\"]}", 1))
	writeFile(t, tmplFile, previewTemplate)
	for _, target := range []string{"/", "/503.en.html"} {
		code, _, body := get(t, h, "GET", target)
		if code != http.StatusInternalServerError {
			t.Errorf("GET %s with a bad policy = %d, want 500", target, code)
		}
		for _, want := range []string{`policy.yaml:2:16: exempt.ips[0]: invalid CIDR "10.0.0.1/8"`, `exempt.paths[0]: "<b>"`} {
			if !strings.Contains(html.UnescapeString(body), want) {
				t.Errorf("GET %s does not show %q:\n%s", target, want, body)
			}
		}
		if strings.Contains(body, "<b>") {
			t.Errorf("GET %s shows the policy's text unescaped:\n%s", target, body)
		}
	}

	// Fixed policy, broken template: the template's error, at its line.
	writeFile(t, policyFile, previewPolicy)
	writeFile(t, tmplFile, "<!DOCTYPE html>\n<p>{{.Nope</p>\n")
	if code, _, body := get(t, h, "GET", "/"); code != http.StatusInternalServerError || !strings.Contains(body, "page.tmpl:2:") {
		t.Errorf("with a broken template: %d\n%s", code, body)
	}

	// Fixed template: the pages are back.
	writeFile(t, tmplFile, previewTemplate)
	if code, _, body := get(t, h, "GET", "/503.en.html"); code != http.StatusOK || !strings.Contains(body, "version one") {
		t.Errorf("after the fix: %d %q", code, body)
	}
}

func TestPreviewShowsPageProblems(t *testing.T) {
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "policy.yaml")
	writeFile(t, policyFile, previewPolicy)
	// No viewport, and a stylesheet to fetch.
	bad := strings.NewReplacer(`<meta name="viewport" content="width=device-width">`, `<link rel="stylesheet" href="/s.css">`).Replace(previewTemplate)
	writeFile(t, filepath.Join(dir, "page.tmpl"), bad)
	code, _, body := get(t, NewHandler(policyFile), "GET", "/")
	if code != http.StatusOK {
		t.Fatalf("GET / = %d", code)
	}
	for _, want := range []string{`0 <meta name="viewport"> elements, want exactly one`, `<link href="/s.css"> makes a request`} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("the index does not show %q:\n%s", want, body)
		}
	}
}
