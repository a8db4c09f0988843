package pagecheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/maintgen/maintgen/internal/interp"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// page is one committed HTML page of a golden case or of the example app.
type page struct {
	Case    string // the case's folder, relative to the repository root
	File    string // the page file, relative to the repository root
	Locale  policy.Locale
	Default bool // the default locale's second copy, S.html
	Builtin bool // made with the built-in template
	Refresh int64
	Status  int // the response status the page is served with
	Body    []byte
}

// want returns what the page must declare.
func (p page) want() Expect {
	return Expect{Lang: p.Locale.Tag, RTL: p.Locale.RTL, Title: p.Locale.Title, Heading: p.Locale.Heading, Refresh: p.Refresh}
}

const repoRoot = "../.."

// goldenPages returns every committed HTML page of the golden cases whose
// policy is valid, and of the example app, in a fixed order: case by case
// (sorted), each locale in policy order, then the default locale's copy.
// TestGolden (internal/cli) keeps these files equal to what generate
// writes.
func goldenPages(t *testing.T) []page {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot, "golden"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, "golden/"+e.Name())
		}
	}
	dirs = append(dirs, "examples/app")
	var pages []page
	for _, dir := range dirs {
		src, err := os.ReadFile(filepath.Join(repoRoot, dir, "policy.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(repoRoot, dir, "stderr.txt")); err == nil {
			continue // a case of errors: it has no pages
		}
		p, err := policy.Parse("policy.yaml", src)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		pagesDir := filepath.Join(dir, filepath.FromSlash(p.Output.Pages))
		add := func(l policy.Locale, name string, def bool) {
			file := filepath.ToSlash(filepath.Join(pagesDir, name))
			body, err := os.ReadFile(filepath.Join(repoRoot, file))
			if err != nil {
				t.Fatalf("%v (run make golden generate)", err)
			}
			pages = append(pages, page{
				Case: dir, File: file, Locale: l, Default: def,
				Builtin: p.Response.Template == "", Refresh: p.Response.Refresh, Status: p.Response.Status, Body: body,
			})
		}
		for _, l := range p.Locales {
			add(l, render.FileName(p.Response.Status, l.Tag, render.HTML), false)
		}
		for _, l := range p.Locales {
			if l.Tag == p.DefaultLocale {
				add(l, render.FileName(p.Response.Status, "", render.HTML), true)
			}
		}
		if dir == "golden/operations" {
			pages = append(pages, livePages(t, p, pagesDir)...)
		}
	}
	if len(pages) == 0 {
		t.Fatal("no golden page found")
	}
	return pages
}

// TestGoldenPages runs Problems on every golden page, holds the built-in
// template's pages to MaxSize, and logs each page's size and contrast
// ratios.
func TestGoldenPages(t *testing.T) {
	var builtin, refresh int
	for _, pg := range goldenPages(t) {
		t.Run(pg.File, func(t *testing.T) {
			for _, p := range Problems(pg.Body, pg.want()) {
				t.Error(p)
			}
			if pg.Builtin {
				builtin++
				if len(pg.Body) > MaxSize {
					t.Errorf("%d bytes, over the %d-byte budget of a built-in page", len(pg.Body), MaxSize)
				}
			}
			if pg.Refresh > 0 {
				refresh++
			}
			var ratios []string
			for _, s := range []Scheme{Light, Dark} {
				texts, err := TextColors(pg.Body, s)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range texts {
					ratios = append(ratios, fmt.Sprintf("%s %s %s/%s %.2f", s, x.Element, x.FG, x.BG, x.Ratio()))
				}
			}
			t.Logf("%d bytes; contrast: %s", len(pg.Body), strings.Join(ratios, ", "))
		})
	}
	if builtin == 0 || refresh == 0 {
		t.Errorf("%d pages with the built-in template, %d with response.refresh: want some of each", builtin, refresh)
	}
}

// htmlValidateDir holds the pinned html-validate (package.json and
// package-lock.json) and its configuration.
const htmlValidateDir = repoRoot + "/tools/html-validate"

// htmlValidate returns the path of html-validate's command, installing it
// with npm ci when node_modules is missing. Without CI set, a machine
// without node or npm skips the test.
func htmlValidate(t *testing.T) string {
	t.Helper()
	bin, err := filepath.Abs(filepath.Join(htmlValidateDir, "node_modules", ".bin", "html-validate"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing(t, "node (Node.js) is not installed; html-validate needs it (apt-get install nodejs npm)")
	}
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if _, err := exec.LookPath("npm"); err != nil {
		missing(t, "npm is not installed, and tools/html-validate/node_modules is missing (apt-get install npm; cd tools/html-validate && npm ci)")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = htmlValidateDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in tools/html-validate: %v\n%s", err, out)
	}
	return bin
}

// missing fails the test under CI and skips it otherwise.
func missing(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; under CI every test must run (.ci/run installs it)", why)
	}
	t.Skipf("skipped: %s; CI is unset, so the test is skipped", why)
}

