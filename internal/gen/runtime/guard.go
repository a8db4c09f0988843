// Package maintenance is maintgen's runtime: the middleware that every
// generated file carries. The generator copies this file, less its package
// clause, into the output and appends the policy's tables (tables_gen.go
// here), so this code is compiled and tested as it is shipped.
package maintenance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config adjusts a Guard. The zero Config uses the policy's state section,
// treats every request as anonymous and logs nothing.
type Config struct {
	// State reports whether maintenance mode is on. It is called once per
	// request; an error means the policy's state.fallback. nil: the
	// policy's state section (env var, then file).
	State func(ctx context.Context) (on bool, err error)

	// Roles returns the roles of the request's user, for exempt.roles. A
	// request with no roles has the role "anonymous"; one with any role
	// also has "authenticated". nil: every request is anonymous.
	Roles func(r *http.Request) []string

	// ClientIP returns the request's client IP, for exempt.ips and the
	// log; ok false means the request has none, and no exempt.ips rule
	// applies. Set it when a trusted front already names the client in a
	// header of its own (Cloudflare's CF-Connecting-IP, for example) or
	// the app has its own trusted extraction, as django-maintenance-mode's
	// GET_CLIENT_IP_ADDRESS. nil: the host of RemoteAddr, or, when that
	// peer is one of the policy's proxies, the X-Forwarded-For walk.
	//
	// Whatever the setting, the guard must run before any middleware that
	// rewrites RemoteAddr (chi's middleware.RealIP, for one): such a
	// middleware lets any client claim an exempt address in a header.
	ClientIP func(r *http.Request) (netip.Addr, bool)

	// Now is the clock for time-dependent rules: the schedule, the state
	// file's "on until" and bypass cookies. nil: time.Now.
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
	// state file (which needs State to be nil too).
	SetState func(ctx context.Context, on bool) error
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

// Guard is the maintenance-mode middleware for one Config. It is safe for
// concurrent use. Create it with New.
type Guard struct {
	cfg Config

	fixed   bool // the mode never changes: decided by the env var, or no state at all
	fixedOn bool

	// The state file: word holds stateOn, stateStale and stateLoaded. The
	// hot path is one atomic load; a request that finds the word stale
	// re-reads the file, and at most one does so per poll interval.
	word       atomic.Uint32
	refreshing atomic.Bool
	once       sync.Once
	timer      *time.Timer

	// mu serializes reads of the state file with the toggle's writes, and
	// guards seen and warned.
	mu     sync.Mutex
	seen   bool // the last read found the file
	warned bool // the unusable state has been logged

	stateErr atomic.Bool // Config.State failed, and that was logged

	// The bypass secret's SHA-256, and the secret as the HMAC key; nil
	// bypassKey: bypass is off.
	bypassKey  []byte
	bypassHash [sha256.Size]byte
}

const (
	stateOn     = 1 << iota // maintenance mode is on
	stateStale              // the file is due for a re-read
	stateLoaded             // the file has been read once
)

// New returns a Guard for cfg. Without cfg.State it reads the policy's
// environment variable now; when that is set and non-empty it decides for
// the Guard's lifetime. Otherwise the state file is read on the first
// request and then at most once per poll interval.
//
// With a bypass section, New also reads the secret from bypass.secret_env
// (surrounding whitespace trimmed): unset, empty or shorter than 16 bytes,
// bypass is off for the Guard's lifetime.
func New(cfg Config) *Guard {
	g := &Guard{cfg: cfg}
	g.word.Store(stateStale)
	if bypassSecretEnv != "" {
		switch secret := strings.TrimSpace(os.Getenv(bypassSecretEnv)); {
		case len(secret) >= minBypassSecret:
			g.bypassKey = []byte(secret)
			g.bypassHash = sha256.Sum256(g.bypassKey)
		case secret != "":
			g.warn("maintenance: the bypass secret is shorter than 16 bytes; bypass is off",
				slog.String("env", bypassSecretEnv))
		}
	}
	switch {
	case cfg.State != nil:
	case stateEnv != "" && os.Getenv(stateEnv) != "":
		g.fixed = true
		v := os.Getenv(stateEnv)
		g.fixedOn = parseState(v)
		if _, ok := parseWord(v); !ok {
			g.warn("maintenance: the state environment variable holds neither on nor off; using state.fallback",
				slog.String("env", stateEnv), slog.String("value", quoteShort(v)), slog.Bool("fallback", stateFallback))
		}
	case stateFile == "":
		g.fixed = true // no state section: the mode is off
	default:
		// The timer is created here, stopped, before g is shared: load
		// only resets it, so that a load on any goroutine may use it.
		g.timer = time.AfterFunc(statePoll, func() { g.word.Or(stateStale) })
		g.timer.Stop()
	}
	return g
}

// parseState reads an on/off word: on, off, 1, 0, true or false, in any
// case, surrounding whitespace ignored. Any other text means stateFallback.
func parseState(s string) bool {
	if on, ok := parseWord(s); ok {
		return on
	}
	return stateFallback
}

// parseWord reads an on/off word: on, off, 1, 0, true or false, in any
// case, surrounding whitespace ignored. ok is false for any other text.
func parseWord(s string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "1", "true":
		return true, true
	case "off", "0", "false":
		return false, true
	}
	return false, false
}

// parseStateFile reads the state file's contents: an on/off word as for
// parseWord, or "on until T" (the words in any case, separated by
// whitespace, surrounding whitespace ignored) where T is an RFC 3339 time,
// as maintgen on -for and -until write it. until is zero for a plain word.
func parseStateFile(s string) (on bool, until time.Time, ok bool) {
	f := strings.Fields(s)
	switch {
	case len(f) == 1:
		on, ok = parseWord(f[0])
		return on, time.Time{}, ok
	case len(f) == 3 && strings.EqualFold(f[0], "on") && strings.EqualFold(f[1], "until"):
		t, err := time.Parse(time.RFC3339, f[2])
		if err == nil {
			return true, t, true
		}
	}
	return false, time.Time{}, false
}

