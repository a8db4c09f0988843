//go:build maintgen_no_force

// force.paths, off: the policy has none.

package maintenance

import "net/http"

// forceOn reports that the policy has no force.paths.
const forceOn = false

// forced reports no match.
func forced(r *http.Request, p string) (int, bool) { return -1, false }
