package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetrics sends real requests through the generated guard, in
// read-only mode from the state file, then scrapes /metrics: each step's
// and each rule's count, and the state's gauges. When the file goes, the
// gauges follow.
func TestMetrics(t *testing.T) {
	t.Setenv("PROMETHEUS_EXAMPLE_MAINTENANCE", "") // the state file decides
	t.Chdir(t.TempDir())
	if err := os.WriteFile("maintenance.state", []byte("read-only until 2099-01-01T00:00:00Z\nreason: Upgrading the database\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, reg := newServer()
	srv := httptest.NewServer(h)
	defer srv.Close()

	// The client is 127.0.0.1, a trusted proxy: X-Forwarded-For names
	// the client.
	for _, c := range []struct {
		method, path, xff string
		status            int
	}{
		{"GET", "/", "", 200},                // read-only
		{"POST", "/cart", "", 503},           // maintenance
		{"POST", "/cart", "10.1.2.3", 200},   // exempt.ips 0
		{"POST", "/healthz", "", 200},        // exempt.paths 0
		{"POST", "/admin/users", "", 200},    // exempt.paths 1
		{"DELETE", "/admin/users", "", 200},  // exempt.paths 1
		{"GET", "/checkout/pay", "", 503},    // force.paths 0
		{"GET", "/metrics", "10.1.2.3", 200}, // outside the guard: not counted
	} {
		req, err := http.NewRequest(c.method, srv.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.xff != "" {
			req.Header.Set("X-Forwarded-For", c.xff)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, res.StatusCode, c.status)
		}
	}

	const want = `
# HELP maintgen_requests_total Requests that the maintenance guard decided, by the policy step that decided (passes while the mode is off are not counted).
# TYPE maintgen_requests_total counter
maintgen_requests_total{step="bypass"} 0
maintgen_requests_total{step="bypass.path"} 0
maintgen_requests_total{step="exempt.ips"} 1
maintgen_requests_total{step="exempt.paths"} 3
maintgen_requests_total{step="exempt.roles"} 0
maintgen_requests_total{step="exempt.tests"} 0
maintgen_requests_total{step="force.paths"} 1
maintgen_requests_total{step="maintenance"} 1
maintgen_requests_total{step="read-only"} 1
maintgen_requests_total{step="response.redirect"} 0
# HELP maintgen_rule_requests_total Requests that the maintenance guard decided by a rule of force.paths or exempt.*, by step and index of the rule in its policy list.
# TYPE maintgen_rule_requests_total counter
maintgen_rule_requests_total{rule="0",step="exempt.ips"} 1
maintgen_rule_requests_total{rule="0",step="exempt.paths"} 1
maintgen_rule_requests_total{rule="1",step="exempt.paths"} 2
maintgen_rule_requests_total{rule="0",step="force.paths"} 1
# HELP maintgen_on 1 while maintenance mode is on, fully or read-only; else 0.
# TYPE maintgen_on gauge
maintgen_on 1
# HELP maintgen_read_only 1 while maintenance mode is read-only (safe methods pass); else 0.
# TYPE maintgen_read_only gauge
maintgen_read_only 1
`
	names := []string{"maintgen_requests_total", "maintgen_rule_requests_total", "maintgen_on", "maintgen_read_only"}
	if err := testutil.ScrapeAndCompare(srv.URL+"/metrics", strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) != 0 {
		t.Errorf("promlint: %v %v", problems, err)
	}

	// Fully on, then off (the file removed, as maintgen off does): the
	// gauges follow within a poll interval or two.
	if err := os.WriteFile("maintenance.state.tmp", []byte("on\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename("maintenance.state.tmp", "maintenance.state"); err != nil {
		t.Fatal(err)
	}
	waitGauges(t, srv.URL, 1, 0)
	if err := os.Remove("maintenance.state"); err != nil {
		t.Fatal(err)
	}
	waitGauges(t, srv.URL, 0, 0)
}

// waitGauges scrapes url's /metrics until maintgen_on and
// maintgen_read_only are on and readOnly, for up to 5 seconds.
func waitGauges(t *testing.T, url string, on, readOnly int) {
	t.Helper()
	want := fmt.Sprintf(`
# HELP maintgen_on 1 while maintenance mode is on, fully or read-only; else 0.
# TYPE maintgen_on gauge
maintgen_on %d
# HELP maintgen_read_only 1 while maintenance mode is read-only (safe methods pass); else 0.
# TYPE maintgen_read_only gauge
maintgen_read_only %d
`, on, readOnly)
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := testutil.ScrapeAndCompare(url+"/metrics", strings.NewReader(want), "maintgen_on", "maintgen_read_only")
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
