package proxyconf

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/adversarial"
	"github.com/maintgen/maintgen/internal/adversarial/guard"
	"github.com/maintgen/maintgen/internal/interp"
)

// TestNginxAdversarial sends the request attacks of the adversarial suite
// (adversarial.Requests) to a real nginx running the snippet of the
// suite's policy, as raw bytes with every header of the attack, and
// checks:
//
//   - nginx is never more permissive than the generated middleware: when
//     nginx passes a request to the app, the middleware passes it too
//     (its decision on the same bytes, from the same peer);
//   - otherwise nginx answers what the middleware answers, except where
//     nginx cannot do what the middleware does and fails closed instead,
//     as TestNginxMatchesMiddleware expects (nginxWant), and where nginx
//     refuses the request itself (nginxRefuses).
//
// An attack whose peer nginx cannot see is left out: the test connects
// from loopback addresses only, so a peer that is not one is replaced by
// one that gets the same decision from the middleware, when there is one;
// an "@" peer (a Unix socket) has no TCP equivalent.
func TestNginxAdversarial(t *testing.T) {
	bin := nginxBinary(t)
	p, pages := loadPolicy(t, "../adversarial/policy.yaml")
	s := startPolicyNginx(t, bin, p, pages)
	state := filepath.Join(s.dir, "state")
	compared, refused := 0, 0
	skipped := map[string]int{}
	for _, on := range []bool{true, false} {
		if on {
			if err := os.WriteFile(state, []byte("on\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		} else if err := os.Remove(state); err != nil {
			t.Fatal(err)
		}
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
				resp, body, err := s.do(raw)
				if err != nil {
					t.Fatal(err)
				}
				mw, mwOK := middleware(a, remoteAddr(peer.String()), on)
				if resp.StatusCode == 299 && (!mwOK || !mw.Pass) {
					t.Fatalf("nginx passed the request to the app; the middleware does not (%+v, parsed %t)", mw, mwOK)
				}
				if reason := nginxRefuses(a); reason != "" {
					refused++
					if resp.StatusCode != 400 && resp.StatusCode != 405 && resp.StatusCode != 414 {
						t.Errorf("status %d; want nginx to refuse the request (%s)", resp.StatusCode, reason)
					}
					return
				}
				req, err := interpreterRequest(a, remoteAddr(peer.String()), on)
				if err != nil {
					t.Fatalf("the middleware reads the request, the interpreter cannot: %v", err)
				}
				compared++
				if err := checkNginxResponse(p, pages, method, nginxWant(p, req), resp, body); err != nil {
					t.Error(err)
				}
			})
		}
	}
	var reasons []string
	for why, n := range skipped {
		reasons = append(reasons, fmt.Sprintf("%d: %s", n, why))
	}
	sort.Strings(reasons)
	t.Logf("%d attacks compared, %d refused by nginx; left out: %s", compared, refused, strings.Join(reasons, "; "))
	if compared < 80 {
		t.Errorf("only %d attacks compared", compared)
	}
}

// nginxPeer returns the loopback address to send a from: its peer, or
// one that gets the same decision from the middleware; why says why
// there is none.
func nginxPeer(a adversarial.Attack, on bool) (netip.Addr, string) {
	peer := a.Peer
	if peer == "" {
		peer = adversarial.Outsider
	}
	addr, ok := interp.ParseHost(peer)
	if !ok {
		return addr, "a peer with no TCP address (@, or malformed)"
	}
	if bindable(addr) {
		return addr, ""
	}
	want, wantOK := middleware(a, peer, on)
	for _, s := range loopbackPeers {
		sub := netip.MustParseAddr(s)
		if !bindable(sub) {
			continue
		}
		if d, ok := middleware(a, remoteAddr(s), on); ok == wantOK && d == want {
			return sub, ""
		}
	}
	return addr, "the peer's decision needs a non-loopback address"
}

// middleware returns the generated middleware's decision on a's bytes
// from the peer remote; ok is false when net/http refuses them (or
// answers them itself, as OPTIONS *).
func middleware(a adversarial.Attack, remote string, on bool) (guard.Decision, bool) {
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(a.Wire())))
	if err != nil || a.Want == adversarial.Refused {
		return guard.Decision{}, false
	}
	r.RemoteAddr = remote
	g := guard.New(guard.Config{State: func(context.Context) (bool, error) { return on, nil }})
	return g.Decide(r), true
}

// interpreterRequest returns the interpreter's input for a from remote.
// nginx knows no roles: the request is anonymous.
func interpreterRequest(a adversarial.Attack, remote string, on bool) (interp.Request, error) {
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(a.Wire())))
	if err != nil {
		return interp.Request{}, err
	}
	return interp.Request{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, RemoteAddr: remote,
		XForwardedFor: r.Header["X-Forwarded-For"], Accept: r.Header["Accept"], AcceptLanguage: r.Header["Accept-Language"], On: on}, nil
}

// nginxRefuses returns why nginx answers a with 400, 405 or 414 itself,
// or "" when it does not: it refuses CONNECT, request targets that are not
// a path or an absolute URL, control bytes, an escaped NUL, userinfo, a
// request line longer than its buffer, and a path that climbs above /.
// Refusing is never more permissive than the middleware.
func nginxRefuses(a adversarial.Attack) string {
	switch {
	case a.Method == http.MethodConnect:
		return "nginx refuses CONNECT"
	case !strings.HasPrefix(a.Target, "/") && !strings.HasPrefix(a.Target, "http://"):
		return "not a path or an absolute URL"
	case strings.ContainsFunc(a.Target, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "a control byte on the request line"
	case strings.Contains(strings.ToLower(a.Target), "%00"):
		return "an escaped NUL"
	case strings.HasPrefix(a.Target, "http://") && strings.Contains(strings.SplitN(a.Target[len("http://"):], "/", 2)[0], "@"):
		return "userinfo in an absolute URL"
	case len(a.Target) > 8<<10:
		return "a request line longer than nginx's buffer (414)"
	}
	if u, err := url.ParseRequestURI(a.Target); err == nil && climbsAboveRoot(u.Path) {
		return "a path that climbs above /"
	}
	return ""
}
