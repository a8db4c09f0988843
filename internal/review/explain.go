package review

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/statefile"
)

// Explain returns a plain-language summary of p: who still gets in while
// maintenance mode is on, and how; which paths are always blocked; what
// everybody else gets (status, format, locales, Retry-After); and where
// the on/off switch lives. markdown selects Markdown, for a pull request
// comment, over plain text. Rules appear in the order written.
func Explain(p *policy.Policy, markdown bool) string {
	c := plain
	if markdown {
		c = code
	}
	e := &explainer{p: p, c: c}
	var b strings.Builder
	if markdown {
		fmt.Fprintf(&b, "## Maintenance policy %s\n", c(p.File))
	} else {
		fmt.Fprintf(&b, "Maintenance policy %s\n", p.File)
	}
	for _, s := range []section{e.whoGetsIn(), e.forced(), e.response(), e.state(), e.outputs(), e.fronts()} {
		if len(s.items) == 0 {
			continue
		}
		b.WriteByte('\n')
		if markdown {
			fmt.Fprintf(&b, "### %s\n\n", s.title)
		} else {
			fmt.Fprintf(&b, "%s:\n", s.title)
		}
		for _, it := range s.items {
			if markdown {
				fmt.Fprintf(&b, "- %s\n", it)
			} else {
				fmt.Fprintf(&b, "  - %s\n", it)
			}
		}
	}
	return b.String()
}

type section struct {
	title string
	items []string
}

type explainer struct {
	p *policy.Policy
	c func(string) string // formats a value: as is, or as a Markdown code span
}

func (e *explainer) list(items []string) string {
	for i, it := range items {
		items[i] = e.c(it)
	}
	return andList(items)
}

func (e *explainer) paths(pats []policy.PathPattern) string {
	var parts []string
	for _, pp := range pats {
		parts = append(parts, describePath(pp, e.c))
	}
	return strings.Join(parts, "; ")
}

// whoGetsIn lists the exemptions of p in the order of interp.Steps, which
// is the order in which they apply.
func (e *explainer) whoGetsIn() section {
	p := e.p
	s := section{title: "Who still gets in while maintenance mode is on"}
	for _, step := range interp.Steps() {
		if item := e.exemption(step.Step); item != "" {
			s.items = append(s.items, item)
		}
	}
	if len(s.items) == 0 {
		s.items = append(s.items, "nobody: every request gets the maintenance response")
	} else if len(p.Force.Paths) > 0 {
		s.items = append(s.items, "except on the paths that are always blocked (below)")
	}
	if len(p.Exempt.IPs) > 0 {
		if len(p.Proxies) > 0 {
			var raws []string
			for _, px := range p.Proxies {
				raws = append(raws, px.Raw)
			}
			s.items = append(s.items, "the client IP is the connection's peer address; when the peer is a trusted proxy ("+e.list(raws)+
				"), it is the rightmost X-Forwarded-For address that is not a proxy")
		} else {
			s.items = append(s.items, "the client IP is the connection's peer address; X-Forwarded-For is never read, as no proxies are set")
		}
	}
	return s
}

// exemption describes who the exemption step lets through under p; ""
// when p exempts nobody by that step, or the step is not an exemption.
func (e *explainer) exemption(step interp.Step) string {
	p := e.p
	switch step {
	case interp.StepExemptTests:
		if p.Exempt.Tests {
			return "every request while the program runs under go test (" + string(step) + ")"
		}
	case interp.StepExemptPaths:
		if len(p.Exempt.Paths) > 0 {
			return "anybody, on these paths: " + e.paths(p.Exempt.Paths) +
				" (never when the escaped path hides a separator, such as %2f)"
		}
	case interp.StepExemptIPs:
		if len(p.Exempt.IPs) > 0 {
			var parts []string
			for _, ip := range p.Exempt.IPs {
				parts = append(parts, e.c(ip.Raw)+" ("+countAddrs(size(rangeOf(ip.Prefix)))+")")
			}
			item := "clients from these addresses: " + strings.Join(parts, ", ")
			if len(p.Exempt.IPs) > 1 {
				item += "; " + countAddrs(count(policySet(p.Exempt.IPs))) + " in all"
			}
			return item
		}
	case interp.StepExemptRoles:
		if len(p.Exempt.Roles) > 0 {
			var roles []string
			for _, r := range p.Exempt.Roles {
				name := e.c(r.Raw)
				switch r.Raw {
				case "anonymous":
					name += " (every request without roles)"
				case "authenticated":
					name += " (every request with any role)"
				}
				roles = append(roles, name)
			}
			return "requests with one of these roles, as the app's Config.Roles reports them: " + strings.Join(roles, ", ")
		}
	case interp.StepBypass:
		if b := p.Bypass; b != nil {
			return "holders of a valid bypass cookie, which " + e.c("GET "+b.Path+"/<secret>") + " sets for " + human(b.TTL) + "; the secret is the value of the environment variable " + e.c(b.SecretEnv)
		}
	}
	return ""
}

