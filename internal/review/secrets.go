package review

import (
	"math"
	"reflect"
	"regexp"
	"strings"

	"github.com/maintgen/maintgen/internal/policy"
)

// secretPatterns recognize the formats of well-known credentials. The
// formats are the issuers' own (GitHub, AWS, Slack, Stripe, Google, PEM,
// JWT), as secret scanners such as gitleaks and GitHub secret scanning
// match them.
var secretPatterns = []struct {
	name string
	re   *regexp.Regexp
}{
	{"a private key", regexp.MustCompile(`-----BEGIN[ A-Z]*PRIVATE KEY-----`)},
	{"an AWS access key ID", regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"a GitHub token", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b`)},
	{"a Slack token", regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`)},
	{"a Stripe key", regexp.MustCompile(`\b[rs]k_(live|test)_[A-Za-z0-9]{16,}`)},
	{"a Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`)},
	{"a JSON Web Token", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)},
	{"an API key", regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{20,}`)},
	{"a credential assignment", regexp.MustCompile(`(?i)\b(password|passwd|secret|token|api[_-]?key|access[_-]?key)\s*[:=]\s*\S{6,}`)},
	{"a credential in a URL", regexp.MustCompile(`[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`)},
}

// tokenRE finds runs of the characters random tokens are written in, and
// hexRE runs of hexadecimal digits.
var (
	tokenRE = regexp.MustCompile(`[A-Za-z0-9+/=_-]{20,}`)
	hexRE   = regexp.MustCompile(`[0-9A-Fa-f]{32,}`)
)

// looksSecret names the kind of credential s seems to hold, or returns "".
// Besides the known formats it flags long random-looking runs: 32 or more
// hexadecimal digits, letters and digits mixed (a hash or key in hex), or
// 20 or more characters mixing upper case, lower case and digits with an
// entropy of at least 3.5 bits per character.
func looksSecret(s string) string {
	for _, p := range secretPatterns {
		if p.re.MatchString(s) {
			return p.name
		}
	}
	for _, run := range hexRE.FindAllString(s, -1) {
		if strings.ContainsAny(run, "0123456789") && strings.ContainsAny(run, "abcdefABCDEF") {
			return "a random token"
		}
	}
	for _, run := range tokenRE.FindAllString(s, -1) {
		if randomLooking(run) {
			return "a random token"
		}
	}
	return ""
}

func randomLooking(run string) bool {
	var upper, lower, digit bool
	for _, c := range run {
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		}
	}
	return upper && lower && digit && entropy(run) >= 3.5
}

// entropy is the Shannon entropy of s's characters, in bits per character.
func entropy(s string) float64 {
	counts := map[rune]float64{}
	n := 0.0
	for _, c := range s {
		counts[c]++
		n++
	}
	h := 0.0
	for _, k := range counts {
		h -= k / n * math.Log2(k/n)
	}
	return h
}

// secretWarnings checks every string the policy file holds, whatever its
// key, by walking the decoding structs.
func secretWarnings(doc *policy.Syntax) []Warning {
	var out []Warning
	check := func(s policy.String) {
		if !s.Set || s.Bad {
			return
		}
		if kind := looksSecret(s.Value); kind != "" {
			out = append(out, Warning{s.Pos, s.Key + ": looks like " + kind + ": the policy is committed and compiled into the generated code and pages, so keep secrets out of it (read them at run time instead)"})
		}
	}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch x := v.Addr().Interface().(type) {
		case *policy.String:
			check(*x)
			return
		case *policy.Messages:
			for i := range x.Entries {
				check(x.Entries[i].Tag)
				walk(reflect.ValueOf(&x.Entries[i].Message).Elem())
			}
			return
		}
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(doc).Elem())
	return out
}
