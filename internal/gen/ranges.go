package gen

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"

	"github.com/maintgen/maintgen/internal/policy"
)

// u128 is an address in the 128-bit space that holds IPv6 and, as
// IPv4-mapped IPv6, IPv4.
type u128 struct{ hi, lo uint64 }

var maxU128 = u128{^uint64(0), ^uint64(0)}

func toU128(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (x u128) addr() netip.Addr {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], x.hi)
	binary.BigEndian.PutUint64(b[8:], x.lo)
	return netip.AddrFrom16(b)
}

func (x u128) cmp(y u128) int { return cmp.Or(cmp.Compare(x.hi, y.hi), cmp.Compare(x.lo, y.lo)) }

func (x u128) add1() u128 {
	lo, c := bits.Add64(x.lo, 1, 0)
	return u128{x.hi + c, lo}
}

func (x u128) sub(y u128) u128 {
	lo, b := bits.Sub64(x.lo, y.lo, 0)
	return u128{x.hi - y.hi - b, lo}
}

func (x u128) sub1() u128 {
	lo, b := bits.Sub64(x.lo, 1, 0)
	return u128{x.hi - b, lo}
}

// prefixRange returns the first and last address of p in the 128-bit space.
func prefixRange(p netip.Prefix) (lo, hi u128) {
	n := p.Bits()
	if p.Addr().Is4() {
		n += 96
	}
	lo = toU128(p.Addr())
	hi = lo
	if n < 64 {
		hi.hi |= ^uint64(0) >> n
		hi.lo = ^uint64(0)
	} else if n < 128 {
		hi.lo |= ^uint64(0) >> (n - 64)
	}
	return lo, hi
}

// Segment is one range of a flattened address table: every address in
// [Lo, Hi] is decided by Rule, the index of the most specific (longest)
// prefix that holds it, the first such on duplicates.
type Segment struct {
	Lo, Hi netip.Addr
	Rule   int
}

// String formats s as one line of a range table: a prefix when s is one,
// else "LO-HI", then the rule index. IPv4 is written as IPv4.
func (s Segment) String() string {
	r := " " + strconv.Itoa(s.Rule)
	lo, hi := toU128(s.Lo), toU128(s.Hi)
	// [lo, hi] is a prefix when hi-lo is 2^k-1 and lo has none of those k bits.
	span := hi.sub(lo)
	next := span.add1()
	if next.hi&span.hi == 0 && next.lo&span.lo == 0 && lo.hi&span.hi == 0 && lo.lo&span.lo == 0 {
		ones := bits.OnesCount64(span.hi) + bits.OnesCount64(span.lo)
		n := 128 - ones
		if s.Lo.Is4() {
			n -= 96
		}
		if n >= 0 {
			return netip.PrefixFrom(s.Lo, n).String() + r
		}
	}
	return s.Lo.String() + "-" + s.Hi.String() + r
}

// Flatten turns prefix rules into sorted, non-overlapping, merged ranges
// in one 128-bit space. Because CIDR prefixes nest or are disjoint, each
// address belongs to the range of its most specific prefix; adjacent
// ranges with the same rule are merged.
func Flatten(ps []policy.Prefix) []Segment {
	type item struct {
		lo, hi u128
		rule   int
	}
	items := make([]item, 0, len(ps))
	for _, p := range ps {
		lo, hi := prefixRange(p.Prefix)
		items = append(items, item{lo, hi, p.Index})
	}
	// Outer prefixes before the ones they hold; duplicates by rule order.
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(a.lo.cmp(b.lo), b.hi.cmp(a.hi), cmp.Compare(a.rule, b.rule))
	})
	items = slices.CompactFunc(items, func(a, b item) bool { return a.lo == b.lo && a.hi == b.hi })

	var out []item
	emit := func(lo, hi u128, rule int) {
		if lo.cmp(hi) > 0 {
			return
		}
		if n := len(out); n > 0 && out[n-1].rule == rule && out[n-1].hi != maxU128 && out[n-1].hi.add1() == lo {
			out[n-1].hi = hi
			return
		}
		out = append(out, item{lo, hi, rule})
	}
	var stack []item
	var cur u128 // the first address not yet emitted
	done := false
	pop := func() {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if done {
			return
		}
		emit(cur, top.hi, top.rule)
		if top.hi == maxU128 {
			done = true
		} else {
			cur = top.hi.add1()
		}
	}
	for _, it := range items {
		for len(stack) > 0 && stack[len(stack)-1].hi.cmp(it.lo) < 0 {
			pop()
		}
		if len(stack) > 0 && it.lo != (u128{}) {
			top := stack[len(stack)-1]
			emit(cur, it.lo.sub1(), top.rule)
		}
		cur = it.lo
		stack = append(stack, it)
	}
	for len(stack) > 0 {
		pop()
	}

	segs := make([]Segment, len(out))
	for i, it := range out {
		lo, hi := it.lo.addr(), it.hi.addr()
		if lo.Is4In6() && hi.Is4In6() {
			lo, hi = lo.Unmap(), hi.Unmap()
		}
		segs[i] = Segment{Lo: lo, Hi: hi, Rule: it.rule}
	}
	return segs
}
