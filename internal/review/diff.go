package review

import (
	"fmt"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/maintgen/maintgen/internal/interp"
	"go4.org/netipx"

	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/statefile"
)

// Op is the kind of a Change.
type Op int

// The kinds of change.
const (
	Added   Op = iota // a list entry or a setting was added: New
	Removed           // a list entry or a setting was removed: Old
	Changed           // a setting changed from Old to New
	Note              // a consequence of other changes, said by Detail alone
)

// Change is one semantic difference between two policies.
type Change struct {
	Key    string // the policy key, such as "exempt.ips" or "messages.fr.title"
	Op     Op
	Old    string // the old value as written; "" for Added
	New    string // the new value as written; "" for Removed
	Detail string // what the change means, such as "widens access by 256 addresses"; may be ""
	Risk   string // why the change is risky; "" when it is not
	Pos    policy.Pos
}

// Diff returns the semantic differences from old to new, in the order of
// the policy's keys; within a list, removals come before additions. Pos
// is in new (for a removal: the list or section in new, or its nearest
// value). A change carries a Risk when it:
//   - exempts every path or every address, or every request without roles;
//   - takes away the exemption of a health check path (/healthz, /livez,
//     ...: a load balancer then takes the app out of service);
//   - widens proxies, whose X-Forwarded-For decides the client IP;
//   - moves the status away from 503;
//   - adds a force path (maintenance even when the mode is off);
//   - removes the state section, or makes an unreadable state mean off.
func Diff(old, new *policy.Policy) []Change {
	d := &differ{old: old, new: new}
	d.scalar("package", new.Syntax.Package.Node, old.Package, new.Package, "")
	d.scalar("output.go", new.Syntax.Output.Go.Node, old.Output.Go, new.Output.Go, "")
	d.scalar("output.pages", new.Syntax.Output.Pages.Node, old.Output.Pages, new.Output.Pages, "")
	d.optional("output.nginx", new.Syntax.Output.Nginx.Node, old.Output.Nginx, new.Output.Nginx)
	d.optional("output.haproxy", new.Syntax.Output.HAProxy.Node, old.Output.HAProxy, new.Output.HAProxy)
	d.state()
	d.schedule()
	d.paths("exempt.paths", new.Syntax.Exempt.Paths, old.Exempt.Paths, new.Exempt.Paths)
	d.healthChecks()
	d.prefixes("exempt.ips", new.Syntax.Exempt.IPs, old.Exempt.IPs, new.Exempt.IPs)
	d.roles()
	if old.Exempt.Tests != new.Exempt.Tests {
		d.add(Change{Key: "exempt.tests", Op: Changed, Old: strconv.FormatBool(old.Exempt.Tests), New: strconv.FormatBool(new.Exempt.Tests), Pos: new.Syntax.Exempt.Tests.Pos})
	}
	d.bypass()
	d.paths("force.paths", new.Syntax.Force.Paths, old.Force.Paths, new.Force.Paths)
	d.prefixes("proxies", new.Syntax.Proxies, old.Proxies, new.Proxies)
	d.response()
	d.scalar("default_locale", new.Syntax.DefaultLocale.Node, old.DefaultLocale, new.DefaultLocale, "")
	d.messages()
	d.toggle()
	return d.out
}

type differ struct {
	old, new *policy.Policy
	out      []Change
}

func (d *differ) add(c Change) { d.out = append(d.out, c) }

// scalar reports a changed setting; values are shown quoted when needed.
func (d *differ) scalar(key string, n policy.Node, old, new, risk string) {
	if old != new {
		d.add(Change{Key: key, Op: Changed, Old: quote(old), New: quote(new), Risk: risk, Pos: n.Pos})
	}
}

// none returns s quoted as needed, or "(none)" when it is empty.
func none(s string) string {
	if s == "" {
		return "(none)"
	}
	return quote(s)
}

// optional reports a setting whose absence is meaningful.
func (d *differ) optional(key string, n policy.Node, old, new string) {
	if old != new {
		d.add(Change{Key: key, Op: Changed, Old: none(old), New: none(new), Pos: n.Pos})
	}
}

