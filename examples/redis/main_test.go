package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/maintgen/maintgen/examples/redis/maintenance"
)

// cacheTime is the Stores' cache time in these tests: the interval
// within which every instance sees a switch.
const cacheTime = 200 * time.Millisecond

// slack is added to cacheTime when waiting for a switch, for scheduling
// on a loaded machine under the race detector.
const slack = time.Second

// startRedis starts a redis-server on a free loopback port, with its
// files in a temporary directory and no persistence, and returns its
// address and a function that stops it. The server is stopped when the
// test ends at the latest. Without redis-server the test is skipped,
// unless CI is set: then it fails.
func startRedis(t *testing.T) (addr string, stop func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server is not installed (.ci/run installs the Debian package redis-server): %v", err)
		}
		t.Skipf("redis-server is not installed (apt-get install redis-server); skipping: %v", err)
	}
	dir := t.TempDir()
	for attempt := 0; ; attempt++ {
		// A free port: listen on port 0, then hand the port to Redis.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

		var out bytes.Buffer
		cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		var once sync.Once
		stop := func() {
			once.Do(func() {
				cmd.Process.Kill()
				<-exited
			})
		}
		if waitReady(addr, exited) {
			t.Cleanup(stop)
			return addr, stop
		}
		stop()
		if attempt == 2 {
			t.Fatalf("redis-server did not start on %s:\n%s", addr, out.String())
		}
	}
}

// waitReady pings addr until Redis answers, for up to 10 seconds, or
// until the server exits (another process took the port).
func waitReady(addr string, exited <-chan struct{}) bool {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// instance is one running instance of the app.
type instance struct {
	srv   *httptest.Server
	store *Store
	rdb   *redis.Client
}

func startInstance(t *testing.T, redisAddr string, logger *slog.Logger) *instance {
	t.Helper()
	// No retries and one dial: a read of a stopped Redis fails at once
	// rather than retrying for the Store's whole timeout, which keeps
	// TestRedisDown short.
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr, MaxRetries: -1, DialerRetries: 1})
	store := NewStore(rdb, StateKey, cacheTime)
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := httptest.NewServer(newServer(store, logger))
	t.Cleanup(func() {
		srv.Close()
		rdb.Close()
	})
	return &instance{srv: srv, store: store, rdb: rdb}
}

// get returns the status of a GET of path.
func (in *instance) get(t *testing.T, path string) int {
	t.Helper()
	res, _ := in.do(t, http.MethodGet, path)
	return res.StatusCode
}

