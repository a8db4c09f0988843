// Package maintenance is maintgen's runtime: the middleware that every
// generated file carries. It is split by feature: this file is the core,
// and each optional feature (the state file, force.paths, path patterns,
// re: patterns, addresses and proxies, negotiation, roles, the schedule,
// the bypass link, the toggle, exempt.tests) is a file of its own with an
// "off" twin of the same API, chosen by a build tag (gen.Features lists
// them). The generator copies core and the variant of each feature that a
// policy needs, less their package clauses, into one file, and appends
// the policy's tables (tables_gen.go here), so this code is compiled and
// tested as it is shipped.
package maintenance

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"
)

// Config adjusts a Guard. The zero Config uses the policy's state section,
// treats every request as anonymous and logs nothing.
type Config struct {
	// State reports whether maintenance mode is on. It is called once per
	// request; an error means the policy's state.fallback. nil: the
	// policy's state section (env var, then file). Setting replaces it.
	State func(ctx context.Context) (on bool, err error)

	// Setting returns the operator's setting, for an app that keeps it in
	// a store of its own (Redis, a database): the mode, read-only
	// included, its start and end, and a reason. It is called once per
	// request; an error means the policy's state.fallback. Store the
	// state file's text and parse it with ParseSetting to share the
	// grammar of maintgen on. When not nil, State is not called.
	Setting func(ctx context.Context) (Setting, error)

	// Roles returns the roles of the request's user, for exempt.roles. A
	// request with no roles has the role "anonymous"; one with any role
	// also has "authenticated". nil: every request is anonymous.
	Roles func(r *http.Request) []string

	// ClientIP returns the request's client IP, for exempt.ips and the
	// log; ok false means none. Set it when a trusted front names the
	// client in a header (Cloudflare's CF-Connecting-IP). nil: the host of
	// RemoteAddr, or the X-Forwarded-For walk when that peer is a proxy.
	// Run the guard before any middleware that rewrites RemoteAddr (chi's
	// middleware.RealIP): it lets any client claim an exempt address.
	ClientIP func(r *http.Request) (netip.Addr, bool)

	// Now is the clock for time-dependent rules: the schedule, the
	// setting's start and end, Retry-After and bypass cookies. nil:
	// time.Now.
	Now func() time.Time

	// Logger, when not nil, gets one Info record per maintenance response,
	// with the request path, client IP and status, and one per use of the
	// bypass link or the toggle. It also gets one Warn record when the
	// state turns unusable (a garbage env var or file, an unreadable file,
	// an error from State), not one per request. A bypass secret is never
	// logged: a path under bypass.path is logged as bypass.path/[redacted].
	Logger *slog.Logger

	// SetState switches maintenance mode on or off for ToggleHandler, in
	// the store that State reads. nil: the toggle writes the policy's
	// state file (which needs State and Setting to be nil too).
	SetState func(ctx context.Context, on bool) error

	// SetSetting records a setting for ToggleHandler, in the store that
	// Setting reads; it takes the toggle's read-only mode, reason and end,
	// which SetState cannot. When not nil, SetState is not called.
	SetSetting func(ctx context.Context, s Setting) error

	// OnChange, when not nil, is called once per change of the Status
	// (its On, ReadOnly, Until or Reason), with the Status before and
	// after: a change of the env var seen at New, of the state file seen
	// by polling it (which OnChange keeps running without requests), of
	// the toggle, of Setting or State seen by a request or Status, and a
	// schedule window starting or ending. Calls come in order, from one
	// goroutine at a time, never from a request's goroutine: a slow hook
	// delays later calls, not requests. The file's poller and the
	// windows' timers run until Close: create one Guard per process, not
	// one per request, and Close a test's Guards when it ends.
	OnChange func(old, new Status)
}

// Step names the step of the policy that decided a request. The steps are
// tried in the order of the constants below; the first that applies
// decides.
type Step string

// The decision steps.
const (
	StepBypassLink  Step = "bypass.path"       // a GET of the bypass link, bypass.path/<secret>: 302 to / setting the bypass cookie
	StepForce       Step = "force.paths"       // the path is forced: maintenance response
	StepOff         Step = "off"               // the mode is off: pass (or 302 to / for the redirect path)
	StepRedirect    Step = "response.redirect" // the request is for the redirect path: the page itself
	StepReadOnly    Step = "read-only"         // the mode is read-only (outside a schedule window) and the method is safe: pass
	StepExemptTests Step = "exempt.tests"      // exempt.tests and the program runs under go test: pass
	StepExemptPaths Step = "exempt.paths"      // pass
	StepExemptIPs   Step = "exempt.ips"        // pass
	StepExemptRoles Step = "exempt.roles"      // pass
	StepBypass      Step = "bypass"            // a valid, unexpired bypass cookie: pass
	StepMaintenance Step = "maintenance"       // nothing exempts the request: maintenance response
)

