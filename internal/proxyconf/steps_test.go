package proxyconf

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
)

// TestNginxStepComments: the decision map's comments number the steps of
// the middleware as interp.Steps does, and name each by its step:
// "# 6. exempt.ips: ...".
func TestNginxStepComments(t *testing.T) {
	src := `version: 1
output: {go: m/m_gen.go, pages: public, nginx: nginx/m.conf}
state: {file: m.state}
exempt: {paths: [/healthz], ips: [10.0.0.0/8], roles: [staff]}
force: {paths: [/pay]}
proxies: [10.1.0.0/16]
response: {redirect: /maintenance}
bypass: {secret_env: B}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`
	p, err := policy.Parse("policy.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, http, err := Nginx(p)
	if err != nil {
		t.Fatal(err)
	}
	comments := regexp.MustCompile(`#\s*(\d+[a-z]?)\.\s+([a-z.-]+[a-z])`).FindAllStringSubmatch(string(http), -1)
	seen := map[interp.Step]bool{}
	for _, c := range comments {
		n, err := strconv.Atoi(c[1])
		step := interp.Step(c[2])
		if err != nil || step.Number() != n {
			t.Errorf("comment %q: step %s is number %d in interp.Steps", c[0], step, step.Number())
		}
		seen[step] = true
	}
	// The snippet's decision covers these steps; the bypass link, the
	// bypass cookie and exempt.tests it cannot check.
	for _, s := range []interp.Step{interp.StepForce, interp.StepOff, interp.StepRedirect, interp.StepExemptPaths,
		interp.StepExemptIPs, interp.StepExemptRoles, interp.StepBypass, interp.StepMaintenance} {
		if !seen[s] {
			t.Errorf("no comment names the step %s", s)
		}
	}
}