func (d *differ) state() {
	o, n := d.old.State, d.new.State
	pos := d.new.Syntax.State.Pos
	switch {
	case o == nil && n == nil:
		return
	case o != nil && n == nil:
		d.add(Change{Key: "state", Op: Removed, Old: "section", Detail: "the mode is off unless the app sets Config.State", Risk: "maintenance mode can no longer be switched on by an env var or file", Pos: pos})
		return
	case o == nil:
		o = &policy.State{}
		d.add(Change{Key: "state", Op: Added, New: "section", Pos: pos})
	}
	st := d.new.Syntax.State
	if o.Env != n.Env {
		d.add(Change{Key: "state.env", Op: Changed, Old: none(o.Env), New: none(n.Env), Pos: st.Env.Pos})
	}
	if o.File != n.File {
		c := Change{Key: "state.file", Op: Changed, Old: none(o.File), New: none(n.File), Pos: st.File.Pos}
		switch {
		case d.old.State != nil && o.File != "" && n.File == "":
			c.Risk = "no state file switches the mode any more: maintgen on, the toggle and an operator's file stop working"
		case d.old.State != nil && o.File != "":
			c.Risk = "the guard reads another file: the mode written to " + o.File + " (maintgen on, the toggle) no longer applies until it is written again"
		}
		d.add(c)
	}
	if o.Poll != n.Poll && d.old.State != nil && n.File != "" {
		d.add(Change{Key: "state.poll", Op: Changed, Old: human(o.Poll), New: human(n.Poll), Pos: st.Poll.Pos})
	}
	if o.Fallback != n.Fallback && d.old.State != nil {
		c := Change{Key: "state.fallback", Op: Changed, Old: string(statefile.Word(o.Fallback)), New: string(statefile.Word(n.Fallback)), Pos: st.Fallback.Pos}
		if !n.Fallback {
			c.Risk = "an unreadable or garbled state now means off: the site opens to everybody instead of failing closed"
		}
		d.add(c)
	}
}

// paths diffs a list of path patterns by their text.
func (d *differ) paths(key string, list policy.Strings, old, new []policy.PathPattern) {
	oldRaw, newRaw := rawsOf(old, pathRaw), rawsOf(new, pathRaw)
	for _, o := range old {
		if !newRaw[o.Raw] {
			d.add(Change{Key: key, Op: Removed, Old: quote(o.Raw), Pos: list.Pos})
		}
	}
	for _, n := range new {
		if oldRaw[n.Raw] {
			continue
		}
		c := Change{Key: key, Op: Added, New: quote(n.Raw), Pos: n.Pos}
		switch key {
		case "exempt.paths":
			switch {
			case everyPath(n):
				c.Risk = "exempts every path: with the mode on, only force.paths get the maintenance response"
			case mostPaths(n):
				c.Risk = fmt.Sprintf("exempts most paths: it matches %d of %d typical paths (/login, /cart, /api/v1/orders, ...)", pathShare(n), len(samplePaths))
			}
		case "force.paths":
			c.Risk = "these paths get the maintenance response even when the mode is off"
			if everyPath(n) {
				c.Risk = "forces every path: the whole site gets the maintenance response even when the mode is off"
			}
		}
		d.add(c)
	}
}