// do sends a request with the header's name-value pairs, and returns the
// response with its body read.
func (in *instance) do(t *testing.T, method, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, in.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := in.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// waitFor waits until every instance answers a GET of / with status, and
// returns how long that took; it fails the test after cacheTime + slack.
func waitFor(t *testing.T, status int, instances ...*instance) time.Duration {
	t.Helper()
	return waitForMethod(t, http.MethodGet, "/", status, instances...)
}

// waitForMethod waits until every instance answers method path with
// status, and returns how long that took; it fails the test after
// cacheTime + slack.
func waitForMethod(t *testing.T, method, path string, status int, instances ...*instance) time.Duration {
	t.Helper()
	start := time.Now()
	for i, in := range instances {
		for {
			res, _ := in.do(t, method, path)
			if res.StatusCode == status {
				break
			}
			if time.Since(start) > cacheTime+slack {
				t.Fatalf("instance %d: %s %s: no %d within %s", i, method, path, status, cacheTime+slack)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return time.Since(start)
}

// TestInstancesSwitchTogether runs two instances of the app against one
// real Redis, flips the key from a third client, and checks that both
// instances switch within the cache time (plus a slack for scheduling).
func TestInstancesSwitchTogether(t *testing.T) {
	addr, _ := startRedis(t)
	a, b := startInstance(t, addr, nil), startInstance(t, addr, nil)
	ops := redis.NewClient(&redis.Options{Addr: addr})
	defer ops.Close()
	ctx := context.Background()

	if got := a.get(t, "/"); got != 200 {
		t.Fatalf("no key: status %d, want 200 (a missing key means off)", got)
	}
	for i, word := range []string{"on", "off", "ON", "0", "true", "off"} {
		if err := ops.Set(ctx, StateKey, word, 0).Err(); err != nil {
			t.Fatal(err)
		}
		want := 200
		if word == "on" || word == "ON" || word == "true" {
			want = 503
		}
		took := waitFor(t, want, a, b)
		t.Logf("flip %d to %s: both instances within %s", i, word, took)
	}
	// The health check and the admin pages stay reachable.
	if err := ops.Set(ctx, StateKey, "on", 0).Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 503, a, b)
	if got := b.get(t, "/healthz"); got != 200 {
		t.Errorf("/healthz while on: %d", got)
	}
}

// TestToggleReachesEveryInstance switches the mode through one instance's
// admin toggle: that instance sees it at once, the other within the cache
// time.
func TestToggleReachesEveryInstance(t *testing.T) {
	addr, _ := startRedis(t)
	a, b := startInstance(t, addr, nil), startInstance(t, addr, nil)
	toggle := func(in *instance, user, password, form string) *http.Response {
		t.Helper()
		if !strings.Contains(form, "=") {
			form = "state=" + form
		}
		req, err := http.NewRequest(http.MethodPost, in.srv.URL+"/admin/maintenance", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(user, password)
		res, err := in.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	waitFor(t, 200, a, b)
	if res := toggle(a, "alice", "alice-password", "on"); res.StatusCode != 403 {
		t.Fatalf("a customer toggled: %d", res.StatusCode)
	}
	if res := toggle(a, "admin", "admin-password", "on"); res.StatusCode != 200 {
		t.Fatalf("the admin's toggle: %d", res.StatusCode)
	}
	if got := a.get(t, "/"); got != 503 {
		t.Errorf("the toggling instance: %d right after the toggle, want 503", got)
	}
	waitFor(t, 503, b)
	v, err := a.rdb.Get(context.Background(), StateKey).Result()
	if err != nil || v != "on" {
		t.Errorf("key %q, %v", v, err)
	}
	if res := toggle(b, "admin", "admin-password", "off"); res.StatusCode != 200 {
		t.Fatalf("the admin's toggle: %d", res.StatusCode)
	}
	waitFor(t, 200, a, b)

	// Read-only, with a reason and an end, from b to a.
	until := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	form := url.Values{"state": {"read-only"}, "reason": {"Moving racks"}, "until": {until.Format(time.RFC3339)}}
	if res := toggle(b, "admin", "admin-password", form.Encode()); res.StatusCode != 200 {
		t.Fatalf("the admin's read-only toggle: %d", res.StatusCode)
	}
	want := "read-only until " + until.Format(time.RFC3339) + "\nreason: Moving racks"
	if v, err := a.rdb.Get(context.Background(), StateKey).Result(); err != nil || v != want {
		t.Errorf("key %q, %v; want %q", v, err, want)
	}
	waitForMethod(t, http.MethodPost, "/cart", 503, a, b)
	if got := a.get(t, "/"); got != 200 {
		t.Errorf("GET / while read-only: %d", got)
	}
	if res, body := a.do(t, http.MethodPost, "/cart"); !strings.Contains(body, "Moving racks") || res.Header.Get("Retry-After") == "300" {
		t.Errorf("POST /cart: Retry-After %q, page %s", res.Header.Get("Retry-After"), body)
	}
}

// TestStoreReadsRedisOncePerCacheTime: many concurrent requests cost one
// Redis read per cache time, not one each.
func TestStoreReadsRedisOncePerCacheTime(t *testing.T) {
	addr, _ := startRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	var gets atomic.Int32
	rdb.AddHook(countGets{&gets})
	store := NewStore(rdb, StateKey, time.Hour)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if _, err := store.Setting(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := gets.Load(); n != 1 {
		t.Errorf("%d Redis reads for 6400 calls within the cache time, want 1", n)
	}
}

type countGets struct{ n *atomic.Int32 }

func (countGets) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h countGets) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "get" {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (countGets) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestRedisDown: with Redis gone the Store reports an error, the guard
// uses state.fallback (off: the site stays up) and logs one warning, and
// a garbage value is an error too.
func TestRedisDown(t *testing.T) {
	addr, stopRedis := startRedis(t)
	var logs bytes.Buffer
	in := startInstance(t, addr, slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx := context.Background()
	if err := in.rdb.Set(ctx, StateKey, "maybe", 0).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(cacheTime)
	if _, err := in.store.Setting(ctx); err == nil || !strings.Contains(err.Error(), `holds "maybe"`) {
		t.Errorf("garbage value: %v", err)
	}
	if got := in.get(t, "/"); got != 200 {
		t.Errorf("garbage value: status %d, want 200 (state.fallback off)", got)
	}
	if err := in.rdb.Set(ctx, StateKey, "on", 0).Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 503, in)

	// Redis goes away: the instance falls back to off.
	stopRedis()
	time.Sleep(cacheTime)
	for range 20 {
		if got := in.get(t, "/"); got != 200 {
			t.Fatalf("redis down: status %d, want 200 (state.fallback off)", got)
		}
	}
	if n := strings.Count(logs.String(), `"level":"WARN"`); n != 2 {
		t.Errorf("%d warnings (garbage value, redis down), want 2:\n%s", n, logs.String())
	}
}

// TestReadOnlyAcrossInstances writes a read-only setting with a reason
// and an end to the key, as the state file's text, from a third client:
// both instances switch to read-only within the cache time (a GET passes,
// a POST gets the maintenance page with the reason, the end and a
// Retry-After counting down to it, or the JSON with both), report it in
// their Status, and switch off by themselves at the end.
func TestReadOnlyAcrossInstances(t *testing.T) {
	addr, _ := startRedis(t)
	a, b := startInstance(t, addr, nil), startInstance(t, addr, nil)
	ops := redis.NewClient(&redis.Options{Addr: addr})
	defer ops.Close()
	ctx := context.Background()

	const reason = "Upgrading the <database>"
	// Two seconds ahead at least, in whole seconds: the end comes within
	// the test.
	until := time.Now().Add(2 * time.Second).Truncate(time.Second).Add(time.Second).UTC()
	text := "read-only until " + until.Format(time.RFC3339) + "\nreason: " + reason
	if err := ops.Set(ctx, StateKey, text, 0).Err(); err != nil {
		t.Fatal(err)
	}
	took := waitForMethod(t, http.MethodPost, "/cart", 503, a, b)
	t.Logf("read-only on both instances within %s", took)
	for i, in := range []*instance{a, b} {
		if res, body := in.do(t, http.MethodGet, "/"); res.StatusCode != 200 || !strings.Contains(body, "Welcome") {
			t.Errorf("instance %d: GET / while read-only: %d %q", i, res.StatusCode, body)
		}
		res, body := in.do(t, http.MethodPost, "/cart")
		retry, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.StatusCode != 503 || err != nil || retry < 0 || retry > 3 {
			t.Errorf("instance %d: POST /cart: %d, Retry-After %q, want 503 and the seconds to %s", i, res.StatusCode, res.Header.Get("Retry-After"), until)
		}
		for _, want := range []string{`<p class="live">Upgrading the &lt;database&gt;</p>`, `<time datetime="` + until.Format(time.RFC3339) + `">`} {
			if !strings.Contains(body, want) {
				t.Errorf("instance %d: the page lacks %s:\n%s", i, want, body)
			}
		}
		_, body = in.do(t, http.MethodPost, "/cart", "Accept", "application/json")
		var doc struct{ Reason, Until string }
		if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Reason != reason || doc.Until != until.Format(time.RFC3339) {
			t.Errorf("instance %d: JSON %s (%v)", i, body, err)
		}
	}
	g := maintenance.New(maintenance.Config{Setting: a.store.Setting})
	if st := g.Status(ctx); !st.On || !st.ReadOnly || st.Reason != reason || !st.Until.Equal(until) || st.Source != "config" {
		t.Errorf("Status %+v", st)
	}

	// The end: both guards apply it on their clocks, with the key as it is.
	time.Sleep(time.Until(until))
	for i, in := range []*instance{a, b} {
		if res, _ := in.do(t, http.MethodPost, "/cart"); res.StatusCode != 200 {
			t.Errorf("instance %d: POST /cart after the end: %d, want 200", i, res.StatusCode)
		}
	}
	if v, err := ops.Get(ctx, StateKey).Result(); err != nil || v != text {
		t.Errorf("the key holds %q (%v), want it unchanged", v, err)
	}
}