// maxStateFile bounds how much of the state file is read.
const maxStateFile = 1 << 10

// readStateFile reads the state file, at most maxStateFile bytes. Only a
// regular file (or a symbolic link to one) is opened: opening a FIFO would
// block until a writer came, and every request with it.
func readStateFile() (string, error) {
	fi, err := os.Stat(stateFile)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", errors.New("not a regular file")
	}
	f, err := os.Open(stateFile)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxStateFile {
		return "", errors.New("longer than 1 KiB")
	}
	return string(b), nil
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

// quoteShort quotes at most the first 64 bytes of s, for a log record.
func quoteShort(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "..."
	}
	return strconv.Quote(s)
}

// on reports whether the state says maintenance mode is on.
func (g *Guard) on(ctx context.Context) bool {
	if g.cfg.State != nil {
		return g.configState(ctx)
	}
	if g.fixed {
		return g.fixedOn
	}
	w := g.word.Load()
	if w&stateStale == 0 {
		return w&stateOn != 0
	}
	return g.refresh(w)
}

// configState asks Config.State. An error means stateFallback, and is
// logged once until State succeeds again.
func (g *Guard) configState(ctx context.Context) bool {
	on, err := g.cfg.State(ctx)
	if err != nil {
		if g.cfg.Logger != nil && !g.stateErr.Swap(true) {
			g.warn("maintenance: Config.State failed; using state.fallback until it succeeds",
				slog.String("error", err.Error()), slog.Bool("fallback", stateFallback))
		}
		return stateFallback
	}
	if g.stateErr.Load() {
		g.stateErr.Store(false)
	}
	return on
}

// refresh re-reads the state file. Concurrent first requests wait for the
// first read; later, one request re-reads while the others keep the last
// value.
func (g *Guard) refresh(w uint32) bool {
	if w&stateLoaded == 0 {
		g.once.Do(g.load)
	} else if g.refreshing.CompareAndSwap(false, true) {
		g.load()
		g.refreshing.Store(false)
	}
	return g.word.Load()&stateOn != 0
}

// load reads the file and arms the timer that marks the value stale after
// one poll interval, or sooner when an "on until" ends sooner.
//
//   - A valid value decides; "on until T" reads as off from T on.
//   - A missing file means off. But when the previous read found the
//     file, the value is kept until the next read confirms that the file
//     is gone: a file replaced by delete and create (an editor, a
//     non-atomic ConfigMap update) does not flip the site in between.
//   - An unreadable file or a value that is not a state word means
//     stateFallback, logged once until a valid value is read.
func (g *Guard) load() {
	g.mu.Lock()
	defer g.mu.Unlock()
	w := uint32(stateLoaded)
	delay := time.Duration(statePoll)
	text, err := readStateFile()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if g.seen {
			w |= g.word.Load() & stateOn
		}
		g.seen = false
	case err != nil:
		g.seen = true
		if stateFallback {
			w |= stateOn
		}
		g.warnOnce("maintenance: the state file cannot be read; using state.fallback", slog.String("error", err.Error()))
	default:
		g.seen = true
		on, until, ok := parseStateFile(text)
		if !ok {
			if stateFallback {
				w |= stateOn
			}
			g.warnOnce("maintenance: the state file holds neither on nor off; using state.fallback", slog.String("value", quoteShort(text)))
			break
		}
		g.warned = false
		if on && !until.IsZero() {
			on, delay = untilRead(until.Sub(g.now()), delay)
		}
		if on {
			w |= stateOn
		}
	}
	g.word.Store(w)
	g.timer.Reset(delay)
}

// untilRead applies the end of an "on until" state, left being the time
// from now to the end: the mode is on while left > 0, and the next read
// is due after poll or, when sooner, at the end, so that the mode goes
// off on time.
func untilRead(left, poll time.Duration) (on bool, delay time.Duration) {
	if left <= 0 {
		return false, poll
	}
	return true, min(left, poll)
}

// warnOnce logs that the state file is unusable, once until a valid value
// is read. g.mu is held.
func (g *Guard) warnOnce(msg string, attr slog.Attr) {
	if g.warned {
		return
	}
	g.warned = true
	g.warn(msg, slog.String("file", stateFile), attr, slog.Bool("fallback", stateFallback))
}

// Wrap returns next guarded by g: requests that the policy does not let
// through get the maintenance response, and next is not called for them.
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

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := h.g.decide(r)
	if d.pass {
		if d.on {
			r = r.WithContext(context.WithValue(r.Context(), activeKey{}, true))
			if d.personal() {
				w = &noStoreWriter{ResponseWriter: w}
			}
		}
		h.next.ServeHTTP(w, r)
		return
	}
	h.g.respond(w, r, &d)
}

// personal reports whether d lets a request through because of who sent
// it, while the mode is on: an exempt IP, an exempt role or a bypass
// cookie. The app's response is then a view that others must not get.
func (d *decision) personal() bool {
	return d.pass && (d.step == stepExemptIPs || d.step == stepExemptRoles || d.step == stepBypass)
}

// noStoreWriter sets Cache-Control: no-store on the response when its
// header is written, replacing what the app set, so that no shared cache
// (a CDN, a proxy) keeps an admin's view of the site under maintenance and
// serves it to everyone. Unwrap gives http.ResponseController the
// underlying writer (Flush, Hijack, deadlines).
type noStoreWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *noStoreWriter) header() {
	if !w.wrote {
		w.wrote = true
		w.ResponseWriter.Header()["Cache-Control"] = hdrNoStore
	}
}

