package proxyconf

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/render"
)

// tablesFor returns p's tables, as build computes them for HAProxy.
func tablesFor(t *testing.T, p *policy.Policy) *gen.Tables {
	t.Helper()
	pages, err := render.Pages(p, render.DefaultTemplate(), "", policy.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := gen.Compile(p, pages)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// haproxy returns HAProxy's errorfile for p with page as the default
// locale's HTML page.
func haproxy(t *testing.T, p *policy.Policy, page []byte) ([]byte, error) {
	t.Helper()
	tb := tablesFor(t, p)
	tb.Locales[tb.DefaultLocale].HTML = string(page)
	return HAProxy(tb)
}

// defaultPage returns the default locale's HTML page.
func defaultPage(p *policy.Policy, pages map[string][]byte) []byte {
	return pages[render.FileName(p.Response.Status, p.DefaultLocale, render.HTML)]
}

// TestHAProxyErrorfile checks the errorfile's bytes: a status line, the
// middleware's headers, CRLF line endings, and the default locale's page
// as the body, within HAProxyMaxSize.
func TestHAProxyErrorfile(t *testing.T) {
	for _, file := range diffPolicies {
		t.Run(policyName(file), func(t *testing.T) {
			p, pages := loadPolicy(t, file)
			page := defaultPage(p, pages)
			got, err := haproxy(t, p, page)
			if err != nil {
				t.Fatal(err)
			}
			head, body, ok := bytes.Cut(got, []byte("\r\n\r\n"))
			if !ok {
				t.Fatalf("no blank line after the headers:\n%q", got)
			}
			if !bytes.Equal(body, page) {
				t.Errorf("the body is not the %s page", p.DefaultLocale)
			}
			lines := strings.Split(string(head), "\r\n")
			for _, l := range lines {
				if strings.ContainsAny(l, "\r\n") {
					t.Errorf("line %q holds a bare CR or LF", l)
				}
			}
			wantStatus := fmt.Sprintf("HTTP/1.1 %d %s", p.Response.Status, http.StatusText(p.Response.Status))
			if lines[0] != wantStatus {
				t.Errorf("status line %q, want %q", lines[0], wantStatus)
			}
			want := []string{
				"Content-Type: text/html; charset=utf-8",
				"Content-Language: " + p.DefaultLocale,
				"Cache-Control: no-store",
			}
			if p.Response.RetryAfter > 0 {
				want = append(want, "Retry-After: "+strconv.FormatInt(p.Response.RetryAfter, 10))
			}
			want = append(want, "Vary: Accept, Accept-Language", "X-Content-Type-Options: nosniff",
				"Content-Length: "+strconv.Itoa(len(page)), "Connection: close")
			if !slices.Equal(lines[1:], want) {
				t.Errorf("headers:\n%s\nwant:\n%s", strings.Join(lines[1:], "\n"), strings.Join(want, "\n"))
			}
			if len(got) > HAProxyMaxSize {
				t.Errorf("%d bytes, over HAProxyMaxSize %d", len(got), HAProxyMaxSize)
			}
		})
	}
}

// TestHAProxyHeaderInjection: a default locale that could end its header
// line is refused, should one ever get past the policy's checks.
func TestHAProxyHeaderInjection(t *testing.T) {
	p, _ := loadPolicy(t, "testdata/edge.yaml")
	tb := tablesFor(t, p)
	tb.Locales[tb.DefaultLocale].Tag = "en\r\nSet-Cookie: admin=1"
	if b, err := HAProxy(tb); err == nil {
		t.Errorf("no error; the errorfile:\n%s", b)
	}
}

// TestHAProxyErrorfileTooLarge checks that a page too large for HAProxy's
// buffer is an error, and that one byte less fits.
func TestHAProxyErrorfileTooLarge(t *testing.T) {
	p, _ := loadPolicy(t, "testdata/edge.yaml")
	empty, err := haproxy(t, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	fits := HAProxyMaxSize - len(empty) - (len(strconv.Itoa(HAProxyMaxSize)) - 1) // Content-Length grows from "0"
	got, err := haproxy(t, p, bytes.Repeat([]byte("x"), fits))
	if err != nil || len(got) != HAProxyMaxSize {
		t.Fatalf("a page of %d bytes: %d bytes, %v; want exactly %d bytes", fits, len(got), err, HAProxyMaxSize)
	}
	if _, err := haproxy(t, p, bytes.Repeat([]byte("x"), fits+1)); err == nil || !strings.Contains(err.Error(), "more than the 15104") {
		t.Errorf("a page one byte larger: error %v, want one about the 15104-byte limit", err)
	}
}

// haproxyBinary returns the haproxy executable: skipped without it on a
// developer's machine, a failure under CI, which installs it.
func haproxyBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"haproxy", "/usr/sbin/haproxy"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("haproxy is not installed; .ci/run installs the Debian package haproxy")
	}
	t.Skip("haproxy is not installed (apt-get install haproxy); skipping the test against a real HAProxy")
	return ""
}

// haproxyStatus is the code the test's errorfile directive is given: the
// policy's status when HAProxy handles it, else 503 (the file carries its
// own status line).
func haproxyStatus(status int) int {
	if slices.Contains([]int{400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504}, status) {
		return status
	}
	return 503
}

// TestHAProxyServesErrorfile loads each errorfile into a real HAProxy from
// the Debian package: the configuration check must pass without a
// warning, and HAProxy, whose backend has no server, must answer with the
// file's status, headers and page. An errorfile of exactly HAProxyMaxSize
// bytes must load without the warning about the space reserved for
// rewriting headers, which proves the limit.
func TestHAProxyServesErrorfile(t *testing.T) {
	bin := haproxyBinary(t)
	p, _ := loadPolicy(t, "testdata/edge.yaml")
	empty, _ := haproxy(t, p, nil)
	largest, err := haproxy(t, p, bytes.Repeat([]byte("x"), HAProxyMaxSize-len(empty)-(len(strconv.Itoa(HAProxyMaxSize))-1)))
	if err != nil || len(largest) != HAProxyMaxSize {
		t.Fatalf("largest errorfile: %d bytes, %v", len(largest), err)
	}
	t.Run("largest", func(t *testing.T) {
		serveErrorfile(t, bin, p, largest, largest[bytes.Index(largest, []byte("\r\n\r\n"))+4:])
	})
	for _, file := range diffPolicies {
		t.Run(policyName(file), func(t *testing.T) {
			p, pages := loadPolicy(t, file)
			page := defaultPage(p, pages)
			ef, err := haproxy(t, p, page)
			if err != nil {
				t.Fatal(err)
			}
			serveErrorfile(t, bin, p, ef, page)
		})
	}
}

// serveErrorfile checks ef with haproxy -c, then runs HAProxy with it and
// compares HAProxy's answer with p's maintenance response carrying page.
func serveErrorfile(t *testing.T, bin string, p *policy.Policy, ef, page []byte) {
	t.Helper()
	dir := t.TempDir()
	efFile := filepath.Join(dir, "maintenance.http")
	if err := os.WriteFile(efFile, ef, 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cfg := fmt.Sprintf(`global
    log stderr format raw local0 warning
defaults
    mode http
    log global
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    errorfile %d %s
frontend web
    bind 127.0.0.1:%d
    default_backend app
backend app
    # No server: every request gets the errorfile.
`, haproxyStatus(p.Response.Status), efFile, port)
	cfgFile := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-c", "-f", cfgFile).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("[WARNING]")) || bytes.Contains(out, []byte("[ALERT]")) {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}

	var logs bytes.Buffer
	cmd := exec.Command(bin, "-db", "-f", cfgFile)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	defer func() {
		cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Error("haproxy did not exit after being killed")
		}
		if bytes.Contains(logs.Bytes(), []byte("[WARNING]")) || bytes.Contains(logs.Bytes(), []byte("[ALERT]")) {
			t.Errorf("haproxy logged:\n%s", logs.String())
		}
	}()
	var conn net.Conn
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err = net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy did not accept connections within 10s: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("POST /anything HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "POST"})
	if err != nil {
		t.Fatalf("reading HAProxy's answer: %v\n%s", err, logs.String())
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != p.Response.Status {
		t.Errorf("status %d, want %d", resp.StatusCode, p.Response.Status)
	}
	want := map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Content-Language":       p.DefaultLocale,
		"Cache-Control":          "no-store",
		"Vary":                   "Accept, Accept-Language",
		"X-Content-Type-Options": "nosniff",
		"Content-Length":         strconv.Itoa(len(page)),
		"Retry-After":            "",
	}
	if p.Response.RetryAfter > 0 {
		want["Retry-After"] = strconv.FormatInt(p.Response.RetryAfter, 10)
	}
	for name, v := range want {
		if got := strings.Join(resp.Header.Values(name), ", "); got != v {
			t.Errorf("%s: %q, want %q", name, got, v)
		}
	}
	if !bytes.Equal(body.Bytes(), page) {
		t.Errorf("body differs from the page (%d bytes, want %d)", body.Len(), len(page))
	}
}
