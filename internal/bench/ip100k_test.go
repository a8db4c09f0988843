// The 100,000-rule guard is not committed: make bench generates it, then
// builds the benchmarks with -tags ip100k.

//go:build ip100k && !race

package bench

import (
	"net/http"

	"github.com/maintgen/maintgen/internal/bench/ip100k"
)

func init() {
	newGuards["ip100k"] = func() guard {
		g := ip100k.New(ip100k.Config{})
		return guard{g.Wrap, func(r *http.Request) bool { return g.Decide(r).Pass }}
	}
}
