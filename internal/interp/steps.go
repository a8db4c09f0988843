package interp

import "slices"

// Step names a decision step: the policy key that decides, or off,
// bypass or maintenance. The generated runtime's Step constants spell the
// same names in the same order, and docs/architecture.md, the nginx snippet's
// comments, maintgen try and maintgen explain name them as Steps does;
// tests hold each of them to this table.
type Step string

// The decision steps, in the order Evaluate tries them.
const (
	StepBypassLink  Step = "bypass.path"
	StepForce       Step = "force.paths"
	StepOff         Step = "off"
	StepRedirect    Step = "response.redirect"
	StepReadOnly    Step = "read-only"
	StepExemptTests Step = "exempt.tests"
	StepExemptPaths Step = "exempt.paths"
	StepExemptIPs   Step = "exempt.ips"
	StepExemptRoles Step = "exempt.roles"
	StepBypass      Step = "bypass"
	StepMaintenance Step = "maintenance"
)

// StepInfo describes one decision step.
type StepInfo struct {
	Step    Step
	List    string // the policy list whose rule Decision.Rule indexes; "" when no rule decides
	Exempts bool   // the step is an exemption: it lets a request through while the mode is on (read-only mode is not on)
	Reads   string // what the step reads, of the request, the policy and the state
	Summary string // when the step applies, and what it decides then
}

// steps is the table of decision steps, in order.
var steps = []StepInfo{
	{StepBypassLink, "", false,
		"the method and path; bypass.path and the bypass secret",
		"a GET of the bypass link, bypass.path/<secret>: 302 to / setting the bypass cookie"},
	{StepForce, "force.paths", false,
		"every spelling of the path a router may route on (ForcedForms); force.paths",
		"the path matches force.paths: maintenance response, whatever the mode"},
	{StepOff, "", false,
		"the mode (the state, then the schedule; see StateAt); the cleaned path, for response.redirect",
		"the mode is off: pass (the redirect path itself gets 302 to /)"},
	{StepRedirect, "", false,
		"the cleaned path; response.redirect",
		"the path is the redirect path: the maintenance page itself, so redirects never loop"},
	{StepReadOnly, "", false,
		"the method; the mode (read-only, outside a schedule window)",
		"the mode is read-only and the method is safe (GET, HEAD, OPTIONS): pass"},
	{StepExemptTests, "", true,
		"whether the program runs under go test; exempt.tests",
		"exempt.tests and the program runs under go test: pass"},
	{StepExemptPaths, "exempt.paths", true,
		"the cleaned path, when the target is in canonical form (Canonical); exempt.paths",
		"the path matches exempt.paths: pass"},
	{StepExemptIPs, "exempt.ips", true,
		"the client IP: Config.ClientIP, or RemoteAddr and X-Forwarded-For through proxies (ClientIP); exempt.ips",
		"the client IP is in exempt.ips: pass"},
	{StepExemptRoles, "exempt.roles", true,
		"the roles Config.Roles reports (anonymous without any, authenticated with some); exempt.roles",
		"the request has a role in exempt.roles: pass"},
	{StepBypass, "", true,
		"the Cookie header, the bypass secret and the clock; bypass.ttl",
		"the request carries a valid, unexpired bypass cookie: pass"},
	{StepMaintenance, "", false,
		"Accept, Accept-Language and the cleaned path (for json_paths); the response section",
		"nothing exempts the request: maintenance response"},
}

// Steps returns the decision steps in the order Evaluate tries them: the
// first that applies decides. A step's index is its number, as
// docs/architecture.md and the nginx snippet's comments number it.
func Steps() []StepInfo { return slices.Clone(steps) }

// Number returns the number of s, its index in Steps; -1 when s is not a
// step.
func (s Step) Number() int {
	return slices.IndexFunc(steps, func(i StepInfo) bool { return i.Step == s })
}

// Info returns the entry of s in Steps; ok is false when s is not a step.
func (s Step) Info() (info StepInfo, ok bool) {
	if n := s.Number(); n >= 0 {
		return steps[n], true
	}
	return StepInfo{}, false
}
