//go:build !race

// TestParseSize parses policies of megabytes, pure computation that the
// race detector slows thirtyfold and has nothing to check in: make test
// runs it without -race.

package policy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/policy"
)

// TestParseSize checks the size limit, policy.MaxSize: one byte over is
// refused at once, while a policy of exactly MaxSize bytes, and a large
// but realistic one, are accepted.
func TestParseSize(t *testing.T) {
	pad := func(n int) string {
		// A comment that brings minimal to n bytes.
		return minimal + "#" + strings.Repeat("x", n-len(minimal)-2) + "\n"
	}
	t.Run("over the limit", func(t *testing.T) {
		src := pad(policy.MaxSize + 1)
		if len(src) != policy.MaxSize+1 {
			t.Fatalf("len(src) = %d", len(src))
		}
		checkParse(t, src, "policy.yaml:1:1: policy is larger than the limit of 16 MiB (16777216 bytes)")
	})
	t.Run("at the limit", func(t *testing.T) {
		src := pad(policy.MaxSize)
		if len(src) != policy.MaxSize {
			t.Fatalf("len(src) = %d", len(src))
		}
		checkParse(t, src, "")
	})
	t.Run("100000 CIDRs", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(minimal)
		b.WriteString("exempt:\n  ips:\n")
		const n = 100_000
		for i := range n {
			fmt.Fprintf(&b, "    - 10.%d.%d.0/24\n", i>>8&0xff, i&0xff)
		}
		src := b.String()
		if len(src) < 2_000_000 {
			t.Fatalf("len(src) = %d, want about 2 MiB", len(src))
		}
		p := checkParse(t, src, "")
		if p == nil {
			return
		}
		if got := len(p.Exempt.IPs); got != n {
			t.Fatalf("got %d exempt IPs, want %d", got, n)
		}
		last := p.Exempt.IPs[n-1]
		if got, want := last.Prefix.String(), "10.134.159.0/24"; got != want {
			t.Errorf("last prefix = %s, want %s", got, want)
		}
		if got, want := last.Pos, (policy.Pos{File: "policy.yaml", Line: 6 + n, Col: 7}); got != want {
			t.Errorf("last prefix at %v, want %v", got, want)
		}
	})
}