// WriteHeader sets Cache-Control: no-store, then writes the header.
func (w *noStoreWriter) WriteHeader(code int) {
	w.ResponseWriter.Header()["Cache-Control"] = hdrNoStore
	w.wrote = w.wrote || code >= 200 || code == http.StatusSwitchingProtocols
	w.ResponseWriter.WriteHeader(code)
}

// Write sets Cache-Control: no-store before the first write.
func (w *noStoreWriter) Write(b []byte) (int, error) {
	w.header()
	return w.ResponseWriter.Write(b)
}

// Flush sets Cache-Control: no-store, then flushes, when the underlying
// writer can.
func (w *noStoreWriter) Flush() {
	w.header()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *noStoreWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Active reports whether maintenance mode was on when the guard let the
// request of ctx through (an exempt request), for example to show admins a
// banner. It is false outside a guarded request and when the mode is off.
func Active(ctx context.Context) bool {
	on, _ := ctx.Value(activeKey{}).(bool)
	return on
}

// ForceOn returns a handler that always gives the maintenance response,
// for one route: h is never called and no exemption applies. The format
// and locale are negotiated as for any maintenance response.
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
	on     bool  // the mode was on
	rule   int32 // -1 when no rule decided
	locale int32 // index into locales, for fmtHTML and fmtJSON
	retry  int32 // inside a schedule window: seconds to its end (at most MaxInt32), for Retry-After; else 0
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
)

var stepNames = [...]Step{StepForce, StepOff, StepRedirect, StepExemptPaths, StepExemptIPs, StepExemptRoles, StepMaintenance,
	StepBypassLink, StepExemptTests, StepBypass}

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

// location returns the target of d's redirect: / for the redirect path
// while the mode is off and for the bypass link, else the redirect path.
func (d *decision) location() string {
	if d.step == stepOff || d.step == stepBypassLink {
		return "/"
	}
	return redirectPath
}

// Decide returns the guard's decision on r without serving it. It makes
// the same decision as the handler returned by Wrap. It allocates nothing
// unless Config.State, Config.Roles or Config.Now does, bypass is on and
// the request has a Cookie header (parsing cookies allocates), or the
// policy has force.paths and the request is a CONNECT or its escaped path
// hides a separator or dot segment (its routed path is computed).
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
	if bypassSecretEnv != "" && g.bypassKey != nil && g.isBypassLink(r) {
		d.step, d.format = stepBypassLink, fmtRedirect
		return d
	}
	// With the mode off, the path matters only for force.paths and the
	// redirect path: skip cleaning it when the policy has neither.
	var p string
	if !forcePaths.empty() || redirectPath != "" {
		p = cleanPath(r.URL.Path)
		if i, ok := forced(r, p); ok {
			d.step, d.rule = stepForce, int32(i)
			maintenance(r, p, &d)
			return d
		}
	}
	if hasSchedule {
		// Inside a window the mode is on, whatever the state says.
		now := g.now().Unix()
		if i, ok := windowAt(now); ok {
			d.on, d.retry = true, int32(min(schedule[i].end-now, math.MaxInt32))
		}
	}
	if !d.on {
		d.on = g.on(r.Context())
	}
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
	if underTest() {
		d.pass, d.step = true, stepExemptTests
		return d
	}
	if canonical(r.URL) {
		if i, ok := exemptPaths.match(p); ok {
			d.pass, d.step, d.rule = true, stepExemptPaths, int32(i)
			return d
		}
	}
	if exemptIPs.len() > 0 {
		if ip, ok := g.clientIP(r); ok {
			if i, ok := exemptIPs.lookup(ip); ok {
				d.pass, d.step, d.rule = true, stepExemptIPs, int32(i)
				return d
			}
		}
	}
	if len(exemptRoles) > 0 {
		if i, ok := g.roleRule(r); ok {
			d.pass, d.step, d.rule = true, stepExemptRoles, int32(i)
			return d
		}
	}
	if bypassSecretEnv != "" && g.bypassKey != nil && g.hasBypassCookie(r) {
		d.pass, d.step = true, stepBypass
		return d
	}
	d.step = stepMaintenance
	maintenance(r, p, &d)
	return d
}

// forced returns the force.paths rule that matches the request r, whose
// cleaned path is p. A forced handler must not be reached by any spelling
// of its path that a router could route to it, so the rules are tried on
// each of these forms, in this order, and the first match decides:
//
//  1. p, the cleaned decoded path (ServeMux, gorilla/mux, chi's
//     CleanPath, gin's RemoveExtraSlash);
//  2. the path as ServeMux routes it (routedPath), when it differs: a
//     CONNECT request's path is not cleaned, and an escaped dot segment
//     (/checkout/%2e%2e/x) is not resolved;
//  3. the decoded path as it came, uncleaned, when it differs: chi, echo,
//     gin and gorilla/mux's SkipClean route /checkout/../cart on
//     /checkout/;
//
// and each form with a trailing slash removed or added (chi's
// StripSlashes, echo's RemoveTrailingSlash and AddTrailingSlash).
// Subtree patterns match unclean paths by their leading segments, as
// those routers do. For a canonical path, the most common case, only the
// first form is tried.
func forced(r *http.Request, p string) (int, bool) {
	if i, ok := forcedForm(p); ok {
		return i, true
	}
	// Only %2e and %2f make ServeMux's path differ, and they are in
	// RawPath, which is empty for most requests.
	if r.Method == http.MethodConnect || r.URL.RawPath != "" && hiddenSeparator(r.URL) {
		if rp := routedPath(r); rp != p {
			if i, ok := forcedForm(rp); ok {
				return i, true
			}
		}
	}
	if raw := r.URL.Path; raw != p && raw != "" {
		return forcedForm(raw)
	}
	return -1, false
}

