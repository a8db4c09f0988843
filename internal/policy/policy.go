package policy

import (
	"fmt"
	"go/token"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Policy is a decoded and validated maintenance policy, ready to render and
// generate from. Lists keep the order written in the file.
type Policy struct {
	File          string  // the policy file's name, as given to Parse
	Syntax        *Syntax // the syntax tree: the file as written, with positions
	Package       string  // Go package name of the generated file
	Output        Output
	State         *State // nil: no state section (the mode is off unless Config.State says otherwise)
	Exempt        Exempt
	Force         Force
	Proxies       []Prefix // trusted reverse proxies
	Response      Response
	DefaultLocale string        // a Tag of Locales
	Locales       []Locale      // in the order written; never empty
	Schedule      []Window      // maintenance windows, sorted by start; they do not overlap
	Announce      time.Duration // how far ahead Upcoming reports the next window; 0: only a window in progress
	Bypass        *Bypass       // nil: no bypass link
	Toggle        Toggle
}

// Window is one maintenance window of the schedule: the mode is on from
// Start (included) to End (excluded), whatever the state says. Both are
// whole seconds.
type Window struct {
	Index      int // index in the schedule as written
	Start, End time.Time
	Pos        Pos
}

// Bypass is the bypass link: GET Path/<secret>, the secret being the
// value of the environment variable SecretEnv, sets a cookie that exempts
// its holder for TTL.
type Bypass struct {
	SecretEnv      string        // the environment variable holding the secret
	Path           string        // same-site clean path, without a trailing slash
	TTL            time.Duration // whole seconds, > 0
	InsecureCookie bool          // leave the cookie's Secure attribute out (for plain-HTTP development)
}

// Toggle says whether the generated ToggleHandler switches the mode, and
// who may use it.
type Toggle struct {
	Enabled bool   // the policy has a toggle section; without one, ToggleHandler answers 404
	Roles   []Role // as written; empty: DefaultToggleRole (see RoleNames); never anonymous
}

// Output holds the output paths, slash-separated and cleaned, relative to
// the policy file's directory.
type Output struct {
	Go        string // the generated Go file
	Pages     string // the directory of the static pages
	Nginx     string // the nginx snippet for a server{} block, ending in .conf; "" for none
	NginxHTTP string // its companion for the http{} block: Nginx with .conf replaced by .http.conf; "" for none
	HAProxy   string // the HAProxy errorfile (a raw HTTP response); "" for none
	Caddy     string // the Caddyfile snippet, ending in .caddy or named Caddyfile (or *.Caddyfile); "" for none
	Worker    string // the Cloudflare Worker module, ending in .js or .mjs; "" for none
}

// NginxHTTPPath returns the path of the http{} companion of the nginx
// snippet nginx: its .conf suffix replaced by .http.conf.
func NginxHTTPPath(nginx string) string { return strings.TrimSuffix(nginx, ".conf") + ".http.conf" }

// State says where the on/off switch lives at run time.
type State struct {
	Env      string        // environment variable; "" for none
	File     string        // state file, relative to the app's working directory; "" for none
	Poll     time.Duration // re-read the file at most this often; > 0
	Fallback bool          // the mode when the env var or file is unreadable or holds another word
}

// Exempt lists the requests that never get the maintenance response.
type Exempt struct {
	Paths []PathPattern
	IPs   []Prefix
	Roles []Role
	Tests bool // pass every request while the program runs under go test (testing.Testing)
}

// Force lists the paths that always get the maintenance response.
type Force struct {
	Paths []PathPattern
}

// Rule is what every rule of a list records: its index in the list, its
// text as written, and its position.
type Rule struct {
	Index int
	Raw   string
	Pos   Pos
}

// PathKind is the kind of a path pattern.
type PathKind int

// The path pattern kinds, after net/http's ServeMux: an exact path, a
// subtree (a pattern ending in "/", which also matches its bare form), and
// an RE2 regular expression ("re:" prefix) that must match the whole path.
const (
	Exact PathKind = iota
	Subtree
	Regexp
)

// PathPattern is one path rule.
type PathPattern struct {
	Rule
	Kind   PathKind
	Path   string         // Exact: the path; Subtree: the path, ending in "/"
	Expr   string         // Regexp: the expression as written, without "re:"
	Regexp *regexp.Regexp // Regexp: Expr anchored at both ends
}

// Prefix is one IP or CIDR rule. A single address is a full-length prefix.
// IPv4-mapped IPv6 prefixes are stored as IPv4.
type Prefix struct {
	Rule
	Prefix netip.Prefix
}

// Role is one exempt role.
type Role struct {
	Rule
}

// Format is a response format: the setting response.format (html, json
// or auto), and the format of a maintenance response (html, json or
// redirect). The generated runtime's Format constants spell the same
// names (a test holds them equal).
type Format string

// The response formats.
const (
	FormatHTML     Format = "html"     // the text/html page
	FormatJSON     Format = "json"     // application/problem+json problem details (RFC 9457)
	FormatAuto     Format = "auto"     // response.format only: JSON for json_paths and for clients that prefer it, else HTML
	FormatRedirect Format = "redirect" // a response only: 302 Found to response.redirect (or to / for the bypass link)
)

// Formats returns every response format: the values of response.format
// and the formats of a maintenance response.
func Formats() []Format { return []Format{FormatHTML, FormatJSON, FormatAuto, FormatRedirect} }

// Response says what blocked requests get.
type Response struct {
	Status       int   // 400-599
	RetryAfter   int64 // seconds; 0 omits the Retry-After header (unless an end is known)
	RetryDate    bool  // response.retry_after_form http-date: Retry-After is an HTTP-date, else delay-seconds
	Format       Format
	JSONPaths    []PathPattern // only under FormatAuto
	Redirect     string        // same-site absolute path; "" for none
	Template     string        // the page template file, relative to the policy's directory; "" for the built-in one
	TemplatePos  Pos           // position of Template in the policy
	Refresh      int64         // seconds between automatic reloads of the HTML page; 0 for none
	ClearCookies []string      // cookie names that maintenance responses expire, in the order written
}

// Locale holds the texts of one locale.
type Locale struct {
	Tag     string // BCP 47 tag as written in the policy
	Lang    string // the language subtag, lower case
	RTL     bool   // the locale's likely script is written right to left
	Title   string
	Heading string
	Body    string
	// UntilLabel precedes the expected end on the guard's page, when one
	// is known: messages.TAG.until_label, by default "Expected back by"
	// for English and "" (the time alone) for other languages.
	UntilLabel string
	LinkText   string // messages.TAG.link.text; "" for no link
	LinkHref   string // messages.TAG.link.href: an http(s) URL or a same-site absolute path
	Pos        Pos
}

// SlotMark is the character that stands for the page's slot while it is
// rendered (render.PageData.Slot): no text of the policy may hold it.
const SlotMark = '\ue000'

// Defaults of the optional settings.
const (
	DefaultPackage    = "maintenance"
	DefaultStatus     = 503
	DefaultRetryAfter = 3600 // seconds
	DefaultPoll       = 2 * time.Second
	DefaultBypassPath = "/__maintenance/bypass"
	DefaultBypassTTL  = 12 * time.Hour
	DefaultToggleRole = "superuser"
)

// MaxBypassTTL is the longest bypass.ttl: browsers cap a cookie's
// lifetime at 400 days (RFC 6265bis, section 5.5).
const MaxBypassTTL = 400 * 24 * time.Hour

// Parse decodes and validates a policy file. name is used in positions;
// src is the file's contents. The error, when not nil, is an ErrorList of
// every problem, sorted by position.
func Parse(name string, src []byte) (*Policy, error) {
	doc, err := Decode(name, src)
	var errs ErrorList
	if err != nil {
		if !doc.Set {
			// The file as a whole is unusable; value checks add nothing.
			return nil, err
		}
		errs = err.(ErrorList)
	}
	p, err := Compile(doc)
	if err != nil {
		errs = append(errs, err.(ErrorList)...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// Compile validates a decoded Syntax and builds the Policy. Values that
// failed to decode are skipped, so each mistake is reported once.
func Compile(doc *Syntax) (*Policy, error) {
	c := &compiler{doc: doc}
	p := c.compile()
	return p, c.errs.Err()
}

type compiler struct {
	doc  *Syntax
	errs ErrorList
}

func (c *compiler) errorf(n Node, format string, args ...any) {
	c.errs.Add(n.Pos, "%s: %s", n.Key, fmt.Sprintf(format, args...))
}

func ok(n Node) bool { return n.Set && !n.Bad }

// absent reports whether the key of n is missing from the file. A key of
// a section that is present but could not be decoded is Bad, not absent.
func absent(n Node) bool { return !n.Set && !n.Bad }

func (c *compiler) compile() *Policy {
	d := c.doc
	p := &Policy{File: d.Pos.File, Syntax: d}

	switch {
	case absent(d.Version.Node):
		c.errs.Add(d.Pos, "version is required: add \"version: 1\"")
	case !d.Version.Set || d.Version.Bad:
	case d.Version.Value != 1:
		c.errorf(d.Version.Node, "%d is not supported; want 1", d.Version.Value)
	}

	p.Package = DefaultPackage
	if ok(d.Package.Node) {
		s := d.Package.Value
		if !token.IsIdentifier(s) || s == "_" {
			c.errorf(d.Package.Node, "%q is not a Go package name: want an identifier such as maintenance", s)
		} else {
			p.Package = s
		}
	}

	if absent(d.Output.Node) {
		c.errs.Add(d.Output.Pos, "output is required: set output.go, the generated Go file, and output.pages, the pages directory")
	} else {
		p.Output.Go = c.outputPath(d.Output.Go, ".go")
		p.Output.Pages = c.outputPath(d.Output.Pages, "")
	}
	if p.Output.Go != "" && p.Output.Go == p.Output.Pages {
		c.errorf(d.Output.Pages.Node, "%q is also output.go: want a directory of its own for the pages", d.Output.Pages.Value)
	}

	if d.State.Set {
		p.State = c.state(&d.State)
	}
	c.proxyOutputs(p)
	p.Exempt.Paths = c.paths(d.Exempt.Paths)
	p.Exempt.IPs = c.prefixes(d.Exempt.IPs)
	p.Exempt.Roles = c.roles(d.Exempt.Roles)
	p.Exempt.Tests = ok(d.Exempt.Tests.Node) && d.Exempt.Tests.Value
	p.Force.Paths = c.paths(d.Force.Paths)
	p.Proxies = c.prefixes(d.Proxies)
	p.Response = c.response(&d.Response)
	p.Response.ClearCookies = c.clearCookies(d.Response.ClearCookies)
	p.Locales = c.locales(&d.Messages)
	p.Schedule = c.schedule(&d.Schedule)
	if ok(d.Announce.Node) {
		if d.Announce.Value < 0 {
			c.errorf(d.Announce.Node, "%s is negative: want 0 or more, such as 24h", d.Announce.Raw)
		} else {
			p.Announce = d.Announce.Value
		}
	}
	p.Bypass = c.bypass(&d.Bypass)
	p.Toggle = c.toggle(&d.Toggle)

	switch def := d.DefaultLocale.Value; {
	case absent(d.DefaultLocale.Node):
		c.errs.Add(d.DefaultLocale.Pos, "default_locale is required: name one of the messages locales")
	case !ok(d.DefaultLocale.Node):
	case slices.ContainsFunc(p.Locales, func(l Locale) bool { return l.Tag == def }):
		p.DefaultLocale = def
	case slices.ContainsFunc(d.Messages.Entries, func(e MessageEntry) bool { return e.Tag.Value == def }):
		// The locale is there but invalid, which is reported at its key.
	case len(p.Locales) > 0:
		c.errorf(d.DefaultLocale.Node, "%q is not a key of messages: want %s", def, localeList(p.Locales))
	case len(d.Messages.Entries) > 0:
		c.errorf(d.DefaultLocale.Node, "%q is not a key of messages", def)
	}
	return p
}

// localeList lists the tags of ls: "en" or "one of en, fr".
func localeList(ls []Locale) string {
	tags := make([]string, len(ls))
	for i, l := range ls {
		tags[i] = l.Tag
	}
	if len(tags) == 1 {
		return tags[0]
	}
	return "one of " + strings.Join(tags, ", ")
}

func (c *compiler) outputPath(s String, ext string) string {
	switch {
	case s.Bad:
		return ""
	case !s.Set:
		c.errs.Add(s.Pos, "%s is required", s.Key)
		return ""
	}
	v := s.Value
	switch {
	case strings.TrimSpace(v) == "":
		c.errorf(s.Node, "must not be empty")
	case strings.ContainsAny(v, "\x00\\"):
		c.errorf(s.Node, "%q: use a relative path with forward slashes", v)
	case path.IsAbs(v):
		c.errorf(s.Node, "%q is absolute: output paths are relative to the policy file's directory", v)
	case strings.ContainsFunc(v, isControl):
		c.errorf(s.Node, "%q holds a control character: output paths are written into file names and the nginx snippet's comments", v)
	case escapes(v):
		c.errorf(s.Node, "%q leaves the policy file's directory: output paths stay inside it (and inside generate -out DIR)", v)
	case ext != "" && (!strings.HasSuffix(v, ext) || strings.HasSuffix(v, "_test.go")):
		c.errorf(s.Node, "%q: want a file name ending in %s (and not _test.go)", v, ext)
	case path.Clean(v) == ".":
		if ext != "" {
			c.errorf(s.Node, "%q is a directory, not a file", v)
			return ""
		}
		return "."
	default:
		return path.Clean(v)
	}
	return ""
}

// pageFileRE matches the names of the page files generate writes into
// output.pages (S.html, S.json, S.L.html, S.L.json), which no other output
// may take.
var pageFileRE = regexp.MustCompile(`^[0-9]{3}(\.[^./]+)?\.(html|json)$`)

// PagesManifest is the file in output.pages where generate lists the page
// files it wrote, so that it removes a stale page only when it wrote it;
// no other output may take its name.
const PagesManifest = ".maintgen-pages"

// proxyOutputs checks the optional output.nginx, output.haproxy,
// output.caddy and output.worker files: relative paths that no other
// output uses. nginx and Caddy can check whether a file exists but cannot
// read the app's environment variables, so output.nginx and output.caddy
// need state.file when the policy has a state section.
func (c *compiler) proxyOutputs(p *Policy) {
	d := &c.doc.Output
	if ok(d.Nginx.Node) {
		if v := c.optionalFile(d.Nginx, ".conf"); v != "" {
			p.Output.Nginx, p.Output.NginxHTTP = v, NginxHTTPPath(v)
		}
		if p.State != nil && p.State.File == "" && p.State.Env != "" {
			c.errorf(d.Nginx.Node, "nginx cannot read the environment variable %s, and state has no file: add state.file, which nginx checks for (the snippet would otherwise never switch maintenance on)", p.State.Env)
		}
	}
	if ok(d.HAProxy.Node) {
		p.Output.HAProxy = c.optionalFile(d.HAProxy, "")
	}
	if ok(d.Caddy.Node) {
		if v := c.optionalFile(d.Caddy, ""); v != "" {
			if base := path.Base(v); !strings.HasSuffix(base, ".caddy") && base != "Caddyfile" && !strings.HasSuffix(base, ".Caddyfile") {
				c.errorf(d.Caddy.Node, "%q: want a file name ending in .caddy, or Caddyfile", v)
			} else {
				p.Output.Caddy = v
			}
		}
		if p.State != nil && p.State.File == "" && p.State.Env != "" {
			c.errorf(d.Caddy.Node, "Caddy cannot read the app's environment variable %s, and state has no file: add state.file, which the snippet checks for (it would otherwise never switch maintenance on)", p.State.Env)
		}
	}
	if ok(d.Worker.Node) {
		if v := c.optionalFile(d.Worker, ""); v != "" {
			if !strings.HasSuffix(v, ".js") && !strings.HasSuffix(v, ".mjs") {
				c.errorf(d.Worker.Node, "%q: want a file name ending in .js or .mjs (an ES module)", v)
			} else {
				p.Output.Worker = v
			}
		}
	}

	// Each file output must be a path of its own.
	type file struct {
		path, key string
		node      Node
	}
	var files []file
	if p.Output.Go != "" {
		files = append(files, file{p.Output.Go, "output.go", d.Go.Node})
	}
	if p.Output.Nginx != "" {
		files = append(files,
			file{p.Output.Nginx, "output.nginx", d.Nginx.Node},
			file{p.Output.NginxHTTP, "the http{} part of output.nginx", d.Nginx.Node})
	}
	if p.Output.HAProxy != "" {
		files = append(files, file{p.Output.HAProxy, "output.haproxy", d.HAProxy.Node})
	}
	if p.Output.Caddy != "" {
		files = append(files, file{p.Output.Caddy, "output.caddy", d.Caddy.Node})
	}
	if p.Output.Worker != "" {
		files = append(files, file{p.Output.Worker, "output.worker", d.Worker.Node})
	}
	for i, f := range files {
		if f.key == "output.go" {
			continue // output.go against output.pages is checked above
		}
		for _, g := range files[:i] {
			if f.path == g.path {
				c.errorf(f.node, "%q is also %s: want a file of its own", f.path, g.key)
			}
		}
		switch pages := p.Output.Pages; {
		case pages == "":
		case f.path == pages:
			c.errorf(f.node, "%q is also output.pages: want a file of its own", f.path)
		case path.Dir(f.path) == pages && pageFileRE.MatchString(path.Base(f.path)):
			c.errorf(f.node, "%q has the name of a page file in output.pages, which generate writes and removes: choose another name", f.path)
		case path.Dir(f.path) == pages && path.Base(f.path) == PagesManifest:
			c.errorf(f.node, "%q is where generate lists the pages it wrote in output.pages: choose another name", f.path)
		}
	}
}

// optionalFile checks an optional output file path: relative, with forward
// slashes, naming a file, ending in ext when ext is not "". It returns the
// cleaned path, or "" after reporting an error.
func (c *compiler) optionalFile(s String, ext string) string {
	v := s.Value
	switch {
	case strings.TrimSpace(v) == "":
		c.errorf(s.Node, "must not be empty: leave the key out for no file")
	case strings.ContainsAny(v, "\x00\\"):
		c.errorf(s.Node, "%q: use a relative path with forward slashes", v)
	case path.IsAbs(v):
		c.errorf(s.Node, "%q is absolute: output paths are relative to the policy file's directory", v)
	case strings.ContainsFunc(v, isControl):
		c.errorf(s.Node, "%q holds a control character: output paths are written into file names and the nginx snippet's comments", v)
	case escapes(v):
		c.errorf(s.Node, "%q leaves the policy file's directory: output paths stay inside it (and inside generate -out DIR)", v)
	case strings.HasSuffix(v, "/") || path.Clean(v) == "." || path.Base(path.Clean(v)) == "..":
		c.errorf(s.Node, "%q is a directory, not a file", v)
	case ext != "" && !strings.HasSuffix(v, ext):
		c.errorf(s.Node, "%q: want a file name ending in %s", v, ext)
	default:
		return path.Clean(v)
	}
	return ""
}

// isControl reports whether r is a control character: C0, DEL or C1.
func isControl(r rune) bool { return r < 0x20 || 0x7f <= r && r < 0xa0 }

// escapes reports whether the relative path v, once cleaned, leaves its
// directory: it is "..", or starts with "../".
func escapes(v string) bool {
	c := path.Clean(v)
	return c == ".." || strings.HasPrefix(c, "../")
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c *compiler) state(d *StateSyntax) *State {
	st := &State{Poll: DefaultPoll}
	if ok(d.Env.Node) {
		if !envNameRE.MatchString(d.Env.Value) {
			c.errorf(d.Env.Node, "%q is not an environment variable name: want letters, digits and _, starting with a letter or _", d.Env.Value)
		}
		st.Env = d.Env.Value
	}
	if ok(d.File.Node) {
		switch v := d.File.Value; {
		case strings.TrimSpace(v) == "":
			c.errorf(d.File.Node, "must not be empty: want a file path such as maintenance.state")
		case strings.ContainsRune(v, 0):
			c.errorf(d.File.Node, "%q contains a NUL byte: want a file path such as maintenance.state", v)
		}
		st.File = d.File.Value
	}
	if absent(d.Env.Node) && absent(d.File.Node) {
		c.errs.Add(d.Pos, "state: want env, file or both, to say where the on/off switch lives")
	}
	if ok(d.Poll.Node) {
		if decimalRE.MatchString(d.Poll.Raw) {
			c.errorf(d.Poll.Node, "%s has no unit: want a Go duration such as 2s or 500ms (as whole seconds it would be %s)", d.Poll.Raw, d.Poll.Value)
		} else if d.Poll.Value <= 0 {
			c.errorf(d.Poll.Node, "%s is not positive: want a duration greater than 0, such as 2s", d.Poll.Raw)
		} else {
			st.Poll = d.Poll.Value
		}
	}
	if ok(d.Fallback.Node) {
		st.Fallback = d.Fallback.On
	}
	return st
}

// ParsePath parses one path pattern: "re:EXPR", an exact path, or a subtree
// pattern ending in "/". The rules are net/http ServeMux's, matched against
// the cleaned request path.
func ParsePath(s string) (PathPattern, error) {
	if expr, ok := strings.CutPrefix(s, "re:"); ok {
		if expr == "" {
			return PathPattern{}, fmt.Errorf("empty regular expression: want re: and an RE2 expression, such as re:^/api/v[0-9]+/status$")
		}
		// Compile the expression alone first: anchoring an expression with
		// unbalanced groups, such as "a)|(b", would change its meaning.
		if _, err := regexp.Compile(expr); err != nil {
			return PathPattern{}, fmt.Errorf("invalid regular expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		re, err := regexp.Compile(AnchorRegexp(expr))
		if err != nil {
			return PathPattern{}, fmt.Errorf("invalid regular expression: %v", err)
		}
		return PathPattern{Kind: Regexp, Expr: expr, Regexp: re}, nil
	}
	if !strings.HasPrefix(s, "/") {
		return PathPattern{}, fmt.Errorf("%q does not start with /: want a path such as /healthz, a subtree such as /admin/, or re: and a regular expression", s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return PathPattern{}, fmt.Errorf("%q contains a control character", s)
		}
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return PathPattern{}, fmt.Errorf("%q contains %q: a pattern matches the path only, never the query or fragment", s, s[i])
	}
	if strings.ContainsAny(s, "{}") {
		return PathPattern{}, fmt.Errorf("%q: ServeMux wildcards such as {id} are not supported; use re: and a regular expression", s)
	}
	if err := percentEscape(s); err != nil {
		return PathPattern{}, err
	}
	if err := routerWildcard(s); err != nil {
		return PathPattern{}, err
	}
	if clean := CleanPath(s); clean != s {
		return PathPattern{}, fmt.Errorf("%q is not clean and could never match a cleaned request path; did you mean %q?", s, clean)
	}
	if strings.HasSuffix(s, "/") {
		return PathPattern{Kind: Subtree, Path: s}, nil
	}
	return PathPattern{Kind: Exact, Path: s}, nil
}

// percentEscape reports a %-escape (EscapeIn) in a pattern. Patterns
// match the decoded request path (r.URL.Path), as ServeMux matches its
// patterns' unescaped segments: "/a%20b" would match only a request for
// /a%2520b, never one for /a b or /a%20b; and a request for /x%2Fy
// arrives as /x/y.
func percentEscape(s string) error {
	esc := EscapeIn(s)
	if esc == "" {
		return nil
	}
	why := fmt.Sprintf("%q holds the escape %s, but patterns match the decoded path (r.URL.Path): it would match only a request for %s", s, esc, strings.ReplaceAll(s, "%", "%25"))
	if d, err := url.PathUnescape(s); err == nil {
		if _, err := ParsePath(d); err == nil {
			return fmt.Errorf("%s; write the characters themselves: %q", why, d)
		}
	}
	return fmt.Errorf("%s; write the characters themselves, or use re: and a regular expression", why)
}

// EscapeIn returns the first %-escape of s, a % and two hex digits (as
// written: "%2f"), or "" for none. A % that no two hex digits follow is
// no escape.
func EscapeIn(s string) string {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && ishex(s[i+1]) && ishex(s[i+2]) {
			return s[i : i+3]
		}
	}
	return ""
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// routerWildcard reports the router wildcards that a pattern would take
// literally, and never match: chi's and gorilla's /* and echo's and gin's
// /*name catch-alls, /** globs, and gin's and echo's :param segments.
func routerWildcard(s string) error {
	for _, seg := range strings.Split(s, "/") {
		switch {
		case strings.Contains(seg, "*"):
			if i := strings.Index(s, seg); strings.HasPrefix(seg, "*") && !strings.Contains(s[i+len(seg):], "/") {
				return fmt.Errorf("%q: router wildcards such as * are not supported: did you mean the subtree %s?", s, s[:i])
			}
			return fmt.Errorf("%q: router wildcards such as * are not supported; use a subtree such as /static/, or re: and a regular expression", s)
		case strings.HasPrefix(seg, ":") && len(seg) > 1:
			return fmt.Errorf("%q: router parameters such as %s are not supported; use re: and a regular expression", s, seg)
		}
	}
	return nil
}

// AnchorRegexp anchors expr at both ends of the text, whatever flags expr
// sets: \A and \z are not changed by (?m). expr must compile on its own.
func AnchorRegexp(expr string) string { return `\A(?:` + expr + `)\z` }

// CleanPath returns the canonical form of the request path p, as net/http's
// ServeMux computes it: path.Clean, keeping a trailing slash, with a
// leading slash added when missing.
func CleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		if len(p) == len(np)+1 && strings.HasPrefix(p, np) {
			np = p
		} else {
			np += "/"
		}
	}
	return np
}

func (c *compiler) paths(list Strings) []PathPattern {
	var out []PathPattern
	for i, s := range list.Items {
		if !ok(s.Node) {
			continue
		}
		pp, err := ParsePath(s.Value)
		if err != nil {
			c.errorf(s.Node, "%v", err)
			continue
		}
		pp.Rule = Rule{Index: i, Raw: s.Value, Pos: s.Pos}
		out = append(out, pp)
	}
	return out
}

// ParsePrefix parses an IP address or a CIDR prefix. A CIDR must be masked
// (10.0.0.0/8, not 10.0.0.1/8); zones are not allowed. An IPv4-mapped IPv6
// prefix of length 96 or more is returned as the IPv4 prefix it covers.
func ParsePrefix(s string) (netip.Prefix, error) {
	var pfx netip.Prefix
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			if strings.Contains(s, "%") {
				return pfx, fmt.Errorf("invalid CIDR %q: IPv6 zones are not allowed", s)
			}
			if strings.Contains(err.Error(), "leading zero") {
				return pfx, fmt.Errorf("invalid CIDR %q: leading zeros are not allowed, as some tools read them as octal", s)
			}
			return pfx, fmt.Errorf("invalid CIDR %q: want an address and a prefix length, such as 10.0.0.0/8 or 2001:db8::/32", s)
		}
		if p.Masked() != p {
			return pfx, fmt.Errorf("invalid CIDR %q: the address has bits set beyond the prefix length; did you mean %s?", s, p.Masked())
		}
		pfx = p
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			if strings.Contains(err.Error(), "leading zero") {
				return pfx, fmt.Errorf("invalid IP address %q: leading zeros are not allowed, as some tools read them as octal", s)
			}
			return pfx, fmt.Errorf("invalid IP address %q: want an address such as 192.0.2.1 or 2001:db8::1, or a CIDR", s)
		}
		if a.Zone() != "" {
			return pfx, fmt.Errorf("invalid IP address %q: IPv6 zones are not allowed", s)
		}
		pfx = netip.PrefixFrom(a, a.BitLen())
	}
	if a := pfx.Addr(); a.Is4In6() && pfx.Bits() >= 96 {
		pfx = netip.PrefixFrom(a.Unmap(), pfx.Bits()-96)
	}
	return pfx, nil
}

func (c *compiler) prefixes(list Strings) []Prefix {
	var out []Prefix
	for i, s := range list.Items {
		if !ok(s.Node) {
			continue
		}
		pfx, err := ParsePrefix(s.Value)
		if err != nil {
			c.errorf(s.Node, "%v", err)
			continue
		}
		out = append(out, Prefix{Rule: Rule{Index: i, Raw: s.Value, Pos: s.Pos}, Prefix: pfx})
	}
	return out
}

func (c *compiler) roles(list Strings) []Role {
	var out []Role
	for i, s := range list.Items {
		if !ok(s.Node) {
			continue
		}
		if s.Value == "" || strings.TrimSpace(s.Value) != s.Value {
			c.errorf(s.Node, "%q: want a role name without surrounding spaces", s.Value)
			continue
		}
		out = append(out, Role{Rule{Index: i, Raw: s.Value, Pos: s.Pos}})
	}
	return out
}

func (c *compiler) response(d *ResponseSyntax) Response {
	r := Response{Status: DefaultStatus, RetryAfter: DefaultRetryAfter, Format: FormatAuto}
	if ok(d.Status.Node) {
		if d.Status.Value < 400 || d.Status.Value > 599 {
			c.errorf(d.Status.Node, "%d is not an error status: want 400-599", d.Status.Value)
		} else {
			r.Status = int(d.Status.Value)
		}
	}
	if ok(d.RetryAfter.Node) {
		v := d.RetryAfter.Value
		switch {
		case v < 0:
			c.errorf(d.RetryAfter.Node, "%s is negative: want 0 (no header) or more", d.RetryAfter.Raw)
		case v%time.Second != 0:
			c.errorf(d.RetryAfter.Node, "%s is not a whole number of seconds, which Retry-After counts (RFC 9110, section 10.2.3): want a value such as 30s or 1h", d.RetryAfter.Raw)
		default:
			r.RetryAfter = int64(v / time.Second)
		}
	}
	if ok(d.RetryForm.Node) {
		switch d.RetryForm.Value {
		case "delay-seconds":
		case "http-date":
			r.RetryDate = true
		default:
			c.errorf(d.RetryForm.Node, "unknown form %q: want delay-seconds or http-date (RFC 9110, section 10.2.3)", d.RetryForm.Value)
		}
	}
	if ok(d.Format.Node) {
		switch f := Format(d.Format.Value); f {
		case FormatHTML, FormatJSON, FormatAuto:
			r.Format = f
		default:
			c.errorf(d.Format.Node, "unknown format %q: want html, json or auto", d.Format.Value)
		}
	}
	r.JSONPaths = c.paths(d.JSONPaths)
	if len(d.JSONPaths.Items) > 0 && r.Format != FormatAuto {
		c.errorf(d.JSONPaths.Node, "applies only when response.format is auto, not %s", r.Format)
	}
	if ok(d.Redirect.Node) && d.Redirect.Value != "" {
		if err := checkRedirect(d.Redirect.Value); err != nil {
			c.errorf(d.Redirect.Node, "%v", err)
		} else {
			r.Redirect = d.Redirect.Value
		}
	}
	if ok(d.Refresh.Node) {
		v := d.Refresh.Value
		switch {
		case v < 0:
			c.errorf(d.Refresh.Node, "%s is negative: want 0 (no reload) or more", d.Refresh.Raw)
		case v%time.Second != 0:
			c.errorf(d.Refresh.Node, "%s is not a whole number of seconds, which the page's refresh counts: want a value such as 30s or 1m", d.Refresh.Raw)
		default:
			r.Refresh = int64(v / time.Second)
		}
	}
	if ok(d.Template.Node) && d.Template.Value != "" {
		v := d.Template.Value
		if strings.ContainsAny(v, "\x00\\") || path.IsAbs(v) {
			c.errorf(d.Template.Node, "%q: want a path relative to the policy file's directory, with forward slashes", v)
		} else {
			r.Template = path.Clean(v)
			r.TemplatePos = d.Template.Pos
		}
	}
	return r
}

// notSameSitePath says why s is not a same-site absolute path that a
// browser keeps on this host, or returns "": it must start with one "/",
// and hold no backslash, control character, query or fragment.
func notSameSitePath(s string) string {
	switch {
	case !strings.HasPrefix(s, "/"):
		return "it must start with /"
	case strings.HasPrefix(s, "//"):
		return "// starts a network-path reference to another host"
	case strings.ContainsRune(s, '\\'):
		return "browsers treat \\ as /"
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "it contains a control character"
	case strings.ContainsAny(s, "?#"):
		return "it has a query or fragment"
	}
	return ""
}

// checkRedirect accepts only a same-site absolute path: it starts with one
// "/", has no backslash, scheme, control character, query, fragment or
// %-escape, and is clean, so the guard can recognize requests for it.
func checkRedirect(s string) error {
	bad := func(why string) error {
		return fmt.Errorf("%q is not a same-site absolute path (%s): want a path such as /maintenance", s, why)
	}
	if why := notSameSitePath(s); why != "" {
		return bad(why)
	}
	switch {
	case strings.ContainsRune(s, '%'):
		return bad("a request for it arrives with its %-escapes decoded, so the guard would not know it and would redirect it again, in a loop; write the characters themselves")
	case s == "/":
		return bad("/ would redirect to itself")
	case CleanPath(s) != s:
		return bad(fmt.Sprintf("it is not clean; did you mean %q?", CleanPath(s)))
	}
	return nil
}

var tagRE = regexp.MustCompile(`^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// rtlScripts are the ISO 15924 codes of scripts written right to left.
var rtlScripts = map[string]bool{
	"Adlm": true, "Arab": true, "Armi": true, "Avst": true, "Chrs": true, "Cprt": true,
	"Elym": true, "Hatr": true, "Hebr": true, "Hung": true, "Khar": true, "Lydi": true,
	"Mand": true, "Mani": true, "Mend": true, "Merc": true, "Mero": true, "Narb": true,
	"Nbat": true, "Nkoo": true, "Orkh": true, "Ougr": true, "Palm": true, "Phli": true,
	"Phlp": true, "Phnx": true, "Prti": true, "Rohg": true, "Samr": true, "Sarb": true,
	"Sogd": true, "Sogo": true, "Syrc": true, "Thaa": true, "Yezi": true,
}

func (c *compiler) locales(d *Messages) []Locale {
	if absent(d.Node) {
		c.errs.Add(d.Pos, "messages is required: map at least one locale to its title, heading and body")
		return nil
	}
	if len(d.Entries) == 0 && !d.Bad {
		c.errorf(d.Node, "want at least one locale")
	}
	var out []Locale
	seen := map[string]String{}
	for _, e := range d.Entries {
		// The texts are checked whatever the tag, so that every error is
		// reported at once.
		m := &e.Message
		text := func(s String) string {
			switch {
			case s.Bad:
			case !s.Set:
				c.errs.Add(s.Pos, "%s is required", s.Key)
			case strings.TrimSpace(s.Value) == "":
				c.errorf(s.Node, "must not be empty")
			case strings.ContainsRune(s.Value, SlotMark):
				c.errorf(s.Node, "holds U+E000, a private-use character that maintgen reserves for the page's slot")
			}
			return s.Value
		}
		title, heading, body := text(m.Title), text(m.Heading), text(m.Body)

		tag := e.Tag
		if tag.Bad {
			continue
		}
		t, err := language.Parse(tag.Value)
		if err != nil || !tagRE.MatchString(tag.Value) {
			hint := ""
			if alt := strings.ReplaceAll(tag.Value, "_", "-"); alt != tag.Value && tagRE.MatchString(alt) {
				if _, err := language.Parse(alt); err == nil {
					hint = fmt.Sprintf("; did you mean %q?", alt)
				}
			}
			c.errs.Add(tag.Pos, "%s: invalid locale tag %q: want a BCP 47 tag such as en or pt-BR%s", d.Key, tag.Value, hint)
			continue
		}
		if first, dup := seen[strings.ToLower(tag.Value)]; dup {
			c.errs.Add(tag.Pos, "%s: locale %q repeats %q (line %d); tags are case-insensitive", d.Key, tag.Value, first.Value, first.Pos.Line)
			continue
		}
		seen[strings.ToLower(tag.Value)] = tag
		l := Locale{Tag: tag.Value, Pos: tag.Pos, Title: title, Heading: heading, Body: body}
		l.Lang, _, _ = strings.Cut(strings.ToLower(tag.Value), "-")
		l.UntilLabel = m.UntilLabel.Value
		if strings.ContainsRune(l.UntilLabel, SlotMark) {
			c.errorf(m.UntilLabel.Node, "holds U+E000, a private-use character that maintgen reserves for the page's slot")
		}
		if !m.UntilLabel.Set && l.Lang == "en" {
			l.UntilLabel = "Expected back by"
		}
		l.LinkText, l.LinkHref = c.link(&m.Link)
		if s, _ := t.Script(); rtlScripts[s.String()] {
			l.RTL = true
		}
		out = append(out, l)
	}
	return out
}

// link checks a locale's link: both text and href, href an http or https
// URL or a same-site absolute path.
func (c *compiler) link(d *LinkSyntax) (text, href string) {
	if !ok(d.Node) {
		return "", ""
	}
	for _, s := range []String{d.Text, d.Href} {
		switch {
		case s.Bad:
			return "", ""
		case !s.Set:
			c.errs.Add(d.Pos, "%s is required with %s", s.Key, d.Key)
			return "", ""
		case strings.TrimSpace(s.Value) == "":
			c.errorf(s.Node, "must not be empty")
			return "", ""
		}
	}
	if strings.ContainsRune(d.Text.Value+d.Href.Value, SlotMark) {
		c.errorf(d.Node, "holds U+E000, a private-use character that maintgen reserves for the page's slot")
		return "", ""
	}
	u, err := url.Parse(d.Href.Value)
	switch {
	case err != nil:
		c.errorf(d.Href.Node, "%q is not a URL", d.Href.Value)
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/"):
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
	default:
		c.errorf(d.Href.Node, "%q: want an http or https URL, or a path starting with /", d.Href.Value)
		return "", ""
	}
	return d.Text.Value, d.Href.Value
}
