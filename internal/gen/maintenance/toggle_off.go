//go:build maintgen_no_toggle

// The admin toggle, off: the policy has no toggle section.

package maintenance

import "net/http"

// ToggleHandler returns the admin toggle, which answers 404: the policy
// has no toggle section, so nobody may switch the mode over HTTP.
func (g *Guard) ToggleHandler() http.Handler { return http.NotFoundHandler() }
