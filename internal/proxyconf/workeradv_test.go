package proxyconf

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/adversarial"
	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/interp"
)

// TestWorkerAdversarial sends the request attacks of the adversarial
// suite (adversarial.Requests) to the Worker of the suite's policy under
// workerd, as raw bytes with every header of the attack, the client
// address the middleware finds (from the attack's peer and
// X-Forwarded-For) in CF-Connecting-IP. A request that Go's server
// refuses or answers itself never reaches the origin; every other gets
// workerWant's answer, and the Worker never passes a request that the
// middleware behind it would not pass.
func TestWorkerAdversarial(t *testing.T) {
	bin := workerdBinary(t)
	p, pages, slots, module := workerPolicy(t, "../adversarial/policy.yaml")
	site := startWorkerd(t, bin, workerOrigin(t), []workerSpec{{module: module, kv: true}})[0]
	compared, refused := 0, 0
	skipped := map[string]int{}
	for _, on := range []bool{true, false} {
		for _, a := range adversarial.Requests {
			if a.Off == on {
				continue
			}
			t.Run(fmt.Sprintf("on=%t/%s", on, a.Name), func(t *testing.T) {
				method := a.HTTPMethod()
				if method == http.MethodConnect {
					skipped["CONNECT (workerd hands it to a connect handler)"]++
					return
				}
				peer := a.Peer
				if peer == "" {
					peer = adversarial.Outsider
				}
				w := workerRequest{now: difftest.DefaultNow, raw: rawRequest{From: "127.0.0.1", Method: method, URI: a.Target, Headers: a.Headers}}
				var xff []string
				for _, h := range a.Headers {
					if http.CanonicalHeaderKey(h[0]) == "X-Forwarded-For" {
						xff = append(xff, h[1])
					}
				}
				client, hasClient := interp.ClientIP(p, peer, xff)
				if hasClient {
					w.raw.Headers = append(w.raw.Headers[:len(w.raw.Headers):len(w.raw.Headers)], [2]string{"CF-Connecting-IP", client.String()})
				}
				if on {
					s := "on"
					w.state = &s
				}
				resp, body, err := sendWorker(site, w)
				if err != nil {
					t.Fatal(err)
				}
				mw, mwOK := middleware(a, peer, on)
				_, perr := url.ParseRequestURI(a.Target)
				if perr != nil || !mwOK {
					refused++
					if resp.StatusCode == 299 {
						t.Errorf("status 299 for a request the middleware never sees (%s)", resp.Header.Get("X-Target"))
					}
					return
				}
				if why := workerdRefuses(a.Target); why != "" {
					refused++
					if resp.StatusCode != 400 && resp.StatusCode != 414 {
						t.Errorf("status %d, want workerd's 400 or 414 (%s)", resp.StatusCode, why)
					}
					return
				}
				seen := a
				seen.Target, _, _ = strings.Cut(a.Target, "#")
				req, err := interpreterRequest(seen, peer, on)
				if err != nil {
					t.Fatalf("the middleware reads the request, the interpreter cannot: %v", err)
				}
				req.Now = w.now
				req.CustomClientIP, req.ClientIP = true, client // the zero Addr without a client
				req.Accept, req.AcceptLanguage = trimLines(req.Accept), trimLines(req.AcceptLanguage)
				w.req = req
				if resp.StatusCode == 299 && !mw.Pass && !strings.Contains(a.Target, "#") {
					t.Errorf("the Worker passed what the middleware, on the same bytes, does not: %+v", mw)
				}
				compared++
				if err := checkWorkerResponse(p, pages, slots, req, workerWant(p, w), resp, body); err != nil {
					t.Error(err)
				}
				if err := behindWorker(p, w, resp); err != nil {
					t.Error(err)
				}
			})
		}
	}
	t.Logf("%d attacks compared, %d refused by Go's server or workerd; left out: %v", compared, refused, skipped)
	if compared < 80 {
		t.Errorf("only %d attacks compared", compared)
	}
}

// trimLines trims spaces and tabs around each header line, as Go and
// workerd read them.
func trimLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.Trim(l, " \t"))
	}
	return out
}

// TestWorkerState checks how the Worker reads its mode, under workerd:
// the KV key state in the statefile grammar, a value that is no state or
// is longer than statefile.MaxSize meaning state.fallback, a missing key
// meaning off; without a KV namespace, the text variable
// MAINTENANCE_STATE; with neither, off.
func TestWorkerState(t *testing.T) {
	bin := workerdBinary(t)
	type policyFile struct {
		file     string
		fallback bool
	}
	str := func(s string) *string { return &s }
	for _, pf := range []policyFile{{"../../golden/full/policy.yaml", false}, {"../../golden/redirect/policy.yaml", true}} {
		t.Run(policyName(pf.file), func(t *testing.T) {
			p, pages, slots, module := workerPolicy(t, pf.file)
			if p.State.Fallback != pf.fallback {
				t.Fatalf("state.fallback is %t, want %t: pick another policy", p.State.Fallback, pf.fallback)
			}
			sites := startWorkerd(t, bin, workerOrigin(t), []workerSpec{
				{module: module, kv: true},
				{module: module, text: str("on until 2026-01-01T02:00:00Z\nreason: Set as a variable")},
				{module: module, text: str("")},
				{module: module},
				{module: module, kv: true, text: str("on")},
			})
			garbage := []string{"maybe", "on\nreason: two\nlines", "on until tomorrow", "\ufeffon", "on" + strings.Repeat(" ", 1023), "on from 2026-01-01T01:00:00Z until 2026-01-01T00:00:00Z"}
			type check struct {
				name    string
				site    int
				kv      *string
				on      bool   // the mode the Worker must read: on, or off
				setting string // the setting it must read, "" for a plain on or off
			}
			var checks []check
			for _, g := range garbage {
				checks = append(checks, check{fmt.Sprintf("KV %.20q: state.fallback", g), 0, str(g), pf.fallback, ""})
			}
			checks = append(checks,
				check{"KV at the limit", 0, str("on" + strings.Repeat(" ", 1022)), true, ""},
				check{"KV missing", 0, nil, false, ""},
				check{"KV ON", 0, str(" ON \n"), true, ""},
				check{"text variable", 1, nil, true, "on until 2026-01-01T02:00:00Z\nreason: Set as a variable"},
				check{"empty text variable", 2, nil, false, ""},
				check{"no binding", 3, nil, false, ""},
				check{"KV before the text variable", 4, nil, false, ""},
			)
			for _, c := range checks {
				t.Run(c.name, func(t *testing.T) {
					dc := difftest.Case{Method: http.MethodGet, URI: "/nothing-exempt-here", RemoteAddr: "203.0.113.9:41000", On: c.on, Setting: c.setting}
					w, why := workerCase(p, dc)
					if why != "" {
						t.Fatal(why)
					}
					w.state = c.kv
					site := sites[c.site]
					if site.kv == nil {
						site.kv = &kvStore{}
					}
					resp, body, err := sendWorker(site, w)
					if err != nil {
						t.Fatal(err)
					}
					if err := checkWorkerResponse(p, pages, slots, w.req, workerWant(p, w), resp, body); err != nil {
						t.Error(err)
					}
				})
			}
		})
	}
}