// healthChecks reports health check paths that the old policy let through
// with the mode on, by their exemption, and the new one does not. The
// paths probed are the usual health check paths and the old exemptions'
// own health-like paths.
func (d *differ) healthChecks() {
	probes := slices.Clone(healthPaths)
	for _, pp := range d.old.Exempt.Paths {
		switch {
		case pp.Kind == policy.Regexp || !healthRE.MatchString(pp.Raw):
		case pp.Kind == policy.Subtree:
			// A subtree exempts the paths below its root, not the root.
			probes = append(probes, pp.Path+"live")
		default:
			probes = append(probes, pp.Path)
		}
	}
	slices.Sort(probes)
	probes = slices.Compact(probes)
	for _, path := range probes {
		req := interp.Request{Method: "GET", Path: path, On: true}
		od, nd := interp.Evaluate(d.old, req), interp.Evaluate(d.new, req)
		if od.Step != interp.StepExemptPaths || nd.Pass {
			continue
		}
		why := "health checks of " + path + " now get the maintenance response during maintenance, and a load balancer may take every instance out of service"
		rule := d.old.Exempt.Paths[slices.IndexFunc(d.old.Exempt.Paths, func(pp policy.PathPattern) bool { return pp.Index == od.Rule })]
		attached := false
		for i := range d.out {
			c := &d.out[i]
			if c.Key == "exempt.paths" && c.Op == Removed && c.Old == quote(rule.Raw) {
				c.Risk = join(c.Risk, why)
				attached = true
			}
		}
		if !attached {
			d.add(Change{Key: "exempt.paths", Op: Note, Detail: path + " is no longer exempt (" + string(nd.Step) + " decides it)", Risk: why, Pos: d.new.Syntax.Exempt.Paths.Pos})
		}
	}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// prefixes diffs exempt.ips or proxies, counting the addresses each
// change adds to or takes from the list as a whole.
func (d *differ) prefixes(key string, list policy.Strings, old, new []policy.Prefix) {
	oldSet, newSet := policySet(old), policySet(new)
	oldRaw, newRaw := rawsOf(old, prefixRaw), rawsOf(new, prefixRaw)
	proxies := key == "proxies"
	from := len(d.out)
	defer func() {
		// Judge the union when no single entry already carries a risk.
		if !slices.ContainsFunc(d.out[from:], func(c Change) bool { return c.Risk != "" }) {
			d.union(key, list, oldSet, newSet)
		}
	}()
	for _, o := range old {
		if newRaw[o.Raw] {
			continue
		}
		c := Change{Key: key, Op: Removed, Old: quote(o.Raw), Pos: list.Pos}
		switch n := outside(o.Prefix, newSet); {
		case n.Sign() == 0:
			c.Detail = "still covered: no narrower access"
		case proxies:
			c.Detail = "stops trusting " + countAddrs(n)
		default:
			c.Detail = "narrows access by " + countAddrs(n)
		}
		d.add(c)
	}
	for _, n := range new {
		if oldRaw[n.Raw] {
			continue
		}
		c := Change{Key: key, Op: Added, New: quote(n.Raw), Pos: n.Pos}
		wider := outside(n.Prefix, oldSet)
		switch {
		case wider.Sign() == 0 && proxies:
			c.Detail = "already trusted: no wider trust"
		case wider.Sign() == 0:
			c.Detail = "already covered: no wider access"
		case proxies:
			c.Detail = "widens trust by " + countAddrs(wider)
			c.Risk = "proxies widened: X-Forwarded-For from these peers decides the client IP, and so who matches exempt.ips"
		default:
			c.Detail = "widens access by " + countAddrs(wider)
		}
		if every := everyAddress(n.Prefix); every != "" && wider.Sign() != 0 {
			if proxies {
				c.Risk = "trusts X-Forwarded-For from " + every + ": any client can then claim any address"
			} else {
				c.Risk = "exempts " + every
			}
		}
		d.add(c)
	}
}

// union reports a widened union of exempt.ips or proxies as a whole, so
// that a change split into harmless-looking parts (0.0.0.0/1 and
// 128.0.0.0/1) is seen for what it does: a risk when the new union holds
// half of all IPv4 addresses or half of all IPv6 ones, and more than
// before.
func (d *differ) union(key string, list policy.Strings, oldSet, newSet *netipx.IPSet) {
	o4, o6 := countByFamily(oldSet)
	n4, n6 := countByFamily(newSet)
	half4, half6 := new(big.Int).Lsh(big.NewInt(1), 31), new(big.Int).Lsh(big.NewInt(1), 127)
	var before, after *big.Int
	switch {
	case n4.Cmp(o4) > 0 && n4.Cmp(half4) >= 0:
		before, after = o4, n4
	case n6.Cmp(o6) > 0 && n6.Cmp(half6) >= 0:
		before, after = o6, n6
	default:
		return
	}
	c := Change{Key: key, Op: Note, Detail: "all of it now holds " + countAddrs(after) + ", up from " + countAddrs(before), Pos: list.Pos}
	if key == "proxies" {
		c.Risk = "X-Forwarded-For is trusted from half the address space or more: most clients can claim any address, an exempt one included"
	} else {
		c.Risk = "exempts half the address space or more: judge the list as a whole, not entry by entry"
	}
	d.add(c)
}

// countByFamily returns how many IPv4 addresses (as IPv4-mapped IPv6) and
// how many other IPv6 addresses s holds.
func countByFamily(s *netipx.IPSet) (v4, v6 *big.Int) {
	var b netipx.IPSetBuilder
	b.AddPrefix(netip.MustParsePrefix("::ffff:0.0.0.0/96"))
	b.Intersect(s)
	v4 = count(buildSet(&b))
	return v4, new(big.Int).Sub(count(s), v4)
}

func (d *differ) roles() {
	list := d.new.Syntax.Exempt.Roles
	for _, o := range d.old.Exempt.Roles {
		if !slices.ContainsFunc(d.new.Exempt.Roles, func(n policy.Role) bool { return n.Raw == o.Raw }) {
			d.add(Change{Key: "exempt.roles", Op: Removed, Old: quote(o.Raw), Pos: list.Pos})
		}
	}
	for _, n := range d.new.Exempt.Roles {
		if slices.ContainsFunc(d.old.Exempt.Roles, func(o policy.Role) bool { return o.Raw == n.Raw }) {
			continue
		}
		c := Change{Key: "exempt.roles", Op: Added, New: quote(n.Raw), Pos: n.Pos}
		switch n.Raw {
		case "anonymous":
			c.Risk = "exempts every request without roles: every visitor who is not signed in"
		case "authenticated":
			c.Detail = "every request with any role"
		}
		d.add(c)
	}
}

// seconds formats a whole number of seconds as "90s (1m30s)", or zero
// when s is 0.
func seconds(s int64, zero string) string {
	if s == 0 {
		return zero
	}
	d := human(time.Duration(s) * time.Second)
	if d == strconv.FormatInt(s, 10)+"s" {
		return d
	}
	return strconv.FormatInt(s, 10) + "s (" + d + ")"
}

func secondsDuration(s int64) time.Duration { return time.Duration(s) * time.Second }

// human formats d as time.Duration does, without zero trailing units:
// "1h", "15m", "1h30m", "90ms".
func human(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// code formats s as a Markdown code span.
func code(s string) string {
	s = escapeControl(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func (d *differ) response() {
	o, n := d.old.Response, d.new.Response
	doc := d.new.Syntax.Response
	if o.Status != n.Status {
		c := Change{Key: "response.status", Op: Changed, Old: strconv.Itoa(o.Status), New: strconv.Itoa(n.Status), Pos: doc.Status.Pos}
		if o.Status == 503 {
			c.Risk = "the status moves away from 503 Service Unavailable: clients, caches, crawlers and load balancers take other statuses for failures (RFC 9110, section 15.6.4)"
		}
		d.add(c)
	}
	if o.RetryAfter != n.RetryAfter {
		d.add(Change{Key: "response.retry_after", Op: Changed, Old: seconds(o.RetryAfter, "0 (no Retry-After)"), New: seconds(n.RetryAfter, "0 (no Retry-After)"), Pos: doc.RetryAfter.Pos})
	}
	d.scalar("response.format", doc.Format.Node, string(o.Format), string(n.Format), "")
	d.paths("response.json_paths", doc.JSONPaths, o.JSONPaths, n.JSONPaths)
	if o.Redirect != n.Redirect {
		d.add(Change{Key: "response.redirect", Op: Changed, Old: none(o.Redirect), New: none(n.Redirect), Pos: doc.Redirect.Pos})
	}
	if o.Template != n.Template {
		builtin := func(s string) string {
			if s == "" {
				return "(built-in)"
			}
			return quote(s)
		}
		d.add(Change{Key: "response.template", Op: Changed, Old: builtin(o.Template), New: builtin(n.Template), Pos: doc.Template.Pos})
	}
	if o.Refresh != n.Refresh {
		d.add(Change{Key: "response.refresh", Op: Changed, Old: seconds(o.Refresh, "(none)"), New: seconds(n.Refresh, "(none)"), Pos: doc.Refresh.Pos})
	}
	d.list("response.clear_cookies", doc.ClearCookies, o.ClearCookies, n.ClearCookies, "")
}

// list diffs a list of plain names.
func (d *differ) list(key string, list policy.Strings, old, new []string, risk string) {
	for _, c := range d.listChanges(key, list, old, new, risk) {
		d.add(c)
	}
}

// listChanges returns the changes of a list of strings: the removed, then
// the added ones, each added one with risk.
func (d *differ) listChanges(key string, list policy.Strings, old, new []string, risk string) []Change {
	var out []Change
	for _, o := range old {
		if !slices.Contains(new, o) {
			out = append(out, Change{Key: key, Op: Removed, Old: quote(o), Pos: list.Pos})
		}
	}
	for i, n := range new {
		if !slices.Contains(old, n) {
			pos := list.Pos
			if i < len(list.Items) {
				pos = list.Items[i].Pos
			}
			out = append(out, Change{Key: key, Op: Added, New: quote(n), Risk: risk, Pos: pos})
		}
	}
	return out
}

// rawsOf returns the set of the rules' texts as written.
func rawsOf[R any](rules []R, raw func(R) string) map[string]bool {
	m := make(map[string]bool, len(rules))
	for _, r := range rules {
		m[raw(r)] = true
	}
	return m
}

// escapeControl returns s, or, when s holds a control character (a
// newline, an escape, a C1 control, a line or paragraph separator, a
// bidirectional override), s quoted with its escapes: policy values reach
// terminals, GitHub workflow commands and Markdown comments, where such a
// character would end a line, a code span or a command, or restyle the
// screen.
func escapeControl(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
	}) {
		return strconv.Quote(s)
	}
	return s
}

func pathRaw(p policy.PathPattern) string { return p.Raw }
func prefixRaw(p policy.Prefix) string    { return p.Raw }

// window formats a maintenance window.
func window(w policy.Window) string {
	return w.Start.Format(time.RFC3339) + " to " + w.End.Format(time.RFC3339)
}

// schedule diffs the maintenance windows, by their times.
func (d *differ) schedule() {
	doc := d.new.Syntax.Schedule
	same := func(a, b policy.Window) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) }
	for _, o := range d.old.Schedule {
		if !slices.ContainsFunc(d.new.Schedule, func(n policy.Window) bool { return same(o, n) }) {
			d.add(Change{Key: "schedule", Op: Removed, Old: window(o), Detail: "window", Pos: doc.Pos})
		}
	}
	for _, n := range d.new.Schedule {
		if !slices.ContainsFunc(d.old.Schedule, func(o policy.Window) bool { return same(o, n) }) {
			d.add(Change{Key: "schedule", Op: Added, New: window(n), Detail: "window: maintenance mode is on then, whatever the state says", Pos: n.Pos})
		}
	}
	if d.old.Announce != d.new.Announce {
		d.add(Change{Key: "announce", Op: Changed, Old: human(d.old.Announce), New: human(d.new.Announce), Pos: d.new.Syntax.Announce.Pos})
	}
}

