package fuzzdiff

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/difftest"
	full "github.com/maintgen/maintgen/internal/fuzzdiff/full/maintenance"
	"github.com/maintgen/maintgen/internal/fuzzdiff/json-only/apiguard"
	"github.com/maintgen/maintgen/internal/fuzzdiff/multilocale-rtl/downtime"
	redirect "github.com/maintgen/maintgen/internal/fuzzdiff/redirect/maintenance"
	roles "github.com/maintgen/maintgen/internal/fuzzdiff/roles/maintenance"
	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/statefile"
)

// decide runs one generated guard: the mode, the roles and the clock are
// fixed for the request through Config.State, Config.Roles and
// Config.Now.
type decide func(on bool, setting string, roleList []string, now time.Time, r *http.Request) interp.Decision

func clock(now time.Time) func() time.Time { return func() time.Time { return now } }

func state(on bool) func(context.Context) (bool, error) {
	return func(context.Context) (bool, error) { return on, nil }
}

func roleFunc(list []string) func(*http.Request) []string {
	return func(*http.Request) []string { return list }
}

// convert copies a generated Decision, whose type each package declares,
// into a interp.Decision.
func convert(d any) interp.Decision {
	v := reflect.ValueOf(d)
	return interp.Decision{
		Pass:     v.FieldByName("Pass").Bool(),
		Step:     interp.Step(v.FieldByName("Step").String()),
		Rule:     int(v.FieldByName("Rule").Int()),
		Status:   int(v.FieldByName("Status").Int()),
		Format:   policy.Format(v.FieldByName("Format").String()),
		Locale:   v.FieldByName("Locale").String(),
		Location: v.FieldByName("Location").String(),
	}
}

// guards are the generated guards, in the order of Cases.
var guards = []decide{
	func(on bool, setting string, rl []string, now time.Time, r *http.Request) interp.Decision {
		cfg := full.Config{State: state(on), Roles: roleFunc(rl), Now: clock(now)}
		if setting != "" {
			cfg.Setting = func(context.Context) (full.Setting, error) { return full.ParseSetting(setting) }
		}
		return convert(full.New(cfg).Decide(r))
	},
	func(on bool, setting string, rl []string, now time.Time, r *http.Request) interp.Decision {
		cfg := redirect.Config{State: state(on), Roles: roleFunc(rl), Now: clock(now)}
		if setting != "" {
			cfg.Setting = func(context.Context) (redirect.Setting, error) { return redirect.ParseSetting(setting) }
		}
		return convert(redirect.New(cfg).Decide(r))
	},
	func(on bool, setting string, rl []string, now time.Time, r *http.Request) interp.Decision {
		cfg := roles.Config{State: state(on), Roles: roleFunc(rl), Now: clock(now)}
		if setting != "" {
			cfg.Setting = func(context.Context) (roles.Setting, error) { return roles.ParseSetting(setting) }
		}
		return convert(roles.New(cfg).Decide(r))
	},
	func(on bool, setting string, rl []string, now time.Time, r *http.Request) interp.Decision {
		cfg := apiguard.Config{State: state(on), Roles: roleFunc(rl), Now: clock(now)}
		if setting != "" {
			cfg.Setting = func(context.Context) (apiguard.Setting, error) { return apiguard.ParseSetting(setting) }
		}
		return convert(apiguard.New(cfg).Decide(r))
	},
	func(on bool, setting string, rl []string, now time.Time, r *http.Request) interp.Decision {
		cfg := downtime.Config{State: state(on), Roles: roleFunc(rl), Now: clock(now)}
		if setting != "" {
			cfg.Setting = func(context.Context) (downtime.Setting, error) { return downtime.ParseSetting(setting) }
		}
		return convert(downtime.New(cfg).Decide(r))
	},
}

var (
	policiesOnce sync.Once
	policies     []*policy.Policy
	policiesErr  error
)

