//go:build maintgen_no_bypass

// The bypass link and cookie, off: the policy has no bypass section.

package maintenance

import "net/http"

const bypassOn = false

type bypassState struct{}

func (g *Guard) readBypassSecret() {}

func (g *Guard) isBypassLink(r *http.Request) bool { return false }

func (g *Guard) hasBypassCookie(r *http.Request) bool { return false }

func (g *Guard) bypassResponse(w http.ResponseWriter, r *http.Request) {}

func logPath(p string) string { return p }