// bypass diffs the bypass link, a way in for whoever holds its secret.
func (d *differ) bypass() {
	o, n := d.old.Bypass, d.new.Bypass
	doc := d.new.Syntax.Bypass
	switch {
	case o == nil && n == nil:
		return
	case o != nil && n == nil:
		d.add(Change{Key: "bypass", Op: Removed, Old: "section", Detail: "bypass cookies no longer let their holders in", Pos: doc.Pos})
		return
	case o == nil:
		d.add(Change{Key: "bypass", Op: Added, New: "section", Detail: "GET " + n.Path + "/<secret> sets a cookie that lets its holder in for " + human(n.TTL),
			Risk: "a new way in: whoever holds the secret in " + n.SecretEnv + " gets past maintenance", Pos: doc.Pos})
		return
	}
	if o.SecretEnv != n.SecretEnv {
		d.add(Change{Key: "bypass.secret_env", Op: Changed, Old: o.SecretEnv, New: n.SecretEnv, Pos: doc.SecretEnv.Pos})
	}
	if o.Path != n.Path {
		d.add(Change{Key: "bypass.path", Op: Changed, Old: o.Path, New: n.Path, Pos: doc.Path.Pos})
	}
	if o.TTL != n.TTL {
		d.add(Change{Key: "bypass.ttl", Op: Changed, Old: human(o.TTL), New: human(n.TTL), Pos: doc.TTL.Pos})
	}
	if o.InsecureCookie != n.InsecureCookie {
		c := Change{Key: "bypass.insecure_cookie", Op: Changed, Old: strconv.FormatBool(o.InsecureCookie), New: strconv.FormatBool(n.InsecureCookie), Pos: doc.InsecureCookie.Pos}
		if n.InsecureCookie {
			c.Risk = "the bypass cookie loses its Secure attribute: it can leak over plain HTTP"
		}
		d.add(c)
	}
}

