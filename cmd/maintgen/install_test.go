package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/docs"
)

// recipeSubst are the words of the recipes that stand for something on
// the user's machine, and what the tests put in their place: the checkout
// of maintgen next to the app, in the replace recipe.
var recipeSubst = map[string]func(checkout string) string{
	"../maintgen": func(checkout string) string { return filepath.ToSlash(checkout) },
}

// recipe returns the README's block marked name, with its substitutions
// made.
func recipe(t *testing.T, name, checkout string) string {
	t.Helper()
	d, err := docs.Read(checkout, "README.md")
	if err != nil {
		t.Fatal(err)
	}
	b, ok := d.Marked(name)
	if !ok {
		t.Fatalf("README.md has no block marked <!-- docs: %s -->", name)
	}
	if b.Lang != "sh" {
		t.Fatalf("README.md:%d: the %s block is %q, want sh", b.Line, name, b.Lang)
	}
	text := b.Text
	for word, with := range recipeSubst {
		text = strings.ReplaceAll(text, word, with(checkout))
	}
	return text
}

// goCommand runs the go command (or, with sh, a shell script) in a
// directory with a fixed environment.
type goCommand struct {
	t   *testing.T
	env []string
}

// run runs name with args in dir and returns its combined output and
// error.
func (g goCommand) run(dir, name string, args ...string) (string, error) {
	g.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = g.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// must runs name with args in dir and fails the test on an error.
func (g goCommand) must(dir, name string, args ...string) string {
	g.t.Helper()
	out, err := g.run(dir, name, args...)
	if err != nil {
		g.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// script runs a recipe with sh -e in dir.
func (g goCommand) script(dir, text string) string {
	g.t.Helper()
	out, err := g.run(dir, "sh", "-e", "-c", text)
	if err != nil {
		g.t.Fatalf("the recipe failed: %v\n%s\n-- output:\n%s", err, text, out)
	}
	return out
}

// checkoutAndDeps returns the checkout's directory, after downloading
// maintgen's dependencies into the module cache (from the module proxy of
// the environment), once per test binary. It skips the test under -short
// or without the go command.
func checkoutAndDeps(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds throwaway modules with the go command (-short)")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	checkout, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	downloadOnce.Do(func() {
		cmd := exec.Command("go", "mod", "download")
		cmd.Dir = checkout
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			downloadErr = string(out) + err.Error()
		}
	})
	if downloadErr != "" {
		t.Fatalf("go mod download: %s", downloadErr)
	}
	return checkout
}

var (
	downloadOnce sync.Once
	downloadErr  string
)

// proxyVersionPrefix begins the version of maintgen in the module proxy
// TestInstall makes of the checkout (writeProxy).
const proxyVersionPrefix = "v0.0.0-test.h"

// TestInstall runs the README's recipes that fetch maintgen by its module
// path, as users with a module proxy do: go get -tool, then init and
// validate (install-tool), and go install ...@latest (install-binary);
// and go install ./cmd/maintgen in the checkout (install-binary-checkout).
// The replace recipe for a checkout or fork is TestGoTool's.
//
// No module proxy holds this checkout, so the test makes one: a file://
// GOPROXY holding the checkout as module version v0.0.0-test.hDIGEST
// (writeProxy), followed by the module cache's own download directory for
// the dependencies. It uses a module cache of its own (installModCache),
// so that this version never lands in the shared one.
func TestInstall(t *testing.T) {
	checkout := checkoutAndDeps(t)
	proxy := t.TempDir()
	proxyVersion := writeProxy(t, proxy, checkout)
	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	gobin := t.TempDir()
	g := goCommand{t: t, env: append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+",file://"+filepath.ToSlash(filepath.Join(strings.TrimSpace(string(cache)), "cache", "download")),
		"GOSUMDB=off", // the checksum database knows no v0.0.0-test.h...
		"GOMODCACHE="+installModCache(t, checkout),
		"GOFLAGS=-modcacherw",
		"GOBIN="+gobin,
		"GOWORK=off", "GOTOOLCHAIN=local",
	)}

	t.Run("tool", func(t *testing.T) {
		g.t = t
		app := t.TempDir()
		g.must(app, "go", "mod", "init", "example.com/app")
		g.script(app, recipe(t, docs.RecipeTool, checkout))
		if out := g.must(app, "go", "tool", "maintgen", "version"); out != "maintgen "+proxyVersion+"\n" {
			t.Errorf("go tool maintgen version: %q, want maintgen %s", out, proxyVersion)
		}
		if _, err := os.Stat(filepath.Join(app, "policy.yaml")); err != nil {
			t.Errorf("the recipe's init wrote no policy: %v", err)
		}
		g.must(app, "go", "tool", "maintgen", "validate", "-strict")
	})
	t.Run("binary", func(t *testing.T) {
		g.t = t
		g.script(t.TempDir(), recipe(t, docs.RecipeBinary, checkout))
		if out := g.must(t.TempDir(), filepath.Join(gobin, "maintgen"), "version"); out != "maintgen "+proxyVersion+"\n" {
			t.Errorf("maintgen version: %q, want maintgen %s", out, proxyVersion)
		}
	})
	t.Run("binary-checkout", func(t *testing.T) {
		g.t = t
		os.Remove(filepath.Join(gobin, "maintgen"))
		g.script(checkout, recipe(t, docs.RecipeBinaryCheckout, checkout))
		if out := g.must(t.TempDir(), filepath.Join(gobin, "maintgen"), "version"); !strings.HasPrefix(out, "maintgen ") || strings.Contains(out, proxyVersionPrefix) {
			t.Errorf("maintgen version: %q, want maintgen and the checkout's version", out)
		}
	})
}