// loadPolicies parses the golden policies the guards were generated from.
func loadPolicies(tb testing.TB) []*policy.Policy {
	tb.Helper()
	policiesOnce.Do(func() {
		for _, c := range Cases {
			src, err := os.ReadFile(filepath.Join("..", "..", "golden", c, "policy.yaml"))
			if err != nil {
				policiesErr = err
				return
			}
			p, err := policy.Parse("policy.yaml", src)
			if err != nil {
				policiesErr = err
				return
			}
			policies = append(policies, p)
		}
	})
	if policiesErr != nil {
		tb.Fatal(policiesErr)
	}
	return policies
}

// validField reports whether s could be a header value net/http delivers:
// no control characters but tab.
func validField(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f })
}

// validToken reports whether s is an HTTP token (RFC 9110, section 5.6.2).
func validToken(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
	})
}

func splitNonEmpty(s, sep string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, sep)
}

// FuzzDifferential feeds the same request to a generated guard and to the
// interpreter and requires the same decision: pass or maintenance, step,
// rule, status, format, locale and redirect target. xff holds
// X-Forwarded-For lines separated by newlines; roleList holds roles
// separated by commas. which picks the guard and, beyond the number of
// guards, the clock among fuzzTimes of its policy.
func FuzzDifferential(f *testing.F) {
	ps := loadPolicies(f)
	for i, p := range ps {
		for _, c := range difftest.Matrix(p) {
			f.Add(uint8(i), c.Method, c.URI, c.RemoteAddr, strings.Join(c.XForwardedFor, "\n"), strings.Join(c.Roles, ","),
				strings.Join(c.Accept, "\n"), strings.Join(c.AcceptLanguage, "\n"), c.On, c.Setting)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, method, uri, remoteAddr, xff, roleList, accept, acceptLanguage string, on bool, setting string) {
		i := int(which) % len(guards)
		times := fuzzTimes(ps[i])
		now := times[int(which)/len(guards)%len(times)]
		u, err := url.ParseRequestURI(uri)
		if err != nil || !validToken(method) || !validField(remoteAddr) || !validField(roleList) {
			return
		}
		r := &http.Request{Method: method, URL: u, Header: http.Header{}, RemoteAddr: remoteAddr, RequestURI: uri}
		for name, lines := range map[string]string{"X-Forwarded-For": xff, "Accept": accept, "Accept-Language": acceptLanguage} {
			for _, v := range splitNonEmpty(lines, "\n") {
				if !validField(v) {
					return
				}
				r.Header.Add(name, v)
			}
		}
		rl := splitNonEmpty(roleList, ",")
		req := interp.Request{
			Method: method, Path: u.Path, RawPath: u.RawPath, RemoteAddr: remoteAddr,
			XForwardedFor: r.Header["X-Forwarded-For"], Roles: rl,
			Accept: r.Header["Accept"], AcceptLanguage: r.Header["Accept-Language"], On: on,
			Now: now, Testing: true, // the guards run under go test
		}
		if setting != "" { // Config.Setting, with the state file's grammar, decides instead of on
			st, err := statefile.Parse(setting)
			if err != nil {
				return
			}
			interp.SettingRequest(st, &req)
		}
		got := guards[i](on, setting, rl, now, r)
		want := interp.Evaluate(ps[i], req)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: %s %q from %q xff=%q roles=%q accept=%q lang=%q on=%t setting=%q now=%s: generated guard differs from the interpreter (-interpreter +generated):\n%s",
				Cases[i], method, uri, remoteAddr, xff, roleList, accept, acceptLanguage, on, setting, now.Format(time.RFC3339Nano), diff)
		}
	})
}

// fuzzTimes are the clocks a guard of p runs with: difftest.DefaultNow,
// and for each schedule window its start and its last second.
func fuzzTimes(p *policy.Policy) []time.Time {
	times := []time.Time{difftest.DefaultNow}
	for _, w := range p.Schedule {
		times = append(times, w.Start, w.End.Add(-time.Second))
	}
	return times
}
