package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/review"
)

// diff prints the semantic differences between two policies: OLD and NEW,
// or with -base REV, FILE (default policy.yaml) as it was at the git
// revision REV and as it is now.
func (c *command) diff(args []string) int {
	const synopsis = "[-format text|markdown|github] [-fail-on-risk] OLD NEW\n       maintgen diff -base REV [-format text|markdown|github] [-fail-on-risk] [FILE]"
	flags := c.flags("diff", synopsis)
	base := flags.String("base", "", "compare FILE (default policy.yaml) with its version at the git `revision` REV, read with git show")
	format := formatFlag(flags, formatText, formatMarkdown, formatGitHub)
	failOnRisk := flags.Bool("fail-on-risk", false, "exit 1 when a change carries a risk")
	files, code, ok := c.parseFiles(flags, args)
	if !ok {
		return code
	}
	if !c.checkFormat("diff", *format, formatText, formatMarkdown, formatGitHub) {
		return ExitUsage
	}
	var oldName, newName string
	var added bool // the file is missing at -base
	var oldSrc []byte
	var oldErr error
	var errs policy.ErrorList
	switch {
	case *base != "" && len(files) <= 1:
		newName = defaultPolicy
		if len(files) == 1 {
			newName = files[0]
		}
		oldName = *base + ":" + filepath.ToSlash(newName)
		src, err := gitShow(*base, newName)
		switch {
		case errors.Is(err, errNotAtBase):
			// The pull request that adds the policy: every key is added.
			fmt.Fprintf(c.stderr, "maintgen diff: %s does not exist at %s: every key is added\n", filepath.ToSlash(newName), *base)
			added = true
		case err != nil:
			return c.reportFormat(err, *format)
		}
		oldSrc = src
	case *base == "" && len(files) == 2:
		oldName, newName = files[0], files[1]
		oldSrc, oldErr = readPolicy(oldName)
	default:
		fmt.Fprintf(c.stderr, "maintgen diff: want two policy files, or -base REV and at most one\n")
		flags.Usage()
		return ExitUsage
	}
	// Every error of both files is reported at once.
	parse := func(name string, src []byte, readErr error) *policy.Policy {
		if readErr != nil {
			errs = append(errs, readErr.(policy.ErrorList)...)
			return nil
		}
		p, err := policy.Parse(filepath.ToSlash(name), src)
		if err != nil {
			errs = append(errs, err.(policy.ErrorList)...)
		}
		return p
	}
	var oldP *policy.Policy
	if !added {
		oldP = parse(oldName, oldSrc, oldErr)
	}
	newSrc, newErr := readPolicy(newName)
	newP := parse(newName, newSrc, newErr)
	if len(errs) > 0 {
		return c.reportFormat(errs.Err(), *format)
	}

	var changes []review.Change
	if added {
		changes = addedChanges(newP)
	} else {
		changes = review.Diff(oldP, newP)
	}
	risks := review.Risks(changes)
	switch *format {
	case formatGitHub:
		for _, ch := range changes {
			level := "notice"
			switch {
			case ch.Risk != "" && *failOnRisk:
				level = "error"
			case ch.Risk != "":
				level = "warning"
			}
			annotate(c.stdout, level, ch.Pos, strings.TrimPrefix(ch.String(), "RISK: "))
		}
	default:
		fmt.Fprint(c.stdout, review.FormatDiff(changes, *format == formatMarkdown))
	}
	if *failOnRisk && risks > 0 {
		word := "risks"
		if risks == 1 {
			word = "risk"
		}
		fmt.Fprintf(c.stderr, "maintgen diff: %d %s (-fail-on-risk)\n", risks, word)
		return ExitPolicy
	}
	return ExitOK
}

// addedChanges returns the changes from no policy to p, as diff -base
// reports them when the file does not exist at the base revision: the
// changes from an empty policy (review.Diff), each an addition.
func addedChanges(p *policy.Policy) []review.Change {
	changes := review.Diff(&policy.Policy{}, p)
	for i, ch := range changes {
		if ch.Op == review.Changed {
			changes[i].Op, changes[i].Old = review.Added, ""
		}
	}
	return changes
}

// errNotAtBase is gitShow's error when the revision exists but does not
// hold the file.
var errNotAtBase = errors.New("no such file at the revision")

// gitShow returns the contents of the file name at the git revision rev,
// by running git show REV:./BASE in the file's directory. When rev is a
// commit that does not hold the file, the error is errNotAtBase.
func gitShow(rev, name string) ([]byte, error) {
	if strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("-base %q: a revision cannot start with -", rev)
	}
	cmd := exec.Command("git", "show", rev+":./"+filepath.Base(name))
	cmd.Dir = filepath.Dir(name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && gitOK(cmd.Dir, "rev-parse", "--verify", "--quiet", rev+"^{commit}") &&
		!gitOK(cmd.Dir, "cat-file", "-e", rev+":./"+filepath.Base(name)) {
		return nil, errNotAtBase
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git show %s:./%s: %s", rev, filepath.Base(name), msg)
	}
	return out, nil
}

// gitOK reports whether git, run with args in dir, succeeds.
func gitOK(dir string, args ...string) bool {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	return cmd.Run() == nil
}
