package review

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/policy"
)

// BenchmarkValidate measures what maintgen validate does on a policy of
// 1,000, 10,000 and 100,000 exempt.ips rules: decode, validate and lint,
// which must stay O(n log n) (a 100,000-CIDR policy under 2 s here).
func BenchmarkValidate(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		src := syntheticIPs(n)
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			for b.Loop() {
				p, err := policy.Parse("policy.yaml", src)
				if err != nil {
					b.Fatal(err)
				}
				Lint(p)
			}
		})
	}
}

// syntheticIPs returns a policy with n distinct /24 exempt.ips rules,
// some adjacent (lint merges them), the same on every call.
func syntheticIPs(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 3))
	seen := map[string]bool{}
	var b strings.Builder
	b.WriteString("version: 1\noutput: {go: m/m_gen.go, pages: p}\nexempt:\n  ips:\n")
	for len(seen) < n {
		ip := fmt.Sprintf("%d.%d.%d.0/24", 1+r.IntN(223), r.IntN(256), r.IntN(256))
		if !seen[ip] {
			seen[ip] = true
			fmt.Fprintf(&b, "    - %s\n", ip)
		}
	}
	b.WriteString("default_locale: en\nmessages: {en: {title: T, heading: H, body: B}}\n")
	return []byte(b.String())
}