// Format is the kind of maintenance response.
type Format string

// The response formats.
const (
	FormatHTML     Format = "html"     // text/html page
	FormatJSON     Format = "json"     // application/problem+json (RFC 9457)
	FormatRedirect Format = "redirect" // 302 Found to Location

	formatAuto Format = "auto" // response.format auto: negotiated per request
)

// Decision is the guard's verdict on one request.
type Decision struct {
	Pass     bool   // the request goes to the app
	Step     Step   // the step that decided
	Rule     int    // index of the deciding rule in its policy list; -1 when no rule decided
	Status   int    // status of the maintenance response; 0 when Pass
	Format   Format // format of the maintenance response; "" when Pass
	Locale   string // locale tag of the page (as written in the policy), for FormatHTML and FormatJSON
	Location string // target of FormatRedirect
}

// Guard is the middleware for one Config, safe for concurrent use. Create
// it with New.
type Guard struct {
	cfg Config

	// word holds the mode (stateOn, stateStale, stateLoaded): one atomic
	// load on the hot path. It stays stale with Config.State, which every
	// request asks; a stale state file is re-read by one request.
	word  atomic.Uint32
	fixed bool // the env var decides, or there is no state section

	set    atomic.Pointer[Setting] // the setting of the env var, the file or the toggle; nil for none
	source string                  // what decides but the schedule: "config", "state.env", "state.file" or "none"

	file     fileState   // the state file's poller (file.go)
	bypass   bypassState // the bypass secret (bypass.go)
	stateErr atomic.Bool // Config.State failed, and that was logged

	notes  notifier                   // OnChange's calls
	counts counters                   // Stats
	retry  atomic.Pointer[retryCache] // the last Retry-After made
	live   atomic.Pointer[liveCache]  // the pages with the last reason and end
}

const (
	stateOn       = 1 << iota // maintenance mode is on, fully or read-only
	stateStale                // the file is due for a re-read
	stateLoaded               // the file has been read once
	stateReadOnly             // the mode is read-only (with stateOn)
	stateSuspend              // an off with a time suspends the schedule's windows
)

// New returns a Guard for cfg. Without cfg.Setting or cfg.State it reads
// the policy's environment variable now: set and non-empty, it decides for
// the Guard's lifetime; else the state file is read on the first request
// (at once with cfg.OnChange), then at most once per poll interval. New
// also reads the bypass secret, if any.
func New(cfg Config) *Guard {
	g := &Guard{cfg: cfg}
	g.counts.init()
	g.readBypassSecret()
	switch {
	case cfg.Setting != nil || cfg.State != nil:
		g.source = "config"
		g.word.Store(stateStale)
	case g.readEnv():
		g.source, g.fixed = "state.env", true
	case stateFile == "":
		g.source, g.fixed = "none", true // no state section: the mode is off
		g.word.Store(stateLoaded)
	default:
		g.source = "state.file"
		g.word.Store(stateStale)
		g.newFilePoller()
	}
	if cfg.OnChange != nil {
		g.notice()
		g.watchSchedule()
	}
	return g
}

// now returns the time of the Guard's clock.
func (g *Guard) now() time.Time {
	if g.cfg.Now != nil {
		return g.cfg.Now()
	}
	return time.Now()
}

// warn logs a Warn record when the Guard has a logger.
func (g *Guard) warn(msg string, attrs ...slog.Attr) {
	if g.cfg.Logger != nil {
		g.cfg.Logger.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
	}
}

// Wrap returns next guarded by g: requests the policy does not let through
// get the maintenance response instead.
func (g *Guard) Wrap(next http.Handler) http.Handler {
	if next == nil {
		panic("maintenance: Wrap of a nil handler")
	}
	return &handler{g: g, next: next}
}

// Wrap returns next guarded by a Guard with the zero Config:
// New(Config{}).Wrap(next).
func Wrap(next http.Handler) http.Handler { return New(Config{}).Wrap(next) }

type handler struct {
	g    *Guard
	next http.Handler
}

type activeKey struct{}

// offPassThrough: with the mode off, no rule applies to any request (no
// force.paths, redirect path, schedule window or bypass link).
const offPassThrough = !forceOn && redirectPath == "" && !scheduleOn && !bypassOn

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Nearly every request comes while the mode is off: one load, a branch.
	if offPassThrough && h.g.word.Load()&(stateOn|stateStale) == 0 {
		h.next.ServeHTTP(w, r)
		return
	}
	d := h.g.decide(r)
	h.g.counts.add(&d)
	if d.pass {
		if d.on {
			r = r.WithContext(context.WithValue(r.Context(), activeKey{}, true))
			w = noStore(w, &d)
		}
		h.next.ServeHTTP(w, r)
		return
	}
	h.g.respond(w, r, &d)
}

