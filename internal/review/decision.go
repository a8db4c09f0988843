package review

import (
	"fmt"
	"strings"
	"time"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
)

// ExplainRequest returns the decision on req, as DescribeDecision words
// it, then one indented line for each input the decision read that is
// worth a word: the mode, the path's spellings, the client IP, the cache
// and the roles. This is maintgen try's output; req.On is try's -state.
func ExplainRequest(p *policy.Policy, req interp.Request) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, "  "+format+"\n", args...) }
	d := interp.Evaluate(p, req)
	b.WriteString(DescribeDecision(p, d) + "\n")

	switch w, inWindow := interp.WindowAt(p, req.Now); {
	case inWindow:
		line("mode: on, as %s is inside schedule[%d] (%s to %s)", req.Now.Format(time.RFC3339), w.Index, w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339))
	case !req.On:
		line("mode: off (-state off)")
	}
	clean := policy.CleanPath(req.Path)
	if clean != req.Path {
		line("path: %s, cleaned to %s", req.Path, clean)
	}
	switch {
	case req.RawPath != "":
		line("path: the target spells it %s, not in canonical form (a router may route that spelling elsewhere), so no exempt.paths rule applies", req.RawPath)
	case !interp.Canonical(req.Path, req.RawPath):
		line("path: %s is not in canonical form (a router may route it uncleaned), so no exempt.paths rule applies", req.Path)
	}
	if d.Step == interp.StepForce {
		if form := forcedForm(p, req); form != clean {
			line("path: a router may route it on %s, where a force.paths pattern matches", form)
		}
	}
	peer, _ := interp.ParseHost(req.RemoteAddr)
	switch ip, ok := interp.ClientIP(p, req.RemoteAddr, req.XForwardedFor); {
	case req.CustomClientIP && req.ClientIP.IsValid():
		line("client IP: %s, from Config.ClientIP (-client-ip)", req.ClientIP)
	case req.CustomClientIP:
		line("client IP: none: Config.ClientIP reports none (-client-ip none), so no exempt.ips rule applies")
	case req.RemoteAddr == "":
		line("client IP: none (no -ip), so no exempt.ips rule applies")
	case !ok:
		line("client IP: none: the peer is a trusted proxy and X-Forwarded-For has an empty or malformed entry, so no exempt.ips rule applies")
	case ip != peer:
		line("client IP: %s, from X-Forwarded-For through the trusted proxy %s", ip, peer)
	default:
		line("client IP: %s", ip)
	}
	if d.Personal() {
		line("cache: the app's response gets Cache-Control: no-store, as the pass depends on who sent the request")
	}
	roles := "anonymous"
	if len(req.Roles) > 0 {
		roles = strings.Join(req.Roles, ", ") + ", authenticated"
	}
	line("roles: %s", roles)
	return b.String()
}

// DescribeDecision formats a decision as one line: the verdict, then the
// step that decided it, by its name in interp.Steps, with the rule and
// its position where a rule decided, such as
//
//	pass: exempt.ips 10.0.0.0/8 (policy.yaml:14:7)
//	maintenance: 503 json fr: no exemption matched
func DescribeDecision(p *policy.Policy, d interp.Decision) string {
	var verdict string
	switch {
	case d.Pass:
		verdict = "pass"
	case d.Step == interp.StepOff:
		return fmt.Sprintf("redirect: %d to %s: maintenance mode is off, and %s is response.redirect (%s)", d.Status, d.Location, p.Response.Redirect, p.Syntax.Response.Redirect.Pos)
	case d.Step == interp.StepBypassLink:
		return fmt.Sprintf("redirect: %d to %s: %s %s (%s): the bypass link sets the bypass cookie", d.Status, d.Location, d.Step, p.Bypass.Path, p.Syntax.Bypass.Pos)
	case d.Format == policy.FormatRedirect:
		verdict = fmt.Sprintf("maintenance: %d redirect to %s", d.Status, d.Location)
	default:
		verdict = fmt.Sprintf("maintenance: %d %s %s", d.Status, d.Format, d.Locale)
	}
	var why string
	switch d.Step {
	case interp.StepOff:
		why = "maintenance mode is off"
	case interp.StepMaintenance:
		why = "no exemption matched"
	case interp.StepExemptTests:
		why = fmt.Sprintf("%s (%s): the program runs under go test", d.Step, p.Syntax.Exempt.Tests.Pos)
	case interp.StepBypass:
		why = fmt.Sprintf("%s (%s): the request holds a valid bypass cookie", d.Step, p.Syntax.Bypass.Pos)
	case interp.StepRedirect:
		why = fmt.Sprintf("%s %s (%s): the redirect target gets the page", d.Step, p.Response.Redirect, p.Syntax.Response.Redirect.Pos)
	default:
		if r, ok := ruleOf(p, d.Step, d.Rule); ok {
			why = fmt.Sprintf("%s %s (%s)", d.Step, r.Raw, r.Pos)
		} else {
			why = string(d.Step)
		}
	}
	return verdict + ": " + why
}

// ruleOf returns the rule whose index is i in the list of step (its List
// in interp.Steps).
func ruleOf(p *policy.Policy, step interp.Step, i int) (policy.Rule, bool) {
	info, _ := step.Info()
	var rules []policy.Rule
	switch info.List {
	case "force.paths":
		for _, r := range p.Force.Paths {
			rules = append(rules, r.Rule)
		}
	case "exempt.paths":
		for _, r := range p.Exempt.Paths {
			rules = append(rules, r.Rule)
		}
	case "exempt.ips":
		for _, r := range p.Exempt.IPs {
			rules = append(rules, r.Rule)
		}
	case "exempt.roles":
		for _, r := range p.Exempt.Roles {
			rules = append(rules, r.Rule)
		}
	}
	for _, r := range rules {
		if r.Index == i {
			return r, true
		}
	}
	return policy.Rule{}, false
}

// forcedForm returns the first spelling of req's path (interp.ForcedForms)
// on which a force.paths pattern matches; "" when none does.
func forcedForm(p *policy.Policy, req interp.Request) string {
	for _, f := range interp.ForcedForms(req.Method, req.Path, req.RawPath) {
		if _, ok := interp.MatchForce(p, f); ok {
			return f
		}
	}
	return ""
}
