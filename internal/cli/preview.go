package cli

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/maintgen/maintgen/internal/pagecheck"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

func (c *command) preview(args []string) int {
	fs := c.flags("preview", "[-policy FILE] [-addr HOST:PORT]")
	policyFile := fs.String("policy", "policy.yaml", "the policy `file`")
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `host:port`; the default serves this machine only")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(c.stderr, "maintgen preview: %v\n", err)
		return ExitPolicy
	}
	fmt.Fprintf(c.stdout, "maintgen preview: the pages of %s on http://%s/ (Ctrl-C stops)\n", *policyFile, ln.Addr())
	srv := &http.Server{Handler: newPreview(*policyFile), ReadHeaderTimeout: 10 * time.Second}
	err = srv.Serve(ln)
	fmt.Fprintf(c.stderr, "maintgen preview: %v\n", err)
	return ExitPolicy
}

// preview is the handler of maintgen preview. GET / is an index of every
// page the policy file generates (each locale's HTML page and JSON
// document, with its size and the problems pagecheck finds), and GET /NAME
// serves the page NAME as generate would write it. Before each request it
// reads the policy file and the template file again, and renders again when
// either changed. While the policy has errors, every request gets them
// instead, with status 500.
type preview struct {
	policyFile string

	mu     sync.Mutex
	inputs map[string]input // what the last render read, by file name
	p      *policy.Policy   // the last render's policy, nil when it failed
	pages  []File           // its pages, in Outputs' order
	err    error            // its error
}

// input is the contents of a file a render read, or the error reading it.
type input struct {
	data []byte
	err  error
}

// same reports whether two reads of a file found the same.
func (in input) same(other input) bool {
	if (in.err == nil) != (other.err == nil) {
		return false
	}
	return in.err == nil && bytes.Equal(in.data, other.data) || in.err != nil && in.err.Error() == other.err.Error()
}

func newPreview(policyFile string) *preview {
	return &preview{policyFile: policyFile}
}

// readInput reads a file for a render.
func readInput(name string) input {
	b, err := os.ReadFile(name)
	return input{data: b, err: err}
}

// current renders the pages again when a file the last render read has
// changed, and returns the render.
func (pv *preview) current() (*policy.Policy, []File, error) {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	changed := pv.inputs == nil
	for name, in := range pv.inputs {
		if !readInput(name).same(in) {
			changed = true
			break
		}
	}
	if !changed {
		return pv.p, pv.pages, pv.err
	}

	pv.inputs = map[string]input{}
	pv.p, pv.pages = nil, nil
	in := readInput(pv.policyFile)
	pv.inputs[pv.policyFile] = in
	if in.err != nil {
		// As generate reports it.
		var list policy.ErrorList
		list.Add(policy.Pos{File: filepath.ToSlash(pv.policyFile), Line: 1, Col: 1}, "cannot read policy: %v", unwrapPath(in.err))
		pv.err = list
		return nil, nil, pv.err
	}
	dir := filepath.Dir(pv.policyFile)
	read := func(name string) ([]byte, error) {
		file := filepath.Join(dir, filepath.FromSlash(name))
		in := readInput(file)
		pv.inputs[file] = in
		return in.data, in.err
	}
	p, files, err := Outputs(filepath.ToSlash(pv.policyFile), in.data, read) // policy.Parse refuses files over policy.MaxSize
	if err != nil {
		pv.err = err
		return nil, nil, err
	}
	pv.p, pv.err = p, nil
	for _, f := range files {
		if path.Dir(f.Path) == p.Output.Pages {
			pv.pages = append(pv.pages, f)
		}
	}
	return pv.p, pv.pages, nil
}

func (pv *preview) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // a reload shows the latest render
	p, pages, err := pv.current()
	if err != nil {
		pv.write(w, http.StatusInternalServerError, "errors", previewErrors(err))
		return
	}
	if r.URL.Path == "/" {
		pv.write(w, http.StatusOK, "index", pv.index(p, pages))
		return
	}
	name := r.URL.Path[1:]
	for _, f := range pages {
		if path.Base(f.Path) != name {
			continue
		}
		if path.Ext(name) == ".json" {
			w.Header().Set("Content-Type", "application/problem+json")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		if l := pageLocale(p, name); l != "" {
			w.Header().Set("Content-Language", l)
		}
		w.Write(f.Data)
		return
	}
	http.Error(w, "no page "+name+" in this policy; the index is at /", http.StatusNotFound)
}

// pageLocale returns the locale of the page file name.
func pageLocale(p *policy.Policy, name string) string {
	for _, l := range p.Locales {
		for _, f := range []render.Format{render.HTML, render.JSON} {
			if name == render.FileName(p.Response.Status, l.Tag, f) {
				return l.Tag
			}
		}
	}
	return p.DefaultLocale
}

// previewErrors returns err's messages, one FILE:LINE:COL: message each.
func previewErrors(err error) []string {
	var list policy.ErrorList
	if errors.As(err, &list) {
		var msgs []string
		for _, e := range list {
			msgs = append(msgs, e.Error())
		}
		return msgs
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return []string{pe.Error()}
	}
	return []string{err.Error()}
}

