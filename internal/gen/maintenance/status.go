// The state at run time: the operator's setting (read-only mode, start,
// end and reason), Status for machines, OnChange and the counters.

package maintenance

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Mode is a maintenance mode, spelled as maintgen on, the state file, the
// env var and the toggle spell it.
type Mode string

// The modes.
const (
	ModeOff      Mode = "off"       // requests pass
	ModeOn       Mode = "on"        // requests get the maintenance response, unless exempt
	ModeReadOnly Mode = "read-only" // safe methods (GET, HEAD, OPTIONS) pass as if off; others as if on
)

// Setting is the operator's setting of the mode: what the state file holds
// (maintgen on writes it), what the toggle and Config.Setting give.
type Setting struct {
	Mode   Mode      // "" is ModeOff
	From   time.Time // the start; zero: already begun
	Until  time.Time // the end; zero: none known
	Reason string    // shown on the page and in the JSON; "" for none
}

// ParseSetting parses the state file's grammar: a line
//
//	MODE [from T] [until T]
//
// then optionally a line "reason: TEXT". MODE is on (or 1, true), off (or
// 0, false) or read-only; T is an RFC 3339 time; the words in any case.
// The mode holds in [From, Until) and is off outside it; an off with a
// time suspends the schedule's windows in that interval (what maintgen
// off writes during a window). The error says the text is no setting.
func ParseSetting(text string) (Setting, error) {
	line, rest, _ := strings.Cut(text, "\n")
	f := strings.Fields(line)
	if len(f) == 0 {
		return Setting{}, errNoSetting
	}
	m, ok := parseMode(f[0])
	if !ok {
		return Setting{}, errNoSetting
	}
	s := Setting{Mode: m}
	f = f[1:]
	for _, key := range [...]string{"from", "until"} {
		if len(f) >= 2 && strings.EqualFold(f[0], key) {
			t, err := time.Parse(time.RFC3339, f[1])
			if err != nil {
				return Setting{}, errNoSetting
			}
			if key == "from" {
				s.From = t
			} else {
				s.Until = t
			}
			f = f[2:]
		}
	}
	if len(f) != 0 || !s.From.IsZero() && !s.Until.IsZero() && !s.From.Before(s.Until) {
		return Setting{}, errNoSetting
	}
	if rest = strings.TrimSpace(rest); rest != "" {
		key, reason, ok := strings.Cut(rest, ":")
		reason = strings.TrimSpace(reason)
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "reason") || strings.ContainsFunc(reason, unicode.IsControl) || !utf8.ValidString(reason) {
			return Setting{}, errNoSetting
		}
		s.Reason = reason
	}
	return s, nil
}

var errNoSetting = errors.New("want on, off or read-only, optionally from and until an RFC 3339 time, then a reason: line")

// String returns s in the state file's grammar, times in UTC, without a
// final newline.
func (s Setting) String() string {
	b := string(s.mode())
	if !s.From.IsZero() {
		b += " from " + s.From.UTC().Format(time.RFC3339)
	}
	if !s.Until.IsZero() {
		b += " until " + s.Until.UTC().Format(time.RFC3339)
	}
	if s.Reason != "" {
		b += "\nreason: " + s.Reason
	}
	return b
}

func (s *Setting) mode() Mode {
	if s.Mode == "" {
		return ModeOff
	}
	return s.Mode
}

// bits returns the state word's mode bits for s at now.
func (s *Setting) bits(now time.Time) uint32 {
	if !s.From.IsZero() && now.Before(s.From) || !s.Until.IsZero() && !now.Before(s.Until) {
		return 0
	}
	switch s.mode() {
	case ModeOn:
		return stateOn
	case ModeReadOnly:
		return stateOn | stateReadOnly
	}
	if !s.From.IsZero() || !s.Until.IsZero() {
		return stateSuspend
	}
	return 0
}