// toggle diffs who may switch the mode with the generated ToggleHandler.
func (d *differ) toggle() {
	risk := ""
	if slices.Contains(d.new.Toggle.RoleNames(), "authenticated") {
		risk = "every signed-in user may switch the site into or out of maintenance"
	}
	for _, c := range d.listChanges("toggle.roles", d.new.Syntax.Toggle.Roles, d.old.Toggle.RoleNames(), d.new.Toggle.RoleNames(), "") {
		if c.Op == Added && c.New == quote("authenticated") {
			c.Risk = risk
		}
		d.add(c)
	}
}

func (d *differ) messages() {
	list := d.new.Syntax.Messages
	find := func(ls []policy.Locale, tag string) (policy.Locale, bool) {
		i := slices.IndexFunc(ls, func(l policy.Locale) bool { return l.Tag == tag })
		if i < 0 {
			return policy.Locale{}, false
		}
		return ls[i], true
	}
	var oldTags, newTags []string
	for _, o := range d.old.Locales {
		oldTags = append(oldTags, o.Tag)
		if _, ok := find(d.new.Locales, o.Tag); !ok {
			d.add(Change{Key: "messages", Op: Removed, Old: o.Tag, Detail: "locale", Pos: list.Pos})
		}
	}
	for _, n := range d.new.Locales {
		newTags = append(newTags, n.Tag)
		o, ok := find(d.old.Locales, n.Tag)
		if !ok {
			d.add(Change{Key: "messages", Op: Added, New: n.Tag, Detail: "locale", Pos: n.Pos})
			continue
		}
		for _, f := range []struct {
			name     string
			old, new string
		}{{"title", o.Title, n.Title}, {"heading", o.Heading, n.Heading}, {"body", o.Body, n.Body}} {
			if f.old != f.new {
				d.add(Change{Key: "messages." + n.Tag + "." + f.name, Op: Changed, Old: strconv.Quote(f.old), New: strconv.Quote(f.new), Pos: n.Pos})
			}
		}
	}
	// The order decides which locale a language-only range finds.
	var common, commonNew []string
	for _, t := range oldTags {
		if slices.Contains(newTags, t) {
			common = append(common, t)
		}
	}
	for _, t := range newTags {
		if slices.Contains(oldTags, t) {
			commonNew = append(commonNew, t)
		}
	}
	if !slices.Equal(common, commonNew) {
		d.add(Change{Key: "messages", Op: Changed, Old: strings.Join(common, ", "), New: strings.Join(commonNew, ", "), Detail: "order, which decides the locale a language-only Accept-Language range finds", Pos: list.Pos})
	}
}

