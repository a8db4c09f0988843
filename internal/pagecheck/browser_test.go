package pagecheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/mazznoer/csscolorparser"
)

// chromiumPath is where Debian's chromium package puts the browser; the
// CHROMIUM environment variable overrides it.
const chromiumPath = "/usr/bin/chromium"

// viewport is a window size the pages are shown at.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var viewports = []viewport{
	{"desktop", 1280, 800, false},
	{"mobile", 390, 844, true},
}

// browser is a headless Chromium.
type browser struct {
	ctx context.Context
}

// tab is a tab, with the cache disabled, that blocks and records every
// request not to loopback, and records every failed request and every
// console error.
type tab struct {
	ctx context.Context

	mu       sync.Mutex
	blocked  []string // URLs of requests not to loopback, blocked
	failed   []string // requests that failed, and error responses
	console  []string // console errors and uncaught exceptions
	requests []string // URLs of every request the page made
}

// newBrowser starts headless Chromium with a fresh profile. It skips the
// test, when CI is unset, if Chromium is not installed.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := cmpOr(os.Getenv("CHROMIUM"), chromiumPath)
	if _, err := exec.LookPath(exe); err != nil {
		missing(t, fmt.Sprintf("Chromium is not installed at %s (apt-get install chromium)", exe))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless, // --headless, --hide-scrollbars, --mute-audio
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("font-render-hinting", "none"), // the same pixels from run to run
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return &browser{ctx: bctx}
}

// newTab opens a tab, closed when the test ends. The tabs share the
// browser's default context: a context of its own per tab costs a window
// of its own, half a second each, and isolates nothing the pages use,
// since they set no cookie and run no script, the cache is off, and each
// page has an origin of its own.
func (b *browser) newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	tb := &tab{ctx: ctx}
	if err := chromedp.Listen(ctx, tb.event); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		// Pause every request, so that event can let it through or block it.
		if _, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, runtime.Enable, cdp.Empty{})
		return err
	}))
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return tb
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// event handles the page's events. It must not block: answers to paused
// requests are sent from a goroutine.
func (b *tab) event(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *fetch.EventRequestPaused:
		u := ev.Request.URL
		b.requests = append(b.requests, u)
		// The listener may not send commands: answer from a goroutine.
		if isLoopback(u) {
			go chromedp.Call(b.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			return
		}
		b.blocked = append(b.blocked, fmt.Sprintf("%s %s (%s)", ev.Request.Method, u, ev.ResourceType))
		go chromedp.Call(b.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
	case *network.EventLoadingFailed:
		b.failed = append(b.failed, fmt.Sprintf("%s: %s %s", ev.Type, ev.ErrorText, ev.BlockedReason))
	case *network.EventResponseReceived:
		// The page itself is served with its maintenance status; anything
		// else answered with an error is a failed request.
		if ev.Type != network.ResourceTypeDocument && ev.Response.Status >= 400 {
			b.failed = append(b.failed, fmt.Sprintf("%s: %d %s", ev.Type, ev.Response.Status, ev.Response.URL))
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value))
			}
			b.console = append(b.console, fmt.Sprintf("console.%s(%s)", ev.Type, strings.Join(args, ", ")))
		}
	case *runtime.EventExceptionThrown:
		b.console = append(b.console, "uncaught exception: "+ev.ExceptionDetails.Text)
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e.Level != cdplog.EntryLevelError {
			return
		}
		// Chromium logs "Failed to load resource: ... 503" for the page
		// itself, which is served with its maintenance status on purpose.
		if e.Source == cdplog.EntrySourceNetwork && strings.Contains(e.Text, "the server responded with a status of") && isPage(e.URL) {
			return
		}
		b.console = append(b.console, fmt.Sprintf("%s %s: %s (%s)", e.Source, e.Level, e.Text, e.URL))
	}
}

// isLoopback reports whether u is a URL on a loopback address.
func isLoopback(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "http" {
		return false
	}
	ip := net.ParseIP(p.Hostname())
	return ip != nil && ip.IsLoopback()
}

// isPage reports whether u is the URL of a page the test server serves.
func isPage(u string) bool {
	p, err := url.Parse(u)
	return err == nil && isLoopback(u) && strings.HasSuffix(p.Path, ".html")
}

// take returns what was recorded since the last call, and forgets it.
func (b *tab) take() (blocked, failed, console, requests []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	blocked, failed, console, requests = b.blocked, b.failed, b.console, b.requests
	b.blocked, b.failed, b.console, b.requests = nil, nil, nil, nil
	return
}

