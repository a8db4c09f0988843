//go:build !maintgen_no_addr

// Addresses and proxies: exempt.ips, proxies and X-Forwarded-For.

package maintenance

import (
	"encoding/binary"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// addrOn reports that the policy has exempt.ips or proxies.
const addrOn = true

// exemptIP returns the exempt.ips rule whose prefix holds a.
func exemptIP(a netip.Addr) (int, bool) { return exemptIPs.lookup(a) }

// u128 is an address in the one 128-bit space that holds IPv6 and, as
// IPv4-mapped IPv6 (::ffff:a.b.c.d), IPv4.
type u128 struct{ hi, lo uint64 }

func addrU128(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{0, 0xffff<<32 | uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (x u128) less(y u128) bool { return x.hi < y.hi || x.hi == y.hi && x.lo < y.lo }

// ipRanges is a sorted list of non-overlapping address ranges [lo[i],
// hi[i]], searched by binary search.
type ipRanges struct {
	lo, hi []u128
	rule   []int32
}

func (t *ipRanges) len() int { return len(t.lo) }

// lookup returns the rule of the range that holds a.
func (t *ipRanges) lookup(a netip.Addr) (int, bool) {
	x := addrU128(a)
	i, j := 0, len(t.lo)
	for i < j { // find the first range whose lo is above x
		h := int(uint(i+j) >> 1)
		if x.less(t.lo[h]) {
			j = h
		} else {
			i = h + 1
		}
	}
	if i == 0 || t.hi[i-1].less(x) {
		return -1, false
	}
	return int(t.rule[i-1]), true
}

// parseRanges decodes a generated range table: one range a line, as
// "PREFIX RULE" or "LO-HI RULE", sorted and non-overlapping.
func parseRanges(table string) ipRanges {
	var t ipRanges
	for line := range strings.Lines(table) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		rng, ruleText, _ := strings.Cut(line, " ")
		rule, err := strconv.Atoi(ruleText)
		if err != nil {
			panic("maintenance: bad range table line " + strconv.Quote(line))
		}
		var lo, hi netip.Addr
		if l, h, ok := strings.Cut(rng, "-"); ok {
			lo, hi = netip.MustParseAddr(l), netip.MustParseAddr(h)
		} else {
			p := netip.MustParsePrefix(rng)
			lo, hi = p.Addr(), lastAddr(p)
		}
		t.lo = append(t.lo, addrU128(lo))
		t.hi = append(t.hi, addrU128(hi))
		t.rule = append(t.rule, int32(rule))
	}
	return t
}

// lastAddr returns the last address of the masked prefix p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		a = a.Unmap()
	}
	return a
}

// forwardedIP returns the request's client IP. It is the host of RemoteAddr,
// unless that peer is a trusted proxy: then the X-Forwarded-For lines are
// walked right to left, skipping proxies, and the first other address is
// the client. An empty or malformed entry reached first means no client
// IP; when the walk runs out, the last address examined is the client.
func forwardedIP(r *http.Request) (netip.Addr, bool) {
	peer, ok := parseHost(r.RemoteAddr)
	if !ok {
		return netip.Addr{}, false
	}
	if proxies.len() == 0 {
		return peer, true
	}
	if _, ok := proxies.lookup(peer); !ok {
		return peer, true
	}
	client := peer
	lines := r.Header["X-Forwarded-For"]
	for i := len(lines) - 1; i >= 0; i-- {
		rest := lines[i]
		for {
			j := strings.LastIndexByte(rest, ',')
			a, ok := parseHost(strings.Trim(rest[j+1:], " \t"))
			if !ok {
				return netip.Addr{}, false
			}
			client = a
			if _, ok := proxies.lookup(a); !ok {
				return a, true
			}
			if j < 0 {
				break
			}
			rest = rest[:j]
		}
	}
	return client, true
}

// parseHost parses an address with an optional port (a decimal up to
// 65535): "192.0.2.1",
// "192.0.2.1:80", "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:80".
// A zone is dropped and an IPv4-mapped IPv6 address is unmapped.
func parseHost(s string) (netip.Addr, bool) {
	host := s
	port := ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		host, port = s[1:end], s[end+1:]
		if port != "" {
			if port[0] != ':' {
				return netip.Addr{}, false
			}
			port = port[1:]
			if port == "" {
				return netip.Addr{}, false
			}
		}
	} else if i := strings.IndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i+1:], ':') < 0 {
		host, port = s[:i], s[i+1:]
		if port == "" {
			return netip.Addr{}, false
		}
	}
	n := 0
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return netip.Addr{}, false
		}
		if n = n*10 + int(port[i]-'0'); n > 65535 {
			return netip.Addr{}, false
		}
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		if !strings.Contains(host[:i], ":") || i == len(host)-1 {
			return netip.Addr{}, false // zones belong to IPv6 only, and are not empty
		}
		host = host[:i]
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