// Active reports whether the mode was on when the guard let the request of
// ctx through (an exempt request), for example to show admins a banner.
func Active(ctx context.Context) bool {
	on, _ := ctx.Value(activeKey{}).(bool)
	return on
}

// ForceOn returns a handler that always gives the maintenance response,
// negotiated as usual, for one route: h is never called, nothing exempts.
func ForceOn(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := decision{step: stepForce, rule: -1}
		maintenance(r, cleanPath(r.URL.Path), &d)
		forceGuard.respond(w, r, &d)
	})
}

var forceGuard = &Guard{}

// decision is a compact Decision, cheap to return: the step and format
// are indexes, and the status and location follow from them.
type decision struct {
	step   stepIndex
	format formatIndex // fmtNone when pass
	pass   bool
	on     bool   // the mode was on
	rule   int32  // -1 when no rule decided
	locale int32  // index into locales, for fmtHTML and fmtJSON
	end    int64  // the expected end, in Unix seconds; 0 when unknown
	reason string // the setting's reason
}

type stepIndex uint8

const (
	stepForce stepIndex = iota
	stepOff
	stepRedirect
	stepExemptPaths
	stepExemptIPs
	stepExemptRoles
	stepMaintenance
	stepBypassLink
	stepExemptTests
	stepBypass
	stepReadOnly
)

var stepNames = [...]Step{StepForce, StepOff, StepRedirect, StepExemptPaths, StepExemptIPs, StepExemptRoles, StepMaintenance,
	StepBypassLink, StepExemptTests, StepBypass, StepReadOnly}

type formatIndex uint8

const (
	fmtNone formatIndex = iota
	fmtHTML
	fmtJSON
	fmtRedirect
)

var formatNames = [...]Format{"", FormatHTML, FormatJSON, FormatRedirect}

// status returns the status of d's maintenance response.
func (d *decision) status() int {
	if d.format == fmtRedirect {
		return http.StatusFound
	}
	return responseStatus
}

// location returns the target of d's redirect: / with the mode off and
// for the bypass link, else the redirect path.
func (d *decision) location() string {
	if d.step == stepOff || d.step == stepBypassLink {
		return "/"
	}
	return redirectPath
}

// Decide returns the decision that Wrap's handler makes on r, without
// serving it. It allocates nothing unless a Config func does, a bypass
// cookie is parsed, or a forced path's other spellings are computed.
func (g *Guard) Decide(r *http.Request) Decision {
	d := g.decide(r)
	out := Decision{Pass: d.pass, Step: stepNames[d.step], Rule: int(d.rule)}
	if !d.pass {
		out.Status, out.Format = d.status(), formatNames[d.format]
		if d.format == fmtRedirect {
			out.Location = d.location()
		} else {
			out.Locale = locales[d.locale].tag
		}
	}
	return out
}

func (g *Guard) decide(r *http.Request) decision {
	d := decision{rule: -1}
	if bypassOn && g.isBypassLink(r) {
		d.step, d.format = stepBypassLink, fmtRedirect
		return d
	}
	// With the mode off, only force.paths and the redirect path read it.
	var p string
	if forceOn || redirectPath != "" {
		p = cleanPath(r.URL.Path)
		if i, ok := forced(r, p); ok {
			d.step, d.rule = stepForce, int32(i)
			maintenance(r, p, &d)
			return d
		}
	}
	var st moment
	g.state(r.Context(), &st)
	if g.cfg.OnChange != nil {
		g.observe(g.statusOf(st))
	}
	d.on, d.end, d.reason = st.on, st.end, st.reason
	if !d.on {
		d.step = stepOff
		if redirectPath != "" && p == redirectPath {
			d.format = fmtRedirect
			return d
		}
		d.pass = true
		return d
	}
	if p == "" {
		p = cleanPath(r.URL.Path)
	}
	if redirectPath != "" && p == redirectPath {
		d.step = stepRedirect
		page(r, p, &d)
		return d
	}
	if st.readOnly && (r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions) {
		d.pass, d.step = true, stepReadOnly
		return d
	}
	if underTest() {
		d.pass, d.step = true, stepExemptTests
		return d
	}
	if canonical(r.URL) {
		if i, ok := exemptPath(p); ok {
			d.pass, d.step, d.rule = true, stepExemptPaths, int32(i)
			return d
		}
	}
	if addrOn {
		if ip, ok := g.clientIP(r); ok {
			if i, ok := exemptIP(ip); ok {
				d.pass, d.step, d.rule = true, stepExemptIPs, int32(i)
				return d
			}
		}
	}
	if rolesOn {
		if i, ok := g.roleRule(r); ok {
			d.pass, d.step, d.rule = true, stepExemptRoles, int32(i)
			return d
		}
	}
	if bypassOn && g.hasBypassCookie(r) {
		d.pass, d.step = true, stepBypass
		return d
	}
	d.step = stepMaintenance
	maintenance(r, p, &d)
	return d
}

