package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maintgen/maintgen/examples/app/maintenance"
)

// receiver is a webhook endpoint on loopback that records what it gets.
type receiver struct {
	srv   *httptest.Server
	posts chan Change
	hang  chan struct{} // while open, the receiver holds requests until the client gives up
}

// newReceiver starts a receiver; hang, when not nil, holds requests until
// it is closed.
func newReceiver(t *testing.T, hang chan struct{}) *receiver {
	t.Helper()
	rc := &receiver{posts: make(chan Change, 10), hang: hang}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body read to its end, the server notices the client
		// hanging up, and cancels r's context.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("the webhook's body: %v", err)
		}
		if rc.hang != nil {
			select {
			case <-r.Context().Done():
				return
			case <-rc.hang:
			}
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("the webhook sent %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		var c Change
		if err := json.Unmarshal(body, &c); err != nil {
			t.Errorf("the webhook's body %q: %v", body, err)
		}
		rc.posts <- c
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// next waits for the next post.
func (rc *receiver) next(t *testing.T) Change {
	t.Helper()
	select {
	case c := <-rc.posts:
		return c
	case <-time.After(5 * time.Second): // the policy polls every second
		t.Fatal("no webhook post within 5s")
		return Change{}
	}
}

// writeState writes the state file as maintgen on does: a temporary file
// renamed over it.
func writeState(t *testing.T, content string) {
	t.Helper()
	if err := os.WriteFile("maintenance.state.tmp", []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename("maintenance.state.tmp", "maintenance.state"); err != nil {
		t.Fatal(err)
	}
}

// TestWebhook: each change of the state file reaches the webhook as the
// Status before and after, in JSON.
func TestWebhook(t *testing.T) {
	t.Setenv("EXAMPLE_MAINTENANCE", "") // the state file decides
	t.Chdir(t.TempDir())
	rc := newReceiver(t, nil)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	srv := httptest.NewServer(newServer(logger, webhook(rc.srv.Client(), rc.srv.URL, 5*time.Second, logger)))
	defer srv.Close()

	writeState(t, "read-only until 2099-01-01T00:00:00Z\nreason: Upgrading the database\n")
	c := rc.next(t)
	want := maintenance.Status{On: true, ReadOnly: true, Until: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), Reason: "Upgrading the database", Source: "state.file"}
	if c.Old.On || c.New != want {
		t.Errorf("read-only: old %+v, new %+v; want new %+v", c.Old, c.New, want)
	}
	if err := os.Remove("maintenance.state"); err != nil {
		t.Fatal(err)
	}
	if c := rc.next(t); c.Old != want || c.New.On || c.New.Source != "state.file" {
		t.Errorf("off: old %+v, new %+v", c.Old, c.New)
	}
	if logs.String() != "" {
		t.Errorf("logs:\n%s", logs.String())
	}
}

// TestWebhookTimeout: a receiver that does not answer costs the hook its
// timeout, logged, while requests go on being served at once; the next
// change is posted all the same.
func TestWebhookTimeout(t *testing.T) {
	t.Setenv("EXAMPLE_MAINTENANCE", "")
	t.Chdir(t.TempDir())
	hang := make(chan struct{})
	rc := newReceiver(t, hang)
	var answer sync.Once
	t.Cleanup(func() { answer.Do(func() { close(hang) }) }) // before the receiver's Close, which waits for its requests
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	const timeout = 500 * time.Millisecond
	called := make(chan time.Time, 10)
	hook := webhook(rc.srv.Client(), rc.srv.URL, timeout, logger)
	srv := httptest.NewServer(newServer(logger, func(old, new maintenance.Status) {
		called <- time.Now()
		hook(old, new)
	}))
	defer srv.Close()

	writeState(t, "on\n")
	var start time.Time
	select {
	case start = <-called:
	case <-time.After(5 * time.Second):
		t.Fatal("OnChange not called within 5s")
	}
	// While the hook waits for the receiver, requests are served at once.
	for range 5 {
		t0 := time.Now()
		res, err := srv.Client().Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 503 {
			t.Errorf("GET / while on: %d", res.StatusCode)
		}
		if d := time.Since(t0); d > timeout/2 {
			t.Errorf("a request took %s while the webhook hung", d)
		}
	}
	// The hook gives up after its timeout, and logs it.
	for !strings.Contains(logs.String(), "maintenance webhook failed") {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no failure logged within 5s:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(start); took < timeout {
		t.Errorf("the hook gave up after %s, before its timeout %s", took, timeout)
	}
	answer.Do(func() { close(hang) }) // answer again

	writeState(t, "off\n")
	c := rc.next(t)
	if !c.Old.On || c.New.On {
		t.Errorf("the post after the timeout: old %+v, new %+v", c.Old, c.New)
	}
	if s := logs.String(); strings.Count(s, "maintenance webhook failed") != 1 || !strings.Contains(s, "context deadline exceeded") {
		t.Errorf("logs, want one failure by the timeout:\n%s", s)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for a logger
// written from the hook's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
