package adversarial

import (
	"bufio"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/maintgen/maintgen/internal/adversarial/guard"
	"github.com/maintgen/maintgen/internal/build"
	"github.com/maintgen/maintgen/internal/difftest"
	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
)

// TestGuardUpToDate generates the guard from policy.yaml and compares it
// with the committed guard/guard_gen.go (-update rewrites it).
func TestGuardUpToDate(t *testing.T) {
	src, err := os.ReadFile("policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, files, err := build.Outputs("policy.yaml", src, nil, gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := files.Go()
	difftest.CheckFile(t, filepath.FromSlash(g.Path), g.Data)
}

// loadPolicy parses policy.yaml, for the interpreter.
func loadPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	src, err := os.ReadFile("policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("policy.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stateIs is a Config.State that reports the mode on.
func stateIs(on bool) func(context.Context) (bool, error) {
	return func(context.Context) (bool, error) { return on, nil }
}

// observation is what the test server saw of one request: the guard's
// decision, and what the app behind it did.
type observation struct {
	method, path, rawPath string
	peer                  string
	xff                   []string
	decision              guard.Decision
	reached               bool   // the guard called the app
	route                 string // the ServeMux pattern whose handler ran; "" for none (a redirect, a 404)
	served                string // the path that handler saw
}

type obsKey struct{}

// pending is an attack on its way: the peer to report, and where the
// server sends what it saw.
type pending struct {
	attack Attack
	done   chan *observation
}

// server is the app under attack, on a real loopback listener: a
// ServeMux with exempt, forced, ordinary and catch-all routes, behind the
// generated guard with the attack's mode. It substitutes each attack's
// peer for the loopback address the request comes from.
type server struct {
	addr    string
	pending sync.Map // client address ("127.0.0.1:port") -> *pending
}

// routes are the app's ServeMux patterns.
var routes = []string{"/admin/", "/healthz", "/static/", "/orders/", "/checkout/", "/pay", "/"}

// startServer starts the server; it stops when the test ends.
func startServer(t *testing.T) *server {
	t.Helper()
	s := &server{}
	mux := http.NewServeMux()
	for _, pat := range routes {
		mux.HandleFunc(pat, func(w http.ResponseWriter, r *http.Request) {
			o := r.Context().Value(obsKey{}).(*observation)
			o.route, o.served = r.Pattern, r.URL.Path
			w.WriteHeader(299)
		})
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Context().Value(obsKey{}).(*observation).reached = true
		mux.ServeHTTP(w, r)
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.pending.Load(r.RemoteAddr)
		if !ok {
			http.Error(w, "unexpected request", 500)
			return
		}
		pd := v.(*pending)
		w.Header().Set(handledHeader, "1")
		r.RemoteAddr = pd.attack.RemoteAddr()
		g := guard.New(guard.Config{State: stateIs(!pd.attack.Off)})
		o := &observation{method: r.Method, path: r.URL.Path, rawPath: r.URL.RawPath, peer: r.RemoteAddr,
			xff: r.Header["X-Forwarded-For"], decision: g.Decide(r)}
		g.Wrap(app).ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), obsKey{}, o)))
		pd.done <- o
	})
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	s.addr = l.Addr().String()
	return s
}

// send writes a on a new connection and reads the response (its body
// included) and, unless net/http answered by itself, what the server saw.
func (s *server) send(t *testing.T, a Attack) (*http.Response, []byte, *observation) {
	t.Helper()
	conn, err := net.DialTimeout("tcp4", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	pd := &pending{attack: a, done: make(chan *observation, 1)}
	s.pending.Store(conn.LocalAddr().String(), pd)
	defer s.pending.Delete(conn.LocalAddr().String())
	if _, err := conn.Write(a.Wire()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: a.HTTPMethod()})
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	if resp.Header.Get(handledHeader) == "" {
		return resp, body, nil // net/http answered by itself
	}
	select {
	case o := <-pd.done:
		return resp, body, o
	case <-time.After(10 * time.Second):
		t.Fatal("the handler answered but reported nothing")
		return nil, nil, nil
	}
}

// handledHeader marks a response the test server's handler wrote (the
// guard leaves other headers alone), as opposed to one net/http wrote by
// itself.
const handledHeader = "X-Adversarial-Handled"

// discardLog silences net/http's log of malformed requests.
var discardLog = log.New(io.Discard, "", 0)

// pathURL returns a URL with the decoded path p.
func pathURL(p string) *url.URL { return &url.URL{Path: p} }

