package review

import (
	"cmp"
	"math/big"
	"net/netip"
	"slices"
	"strings"

	"github.com/maintgen/maintgen/internal/policy"
)

// Address arithmetic in the one 128-bit space where IPv4 is IPv4-mapped
// IPv6 (::ffff:a.b.c.d), as the policy and the generated code use it.
// Counts reach 2^128, so they are big.Ints; speed does not matter here.

// span is the inclusive range of addresses [lo, hi].
type span struct{ lo, hi *big.Int }

var (
	one = big.NewInt(1)
	// v4Span is the IPv4 part of the space, ::ffff:0.0.0.0 to ::ffff:255.255.255.255.
	v4Span = prefixSpan(netip.MustParsePrefix("0.0.0.0/0"))
	// allSpan is the whole space, ::/0.
	allSpan = prefixSpan(netip.MustParsePrefix("::/0"))
)

func addrInt(a netip.Addr) *big.Int {
	b := a.As16()
	return new(big.Int).SetBytes(b[:])
}

// bits128 is the length of p in the 128-bit space.
func bits128(p netip.Prefix) int {
	if p.Addr().Is4() {
		return p.Bits() + 96
	}
	return p.Bits()
}

// prefixSpan returns the addresses of p.
func prefixSpan(p netip.Prefix) span {
	lo := addrInt(p.Masked().Addr())
	size := new(big.Int).Lsh(one, uint(128-bits128(p)))
	return span{lo, new(big.Int).Sub(new(big.Int).Add(lo, size), one)}
}

// size returns the number of addresses in s.
func (s span) size() *big.Int {
	n := new(big.Int).Sub(s.hi, s.lo)
	return n.Add(n, one)
}

// contains reports whether s holds every address of t.
func (s span) contains(t span) bool { return s.lo.Cmp(t.lo) <= 0 && t.hi.Cmp(s.hi) <= 0 }

// union merges spans, adjacent ones included, into sorted disjoint spans.
func union(spans []span) []span {
	spans = slices.Clone(spans)
	slices.SortFunc(spans, func(a, b span) int { return cmp.Or(a.lo.Cmp(b.lo), a.hi.Cmp(b.hi)) })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 {
			last := &out[n-1]
			next := new(big.Int).Add(last.hi, one)
			if s.lo.Cmp(next) <= 0 {
				if s.hi.Cmp(last.hi) > 0 {
					last.hi = s.hi
				}
				continue
			}
		}
		out = append(out, span{s.lo, s.hi})
	}
	return out
}

// spansOf returns the union of the prefixes of a rule list.
func spansOf(ps []policy.Prefix) []span {
	spans := make([]span, len(ps))
	for i, p := range ps {
		spans[i] = prefixSpan(p.Prefix)
	}
	return union(spans)
}

// outside returns how many addresses of s are in none of the sorted,
// disjoint spans of set.
func outside(s span, set []span) *big.Int {
	n := s.size()
	for _, t := range set {
		lo, hi := t.lo, t.hi
		if lo.Cmp(s.lo) < 0 {
			lo = s.lo
		}
		if hi.Cmp(s.hi) > 0 {
			hi = s.hi
		}
		if lo.Cmp(hi) <= 0 {
			n.Sub(n, span{lo, hi}.size())
		}
	}
	return n
}

// cidrs returns the fewest prefixes that hold exactly the addresses of s,
// in order. A prefix inside the IPv4 part is written as IPv4.
func cidrs(s span) []netip.Prefix {
	var out []netip.Prefix
	lo := new(big.Int).Set(s.lo)
	for lo.Cmp(s.hi) <= 0 {
		// The largest block that starts at lo (aligned) and ends by s.hi.
		k := 128
		if lo.Sign() != 0 {
			k = int(lo.TrailingZeroBits())
		}
		for ; k > 0; k-- {
			end := new(big.Int).Add(lo, new(big.Int).Lsh(one, uint(k)))
			if end.Sub(end, one).Cmp(s.hi) <= 0 {
				break
			}
		}
		var b [16]byte
		lo.FillBytes(b[:])
		a := netip.AddrFrom16(b)
		p := netip.PrefixFrom(a, 128-k)
		if a.Is4In6() && 128-k >= 96 {
			p = netip.PrefixFrom(a.Unmap(), 128-k-96)
		}
		out = append(out, p)
		lo.Add(lo, new(big.Int).Lsh(one, uint(k)))
	}
	return out
}

// countAddrs formats n with thousands separators and its unit: "1
// address", "16,777,216 addresses".
func countAddrs(n *big.Int) string {
	if n.Cmp(one) == 0 {
		return "1 address"
	}
	return group(n.String()) + " addresses"
}

// group inserts a comma between each group of three digits.
func group(digits string) string {
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// everyAddress names the part of the address space the prefix p covers
// whole, or returns "" when it covers neither every IPv4 nor every IPv6
// address.
func everyAddress(p netip.Prefix) string {
	s := prefixSpan(p)
	switch {
	case s.contains(allSpan):
		return "every address, IPv4 and IPv6"
	case s.contains(v4Span):
		return "every IPv4 address"
	}
	return ""
}
