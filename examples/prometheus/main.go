// Command prometheus is an example web app that exports its maintenance
// guard's counters and state as Prometheus metrics: a Collector reads the
// generated guard's Stats and Status on each scrape, so the request path
// pays nothing more than the guard's own atomic counters.
//
//	maintgen_requests_total{step="..."}                 counter: requests decided by each step
//	maintgen_rule_requests_total{step="...",rule="N"}   counter: by each rule of force.paths and exempt.*, N its index in the policy list
//	maintgen_on                                         gauge: 1 while maintenance mode is on, fully or read-only
//	maintgen_read_only                                  gauge: 1 while it is read-only
//
// Run it, switch it on, and scrape it:
//
//	ADDR=127.0.0.1:8080 go run .
//	go tool maintgen on -read-only -for 1h
//	curl -s http://127.0.0.1:8080/metrics | grep ^maintgen_
//
// Regenerate the guard after editing policy.yaml with go generate.
package main

//go:generate go tool maintgen generate

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/maintgen/maintgen/examples/prometheus/maintenance"
)

// Collector is a prometheus.Collector of a Guard's Stats and Status, read
// at each scrape.
type Collector struct {
	guard *maintenance.Guard

	requests, rules, on, readOnly *prometheus.Desc
}

// steps are the steps whose requests the guard counts, each reported from
// the first scrape on, at 0 until a request takes it. StepOff is not
// among them: requests passed because the mode is off are not counted,
// which keeps that path one atomic load.
var steps = []maintenance.Step{
	maintenance.StepBypassLink, maintenance.StepForce, maintenance.StepRedirect, maintenance.StepReadOnly,
	maintenance.StepExemptTests, maintenance.StepExemptPaths, maintenance.StepExemptIPs,
	maintenance.StepExemptRoles, maintenance.StepBypass, maintenance.StepMaintenance,
}

// NewCollector returns a Collector of g.
func NewCollector(g *maintenance.Guard) *Collector {
	return &Collector{
		guard: g,
		requests: prometheus.NewDesc("maintgen_requests_total",
			"Requests that the maintenance guard decided, by the policy step that decided (passes while the mode is off are not counted).",
			[]string{"step"}, nil),
		rules: prometheus.NewDesc("maintgen_rule_requests_total",
			"Requests that the maintenance guard decided by a rule of force.paths or exempt.*, by step and index of the rule in its policy list.",
			[]string{"step", "rule"}, nil),
		on: prometheus.NewDesc("maintgen_on",
			"1 while maintenance mode is on, fully or read-only; else 0.", nil, nil),
		readOnly: prometheus.NewDesc("maintgen_read_only",
			"1 while maintenance mode is read-only (safe methods pass); else 0.", nil, nil),
	}
}

// Describe sends the descriptions of c's metrics.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.rules
	ch <- c.on
	ch <- c.readOnly
}

// Collect sends the counts and the state now.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.guard.Stats()
	for _, step := range steps {
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(s.Steps[step]), string(step))
	}
	for _, step := range steps {
		for i, n := range s.Rules[step] {
			ch <- prometheus.MustNewConstMetric(c.rules, prometheus.CounterValue, float64(n), string(step), strconv.Itoa(i))
		}
	}
	st := c.guard.Status(context.Background())
	ch <- prometheus.MustNewConstMetric(c.on, prometheus.GaugeValue, gauge(st.On))
	ch <- prometheus.MustNewConstMetric(c.readOnly, prometheus.GaugeValue, gauge(st.ReadOnly))
}

func gauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// newServer returns the app's handler: the app, guarded, and /metrics,
// outside the guard, so that scrapes go on during maintenance and are not
// counted. reg is the registry /metrics serves.
func newServer() (h http.Handler, reg *prometheus.Registry) {
	guard := maintenance.New(maintenance.Config{})
	reg = prometheus.NewRegistry()
	reg.MustRegister(NewCollector(guard))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Welcome to the example shop.")
	})
	mux.HandleFunc("POST /cart", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Added to the cart.")
	})
	mux.HandleFunc("/checkout/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Checkout.")
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Admin dashboard.")
	})
	root := http.NewServeMux()
	root.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	root.Handle("/", guard.Wrap(mux))
	return root, reg
}

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	h, _ := newServer()
	log.Printf("listening on http://%s, metrics at /metrics", addr)
	log.Fatal(http.ListenAndServe(addr, h))
}
