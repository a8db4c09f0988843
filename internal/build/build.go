// Package build is maintgen's pure pipeline: it turns the bytes of a
// policy file into every file maintgen generates, in memory. Its stages,
// each in its own package:
//
//  1. decode: policy.Decode reads the YAML strictly into the syntax tree,
//     every value with its position;
//  2. validate: policy.Compile checks it, gathering every error, and builds
//     the model, policy.Policy (policy.Parse does both);
//  3. render pages: render.Pages fills the page template, one HTML page and
//     one JSON document per locale;
//  4. generate Go: gen.Source compiles the policy's tables and prints the
//     middleware;
//  5. proxy configs: proxyconf.Nginx, proxyconf.HAProxy,
//     proxyconf.Caddy and proxyconf.Worker, when the policy asks for them.
//
// Outputs runs them all. It reads nothing but what its ReadFunc hands it,
// and writes nothing: the cli package reads the policy file and writes the
// outputs, each File saying what it is (Kind).
package build

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/proxyconf"
	"github.com/maintgen/maintgen/internal/render"
)

// Kind says what a generated file is.
type Kind int

// The kinds of generated files, in the order Outputs returns them.
const (
	GoSource         Kind = iota + 1 // the Go file: the middleware (output.go)
	HTMLPage                         // a locale's HTML page, or the default locale's under the status alone
	JSONPage                         // a locale's JSON document (problem details), or the default locale's
	NginxServer                      // the nginx snippet's server{} part (output.nginx)
	NginxHTTP                        // the nginx snippet's http{} part (output.nginx_http)
	HAProxyErrorfile                 // the HAProxy errorfile (output.haproxy)
	CaddySnippet                     // the Caddyfile snippet (output.caddy)
	WorkerModule                     // the Cloudflare Worker module (output.worker)
)

var kindNames = [...]string{
	GoSource:         "Go source",
	HTMLPage:         "HTML page",
	JSONPage:         "JSON page",
	NginxServer:      "nginx server{} part",
	NginxHTTP:        "nginx http{} part",
	HAProxyErrorfile: "HAProxy errorfile",
	CaddySnippet:     "Caddyfile snippet",
	WorkerModule:     "Cloudflare Worker module",
}

// String returns the kind's name, such as "HTML page".
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// File is one generated output.
type File struct {
	Path   string // slash-separated, relative to the policy file's directory
	Kind   Kind
	Locale string // a page's locale (BCP 47 tag); "" for the other kinds
	Data   []byte
	Slot   int // an HTML page's offset where the guard puts the reason and end (render.Page.Slot); -1 for none
}

// Files are the outputs of a policy, in the order Outputs returns them.
type Files []File

// Of returns the files of the given kinds, in their order in files.
func (files Files) Of(kinds ...Kind) Files {
	var out Files
	for _, f := range files {
		if slices.Contains(kinds, f.Kind) {
			out = append(out, f)
		}
	}
	return out
}

// Go returns the Go file, which every policy that compiles has exactly
// one of; the zero File when files has none.
func (files Files) Go() File {
	if i := slices.IndexFunc(files, func(f File) bool { return f.Kind == GoSource }); i >= 0 {
		return files[i]
	}
	return File{}
}

// ReadFunc reads a file named by a slash-separated path relative to the
// policy file's directory. Outputs uses it for the page template only.
type ReadFunc func(name string) ([]byte, error)

