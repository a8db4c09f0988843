package adversarial

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/maintgen/maintgen/internal/adversarial/guard"
	redirect "github.com/maintgen/maintgen/internal/fuzzdiff/redirect/maintenance"
	"github.com/maintgen/maintgen/internal/policy"
)

// TestHostileMessages serves the maintenance page of each locale of
// policy.yaml, whose messages hold </title><script>, an <img onerror>,
// quotes, {{.X}} and {{template}}, U+2028 and U+2029, a NUL, and CR LF
// followed by a header line, and checks that the page shows them as text:
//
//   - HTML: no element but the template's own (no script, no img, no
//     attribute the template does not write), and the title, heading and
//     body hold the messages as text;
//   - JSON: the problem details decode to the messages exactly, and the
//     bytes hold no raw <, >, &, U+2028 or U+2029 (so the document is
//     also safe inside a script element or as JavaScript);
//   - headers: no CR or LF in any value, nosniff, and a charset.
func TestHostileMessages(t *testing.T) {
	p := loadPolicy(t)
	g := guard.New(guard.Config{State: stateIs(true)})
	h := g.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("the app ran") }))
	for _, l := range p.Locales {
		for _, accept := range []string{"text/html", "application/json"} {
			t.Run(l.Tag+" "+accept, func(t *testing.T) {
				r := httptest.NewRequest(http.MethodGet, "/secret", nil)
				r.RemoteAddr = Outsider
				r.Header.Set("Accept", accept)
				r.Header.Set("Accept-Language", l.Tag)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code != 503 || rec.Header().Get("Content-Language") != l.Tag {
					t.Fatalf("status %d, Content-Language %q", rec.Code, rec.Header().Get("Content-Language"))
				}
				for name, values := range rec.Header() {
					for _, v := range values {
						if strings.ContainsAny(v, "\r\n") {
							t.Errorf("header %s holds CR or LF: %q", name, v)
						}
					}
				}
				if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("no X-Content-Type-Options: nosniff")
				}
				if accept == "text/html" {
					if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
						t.Errorf("Content-Type %q", ct)
					}
					checkHTML(t, rec.Body.Bytes(), l)
				} else {
					if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
						t.Errorf("Content-Type %q", ct)
					}
					checkJSON(t, rec.Body.Bytes(), l)
				}
			})
		}
	}
}

// templateElements are the elements the built-in template writes, with
// the attributes each may have.
var templateElements = map[string]string{
	"html": "lang dir", "head": "", "meta": "charset name content", "link": "rel href", "title": "", "style": "",
	"body": "", "main": "", "svg": "viewbox fill stroke stroke-width stroke-linecap stroke-linejoin aria-hidden focusable",
	"path": "d", "h1": "", "p": "",
}

func checkHTML(t *testing.T, page []byte, l policy.Locale) {
	t.Helper()
	texts := map[string]string{} // element -> its text
	z := html.NewTokenizer(bytes.NewReader(page))
	var open string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			allowed, ok := templateElements[tok.Data]
			if !ok {
				t.Errorf("element <%s> in the page: %s", tok.Data, tok)
			}
			for _, a := range tok.Attr {
				if !strings.Contains(" "+allowed+" ", " "+a.Key+" ") {
					t.Errorf("attribute %s on <%s>", a.Key, tok.Data)
				}
			}
			open = tok.Data
		case html.TextToken:
			texts[open] += tok.Data
		case html.EndTagToken:
			open = ""
		}
	}
	for _, c := range []struct{ elem, want string }{{"title", l.Title}, {"h1", l.Heading}, {"p", l.Body}} {
		// html/template writes NUL as U+FFFD; the minifier collapses
		// white space.
		want := strings.Join(strings.Fields(strings.ReplaceAll(c.want, "\x00", "\uFFFD")), " ")
		got := strings.Join(strings.Fields(texts[c.elem]), " ")
		if got != want {
			t.Errorf("<%s> text %q, want the message %q as text", c.elem, got, want)
		}
	}
}

func checkJSON(t *testing.T, doc []byte, l policy.Locale) {
	t.Helper()
	var got struct {
		Type, Title, Detail string
		Status              int
	}
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	if got.Type != "about:blank" || got.Title != l.Title || got.Detail != l.Body || got.Status != 503 {
		t.Errorf("problem details %+v, want the title %q and detail %q", got, l.Title, l.Body)
	}
	for _, raw := range []string{"<", ">", "&", "\u2028", "\u2029", "\x00", "\r", "\n"} {
		if bytes.Contains(doc, []byte(raw)) {
			t.Errorf("the JSON holds a raw %q: %s", raw, doc)
		}
	}
}

// TestRedirectIgnoresTheRequest runs the guard of golden/redirect
// (response.redirect: /maintenance, generated in internal/fuzzdiff) with
// requests shaped for an open redirect or header injection: the Location
// is always the policy's constant, whatever the Host, the absolute-form
// target, the forwarding headers or the path say. (The policy itself
// refuses a redirect to another host or with CR or LF: TestYAMLAttacks.)
func TestRedirectIgnoresTheRequest(t *testing.T) {
	for _, c := range []struct {
		name, target string
		on           bool
		headers      [][2]string
		want         string
	}{
		{"a Host header of another site", "/secret", true, [][2]string{{"Host", "evil.example"}}, "/maintenance"},
		{"absolute-form to another site", "http://evil.example/secret", true, nil, "/maintenance"},
		{"X-Forwarded-Host and X-Forwarded-Proto", "/secret", true, [][2]string{{"X-Forwarded-Host", "evil.example"}, {"X-Forwarded-Proto", "javascript"}}, "/maintenance"},
		{"a network-path request path", "//evil.example/", true, nil, "/maintenance"},
		{"a backslash path", `/\evil.example`, true, nil, "/maintenance"},
		{"a next parameter", "/secret?next=//evil.example&return_to=https://evil.example", true, nil, "/maintenance"},
		{"escaped CR LF in the path", "/secret%0d%0aSet-Cookie:%20x=1", true, nil, "/maintenance"},
		{"the redirect path with the mode off goes home", "/maintenance", false, [][2]string{{"Host", "evil.example"}}, "/"},
		{"the redirect path, absolute-form, with the mode off goes home", "http://evil.example/maintenance", false, nil, "/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := redirect.New(redirect.Config{State: stateIs(c.on)})
			r := httptest.NewRequest(http.MethodGet, c.target, nil)
			r.RemoteAddr = Outsider
			for _, h := range c.headers {
				if h[0] == "Host" {
					r.Host = h[1]
				}
				r.Header.Add(h[0], h[1])
			}
			rec := httptest.NewRecorder()
			g.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("the app ran") })).ServeHTTP(rec, r)
			if rec.Code != http.StatusFound || rec.Header().Values("Location")[0] != c.want || len(rec.Header().Values("Location")) != 1 {
				t.Errorf("status %d, Location %q; want 302 to %q", rec.Code, rec.Header().Values("Location"), c.want)
			}
			if ra := rec.Header().Get("Retry-After"); c.on {
				if _, err := strconv.Atoi(ra); err != nil {
					t.Errorf("Retry-After %q is not a number of seconds", ra)
				}
			}
		})
	}
}
