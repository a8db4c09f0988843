//go:build !maintgen_no_bypass

// The bypass link and cookie.

package maintenance

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// bypassOn reports that the policy has a bypass section.
const bypassOn = true

// bypassState holds the bypass secret's SHA-256, and the secret as the
// HMAC key; a nil key: bypass is off.
type bypassState struct {
	key  []byte
	hash [sha256.Size]byte
}

// readBypassSecret reads the secret from bypass.secret_env (surrounding
// whitespace trimmed): unset, empty or shorter than 16 bytes, bypass is
// off for the Guard's lifetime.
func (g *Guard) readBypassSecret() {
	switch secret := strings.TrimSpace(os.Getenv(bypassSecretEnv)); {
	case len(secret) >= minBypassSecret:
		g.bypass.key = []byte(secret)
		g.bypass.hash = sha256.Sum256(g.bypass.key)
	case secret != "":
		g.warn("maintenance: the bypass secret is shorter than 16 bytes; bypass is off",
			slog.String("env", bypassSecretEnv))
	}
}

// The bypass link and cookie.
const (
	bypassCookieName = "maintenance_bypass"
	minBypassSecret  = 16 // bytes; a shorter secret turns bypass off
	bypassSkew       = 60 // seconds a cookie's expiry may lie beyond bypassTTL, for clocks that differ
	maxBypassCookies = 4  // bypass cookies checked per request, the first in header order: each costs an HMAC
)

// isBypassLink reports whether r is a GET of bypass.path/<secret>, the
// secret exactly. The comparison is of SHA-256 hashes, in constant time,
// so that it reveals neither the secret nor its length.
func (g *Guard) isBypassLink(r *http.Request) bool {
	if g.bypass.key == nil || r.Method != http.MethodGet {
		return false
	}
	given, ok := strings.CutPrefix(r.URL.Path, bypassPath+"/")
	if !ok {
		return false
	}
	h := sha256.Sum256([]byte(given))
	return hmac.Equal(h[:], g.bypass.hash[:])
}

// bypassMAC returns the unpadded base64url HMAC-SHA256 of the decimal
// expiry, keyed with the secret.
func (g *Guard) bypassMAC(expiry string) string {
	m := hmac.New(sha256.New, g.bypass.key)
	io.WriteString(m, expiry)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// hasBypassCookie reports whether one of the first maxBypassCookies of r's
// maintenance_bypass cookies is valid: "EXPIRY.MAC", EXPIRY in Unix seconds (1 to 18 digits, no leading
// zero) after now and at most bypassTTL+bypassSkew ahead, MAC its
// bypassMAC, compared in constant time.
func (g *Guard) hasBypassCookie(r *http.Request) bool {
	if g.bypass.key == nil {
		return false
	}
	cookies := r.CookiesNamed(bypassCookieName)
	if len(cookies) == 0 {
		return false
	}
	now := g.now().Unix()
	for _, c := range cookies[:min(len(cookies), maxBypassCookies)] {
		if g.validBypass(c.Value, now) {
			return true
		}
	}
	return false
}

func (g *Guard) validBypass(v string, now int64) bool {
	dot := strings.IndexByte(v, '.')
	if dot < 1 || dot > 18 || v[0] == '0' || len(v)-dot-1 != base64.RawURLEncoding.EncodedLen(sha256.Size) {
		return false
	}
	var expiry int64
	for i := range dot {
		c := v[i]
		if c < '0' || c > '9' {
			return false
		}
		expiry = expiry*10 + int64(c-'0')
	}
	if expiry <= now || expiry > now+bypassTTL+bypassSkew {
		return false
	}
	return hmac.Equal([]byte(v[dot+1:]), []byte(g.bypassMAC(v[:dot])))
}

// bypassResponse answers the bypass link: 302 to / with the bypass cookie
// (HttpOnly, SameSite=Lax, Path=/, Secure unless insecure_cookie). The
// response is not cached and sends no Referer onwards.
func (g *Guard) bypassResponse(w http.ResponseWriter, r *http.Request) {
	expiry := g.now().Unix() + bypassTTL
	e := strconv.FormatInt(expiry, 10)
	c := &http.Cookie{
		Name: bypassCookieName, Value: e + "." + g.bypassMAC(e), Path: "/",
		Expires: time.Unix(expiry, 0), MaxAge: bypassTTL,
		HttpOnly: true, Secure: bypassSecure, SameSite: http.SameSiteLaxMode,
	}
	h := w.Header()
	h["Set-Cookie"] = []string{c.String()}
	h["Location"] = hdrRoot
	h["Referrer-Policy"] = hdrNoReferrer
	if g.cfg.Logger != nil {
		g.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "maintenance bypass link used",
			slog.String("client_ip", g.logIP(r)))
	}
	w.WriteHeader(http.StatusFound)
}

var hdrNoReferrer = []string{"no-referrer"}

// logPath returns the request path p for a log record: a path that holds
// the bypass link's path, anywhere (//__maintenance/bypass/x and
// /x/../__maintenance/bypass/x are not the link, but are typed for it),
// may hold the secret, and is logged without it.
func logPath(p string) string {
	if strings.Contains(p, bypassPath+"/") {
		return bypassPath + "/[redacted]"
	}
	return p
}
