package proxyconf

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/adversarial"
)

// TestCaddyAdversarial sends the request attacks of the adversarial suite
// (adversarial.Requests) to a real Caddy running the snippet of the
// suite's policy, as raw bytes with every header of the attack, and
// checks that Caddy never passes a request to the app that the generated
// middleware would not pass (its decision on the same bytes, from the
// same peer), and otherwise answers what caddyWant expects: the
// interpreter's decision on the target Caddy forwards, failing closed
// where the snippet cannot follow the middleware.
func TestCaddyAdversarial(t *testing.T) {
	bin := caddyBinary(t)
	p, pages := loadPolicy(t, "../adversarial/policy.yaml")
	snippet, err := Caddy(p, tables(t, p, pages))
	if err != nil {
		t.Fatal(err)
	}
	site := startCaddy(t, bin, backend(t), [][]byte{snippet}, []map[string][]byte{pages})[0]
	compared, refused := 0, 0
	skipped := map[string]int{}
	for _, on := range []bool{true, false} {
		setMode(t, site.state, on)
		for _, a := range adversarial.Requests {
			if a.Off == on {
				continue
			}
			t.Run(fmt.Sprintf("on=%t/%s", on, a.Name), func(t *testing.T) {
				method := a.Method
				if method == "" {
					method = http.MethodGet
				}
				peer, why := nginxPeer(a, on)
				if why != "" {
					skipped[why]++
					return
				}
				raw := rawRequest{From: peer.String(), Method: method, URI: a.Target, Headers: a.Headers}
				resp, body, err := sendRaw(site.port, raw)
				if err != nil {
					t.Fatal(err)
				}
				mw, mwOK := middleware(a, remoteAddr(peer.String()), on)
				req, err := interpreterRequest(a, remoteAddr(peer.String()), on)
				authority := method == http.MethodConnect && !strings.HasPrefix(a.Target, "/")
				if _, perr := url.ParseRequestURI(a.Target); err != nil || perr != nil || !mwOK || authority {
					// Go's server, under Caddy as under the middleware,
					// refuses it or answers it itself; or a CONNECT to an
					// authority, which has no path to decide on.
					refused++
					if resp.StatusCode == 299 {
						t.Errorf("status 299 for a request the middleware never sees")
					}
					return
				}
				// The app gets the target Caddy forwards: the middleware
				// behind Caddy decides on that.
				target := forwarded(&req, a.Target)
				fwd := a
				fwd.Target = target
				if mwFwd, ok := middleware(fwd, remoteAddr(peer.String()), on); resp.StatusCode == 299 && (!ok || !mwFwd.Pass) {
					t.Fatalf("Caddy passed the request to the app as %s; the middleware does not pass that (%+v); on the raw target: %+v", target, mwFwd, mw)
				}
				compared++
				if err := checkEdgeResponse(p, pages, method, caddyWant(p, req, target), resp, body); err != nil {
					t.Error(err)
				}
			})
		}
	}
	t.Logf("%d attacks compared, %d refused or answered by Go's server; left out: %v", compared, refused, skipped)
	if compared < 80 {
		t.Errorf("only %d attacks compared", compared)
	}
}
