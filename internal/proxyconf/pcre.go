package proxyconf

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file translates the RE2 expressions of re: path patterns into PCRE
// expressions for nginx.
//
// Go's regexp matches runes: it decodes the text as UTF-8, and each byte
// that does not start a valid sequence is one rune, U+FFFD, on its own.
// nginx compiles its expressions with PCRE in byte mode (no UTF flag), and
// the text it matches, the decoded URI, may hold any byte. So the
// translation works on bytes: every literal, character class and "." of
// the RE2 expression becomes a PCRE fragment that consumes exactly the
// bytes of one rune as Go decodes it, so both match the same byte strings.
// Case folding is expanded into classes (Go folds with Unicode simple
// folding: (?i)s also matches U+017F), and the result sets no flag.
//
// The output is plain ASCII and uses only escapes that nginx's
// configuration parser keeps as they are inside a double-quoted string
// (\A, \z, \b, \B, \xHH and a backslash before punctuation other than a
// quote or a backslash), so it can be written between double quotes
// verbatim.

// validMulti matches one valid UTF-8 sequence of two to four bytes, as
// utf8.DecodeRune accepts it (no overlong forms, no surrogates, nothing
// above U+10FFFF).
const validMulti = `[\xc2-\xdf][\x80-\xbf]` +
	`|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]` +
	`|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}`

// invalidByte matches one byte that Go decodes as U+FFFD on its own: a
// byte of 0x80 or more that does not start a valid sequence.
const invalidByte = `(?!` + validMulti + `)[\x80-\xff]`

// anyNonASCII matches one non-ASCII rune as Go decodes it: a valid
// sequence, else one byte. The group is atomic: where a valid sequence
// starts, it is the only way to decode, as in Go.
const anyNonASCII = `(?>` + validMulti + `|[\x80-\xff])`

// pcreFullMatch returns a PCRE expression that matches a byte string
// exactly when expr, an RE2 expression that matches the whole path (as
// policy.AnchorRegexp anchors it), matches it in Go.
func pcreFullMatch(expr string) (string, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(`\A(?:`)
	if err := writePCRE(&b, re); err != nil {
		return "", err
	}
	b.WriteString(`)\z`)
	return b.String(), nil
}

// pcreLiteral returns a PCRE expression for the bytes of s, case-sensitive.
func pcreLiteral(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		writeByte(&b, s[i])
	}
	return b.String()
}

// pcreFold returns a PCRE expression that matches what (?i) followed by
// the literal s matches in Go.
func pcreFold(s string) string {
	var b strings.Builder
	for _, r := range s {
		writeRanges(&b, foldRanges(r))
	}
	return b.String()
}

// writeByte writes a PCRE literal for one byte outside a class.
func writeByte(b *strings.Builder, c byte) {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '/', c == '_', c == '-':
		b.WriteByte(c)
	case c == '.':
		b.WriteString(`\.`)
	default:
		fmt.Fprintf(b, `\x%02x`, c)
	}
}

func writePCRE(b *strings.Builder, re *syntax.Regexp) error {
	group := func(sub *syntax.Regexp) error {
		b.WriteString("(?:")
		if err := writePCRE(b, sub); err != nil {
			return err
		}
		b.WriteString(")")
		return nil
	}
	lazy := func() {
		if re.Flags&syntax.NonGreedy != 0 {
			b.WriteString("?")
		}
	}
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString(`(?!)`)
	case syntax.OpEmptyMatch:
		b.WriteString(`(?:)`)
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				writeRanges(b, foldRanges(r))
			} else {
				writeRanges(b, []rune{r, r})
			}
		}
	case syntax.OpCharClass:
		writeRanges(b, re.Rune)
	case syntax.OpAnyCharNotNL:
		writeRanges(b, []rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune})
	case syntax.OpAnyChar:
		writeRanges(b, []rune{0, unicode.MaxRune})
	case syntax.OpBeginLine:
		b.WriteString(`(?:\A|(?<=\x0a))`)
	case syntax.OpEndLine:
		b.WriteString(`(?:\z|(?=\x0a))`)
	case syntax.OpBeginText:
		b.WriteString(`\A`)
	case syntax.OpEndText:
		b.WriteString(`\z`)
	case syntax.OpWordBoundary:
		b.WriteString(`\b`) // ASCII word characters in both: Go's \b, PCRE's default tables
	case syntax.OpNoWordBoundary:
		b.WriteString(`\B`)
	case syntax.OpCapture:
		return group(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		if err := group(re.Sub[0]); err != nil {
			return err
		}
		b.WriteString(map[syntax.Op]string{syntax.OpStar: "*", syntax.OpPlus: "+", syntax.OpQuest: "?"}[re.Op])
		lazy()
	case syntax.OpRepeat:
		if err := group(re.Sub[0]); err != nil {
			return err
		}
		switch {
		case re.Max == -1:
			fmt.Fprintf(b, "{%d,}", re.Min)
		case re.Max == re.Min:
			fmt.Fprintf(b, "{%d}", re.Min)
		default:
			fmt.Fprintf(b, "{%d,%d}", re.Min, re.Max)
		}
		lazy()
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if err := writePCRE(b, sub); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		b.WriteString("(?:")
		for i, sub := range re.Sub {
			if i > 0 {
				b.WriteString("|")
			}
			if err := writePCRE(b, sub); err != nil {
				return err
			}
		}
		b.WriteString(")")
	default:
		return fmt.Errorf("unsupported regular expression operator %v", re.Op)
	}
	return nil
}

