//go:build maintgen_no_addr

// Addresses and proxies, off: the policy has neither exempt.ips nor
// proxies.

package maintenance

import (
	"net/http"
	"net/netip"
)

const addrOn = false

func exemptIP(a netip.Addr) (int, bool) { return -1, false }

func forwardedIP(r *http.Request) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(r.RemoteAddr)
	return a.Unmap(), err == nil
}
