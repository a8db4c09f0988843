package maintenance

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadAndFaults serves a guarded app on loopback to many concurrent
// clients for a bounded time while the state file flips on and off 100
// times and is now and then corrupted (written in place, not atomically,
// with garbage, then restored). It checks that:
//
//   - every response is the app's 200 "app" or a complete maintenance
//     response (503, the page of its format, Content-Length equal to the
//     body): no other status, no transport error, no partial body;
//   - each flip becomes visible within the poll interval, plus a slack
//     for scheduling on a loaded machine under the race detector (the
//     largest delay seen is logged);
//   - no goroutine outlives the server and its clients.
//
// It takes a few seconds: 100 flips, each visible within the 50ms poll.
func TestLoadAndFaults(t *testing.T) {
	const (
		clients = 16
		flips   = 100
		slack   = 500 * time.Millisecond
	)
	useStateFile(t)
	writeState(t, "off")
	goroutines := runtime.NumGoroutine()

	g := New(Config{})
	srv := httptest.NewServer(g.Wrap(&app{}))
	// The clients connect from 127.0.0.2: 127.0.0.1 is in exempt.ips.
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	transport := &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: clients + 1}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}

	html, json := locales[0].html.body, locales[0].json.body
	// get makes one request and checks the response; it returns the status.
	get := func(accept string) (int, error) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/secret", nil)
		if err != nil {
			return 0, err
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return 0, fmt.Errorf("status %d: reading the body: %v", res.StatusCode, err)
		}
		switch res.StatusCode {
		case 200:
			if string(body) != "app" {
				return 0, fmt.Errorf("200 with body %.80q", body)
			}
		case 503:
			want := html
			if accept != "" {
				want = json
			}
			if string(body) != want || res.Header.Get("Content-Length") != strconv.Itoa(len(want)) || res.Header.Get("Retry-After") != "120" {
				return 0, fmt.Errorf("503 with Content-Length %s, Retry-After %q and a body of %d bytes, not the page of %d",
					res.Header.Get("Content-Length"), res.Header.Get("Retry-After"), len(body), len(want))
			}
		default:
			return 0, fmt.Errorf("status %d: %.80q", res.StatusCode, body)
		}
		return res.StatusCode, nil
	}

	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		requests atomic.Int64
		errMu    sync.Mutex
		errs     []error
	)
	fail := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(errs) < 10 {
			errs = append(errs, err)
		}
	}
	for i := range clients {
		accept := ""
		if i%2 == 1 {
			accept = "application/json"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if _, err := get(accept); err != nil {
					fail(err)
					return
				}
				requests.Add(1)
			}
		}()
	}

	var slowest time.Duration
	deadline := statePoll + slack
	for i := range flips {
		word, want := "off", 200
		if i%2 == 0 {
			word, want = "on", 503
		}
		if i%10 == 5 {
			// A brief fault: the file rewritten in place with garbage,
			// which reads as the fallback (on) until it is fixed.
			if err := os.WriteFile(stateName, []byte("\x00garbage"), 0o644); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * statePoll)
		}
		writeState(t, word)
		flipped := time.Now()
		for {
			status, err := get("")
			if err != nil {
				fail(err)
				break
			}
			if status == want {
				break
			}
			if time.Since(flipped) > deadline {
				t.Errorf("flip %d to %s not visible after %s", i, word, deadline)
				break
			}
			time.Sleep(time.Millisecond)
		}
		slowest = max(slowest, time.Since(flipped))
	}
	stop.Store(true)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	t.Logf("%d requests from %d clients; slowest flip visible after %s (poll %s)", requests.Load(), clients, slowest, time.Duration(statePoll))
	if requests.Load() < flips {
		t.Errorf("only %d requests: the clients did not run", requests.Load())
	}

	srv.Close()
	transport.CloseIdleConnections()
	end := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines {
		if time.Now().After(end) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d after:\n%s", goroutines, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
