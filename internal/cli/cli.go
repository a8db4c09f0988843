// Package cli implements the maintgen command: its subcommands, flags,
// exit codes and file reading and writing. What it generates comes from
// the pure pipeline of the build package, the preview server from the
// preview package.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/maintgen/maintgen/internal/atomicfile"
	"github.com/maintgen/maintgen/internal/build"
	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/review"
)

// Exit codes.
const (
	ExitOK     = 0 // success
	ExitPolicy = 1 // the policy (or a file it names) has errors, or an output could not be written
	ExitUsage  = 2 // bad command line

	// ExitMaintenance is maintgen try's exit code when the guard answers
	// the request itself (the maintenance response, a redirect or the
	// bypass link) instead of passing it to the app.
	ExitMaintenance = 3
)

// Run runs the maintgen command line args (without the program name) and
// returns the exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, Usage)
		return ExitUsage
	}
	c := &command{stdout: stdout, stderr: stderr}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "generate":
		return c.generate(rest)
	case "validate":
		return c.validate(rest)
	case "check":
		return c.check(rest)
	case "diff":
		return c.diff(rest)
	case "explain":
		return c.explain(rest)
	case "try":
		return c.try(rest)
	case "preview":
		return c.preview(rest)
	case "on", "off":
		return c.switchMode(cmd, rest)
	case "status":
		return c.status(rest)
	case "version":
		return c.version(rest)
	case "init":
		return c.init(rest)
	case "schema":
		return c.schemaCmd(rest)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, Usage)
		return ExitOK
	default:
		fmt.Fprintf(stderr, "maintgen: unknown command %q\n\n%s", cmd, Usage)
		return ExitUsage
	}
}

type command struct {
	stdout, stderr io.Writer
}

// flags returns a FlagSet for a subcommand, whose usage message says
// what the command does (its summary in Usage), then its synopsis and
// flags.
func (c *command) flags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("maintgen "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "maintgen %s: %s\n\nusage: maintgen %s %s\n", name, summary(name), name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses a subcommand's flags: -h is success, anything else wrong is
// a usage error, and no positional arguments are taken.
func (c *command) parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, false
		}
		return ExitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return ExitUsage, false
	}
	return 0, true
}

// report prints err, one FILE:LINE:COL: message per line for policy
// errors, and returns ExitPolicy.
func (c *command) report(err error) int {
	var list policy.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(c.stderr, e.Error())
		}
	} else {
		fmt.Fprintf(c.stderr, "maintgen: %v\n", err)
	}
	return ExitPolicy
}

// load reads the policy file and computes every output.
func (c *command) load(policyFile string) (*policy.Policy, build.Files, error) {
	src, err := readPolicy(policyFile)
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Dir(policyFile)
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))) }
	return build.Outputs(filepath.ToSlash(policyFile), src, read, gen.Options{Version: Version()})
}

// readPolicy reads at most policy.MaxSize+1 bytes of the policy file, so a
// huge file is refused without being read whole.
func readPolicy(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, build.ReadError(filepath.ToSlash(name), err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, policy.MaxSize+1))
	if err != nil {
		return nil, build.ReadError(filepath.ToSlash(name), err)
	}
	return src, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (c *command) generate(args []string) int {
	fs := c.flags("generate", "[-out DIR] [-v] [FILE]")
	policyFile := fs.String("policy", defaultPolicy, policyFlagUsage)
	out := fs.String("out", "", "write every output under `dir`, keeping its configured relative path (default: the policy file's directory)")
	verbose := fs.Bool("v", false, "list each output with its size, and whether it changed")
	if code, ok := c.parsePolicy(fs, args, policyFile, true); !ok {
		return code
	}
	p, files, err := c.load(*policyFile)
	if err != nil {
		return c.report(err)
	}
	// A custom template's pages are written even when they break a page
	// rule: the warnings say which (validate -strict fails on them).
	for _, w := range review.PageWarnings(p, files) {
		fmt.Fprintln(c.stderr, w)
	}
	root := *out
	if root == "" {
		root = filepath.Dir(*policyFile)
	}
	for _, f := range files {
		dest := filepath.Join(root, filepath.FromSlash(f.Path))
		changed, err := writeIfChanged(dest, f.Data)
		if err != nil {
			return c.report(err)
		}
		if *verbose {
			state := "unchanged"
			if changed {
				state = "written"
			}
			fmt.Fprintf(c.stdout, "%s\t%d bytes\t%s\n", dest, len(f.Data), state)
		}
	}
	removed, err := removeStalePages(filepath.Join(root, filepath.FromSlash(p.Output.Pages)), files)
	if err != nil {
		return c.report(err)
	}
	if *verbose {
		for _, r := range removed {
			fmt.Fprintf(c.stdout, "%s\tremoved\n", r)
		}
	}
	return ExitOK
}

