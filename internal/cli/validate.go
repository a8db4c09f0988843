package cli

import (
	"fmt"

	"github.com/maintgen/maintgen/internal/review"
)

func (c *command) validate(args []string) int {
	fs := c.flags("validate", "[-strict] [-format text|github] [FILE]")
	policyFile := fs.String("policy", defaultPolicy, policyFlagUsage)
	strict := fs.Bool("strict", false, "treat lint warnings as errors: exit 1 when there is any")
	format := formatFlag(fs, formatText, formatGitHub)
	if code, ok := c.parsePolicy(fs, args, policyFile, true); !ok {
		return code
	}
	if !c.checkFormat("validate", *format, formatText, formatGitHub) {
		return ExitUsage
	}
	p, files, err := c.load(*policyFile)
	if err != nil {
		return c.reportFormat(err, *format)
	}
	warnings := review.SortWarnings(append(review.Lint(p), review.PageWarnings(p, files)...))
	for _, w := range warnings {
		switch {
		case *format == formatGitHub && *strict:
			annotate(c.stdout, "error", w.Pos, w.Msg)
		case *format == formatGitHub:
			annotate(c.stdout, "warning", w.Pos, w.Msg)
		case *strict:
			fmt.Fprintf(c.stderr, "%s: %s\n", w.Pos, w.Msg)
		default:
			fmt.Fprintln(c.stderr, w)
		}
	}
	if *strict && len(warnings) > 0 {
		return ExitPolicy
	}
	return ExitOK
}
