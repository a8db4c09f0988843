package review

import (
	"math/big"
	"net/netip"
	"strings"

	"go4.org/netipx"

	"github.com/maintgen/maintgen/internal/policy"
)

// Address arithmetic in the one 128-bit space where IPv4 is IPv4-mapped
// IPv6 (::ffff:a.b.c.d), as the policy and the generated code use it.
// Sets, ranges and their prefixes are go4.org/netipx's, on prefixes
// moved into that space by in128; only counts, which reach 2^128, are
// big.Ints.

var (
	// v4Prefix is the IPv4 part of the space, ::ffff:0.0.0.0/96.
	v4Prefix = in128(netip.MustParsePrefix("0.0.0.0/0"))
	// allPrefix is the whole space, ::/0.
	allPrefix = netip.MustParsePrefix("::/0")
)

// in128 returns p in the 128-bit space: an IPv4 prefix becomes its
// IPv4-mapped IPv6 form (10.0.0.0/8 is ::ffff:10.0.0.0/104). The result
// is masked.
func in128(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4() {
		return netip.PrefixFrom(netip.AddrFrom16(a.As16()), p.Bits()+96).Masked()
	}
	return p.Masked()
}

// rangeOf returns the addresses of p, in the 128-bit space.
func rangeOf(p netip.Prefix) netipx.IPRange { return netipx.RangeOfPrefix(in128(p)) }

// setOf returns the set of the addresses of ps, in the 128-bit space.
func setOf(ps []netip.Prefix) *netipx.IPSet {
	var b netipx.IPSetBuilder
	for _, p := range ps {
		b.AddPrefix(in128(p))
	}
	return buildSet(&b)
}

// buildSet returns b's set. The builder only fails on an invalid prefix or
// range, which a parsed policy never holds.
func buildSet(b *netipx.IPSetBuilder) *netipx.IPSet {
	s, err := b.IPSet()
	if err != nil {
		panic("review: " + err.Error())
	}
	return s
}

// policySet returns the union of the prefixes of a rule list.
func policySet(ps []policy.Prefix) *netipx.IPSet {
	pfxs := make([]netip.Prefix, len(ps))
	for i, p := range ps {
		pfxs[i] = p.Prefix
	}
	return setOf(pfxs)
}

// covers reports whether a holds every address of b.
func covers(a, b netip.Prefix) bool {
	a, b = in128(a), in128(b)
	return a.Bits() <= b.Bits() && a.Contains(b.Addr())
}

// rangeCovers reports whether r holds every address of p.
func rangeCovers(r netipx.IPRange, p netip.Prefix) bool {
	q := rangeOf(p)
	return r.Contains(q.From()) && r.Contains(q.To())
}

// size returns the number of addresses in r.
func size(r netipx.IPRange) *big.Int {
	from, to := r.From().As16(), r.To().As16()
	n := new(big.Int).SetBytes(to[:])
	n.Sub(n, new(big.Int).SetBytes(from[:]))
	return n.Add(n, big.NewInt(1))
}

// count returns the number of addresses in s.
func count(s *netipx.IPSet) *big.Int {
	n := new(big.Int)
	for _, r := range s.Ranges() {
		n.Add(n, size(r))
	}
	return n
}

// outside returns how many addresses of p are in none of set's.
func outside(p netip.Prefix, set *netipx.IPSet) *big.Int {
	var b netipx.IPSetBuilder
	b.AddPrefix(in128(p))
	b.RemoveSet(set)
	return count(buildSet(&b))
}

// cidrs returns the fewest prefixes that hold exactly the addresses of r,
// in order. A prefix inside the IPv4 part is written as IPv4.
func cidrs(r netipx.IPRange) []netip.Prefix {
	out := r.Prefixes()
	for i, p := range out {
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			out[i] = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
	}
	return out
}

// countAddrs formats n with thousands separators and its unit: "1
// address", "16,777,216 addresses".
func countAddrs(n *big.Int) string {
	if n.IsInt64() && n.Int64() == 1 {
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
	switch {
	case covers(p, allPrefix):
		return "every address, IPv4 and IPv6"
	case covers(p, v4Prefix):
		return "every IPv4 address"
	}
	return ""
}