// forcedForm returns the force.paths rule that matches the path form p, or
// p with its trailing slash removed or a trailing slash added. It
// allocates only when p has no trailing slash and force.paths has
// regexps.
func forcedForm(p string) (int, bool) {
	if i, ok := forcePaths.match(p); ok {
		return i, true
	}
	if n := len(p); n > 0 && p[n-1] == '/' {
		if n == 1 {
			return -1, false
		}
		return forcePaths.match(p[:n-1])
	}
	// p + "/": exact patterns never end in a slash and the subtree walk
	// of p + "/" is that of p, so only the regexps are left to try.
	if len(forcePaths.regexps) > 0 {
		return forcePaths.matchRegexps(p + "/")
	}
	return -1, false
}

// routedPath returns the path on which net/http's ServeMux routes r,
// decoded: it cleans the escaped path (except for CONNECT), so an escaped
// dot segment stays a segment of its own, and unescapes the segments
// after.
func routedPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if r.Method != http.MethodConnect {
		p = cleanPath(p)
	}
	if u, err := url.PathUnescape(p); err == nil {
		return u
	}
	return r.URL.Path
}

// roleRule returns the exempt.roles rule that one of r's roles matches.
func (g *Guard) roleRule(r *http.Request) (int, bool) {
	var roles []string
	if g.cfg.Roles != nil {
		roles = g.cfg.Roles(r)
	}
	if len(roles) == 0 {
		i, ok := exemptRoles["anonymous"]
		return int(i), ok
	}
	best, found := int32(-1), false
	for _, role := range roles {
		if i, ok := exemptRoles[role]; ok && (!found || i < best) {
			best, found = i, true
		}
	}
	if i, ok := exemptRoles["authenticated"]; ok && (!found || i < best) {
		best, found = i, true
	}
	return int(best), found
}

// maintenance fills d with the maintenance response for a request for the
// cleaned path p: a redirect when the policy has one, else the page.
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

// Precomputed header values. net/http does not modify them, and Add on a
// header whose slice is full copies it.
var (
	hdrNoStore  = []string{"no-store"}
	hdrVary     = []string{"Accept, Accept-Language"}
	hdrNosniff  = []string{"nosniff"}
	hdrRoot     = []string{"/"}
	hdrRedirect = []string{redirectPath}
	hdrRetry    = []string{retryAfter}
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
	case d.retry > 0:
		h["Retry-After"] = []string{strconv.Itoa(int(d.retry))}
	case retryAfter != "":
		h["Retry-After"] = hdrRetry
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

// logPath returns the request path p for a log record: a path that holds
// the bypass link's path, anywhere (//__maintenance/bypass/x and
// /x/../__maintenance/bypass/x are not the link, but are typed for it),
// may hold the secret, and is logged without it.
func logPath(p string) string {
	if bypassSecretEnv != "" && strings.Contains(p, bypassPath+"/") {
		return bypassPath + "/[redacted]"
	}
	return p
}

// logIP returns the request's client IP for a log record; "" for none.
func (g *Guard) logIP(r *http.Request) string {
	if a, ok := g.clientIP(r); ok {
		return a.String()
	}
	return ""
}

// cleanPath returns the canonical form of the request path p, as net/http's
// ServeMux computes it: path.Clean, keeping a trailing slash, with a
// leading slash added when missing. A clean path is returned as it is,
// without allocating.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] == '/' && isClean(p) {
		return p
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

// isClean reports whether the rooted path p is already in the form
// cleanPath returns: no empty, "." or ".." segment, except a final empty
// one (a trailing slash).
func isClean(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		rest := p[i+1:]
		switch {
		case rest == "":
			return true
		case rest[0] == '/':
			return false
		case rest[0] == '.':
			if len(rest) == 1 || rest[1] == '/' || rest[1] == '.' && (len(rest) == 2 || rest[2] == '/') {
				return false
			}
		}
	}
	return true
}

// canonical reports whether the request target's path is in canonical
// form, the one form every router reads the same way: rooted, already
// clean (no ".", ".." or empty segment, a trailing slash aside), with no
// backslash, and with no percent-escape other than the default encoding
// of the decoded path (RawPath empty, whatever byte is escaped: %68 as
// much as %2f). Only such a request may be exempt by path: for any other
// spelling, a router that routes the raw or uncleaned path (chi, echo,
// gin, gorilla/mux with SkipClean or UseEncodedPath) could run another
// handler than the one whose path the guard matched. ServeMux redirects
// unclean paths to their clean form, which is then exempt.
func canonical(u *url.URL) bool {
	p := u.Path
	return u.RawPath == "" && p != "" && p[0] == '/' && isClean(p) && strings.IndexByte(p, '\\') < 0
}

// hiddenSeparator reports whether the request's escaped path hides a
// separator or dot segment (%2f, %5c or %2e, any case, in RawPath), or the
// decoded path holds a backslash. ServeMux then routes another path than
// the cleaned one (routedPath).
func hiddenSeparator(u *url.URL) bool {
	if strings.IndexByte(u.Path, '\\') >= 0 {
		return true
	}
	raw := u.RawPath
	for i := 0; i+2 < len(raw); i++ {
		if raw[i] != '%' {
			continue
		}
		switch c := raw[i+2] | 0x20; raw[i+1] {
		case '2':
			if c == 'f' || c == 'e' {
				return true
			}
		case '5':
			if c == 'c' {
				return true
			}
		}
	}
	return false
}

