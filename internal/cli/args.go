package cli

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// defaultPolicy is the policy file a command reads when neither -policy
// nor a file argument names one.
const defaultPolicy = "policy.yaml"

// policyFlagUsage is the usage text of the -policy flag of the commands
// that read a policy.
const policyFlagUsage = "the policy `file`, also given as the file argument (default: policy.yaml in the current directory, else in the nearest directory above it, up to the module root)"

// parseFiles parses a subcommand's flags, which may come before, between
// or after its file arguments, and returns the file arguments in order.
// After "--", every argument is a file argument. -h is success, anything
// else wrong is a usage error.
func (c *command) parseFiles(fs *flag.FlagSet, args []string) (files []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, ExitOK, false
			}
			return nil, ExitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return files, 0, true
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(files, rest...), 0, true
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

// parsePolicy parses the flags of a subcommand that reads one policy: the
// file is -policy FILE or a file argument, before or after the flags.
// Given neither, it is findPolicy's when search is set (the commands that
// read a policy), else defaultPolicy (init, which writes one).
func (c *command) parsePolicy(fs *flag.FlagSet, args []string, policyFile *string, search bool) (code int, ok bool) {
	files, code, ok := c.parseFiles(fs, args)
	if !ok {
		return code, false
	}
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "policy" })
	switch {
	case len(files) > 1:
		return c.usageError(fs, fmt.Sprintf("want one policy file, got %d: %s", len(files), strings.Join(files, " "))), false
	case len(files) == 1 && set:
		return c.usageError(fs, fmt.Sprintf("the policy file is given twice, as -policy %s and as %s: give one", *policyFile, files[0])), false
	case len(files) == 1:
		*policyFile = files[0]
	case !set && search:
		*policyFile = c.findPolicy()
	}
	return 0, true
}

// findPolicy returns the policy file a command reads when none is named:
// policy.yaml in the current directory or, as go finds go.mod, in the
// nearest directory above it up to the module root (the directory that
// holds go.mod). Outside a module, only the current directory is looked
// at. When it finds a policy other than ./policy.yaml, it says which on
// stderr; when it finds none, it returns defaultPolicy, whose reading
// fails.
func (c *command) findPolicy() string {
	wd, err := os.Getwd()
	if err != nil || exists(defaultPolicy) {
		return defaultPolicy
	}
	root := moduleRoot(wd)
	if root == "" {
		return defaultPolicy
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if name := filepath.Join(dir, defaultPolicy); exists(name) {
			if rel, err := filepath.Rel(wd, name); err == nil {
				name = rel
			}
			fmt.Fprintf(c.stderr, "maintgen: using %s\n", name)
			return name
		}
		if dir == root || filepath.Dir(dir) == dir {
			return defaultPolicy
		}
	}
}

// moduleRoot returns the nearest directory from dir upward that holds a
// go.mod file, or "" for none.
func moduleRoot(dir string) string {
	for {
		if exists(filepath.Join(dir, "go.mod")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// exists reports whether name exists (as anything: reading it then says
// what is wrong with it).
func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}