// installModCache returns TestInstall's module cache: a directory that
// stays from run to run for one checkout, less the versions of maintgen
// that earlier runs left there.
//
// The build cache keys a package by its directory, so a fresh module cache
// per run would compile maintgen's dependencies again on every run, and
// -trimpath, which does not, compiles the whole standard library once more
// with a cold build cache.
func installModCache(t *testing.T, checkout string) string {
	t.Helper()
	dir := difftest.StablePath("install-test", checkout)
	for _, p := range []string{"github.com/maintgen", "cache/download/github.com/maintgen"} {
		if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeProxy writes a file:// module proxy into dir holding one version of
// maintgen, which it returns: the checkout's files that git tracks or would
// add (so no build output, node_modules or ignored file), as the go
// command zips a module: regular files only (symbolic links left out),
// without the nested modules (examples/redis, examples/prometheus,
// examples/routers). The go command checks the zip as it extracts it.
//
// The zip is written with archive/zip rather than golang.org/x/mod/zip,
// so that maintgen's module requires nothing more for a test: apps that
// install maintgen as a tool see its requirements.
func writeProxy(t *testing.T, dir, checkout string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", checkout, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	names := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	var nested []string // the directories of nested modules, with a slash
	for _, name := range names {
		if path.Base(name) == "go.mod" && name != "go.mod" {
			nested = append(nested, path.Dir(name)+"/")
		}
	}
	files := map[string][]byte{}
	digest := sha256.New()
	for _, name := range names {
		fi, err := os.Lstat(filepath.Join(checkout, filepath.FromSlash(name)))
		if err != nil || !fi.Mode().IsRegular() || slices.ContainsFunc(nested, func(d string) bool { return strings.HasPrefix(name, d) }) {
			continue // deleted, a symbolic link, or in a nested module
		}
		data, err := os.ReadFile(filepath.Join(checkout, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = data
		fmt.Fprintf(digest, "%q\n", name)
		if strings.HasSuffix(name, ".go") || path.Base(name) == "go.mod" {
			fmt.Fprintf(digest, "%d\n", len(data))
			digest.Write(data)
		}
	}
	// The version names what the go command reads of the module: its
	// files' names, and the content of its Go files and go.mod. It takes a
	// version's files in the module cache as never changing, and keeps
	// what it read of them (its module index) in the build cache: a fixed
	// version whose Go files changed was compiled with the imports of the
	// old ones ("could not import time"). An edit of the docs keeps the
	// version, and so the build cache's packages of the last run.
	proxyVersion := proxyVersionPrefix + hex.EncodeToString(digest.Sum(nil)[:8])
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	prefix := "github.com/maintgen/maintgen@" + proxyVersion + "/"
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(prefix + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(checkout, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	at := filepath.Join(dir, "github.com", "maintgen", "maintgen", "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"list":                 []byte(proxyVersion + "\n"),
		proxyVersion + ".info": []byte(`{"Version":"` + proxyVersion + `","Time":"2026-01-01T00:00:00Z"}`),
		proxyVersion + ".mod":  gomod,
		proxyVersion + ".zip":  buf.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(at, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return proxyVersion
}
