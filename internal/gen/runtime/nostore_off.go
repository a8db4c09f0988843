//go:build maintgen_no_nostore

// Personal passes, off: the policy has no exempt.ips, exempt.roles or
// bypass, so no pass depends on who sent the request.

package maintenance

import "net/http"

const personalOn = false

func (d *decision) personal() bool { return false }

type noStoreWriter struct{ http.ResponseWriter }
