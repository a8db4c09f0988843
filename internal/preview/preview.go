// Package preview is the web server of maintgen preview: it shows the
// pages a policy file generates to whoever edits the policy or its page
// template, and renders them again whenever either file changes.
//
// GET / is an index of every page (each locale's HTML page and JSON
// document, with its size and the problems pagecheck finds), and GET /NAME
// serves the page NAME as maintgen generate would write it. The index is
// rendered from the embedded template preview.html.tmpl.
package preview

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/maintgen/maintgen/internal/build"
	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/internal/pagecheck"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
	"github.com/maintgen/maintgen/internal/review"
)

//go:embed preview.html.tmpl
var templateFS embed.FS

// templates holds the index and error pages: "index" and "errors".
var templates = template.Must(template.ParseFS(templateFS, "preview.html.tmpl"))

// Serve serves the pages of policyFile on ln until the server fails, and
// returns that error (never nil).
func Serve(ln net.Listener, policyFile string) error {
	srv := &http.Server{Handler: NewHandler(policyFile), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// Handler serves the pages of a policy file. Before each request it reads
// the policy file and the template file again, and renders again when
// either changed. While the policy has errors, every request gets them
// instead, with status 500.
type Handler struct {
	policyFile string

	mu     sync.Mutex
	inputs map[string]input // what the last render read, by file name
	p      *policy.Policy   // the last render's policy, nil when it failed
	pages  build.Files      // its pages, in build.Outputs' order
	err    error            // its error
}

// NewHandler returns a Handler for the policy file policyFile, a path in
// the operating system's form. It reads nothing until the first request.
func NewHandler(policyFile string) *Handler {
	return &Handler{policyFile: policyFile}
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

// readInput reads a file for a render.
func readInput(name string) input {
	b, err := os.ReadFile(name)
	return input{data: b, err: err}
}

// current renders the pages again when a file the last render read has
// changed, and returns the render.
func (h *Handler) current() (*policy.Policy, build.Files, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	changed := h.inputs == nil
	for name, in := range h.inputs {
		if !readInput(name).same(in) {
			changed = true
			break
		}
	}
	if !changed {
		return h.p, h.pages, h.err
	}

	h.inputs = map[string]input{}
	h.p, h.pages = nil, nil
	in := readInput(h.policyFile)
	h.inputs[h.policyFile] = in
	if in.err != nil {
		h.err = build.ReadError(filepath.ToSlash(h.policyFile), in.err) // as generate reports it
		return nil, nil, h.err
	}
	dir := filepath.Dir(h.policyFile)
	read := func(name string) ([]byte, error) {
		file := filepath.Join(dir, filepath.FromSlash(name))
		in := readInput(file)
		h.inputs[file] = in
		return in.data, in.err
	}
	// policy.Parse refuses files over policy.MaxSize.
	p, files, err := build.Outputs(filepath.ToSlash(h.policyFile), in.data, read, gen.Options{})
	if err != nil {
		h.err = err
		return nil, nil, err
	}
	h.p, h.pages, h.err = p, files.Of(build.HTMLPage, build.JSONPage), nil
	return h.p, h.pages, nil
}

// ServeHTTP serves the index at /, or a page, or the policy's errors.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // a reload shows the latest render
	p, pages, err := h.current()
	if err != nil {
		h.write(w, http.StatusInternalServerError, "errors", errorMessages(err))
		return
	}
	if r.URL.Path == "/" {
		h.write(w, http.StatusOK, "index", h.index(p, pages))
		return
	}
	name := r.URL.Path[1:]
	for _, f := range pages {
		if path.Base(f.Path) != name {
			continue
		}
		if f.Kind == build.JSONPage {
			w.Header().Set("Content-Type", "application/problem+json")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Header().Set("Content-Language", f.Locale)
		w.Write(f.Data)
		return
	}
	http.Error(w, "no page "+name+" in this policy; the index is at /", http.StatusNotFound)
}

// errorMessages returns err's messages, one FILE:LINE:COL: message each.
func errorMessages(err error) []string {
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

// indexPage is one row of the index.
type indexPage struct {
	Locale, Dir     string
	Default         bool
	HTML, JSON      string // file names
	HTMLSize        int
	JSONSize        int
	OverBudget      bool // a built-in page over pagecheck.MaxSize
	Problems        []string
	DefaultHTMLName string // S.html, for the default locale
}

// indexData is the data of the index template.
type indexData struct {
	PolicyFile string
	Template   string // "" for the built-in one
	Status     int
	Refresh    int64
	MaxSize    int
	Pages      []indexPage
}

// index builds the index of a successful render.
func (h *Handler) index(p *policy.Policy, pages build.Files) indexData {
	data := map[string][]byte{}
	for _, f := range pages {
		data[path.Base(f.Path)] = f.Data
	}
	ix := indexData{
		PolicyFile: h.policyFile, Template: p.Response.Template, Status: p.Response.Status,
		Refresh: p.Response.Refresh, MaxSize: pagecheck.MaxSize,
	}
	for _, l := range p.Locales {
		pg := indexPage{
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
		pg.Problems = pagecheck.Problems(html, review.PageExpect(p, l))
		ix.Pages = append(ix.Pages, pg)
	}
	return ix
}

// write executes the template name ("index" or "errors") with data.
func (h *Handler) write(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, struct {
		PolicyFile string
		Data       any
	}{h.policyFile, data}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