func (e *explainer) forced() section {
	s := section{title: "Always blocked, even when maintenance mode is off"}
	for _, pp := range e.p.Force.Paths {
		s.items = append(s.items, describePath(pp, e.c))
	}
	return s
}

func (e *explainer) response() section {
	p, r := e.p, e.p.Response
	s := section{title: "What everybody else gets"}
	if r.Redirect != "" {
		item := "a 302 redirect to " + e.c(r.Redirect) + ", which serves the maintenance page below"
		if len(r.JSONPaths) > 0 {
			item += " (the json_paths too: their clients get the redirect, not JSON)"
		}
		s.items = append(s.items, item)
	}
	status := "status " + e.c(strconv.Itoa(r.Status))
	if r.RetryAfter > 0 {
		status += " with " + e.c("Retry-After: "+strconv.FormatInt(r.RetryAfter, 10))
		if h := human(secondsDuration(r.RetryAfter)); h != strconv.FormatInt(r.RetryAfter, 10)+"s" {
			status += " (" + h + ")"
		}
	} else {
		status += ", without Retry-After"
	}
	s.items = append(s.items, status)
	page := "the built-in page"
	if r.Template != "" {
		page = "the page of the template " + e.c(r.Template)
	}
	switch r.Format {
	case policy.FormatHTML:
		s.items = append(s.items, "an HTML page: "+page)
	case policy.FormatJSON:
		s.items = append(s.items, "JSON problem details (RFC 9457, "+e.c("application/problem+json")+")")
	case policy.FormatAuto:
		why := "when the Accept header prefers JSON"
		if len(r.JSONPaths) > 0 {
			why = "on these paths: " + e.paths(r.JSONPaths) + "; elsewhere " + why
		}
		s.items = append(s.items, "JSON problem details (RFC 9457) "+why+"; otherwise an HTML page: "+page)
	}
	if r.Refresh > 0 && r.Format != policy.FormatJSON {
		s.items = append(s.items, "the HTML page reloads itself every "+human(secondsDuration(r.Refresh)))
	}
	var tags []string
	for _, l := range p.Locales {
		t := e.c(l.Tag)
		if l.Tag == p.DefaultLocale && len(p.Locales) > 1 {
			t += " (default)"
		}
		if l.RTL {
			t += " (right to left)"
		}
		tags = append(tags, t)
	}
	if len(p.Locales) == 1 {
		s.items = append(s.items, "in one locale: "+tags[0])
	} else {
		s.items = append(s.items, "in the locale that Accept-Language asks for among "+strings.Join(tags, ", ")+"; "+e.c(p.DefaultLocale)+" when it asks for none of them")
	}
	s.items = append(s.items, e.c("Cache-Control: no-store")+", so no cache keeps the maintenance response")
	if len(r.ClearCookies) > 0 {
		s.items = append(s.items, "these cookies expired (Max-Age=0): "+e.list(slices.Clone(r.ClearCookies)))
	}
	return s
}

func (e *explainer) state() section {
	s := section{title: "Where the on/off switch lives"}
	if len(e.p.Schedule) > 0 {
		var ws []string
		for _, w := range e.p.Schedule {
			ws = append(ws, e.c(w.Start.Format(time.RFC3339))+" to "+e.c(w.End.Format(time.RFC3339)))
		}
		item := "the schedule: the mode is on during these windows, whatever the switches below say: " + strings.Join(ws, ", ")
		if e.p.Announce > 0 {
			item += "; a window is announced " + human(e.p.Announce) + " ahead"
		}
		s.items = append(s.items, item)
	}
	s.items = append(s.items, e.switches()...)
	roles := e.p.Toggle.RoleNames()
	word := "role "
	if len(roles) > 1 {
		word = "roles "
	}
	s.items = append(s.items, "the generated ToggleHandler, where the app mounts it, lets users with the "+word+e.list(roles)+" switch the mode")
	return s
}

// switches says how the state section decides the mode.
func (e *explainer) switches() []string {
	st := e.p.State
	items := []string{"the app's Config.State, when it sets one: it overrides everything below"}
	if st == nil {
		items = append(items, "otherwise nowhere: the policy has no state section, so the mode is off")
		return items
	}
	if st.Env != "" {
		items = append(items, "the environment variable "+e.c(st.Env)+", read when the guard starts: when set and non-empty it decides")
	}
	if st.File != "" {
		lead := "the file "
		if st.Env != "" {
			lead = "otherwise the file "
		}
		items = append(items, lead+e.c(st.File)+" (relative to the app's working directory), re-read at most every "+human(st.Poll)+"; a missing file means off")
	} else {
		items = append(items, "otherwise the mode is off")
	}
	what := "any other value"
	if st.File != "" {
		what += ", or an unreadable file,"
	}
	items = append(items, "the words are on, off, 1, 0, true and false, in any case; "+what+" means "+e.c(string(statefile.Word(st.Fallback)))+" (state.fallback)",
		"read-only mode (the word read-only, or maintgen on -read-only) lets GET, HEAD and OPTIONS requests through and gives the others the maintenance response (read-only)")
	if st.File != "" {
		items = append(items, "maintgen on can give the file a start (-at), an end (-for, -until) and a reason (-reason), which the page and the JSON show and Retry-After counts down to")
	}
	return items
}

