// Package bench holds maintgen's benchmarks: generated guards for
// synthetic policies of several sizes, compared side by side with the
// reference interpreter, a naive baseline matching the way
// django-maintenance-mode does, and a bare handler.
//
// The guards under ip10/, ip1k/, path10/, path1k/ and ip10file/ are
// generated from Synthetic by go generate (TestGuardsUpToDate keeps them
// in step; go test ./internal/bench -run TestGuardsUpToDate -update
// rewrites them). The guard of ip100k, 100,000 lines, is not committed:
// -update writes it but the test does not compare it, make bench
// generates it first (-run '^TestGuardsUpToDate$/^ip100k$' -update), and
// the tests and benchmarks use it only when built with -tags ip100k.
package bench

//go:generate go test -run TestGuardsUpToDate -update

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
)

// Size names one synthetic policy.
type Size struct {
	Name  string // the package directory, such as ip100k
	IPs   int    // exempt.ips rules
	Paths int    // exempt.paths rules

	// StateFile is the policy's state.file, read relative to the working
	// directory; "" reads the state from the env var BENCH_MAINTENANCE.
	StateFile string

	// Uncommitted is set for a guard too large to commit: make bench
	// generates it, .gitignore leaves it out, and the tests and benchmarks
	// use it only when built with the build tag of its name.
	Uncommitted bool
}

// Sizes are the benchmarked policies. ip10file is ip10 with the state in
// a state file instead of the env var, for the cost of the off path.
var Sizes = []Size{
	{Name: "ip10", IPs: 10, Paths: 4},
	{Name: "ip1k", IPs: 1000, Paths: 4},
	{Name: "ip100k", IPs: 100000, Paths: 4, Uncommitted: true},
	{Name: "path10", IPs: 4, Paths: 10},
	{Name: "path1k", IPs: 4, Paths: 1000},
	{Name: "ip10file", IPs: 10, Paths: 4, StateFile: "maintenance.state"},
}

// Synthetic returns a policy with n IP rules and m path rules, the same on
// every call. IP rules alternate single IPv4 addresses, IPv4 /24s and
// IPv6 /64s; path rules alternate exact paths and subtrees.
func Synthetic(s Size) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\npackage: %s\noutput: {go: %s/guard_gen.go, pages: %s/pages}\n", s.Name, s.Name, s.Name)
	if s.StateFile != "" {
		fmt.Fprintf(&b, "state: {file: %s}\n", s.StateFile)
	} else {
		b.WriteString("state: {env: BENCH_MAINTENANCE}\n")
	}
	b.WriteString("exempt:\n  paths:\n")
	for _, p := range PathRules(s) {
		fmt.Fprintf(&b, "  - %s\n", p)
	}
	b.WriteString("  ips:\n")
	for _, ip := range IPRules(s) {
		fmt.Fprintf(&b, "  - %s\n", ip)
	}
	b.WriteString("  roles: [superuser]\nproxies: [\"192.168.0.0/16\"]\n")
	b.WriteString("default_locale: en\nmessages:\n  en: {title: Maintenance, heading: Back soon, body: Scheduled maintenance.}\n  fr: {title: Maintenance, heading: Bientôt, body: Maintenance planifiée.}\n")
	return []byte(b.String())
}

// IPRules returns the IP rules of s, in policy order, without overlaps.
func IPRules(s Size) []string {
	r := rand.New(rand.NewPCG(uint64(s.IPs), 1))
	seen := map[string]bool{}
	var out []string
	for len(out) < s.IPs {
		var rule string
		switch len(out) % 3 {
		case 0:
			rule = netip.AddrFrom4([4]byte{10, byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}).String()
		case 1:
			rule = netip.AddrFrom4([4]byte{byte(11 + r.IntN(89)), byte(r.IntN(256)), byte(r.IntN(256)), 0}).String() + "/24"
		case 2:
			var a [16]byte
			a[0], a[1], a[2], a[3] = 0x20, 0x01, 0x0d, 0xb8
			for i := 4; i < 8; i++ {
				a[i] = byte(r.IntN(256))
			}
			rule = netip.AddrFrom16(a).String() + "/64"
		}
		// Skip rules that overlap an earlier one, so every rule is reachable.
		key := rule
		if strings.HasPrefix(rule, "10.") {
			key = strings.Join(strings.Split(rule, ".")[:3], ".") + ".0/24"
		}
		if seen[key] || seen[rule] {
			continue
		}
		seen[key], seen[rule] = true, true
		out = append(out, rule)
	}
	return out
}

// PathRules returns the path rules of s, in policy order.
func PathRules(s Size) []string {
	out := make([]string, s.Paths)
	for i := range out {
		if i%2 == 0 {
			out[i] = fmt.Sprintf("/exact%d/page", i)
		} else {
			out[i] = fmt.Sprintf("/tree%d/", i)
		}
	}
	return out
}