// next returns the first of s's start and end after now; zero for none.
func (s *Setting) next(now time.Time) time.Time {
	for _, t := range [...]time.Time{s.From, s.Until} {
		if t.After(now) {
			return t
		}
	}
	return time.Time{}
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

// parseMode reads a mode word: an on/off word, or read-only in any case.
func parseMode(s string) (Mode, bool) {
	if strings.EqualFold(strings.TrimSpace(s), string(ModeReadOnly)) {
		return ModeReadOnly, true
	}
	on, ok := parseWord(s)
	if on {
		return ModeOn, ok
	}
	return ModeOff, ok
}

// fallbackSetting is the setting that state.fallback means.
func fallbackSetting() *Setting {
	if stateFallback {
		return &Setting{Mode: ModeOn}
	}
	return &Setting{Mode: ModeOff}
}

// Status is the maintenance state at one moment, for machines: load
// balancers, workers, cron jobs and status pages. Its JSON form is what
// StatusHandler answers.
type Status struct {
	On       bool      `json:"on"`               // maintenance mode is on, fully or read-only
	ReadOnly bool      `json:"read_only"`        // it is read-only: safe methods pass
	Until    time.Time `json:"until,omitzero"`   // the expected end, from a schedule window or the setting; zero when unknown
	Reason   string    `json:"reason,omitempty"` // the setting's reason
	Source   string    `json:"source"`           // what decided: "schedule", "config" (Config.Setting or State), "state.env", "state.file" or "none"
}

// moment is the state at one moment, as the guard's rules read it.
type moment struct {
	on, readOnly, window bool
	end                  int64 // Unix seconds of the expected end; 0 when unknown
	reason               string
}

// state returns the state now: a schedule window (unless the setting
// suspends it) is on until its end; the setting adds read-only (outside
// a window), its reason, and its end (no end: none known).
func (g *Guard) state(ctx context.Context, st *moment) {
	w := g.word.Load()
	var set *Setting
	switch {
	case w&stateStale == 0:
		if w&stateOn != 0 {
			set = g.set.Load()
		}
	case g.cfg.Setting != nil || g.cfg.State != nil:
		set = new(Setting) // Config's answer; it stays on the stack
		w = g.configState(ctx, set)
	default:
		w, set = g.refresh(w), g.set.Load()
	}
	var windowEnd int64
	if scheduleOn && w&stateSuspend == 0 {
		windowEnd, st.window = g.windowEnd()
		st.end = windowEnd
	}
	if w&stateOn != 0 {
		st.readOnly = w&stateReadOnly != 0 && !st.window
		st.end = 0 // on with no end: none known
		if set != nil {
			st.reason = set.Reason
			if !set.Until.IsZero() {
				st.end = max(windowEnd, set.Until.Unix())
			}
		}
	}
	st.on = st.window || w&stateOn != 0
}

// configState asks Config.Setting or Config.State for the setting s: an
// error means stateFallback, logged once. It returns the state word's mode
// bits, with stateStale: Config is asked on every request.
func (g *Guard) configState(ctx context.Context, s *Setting) uint32 {
	var err error
	if g.cfg.Setting != nil {
		*s, err = g.cfg.Setting(ctx)
	} else {
		var on bool
		on, err = g.cfg.State(ctx)
		if on {
			s.Mode = ModeOn
		}
	}
	if err != nil {
		if g.cfg.Logger != nil && !g.stateErr.Swap(true) {
			g.warn("maintenance: Config.State failed; using state.fallback until it succeeds",
				slog.String("error", err.Error()), slog.Bool("fallback", stateFallback))
		}
		*s = *fallbackSetting()
	} else if g.stateErr.Load() {
		g.stateErr.Store(false)
	}
	return stateStale | s.bits(g.now())
}

// Status returns the maintenance state now, outside any request: for a
// worker deciding whether to pause, or a load balancer's check (see
// StatusHandler). It reads the state as a request would.
func (g *Guard) Status(ctx context.Context) Status {
	var m moment
	g.state(ctx, &m)
	st := g.statusOf(m)
	g.observe(st)
	return st
}

func (g *Guard) statusOf(st moment) Status {
	out := Status{On: st.on, ReadOnly: st.readOnly, Reason: st.reason, Source: g.source}
	if st.window {
		out.Source = "schedule"
	}
	if st.end != 0 {
		out.Until = time.Unix(st.end, 0).UTC()
	}
	return out
}

// StatusHandler returns a handler answering GET and HEAD with the Status
// as JSON ({"on":true,"read_only":false,"until":"2026-12-01T04:00:00Z",
// "reason":"...","source":"state.file"}), with Cache-Control: no-store; other
// methods get 405. Mount it where load balancers, status pages and scripts
// can ask, outside the guard or exempt.
func (g *Guard) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Cache-Control"] = hdrNoStore
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h["Allow"] = []string{"GET, HEAD"}
			http.Error(w, "use GET", http.StatusMethodNotAllowed)
			return
		}
		b, _ := json.Marshal(g.Status(r.Context()))
		h["Content-Type"] = hdrJSON
		if r.Method != http.MethodHead {
			w.Write(append(b, '\n'))
		}
	})
}

