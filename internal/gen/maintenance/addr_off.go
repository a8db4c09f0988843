//go:build maintgen_no_addr

// Addresses and proxies, off: the policy has no exempt.ips or proxies.

package maintenance

import (
	"net/http"
	"net/netip"
)

const addrOn = false

func exemptIP(a netip.Addr) (int, bool) { return -1, false }

func forwardedIP(r *http.Request) (netip.Addr, bool) { // for the log
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return ap.Addr().Unmap(), err == nil
}
