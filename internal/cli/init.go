package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/maintgen/maintgen/internal/atomicfile"
	"github.com/maintgen/maintgen/internal/build"
	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/schema"
)

// starterPolicy is the policy maintgen init writes: the common case, each
// key commented, valid as it is.
const starterPolicy = `# yaml-language-server: $schema=./` + schema.FileName + `
#
# The maintenance policy of this app: go generate compiles it (maintgen
# generate) into a net/http middleware and static maintenance pages.
# Review changes like code: maintgen diff and maintgen explain say what a
# change means. Every key: https://github.com/maintgen/maintgen#the-policy-schema-version-1
version: 1
package: maintenance
output:
  go: maintenance/maintenance_gen.go # the generated middleware
  pages: public/maintenance          # static pages, for a CDN or proxy
state:
  env: MAINTENANCE_MODE   # on or off; when set, it decides
  file: maintenance.state # else this file: maintgen on, maintgen off
exempt:
  paths: [/healthz]       # load balancers' health checks keep working
  # ips: [10.0.0.0/8]     # trusted networks (CIDR)
  # roles: [superuser]    # from Config.Roles
response:
  retry_after: 1h         # Retry-After, in seconds on the wire
default_locale: en
messages:
  en:
    title: Down for maintenance
    heading: We'll be back soon
    body: We are upgrading the site. Please try again in a few minutes.
`

// init writes a starter policy and its JSON Schema in the current
// directory (or where -policy or the file argument says), refusing to
// overwrite a policy, and prints the go:generate line and the Go that
// wraps a handler.
func (c *command) init(args []string) int {
	flags := c.flags("init", "[FILE]")
	policyFile := flags.String("policy", defaultPolicy, "the policy `file` to create, also given as the file argument")
	if code, ok := c.parsePolicy(flags, args, policyFile, false); !ok {
		return code
	}
	if _, err := os.Lstat(*policyFile); err == nil {
		fmt.Fprintf(c.stderr, "maintgen init: %s exists; maintgen init never overwrites a policy\n", *policyFile)
		return ExitPolicy
	} else if !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(c.stderr, "maintgen init: %v\n", err)
		return ExitPolicy
	}
	// The starter policy must be one maintgen accepts as it is.
	p, _, err := build.Outputs(filepath.ToSlash(*policyFile), []byte(starterPolicy), nil, gen.Options{})
	if err != nil {
		return c.report(fmt.Errorf("internal error: the starter policy: %w", err))
	}
	dir := filepath.Dir(*policyFile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c.report(err)
	}
	if err := atomicfile.WriteFile(*policyFile, []byte(starterPolicy), 0o644); err != nil {
		return c.report(err)
	}
	schemaFile := filepath.Join(dir, schema.FileName)
	if err := atomicfile.WriteFile(schemaFile, schema.JSON, 0o644); err != nil {
		return c.report(err)
	}
	pkg := importPath(dir, path.Dir(p.Output.Go))
	fmt.Fprintf(c.stdout, `Wrote %s and %s.

1. Put this line in a Go file next to %s (main.go, say), then run go generate ./...:

	//go:generate go tool maintgen generate

2. Wrap your handler, outermost (before your router and any middleware that
   rewrites RemoteAddr or the path):

	import "%s"

	handler := %s.Wrap(mux)

3. Switch the mode with maintgen on and maintgen off, or MAINTENANCE_MODE=on.
`, filepath.ToSlash(*policyFile), filepath.ToSlash(schemaFile), filepath.Base(*policyFile), pkg, p.Package)
	return ExitOK
}

// importPath returns the import path of the directory rel (slash-separated)
// under dir, from the module path in the nearest go.mod at or above dir;
// "YOUR/MODULE/rel" when there is none.
func importPath(dir, rel string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "YOUR/MODULE/" + rel
	}
	for d := abs; ; d = filepath.Dir(d) {
		if mod, ok := modulePathOf(filepath.Join(d, "go.mod")); ok {
			sub, err := filepath.Rel(d, abs)
			if err != nil {
				break
			}
			return path.Join(mod, filepath.ToSlash(sub), rel)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "YOUR/MODULE/" + rel
}

// modulePathOf returns the module path a go.mod file declares.
func modulePathOf(name string) (string, bool) {
	f, err := os.Open(name)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`), true
		}
	}
	return "", false
}

// schemaCmd prints the JSON Schema of policy.yaml.
func (c *command) schemaCmd(args []string) int {
	flags := c.flags("schema", "")
	if code, ok := c.parse(flags, args); !ok {
		return code
	}
	c.stdout.Write(schema.JSON)
	return ExitOK
}
