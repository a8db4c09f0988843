package review

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/maintgen/maintgen/internal/interp"
)

// stepsPolicy has a rule for every step of interp.Steps.
const stepsPolicy = `version: 1
output: {go: m/m_gen.go, pages: public}
exempt: {tests: true, paths: [/healthz], ips: [10.0.0.0/8], roles: [staff]}
force: {paths: [/pay]}
response: {redirect: /maintenance}
bypass: {secret_env: B}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`

// TestDescribeDecisionNamesSteps: try's verdict line names the step that
// decided, by its name in interp.Steps, and the rule of the step's list
// with its position.
func TestDescribeDecisionNamesSteps(t *testing.T) {
	p := parse(t, "policy.yaml", stepsPolicy)
	rules := map[interp.Step]string{
		interp.StepForce:       "/pay (policy.yaml:4:17)",
		interp.StepExemptPaths: "/healthz (policy.yaml:3:31)",
		interp.StepExemptIPs:   "10.0.0.0/8 (policy.yaml:3:48)",
		interp.StepExemptRoles: "staff (policy.yaml:3:69)",
	}
	for _, s := range interp.Steps() {
		t.Run(string(s.Step), func(t *testing.T) {
			d := interp.Decision{Step: s.Step, Rule: -1, Pass: s.Exempts}
			if s.List != "" {
				d.Rule = 0
			}
			if !d.Pass {
				d.Status, d.Format, d.Location = 302, "redirect", "/maintenance"
			}
			line := DescribeDecision(p, d)
			if !strings.Contains(line, string(s.Step)) {
				t.Errorf("%q does not name the step %s", line, s.Step)
			}
			want, ok := rules[s.Step]
			if ok != (s.List != "") {
				t.Fatalf("the test knows a rule for %s: %t; the table's List is %q", s.Step, ok, s.List)
			}
			if ok && !strings.HasSuffix(line, ": "+string(s.Step)+" "+want) {
				t.Errorf("%q: want the rule %s %s", line, s.Step, want)
			}
		})
	}
}

// TestExplainRequest is try's whole output for one request.
func TestExplainRequest(t *testing.T) {
	p := parse(t, "policy.yaml", stepsPolicy)
	req := interp.Request{Method: "GET", Path: "/a//b", RemoteAddr: "10.1.2.3:5000", On: true,
		Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Roles: []string{"dev"}}
	want := `pass: exempt.ips 10.0.0.0/8 (policy.yaml:3:48)
  path: /a//b, cleaned to /a/b
  path: /a//b is not in canonical form (a router may route it uncleaned), so no exempt.paths rule applies
  client IP: 10.1.2.3
  cache: the app's response gets Cache-Control: no-store, as the pass depends on who sent the request
  roles: dev, authenticated
`
	if got := ExplainRequest(p, req); got != want {
		t.Errorf("ExplainRequest:\n%s\nwant:\n%s", got, want)
	}
	req.CustomClientIP, req.ClientIP = true, netip.MustParseAddr("192.0.2.1")
	if got := ExplainRequest(p, req); !strings.HasPrefix(got, "maintenance: 302 redirect to /maintenance: no exemption matched\n") ||
		!strings.Contains(got, "  client IP: 192.0.2.1, from Config.ClientIP (-client-ip)\n") {
		t.Errorf("ExplainRequest with Config.ClientIP:\n%s", got)
	}
}

// TestExplainExemptionsInStepOrder: Explain lists who gets in in the order
// of interp.Steps, one item for each exemption step.
func TestExplainExemptionsInStepOrder(t *testing.T) {
	p := parse(t, "policy.yaml", stepsPolicy)
	e := &explainer{p: p, c: plain}
	s := e.whoGetsIn()
	var want []string
	for _, step := range interp.Steps() {
		item := e.exemption(step.Step)
		if (item != "") != step.Exempts {
			t.Errorf("%s: exemption %q, but the table's Exempts is %t", step.Step, item, step.Exempts)
		}
		if item != "" {
			want = append(want, item)
		}
	}
	if len(s.items) < len(want) {
		t.Fatalf("items %q", s.items)
	}
	for i, w := range want {
		if s.items[i] != w {
			t.Errorf("item %d: %q, want %q", i, s.items[i], w)
		}
	}
	if !strings.HasSuffix(s.items[0], "(exempt.tests)") {
		t.Errorf("first item %q: exempt.tests, the first exemption step, comes first", s.items[0])
	}
}
