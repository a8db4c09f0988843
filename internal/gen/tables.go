package gen

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// Tables are a policy compiled for the generated code: the values its
// tables hold, computed once, so that the Go printer (Source, and Tables
// for the runtime's tests) and the proxy configurations read the same
// ones. Compile makes them.
type Tables struct {
	File     string          // the policy file's base name, for comments
	Features map[string]bool // a feature's name (Features) to whether the policy uses it

	State           policy.State // the state section; the zero State but for Poll when there is none
	Status          int          // response.status
	RetryAfter      string       // the Retry-After value, in seconds; "" for none
	RetryDate       bool         // response.retry_after_form http-date
	Format          policy.Format
	Redirect        string // response.redirect; "" for none
	DefaultLocale   int    // index of default_locale in Locales
	ForcePaths      PathTable
	ExemptPaths     PathTable
	JSONPaths       PathTable
	ExemptIPs       []Segment      // exempt.ips, flattened
	Proxies         []Segment      // proxies, flattened
	ForceRules      int            // the number of force.paths rules
	ExemptPathRules int            // the number of exempt.paths rules
	ExemptIPRules   int            // the number of exempt.ips rules
	ExemptRoleRules int            // the number of exempt.roles rules
	ProxyRules      int            // the number of proxies rules
	ExemptRoles     map[string]int // role to the index of its first rule
	Bypass          *policy.Bypass // nil: no bypass section
	Announce        time.Duration
	Schedule        []policy.Window
	ToggleRoles     []string // sorted, without duplicates
	ClearCookieSet  []string // the Set-Cookie values that expire response.clear_cookies
	Locales         []LocaleTable
}

// PathTable is one list of path patterns as the generated matcher holds
// it: exact paths and subtrees (without their trailing slash; "" for /) to
// the index of the first rule that names them, and the re: patterns in
// policy order.
type PathTable struct {
	Exact, Subtree map[string]int
	Regexps        []RegexpRule
}

// RegexpRule is one re: pattern: its rule index, the literal prefix every
// path it matches begins with (regexp.LiteralPrefix), and the anchored
// expression.
type RegexpRule struct {
	Rule     int
	Prefix   string
	Anchored string
}

// LocaleTable is one locale: its tag as written, its language subtag, its
// rendered pages, the offset of the HTML page's slot (-1 for none) and
// the label of the expected end.
type LocaleTable struct {
	Tag, Lang  string
	HTML, JSON string
	Slot       int
	UntilLabel string
}

// Compile computes p's tables; pages are p's rendered pages, as
// render.Pages returns them. The error names a page or locale p lacks.
func Compile(p *policy.Policy, pages []render.Page) (*Tables, error) {
	t := &Tables{
		File:            path.Base(p.File),
		Features:        features(p),
		State:           policy.State{Poll: policy.DefaultPoll},
		Status:          p.Response.Status,
		Format:          p.Response.Format,
		Redirect:        p.Response.Redirect,
		ForcePaths:      pathTable(p.Force.Paths),
		ExemptPaths:     pathTable(p.Exempt.Paths),
		JSONPaths:       pathTable(p.Response.JSONPaths),
		ExemptIPs:       Flatten(p.Exempt.IPs),
		Proxies:         Flatten(p.Proxies),
		RetryDate:       p.Response.RetryDate,
		ForceRules:      len(p.Force.Paths),
		ExemptPathRules: len(p.Exempt.Paths),
		ExemptIPRules:   len(p.Exempt.IPs),
		ExemptRoleRules: len(p.Exempt.Roles),
		ProxyRules:      len(p.Proxies),
		ExemptRoles:     map[string]int{},
		Bypass:          p.Bypass,
		Announce:        p.Announce,
		Schedule:        p.Schedule,
		ToggleRoles:     slices.Compact(slices.Sorted(slices.Values(p.Toggle.RoleNames()))),
	}
	if p.State != nil {
		t.State = *p.State
	}
	if p.Response.RetryAfter > 0 {
		t.RetryAfter = strconv.FormatInt(p.Response.RetryAfter, 10)
	}
	t.DefaultLocale = slices.IndexFunc(p.Locales, func(l policy.Locale) bool { return l.Tag == p.DefaultLocale })
	if t.DefaultLocale < 0 {
		return nil, fmt.Errorf("default locale %q has no messages", p.DefaultLocale)
	}
	for _, r := range p.Exempt.Roles {
		if _, dup := t.ExemptRoles[r.Raw]; !dup {
			t.ExemptRoles[r.Raw] = r.Index
		}
	}
	for _, name := range p.Response.ClearCookies {
		t.ClearCookieSet = append(t.ClearCookieSet, policy.ClearCookie(name))
	}
	find := func(tag string, f render.Format) (*render.Page, error) {
		for i, pg := range pages {
			if pg.Locale == tag && pg.Format == f {
				return &pages[i], nil
			}
		}
		return nil, fmt.Errorf("no %s page for locale %s", f, tag)
	}
	for _, l := range p.Locales {
		html, err := find(l.Tag, render.HTML)
		if err != nil {
			return nil, err
		}
		json, err := find(l.Tag, render.JSON)
		if err != nil {
			return nil, err
		}
		t.Locales = append(t.Locales, LocaleTable{Tag: l.Tag, Lang: l.Lang, HTML: string(html.Body), JSON: string(json.Body), Slot: html.Slot, UntilLabel: l.UntilLabel})
	}
	return t, nil
}