// pathMatcher matches cleaned request paths against compiled ServeMux-style
// patterns. exact holds exact patterns; subtree holds subtree patterns
// without their trailing slash ("" for "/"). Lookups cost at most one map
// probe per path segment, whatever the number of patterns, and a probe is
// skipped when no pattern has that length; regexps are tried only when no
// literal pattern matches. Values are rule indexes.
type pathMatcher struct {
	exact       map[string]int32
	subtree     map[string]int32
	regexps     []pathRegexp
	exactLens   lengthSet
	subtreeLens lengthSet
}

// pathRegexp is one re: pattern. Every path it matches begins with prefix
// (regexp.LiteralPrefix of the expression), which is checked first.
type pathRegexp struct {
	rule   int32
	prefix string
	re     *regexp.Regexp
}

// lengthSet is a set of string lengths: bit n for length n < 63, bit 63
// for every length from 63 up.
type lengthSet uint64

func lengthBit(n int) lengthSet { return 1 << min(n, 63) }

func (s lengthSet) has(n int) bool { return s&lengthBit(n) != 0 }

func newPathMatcher(exact, subtree map[string]int32, regexps []pathRegexp) pathMatcher {
	m := pathMatcher{exact: exact, subtree: subtree, regexps: regexps}
	for k := range exact {
		m.exactLens |= lengthBit(len(k))
	}
	for k := range subtree {
		m.subtreeLens |= lengthBit(len(k))
	}
	return m
}

func (m *pathMatcher) empty() bool {
	return m.exactLens == 0 && m.subtreeLens == 0 && len(m.regexps) == 0
}

// match returns the rule that matches the cleaned path p: an exact
// pattern, else the longest subtree pattern, else the first regexp.
func (m *pathMatcher) match(p string) (int, bool) {
	if m.exactLens.has(len(p)) {
		if i, ok := m.exact[p]; ok {
			return int(i), true
		}
	}
	if m.subtreeLens != 0 {
		s := strings.TrimSuffix(p, "/")
		for {
			if m.subtreeLens.has(len(s)) {
				if i, ok := m.subtree[s]; ok {
					return int(i), true
				}
			}
			j := strings.LastIndexByte(s, '/')
			if j < 0 {
				break
			}
			s = s[:j]
		}
	}
	return m.matchRegexps(p)
}

// matchRegexps returns the first regexp rule that matches p.
func (m *pathMatcher) matchRegexps(p string) (int, bool) {
	for _, x := range m.regexps {
		if strings.HasPrefix(p, x.prefix) && x.re.MatchString(p) {
			return int(x.rule), true
		}
	}
	return -1, false
}

// u128 is an address in the one 128-bit space that holds IPv6 and, as
// IPv4-mapped IPv6 (::ffff:a.b.c.d), IPv4.
type u128 struct{ hi, lo uint64 }

func addrU128(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{0, 0xffff<<32 | uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (x u128) less(y u128) bool { return x.hi < y.hi || x.hi == y.hi && x.lo < y.lo }

// ipRanges is a sorted list of non-overlapping address ranges [lo[i],
// hi[i]], searched by binary search.
type ipRanges struct {
	lo, hi []u128
	rule   []int32
}

func (t *ipRanges) len() int { return len(t.lo) }

// lookup returns the rule of the range that holds a.
func (t *ipRanges) lookup(a netip.Addr) (int, bool) {
	x := addrU128(a)
	i, j := 0, len(t.lo)
	for i < j { // find the first range whose lo is above x
		h := int(uint(i+j) >> 1)
		if x.less(t.lo[h]) {
			j = h
		} else {
			i = h + 1
		}
	}
	if i == 0 || t.hi[i-1].less(x) {
		return -1, false
	}
	return int(t.rule[i-1]), true
}

// parseRanges decodes a generated range table: one range a line, as
// "PREFIX RULE" or "LO-HI RULE", sorted and non-overlapping.
func parseRanges(table string) ipRanges {
	var t ipRanges
	for line := range strings.Lines(table) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		rng, ruleText, _ := strings.Cut(line, " ")
		rule, err := strconv.Atoi(ruleText)
		if err != nil {
			panic("maintenance: bad range table line " + strconv.Quote(line))
		}
		var lo, hi netip.Addr
		if l, h, ok := strings.Cut(rng, "-"); ok {
			lo, hi = netip.MustParseAddr(l), netip.MustParseAddr(h)
		} else {
			p := netip.MustParsePrefix(rng)
			lo, hi = p.Addr(), lastAddr(p)
		}
		t.lo = append(t.lo, addrU128(lo))
		t.hi = append(t.hi, addrU128(hi))
		t.rule = append(t.rule, int32(rule))
	}
	return t
}

// lastAddr returns the last address of the masked prefix p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		a = a.Unmap()
	}
	return a
}

// clientIP returns the request's client IP: Config.ClientIP's answer when
// it is set (an IPv4-mapped address unmapped, a zone dropped), else the
// policy's own rule, forwardedIP.
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

// forwardedIP returns the request's client IP. It is the host of RemoteAddr,
// unless that peer is a trusted proxy: then the X-Forwarded-For lines are
// walked right to left, skipping proxies, and the first other address is
// the client. An empty or malformed entry reached first means no client
// IP; when the walk runs out, the last address examined is the client.
func forwardedIP(r *http.Request) (netip.Addr, bool) {
	peer, ok := parseHost(r.RemoteAddr)
	if !ok {
		return netip.Addr{}, false
	}
	if proxies.len() == 0 {
		return peer, true
	}
	if _, ok := proxies.lookup(peer); !ok {
		return peer, true
	}
	client := peer
	lines := r.Header["X-Forwarded-For"]
	for i := len(lines) - 1; i >= 0; i-- {
		rest := lines[i]
		for {
			j := strings.LastIndexByte(rest, ',')
			a, ok := parseHost(strings.Trim(rest[j+1:], " \t"))
			if !ok {
				return netip.Addr{}, false
			}
			client = a
			if _, ok := proxies.lookup(a); !ok {
				return a, true
			}
			if j < 0 {
				break
			}
			rest = rest[:j]
		}
	}
	return client, true
}

