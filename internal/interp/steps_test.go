package interp_test

import (
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maintgen/maintgen/internal/interp"
)

func TestStepsTable(t *testing.T) {
	steps := interp.Steps()
	if len(steps) != 11 {
		t.Fatalf("%d steps", len(steps))
	}
	for i, s := range steps {
		if s.Step.Number() != i {
			t.Errorf("%s: Number %d, want %d", s.Step, s.Step.Number(), i)
		}
		if info, ok := s.Step.Info(); !ok || info != s {
			t.Errorf("%s: Info %+v, %t", s.Step, info, ok)
		}
		if s.Reads == "" || s.Summary == "" {
			t.Errorf("%s: no Reads or Summary", s.Step)
		}
		if s.List != "" && s.List != string(s.Step) {
			t.Errorf("%s: List %q: a rule list decides under its own name", s.Step, s.List)
		}
	}
	if n := interp.Step("exempt.cookies").Number(); n != -1 {
		t.Errorf("unknown step: Number %d", n)
	}
	steps[0].Step = "changed"
	if interp.Steps()[0].Step != interp.StepBypassLink {
		t.Error("Steps returns the table itself")
	}
}

// stepPolicy has a rule for every step.
const stepPolicy = `version: 1
output: {go: m/m_gen.go, pages: public}
exempt: {paths: [/healthz, /static/], ips: [10.0.0.0/8, 192.0.2.1], roles: [staff]}
force: {paths: [/pay]}
response: {redirect: /maintenance}
bypass: {secret_env: B}
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`

// TestEvaluateSteps makes Evaluate decide by every step of the table, and
// checks the table's word on each: which list a rule comes from, and
// whether the step is an exemption.
func TestEvaluateSteps(t *testing.T) {
	p := mustParse(t, stepPolicy)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cookie := interp.BypassCookie + "=" + interp.BypassCookieValue(secret, now.Unix()+60)
	on := func(r interp.Request) interp.Request {
		r.Method, r.On, r.Now, r.BypassSecret = "GET", true, now, secret
		return r
	}
	cases := map[interp.Step]interp.Request{
		interp.StepBypassLink:  on(interp.Request{Path: "/__maintenance/bypass/" + secret}),
		interp.StepForce:       on(interp.Request{Path: "/pay"}),
		interp.StepOff:         {Method: "GET", Path: "/x", Now: now},
		interp.StepRedirect:    on(interp.Request{Path: "/maintenance"}),
		interp.StepReadOnly:    on(interp.Request{Path: "/x", ReadOnly: true}),
		interp.StepExemptTests: on(interp.Request{Path: "/x", Testing: true}),
		interp.StepExemptPaths: on(interp.Request{Path: "/static/app.css"}),
		interp.StepExemptIPs:   on(interp.Request{Path: "/x", CustomClientIP: true, ClientIP: netip.MustParseAddr("192.0.2.1")}),
		interp.StepExemptRoles: on(interp.Request{Path: "/x", Roles: []string{"staff"}}),
		interp.StepBypass:      on(interp.Request{Path: "/x", Cookie: []string{cookie}}),
		interp.StepMaintenance: on(interp.Request{Path: "/x"}),
	}
	for _, s := range interp.Steps() {
		t.Run(string(s.Step), func(t *testing.T) {
			req, ok := cases[s.Step]
			if !ok {
				t.Fatal("no request for this step")
			}
			if s.Step == interp.StepExemptTests {
				p.Exempt.Tests = true
				defer func() { p.Exempt.Tests = false }()
			}
			d := interp.Evaluate(p, req)
			if d.Step != s.Step {
				t.Fatalf("Evaluate: %+v, want step %s", d, s.Step)
			}
			if (s.List != "") != (d.Rule >= 0) {
				t.Errorf("rule %d, but the table's List is %q", d.Rule, s.List)
			}
			if s.List != "" {
				want := map[string]int{"force.paths": 0, "exempt.paths": 1, "exempt.ips": 1, "exempt.roles": 0}[s.List]
				if d.Rule != want {
					t.Errorf("rule %d of %s, want %d", d.Rule, s.List, want)
				}
			}
			if s.Step != interp.StepOff && s.Step != interp.StepReadOnly && s.Exempts != d.Pass {
				t.Errorf("Pass %t with the mode on, but the table's Exempts is %t", d.Pass, s.Exempts)
			}
		})
	}
}

// TestDocsSteps: the numbered list of the section "What the generated
// middleware does" of docs/architecture.md is the table: item N names
// step N.
func TestDocsSteps(t *testing.T) {
	b, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## What the generated middleware does\n")
	if !ok {
		t.Fatal("docs/architecture.md has no section \"What the generated middleware does\"")
	}
	section, _, _ = strings.Cut(section, "\n\n**") // the list ends before the first bold paragraph
	items := regexp.MustCompile(`(?m)^(\d+)\. `).Split(section, -1)[1:]
	nums := regexp.MustCompile(`(?m)^(\d+)\. `).FindAllStringSubmatch(section, -1)
	steps := interp.Steps()
	if len(items) != len(steps) {
		t.Fatalf("docs/architecture.md lists %d steps, the table %d", len(items), len(steps))
	}
	for i, s := range steps {
		if nums[i][1] != strconv.Itoa(i) {
			t.Errorf("docs/architecture.md item %s: want number %d", nums[i][1], i)
		}
		// Each item ends with the step's name in backquotes, in
		// parentheses: "(`exempt.ips`)".
		if item := strings.Join(strings.Fields(items[i]), " "); !strings.Contains(item, "(`"+string(s.Step)+"`") {
			t.Errorf("docs/architecture.md item %d does not name the step %s: %q", i, s.Step, item)
		}
	}
}