// pathTable compiles one list of path patterns.
func pathTable(pats []policy.PathPattern) PathTable {
	t := PathTable{Exact: map[string]int{}, Subtree: map[string]int{}}
	for _, pp := range pats {
		switch pp.Kind {
		case policy.Exact:
			if _, dup := t.Exact[pp.Path]; !dup {
				t.Exact[pp.Path] = pp.Index
			}
		case policy.Subtree:
			k := strings.TrimSuffix(pp.Path, "/")
			if _, dup := t.Subtree[k]; !dup {
				t.Subtree[k] = pp.Index
			}
		case policy.Regexp:
			prefix, _ := regexp.MustCompile(pp.Expr).LiteralPrefix()
			t.Regexps = append(t.Regexps, RegexpRule{Rule: pp.Index, Prefix: prefix, Anchored: policy.AnchorRegexp(pp.Expr)})
		}
	}
	return t
}

// write prints t's tables as Go: those of the core, and those of each
// feature on (on, a feature's name to on, is t.Features but for the tests
// of the variants).
func (t *Tables) write(b *bytes.Buffer, on map[string]bool) {
	fmt.Fprintf(b, "\n// Tables compiled from %s.\n\n", t.File)
	b.WriteString("const (\n")
	if on["state"] || on["toggle"] {
		fmt.Fprintf(b, "stateEnv = %s // state.env\n", strconv.Quote(t.State.Env))
	}
	fmt.Fprintf(b, "stateFile = %s // state.file\n", strconv.Quote(t.State.File))
	if on["file"] {
		fmt.Fprintf(b, "statePoll = %d // state.poll: %s\n", int64(t.State.Poll), t.State.Poll)
	}
	fmt.Fprintf(b, "stateFallback = %t // state.fallback\n", t.State.Fallback)
	fmt.Fprintf(b, "responseStatus = %d // response.status\n", t.Status)
	retry, _ := strconv.Atoi(t.RetryAfter)
	fmt.Fprintf(b, "retryAfter = %d // response.retry_after, in seconds; 0 omits the header unless an end is known\n", retry)
	fmt.Fprintf(b, "retryAfterDate = %t // response.retry_after_form http-date\n", t.RetryDate)
	fmt.Fprintf(b, "responseFormat = %s // response.format\n", map[policy.Format]string{
		policy.FormatHTML: "FormatHTML", policy.FormatJSON: "FormatJSON", policy.FormatAuto: "formatAuto",
	}[t.Format])
	fmt.Fprintf(b, "redirectPath = %s // response.redirect\n", strconv.Quote(t.Redirect))
	fmt.Fprintf(b, "defaultLocale = %d // default_locale: %s\n", t.DefaultLocale, t.Locales[t.DefaultLocale].Tag)
	if bp := t.Bypass; on["bypass"] && bp != nil {
		fmt.Fprintf(b, "bypassSecretEnv = %s // bypass.secret_env\n", strconv.Quote(bp.SecretEnv))
		fmt.Fprintf(b, "bypassPath = %s // bypass.path\n", strconv.Quote(bp.Path))
		fmt.Fprintf(b, "bypassTTL = %d // bypass.ttl, in seconds\n", int64(bp.TTL/time.Second))
		fmt.Fprintf(b, "bypassSecure = %t // the bypass cookie is Secure: not bypass.insecure_cookie\n", !bp.InsecureCookie)
	}
	if on["schedule"] {
		fmt.Fprintf(b, "announce = %d // announce: %s\n", int64(t.Announce), t.Announce)
	}
	fmt.Fprintf(b, "forceRules, exemptPathRules, exemptIPRules, exemptRoleRules = %d, %d, %d, %d // rules per list, for Stats\n",
		t.ForceRules, t.ExemptPathRules, t.ExemptIPRules, t.ExemptRoleRules)
	b.WriteString(")\n\n")

	b.WriteString("var (\n")
	if on["paths"] {
		if on["force"] {
			t.ForcePaths.write(b, "forcePaths", "force.paths", on["regexp"])
		}
		t.ExemptPaths.write(b, "exemptPaths", "exempt.paths", on["regexp"])
		t.JSONPaths.write(b, "jsonPaths", "response.json_paths", on["regexp"])
	} else {
		b.WriteString("// response.json_paths: none\njsonPaths pathMatcher\n")
	}
	if on["addr"] {
		writeRanges(b, "exemptIPs", "exempt.ips", t.ExemptIPRules, t.ExemptIPs)
		writeRanges(b, "proxies", "proxies", t.ProxyRules, t.Proxies)
	}
	if on["roles"] {
		b.WriteString("// exempt.roles\nexemptRoles = map[string]int32{")
		if len(t.ExemptRoles) > 0 {
			b.WriteString("\n")
		}
		for _, k := range slices.Sorted(maps.Keys(t.ExemptRoles)) {
			fmt.Fprintf(b, "%s: %d,\n", strconv.Quote(k), t.ExemptRoles[k])
		}
		b.WriteString("}\n")
	}
	if on["schedule"] {
		b.WriteString("// schedule: maintenance windows [start, end) in Unix seconds, sorted\n")
		b.WriteString("schedule = []window{\n")
		for _, w := range t.Schedule {
			fmt.Fprintf(b, "{%d, %d}, // %s to %s\n", w.Start.Unix(), w.End.Unix(),
				w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339))
		}
		b.WriteString("}\n")
	}
	if on["toggle"] {
		b.WriteString("// toggle.roles\ntoggleRoles = map[string]bool{\n")
		for _, r := range t.ToggleRoles {
			fmt.Fprintf(b, "%s: true,\n", strconv.Quote(r))
		}
		b.WriteString("}\n")
	}
	b.WriteString("// response.clear_cookies: the Set-Cookie values that expire them\n")
	if len(t.ClearCookieSet) == 0 {
		b.WriteString("hdrClearCookies []string\n")
	} else {
		b.WriteString("hdrClearCookies = []string{\n")
		for _, v := range t.ClearCookieSet {
			fmt.Fprintf(b, "%s,\n", strconv.Quote(v))
		}
		b.WriteString("}\n")
	}
	b.WriteString(")\n\n")

	b.WriteString("// locales in policy order: tag, language subtag, HTML page, its slot's offset, JSON problem details, until_label.\n")
	b.WriteString("var locales = []locale{\n")
	for _, l := range t.Locales {
		fmt.Fprintf(b, "newLocale(%s, %s,\n%s, %d,\n%s, %s),\n", strconv.Quote(l.Tag), strconv.Quote(l.Lang), strconv.Quote(l.HTML), l.Slot, strconv.Quote(l.JSON), strconv.Quote(l.UntilLabel))
	}
	b.WriteString("}\n")
}

