package proxyconf

import (
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/maintgen/maintgen/internal/gen"
	"github.com/maintgen/maintgen/internal/policy"
)

// The Cloudflare Worker is one ES module: a header comment, the policy's
// tables as one JSON constant, and the runtime, worker.js, as it is. The
// runtime follows the middleware's steps (interp.Evaluate) on the request
// the Worker receives, reads the mode from the KV namespace MAINTENANCE
// (key "state") or the text variable MAINTENANCE_STATE, in the state
// file's grammar, and passes what it does not answer to the origin with
// fetch. docs/caddy-and-workers.md says what it cannot do.

//go:embed worker.js
var workerRuntime string

// workerTables is the constant policy of the Worker module. Every string
// that holds a path is a byte string: one character per byte (U+0000 to
// U+00FF), as the runtime decodes the request path.
type workerTables struct {
	Package       string         `json:"package"`
	Status        int            `json:"status"`
	RetryAfter    int64          `json:"retryAfter"` // seconds; 0 for none
	RetryDate     bool           `json:"retryDate"`
	Format        policy.Format  `json:"format"`
	Redirect      string         `json:"redirect"`
	ForcePaths    workerPaths    `json:"forcePaths"`
	ExemptPaths   workerPaths    `json:"exemptPaths"`
	JSONPaths     workerPaths    `json:"jsonPaths"`
	ExemptIPs     [][2]string    `json:"exemptIPs"` // first and last address, 32 hex digits of the 128-bit form
	Schedule      [][2]int64     `json:"schedule"`  // windows [start, end) in Unix milliseconds
	Fallback      bool           `json:"fallback"`
	ClearCookies  []string       `json:"clearCookies"`
	DefaultLocale int            `json:"defaultLocale"`
	Locales       []workerLocale `json:"locales"`
	Bypass        *workerBypass  `json:"bypass"` // null: no bypass section
}

// workerBypass is the bypass section: the link's path (a byte string),
// the name of the Worker secret that holds the secret (bypass.secret_env,
// as the middleware's environment variable is named), the cookie's
// lifetime in seconds, and whether it is Secure.
type workerBypass struct {
	Path      string `json:"path"`
	SecretEnv string `json:"secretEnv"`
	TTL       int64  `json:"ttl"`
	Secure    bool   `json:"secure"`
}

// workerPaths is one list of path patterns: exact paths, subtrees (with
// their trailing slash) and re: patterns as JavaScript expressions that
// match the bytes that Go's regexp matches.
type workerPaths struct {
	Exact   []string `json:"exact"`
	Subtree []string `json:"subtree"`
	Regexps []string `json:"regexps"`
}

// workerLocale is one locale: its tag and language subtag, the HTML page
// split at its slot (one part when it has none), the JSON document and
// the label of the expected end.
type workerLocale struct {
	Tag   string   `json:"tag"`
	Lang  string   `json:"lang"`
	HTML  []string `json:"html"`
	JSON  string   `json:"json"`
	Until string   `json:"until"`
}

// byteString returns s with each byte as the character of its value, the
// form in which the runtime holds paths.
func byteString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// jsRegexp returns a JavaScript expression (no flags) that matches a byte
// string exactly when the RE2 expression expr matches the whole of it in
// Go: the PCRE translation, whose only constructs JavaScript lacks are
// \A, \z and the atomic group of a non-ASCII rune.
func jsRegexp(expr string) (string, error) {
	re, err := pcreFullMatch(expr)
	if err != nil {
		return "", err
	}
	// A valid sequence, else one byte: the lookahead of invalidByte makes
	// the choice as the atomic group does.
	re = strings.ReplaceAll(re, anyNonASCII, "(?:"+validMulti+"|"+invalidByte+")")
	re = strings.ReplaceAll(re, `\A`, `^`)
	re = strings.ReplaceAll(re, `\z`, `$`)
	return re, nil
}

func (g *workerGen) paths(key string, pats []policy.PathPattern) workerPaths {
	out := workerPaths{Exact: []string{}, Subtree: []string{}, Regexps: []string{}}
	for _, pp := range pats {
		switch pp.Kind {
		case policy.Exact:
			out.Exact = append(out.Exact, byteString(pp.Path))
		case policy.Subtree:
			out.Subtree = append(out.Subtree, byteString(pp.Path))
		case policy.Regexp:
			re, err := jsRegexp(pp.Expr)
			if err != nil {
				g.errs.Add(pp.Pos, "output.worker: %s[%d]: %q: %v", key, pp.Index, pp.Raw, err)
				continue
			}
			out.Regexps = append(out.Regexps, re)
		}
	}
	return out
}

