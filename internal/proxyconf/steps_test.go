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
	p, err := policy.Parse("policy.yaml", []byte(stepsPolicy))
	if err != nil {
		t.Fatal(err)
	}
	_, http, err := Nginx(p)
	if err != nil {
		t.Fatal(err)
	}
	checkStepComments(t, string(http))
}

// stepsPolicy uses every step that a front decides or refuses to decide.
const stepsPolicy = `version: 1
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

// TestCaddyStepComments: the Caddy snippet's decision map numbers and
// names the steps as interp.Steps does.
func TestCaddyStepComments(t *testing.T) {
	p, err := policy.Parse("policy.yaml", []byte(stepsPolicy))
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string][]byte{"503.en.html": []byte("<p>x</p>"), "503.en.json": []byte("{}")}
	snippet, err := Caddy(p, tables(t, p, pages))
	if err != nil {
		t.Fatal(err)
	}
	checkStepComments(t, string(snippet))
}

// checkStepComments checks that the comments "# N. step" of text number
// each step as interp.Steps does, and that every step a front decides or
// refuses to decide is named.
func checkStepComments(t *testing.T, text string) {
	t.Helper()
	comments := regexp.MustCompile(`#\s*(\d+[a-z]?)\.\s+([a-z.-]+[a-z])`).FindAllStringSubmatch(text, -1)
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
