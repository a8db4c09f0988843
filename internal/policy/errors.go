package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a position in a policy file. Line and Col are 1-based; Col counts
// bytes, as go/token and yaml.Node do. The zero Pos means "no position".
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats p as FILE:LINE:COL, the form compilers and editors
// understand. A Pos without a line prints as FILE alone.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

func comparePos(a, b Pos) int {
	return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
}

// Error is one problem in a policy, at a position. It prints as
// FILE:LINE:COL: message, in the manner of go/scanner.Error.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every problem found in a policy. Decode and Parse return all
// of them at once, sorted by position (then message), as an ErrorList.
type ErrorList []*Error

// Add appends an error at pos with a fmt.Sprintf-style message.
func (l *ErrorList) Add(pos Pos, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Sort sorts l by position, then by message, and removes exact duplicates.
func (l *ErrorList) Sort() {
	slices.SortStableFunc(*l, func(a, b *Error) int {
		return cmp.Or(comparePos(a.Pos, b.Pos), strings.Compare(a.Msg, b.Msg))
	})
	*l = slices.CompactFunc(*l, func(a, b *Error) bool { return *a == *b })
}

// Error returns every error on its own line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns l sorted, as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}
