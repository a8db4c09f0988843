package proxyconf

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/maintgen/maintgen/internal/policy"
)

// translationExprs are RE2 expressions whose PCRE translation is run by a
// real nginx: classes, folding, anchors, line anchors, repetition, word
// boundaries, and runes of every UTF-8 length.
var translationExprs = []string{
	`^/api/v[0-9]+/status$`,
	`(?i)^/café/[^/]+\.txt$`,
	`^/x/.{2}$`,
	`(?s)^/x/.{2}$`,
	`(?m)^/multi$`,
	`(?m)^a$`,
	`^/[^a-z]*$`,
	`^/\w+\b.*$`,
	`^/\B.*$`,
	`(?i)^/straße$`,
	`(?i)^/k$`,
	`(?i)^/s+$`,
	`^/é+$`,
	`^/[é-ü]+$`,
	`^/\x{FFFD}$`,
	`^/[^\x{FFFD}]$`,
	`^/[^é]$`,
	`^/[^é]+$`,
	`^/[\x{FFFD}a]{1,3}$`,
	`^/[\x{10000}-\x{10FFFF}]$`,
	`^/[\x{800}-\x{D7FF}\x{E000}-\x{FFFF}]$`,
	`^/(a|bc)*$`,
	`^/a{2,3}?$`,
	`^/$|^/x$`,
	`^/[[:alpha:]]+$`,
	`^/\d\s\S$`,
	`^/.*\n.*$`,
	`(?U)^/a+b$`,
	`^/[^\n]+$`,
	`^/(?:)$`,
	`x`,
	`^/(?i:K)(?-i:k)$`,
	`^/[\p{Greek}]+$`,
	`^/.{0,3}$`,
	`/x`,
}

// translationSubjects are request paths, as decoded bytes, that nginx does
// not normalize further (no //, no dot segments).
func translationSubjects() []string {
	subjects := []string{
		"/", "/x", "/api/v1/status", "/api/v/status", "/café/a.txt", "/CAFÉ/A.TXT", "/caf\xc3\xa9/a.txt", "/x/ab", "/x/é",
		"/x/\xff\xfe", "/x/\xe2\x82", "/x/a\n", "/x/\n\n", "/multi", "/multi\n", "/a\n/multi", "/x\na", "/STRASSE", "/straße",
		"/STRAẞE", "/K", "/k", "/\u212a", "/ſſ", "/sS", "/éé", "/ü", "/\u00ff", "/\ufffd", "/\xff", "/\xc0\x80", "/\xed\xa0\x80",
		"/😀", "/\xf4\x90\x80\x80", "/\xf0\x9f\x98", "/aaa", "/aa", "/bcbc", "/abc", "/a b", "/1 x", "/1\tx", "/ab", "/αβγ", "/ω",
		"/\u0800", "/\uffff", "/\ud7ff", "/b", "/aab",
	}
	pieces := []string{"a", "b", "x", "/", "é", "\xff", "\xc3", "\n", "K", "k", "ſ", "s", "ß", "\xe2\x82", "€", "😀", "0", "9", " ", "_", "\u212a"}
	r := rand.New(rand.NewPCG(1, 2))
	for len(subjects) < 400 {
		var b strings.Builder
		b.WriteString("/")
		for n := r.IntN(6); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		subjects = append(subjects, b.String())
	}
	var out []string
	for _, s := range subjects {
		if strings.Contains(s, "//") || strings.HasSuffix(s, "/.") || strings.Contains(s, "/./") || strings.Contains(s, "/..") {
			continue
		}
		out = append(out, s)
	}
	return out
}

// TestNginxRegexpTranslation runs every translated expression in a real
// nginx against every subject, as a map on $uri (the decoded request
// path), and compares each result with Go's regexp on the anchored RE2
// expression.
func TestNginxRegexpTranslation(t *testing.T) {
	bin := nginxBinary(t)
	var http, results strings.Builder
	var exprs []*regexp.Regexp
	for i, expr := range translationExprs {
		pcre, err := pcreFullMatch(expr)
		if err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		if len(pcre)+1 > MaxNginxParam {
			t.Fatalf("%q: translation is %d bytes, over nginx's limit", expr, len(pcre)+1)
		}
		fmt.Fprintf(&http, "    map $uri $re%d {\n        default 0;\n        %s 1;\n    }\n", i, quote("~"+pcre))
		fmt.Fprintf(&results, "${re%d}", i)
		exprs = append(exprs, regexp.MustCompile(policy.AnchorRegexp(expr)))
	}
	s := startNginx(t, bin, nil, http.String(), fmt.Sprintf("        location / {\n            return 200 %s;\n        }", quote(results.String())))
	checked := 0
	for _, subject := range translationSubjects() {
		var uri strings.Builder
		for i := 0; i < len(subject); i++ {
			if c := subject[i]; c == '/' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
				uri.WriteByte(c)
			} else {
				fmt.Fprintf(&uri, "%%%02X", c)
			}
		}
		if u, err := url.ParseRequestURI(uri.String()); err != nil || u.Path != subject {
			t.Fatalf("subject %q: encoded as %q, which decodes differently", subject, uri.String())
		}
		resp, body, err := s.do(rawRequest{From: "127.0.0.1", Method: "GET", URI: uri.String()})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || len(body) != len(exprs) {
			t.Fatalf("subject %q: status %d, body %q", subject, resp.StatusCode, body)
		}
		for i, re := range exprs {
			want := byte('0')
			if re.MatchString(subject) {
				want = '1'
			}
			if body[i] != want {
				t.Errorf("%q against %q: nginx says %c, Go says %c", translationExprs[i], subject, body[i], want)
			}
			checked++
		}
	}
	t.Logf("%d expression-subject pairs compared", checked)
}
