package proxyconf

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestUTF8Sequences checks, rune by rune over all of Unicode, that the
// byte-range sequences of a rune range match exactly the encodings of the
// runes in it.
func TestUTF8Sequences(t *testing.T) {
	for _, r := range [][2]rune{
		{0x80, 0x10ffff}, {0x80, 0x7ff}, {0x100, 0x17f}, {0xe9, 0xe9}, {0x7ff, 0x800},
		{0xd000, 0xe100}, {0xfffd, 0xfffd}, {0xffff, 0x10000}, {0x10400, 0x1f6ff}, {0x3040, 0x30ff},
	} {
		seqs := utf8Sequences(r[0], r[1])
		var buf [4]byte
		for c := rune(0x80); c <= 0x10ffff; c++ {
			if c >= 0xd800 && c <= 0xdfff {
				continue
			}
			n := utf8.EncodeRune(buf[:], c)
			matches := 0
			for _, seq := range seqs {
				if len(seq) != n {
					continue
				}
				ok := true
				for i, br := range seq {
					if buf[i] < br[0] || buf[i] > br[1] {
						ok = false
						break
					}
				}
				if ok {
					matches++
				}
			}
			want := 0
			if c >= r[0] && c <= r[1] {
				want = 1
			}
			if matches != want {
				t.Fatalf("range %U-%U: rune %U matches %d sequences, want %d", r[0], r[1], c, matches, want)
			}
		}
	}
}

// TestPCREOutputIsPlain checks the promise the nginx generator relies on:
// translated expressions are printable ASCII and hold no escape that
// nginx's configuration parser would change inside double quotes.
func TestPCREOutputIsPlain(t *testing.T) {
	for _, expr := range []string{
		`^/api/v[0-9]+/status$`, `(?i)^/café/[^/]+\.txt$`, `(?s).*`, `(?m)^a$`, `\bx\B`, `[\x{0}-\x{10FFFF}]`,
		`"quoted'\\`, "\t\n\r", `[^\n]{2,5}?`, `\pL+`, `a|b|`, `(?U)a*b`, `\x{FFFD}`,
	} {
		got, err := pcreFullMatch(expr)
		if err != nil {
			t.Errorf("%q: %v", expr, err)
			continue
		}
		for i := 0; i < len(got); i++ {
			c := got[i]
			if c < 0x20 || c > 0x7e || c == '"' || c == '\'' {
				t.Errorf("%q: byte %q at %d in %s", expr, c, i, got)
				break
			}
			if c == '\\' {
				if i+1 == len(got) || strings.IndexByte(`tnr"'\`, got[i+1]) >= 0 {
					t.Errorf("%q: escape \\%c at %d in %s", expr, got[i+1], i, got)
					break
				}
				i++
			}
		}
	}
}