// hvResult is one file of html-validate's JSON report.
type hvResult struct {
	FilePath string `json:"filePath"`
	Messages []struct {
		RuleID   string `json:"ruleId"`
		Severity int    `json:"severity"`
		Message  string `json:"message"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
	} `json:"messages"`
}

// TestHTMLValidate runs html-validate, with its recommended rules (see
// tools/html-validate/.htmlvalidate.json), on every golden page. Two
// reports are dropped, both for markup that is valid HTML: a raw ">" in
// text, which the minifier writes for "&gt;", and meta-refresh on the
// pages of a policy that sets response.refresh, which asks for exactly
// that reload.
func TestHTMLValidate(t *testing.T) {
	bin := htmlValidate(t)
	pages := goldenPages(t)
	// A canary: a page with a mistake html-validate must report.
	canary := filepath.Join(t.TempDir(), "canary.html")
	bad := bytes.Replace(pages[0].Body, []byte("<h1>"), []byte(`<h1 id="a" id="b">`), 1)
	if err := os.WriteFile(canary, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{canary}
	byFile := map[string]page{canary: {File: "canary.html"}}
	for _, pg := range pages {
		abs, err := filepath.Abs(filepath.Join(repoRoot, pg.File))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, abs)
		byFile[abs] = pg
	}
	config, err := filepath.Abs(filepath.Join(htmlValidateDir, ".htmlvalidate.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--config", config, "--formatter", "json"}, files...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) { // exit status 1 means errors were reported
		t.Fatalf("html-validate: %v\n%s", err, stderr.String())
	}
	var results []hvResult
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("html-validate's report: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	seen := map[string]bool{}
	for _, r := range results {
		pg, ok := byFile[r.FilePath]
		if !ok {
			t.Errorf("html-validate reports on %s, which it was not given", r.FilePath)
			continue
		}
		seen[r.FilePath] = true
		if r.FilePath == canary {
			continue
		}
		for _, m := range r.Messages {
			switch {
			case m.RuleID == "no-raw-characters" && strings.HasPrefix(m.Message, `Raw ">"`):
				continue
			case m.RuleID == "meta-refresh" && pg.Refresh > 0:
				continue
			}
			t.Errorf("%s:%d:%d: %s (%s)", pg.File, m.Line, m.Column, m.Message, m.RuleID)
		}
	}
	// html-validate lists only the files it has messages for: the canary
	// shows that it ran and reported.
	if !seen[canary] {
		t.Errorf("html-validate did not report the canary page %s, which has a duplicate attribute", canary)
	}
	t.Logf("html-validate checked %d pages", len(pages))
}

// livePages returns p's pages as the guard serves them while the operator
// has set a reason and an end (maintgen on -for -reason): the reason, a
// long one with an unbroken word, and the end fill the slot of each
// locale's page, as interp.Live says. They are not files: File names them
// LOCALE.live.html beside the static pages.
func livePages(t *testing.T, p *policy.Policy, pagesDir string) []page {
	t.Helper()
	rendered, err := render.Pages(p, render.DefaultTemplate(), "", policy.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	req := interp.Request{Method: "GET", Path: "/", On: true, Now: now, Until: now.Add(90 * time.Minute),
		Reason: "Upgrading the database to PostgreSQL 18: " + strings.Repeat("Datenbankmigrationsfortschritt", 4) + " & more."}
	var out []page
	for _, pg := range rendered {
		if pg.Format != render.HTML || pg.Slot < 0 {
			continue
		}
		l := p.Locales[slices.IndexFunc(p.Locales, func(l policy.Locale) bool { return l.Tag == pg.Locale })]
		d := interp.Decision{Step: interp.StepMaintenance, Rule: -1, Status: p.Response.Status, Format: policy.FormatHTML, Locale: l.Tag}
		body := slices.Concat(pg.Body[:pg.Slot], []byte(interp.Live(p, d, req)), pg.Body[pg.Slot:])
		out = append(out, page{
			Case: "golden/operations", File: filepath.ToSlash(filepath.Join(pagesDir, l.Tag+".live.html")), Locale: l,
			Builtin: true, Refresh: p.Response.Refresh, Status: p.Response.Status, Body: body,
		})
	}
	if len(out) == 0 {
		t.Fatal("no live page: the built-in template lost its slot")
	}
	return out
}