var hdrJSON = []string{"application/json"}

// notifier delivers OnChange calls in order, from one goroutine at a time.
type notifier struct {
	last    atomic.Pointer[Status] // the last Status observed
	mu      sync.Mutex
	queue   [][2]Status
	running bool

	// bg is held for reading by each run of the file's poller and the
	// windows' timers (background), and for writing by Close, which so
	// waits for a run in progress.
	bg     sync.RWMutex
	closed atomic.Bool // Close was called
}

// Close stops what OnChange runs in the background, the state file's
// poller and the schedule's timers, waiting for a run in progress; after
// it returns, no new OnChange call is queued (one queued before may still
// be made). The Guard goes on serving requests, and reads the state file
// as it does without OnChange. Close returns nil, and does nothing more
// when called again. Do not call it from a Config func: the poller runs
// them, and Close would wait for itself.
func (g *Guard) Close() error {
	n := &g.notes
	n.bg.Lock()
	n.closed.Store(true)
	n.bg.Unlock()
	return nil
}

// background runs f, a run of the file's poller or of a window's timer,
// unless g is closed.
func (g *Guard) background(f func()) {
	n := &g.notes
	n.bg.RLock()
	defer n.bg.RUnlock()
	if !n.closed.Load() {
		f()
	}
}

// same reports whether a and b are the same state for OnChange.
func same(a, b *Status) bool {
	return a.On == b.On && a.ReadOnly == b.ReadOnly && a.Until.Equal(b.Until) && a.Reason == b.Reason
}

