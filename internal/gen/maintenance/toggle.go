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
)

// ToggleHandler returns the admin toggle, a handler to mount on a route
// of your choice (for example mux.Handle("/admin/maintenance",
// g.ToggleHandler())). It switches maintenance mode:
//
//   - Only POST, of state=on or state=off as a form
//     (application/x-www-form-urlencoded) or {"state": "on"} as JSON
//     (application/json), the body at most 1 KiB. GET and HEAD, like any
//     other method, get 405: a link or a prefetch never switches the mode.
//   - Cross-origin requests are refused with 403 (http.CrossOriginProtection,
//     from Sec-Fetch-Site or Origin), so another site cannot make an
//     admin's browser post the form.
//   - Only requests with a role in toggle.roles (default superuser), from
//     Config.Roles, may switch; any other gets 403.
//   - The new state goes to Config.SetState, or, when that is nil, to the
//     policy's state file, written atomically (a temporary file in the
//     same directory, fsync, rename; mode 0644). The Guard sees its own
//     toggle at once. When the state is not the toggle's to write
//     (Config.State without Config.SetState, or the env var decides, or
//     the policy has no state file) the answer is 409.
//
// Without a toggle section in the policy, ToggleHandler answers 404.
//
// The answer is JSON: {"state": "on", "active": true}, state being what
// was written and active whether maintenance mode is now on (a schedule
// window keeps it on). Errors are JSON too: {"error": "..."}.
func (g *Guard) ToggleHandler() http.Handler {
	return http.NewCrossOriginProtection().Handler(http.HandlerFunc(g.serveToggle))
}

// maxToggleBody bounds the toggle's request body.
const maxToggleBody = 1 << 10

func (g *Guard) serveToggle(w http.ResponseWriter, r *http.Request) {
	w.Header()["Cache-Control"] = hdrNoStore
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		toggleAnswer(w, http.StatusMethodNotAllowed, map[string]any{"error": "use POST with state=on or state=off"})
		return
	}
	if !g.mayToggle(r) {
		toggleAnswer(w, http.StatusForbidden, map[string]any{"error": "forbidden"})
		return
	}
	on, status, err := toggleValue(w, r)
	if err != nil {
		toggleAnswer(w, status, map[string]any{"error": err.Error()})
		return
	}
	if status, err := g.setState(r.Context(), on); err != nil {
		toggleAnswer(w, status, map[string]any{"error": err.Error()})
		return
	}
	state := "off"
	if on {
		state = "on"
	}
	if g.cfg.Logger != nil {
		g.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "maintenance mode switched",
			slog.String("state", state), slog.String("client_ip", g.logIP(r)))
	}
	toggleAnswer(w, http.StatusOK, map[string]any{"state": state, "active": g.active(r.Context())})
}

// active reports whether maintenance mode is on now: a schedule window,
// or the state.
func (g *Guard) active(ctx context.Context) bool {
	if _, on := g.windowLeft(); on {
		return true
	}
	return g.on(ctx)
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

// toggleValue reads the requested state from the form or JSON body.
func toggleValue(w http.ResponseWriter, r *http.Request) (on bool, status int, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxToggleBody)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var value string
	switch mt {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return false, http.StatusBadRequest, errors.New("the form cannot be read")
		}
		value = r.PostForm.Get("state")
	case "application/json":
		var body struct {
			State string `json:"state"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return false, http.StatusBadRequest, errors.New(`the body is not JSON such as {"state": "on"}`)
		}
		value = body.State
	default:
		return false, http.StatusUnsupportedMediaType, errors.New("send a form or JSON")
	}
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "on":
		return true, 0, nil
	case "off":
		return false, 0, nil
	}
	return false, http.StatusBadRequest, errors.New("state must be on or off")
}

// setState writes the new state where the Guard reads it, and returns
// the status to answer with when that fails.
func (g *Guard) setState(ctx context.Context, on bool) (int, error) {
	switch {
	case g.cfg.SetState != nil:
		if err := g.cfg.SetState(ctx, on); err != nil {
			return http.StatusInternalServerError, err
		}
		return http.StatusOK, nil
	case g.cfg.State != nil:
		return http.StatusConflict, errors.New("the app reads the state through Config.State but sets no Config.SetState to write it")
	case stateFile == "":
		return http.StatusConflict, errors.New("the policy has no state file to write")
	case g.fixed:
		return http.StatusConflict, errors.New("the environment variable " + stateEnv + " decides; unset it to switch with the state file")
	}
	if err := g.writeState(on); err != nil {
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

var hdrJSON = []string{"application/json"}
