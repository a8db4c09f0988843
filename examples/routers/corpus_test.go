package routers

import (
	"fmt"
	"slices"
	"strings"
)

// The corpus of request targets: paths built from exempt, forced and
// other segments, spelled in the many ways a client can spell them. It is
// built deterministically, sorted and without duplicates.

var (
	exemptSegs = []string{"healthz", "static"}
	forcedSegs = []string{"checkout", "pay"}
	otherSegs  = []string{"blog", "cart", "x"}
)

// A base path is a list of tokens: a name segment, a dot segment ("." or
// ".."), or "" for an empty segment.
type base []string

func isDot(tok string) bool { return tok == "." || tok == ".." }

// bases returns the logical paths the spellings are applied to.
func bases() []base {
	names := slices.Concat(exemptSegs, forcedSegs, otherSegs)
	targets := slices.Concat(exemptSegs, forcedSegs) // what an attack aims at
	var bs []base
	for _, a := range names {
		bs = append(bs,
			base{a},            // /healthz
			base{a, "x"},       // /static/x, /checkout/x
			base{a, "app.js"},  // /static/app.js
			base{".", a},       // /./healthz
			base{"..", a},      // /../healthz
			base{"", a},        // //healthz
			base{a, ".."},      // /checkout/..
			base{a, "."},       // /checkout/.
			base{a, "", "x"},   // /checkout//x
			base{a, "x", ".."}, // /static/x/..
		)
		for _, b := range names {
			bs = append(bs,
				base{a, b},       // /blog/healthz, /x/checkout
				base{a, "..", b}, // /checkout/../cart, /static/../pay
				base{a, ".", b},  // /static/./healthz
			)
		}
		for _, b := range targets {
			bs = append(bs,
				base{a, "x", "..", "..", b},      // /blog/x/../../healthz
				base{a, "..", b, "x"},            // /x/../checkout/x
				base{a, "x", "..", "..", b, "x"}, // /blog/x/../../static/x
				base{b, "..", a, "orders"},       // /healthz/../x/orders
			)
		}
	}
	return bs
}

// nameSpellings returns the ways to spell the name segment s: itself,
// each byte escaped (lower- and upper-case hex), the whole segment
// escaped, case changes, trailing dots, ;params and appended escapes.
func nameSpellings(s string) []string {
	out := []string{s}
	for i := 0; i < len(s); i++ {
		out = append(out,
			s[:i]+fmt.Sprintf("%%%02x", s[i])+s[i+1:],
			s[:i]+fmt.Sprintf("%%%02X", s[i])+s[i+1:])
	}
	var lo, up strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&lo, "%%%02x", s[i])
		fmt.Fprintf(&up, "%%%02X", s[i])
	}
	out = append(out, lo.String(), up.String(),
		strings.ToUpper(s), strings.ToUpper(s[:1])+s[1:], s[:len(s)-1]+strings.ToUpper(s[len(s)-1:]),
		s+".", s+"..", s+"%2e", s+"%2E", s+"%2e%2e",
		s+";", s+";x=1", s+";/", s+"%3b", s+"%3B",
		s+"%2f", s+"%2F", s+"%5c", s+"%5C", s+"%20", s+"%09", s+"%00",
		s+"~", s+"%7e", s+"%", s+"%zz", // the last two the server rejects
	)
	return out
}

// dotSpellings are the ways to spell the dot segment tok.
func dotSpellings(tok string) []string {
	if tok == "." {
		return []string{".", "%2e", "%2E", ".;", ".;x", "%2e;", ". ", "%2e%00"}
	}
	return []string{"..", "%2e%2e", "%2E%2E", "%2e.", "%2E.", ".%2e", ".%2E", "..;", "..;x", "%2e%2e;", "...", ".. ", "..%00", "..%2f", "..%5c"}
}

// separators are the ways to spell the separator in front of a segment.
var separators = []string{"/", "//", "///", "/./", "%2f", "%2F", "%5c", "%5C", "\\", "/%2f"}

// suffixes follow the plain spelling of every base path; shortSuffixes
// follow every spelling.
var (
	suffixes = []string{
		"", "/", "//", ".", "/.", "/..", "/./", "/../", ";", ";x", "/;", "%2f", "%2F", "%5c",
		"/%2e", "/%2e%2e", "/%2e%2e/", "?a=1", "/?a=1", "?/../x", "#frag", "/#frag", "%23", "%3f", "%3F",
	}
	shortSuffixes = []string{"", "/"}
	// Absolute-form prefixes, put before the plain spellings and the
	// single-byte escapes.
	absPrefixes = []string{"http://example.com", "HTTP://EXAMPLE.COM", "http://other.example:80"}
)

// spell returns every spelling of the base b: one token or separator
// varied at a time, with the suffixes and prefixes above.
func spell(b base, add func(string)) {
	// join builds the path with token i spelled as tok and separator j
	// (the one in front of token j) spelled as sep.
	join := func(i int, tok string, j int, sep string) string {
		var sb strings.Builder
		for k, t := range b {
			if k == j {
				sb.WriteString(sep)
			} else {
				sb.WriteByte('/')
			}
			if k == i {
				t = tok
			}
			sb.WriteString(t)
		}
		return sb.String()
	}
	plain := join(-1, "", -1, "")
	for _, suf := range suffixes {
		add(plain + suf)
	}
	for _, pre := range absPrefixes {
		for _, suf := range shortSuffixes {
			add(pre + plain + suf)
		}
	}
	for i, t := range b {
		var sp []string
		switch {
		case t == "":
			continue
		case isDot(t):
			sp = dotSpellings(t)
		case len(b) > 1 && !slices.Contains(exemptSegs, t) && !slices.Contains(forcedSegs, t):
			continue // other segments are spelled otherwise only alone
		default:
			sp = nameSpellings(t)
		}
		for si, s := range sp {
			p := join(i, s, -1, "")
			for _, suf := range shortSuffixes {
				add(p + suf)
			}
			if si > 0 && si <= 2*len(t) { // single-byte escapes
				for _, pre := range absPrefixes[:1] {
					add(pre + p)
				}
			}
		}
	}
	for j := range b {
		for _, sep := range separators[1:] {
			p := join(-1, "", j, sep)
			for _, suf := range shortSuffixes {
				add(p + suf)
			}
		}
	}
}

// namedTargets are the attacks of issue 10 and its kin, named so that a
// failure is easy to read; they are always in the corpus, and in every
// subset of it.
var namedTargets = []string{
	"/%68ealthz",                 // chi routes the escaped path to /{page}
	"/blog/hello/../../healthz",  // chi routes the uncleaned path to /blog/*
	"/%61dmin/orders",            // echo: a tenant of %61dmin
	"/checkout/../cart",          // chi and echo route it to /checkout/*
	"/checkout/..",               // likewise
	"/pay/",                      // StripSlashes and RemoveTrailingSlash route it to /pay
	"/checkout/%2e%2e/x",         // ServeMux routes it to /checkout/
	"/static/..%2fcheckout/x",    // an escaped separator after a dot segment
	"/%63heckout/x",              // an escaped forced segment
	"http://example.com/healthz", // absolute form
	"//healthz",
	"/healthz/",
	"/static",
}

// corpus returns the request targets, sorted and without duplicates.
func corpus() []string {
	seen := map[string]bool{}
	add := func(s string) { seen[s] = true }
	for _, b := range bases() {
		spell(b, add)
	}
	for _, s := range namedTargets {
		add(s)
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