// parseHost parses an address with an optional port (a decimal up to
// 65535): "192.0.2.1",
// "192.0.2.1:80", "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:80".
// A zone is dropped and an IPv4-mapped IPv6 address is unmapped.
func parseHost(s string) (netip.Addr, bool) {
	host := s
	port := ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		host, port = s[1:end], s[end+1:]
		if port != "" {
			if port[0] != ':' {
				return netip.Addr{}, false
			}
			port = port[1:]
			if port == "" {
				return netip.Addr{}, false
			}
		}
	} else if i := strings.IndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i+1:], ':') < 0 {
		host, port = s[:i], s[i+1:]
		if port == "" {
			return netip.Addr{}, false
		}
	}
	n := 0
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return netip.Addr{}, false
		}
		if n = n*10 + int(port[i]-'0'); n > 65535 {
			return netip.Addr{}, false
		}
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		if !strings.Contains(host[:i], ":") || i == len(host)-1 {
			return netip.Addr{}, false // zones belong to IPv6 only, and are not empty
		}
		host = host[:i]
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// preferJSON reports whether the Accept header lines prefer
// application/json or application/problem+json over text/html. Each type
// gets the q-value of the most specific media range that matches it (RFC
// 9110, section 12.5.1); parameters other than q are ignored, and a range
// with a malformed q-value is skipped. A tie goes to HTML.
func preferJSON(lines []string) bool {
	var html, json, problem qmatch
	for _, line := range lines {
		for rest := line; rest != ""; {
			var elem string
			elem, rest, _ = strings.Cut(rest, ",")
			typ, sub, q, ok := parseMediaRange(elem)
			if !ok {
				continue
			}
			switch {
			case typ == "*" && sub == "*":
				html.offer(0, q)
				json.offer(0, q)
				problem.offer(0, q)
			case strings.EqualFold(typ, "text"):
				if sub == "*" {
					html.offer(1, q)
				} else if strings.EqualFold(sub, "html") {
					html.offer(2, q)
				}
			case strings.EqualFold(typ, "application"):
				if sub == "*" {
					json.offer(1, q)
					problem.offer(1, q)
				} else if strings.EqualFold(sub, "json") {
					json.offer(2, q)
				} else if strings.EqualFold(sub, "problem+json") {
					problem.offer(2, q)
				}
			}
		}
	}
	return max(json.q, problem.q) > html.q
}

// qmatch is the most specific media range seen for one type: specificity
// 0 for */*, 1 for type/*, 2 for type/subtype. The first of equally
// specific ranges wins.
type qmatch struct {
	spec int
	set  bool
	q    int // thousandths
}

func (m *qmatch) offer(spec, q int) {
	if !m.set || spec > m.spec {
		m.spec, m.set, m.q = spec, true, q
	}
}

// parseMediaRange parses "type/subtype;params" and its q-value.
func parseMediaRange(s string) (typ, sub string, q int, ok bool) {
	mt, params, _ := strings.Cut(s, ";")
	mt = strings.Trim(mt, " \t")
	typ, sub, ok = strings.Cut(mt, "/")
	if !ok || typ == "" || sub == "" {
		return "", "", 0, false
	}
	q, ok = qParam(params)
	return typ, sub, q, ok
}

// qParam finds the q parameter among ";"-separated parameters and parses
// it: 1000 when absent.
func qParam(params string) (int, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, value, _ := strings.Cut(strings.Trim(p, " \t"), "=")
		if strings.EqualFold(strings.Trim(name, " \t"), "q") {
			return parseQ(strings.Trim(value, " \t"))
		}
	}
	return 1000, true
}

// parseQ parses an RFC 9110 qvalue ("0", "0.5", "1.000") in thousandths.
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return q, true
	}
	if s[1] != '.' {
		return 0, false
	}
	scale := 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}

// negotiateLocale returns the index of the locale for the Accept-Language
// lines: of the ranges that find a locale, the one with the highest q,
// the earliest on a tie. q=0 ranges and ranges with a malformed q are
// dropped. With none, it is the default locale.
func negotiateLocale(lines []string) int {
	best, bestQ := defaultLocale, 0
	for _, line := range lines {
		for rest := line; rest != ""; {
			var elem string
			elem, rest, _ = strings.Cut(rest, ",")
			rng, params, _ := strings.Cut(elem, ";")
			rng = strings.Trim(rng, " \t")
			q, ok := qParam(params)
			if !ok || q == 0 || q <= bestQ || rng == "" {
				continue
			}
			if i := findLocale(rng); i >= 0 {
				best, bestQ = i, q
			}
		}
	}
	return best
}

// findLocale looks up a language range among the locales: one equal to
// the range, then one equal to its language subtag (fr-CA finds fr), then
// one whose language subtag equals the range (pt finds pt-BR); any case.
func findLocale(rng string) int {
	for i := range locales {
		if strings.EqualFold(locales[i].tag, rng) {
			return i
		}
	}
	if lang, _, ok := strings.Cut(rng, "-"); ok {
		for i := range locales {
			if strings.EqualFold(locales[i].tag, lang) {
				return i
			}
		}
	}
	for i := range locales {
		if strings.EqualFold(locales[i].lang, rng) {
			return i
		}
	}
	return -1
}

// compileRegexp compiles a generated, already validated expression.
func compileRegexp(expr string) *regexp.Regexp { return regexp.MustCompile(expr) }

// locale is one locale's pages and precomputed headers.
type locale struct {
	tag, lang       string
	contentLanguage []string
	html, json      pageData
}

