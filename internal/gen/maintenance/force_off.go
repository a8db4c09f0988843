//go:build maintgen_no_force

// force.paths, off: the policy has none.

package maintenance

import "net/http"

const forceOn = false

func forced(r *http.Request, p string) (int, bool) { return -1, false }
