//go:build !maintgen_no_toggle

// The admin toggle (the policy's toggle section).

package maintenance

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
)

// ToggleHandler returns the admin toggle, a handler to mount on a route
// of your choice (for example mux.Handle("/admin/maintenance",
// g.ToggleHandler())). It switches maintenance mode:
//
//   - Only POST, of state=on, off or read-only, optionally with reason
//     (a line of text) and until (an RFC 3339 time), as a form
//     (application/x-www-form-urlencoded) or as JSON (application/json:
//     {"state": "read-only", "reason": "...", "until": "..."}), the body
//     at most 1 KiB. GET and HEAD, like any other method, get 405: a link
//     or a prefetch never switches the mode.
//   - Cross-origin requests are refused with 403 (http.CrossOriginProtection,
//     from Sec-Fetch-Site or Origin), so another site cannot make an
//     admin's browser post the form.
//   - Only requests with a role in toggle.roles (default superuser), from
//     Config.Roles, may switch; any other gets 403.
//   - The new setting goes to Config.SetSetting, or Config.SetState (on
//     and off only), or, when both are nil, to the policy's state file,
//     written atomically (a temporary file in the same directory, fsync,
//     rename; mode 0644). The Guard sees its own toggle at once. When the
//     setting is not the toggle's to write (Config.Setting or State
//     without a setter, or the env var decides, or the policy has no state
//     file) the answer is 409.
//
// Without a toggle section in the policy, ToggleHandler answers 404.
//
// The answer is JSON: {"state": "on", "active": true, "status": {...}},
// state being the mode written, active whether maintenance mode is now on
// (a schedule window keeps it on) and status the Status. Errors are JSON
// too: {"error": "..."}.
func (g *Guard) ToggleHandler() http.Handler {
	return http.NewCrossOriginProtection().Handler(http.HandlerFunc(g.serveToggle))
}

// maxToggleBody bounds the toggle's request body.
const maxToggleBody = 1 << 10

func (g *Guard) serveToggle(w http.ResponseWriter, r *http.Request) {
	w.Header()["Cache-Control"] = hdrNoStore
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		toggleAnswer(w, http.StatusMethodNotAllowed, map[string]any{"error": "use POST with state=on, off or read-only"})
		return
	}
	if !g.mayToggle(r) {
		toggleAnswer(w, http.StatusForbidden, map[string]any{"error": "forbidden"})
		return
	}
	set, status, err := toggleValue(w, r, g.now())
	if err != nil {
		toggleAnswer(w, status, map[string]any{"error": err.Error()})
		return
	}
	if status, err := g.setState(r.Context(), set); err != nil {
		toggleAnswer(w, status, map[string]any{"error": err.Error()})
		return
	}
	g.notice()
	if g.cfg.Logger != nil {
		g.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "maintenance mode switched",
			slog.String("state", string(set.Mode)), slog.String("client_ip", g.logIP(r)))
	}
	st := g.Status(r.Context())
	toggleAnswer(w, http.StatusOK, map[string]any{"state": set.Mode, "active": st.On, "status": st})
}

// mayToggle reports whether one of r's roles, implied ones included, is
// in toggle.roles.
func (g *Guard) mayToggle(r *http.Request) bool {
	var roles []string
	if g.cfg.Roles != nil {
		roles = g.cfg.Roles(r)
	}
	if len(roles) == 0 {
		return toggleRoles["anonymous"] // never true: the policy refuses it
	}
	for _, role := range roles {
		if toggleRoles[role] {
			return true
		}
	}
	return toggleRoles["authenticated"]
}

// toggleValue reads the requested setting from the form or JSON body; an
// end must come after now.
func toggleValue(w http.ResponseWriter, r *http.Request, now time.Time) (Setting, int, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxToggleBody)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var body struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
		Until  string `json:"until"`
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return Setting{}, http.StatusBadRequest, errors.New("the form cannot be read")
		}
		body.State, body.Reason, body.Until = r.PostForm.Get("state"), r.PostForm.Get("reason"), r.PostForm.Get("until")
	case "application/json":
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return Setting{}, http.StatusBadRequest, errors.New(`the body is not JSON such as {"state": "on"}`)
		}
	default:
		return Setting{}, http.StatusUnsupportedMediaType, errors.New("send a form or JSON")
	}
	line := strings.ToLower(strings.TrimSpace(body.State))
	if line != "on" && line != "off" && line != string(ModeReadOnly) {
		return Setting{}, http.StatusBadRequest, errors.New("state must be on, off or read-only")
	}
	if body.Until != "" {
		line += " until " + body.Until
	}
	s, err := ParseSetting(line + "\nreason: " + body.Reason)
	if err != nil || line == "off" && body.Reason != "" {
		return Setting{}, http.StatusBadRequest, errors.New("until must be an RFC 3339 time, the reason one line of text, and off takes neither")
	}
	if !s.Until.IsZero() && !s.Until.After(now) {
		return Setting{}, http.StatusBadRequest, errors.New("until is in the past")
	}
	return s, 0, nil
}

// setState writes the new state where the Guard reads it, and returns
// the status to answer with when that fails.
func (g *Guard) setState(ctx context.Context, s Setting) (int, error) {
	switch {
	case g.cfg.SetSetting != nil:
		if err := g.cfg.SetSetting(ctx, s); err != nil {
			return http.StatusInternalServerError, err
		}
		return http.StatusOK, nil
	case g.cfg.SetState != nil:
		if s.Mode == ModeReadOnly || s.Reason != "" || !s.Until.IsZero() {
			return http.StatusConflict, errors.New("Config.SetState takes on and off only: set Config.SetSetting for read-only, a reason or an end")
		}
		if err := g.cfg.SetState(ctx, s.Mode == ModeOn); err != nil {
			return http.StatusInternalServerError, err
		}
		return http.StatusOK, nil
	case g.cfg.State != nil || g.cfg.Setting != nil:
		return http.StatusConflict, errors.New("the app reads the state through Config.Setting or State but sets no Config.SetSetting to write it")
	case stateFile == "":
		return http.StatusConflict, errors.New("the policy has no state file to write")
	case g.fixed:
		return http.StatusConflict, errors.New("the environment variable " + stateEnv + " decides; unset it to switch with the state file")
	}
	if err := g.writeState(s); err != nil {
		return http.StatusInternalServerError, err
	}
	return http.StatusOK, nil
}

func toggleAnswer(w http.ResponseWriter, status int, body map[string]any) {
	b, _ := json.Marshal(body)
	w.Header()["Content-Type"] = hdrJSON
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
