package cli

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

// File is one generated output.
type File struct {
	Path string // slash-separated, relative to the policy file's directory
	Data []byte
}

// ReadFunc reads a file named by a slash-separated path relative to the
// policy file's directory. Outputs uses it for the page template only.
type ReadFunc func(name string) ([]byte, error)

// Outputs compiles the policy file name, whose contents are src, into every
// output: the Go file, then the pages in policy order (for each locale its
// HTML and JSON page, with the default locale's pages also under the
// status alone), then the optional nginx snippet (server{} part, then
// http{} part) and HAProxy errorfile. It writes nothing. The error, when not nil, is usually a
// policy.ErrorList.
//
// The Go file's header leaves the maintgen version out, as goldens do;
// the commands name it (Version).
func Outputs(name string, src []byte, read ReadFunc) (*policy.Policy, []File, error) {
	return outputs(name, src, read, gen.Options{})
}

func outputs(name string, src []byte, read ReadFunc, opts gen.Options) (*policy.Policy, []File, error) {
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
	files := []File{{Path: p.Output.Go, Data: src}}
	for _, pg := range pages {
		files = append(files, File{Path: path.Join(p.Output.Pages, render.FileName(p.Response.Status, pg.Locale, pg.Format)), Data: pg.Body})
	}
	for _, pg := range pages {
		if pg.Locale == p.DefaultLocale {
			files = append(files, File{Path: path.Join(p.Output.Pages, render.FileName(p.Response.Status, "", pg.Format)), Data: pg.Body})
		}
	}
	proxyFiles, err := proxyOutputs(p, pages)
	if err != nil {
		return nil, nil, err
	}
	return p, append(files, proxyFiles...), nil
}

// proxyOutputs returns the optional proxy configurations: the nginx
// snippet's server{} and http{} parts, then the HAProxy errorfile.
func proxyOutputs(p *policy.Policy, pages []render.Page) ([]File, error) {
	var files []File
	if p.Output.Nginx != "" {
		server, http, err := proxyconf.Nginx(p)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: p.Output.Nginx, Data: server}, File{Path: p.Output.NginxHTTP, Data: http})
	}
	if p.Output.HAProxy != "" {
		i := slices.IndexFunc(pages, func(pg render.Page) bool { return pg.Locale == p.DefaultLocale && pg.Format == render.HTML })
		data, err := proxyconf.HAProxy(p, pages[i].Body)
		if err != nil {
			var errs policy.ErrorList
			errs.Add(p.Doc.Output.HAProxy.Pos, "output.haproxy: %v", err)
			return nil, errs.Err()
		}
		files = append(files, File{Path: p.Output.HAProxy, Data: data})
	}
	return files, nil
}