// Risks counts the changes that carry a risk.
func Risks(changes []Change) int {
	n := 0
	for _, c := range changes {
		if c.Risk != "" {
			n++
		}
	}
	return n
}

// Describe returns the change without its key, values passed through
// code: "+ NEW (DETAIL)", "- OLD (DETAIL)", "OLD -> NEW (DETAIL)" or
// "DETAIL".
func (c Change) Describe(code func(string) string) string {
	var s string
	switch c.Op {
	case Added:
		s = "+ " + code(c.New)
	case Removed:
		s = "- " + code(c.Old)
	case Changed:
		s = code(c.Old) + " -> " + code(c.New)
	case Note:
		return c.Detail
	}
	if c.Detail != "" {
		s += " (" + c.Detail + ")"
	}
	return s
}

// String formats c as one line of the text diff:
// "KEY: CHANGE", or "RISK: KEY: CHANGE: RISK" when it carries a risk.
func (c Change) String() string {
	s := c.Key + ": " + c.Describe(plain)
	if c.Risk != "" {
		return "RISK: " + s + ": " + c.Risk
	}
	return s
}

// FormatDiff formats changes as text, one line each (see Change.String),
// then a summary line, or as Markdown for a pull request comment.
func FormatDiff(changes []Change, markdown bool) string {
	var b strings.Builder
	summary := summarize(changes)
	if !markdown {
		for _, c := range changes {
			fmt.Fprintln(&b, c)
		}
		fmt.Fprintln(&b, summary)
		return b.String()
	}
	fmt.Fprintf(&b, "### Maintenance policy: %s\n", summary)
	if len(changes) > 0 {
		b.WriteByte('\n')
	}
	for _, c := range changes {
		line := "- " + code(c.Key) + ": " + c.Describe(code)
		if c.Risk != "" {
			line = "- **RISK** " + code(c.Key) + ": " + c.Describe(code) + "  \n  " + c.Risk
		}
		fmt.Fprintln(&b, line)
	}
	return b.String()
}

func summarize(changes []Change) string {
	if len(changes) == 0 {
		return "no semantic changes"
	}
	return plural(len(changes), "change") + ", " + plural(Risks(changes), "risk")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