// maintenance fills d with the maintenance response: a redirect or the page.
func maintenance(r *http.Request, p string, d *decision) {
	if redirectPath != "" && p != redirectPath {
		d.format = fmtRedirect
		return
	}
	page(r, p, d)
}

// page fills d with the page response: format and locale negotiated.
func page(r *http.Request, p string, d *decision) {
	d.format = fmtHTML
	switch {
	case responseFormat == FormatJSON:
		d.format = fmtJSON
	case responseFormat == FormatHTML:
	default: // auto
		if _, ok := jsonPaths.match(p); ok || preferJSON(r.Header["Accept"]) {
			d.format = fmtJSON
		}
	}
	d.locale = int32(negotiateLocale(r.Header["Accept-Language"]))
}

// Precomputed header values: net/http does not modify them.
var (
	hdrNoStore  = []string{"no-store"}
	hdrVary     = []string{"Accept, Accept-Language"}
	hdrNosniff  = []string{"nosniff"}
	hdrRoot     = []string{"/"}
	hdrRedirect = []string{redirectPath}
	hdrRetry    = []string{strconv.Itoa(retryAfter)}
)

// respond writes the maintenance response of d.
func (g *Guard) respond(w http.ResponseWriter, r *http.Request, d *decision) {
	h := w.Header()
	h["Cache-Control"] = hdrNoStore
	if d.step == stepBypassLink {
		g.bypassResponse(w, r)
		return
	}
	h["Vary"] = hdrVary
	switch {
	case d.end == 0 && !retryAfterDate: // the fixed value, or none
		if retryAfter != 0 {
			h["Retry-After"] = hdrRetry
		}
	default:
		if v := g.retryHeader(d.end); v != nil {
			h["Retry-After"] = v
		}
	}
	if len(hdrClearCookies) != 0 && (d.step == stepRedirect || d.step == stepMaintenance) {
		h["Set-Cookie"] = hdrClearCookies[:len(hdrClearCookies):len(hdrClearCookies)]
	}
	if g.cfg.Logger != nil {
		g.log(r, d)
	}
	if d.format == fmtRedirect {
		if d.step == stepOff {
			h["Location"] = hdrRoot
		} else {
			h["Location"] = hdrRedirect
		}
		w.WriteHeader(http.StatusFound)
		return
	}
	l := &locales[d.locale]
	pg := &l.html
	if d.format == fmtJSON {
		pg = &l.json
	}
	if d.reason != "" || d.end != 0 {
		pg = g.livePage(d)
	}
	h["Content-Type"] = pg.contentType
	h["Content-Language"] = l.contentLanguage
	h["Content-Length"] = pg.contentLength
	h["X-Content-Type-Options"] = hdrNosniff
	w.WriteHeader(responseStatus)
	if r.Method != http.MethodHead {
		io.WriteString(w, pg.body)
	}
}

func (g *Guard) log(r *http.Request, d *decision) {
	g.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "maintenance response",
		slog.String("path", logPath(r.URL.Path)),
		slog.String("client_ip", g.logIP(r)),
		slog.Int("status", d.status()))
}

// logIP returns the request's client IP for a log record; "" for none.
func (g *Guard) logIP(r *http.Request) string {
	if a, ok := g.clientIP(r); ok {
		return a.String()
	}
	return ""
}

// clientIP returns Config.ClientIP's answer (unmapped, zone dropped) or,
// without one, the policy's own rule (forwardedIP).
func (g *Guard) clientIP(r *http.Request) (netip.Addr, bool) {
	if g.cfg.ClientIP == nil {
		return forwardedIP(r)
	}
	a, ok := g.cfg.ClientIP(r)
	if !ok || !a.IsValid() {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// locale is one locale's pages and precomputed headers.
type locale struct {
	tag, lang       string
	contentLanguage []string
	html, json      pageData
	slot            int    // where the HTML page takes the reason and end; -1 for nowhere
	until           string // the label before the expected end
}

type pageData struct {
	body          string
	contentType   []string
	contentLength []string
}

func newLocale(tag, lang, html string, slot int, json, until string) locale {
	return locale{
		tag: tag, lang: lang, slot: slot, until: until,
		contentLanguage: []string{tag},
		html:            pageData{html, []string{"text/html; charset=utf-8"}, []string{strconv.Itoa(len(html))}},
		json:            pageData{json, []string{"application/problem+json"}, []string{strconv.Itoa(len(json))}},
	}
}