// foldRanges returns the rune ranges of the simple case folding orbit of r.
func foldRanges(r rune) []rune {
	rs := []rune{r, r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		rs = append(rs, f, f)
	}
	return rs
}

// writeRanges writes a PCRE fragment that consumes one rune, as Go decodes
// it, that falls in the ranges (lo, hi pairs, inclusive, in any order).
func writeRanges(b *strings.Builder, ranges []rune) {
	rs := normalize(ranges)
	var ascii, multi [][2]rune
	invalid := false // U+FFFD is in the set: invalid bytes match too
	for _, r := range rs {
		lo, hi := r[0], r[1]
		if lo <= 0x7f {
			ascii = append(ascii, [2]rune{lo, min(hi, 0x7f)})
			lo = 0x80
		}
		if lo > hi {
			continue
		}
		if lo <= utf8.RuneError && utf8.RuneError <= hi {
			invalid = true
		}
		multi = append(multi, [2]rune{lo, hi})
	}
	allMulti := len(multi) == 1 && multi[0] == [2]rune{0x80, unicode.MaxRune}

	var alts []string
	if len(ascii) > 0 {
		alts = append(alts, byteClass(ascii))
	}
	switch {
	case allMulti:
		alts = append(alts, anyNonASCII)
	default:
		for _, r := range multi {
			for _, seq := range utf8Sequences(r[0], r[1]) {
				var s strings.Builder
				for _, br := range seq {
					s.WriteString(byteClass([][2]rune{{rune(br[0]), rune(br[1])}}))
				}
				alts = append(alts, s.String())
			}
		}
		if invalid {
			alts = append(alts, invalidByte)
		}
	}
	switch len(alts) {
	case 0:
		b.WriteString(`(?!)`)
	case 1:
		b.WriteString(alts[0])
	default:
		b.WriteString("(?:" + strings.Join(alts, "|") + ")")
	}
}

// byteClass returns a PCRE class of byte ranges, or the byte itself for a
// class of one.
func byteClass(rs [][2]rune) string {
	if len(rs) == 1 && rs[0][0] == rs[0][1] {
		var b strings.Builder
		writeByte(&b, byte(rs[0][0]))
		return b.String()
	}
	var b strings.Builder
	b.WriteString("[")
	for _, r := range rs {
		classByte(&b, byte(r[0]))
		if r[1] != r[0] {
			b.WriteString("-")
			classByte(&b, byte(r[1]))
		}
	}
	b.WriteString("]")
	return b.String()
}

// classByte writes one byte inside a class: letters and digits as they
// are, anything else as \xHH.
func classByte(b *strings.Builder, c byte) {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		b.WriteByte(c)
		return
	}
	fmt.Fprintf(b, `\x%02x`, c)
}

// normalize sorts rune ranges, merges overlapping and adjacent ones, and
// clips them to valid runes.
func normalize(ranges []rune) [][2]rune {
	var rs [][2]rune
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := max(ranges[i], 0), min(ranges[i+1], unicode.MaxRune)
		if lo <= hi {
			rs = append(rs, [2]rune{lo, hi})
		}
	}
	for i := 1; i < len(rs); i++ { // insertion sort: the lists are short
		for j := i; j > 0 && rs[j][0] < rs[j-1][0]; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	var out [][2]rune
	for _, r := range rs {
		if n := len(out); n > 0 && r[0] <= out[n-1][1]+1 {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

// utf8Sequences returns the UTF-8 encodings of the runes lo..hi (both at
// least 0x80), surrogates left out, as sequences of byte ranges: a byte
// string is the encoding of a rune in lo..hi exactly when it matches one
// of the sequences, each byte in its range.
func utf8Sequences(lo, hi rune) [][][2]byte {
	var out [][][2]byte
	var split func(lo, hi rune)
	split = func(lo, hi rune) {
		if lo > hi {
			return
		}
		// Surrogates never decode; ranges stay within one encoded length.
		switch {
		case lo <= 0xd7ff && hi >= 0xd800:
			split(lo, 0xd7ff)
			split(0xd800, hi)
			return
		case lo >= 0xd800 && lo <= 0xdfff:
			split(0xe000, hi)
			return
		}
		for _, limit := range []rune{0x7ff, 0xffff} {
			if lo <= limit && hi > limit {
				split(lo, limit)
				split(limit+1, hi)
				return
			}
		}
		n := utf8.RuneLen(lo)
		// Split until every byte position is a plain range: the runes
		// sharing all leading bytes span the full range of the trailing
		// continuation bytes.
		for i := 1; i < n; i++ {
			m := rune(1)<<(6*i) - 1
			if lo&^m != hi&^m {
				if lo&m != 0 {
					split(lo, lo|m)
					split((lo|m)+1, hi)
					return
				}
				if hi&m != m {
					split(lo, (hi&^m)-1)
					split(hi&^m, hi)
					return
				}
			}
		}
		var a, z [4]byte
		utf8.EncodeRune(a[:], lo)
		utf8.EncodeRune(z[:], hi)
		seq := make([][2]byte, n)
		for i := range seq {
			seq[i] = [2]byte{a[i], z[i]}
		}
		out = append(out, seq)
	}
	split(lo, hi)
	return out
}