// pageState is what the page shows, read in the browser.
type pageState struct {
	Title     string        `json:"title"`
	Lang      string        `json:"lang"`
	Dir       string        `json:"dir"`
	Direction string        `json:"direction"` // the body's computed direction
	H1        []string      `json:"h1"`
	Viewport  bool          `json:"viewport"`
	Overflow  bool          `json:"overflow"` // wider than the window: a horizontal scroll bar
	Width     int64         `json:"width"`    // the window's inner size
	Height    int64         `json:"height"`
	Card      *box          `json:"card"` // <main>'s box, nil without one
	Texts     []browserText `json:"texts"`
	Canvas    string        `json:"canvas"`
}

type box struct{ X, Y, W, H float64 }

// browserText is the computed colors of one element with text of its own:
// its color and the background colors from the root element down to it.
type browserText struct {
	Element     string   `json:"element"`
	Text        string   `json:"text"`
	Color       string   `json:"color"`
	Backgrounds []string `json:"backgrounds"`
}

// stateJS reads a pageState. It is the test's script, run by DevTools; the
// page has none.
const stateJS = `(() => {
  const probe = document.createElement('div');
  probe.style.cssText = 'background-color:Canvas;position:absolute';
  document.documentElement.appendChild(probe);
  const canvas = getComputedStyle(probe).backgroundColor;
  probe.remove();
  const texts = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.data).join(' ').replace(/\s+/g, ' ').trim();
    if (own === '') continue;
    const chain = [];
    for (let a = el; a; a = a.parentElement) chain.unshift(getComputedStyle(a).backgroundColor);
    texts.push({element: el.localName, text: own, color: getComputedStyle(el).color, backgrounds: chain});
  }
  const main = document.querySelector('main');
  const r = main && main.getBoundingClientRect();
  return {
    title: document.title,
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    direction: getComputedStyle(document.body).direction,
    h1: [...document.querySelectorAll('h1')].map(h => h.textContent.replace(/\s+/g, ' ').trim()),
    viewport: !!document.querySelector('meta[name=viewport]'),
    overflow: document.documentElement.scrollWidth > window.innerWidth,
    width: window.innerWidth,
    height: window.innerHeight,
    card: r ? {X: r.x, Y: r.y, W: r.width, H: r.height} : null,
    texts: texts,
    canvas: canvas,
  };
})()`

// texts turns the browser's computed colors into Texts, composited as
// TextColors does.
func (s pageState) texts() ([]Text, error) {
	parse := func(v string) (csscolorparser.Color, error) {
		c, err := csscolorparser.Parse(v)
		if err != nil {
			return c, fmt.Errorf("computed color %q: %v", v, err)
		}
		return c, nil
	}
	canvas, err := parse(s.Canvas)
	if err != nil {
		return nil, err
	}
	var out []Text
	for _, bt := range s.Texts {
		fg, err := parse(bt.Color)
		if err != nil {
			return nil, err
		}
		var bgs []csscolorparser.Color
		for _, v := range bt.Backgrounds {
			c, err := parse(v)
			if err != nil {
				return nil, err
			}
			bgs = append(bgs, c)
		}
		f, b := composite(fg, bgs, canvas)
		out = append(out, Text{Element: bt.Element, Text: bt.Text, FG: f, BG: b})
	}
	return out, nil
}

