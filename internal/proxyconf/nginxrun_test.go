package proxyconf

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file runs a real nginx, from the Debian package, for the tests:
// on loopback, with a temporary prefix, no daemon and no master process,
// killed when the test ends.

// nginxBinary returns the nginx executable. Without it the test is
// skipped on a developer's machine and fails under CI, which installs it
// (.ci/run).
func nginxBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"nginx", "/usr/sbin/nginx"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("nginx is not installed; .ci/run installs the Debian package nginx-light")
	}
	t.Skip("nginx is not installed (apt-get install nginx-light); skipping the test against a real nginx")
	return ""
}

// nginxVersion returns nginx's version as major*1000+minor, such as 1022.
func nginxVersion(t *testing.T, bin string) int {
	t.Helper()
	out, err := exec.Command(bin, "-v").CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -v: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`nginx/(\d+)\.(\d+)\.`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("nginx -v: no version in %q", out)
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return major*1000 + minor
}

// hasIPv6Loopback reports whether this machine has [::1]: without it the
// tests connect over IPv4 only.
var hasIPv6Loopback = func() bool {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}()

// freePort returns a TCP port free on 127.0.0.1, and on [::1] when there is
// one.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		l4, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l4.Addr().(*net.TCPAddr).Port
		if !hasIPv6Loopback {
			l4.Close()
			return port
		}
		l6, err := net.Listen("tcp6", fmt.Sprintf("[::1]:%d", port))
		l4.Close()
		if err == nil {
			l6.Close()
			return port
		}
	}
	t.Fatal("no TCP port free on both 127.0.0.1 and [::1]")
	return 0
}

// nginxServer is a running nginx.
type nginxServer struct {
	dir  string
	port int
}

// startNginx writes nginx.conf around http (inside http{}) and server
// (inside the one server{}, which listens on 127.0.0.1 and [::1] if the
// machine has it), starts
// nginx and waits until it accepts connections. The files it needs go in
// files, relative to its prefix directory, which server and http can name
// as PREFIX. nginx is killed when the test ends; any [emerg], [alert] or
// [warn] line it logged fails the test.
func startNginx(t *testing.T, bin string, files map[string][]byte, http, server string) *nginxServer {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	for name, data := range files {
		name = filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	listen6 := ""
	if hasIPv6Loopback {
		listen6 = fmt.Sprintf("        listen [::1]:%d;\n", port)
	}
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events {
    worker_connections 512;
}
http {
    access_log off;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    # As README.md advises: the snippet's many variables outgrow the
    # default hash buckets, which nginx reports with a warning.
    variables_hash_bucket_size 128;
%[3]s
    server {
        listen 127.0.0.1:%[2]d;
%[5]s%[4]s
    }
}
`, dir, port, strings.ReplaceAll(http, "PREFIX", dir), strings.ReplaceAll(server, "PREFIX", dir), listen6)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	logText := func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		return stderr.String() + string(b)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Error("nginx did not exit after being killed")
		}
		for _, line := range strings.Split(logText(), "\n") {
			if strings.Contains(line, "[emerg]") || strings.Contains(line, "[alert]") || strings.Contains(line, "[warn]") {
				t.Errorf("nginx logged: %s", line)
			}
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("nginx exited: %v\n%s\n%s", waitErr, logText(), conf)
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not accept connections within 10s: %v\n%s", err, logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &nginxServer{dir: dir, port: port}
}

// rawRequest is one request, written on the wire as it is.
type rawRequest struct {
	From    string // the client's source address: 127.0.0.0/8 or ::1
	Method  string
	URI     string
	Headers [][2]string // in order, repeated names as separate lines
}

// do sends r on a new connection and reads the response, body included
// (none for HEAD), within 10 seconds.
func (s *nginxServer) do(r rawRequest) (*http.Response, []byte, error) { return sendRaw(s.port, r) }

// sendRaw sends r to port on loopback, on a new connection, and reads the
// response, body included (none for HEAD), within 10 seconds.
func sendRaw(port int, r rawRequest) (*http.Response, []byte, error) {
	from := net.ParseIP(r.From)
	network, host := "tcp4", "127.0.0.1"
	if from.To4() == nil {
		network, host = "tcp6", "::1"
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: from}, Timeout: 5 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, network, net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n", r.Method, r.URI)
	for _, h := range r.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		b.WriteString("Content-Length: 0\r\n")
	}
	b.WriteString("\r\n")
	if _, err := conn.Write(b.Bytes()); err != nil {
		return nil, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: r.Method})
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		return nil, nil, err
	}
	return resp, body.Bytes(), nil
}

// backend is the app behind nginx in the tests: it answers 299 to every
// request, so a passed request is told apart from any answer of nginx's.
func backend(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(299)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}