type pageData struct {
	body          string
	contentType   []string
	contentLength []string
}

func newLocale(tag, lang, html, json string) locale {
	return locale{
		tag: tag, lang: lang,
		contentLanguage: []string{tag},
		html:            pageData{html, []string{"text/html; charset=utf-8"}, []string{strconv.Itoa(len(html))}},
		json:            pageData{json, []string{"application/problem+json"}, []string{strconv.Itoa(len(json))}},
	}
}

// ---- Operations: the schedule, the bypass link, the toggle ----

// window is one maintenance window of the schedule, [start, end), in Unix
// seconds. The schedule is sorted by start, and its windows do not
// overlap, so their ends are sorted too.
type window struct{ start, end int64 }

// windowAt returns the index of the schedule window that holds the Unix
// time now (in whole seconds: the windows' ends are whole seconds).
func windowAt(now int64) (int, bool) {
	i, j := 0, len(schedule)
	for i < j { // find the first window that ends after now
		h := int(uint(i+j) >> 1)
		if schedule[h].end <= now {
			i = h + 1
		} else {
			j = h
		}
	}
	if i < len(schedule) && schedule[i].start <= now {
		return i, true
	}
	return -1, false
}

// Upcoming reports the maintenance window of the policy's schedule that
// is in progress, or else the next one when it starts within the policy's
// announce duration, for a banner such as "maintenance tonight from 2:00
// to 4:00". The window is [start, end); times are in the local time zone.
// The clock is Config.Now. ok is false when there is no such window.
// Upcoming does not read the state: a mode switched on by hand has no
// known end. ctx is accepted for symmetry with Active and is not used.
func (g *Guard) Upcoming(ctx context.Context) (start, end time.Time, ok bool) {
	if len(schedule) == 0 {
		return time.Time{}, time.Time{}, false
	}
	now := g.now()
	sec := now.Unix()
	for _, w := range schedule {
		if sec >= w.end {
			continue
		}
		s := time.Unix(w.start, 0)
		if sec >= w.start || s.Sub(now) <= announce {
			return s, time.Unix(w.end, 0), true
		}
		break
	}
	return time.Time{}, time.Time{}, false
}

// The bypass link and cookie.
const (
	bypassCookieName = "maintenance_bypass"
	minBypassSecret  = 16 // bytes; a shorter secret turns bypass off
	bypassSkew       = 60 // seconds a cookie's expiry may lie beyond bypassTTL, for clocks that differ
)

// isBypassLink reports whether r is a GET of bypass.path/<secret>, the
// secret exactly. The comparison is of SHA-256 hashes, in constant time,
// so that it reveals neither the secret nor its length.
func (g *Guard) isBypassLink(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	given, ok := strings.CutPrefix(r.URL.Path, bypassPath+"/")
	if !ok {
		return false
	}
	h := sha256.Sum256([]byte(given))
	return hmac.Equal(h[:], g.bypassHash[:])
}

// bypassMAC returns the unpadded base64url HMAC-SHA256 of the decimal
// expiry, keyed with the secret.
func (g *Guard) bypassMAC(expiry string) string {
	m := hmac.New(sha256.New, g.bypassKey)
	io.WriteString(m, expiry)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// hasBypassCookie reports whether one of r's maintenance_bypass cookies is
// valid: "EXPIRY.MAC", EXPIRY in Unix seconds (1 to 18 digits, no leading
// zero) after now and at most bypassTTL+bypassSkew ahead, MAC its
// bypassMAC, compared in constant time.
func (g *Guard) hasBypassCookie(r *http.Request) bool {
	cookies := r.CookiesNamed(bypassCookieName)
	if len(cookies) == 0 {
		return false
	}
	now := g.now().Unix()
	for _, c := range cookies {
		if g.validBypass(c.Value, now) {
			return true
		}
	}
	return false
}

func (g *Guard) validBypass(v string, now int64) bool {
	dot := strings.IndexByte(v, '.')
	if dot < 1 || dot > 18 || v[0] == '0' || len(v)-dot-1 != base64.RawURLEncoding.EncodedLen(sha256.Size) {
		return false
	}
	var expiry int64
	for i := range dot {
		c := v[i]
		if c < '0' || c > '9' {
			return false
		}
		expiry = expiry*10 + int64(c-'0')
	}
	if expiry <= now || expiry > now+bypassTTL+bypassSkew {
		return false
	}
	return hmac.Equal([]byte(v[dot+1:]), []byte(g.bypassMAC(v[:dot])))
}

// bypassResponse answers the bypass link: 302 to / with the bypass cookie
// (HttpOnly, SameSite=Lax, Path=/, Secure unless insecure_cookie). The
// response is not cached and sends no Referer onwards.
func (g *Guard) bypassResponse(w http.ResponseWriter, r *http.Request) {
	expiry := g.now().Unix() + bypassTTL
	e := strconv.FormatInt(expiry, 10)
	c := &http.Cookie{
		Name: bypassCookieName, Value: e + "." + g.bypassMAC(e), Path: "/",
		Expires: time.Unix(expiry, 0), MaxAge: bypassTTL,
		HttpOnly: true, Secure: bypassSecure, SameSite: http.SameSiteLaxMode,
	}
	h := w.Header()
	h["Set-Cookie"] = []string{c.String()}
	h["Location"] = hdrRoot
	h["Referrer-Policy"] = hdrNoReferrer
	if g.cfg.Logger != nil {
		g.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "maintenance bypass link used",
			slog.String("client_ip", g.logIP(r)))
	}
	w.WriteHeader(http.StatusFound)
}

var hdrNoReferrer = []string{"no-referrer"}