// previewPage is one row of the index.
type previewPage struct {
	Locale, Dir     string
	Default         bool
	HTML, JSON      string // file names
	HTMLSize        int
	JSONSize        int
	OverBudget      bool // a built-in page over pagecheck.MaxSize
	Problems        []string
	DefaultHTMLName string // S.html, for the default locale
}

type previewIndex struct {
	PolicyFile string
	Template   string // "" for the built-in one
	Status     int
	Refresh    int64
	MaxSize    int
	Pages      []previewPage
}

// index builds the index of a successful render.
func (pv *preview) index(p *policy.Policy, pages []File) previewIndex {
	data := map[string][]byte{}
	for _, f := range pages {
		data[path.Base(f.Path)] = f.Data
	}
	ix := previewIndex{
		PolicyFile: pv.policyFile, Template: p.Response.Template, Status: p.Response.Status,
		Refresh: p.Response.Refresh, MaxSize: pagecheck.MaxSize,
	}
	for _, l := range p.Locales {
		pg := previewPage{
			Locale: l.Tag, Dir: "ltr", Default: l.Tag == p.DefaultLocale,
			HTML: render.FileName(p.Response.Status, l.Tag, render.HTML),
			JSON: render.FileName(p.Response.Status, l.Tag, render.JSON),
		}
		if l.RTL {
			pg.Dir = "rtl"
		}
		if pg.Default {
			pg.DefaultHTMLName = render.FileName(p.Response.Status, "", render.HTML)
		}
		html := data[pg.HTML]
		pg.HTMLSize, pg.JSONSize = len(html), len(data[pg.JSON])
		pg.OverBudget = p.Response.Template == "" && len(html) > pagecheck.MaxSize
		pg.Problems = pagecheck.Problems(html, pagecheck.Expect{
			Lang: l.Tag, RTL: l.RTL, Title: l.Title, Heading: l.Heading, Refresh: p.Response.Refresh,
		})
		ix.Pages = append(ix.Pages, pg)
	}
	return ix
}

// write executes one of previewTemplates' templates.
func (pv *preview) write(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := previewTemplates.ExecuteTemplate(&b, name, struct {
		PolicyFile string
		Data       any
	}{pv.policyFile, data}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

var previewTemplates = template.Must(template.New("").Parse(`
{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>maintgen preview: {{.PolicyFile}}</title>
<style>
:root { color-scheme: light dark; font: 15px/1.5 system-ui, sans-serif; }
body { margin: 1.5rem; }
table { border-collapse: collapse; }
th, td { padding: .3rem .8rem; text-align: start; vertical-align: top; border-bottom: 1px solid #8884; }
.err { color: #b00020; }
@media (prefers-color-scheme: dark) { .err { color: #ff8a80; } }
.frames { display: flex; flex-wrap: wrap; gap: 1rem; margin-top: 1.5rem; }
figure { margin: 0; }
iframe { width: 400px; height: 300px; border: 1px solid #8888; }
code, pre { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
{{end}}

{{define "errors"}}{{template "head" .}}
<h1>{{.PolicyFile}} has errors</h1>
<pre class="err">{{range .Data}}{{.}}
{{end}}</pre>
<p>Fix the policy or the template and reload this page.</p>
</body>
</html>
{{end}}

{{define "index"}}{{template "head" .}}{{with .Data}}
<h1>The pages of {{.PolicyFile}}</h1>
<p>Status {{.Status}}; template: {{if .Template}}<code>{{.Template}}</code>{{else}}built-in{{end}}{{if .Refresh}}; reloads every {{.Refresh}} s{{end}}.
Edit the policy or the template, then reload: the pages are rendered again.</p>
<table>
<thead><tr><th>locale</th><th>dir</th><th>HTML</th><th>JSON</th><th>checks</th></tr></thead>
<tbody>
{{range .Pages}}<tr>
<td>{{.Locale}}{{if .Default}} (default){{end}}</td>
<td>{{.Dir}}</td>
<td><a href="/{{.HTML}}">{{.HTML}}</a> {{.HTMLSize}} bytes{{if .OverBudget}} <span class="err">over the {{$.Data.MaxSize}}-byte budget</span>{{end}}{{if .DefaultHTMLName}}<br>also <a href="/{{.DefaultHTMLName}}">{{.DefaultHTMLName}}</a>{{end}}</td>
<td><a href="/{{.JSON}}">{{.JSON}}</a> {{.JSONSize}} bytes</td>
<td>{{if .Problems}}<ul class="err">{{range .Problems}}<li>{{.}}</li>{{end}}</ul>{{else}}all pass{{end}}</td>
</tr>
{{end}}</tbody>
</table>
<div class="frames">
{{range .Pages}}<figure><iframe src="/{{.HTML}}" title="{{.Locale}} page" loading="lazy"></iframe><figcaption>{{.Locale}}</figcaption></figure>
{{end}}</div>
{{end}}</body>
</html>
{{end}}
`))