// artifactsDir returns the folder for the test's screenshots,
// $MAINTGEN_ARTIFACTS/browser (MAINTGEN_ARTIFACTS=artifacts puts them in
// artifacts/browser at the repository's root, ignored by git), emptied
// first; or "" when MAINTGEN_ARTIFACTS is not set: the screenshots then
// are not taken, which halves the test's time.
func artifactsDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("MAINTGEN_ARTIFACTS")
	if root == "" {
		return ""
	}
	if !filepath.IsAbs(root) {
		root = filepath.Join(repoRoot, root)
	}
	dir, err := filepath.Abs(filepath.Join(root, "browser"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readmeShots are the pictures make screenshots writes for docs/policy.md:
// the full golden case's default page, in one left-to-right and one
// right-to-left locale.
var readmeShots = []struct{ file, locale string }{
	{"golden/full/public/maintenance/503.en.html", "en"},
	{"golden/full/public/maintenance/503.ar.html", "ar"},
}

// readmeViewport is the window size of the README pictures.
var readmeViewport = viewport{"readme", 720, 450, false}

// TestBrowser loads every locale's page of every golden case and of the
// example app in headless Chromium, from a loopback server, in light and
// dark mode, at a desktop and a mobile size. Every request not to loopback
// is blocked and logged. It checks that the page made no request but
// itself, none blocked or failed, logged no console error, shows the
// locale's title, h1, lang and dir, fits the window, centers its card,
// and that its text colors, as Chromium computes them, are the ones
// TextColors finds and meet MinContrast. With MAINTGEN_ARTIFACTS set
// (artifactsDir), it saves a screenshot of each page, scheme and size.
//
// With MAINTGEN_SCREENSHOTS set to a folder (make screenshots), it also
// writes the README's pictures there.
func TestBrowser(t *testing.T) {
	b := newBrowser(t)
	var pages []page
	for _, pg := range goldenPages(t) {
		if !pg.Default {
			pages = append(pages, pg)
		}
	}
	byPath := map[string]page{}
	for _, pg := range pages {
		byPath["/"+pg.File] = pg
	}
	// serve starts a loopback server for one page: each page gets an origin
	// of its own, so that a request one page makes (such as /favicon.ico,
	// which Chromium asks once per origin) shows up on that page.
	serve := func(t *testing.T) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pg, ok := byPath[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			// As the generated middleware serves it.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Language", pg.Locale.Tag)
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(pg.Status)
			w.Write(pg.Body)
		}))
		t.Cleanup(srv.Close)
		if !isLoopback(srv.URL) {
			t.Fatalf("test server %s is not on loopback", srv.URL)
		}
		return srv.URL
	}
	shots := artifactsDir(t)
	if shots != "" {
		t.Logf("screenshots: %s", shots)
	}

	// The pages run in parallel (as many at once as -test.parallel, by
	// default GOMAXPROCS): each has its own tab, browser context and
	// server, and most of a page's time is spent waiting on Chromium (a
	// new browser context, a navigation, a screenshot). The group returns
	// when every page is done.
	t.Run("pages", func(t *testing.T) {
		for _, pg := range pages {
			t.Run(pg.File, func(t *testing.T) {
				t.Parallel()
				tb, base := b.newTab(t), serve(t)
				tb.check(t, base+"/"+pg.File, pg, shots)
			})
		}
	})

	if dir := os.Getenv("MAINTGEN_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		tb, base := b.newTab(t), serve(t)
		for _, rs := range readmeShots {
			pg, ok := byPath["/"+rs.file]
			if !ok {
				t.Fatalf("no page %s for the README", rs.file)
			}
			for _, s := range []Scheme{Light, Dark} {
				img := tb.show(t, base+"/"+pg.File, s, readmeViewport)
				name := filepath.Join(dir, fmt.Sprintf("%s-%s.png", rs.locale, s))
				if err := os.WriteFile(name, img, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s", name)
			}
		}
	}
}

// show loads url in the scheme s at the size v and returns a screenshot.
func (b *tab) show(t *testing.T, url string, s Scheme, v viewport) []byte {
	t.Helper()
	b.load(t, url, s, v)
	return b.screenshot(t, url, s, v)
}

// load loads url in the scheme s at the size v.
func (b *tab) load(t *testing.T, url string, s Scheme, v viewport) {
	t.Helper()
	b.emulate(t, s, v)
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("%s in %s mode at %dx%d: %v", url, s, v.width, v.height, err)
	}
}

// emulate sets the color scheme s and the size v, for the page loaded
// and the next: Chromium applies them to a page without reloading it,
// as when a user resizes the window or switches the system's scheme.
func (b *tab) emulate(t *testing.T, s Scheme, v viewport) {
	t.Helper()
	err := chromedp.Do(b.ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: string(s)}},
			})
			if err != nil {
				return err
			}
			_, err = cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
				Width: v.width, Height: v.height, DeviceScaleFactor: 1, Mobile: v.mobile,
			})
			return err
		}),
	)
	if err != nil {
		t.Fatalf("%s mode at %dx%d: %v", s, v.width, v.height, err)
	}
}

// screenshot returns a screenshot of the page loaded, as load left it.
func (b *tab) screenshot(t *testing.T, url string, s Scheme, v viewport) []byte {
	t.Helper()
	img, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot of %s in %s mode at %dx%d: %v", url, s, v.width, v.height, err)
	}
	return img
}