// write prints t as a path matcher named name; re: patterns only with
// regexps on.
func (t PathTable) write(b *bytes.Buffer, name, key string, regexps bool) {
	fmt.Fprintf(b, "// %s: exact paths, subtrees without their trailing slash, regexps\n", key)
	fmt.Fprintf(b, "%s = newPathMatcher(\n", name)
	writeMap := func(m map[string]int) {
		if len(m) == 0 {
			b.WriteString("nil,\n")
			return
		}
		b.WriteString("map[string]int32{\n")
		for _, k := range slices.Sorted(maps.Keys(m)) {
			fmt.Fprintf(b, "%s: %d,\n", strconv.Quote(k), m[k])
		}
		b.WriteString("},\n")
	}
	writeMap(t.Exact)
	writeMap(t.Subtree)
	if len(t.Regexps) == 0 || !regexps {
		b.WriteString("nil,\n")
	} else {
		b.WriteString("[]pathRegexp{\n")
		for _, x := range t.Regexps {
			fmt.Fprintf(b, "{%d, %s, compileRegexp(%s)},\n", x.Rule, strconv.Quote(x.Prefix), strconv.Quote(x.Anchored))
		}
		b.WriteString("},\n")
	}
	b.WriteString(")\n")
}

// writeRanges prints a flattened range table of n rules named name.
func writeRanges(b *bytes.Buffer, name, key string, n int, segs []Segment) {
	fmt.Fprintf(b, "// %s (rules: %d, ranges: %d): one range a line, PREFIX or LO-HI, then the rule index\n", key, n, len(segs))
	if len(segs) == 0 {
		fmt.Fprintf(b, "%s ipRanges\n", name)
		return
	}
	fmt.Fprintf(b, "%s = parseRanges(`\n", name)
	for _, s := range segs {
		b.WriteString(s.String())
		b.WriteByte('\n')
	}
	b.WriteString("`)\n")
}