// Outputs compiles the policy file name, whose contents are src, into every
// output: the Go file, then the pages in policy order (for each locale its
// HTML and JSON page, with the default locale's pages also under the
// status alone), then the optional nginx snippet (server{} part, then
// http{} part), HAProxy errorfile, Caddyfile snippet and Cloudflare
// Worker module. It writes
// nothing. The error, when
// not nil, is usually a policy.ErrorList.
//
// opts.Version is the maintgen version the Go file's header names: the
// commands set it (cli.Version), goldens leave it out.
func Outputs(name string, src []byte, read ReadFunc, opts gen.Options) (*policy.Policy, Files, error) {
	p, err := policy.Parse(name, src)
	if err != nil {
		return nil, nil, err
	}
	tmpl := render.DefaultTemplate()
	tmplFile := ""
	if p.Response.Template != "" {
		tmplFile = path.Join(path.Dir(name), p.Response.Template)
		b, err := read(p.Response.Template)
		if err != nil {
			var errs policy.ErrorList
			if errors.Is(err, fs.ErrNotExist) {
				errs.Add(p.Response.TemplatePos, "response.template: %s does not exist", tmplFile)
			} else {
				errs.Add(p.Response.TemplatePos, "response.template: %v", err)
			}
			return nil, nil, errs.Err()
		}
		if tmpl, err = render.ParseTemplate(tmplFile, p.Response.TemplatePos, string(b)); err != nil {
			return nil, nil, err
		}
	}
	pages, err := render.Pages(p, tmpl, tmplFile, p.Response.TemplatePos)
	if err != nil {
		return nil, nil, err
	}
	src, err = gen.Source(p, pages, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("generate %s: %w", p.Output.Go, err)
	}
	files := Files{{Path: p.Output.Go, Kind: GoSource, Data: src}}
	for _, pg := range pages {
		files = append(files, pageFile(p, pg, pg.Locale))
	}
	for _, pg := range pages {
		if pg.Locale == p.DefaultLocale {
			files = append(files, pageFile(p, pg, ""))
		}
	}
	proxyFiles, err := proxyOutputs(p, pages)
	if err != nil {
		return nil, nil, err
	}
	return p, append(files, proxyFiles...), nil
}

// pageFile returns the file of page pg, named for locale (for the default
// locale's copy under the status alone, "").
func pageFile(p *policy.Policy, pg render.Page, locale string) File {
	kind := HTMLPage
	if pg.Format == render.JSON {
		kind = JSONPage
	}
	return File{
		Path:   path.Join(p.Output.Pages, render.FileName(p.Response.Status, locale, pg.Format)),
		Kind:   kind,
		Locale: pg.Locale,
		Data:   pg.Body,
		Slot:   pg.Slot,
	}
}

// proxyOutputs returns the optional proxy configurations: the nginx
// snippet's server{} and http{} parts, then the HAProxy errorfile, then
// the Caddyfile snippet, then the Worker module.
func proxyOutputs(p *policy.Policy, pages []render.Page) (Files, error) {
	var files Files
	if p.Output.Nginx != "" {
		server, http, err := proxyconf.Nginx(p)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: p.Output.Nginx, Kind: NginxServer, Data: server}, File{Path: p.Output.NginxHTTP, Kind: NginxHTTP, Data: http})
	}
	var t *gen.Tables
	if p.Output.HAProxy != "" || p.Output.Caddy != "" || p.Output.Worker != "" {
		var err error
		if t, err = gen.Compile(p, pages); err != nil {
			return nil, err
		}
	}
	if p.Output.HAProxy != "" {
		data, err := proxyconf.HAProxy(t)
		if err != nil {
			var errs policy.ErrorList
			errs.Add(p.Syntax.Output.HAProxy.Pos, "output.haproxy: %v", err)
			return nil, errs.Err()
		}
		files = append(files, File{Path: p.Output.HAProxy, Kind: HAProxyErrorfile, Data: data})
	}
	if p.Output.Caddy != "" {
		data, err := proxyconf.Caddy(p, t)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: p.Output.Caddy, Kind: CaddySnippet, Data: data})
	}
	if p.Output.Worker != "" {
		data, err := proxyconf.Worker(p, t)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: p.Output.Worker, Kind: WorkerModule, Data: data})
	}
	return files, nil
}

// ReadError is the error of a policy file name (slash-separated) that
// cannot be read, as the commands report it: a policy.ErrorList at
// name:1:1, so that it prints like every policy error, with the path left
// out of err (the position names the file).
func ReadError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var list policy.ErrorList
	list.Add(policy.Pos{File: name, Line: 1, Col: 1}, "cannot read policy: %v", err)
	return list
}
