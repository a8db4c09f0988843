package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServe serves the example app on loopback and checks every kind of
// exemption with real HTTP requests. The test client connects from
// 127.0.0.1, which the policy trusts as a proxy, so X-Forwarded-For
// stands in for the client's address.
func TestServe(t *testing.T) {
	pages := map[string][]byte{}
	for _, name := range []string{"503.en.html", "503.es.html", "503.en.json"} {
		b, err := os.ReadFile(filepath.Join("public", "maintenance", name))
		if err != nil {
			t.Fatal(err)
		}
		pages[name] = b
	}
	t.Setenv("EXAMPLE_MAINTENANCE", "") // the state file decides
	t.Chdir(t.TempDir())
	setState := func(s string) {
		t.Helper()
		if err := os.WriteFile("maintenance.state", []byte(s+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setState("on")

	var logs strings.Builder
	srv := httptest.NewServer(newServer(slog.New(slog.NewTextHandler(&logs, nil)), nil))
	defer srv.Close()

	type request struct {
		method, path, xff, lang, user string
	}
	do := func(t *testing.T, rq request) (*http.Response, string) {
		t.Helper()
		method := rq.method
		if method == "" {
			method = "GET"
		}
		req, err := http.NewRequest(method, srv.URL+rq.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rq.xff != "" {
			req.Header.Set("X-Forwarded-For", rq.xff)
		}
		if rq.lang != "" {
			req.Header.Set("Accept-Language", rq.lang)
		}
		if rq.user != "" {
			req.SetBasicAuth(rq.user, rq.user+"-password")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(body)
	}

	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantBody   string // exact body, or "" to skip
		wantIn     string // substring of the body, or ""
	}{
		{"blocked client gets the English page", request{path: "/", xff: "203.0.113.5"}, 503, string(pages["503.en.html"]), ""},
		{"Accept-Language picks the Spanish page", request{path: "/", xff: "203.0.113.5", lang: "es-MX, en;q=0.5"}, 503, string(pages["503.es.html"]), ""},
		{"exact path /healthz is exempt", request{path: "/healthz", xff: "203.0.113.5"}, 200, "ok\n", ""},
		{"exact path does not cover /healthz/", request{path: "/healthz/", xff: "203.0.113.5"}, 503, "", ""},
		{"subtree /admin/ is exempt and sees Active", request{path: "/admin/users", xff: "203.0.113.5"}, 200, "", "Maintenance mode is ON."},
		{"/administrator is not under /admin/", request{path: "/administrator", xff: "203.0.113.5"}, 503, "", ""},
		{"traversal out of /admin/ is cleaned first", request{path: "/admin/../checkout/", xff: "203.0.113.5"}, 503, "", ""},
		{"regexp path is exempt", request{path: "/api/v1/status", xff: "203.0.113.5"}, 200, "", `"ok"`},
		{"json_paths get problem details", request{path: "/api/v1/orders", xff: "203.0.113.5"}, 503, string(pages["503.en.json"]), ""},
		{"exempt network gets in", request{path: "/", xff: "192.0.2.7"}, 200, "", "Welcome"},
		{"left-most spoofed address is ignored", request{path: "/", xff: "192.0.2.7, 203.0.113.5"}, 503, "", ""},
		{"superuser role gets in", request{path: "/", xff: "203.0.113.5", user: "admin"}, 200, "", "Welcome"},
		{"other roles do not", request{path: "/", xff: "203.0.113.5", user: "alice"}, 503, "", ""},
		{"HEAD gets headers only", request{method: "HEAD", path: "/", xff: "203.0.113.5"}, 503, "", ""},
		{"forced path is blocked even for the exempt network", request{path: "/checkout/", xff: "192.0.2.7"}, 503, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %.200q", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body %.200q, want %.200q", body, tt.wantBody)
			}
			if tt.wantIn != "" && !strings.Contains(body, tt.wantIn) {
				t.Errorf("body %.200q does not contain %q", body, tt.wantIn)
			}
			if tt.wantStatus == 503 {
				if got := resp.Header.Get("Retry-After"); got != "600" {
					t.Errorf("Retry-After %q, want 600", got)
				}
				if got := resp.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control %q, want no-store", got)
				}
				if tt.req.method == "HEAD" && body != "" {
					t.Errorf("HEAD response has a body")
				}
			}
		})
	}
	if !strings.Contains(logs.String(), "maintenance response") || !strings.Contains(logs.String(), "client_ip=203.0.113.5") {
		t.Errorf("the logger got no maintenance record with the client IP:\n%s", logs.String())
	}

	t.Run("switching the state file off opens the site within the poll interval", func(t *testing.T) {
		setState("off")
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, _ := do(t, request{path: "/", xff: "203.0.113.5"})
			if resp.StatusCode == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the site stayed closed 10s after the state file said off")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if resp, _ := do(t, request{path: "/checkout/", xff: "203.0.113.5"}); resp.StatusCode != 503 {
			t.Errorf("forced path with the mode off: status %d, want 503", resp.StatusCode)
		}
	})
}
