// Command measure takes the measurements of BENCHMARKS.md that are not Go
// benchmarks: HTTP throughput on loopback with and without the generated
// guard, the time and peak memory of maintgen generate as rules grow, and
// the cold build time of a generated package with 100,000 IP rules.
//
// Usage:
//
//	go run ./internal/bench/measure [-duration 5s] [-conns 16] [-rounds 3]
//
// It prints Markdown tables. Every number comes from this one run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/maintgen/maintgen/internal/bench"
	"github.com/maintgen/maintgen/internal/bench/ip1k"
)

func main() {
	duration := flag.Duration("duration", 2*time.Second, "how long each load run lasts")
	conns := flag.Int("conns", 16, "concurrent keep-alive connections of the load generator")
	rounds := flag.Int("rounds", 9, "rounds of the configurations, back to back; medians are reported")
	flag.Parse()
	log.SetFlags(0)

	fmt.Printf("Machine: %s/%s, %d CPUs, %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	load(*duration, *conns, *rounds)
	scaling()
}

// app is the application handler: a small 200 response.
var app = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "hello from the app\n")
})

// guarded returns app behind the ip1k generated guard with the mode on or
// off (the guard reads BENCH_MAINTENANCE in New).
func guarded(on bool) http.Handler {
	v := "off"
	if on {
		v = "on"
	}
	os.Setenv("BENCH_MAINTENANCE", v)
	return ip1k.New(ip1k.Config{}).Wrap(app)
}

// serve starts h on a loopback port and returns its URL and a stop func.
func serve(h http.Handler) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/nothing/here", func() { srv.Shutdown(context.Background()) }
}

// drive sends GET requests over conns keep-alive connections for d and
// returns the completed requests per second. Every response must have the
// wanted status.
func drive(url string, d time.Duration, conns, want int) float64 {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var n atomic.Int64
	var bad atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				resp, err := client.Get(url)
				if err != nil {
					bad.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					bad.Add(1)
					continue
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if b := bad.Load(); b > 0 {
		log.Fatalf("%s: %d failed or unexpected responses", url, b)
	}
	return float64(n.Load()) / time.Since(start).Seconds()
}

// size formats a byte count in KiB or MiB.
func size(n int) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func load(d time.Duration, conns, rounds int) {
	configs := []struct {
		name   string
		h      http.Handler
		status int
	}{
		{"app alone", app, 200},
		{"guard, mode off", guarded(false), 200},
		{"guard, mode on (serving the 503 page)", guarded(true), 503},
	}
	// Each round runs every configuration back to back, so a ratio within
	// a round compares runs a few seconds apart; the median over rounds
	// resists the bursts of a shared machine.
	rps := make([][]float64, len(configs))
	ratios := make([][]float64, len(configs))
	for range rounds {
		var round []float64
		for _, c := range configs {
			url, stop := serve(c.h)
			round = append(round, drive(url, d, conns, c.status))
			stop()
		}
		for i := range configs {
			rps[i] = append(rps[i], round[i])
			ratios[i] = append(ratios[i], round[i]/round[0])
		}
	}
	fmt.Printf("## HTTP load on loopback\n\n%d connections, %s per run, %d rounds of the three configurations back to back; medians over the rounds. The Go load generator runs in the same process, on the same 2 cores.\n\n", conns, d, rounds)
	fmt.Println("| configuration | requests/s | vs app alone (median of per-round ratios) |")
	fmt.Println("|---|---:|---:|")
	for i, c := range configs {
		fmt.Printf("| %s | %.0f | %.1f%% |\n", c.name, median(rps[i]), 100*median(ratios[i]))
	}
	fmt.Println()
}

// scaling measures maintgen generate at growing rule counts, and the cold
// build of the largest generated package.
func scaling() {
	tmp, err := os.MkdirTemp("", "maintgen-measure")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "maintgen")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/maintgen/maintgen/cmd/maintgen").CombinedOutput(); err != nil {
		log.Fatalf("build maintgen: %v\n%s", err, out)
	}
	fmt.Println("## maintgen generate as rules grow")
	fmt.Println()
	fmt.Println("| IP rules | policy size | generated Go | wall time | peak RSS |")
	fmt.Println("|---:|---:|---:|---:|---:|")
	var largest string
	for _, n := range []int{1000, 10000, 100000} {
		dir := filepath.Join(tmp, fmt.Sprintf("p%d", n))
		s := bench.Size{Name: "guard", IPs: n, Paths: 4}
		src := bench.Synthetic(s)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), src, 0o644); err != nil {
			log.Fatal(err)
		}
		cmd := exec.Command(bin, "generate", "-policy", filepath.Join(dir, "policy.yaml"))
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			log.Fatalf("generate %d: %v\n%s", n, err, out)
		}
		wall := time.Since(start)
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		goFile := filepath.Join(dir, "guard", "guard_gen.go")
		fi, err := os.Stat(goFile)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("| %d | %s | %s | %s | %.0f MiB |\n", n, size(len(src)), size(int(fi.Size())), wall.Round(time.Millisecond), float64(rss)/1024)
		largest = dir
	}
	fmt.Println()

	// Cold build of the 100k package, in a module of its own and a fresh cache.
	if err := os.WriteFile(filepath.Join(largest, "go.mod"), []byte("module example.com/large\n\ngo 1.25\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command("go", "build", "./guard")
	cmd.Dir = largest
	cmd.Env = append(os.Environ(), "GOCACHE="+filepath.Join(tmp, "gocache"), "GOFLAGS=-mod=mod", "GOWORK=off")
	// Warm the standard library in the fresh cache first, so the number is
	// the generated package's own compile time.
	warm := exec.Command("go", "build", "std")
	warm.Env = cmd.Env
	if out, err := warm.CombinedOutput(); err != nil {
		log.Fatalf("build std: %v\n%s", err, out)
	}
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		log.Fatalf("build the 100k package: %v\n%s", err, out)
	}
	fmt.Printf("Cold `go build` of the generated package with 100,000 IP rules (standard library already cached): %s\n", time.Since(start).Round(time.Millisecond))
}
