//go:build maintgen_no_bypass

// The bypass link and cookie, off: the policy has no bypass section.

package maintenance

import "net/http"

// bypassOn reports that the policy has no bypass section.
const bypassOn = false

// bypassState is empty: there is no secret.
type bypassState struct{}

// readBypassSecret does nothing.
func (g *Guard) readBypassSecret() {}

// isBypassLink reports false.
func (g *Guard) isBypassLink(r *http.Request) bool { return false }

// hasBypassCookie reports false.
func (g *Guard) hasBypassCookie(r *http.Request) bool { return false }

// bypassResponse is never called: no request is the bypass link.
func (g *Guard) bypassResponse(w http.ResponseWriter, r *http.Request) {}

// logPath returns the request path p for a log record, as it is: there
// is no bypass secret to redact.
func logPath(p string) string { return p }
