//go:build maintgen_no_toggle

// The admin toggle, off: the policy has no toggle section.

package maintenance

import "net/http"

// ToggleHandler returns the admin toggle. The policy has no toggle
// section, so nobody may switch the mode over HTTP: the handler answers
// every request with 404. Add a toggle section (toggle: {roles: [...]})
// to the policy and regenerate to enable it.
func (g *Guard) ToggleHandler() http.Handler { return http.NotFoundHandler() }