// writeIfChanged writes data to name, creating missing directories,
// unless the file already holds exactly data. The write is atomic
// (atomicfile.WriteIfChanged, mode 0644), so readers never see a partial
// file. It reports whether it wrote.
func writeIfChanged(name string, data []byte) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return false, err
	}
	return atomicfile.WriteIfChanged(name, data, 0o644)
}

// pageNameRE matches the names of the pages generate writes: S.html,
// S.json, S.L.html and S.L.json.
var pageNameRE = regexp.MustCompile(`^[4-5][0-9][0-9](\.[A-Za-z0-9]+(-[A-Za-z0-9]+)*)?\.(html|json)$`)

// removeStalePages deletes the page files in dir that generate wrote
// earlier and that this policy no longer produces (ownStalePages), so
// that a proxy never serves them; then it writes the manifest anew
// (policy.PagesManifest), listing the pages of files. A file the manifest
// does not list is never touched, whatever its name: pointing output.pages
// at a directory that holds pages of its own (or pages an older maintgen
// wrote without a manifest) deletes nothing.
func removeStalePages(dir string, files build.Files) ([]string, error) {
	stale, err := ownStalePages(dir, files)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, name := range stale {
		if err := os.Remove(name); err != nil {
			return removed, err
		}
		removed = append(removed, name)
	}
	keep := pageNames(files)
	slices.Sort(keep)
	manifest := "# Written by maintgen generate: the page files it wrote in this directory.\n" +
		"# It removes a page only when this list names it. DO NOT EDIT.\n" +
		strings.Join(keep, "\n") + "\n"
	if _, err := atomicfile.WriteIfChanged(filepath.Join(dir, policy.PagesManifest), []byte(manifest), 0o644); err != nil {
		return removed, err
	}
	return removed, nil
}

// ownStalePages returns the page files in dir that the manifest there
// lists as written by generate, that are still regular files there, and
// that files no longer holds (a removed locale, a changed status): the
// pages generate removes. Names of another form, or with a slash, are
// skipped, whatever the manifest says.
func ownStalePages(dir string, files build.Files) ([]string, error) {
	listed, err := readPagesManifest(dir)
	if err != nil {
		return nil, err
	}
	keep := pageNames(files)
	var stale []string
	for _, name := range listed {
		if slices.Contains(keep, name) || !pageNameRE.MatchString(name) {
			continue
		}
		full := filepath.Join(dir, name)
		fi, err := os.Lstat(full)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return nil, err
		case fi.Mode().IsRegular():
			stale = append(stale, full)
		}
	}
	slices.Sort(stale)
	return slices.Compact(stale), nil
}

// pageNames returns the file names of the pages of files.
func pageNames(files build.Files) []string {
	var names []string
	for _, f := range files.Of(build.HTMLPage, build.JSONPage) {
		names = append(names, path.Base(f.Path))
	}
	return names
}

// readPagesManifest returns the page names that the manifest in dir lists,
// or none when there is no manifest.
func readPagesManifest(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, policy.PagesManifest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			names = append(names, line)
		}
	}
	return names, nil
}

func (c *command) version(args []string) int {
	fs := c.flags("version", "")
	if code, ok := c.parse(fs, args); !ok {
		return code
	}
	fmt.Fprintf(c.stdout, "maintgen %s\n", Version())
	return ExitOK
}

// modulePath is maintgen's module path.
const modulePath = "github.com/maintgen/maintgen"

// Version returns maintgen's module version from the build info: a tag
// such as v0.1.0 when installed with go install or go get -tool, else
// "(devel)" (a checkout, or a replace directive pointing at one). Built as
// a tool of another module (go tool maintgen), maintgen is a dependency
// of that module, and its version is found among the dependencies.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if bi.Main.Path == modulePath {
		return moduleVersion(&bi.Main)
	}
	for _, m := range bi.Deps {
		if m.Path == modulePath {
			return moduleVersion(m)
		}
	}
	return "(devel)"
}

// moduleVersion returns m's version: the version of its replacement, if
// any, where a replacement by a directory (a checkout) is "(devel)".
func moduleVersion(m *debug.Module) string {
	switch {
	case m.Replace != nil && m.Replace.Version != "":
		return m.Replace.Version
	case m.Replace != nil || m.Version == "":
		return "(devel)"
	}
	return m.Version
}
