//go:build maintgen_no_roles

// exempt.roles, off: the policy has none.

package maintenance

import "net/http"

const rolesOn = false

func (g *Guard) roleRule(r *http.Request) (int, bool) { return -1, false }
