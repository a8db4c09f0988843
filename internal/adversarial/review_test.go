package adversarial

import (
	"strconv"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/review"
)

// This file holds the attacks of issue 13 on the review tools: a change
// that widens access while each of its lines looks harmless, and policy
// values that would break out of diff's and explain's output.

// reviewBase is the rest of a policy the review attacks edit.
const reviewBase = `version: 1
output: {go: m/m_gen.go, pages: public}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`

// TestReviewWideningAttacks: maintgen diff -fail-on-risk must fail on each
// change, however it is spelled.
func TestReviewWideningAttacks(t *testing.T) {
	for _, a := range []struct {
		name, old, new, risk string
	}{
		{"every IPv4 address as two halves, 0.0.0.0/1 and 128.0.0.0/1",
			"exempt: {ips: [10.0.0.0/8]}\n", "exempt: {ips: [10.0.0.0/8, 0.0.0.0/1, 128.0.0.0/1]}\n", "half the address space"},
		{"every IPv4 address as four quarters",
			"", "exempt: {ips: [0.0.0.0/2, 64.0.0.0/2, 128.0.0.0/2, 192.0.0.0/2]}\n", "half the address space"},
		{"proxies trusted for half the Internet, in parts",
			"", "proxies: [0.0.0.0/2, 64.0.0.0/2]\n", "X-Forwarded-For"},
		{"nearly every path as re:/[^~]*",
			"", "exempt: {paths: [\"re:/[^~]*\"]}\n", "exempts most paths"},
		{"the state file moved",
			"state: {file: maintenance.state}\n", "state: {file: other.state}\n", "reads another file"},
		{"the state file dropped",
			"state: {env: M, file: maintenance.state}\n", "state: {env: M}\n", "no state file switches the mode"},
		{"every signed-in user may switch the site",
			"", "toggle: {roles: [authenticated]}\n", "every signed-in user"},
	} {
		t.Run(a.name, func(t *testing.T) {
			old, err := policy.Parse("policy.yaml", []byte(a.old+reviewBase))
			if err != nil {
				t.Fatal(err)
			}
			new, err := policy.Parse("policy.yaml", []byte(a.new+reviewBase))
			if err != nil {
				t.Fatal(err)
			}
			changes := review.Diff(old, new)
			if review.Risks(changes) == 0 {
				t.Fatalf("diff -fail-on-risk would pass:\n%s", review.FormatDiff(changes, false))
			}
			if out := review.FormatDiff(changes, false); !strings.Contains(out, a.risk) {
				t.Errorf("the risk does not say %q:\n%s", a.risk, out)
			}
		})
	}
}

// TestReviewEscapingAttacks: a role name with a blank line and an HTML
// comment, a GitHub workflow command or a terminal escape shows escaped in
// every format of diff, explain and lint, so that it hides nothing of a
// pull request comment and commands nothing.
func TestReviewEscapingAttacks(t *testing.T) {
	for name, role := range map[string]string{
		"a blank line and an HTML comment, to hide the rest of a Markdown comment": "staff\n\n<!--",
		"a GitHub workflow command on a line of its own":                           "staff\n::stop-commands::end",
		"a terminal escape": "staff\x1b[2J\x1b[31m",
	} {
		t.Run(name, func(t *testing.T) {
			src := "exempt: {roles: [" + strconv.Quote(role) + "]}\ntoggle: {roles: [" + strconv.Quote(role) + "]}\n" + reviewBase
			p, err := policy.Parse("policy.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			old, _ := policy.Parse("policy.yaml", []byte(reviewBase))
			outs := map[string]string{
				"explain text":     review.Explain(p, false),
				"explain markdown": review.Explain(p, true),
				"diff text":        review.FormatDiff(review.Diff(old, p), false),
				"diff markdown":    review.FormatDiff(review.Diff(old, p), true),
			}
			for _, w := range review.Lint(p) {
				outs["lint"] += w.String() + "\n"
			}
			for format, out := range outs {
				if strings.Contains(out, role) || strings.Contains(out, "\x1b") || strings.Contains(out, "\n::") {
					t.Errorf("%s shows the role raw:\n%s", format, out)
				}
			}
		})
	}
}
