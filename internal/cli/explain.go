package cli

import (
	"fmt"

	"github.com/maintgen/maintgen/internal/review"
)

// explain prints a plain-language summary of the policy.
func (c *command) explain(args []string) int {
	flags := c.flags("explain", "[-format text|markdown] [FILE]")
	policyFile := flags.String("policy", defaultPolicy, policyFlagUsage)
	format := formatFlag(flags, formatText, formatMarkdown)
	if code, ok := c.parsePolicy(flags, args, policyFile, true); !ok {
		return code
	}
	if !c.checkFormat("explain", *format, formatText, formatMarkdown) {
		return ExitUsage
	}
	p, _, err := c.load(*policyFile)
	if err != nil {
		return c.report(err)
	}
	fmt.Fprint(c.stdout, review.Explain(p, *format == formatMarkdown))
	return ExitOK
}