// TestRequests sends every attack of Requests to the generated guard as
// raw bytes over a loopback connection, and checks:
//
//   - the guard's decision has the attack's step (its safe behaviour);
//   - the response is the decision's: the app ran only for a pass, and a
//     maintenance response has the status, the page and no-store;
//   - the interpreter (interp.Evaluate) decides the same;
//   - no handler ran that the policy closes: during maintenance, a
//     request passed by path reaches only a route whose pattern is
//     exempt, or the catch-all route for a clean, exempt path; with the
//     mode off, the forced routes' handlers never run.
func TestRequests(t *testing.T) {
	p := loadPolicy(t)
	s := startServer(t)
	seen := map[string]bool{}
	for _, a := range Requests {
		if seen[a.Name] {
			t.Errorf("attack %q listed twice", a.Name)
		}
		seen[a.Name] = true
		t.Run(a.Name, func(t *testing.T) {
			resp, body, o := s.send(t, a)
			if a.Want == Refused {
				if o != nil {
					t.Fatalf("the guard saw the request: %+v", o.decision)
				}
				if resp.StatusCode != http.StatusBadRequest && !(a.Method == "OPTIONS" && a.Target == "*" && resp.StatusCode == 200) {
					t.Fatalf("status %d, want 400 from net/http", resp.StatusCode)
				}
				return
			}
			if o == nil {
				t.Fatalf("net/http answered by itself: %d %q", resp.StatusCode, body)
			}
			d := o.decision
			if string(d.Step) != a.Want {
				t.Errorf("decision %+v; want the step %s", d, a.Want)
			}
			checkResponse(t, d, o, resp)
			want := interp.Evaluate(p, interp.Request{Method: o.method, Path: o.path, RawPath: o.rawPath, RemoteAddr: o.peer,
				XForwardedFor: o.xff, On: !a.Off, Now: time.Now()})
			if got := toInterp(d); got != want {
				t.Errorf("the interpreter decides %+v, the guard %+v", want, got)
			}
			checkRoute(t, a, o)
		})
	}
}

// checkResponse checks that the response is the one d describes.
func checkResponse(t *testing.T, d guard.Decision, o *observation, resp *http.Response) {
	t.Helper()
	if d.Pass {
		if !o.reached {
			t.Errorf("the decision passes, but the app did not run (status %d)", resp.StatusCode)
		}
		return
	}
	if o.reached {
		t.Errorf("the app ran for a maintenance response")
	}
	if resp.StatusCode != d.Status {
		t.Errorf("status %d, want %d", resp.StatusCode, d.Status)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if d.Format != guard.FormatRedirect && resp.Header.Get("Content-Language") != d.Locale {
		t.Errorf("Content-Language %q, want %q", resp.Header.Get("Content-Language"), d.Locale)
	}
}

// exemptRoutes are the app's routes that exempt.paths open in full;
// forcedRoutes those that force.paths close.
var (
	exemptRoutes = map[string]bool{"/admin/": true, "/healthz": true, "/static/": true}
	forcedRoutes = map[string]bool{"/checkout/": true, "/pay": true}
)

// checkRoute checks that no handler ran that the policy closes.
func checkRoute(t *testing.T, a Attack, o *observation) {
	t.Helper()
	if o.route == "" {
		return
	}
	if a.Off {
		if forcedRoutes[o.route] {
			t.Errorf("with the mode off, the forced route %s ran for %q", o.route, o.served)
		}
		return
	}
	if o.decision.Step != guard.StepExemptPaths || exemptRoutes[o.route] {
		return
	}
	// Another route ran for a request passed by path: the path it serves
	// must be clean and exempt itself.
	clean := policy.CleanPath(o.served)
	d := guard.New(guard.Config{State: stateIs(true)}).Decide(&http.Request{Method: http.MethodGet,
		URL: pathURL(o.served), Header: http.Header{}, RemoteAddr: Outsider})
	if o.served != clean || d.Step != guard.StepExemptPaths {
		t.Errorf("passed by exempt.paths[%d], the route %s ran for %q, which is not an exempt clean path", o.decision.Rule, o.route, o.served)
	}
}

// toInterp converts a generated Decision to the interpreter's.
func toInterp(d guard.Decision) interp.Decision {
	return interp.Decision{Pass: d.Pass, Step: interp.Step(d.Step), Rule: d.Rule, Status: d.Status, Format: policy.Format(d.Format),
		Locale: d.Locale, Location: d.Location}
}

// TestUnixSocketPeer serves the guard on a real Unix socket, whose peer
// net/http reports as "@" (or "" on some systems): there is no client IP,
// so no exempt.ips rule applies, and nothing fails.
func TestUnixSocketPeer(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "app.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no Unix sockets here: %v", err)
	}
	peers := make(chan string, 1)
	g := guard.New(guard.Config{State: stateIs(true)})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peers <- r.RemoteAddr
		g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })).ServeHTTP(w, r)
	}), ErrorLog: discardLog}
	go srv.Serve(l)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}, Timeout: 10 * time.Second}
	resp, err := client.Get("http://localhost/secret")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	peer := <-peers
	if peer != "@" && peer != "" {
		t.Errorf("net/http reports the Unix-socket peer as %q; the guard expects @ or nothing", peer)
	}
	if resp.StatusCode != 503 {
		t.Errorf("status %d from peer %q, want 503 (no client IP: no exemption)", resp.StatusCode, peer)
	}
}
