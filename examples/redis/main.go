// Command redis is an example web app whose maintenance mode lives in
// Redis, so that every instance of the app switches together, read-only
// mode, reason and end included: the Redis key holds the state file's
// text ("read-only until 2026-03-01T04:00:00Z", then "reason: ..."), the
// generated guard reads it through Config.Setting, parsed with
// maintenance.ParseSetting, and the admin toggle writes it through
// Config.SetSetting, with a short local cache so that a request costs no
// round trip.
//
// Run two instances against one Redis:
//
//	REDIS_ADDR=127.0.0.1:6379 ADDR=127.0.0.1:8081 go run .
//	REDIS_ADDR=127.0.0.1:6379 ADDR=127.0.0.1:8082 go run .
//
// then switch both to read-only for the next hour with
//
//	redis-cli SET maintgen:maintenance "$(printf 'read-only until %s\nreason: Upgrading the database' "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)")"
//
// ("on" or "off" alone work too), or as the admin with
//
//	curl -u admin:admin-password -d state=read-only -d reason='Upgrading the database' http://127.0.0.1:8081/admin/maintenance
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
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/maintgen/maintgen/examples/redis/maintenance"
)

// StateKey is the Redis key that holds the setting, in the state file's
// grammar (maintenance.ParseSetting): a line "MODE [from T] [until T]",
// MODE on, off or read-only (or 1, 0, true, false), then optionally a
// line "reason: TEXT". A missing key means off.
const StateKey = "maintgen:maintenance"

// Store keeps the maintenance setting in a Redis key that every instance
// of the app shares. Its Setting and SetSetting methods are a
// Config.Setting and a Config.SetSetting.
//
// Setting answers from a local cache while it is younger than the cache
// time, so that requests do not wait for Redis; when it is older, one
// request reads Redis while the others keep the cached answer. An error
// (Redis unreachable, a garbage value) is cached too, so that a Redis
// outage costs one read per cache time, not one per request; the guard
// answers an error with the policy's state.fallback (off here: the site
// stays up while Redis is down). An instance thus sees a switch within
// the cache time; the setting's start and end are the guard's to apply,
// on its own clock, to the second.
type Store struct {
	rdb     *redis.Client
	key     string
	ttl     time.Duration // cache time
	timeout time.Duration // of one Redis read

	mu  sync.Mutex // one refresh at a time
	cur atomic.Pointer[cached]
}

type cached struct {
	set maintenance.Setting
	err error
	at  time.Time
}

// NewStore returns a Store of the key in rdb, cached for ttl.
func NewStore(rdb *redis.Client, key string, ttl time.Duration) *Store {
	return &Store{rdb: rdb, key: key, ttl: ttl, timeout: time.Second}
}

// Setting returns the setting in Redis.
func (s *Store) Setting(ctx context.Context) (maintenance.Setting, error) {
	c := s.cur.Load()
	if c != nil && time.Since(c.at) < s.ttl {
		return c.set, c.err
	}
	if c != nil {
		if !s.mu.TryLock() {
			return c.set, c.err // another request is reading Redis
		}
	} else {
		s.mu.Lock() // the first read: wait for it
	}
	defer s.mu.Unlock()
	if c2 := s.cur.Load(); c2 != c && c2 != nil {
		return c2.set, c2.err // read meanwhile
	}
	c = s.read(ctx)
	s.cur.Store(c)
	return c.set, c.err
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
		c.err = fmt.Errorf("read the maintenance setting from redis: %w", err)
	default:
		if c.set, err = maintenance.ParseSetting(v); err != nil {
			c.err = fmt.Errorf("redis key %s holds %q: %w", s.key, v, err)
		}
	}
	return c
}

// SetSetting records set for every instance: it sets the key to its text,
// and this instance's cache at once.
func (s *Store) SetSetting(ctx context.Context, set maintenance.Setting) error {
	if err := s.rdb.Set(ctx, s.key, set.String(), 0).Err(); err != nil {
		return fmt.Errorf("write the maintenance setting to redis: %w", err)
	}
	s.cur.Store(&cached{set: set, at: time.Now()})
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

// newServer returns the app's handler, guarded by a guard whose setting
// is store's.
func newServer(store *Store, logger *slog.Logger) http.Handler {
	guard := maintenance.New(maintenance.Config{
		Setting:    store.Setting,
		SetSetting: store.SetSetting,
		Roles:      roles,
		Logger:     logger,
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Welcome to the example shop.")
	})
	mux.HandleFunc("POST /cart", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Added to the cart.")
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