// ToggleHandler returns the admin toggle, a handler to mount on a route
// of your choice (for example mux.Handle("/admin/maintenance",
// g.ToggleHandler())). It switches maintenance mode:
//
//   - Only POST, of state=on or state=off as a form
//     (application/x-www-form-urlencoded) or {"state": "on"} as JSON
//     (application/json), the body at most 1 KiB. GET and HEAD, like any
//     other method, get 405: a link or a prefetch never switches the mode.
//   - Cross-origin requests are refused with 403 (http.CrossOriginProtection,
//     from Sec-Fetch-Site or Origin), so another site cannot make an
//     admin's browser post the form.
//   - Only requests with a role in toggle.roles (default superuser), from
//     Config.Roles, may switch; any other gets 403.
//   - The new state goes to Config.SetState, or, when that is nil, to the
//     policy's state file, written atomically (a temporary file in the
//     same directory, fsync, rename; mode 0644). The Guard sees its own
//     toggle at once. When the state is not the toggle's to write
//     (Config.State without Config.SetState, or the env var decides, or
//     the policy has no state file) the answer is 409.
//
// The answer is JSON: {"state": "on", "active": true}, state being what
// was written and active whether maintenance mode is now on (a schedule
// window keeps it on). Errors are JSON too: {"error": "..."}.
func (g *Guard) ToggleHandler() http.Handler {
	return http.NewCrossOriginProtection().Handler(http.HandlerFunc(g.serveToggle))
}

// maxToggleBody bounds the toggle's request body.
const maxToggleBody = 1 << 10

func (g *Guard) serveToggle(w http.ResponseWriter, r *http.Request) {
	w.Header()["Cache-Control"] = hdrNoStore
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		toggleAnswer(w, http.StatusMethodNotAllowed, map[string]any{"error": "use POST with state=on or state=off"})
		return
	}
	if !g.mayToggle(r) {
		toggleAnswer(w, http.StatusForbidden, map[string]any{"error": "forbidden"})
		return
	}
	on, status, err := toggleValue(w, r)
	if err != nil {
		toggleAnswer(w, status, map[string]any{"error": err.Error()})
		return
	}
	if status, err := g.setState(r.Context(), on); err != nil {
		toggleAnswer(w, status, map[string]any{"error": err.Error()})
		return
	}
	state := "off"
	if on {
		state = "on"
	}
	if g.cfg.Logger != nil {
		g.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "maintenance mode switched",
			slog.String("state", state), slog.String("client_ip", g.logIP(r)))
	}
	toggleAnswer(w, http.StatusOK, map[string]any{"state": state, "active": g.active(r.Context())})
}

// active reports whether maintenance mode is on now: a schedule window,
// or the state.
func (g *Guard) active(ctx context.Context) bool {
	if len(schedule) != 0 {
		if _, ok := windowAt(g.now().Unix()); ok {
			return true
		}
	}
	return g.on(ctx)
}

// mayToggle reports whether one of r's roles, implied ones included, is
// in toggle.roles.
func (g *Guard) mayToggle(r *http.Request) bool {
	var roles []string
	if g.cfg.Roles != nil {
		roles = g.cfg.Roles(r)
	}
	if len(roles) == 0 {
		return toggleRoles["anonymous"] // never true: the policy refuses it
	}
	for _, role := range roles {
		if toggleRoles[role] {
			return true
		}
	}
	return toggleRoles["authenticated"]
}

// toggleValue reads the requested state from the form or JSON body.
func toggleValue(w http.ResponseWriter, r *http.Request) (on bool, status int, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxToggleBody)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var value string
	switch mt {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return false, http.StatusBadRequest, errors.New("the form cannot be read")
		}
		value = r.PostForm.Get("state")
	case "application/json":
		var body struct {
			State string `json:"state"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return false, http.StatusBadRequest, errors.New(`the body is not JSON such as {"state": "on"}`)
		}
		value = body.State
	default:
		return false, http.StatusUnsupportedMediaType, errors.New("send a form or JSON")
	}
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "on":
		return true, 0, nil
	case "off":
		return false, 0, nil
	}
	return false, http.StatusBadRequest, errors.New("state must be on or off")
}

// setState writes the new state where the Guard reads it, and returns
// the status to answer with when that fails.
func (g *Guard) setState(ctx context.Context, on bool) (int, error) {
	switch {
	case g.cfg.SetState != nil:
		if err := g.cfg.SetState(ctx, on); err != nil {
			return http.StatusInternalServerError, err
		}
		return http.StatusOK, nil
	case g.cfg.State != nil:
		return http.StatusConflict, errors.New("the app reads the state through Config.State but sets no Config.SetState to write it")
	case stateFile == "":
		return http.StatusConflict, errors.New("the policy has no state file to write")
	case g.fixed:
		return http.StatusConflict, errors.New("the environment variable " + stateEnv + " decides; unset it to switch with the state file")
	}
	word := "off\n"
	if on {
		word = "on\n"
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := writeStateFile(stateFile, word); err != nil {
		return http.StatusInternalServerError, err
	}
	w := uint32(stateLoaded)
	if on {
		w |= stateOn
	}
	g.seen, g.warned = true, false
	g.word.Store(w)
	g.timer.Reset(statePoll)
	return http.StatusOK, nil
}

// writeStateFile replaces the file name with content atomically: a
// temporary file in the same directory, written, given mode 0644 (whatever
// the umask), synced, then renamed over name; then the directory is synced
// so that the rename survives a crash. A reader sees the old content or
// the new, never a mix, and never a missing file.
func writeStateFile(name, content string) (err error) {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	_, err = io.WriteString(f, content)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err = os.Rename(tmp, name); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}

func toggleAnswer(w http.ResponseWriter, status int, body map[string]any) {
	b, _ := json.Marshal(body)
	w.Header()["Content-Type"] = hdrJSON
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

var hdrJSON = []string{"application/json"}