// observe queues an OnChange call when st differs from the last Status
// observed, and starts a goroutine to deliver it unless one runs.
func (g *Guard) observe(st Status) {
	if g.cfg.OnChange == nil || g.notes.closed.Load() {
		return
	}
	n := &g.notes
	if last := n.last.Load(); last != nil && same(last, &st) {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	old := Status{Source: "none"} // before New: off
	if last := n.last.Load(); last != nil {
		old = *last
	}
	if same(&old, &st) {
		n.last.Store(&st) // later requests skip the lock
		return
	}
	n.last.Store(&st)
	n.queue = append(n.queue, [2]Status{old, st})
	if !n.running {
		n.running = true
		go g.deliver()
	}
}

func (g *Guard) deliver() {
	n := &g.notes
	for {
		n.mu.Lock()
		if len(n.queue) == 0 {
			n.running = false
			n.mu.Unlock()
			return
		}
		c := n.queue[0]
		n.queue = n.queue[1:]
		n.mu.Unlock()
		g.cfg.OnChange(c[0], c[1])
	}
}

// notice observes the Status now, for OnChange.
func (g *Guard) notice() {
	if g.cfg.OnChange != nil {
		g.Status(context.Background())
	}
}

// Stats counts the requests that a Guard's handler decided since New, by
// the step that decided and, for the steps with rules, by rule. Requests
// passed because the mode was off (StepOff) are not counted: the off path
// stays one atomic load.
type Stats struct {
	Steps map[Step]uint64   // requests per step; a step never taken is absent
	Rules map[Step][]uint64 // force.paths, exempt.paths, exempt.ips, exempt.roles: requests per rule, by index in the policy list
}

// counters are a Guard's Stats, counted with atomic adds.
type counters struct {
	steps [len(stepNames)]atomic.Uint64
	rules [len(stepNames)][]atomic.Uint64 // for the steps with rules
}

func (c *counters) init() {
	c.rules[stepForce] = make([]atomic.Uint64, forceRules)
	c.rules[stepExemptPaths] = make([]atomic.Uint64, exemptPathRules)
	c.rules[stepExemptIPs] = make([]atomic.Uint64, exemptIPRules)
	c.rules[stepExemptRoles] = make([]atomic.Uint64, exemptRoleRules)
}

func (c *counters) add(d *decision) {
	if d.step == stepOff {
		return
	}
	c.steps[d.step].Add(1)
	if r := c.rules[d.step]; d.rule >= 0 && int(d.rule) < len(r) {
		r[d.rule].Add(1)
	}
}

// Stats returns the counts so far.
func (g *Guard) Stats() Stats {
	s := Stats{Steps: map[Step]uint64{}, Rules: map[Step][]uint64{}}
	for i := range g.counts.steps {
		if n := g.counts.steps[i].Load(); n != 0 {
			s.Steps[stepNames[i]] = n
		}
		if r := g.counts.rules[i]; len(r) != 0 {
			counts := make([]uint64, len(r))
			for j := range r {
				counts[j] = r[j].Load()
			}
			s.Rules[stepNames[i]] = counts
		}
	}
	return s
}

// retryCache is a Retry-After value, kept for the second it was made in.
type retryCache struct {
	now, end int64
	hdr      []string
}

// retryHeader returns the Retry-After value for a response now: to the
// expected end when known (Unix seconds), else response.retry_after; as
// delay-seconds or, with response.retry_after_form http-date, an HTTP-date
// (RFC 9110, section 10.2.3). nil omits the header.
func (g *Guard) retryHeader(end int64) []string {
	switch {
	case end == 0 && retryAfter == 0:
		return nil
	case end == 0 && !retryAfterDate:
		return hdrRetry
	}
	t := g.now().Unix()
	if c := g.retry.Load(); c != nil && c.now == t && c.end == end {
		return c.hdr
	}
	var v string
	switch {
	case end == 0:
		v = time.Unix(t+retryAfter, 0).UTC().Format(http.TimeFormat)
	case retryAfterDate:
		v = time.Unix(end, 0).UTC().Format(http.TimeFormat)
	default:
		v = strconv.FormatInt(max(end-t, 0), 10)
	}
	c := &retryCache{t, end, []string{v}}
	g.retry.Store(c)
	return c.hdr
}

// liveCache holds the pages with one state's reason and end filled in,
// made on first use: HTML and JSON for each locale.
type liveCache struct {
	reason string
	end    int64
	pages  []atomic.Pointer[pageData]
}

// livePage returns the page of d with its reason and end, or nil when it
// has neither.
func (g *Guard) livePage(d *decision) *pageData {
	if d.reason == "" && d.end == 0 {
		return nil
	}
	c := g.live.Load()
	if c == nil || c.reason != d.reason || c.end != d.end {
		c = &liveCache{reason: d.reason, end: d.end, pages: make([]atomic.Pointer[pageData], 2*len(locales))}
		g.live.Store(c)
	}
	i := 2 * int(d.locale)
	if d.format == fmtJSON {
		i++
	}
	if p := c.pages[i].Load(); p != nil {
		return p
	}
	l := &locales[d.locale]
	var p pageData
	if d.format == fmtJSON {
		p = l.json
		var b []byte
		if d.reason != "" {
			b, _ = json.Marshal(d.reason)
			b = append([]byte(`,"reason":`), b...)
		}
		if d.end != 0 {
			b = append(b, `,"until":"`+time.Unix(d.end, 0).UTC().Format(time.RFC3339)+`"`...)
		}
		p.body = p.body[:len(p.body)-1] + string(b) + "}"
	} else {
		p = l.html
		if l.slot >= 0 {
			var b strings.Builder
			if d.reason != "" {
				b.WriteString(`<p class="live">` + html.EscapeString(d.reason) + `</p>`)
			}
			if d.end != 0 {
				t := time.Unix(d.end, 0).UTC()
				b.WriteString(`<p class="live">` + html.EscapeString(l.until) + ` <time datetime="` + t.Format(time.RFC3339) + `">` + t.Format("2006-01-02 15:04 MST") + `</time></p>`)
			}
			p.body = p.body[:l.slot] + b.String() + p.body[l.slot:]
		}
	}
	p.contentLength = []string{strconv.Itoa(len(p.body))}
	c.pages[i].Store(&p)
	return &p
}