func (e *explainer) outputs() section {
	p := e.p
	s := section{title: "Generated files", items: []string{
		"the middleware " + e.c(p.Output.Go) + " (package " + e.c(p.Package) + "), which imports only the standard library",
		"static copies of the pages in " + e.c(p.Output.Pages+"/") + ", for a CDN or proxy to serve while the app is down",
	}}
	if p.Output.Nginx != "" {
		s.items = append(s.items, "the nginx snippets "+e.c(p.Output.Nginx)+" (server{}) and "+e.c(p.Output.NginxHTTP)+" (http{})")
	}
	if p.Output.HAProxy != "" {
		s.items = append(s.items, "the HAProxy errorfile "+e.c(p.Output.HAProxy))
	}
	if p.Output.Caddy != "" {
		s.items = append(s.items, "the Caddyfile snippet "+e.c(p.Output.Caddy))
	}
	if p.Output.Worker != "" {
		s.items = append(s.items, "the Cloudflare Worker module "+e.c(p.Output.Worker))
	}
	return s
}

// fronts says what each proxy configuration enforces in front of the
// app, and what it cannot (README.md and docs/caddy-and-workers.md list
// every difference).
func (e *explainer) fronts() section {
	p := e.p
	s := section{title: "At the proxy in front of the app"}
	var names []string
	if p.Output.Nginx != "" {
		names = append(names, "nginx")
	}
	if p.Output.Caddy != "" {
		names = append(names, "Caddy")
	}
	if len(names) > 0 {
		who := strings.Join(names, " and ")
		apply, answer, fail := " apply ", " and answer ", " fail closed where they cannot"
		if len(names) == 1 {
			apply, answer, fail = " applies ", " and answers ", " fails closed where it cannot"
		}
		mode := "the mode is never on (the policy has no state.file), so only force.paths apply"
		if p.State != nil && p.State.File != "" {
			mode = "the mode is on while " + e.c(p.State.File) + " exists, whatever it holds (maintgen off removes it); state.env, state.fallback, schedule windows and the end of \"on until\" are not read"
		}
		s.items = append(s.items,
			who+apply+"force.paths, the mode, exempt.paths (for a path in canonical form only) and exempt.ips (the client address through proxies),"+answer+"with the policy's status, headers, pages and negotiation",
			who+": "+mode)
		var cannot []string
		if len(p.Exempt.Roles) > 0 {
			cannot = append(cannot, "exempt.roles")
		}
		if p.Bypass != nil {
			cannot = append(cannot, "bypass links and cookies")
		}
		if p.Exempt.Tests {
			cannot = append(cannot, "exempt.tests")
		}
		if len(cannot) > 0 {
			s.items = append(s.items, who+" cannot check "+strings.Join(cannot, ", ")+": those requests get the maintenance response there (fail closed)")
		}
		s.items = append(s.items, who+fail+" read a request as the middleware does: a path that is not clean on the request line is never exempt by path and, with force.paths, always forced; an X-Forwarded-For entry not read alike grants no IP exemption")
	}
	if p.Output.Worker != "" {
		s.items = append(s.items,
			"the Cloudflare Worker applies force.paths, the mode, response.redirect, read-only mode, schedule windows, exempt.paths (for a path in canonical form only) and exempt.ips (the client address in CF-Connecting-IP, which Cloudflare sets; proxies are not read), and answers with the policy's status, headers, pages and negotiation, with the setting's reason and end; it passes everything else to the origin",
			"the Cloudflare Worker: the mode is the KV key "+e.c("state")+" of the namespace bound as "+e.c("MAINTENANCE")+", or the text variable "+e.c("MAINTENANCE_STATE")+", in the state file's words (a missing key means off, garbage means state.fallback); it does not read state.env, state.file or the app's Config.State")
		var cannot []string
		if len(p.Exempt.Roles) > 0 {
			cannot = append(cannot, "exempt.roles")
		}
		if p.Bypass != nil {
			cannot = append(cannot, "bypass links and cookies")
		}
		if p.Exempt.Tests {
			cannot = append(cannot, "exempt.tests")
		}
		if len(cannot) > 0 {
			s.items = append(s.items, "the Cloudflare Worker cannot check "+strings.Join(cannot, ", ")+": those requests get the maintenance response there (fail closed)")
		}
		s.items = append(s.items, "the Cloudflare Worker decides on the target as it received it and on the one it forwards (without dot segments): it passes a request only when both pass")
	}
	if p.Output.HAProxy != "" {
		s.items = append(s.items, "HAProxy serves its errorfile (the default locale's page) only when it answers itself, with no negotiation and no exemptions")
	}
	return s
}
