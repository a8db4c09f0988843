// Command redis is an example web app whose maintenance mode lives in
// Redis, so that every instance of the app switches together: the
// generated guard reads the mode through Config.State and the admin
// toggle writes it through Config.SetState, both backed by one Redis key
// (go-redis), with a short local cache so that a request costs no round
// trip.
//
// Run two instances against one Redis:
//
//	REDIS_ADDR=127.0.0.1:6379 ADDR=127.0.0.1:8081 go run .
//	REDIS_ADDR=127.0.0.1:6379 ADDR=127.0.0.1:8082 go run .
//
// then switch both with "redis-cli SET maintgen:maintenance on", or as
// the admin with
//
//	curl -u admin:admin-password -d state=on http://127.0.0.1:8081/admin/maintenance
//
// Regenerate the guard after editing policy.yaml with go generate.
package main

//go:generate go tool maintgen generate

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/maintgen/maintgen/examples/redis/maintenance"
)

// StateKey is the Redis key that holds the mode: "on" or "off" (any case,
// or 1, 0, true, false); a missing key means off.
const StateKey = "maintgen:maintenance"

// Store keeps maintenance mode in a Redis key that every instance of the
// app shares. Its State and SetState methods are a Config.State and a
// Config.SetState.
//
// State answers from a local cache while it is younger than the cache
// time, so that requests do not wait for Redis; when it is older, one
// request reads Redis while the others keep the cached answer. An error
// (Redis unreachable, a garbage value) is cached too, so that a Redis
// outage costs one read per cache time, not one per request; the guard
// answers an error with the policy's state.fallback (off here: the site
// stays up while Redis is down). An instance thus sees a switch within
// the cache time.
type Store struct {
	rdb     *redis.Client
	key     string
	ttl     time.Duration // cache time
	timeout time.Duration // of one Redis read

	mu  sync.Mutex // one refresh at a time
	cur atomic.Pointer[cached]
}

type cached struct {
	on  bool
	err error
	at  time.Time
}

// NewStore returns a Store of the key in rdb, cached for ttl.
func NewStore(rdb *redis.Client, key string, ttl time.Duration) *Store {
	return &Store{rdb: rdb, key: key, ttl: ttl, timeout: time.Second}
}

// State reports whether maintenance mode is on.
func (s *Store) State(ctx context.Context) (bool, error) {
	c := s.cur.Load()
	if c != nil && time.Since(c.at) < s.ttl {
		return c.on, c.err
	}
	if c != nil {
		if !s.mu.TryLock() {
			return c.on, c.err // another request is reading Redis
		}
	} else {
		s.mu.Lock() // the first read: wait for it
	}
	defer s.mu.Unlock()
	if c2 := s.cur.Load(); c2 != c && c2 != nil {
		return c2.on, c2.err // read meanwhile
	}
	c = s.read(ctx)
	s.cur.Store(c)
	return c.on, c.err
}

// read reads the key, bounded by the Store's timeout and unaffected by
// the request's cancellation (the answer is shared).
func (s *Store) read(ctx context.Context) *cached {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	c := &cached{at: time.Now()}
	v, err := s.rdb.Get(ctx, s.key).Result()
	switch {
	case errors.Is(err, redis.Nil):
		// A missing key means off.
	case err != nil:
		c.err = fmt.Errorf("read maintenance mode from redis: %w", err)
	default:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "on", "1", "true":
			c.on = true
		case "off", "0", "false":
		default:
			c.err = fmt.Errorf("redis key %s holds %q, neither on nor off", s.key, v)
		}
	}
	return c
}

// SetState switches maintenance mode for every instance: it sets the key,
// and this instance's cache at once.
func (s *Store) SetState(ctx context.Context, on bool) error {
	word := "off"
	if on {
		word = "on"
	}
	if err := s.rdb.Set(ctx, s.key, word, 0).Err(); err != nil {
		return fmt.Errorf("write maintenance mode to redis: %w", err)
	}
	s.cur.Store(&cached{on: on, at: time.Now()})
	return nil
}

// users is the example's user table: user name to password and roles.
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

// newServer returns the app's handler, guarded by a guard whose mode is
// store's.
func newServer(store *Store, logger *slog.Logger) http.Handler {
	guard := maintenance.New(maintenance.Config{
		State:    store.State,
		SetState: store.SetState,
		Roles:    roles,
		Logger:   logger,
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Welcome to the example shop.")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /admin/{$}", func(w http.ResponseWriter, r *http.Request) {
		if maintenance.Active(r.Context()) {
			fmt.Fprintln(w, "Maintenance mode is ON.")
		}
		fmt.Fprintln(w, "Admin dashboard.")
	})
	mux.Handle("/admin/maintenance", guard.ToggleHandler())
	return guard.Wrap(mux)
}

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	redisAddr := os.Getenv("REDIS_ADDR")
	if redisAddr == "" {
		redisAddr = "127.0.0.1:6379"
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	store := NewStore(redis.NewClient(&redis.Options{Addr: redisAddr}), StateKey, time.Second)
	log.Printf("listening on http://%s, maintenance mode in redis://%s key %s", addr, redisAddr, StateKey)
	log.Fatal(http.ListenAndServe(addr, newServer(store, logger)))
}
