// Command app is an example web app guarded by a maintgen middleware.
//
// Switch maintenance mode with "go run github.com/maintgen/maintgen/cmd/maintgen on"
// (-read-only, -for 2h, -reason TEXT), off with "... maintgen off", or with
// EXAMPLE_MAINTENANCE=on (or read-only) in the environment. With
// WEBHOOK_URL set, each change of the maintenance state is posted there as
// JSON (webhook.go). Regenerate the guard after editing policy.yaml with
// go generate.
package main

//go:generate go run github.com/maintgen/maintgen/cmd/maintgen generate

import (
	"crypto/subtle"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/maintgen/maintgen/examples/app/maintenance"
)

// users is the example's user table: user name to password and roles.
// A real app looks the request's session up instead.
var users = map[string]struct {
	password string
	roles    []string
}{
	"admin": {"admin-password", []string{"superuser"}},
	"alice": {"alice-password", []string{"customer"}},
}

// roles returns the roles of the user the request authenticates as with
// HTTP Basic auth, or none.
func roles(r *http.Request) []string {
	name, password, ok := r.BasicAuth()
	u, known := users[name]
	if !ok || !known || subtle.ConstantTimeCompare([]byte(password), []byte(u.password)) != 1 {
		return nil
	}
	return u.roles
}

// newServer returns the app's handler, guarded. onChange, when not nil,
// is the guard's Config.OnChange.
func newServer(logger *slog.Logger, onChange func(old, new maintenance.Status)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Welcome to the example shop.")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /admin/", func(w http.ResponseWriter, r *http.Request) {
		if maintenance.Active(r.Context()) {
			fmt.Fprintln(w, "Maintenance mode is ON.")
		}
		fmt.Fprintln(w, "Admin dashboard.")
	})
	mux.HandleFunc("GET /api/v1/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /checkout/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Checkout.")
	})
	guard := maintenance.New(maintenance.Config{Roles: roles, Logger: logger, OnChange: onChange})
	return guard.Wrap(mux)
}

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var onChange func(old, new maintenance.Status)
	if url := os.Getenv("WEBHOOK_URL"); url != "" {
		onChange = webhook(http.DefaultClient, url, 5*time.Second, logger)
	}
	log.Printf("listening on http://%s", addr)
	log.Fatal(http.ListenAndServe(addr, newServer(logger, onChange)))
}
