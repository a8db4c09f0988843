//go:build maintgen_no_roles

// exempt.roles, off: the policy has none.

package maintenance

import "net/http"

// rolesOn reports that the policy has no exempt.roles.
const rolesOn = false

// roleRule reports no match.
func (g *Guard) roleRule(r *http.Request) (int, bool) { return -1, false }