// check loads one page once, then checks it in each scheme at each
// viewport, switched without reloading it: a reload costs more than the
// checks, and the page has no script that could tell the two apart.
func (b *tab) check(t *testing.T, pageURL string, pg page, shots string) {
	t.Helper()
	b.take()
	base := strings.TrimSuffix(pg.File, ".html")
	if err := chromedp.Do(b.ctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("%s: %v", pageURL, err)
	}
	for _, l := range looks() {
		s, v := l.s, l.v
		b.emulate(t, s, v)
		if shots != "" {
			img := b.screenshot(t, pageURL, s, v)
			name := filepath.Join(shots, filepath.FromSlash(base)+fmt.Sprintf(".%s.%dx%d.png", s, v.width, v.height))
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, img, 0o644); err != nil {
				t.Fatal(err)
			}
			if cfg, err := png.DecodeConfig(bytes.NewReader(img)); err != nil || cfg.Width != int(v.width) || cfg.Height != int(v.height) {
				t.Errorf("%s: screenshot is %dx%d (err %v), want %dx%d", v.name, cfg.Width, cfg.Height, err, v.width, v.height)
			}
		}

		raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]byte](stateJS))
		if err != nil {
			t.Fatal(err)
		}
		var st pageState
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		at := fmt.Sprintf("%s mode, %s %dx%d", s, v.name, v.width, v.height)
		b.checkState(t, at, pg, s, v, st)
	}
	blocked, failed, console, requests := b.take()
	for _, u := range blocked {
		t.Errorf("blocked a request not to loopback: %s", u)
	}
	for _, f := range failed {
		t.Errorf("failed request: %s", f)
	}
	for _, c := range console {
		t.Errorf("console error: %s", c)
	}
	for _, u := range requests {
		if u != pageURL {
			t.Errorf("the page made a request: %s", u)
		}
	}
	if len(requests) != 1 {
		t.Errorf("%d requests for one load of the page: %q", len(requests), requests)
	}
}

// look is one color scheme at one viewport.
type look struct {
	s Scheme
	v viewport
}

// looks returns each color scheme at each viewport.
func looks() []look {
	var out []look
	for _, s := range []Scheme{Light, Dark} {
		for _, v := range viewports {
			out = append(out, look{s, v})
		}
	}
	return out
}

// checkState checks what the page shows in the browser.
func (b *tab) checkState(t *testing.T, at string, pg page, s Scheme, v viewport, st pageState) {
	t.Helper()
	want := pg.want()
	if st.Title != collapse(want.Title) {
		t.Errorf("%s: title %q, want %q", at, st.Title, collapse(want.Title))
	}
	if !slices.Equal(st.H1, []string{collapse(want.Heading)}) {
		t.Errorf("%s: h1 %q, want exactly [%q]", at, st.H1, collapse(want.Heading))
	}
	if st.Lang != want.Lang {
		t.Errorf("%s: lang %q, want %q", at, st.Lang, want.Lang)
	}
	wantDir := "ltr"
	if want.RTL {
		wantDir = "rtl"
	}
	if st.Dir != wantDir || st.Direction != wantDir {
		t.Errorf("%s: dir %q, computed direction %q, want %q", at, st.Dir, st.Direction, wantDir)
	}
	if !st.Viewport {
		t.Errorf("%s: no viewport", at)
	}
	if st.Overflow {
		t.Errorf("%s: the page is wider than the window", at)
	}
	if st.Width != v.width || st.Height != v.height {
		t.Errorf("%s: the window is %dx%d, want %dx%d", at, st.Width, st.Height, v.width, v.height)
	}
	if pg.Builtin {
		if st.Card == nil {
			t.Errorf("%s: no <main> card", at)
		} else if c := st.Card; abs(c.X+c.W/2-float64(v.width)/2) > 1 || c.X < 0 || c.X+c.W > float64(v.width) {
			t.Errorf("%s: card %+v is not centered in the %dpx window", at, *c, v.width)
		}
	}

	got, err := st.texts()
	if err != nil {
		t.Fatalf("%s: %v", at, err)
	}
	for _, x := range got {
		if r := x.Ratio(); r < MinContrast {
			t.Errorf("%s: <%s> text %s on %s: contrast %.2f:1, want at least %.1f:1", at, x.Element, x.FG, x.BG, r, MinContrast)
		}
	}
	// The browser and TextColors must agree on every color.
	static, err := TextColors(pg.Body, s)
	if err != nil {
		t.Fatalf("%s: TextColors: %v", at, err)
	}
	if fmt.Sprint(describe(got)) != fmt.Sprint(describe(static)) {
		t.Errorf("%s: text colors in Chromium and from TextColors differ:\nChromium:   %v\nTextColors: %v", at, describe(got), describe(static))
	}
}

// describe lists texts as "element fg/bg" strings.
func describe(ts []Text) []string {
	var out []string
	for _, x := range ts {
		out = append(out, fmt.Sprintf("%s %s/%s", x.Element, x.FG, x.BG))
	}
	return out
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