type workerGen struct {
	errs policy.ErrorList
}

// Worker returns the Cloudflare Worker module for p, whose tables are t
// (as gen.Compile computes them): an ES module with no import, to deploy
// with wrangler. Every policy value is in it as JSON, so no value can
// change its code. The error, when not nil, is a policy.ErrorList.
func Worker(p *policy.Policy, t *gen.Tables) ([]byte, error) {
	g := &workerGen{}
	tb := workerTables{
		Package:       p.Package,
		Status:        t.Status,
		RetryAfter:    p.Response.RetryAfter,
		RetryDate:     t.RetryDate,
		Format:        t.Format,
		Redirect:      byteString(t.Redirect),
		ForcePaths:    g.paths("force.paths", p.Force.Paths),
		ExemptPaths:   g.paths("exempt.paths", p.Exempt.Paths),
		JSONPaths:     g.paths("response.json_paths", p.Response.JSONPaths),
		ExemptIPs:     [][2]string{},
		Schedule:      [][2]int64{},
		Fallback:      t.State.Fallback,
		ClearCookies:  append([]string{}, t.ClearCookieSet...),
		DefaultLocale: t.DefaultLocale,
	}
	if b := p.Bypass; b != nil {
		tb.Bypass = &workerBypass{Path: byteString(b.Path), SecretEnv: b.SecretEnv, TTL: int64(b.TTL / time.Second), Secure: !b.InsecureCookie}
	}
	for _, s := range t.ExemptIPs {
		lo, hi := s.Lo.As16(), s.Hi.As16()
		tb.ExemptIPs = append(tb.ExemptIPs, [2]string{hex.EncodeToString(lo[:]), hex.EncodeToString(hi[:])})
	}
	for _, w := range t.Schedule {
		tb.Schedule = append(tb.Schedule, [2]int64{w.Start.UnixMilli(), w.End.UnixMilli()})
	}
	for _, l := range t.Locales {
		html := []string{l.HTML}
		if l.Slot >= 0 {
			html = []string{l.HTML[:l.Slot], l.HTML[l.Slot:]}
		}
		tb.Locales = append(tb.Locales, workerLocale{Tag: l.Tag, Lang: l.Lang, HTML: html, JSON: l.JSON, Until: l.UntilLabel})
	}
	if err := g.errs.Err(); err != nil {
		return nil, err
	}
	// encoding/json escapes <, >, &, U+2028 and U+2029, and the output is
	// one line: the constant is valid JavaScript whatever the policy holds.
	data, err := json.MarshalIndent(tb, "", "\t")
	if err != nil {
		return nil, fmt.Errorf("output.worker: %w", err)
	}
	var b strings.Builder
	out := p.Output.Worker
	if out == "" {
		out = "maintenance.js"
	}
	fmt.Fprintf(&b, "// Code generated by maintgen from %s. DO NOT EDIT.\n//\n", jsComment(path.Base(p.File)))
	fmt.Fprintf(&b, "// The Cloudflare Worker of the maintenance policy (package %s): an ES\n", jsComment(p.Package))
	b.WriteString("// module, with no build step and no dependency. It answers with the\n")
	b.WriteString("// maintenance response as the Go middleware does, and passes everything\n")
	b.WriteString("// else to the origin. The mode is the KV namespace bound as MAINTENANCE,\n")
	b.WriteString("// key \"state\", or else the text variable MAINTENANCE_STATE, in the words of\n")
	b.WriteString("// the state file (on, off, read-only, from, until, reason:). Deploy it with\n")
	fmt.Fprintf(&b, "// wrangler (main = %q); docs/caddy-and-workers.md says how, and\n", jsComment(path.Base(out)))
	b.WriteString("// what the Worker does differently from the middleware.\n")
	if p.Bypass != nil {
		env := jsComment(p.Bypass.SecretEnv)
		fmt.Fprintf(&b, "//\n// The bypass link's secret is the Worker secret %s\n", env)
		fmt.Fprintf(&b, "// (wrangler secret put %s), as the middleware's is\n// that environment variable.\n", env)
	}
	b.WriteString("\n")
	b.WriteString("const policy = ")
	b.Write(data)
	b.WriteString(";\n\n")
	b.WriteString(workerRuntime)
	return []byte(b.String()), nil
}

// jsComment returns s fit for a // comment: control characters and the
// line terminators of JavaScript (U+2028, U+2029) become "?".
func jsComment(s string) string {
	return strings.Map(func(r rune) rune {
		if isControl(r) || r == '\u2028' || r == '\u2029' {
			return '?'
		}
		return r
	}, s)
}
