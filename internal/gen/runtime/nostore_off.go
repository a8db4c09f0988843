//go:build maintgen_no_nostore

// Personal passes, off: the policy has no exempt.ips, exempt.roles or
// bypass, so no pass depends on who sent the request.

package maintenance

import "net/http"

// personalOn reports that no pass depends on who sent the request.
const personalOn = false

// personal reports false.
func (d *decision) personal() bool { return false }

// noStoreWriter is never used.
type noStoreWriter struct{ http.ResponseWriter }
