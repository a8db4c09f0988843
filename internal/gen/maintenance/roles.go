//go:build !maintgen_no_roles

// exempt.roles.

package maintenance

import "net/http"

// rolesOn reports that the policy has exempt.roles.
const rolesOn = true

// roleRule returns the exempt.roles rule that one of r's roles matches.
func (g *Guard) roleRule(r *http.Request) (int, bool) {
	var roles []string
	if g.cfg.Roles != nil {
		roles = g.cfg.Roles(r)
	}
	if len(roles) == 0 {
		i, ok := exemptRoles["anonymous"]
		return int(i), ok
	}
	best, found := int32(-1), false
	for _, role := range roles {
		if i, ok := exemptRoles[role]; ok && (!found || i < best) {
			best, found = i, true
		}
	}
	if i, ok := exemptRoles["authenticated"]; ok && (!found || i < best) {
		best, found = i, true
	}
	return int(best), found
}
