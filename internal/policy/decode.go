package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/maintgen/maintgen/internal/statefile"
)

// MaxSize is the largest policy file Decode accepts, in bytes (16 MiB).
// A policy with 100,000 CIDRs is about 2 MiB.
const MaxSize = 16 << 20

// Decode parses src, the contents of the policy file name, into its Syntax.
//
// Decoding is strict at every level: unknown keys, duplicate keys, values
// of the wrong YAML type, anchors and aliases, and more than one document
// are errors. Decode does not check values; Compile does. The error, when
// not nil, is an ErrorList holding every problem found, sorted by position.
// The Syntax is returned even then, filled as far as decoding got.
func Decode(name string, src []byte) (*Syntax, error) {
	doc := &Syntax{}
	d := &decoder{file: name}
	d.document(src, doc)
	return doc, d.errs.Err()
}

type decoder struct {
	file string
	errs ErrorList

	// keyPos holds the position of each key read, by dotted path, so that
	// a key missing from a section is reported at the section's key.
	keyPos map[string]Pos
}

func (d *decoder) pos(n *yaml.Node) Pos { return Pos{File: d.file, Line: n.Line, Col: n.Column} }

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserProblems are the problems the YAML parser, as opposed to its
// scanner, reports. For these the YAML library prints a 0-based line number
// (the scanner's are 1-based), so yamlError adds one.
var yamlParserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// yamlError turns an error of the YAML parser into a positioned Error. The
// parser reports a line but no column; for errors without a line (and for
// a parser error on the first line) the position is the first line. The
// parser often names the line where the mapping it was reading starts,
// not the mistake: a tab in an indentation, or a line indented to no
// level of the keys above it, at or after that line is reported instead,
// at its own line and column.
func (d *decoder) yamlError(err error, src []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if yamlParserProblems[msg] {
			line++
		}
	}
	if l, c, why, ok := indentMistake(src, max(line, 1)); ok {
		d.errs.Add(Pos{File: d.file, Line: l, Col: c}, "invalid YAML: %s", why)
		return
	}
	d.errs.Add(Pos{File: d.file, Line: max(line, 1), Col: 1}, "invalid YAML: %s", msg)
}

// indentMistake finds the first indentation mistake at or after line from
// of a block-style YAML file: a tab in an indentation, or a line that
// steps back to an indentation no key above it has. Block scalars (| and
// >) and flow collections spanning lines are skipped. It is a hint for the
// parser's error, which often names an earlier line.
func indentMistake(src []byte, from int) (line, col int, why string, ok bool) {
	var levels []int // indentations of the open block levels
	scalar := -1     // the indentation of the key that opened a block scalar
	depth := 0       // open [ and { of a flow collection
	for i, text := range strings.Split(string(src), "\n") {
		n := i + 1
		text = strings.TrimSuffix(text, "\r")
		body := strings.TrimLeft(text, " ")
		ind := len(text) - len(body)
		if body == "" || strings.HasPrefix(body, "#") {
			continue
		}
		if scalar >= 0 {
			if ind > scalar {
				continue
			}
			scalar = -1
		}
		if strings.HasPrefix(body, "\t") {
			if n >= from {
				return n, ind + 1, "tabs are not allowed for indentation; indent with spaces", true
			}
			return 0, 0, "", false
		}
		if depth == 0 {
			popped := false
			for len(levels) > 0 && levels[len(levels)-1] > ind {
				levels, popped = levels[:len(levels)-1], true
			}
			if len(levels) == 0 || levels[len(levels)-1] < ind {
				// Deeper than the open level: a new level, unless the line
				// stepped back from a deeper one to an indentation between.
				if popped && n >= from {
					return n, ind + 1, fmt.Sprintf("this line is indented %d spaces, like no key above it; indent it as the keys it belongs with", ind), true
				}
				levels = append(levels, ind)
			}
		}
		v := strings.TrimSpace(body)
		if c := strings.Index(v, " #"); c >= 0 {
			v = strings.TrimSpace(v[:c])
		}
		if strings.HasSuffix(v, "|") || strings.HasSuffix(v, ">") || strings.HasSuffix(v, "|-") || strings.HasSuffix(v, ">-") || strings.HasSuffix(v, "|+") || strings.HasSuffix(v, ">+") {
			scalar = ind
		}
		depth += strings.Count(v, "[") + strings.Count(v, "{") - strings.Count(v, "]") - strings.Count(v, "}")
		depth = max(depth, 0)
	}
	return 0, 0, "", false
}

// checkText reports the first character of src that YAML does not allow:
// an invalid UTF-8 sequence or a control character. The YAML parser
// refuses them too, but without a position. UTF-16 input, which YAML
// allows after a byte order mark, is left to the parser.
func (d *decoder) checkText(src []byte) bool {
	if bytes.HasPrefix(src, []byte("\xff\xfe")) || bytes.HasPrefix(src, []byte("\xfe\xff")) {
		return true
	}
	line, col := 1, 1
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		pos := Pos{File: d.file, Line: line, Col: col}
		switch {
		case r == utf8.RuneError && size == 1:
			d.errs.Add(pos, "invalid YAML: invalid UTF-8 byte 0x%02X; save the policy as UTF-8", src[i])
			return false
		case !yamlChar(r):
			d.errs.Add(pos, "invalid YAML: control character %U is not allowed; escape it in a double-quoted string", r)
			return false
		}
		// Count lines as the YAML scanner does, so positions agree.
		switch {
		case r == '\r' && i+1 < len(src) && src[i+1] == '\n':
			col++
		case r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			line, col = line+1, 1
		default:
			col += size
		}
		i += size
	}
	return true
}

// yamlChar reports whether YAML allows r in a stream (YAML 1.2, rule c-printable).
func yamlChar(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e, r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// document decodes src into doc. When the file as a whole is unusable
// (too large, not YAML, empty, several documents, not a mapping), doc.Set
// stays false and doc holds no values.
func (d *decoder) document(src []byte, doc *Syntax) {
	start := Pos{File: d.file, Line: 1, Col: 1}
	doc.Pos = start
	missing(reflect.ValueOf(doc).Elem(), "", start, false)
	if len(src) > MaxSize {
		d.errs.Add(start, "policy is larger than the limit of 16 MiB (%d bytes)", MaxSize)
		return
	}
	if !d.checkText(src) {
		return
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			d.errs.Add(start, "policy is empty")
		} else {
			d.yamlError(err, src)
		}
		return
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.yamlError(err, src)
		return
	default:
		p := d.pos(&next) // the "---" that starts the second document
		if p.Line == 0 && len(next.Content) > 0 {
			p = d.pos(next.Content[0])
		}
		p.Line, p.Col = max(p.Line, 1), max(p.Col, 1)
		d.errs.Add(p, "policy has more than one YAML document; want exactly one")
		return
	}
	n := &root
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) != 1 {
			d.errs.Add(start, "policy is empty")
			return
		}
		n = n.Content[0]
	}
	switch {
	case isNull(n) && n.Style&yaml.TaggedStyle == 0:
		d.errs.Add(start, "policy is empty")
		return
	case !d.checkNode(n, ""):
		return
	case n.Kind != yaml.MappingNode:
		d.errs.Add(d.pos(n), "policy: want a mapping of keys such as version and messages, got %s", describe(n))
		return
	}
	d.decode(n, reflect.ValueOf(doc).Elem(), "")
}

var nodeType = reflect.TypeFor[Node]()

// describe names the YAML type of n for error messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "boolean " + n.Value
	case "!!int":
		return "integer " + n.Value
	case "!!float":
		return "number " + n.Value
	case "!!str":
		return "string " + strconv.Quote(n.Value)
	case "!!timestamp":
		return "timestamp " + n.Value
	}
	return fmt.Sprintf("%s %q", n.ShortTag(), n.Value)
}

func join(key, sub string) string {
	if key == "" {
		return sub
	}
	return key + "." + sub
}

func (d *decoder) label(key string) string {
	if key == "" {
		return "policy"
	}
	return key
}

// checkNode reports anchors, aliases and custom tags, which a policy never
// needs and which would let a small file expand without bound.
func (d *decoder) checkNode(n *yaml.Node, key string) bool {
	if n.Kind == yaml.AliasNode {
		d.errs.Add(d.pos(n), "%s: YAML aliases are not supported in a policy; write the value out", d.label(key))
		return false
	}
	if n.Anchor != "" {
		d.errs.Add(d.pos(n), "%s: YAML anchors are not supported in a policy", d.label(key))
		return false
	}
	if n.Tag != "" && n.Style&yaml.TaggedStyle != 0 {
		d.errs.Add(d.pos(n), "%s: explicit YAML tags such as %s are not supported in a policy", d.label(key), n.Tag)
		return false
	}
	return true
}

// decode fills v, whose type is one of the decoding structs or leaves,
// from n.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, key string) {
	if !d.checkNode(n, key) {
		missing(v, key, d.pos(n), true)
		v.FieldByName("Node").Set(reflect.ValueOf(Node{Pos: d.pos(n), Key: key, Set: true, Bad: true}))
		return
	}
	node := Node{Pos: d.pos(n), Key: key, Set: true}
	before := len(d.errs)
	defer func() {
		if len(d.errs) > before {
			v.FieldByName("Node").FieldByName("Bad").SetBool(true)
		}
	}()
	switch p := v.Addr().Interface().(type) {
	case *String:
		p.Node = node
		if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!str" && n.ShortTag() != "!!null" {
			// YAML read the text as another type: quoting fixes it.
			d.errs.Add(node.Pos, "%s: want a string, got %s; write %q in quotes to use it as text", key, describe(n), n.Value)
			return
		}
		if s, ok := d.scalar(n, key, "!!str", "a string"); ok {
			p.Value = s
		}
	case *Int:
		p.Node = node
		if _, ok := d.scalar(n, key, "!!int", "a decimal integer"); !ok {
			return
		}
		if i, ok := d.decimal(n, key, "a decimal integer"); ok {
			p.Value = i
		}
	case *Bool:
		p.Node = node
		if s, ok := d.scalar(n, key, "!!bool", "true or false"); ok {
			p.Value = strings.EqualFold(s, "true")
		}
	case *Duration:
		p.Node = node
		d.duration(n, p)
	case *Switch:
		p.Node = node
		d.switchWord(n, p)
	case *Strings:
		p.Node = node
		d.strings(n, p)
	case *Time:
		p.Node = node
		d.time(n, p)
	case *Windows:
		p.Node = node
		d.windows(n, p)
	case *Messages:
		p.Node = node
		d.messages(n, p)
	default:
		if v.Kind() != reflect.Struct {
			panic(fmt.Sprintf("policy: no decoder for %s", v.Type()))
		}
		d.mapping(n, v, key, node)
	}
}

var decimalRE = regexp.MustCompile(`^[-+]?(0|[1-9][0-9]*)$`)

// decimal parses the !!int scalar n as a decimal integer. YAML also reads
// 0x1F7, 0o767 and 1_000 as integers, and 0767 as octal: these are
// refused, so that a value never means something other than it seems.
func (d *decoder) decimal(n *yaml.Node, key, want string) (int64, bool) {
	s := n.Value
	if !decimalRE.MatchString(s) {
		if t := strings.TrimLeft(strings.TrimLeft(s, "+-"), "0"); t != "" && strings.Trim(t, "0123456789") == "" {
			d.errs.Add(d.pos(n), "%s: %s has a leading zero, which YAML reads as octal: write %s", key, s, strings.TrimSuffix(s, strings.TrimLeft(s, "+-"))+t)
			return 0, false
		}
		d.errs.Add(d.pos(n), "%s: want %s, got %s", key, want, describe(n))
		return 0, false
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		d.errs.Add(d.pos(n), "%s: %s is out of range", key, s)
		return 0, false
	}
	return i, true
}

// scalar returns the value of n when it is a scalar with the wanted tag.
func (d *decoder) scalar(n *yaml.Node, key, tag, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != tag {
		d.errs.Add(d.pos(n), "%s: want %s, got %s", key, want, describe(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) duration(n *yaml.Node, p *Duration) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!int":
			p.Raw = n.Value
			s, ok := d.decimal(n, p.Key, "a duration such as 30s or whole seconds")
			if !ok {
				return
			}
			if s > int64(1<<63-1)/int64(time.Second) || s < -int64(1<<63-1)/int64(time.Second) {
				d.errs.Add(p.Pos, "%s: %s seconds is too long: want at most %d", p.Key, n.Value, int64(1<<63-1)/int64(time.Second))
				return
			}
			p.Value = time.Duration(s) * time.Second
			return
		case "!!str":
			p.Raw = n.Value
			v, err := time.ParseDuration(n.Value)
			if err != nil && decimalRE.MatchString(n.Value) {
				d.errs.Add(p.Pos, "%s: %q is a string: want whole seconds without quotes, such as %s, or a duration such as %ss", p.Key, n.Value, n.Value, n.Value)
				return
			}
			if err != nil {
				d.errs.Add(p.Pos, "%s: invalid duration %q: want a Go duration such as 30s, 2m or 1h30m, or whole seconds", p.Key, n.Value)
				return
			}
			p.Value = v
			return
		}
	}
	d.errs.Add(p.Pos, "%s: want a duration such as 30s or whole seconds, got %s", p.Key, describe(n))
}

func (d *decoder) switchWord(n *yaml.Node, p *Switch) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str", "!!bool", "!!int":
			if on, ok := statefile.ParseWord(n.Value); ok {
				p.On = on
				return
			}
		}
	}
	d.errs.Add(p.Pos, "%s: want on or off, got %s", p.Key, describe(n))
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func (d *decoder) strings(n *yaml.Node, p *Strings) {
	if isNull(n) {
		return // an empty "key:" is an empty list
	}
	if n.Kind != yaml.SequenceNode {
		d.errs.Add(p.Pos, "%s: want a sequence of strings, got %s", p.Key, describe(n))
		return
	}
	p.Items = make([]String, len(n.Content))
	for i, item := range n.Content {
		d.decode(item, reflect.ValueOf(&p.Items[i]).Elem(), fmt.Sprintf("%s[%d]", p.Key, i))
	}
}

// pairs checks that n is a mapping with string keys and no duplicates, and
// calls f for each key and value in order.
func (d *decoder) pairs(n *yaml.Node, key string, f func(k, v *yaml.Node)) {
	if isNull(n) {
		return // an empty "section:" is an empty section
	}
	if n.Kind != yaml.MappingNode {
		d.errs.Add(d.pos(n), "%s: want a mapping, got %s", d.label(key), describe(n))
		return
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !d.checkNode(k, key) {
			continue
		}
		if k.Kind != yaml.ScalarNode || (k.ShortTag() != "!!str" && k.ShortTag() != "!!int" && k.ShortTag() != "!!float" && k.ShortTag() != "!!bool") {
			d.errs.Add(d.pos(k), "%s: want a string key, got %s", d.label(key), describe(k))
			continue
		}
		if first, ok := seen[k.Value]; ok {
			d.errs.Add(d.pos(k), "%s: duplicate key %q (first at line %d)", d.label(key), k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		f(k, v)
	}
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, key string, node Node) {
	t := v.Type()
	if f, ok := t.FieldByName("Node"); ok && f.Type == nodeType {
		v.FieldByIndex(f.Index).Set(reflect.ValueOf(node))
	}
	before := len(d.errs)
	d.pairs(n, key, func(k, val *yaml.Node) {
		if d.keyPos == nil {
			d.keyPos = map[string]Pos{}
		}
		d.keyPos[join(key, k.Value)] = d.pos(k)
		i := fieldIndex(t, k.Value)
		if why, ok := forbiddenKeys[join(key, k.Value)]; ok && i < 0 {
			d.errs.Add(d.pos(k), "%s: %s", join(key, k.Value), why)
			return
		}
		if i < 0 {
			d.errs.Add(d.pos(k), "%s: unknown key %q (want %s)", d.label(key), k.Value, keyList(t))
			return
		}
		d.decode(val, v.Field(i), join(key, k.Value))
	})
	// Missing keys get the position of their section's key, for messages
	// such as "output.go is required" at output:. When the section is not
	// a mapping, its keys are marked Bad: they are not missing, the
	// section is wrong.
	notMapping := len(d.errs) > before && n.Kind != yaml.MappingNode
	at := node.Pos
	if p, ok := d.keyPos[key]; ok {
		at = p
	}
	missing(v, key, at, notMapping)
}

// missing fills the Node of every key of the section v that the file did
// not set, recursively: Pos is pos, the position of the nearest value
// present in the file, and Key is the dotted key path. bad marks them Bad,
// for the keys of a section that is present but could not be decoded, so
// that Compile reports neither them nor their absence.
func missing(v reflect.Value, key string, pos Pos, bad bool) {
	t := v.Type()
	for i := range t.NumField() {
		k := t.Field(i).Tag.Get("yaml")
		if k == "" {
			continue
		}
		fv := v.Field(i)
		nf := fv.FieldByName("Node")
		if nf.FieldByName("Set").Bool() {
			continue
		}
		nf.Set(reflect.ValueOf(Node{Pos: pos, Key: join(key, k), Bad: bad}))
		if fv.Kind() == reflect.Struct {
			missing(fv, join(key, k), pos, bad)
		}
	}
}

// forbiddenKeys are keys that a policy must never hold, with the reason.
// They are refused with that reason rather than as unknown keys.
var forbiddenKeys = map[string]string{
	"bypass.secret": "a secret must never be written in the policy, which is committed and reviewed: put it in an environment variable and name that variable in bypass.secret_env",
}

// time decodes an RFC 3339 date and time with a UTC offset. YAML reads
// such a value unquoted as a timestamp, quoted as a string: both are
// accepted, and the text is parsed as written.
func (d *decoder) time(n *yaml.Node, p *Time) {
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!timestamp" || n.ShortTag() == "!!str") {
		p.Raw = n.Value
		v, err := time.Parse(time.RFC3339, n.Value)
		if err == nil {
			p.Value = v
			return
		}
		d.errs.Add(p.Pos, "%s: %q is not an RFC 3339 date and time: want a time with a UTC offset, such as 2026-03-01T02:00:00Z or 2026-03-01T03:00:00+01:00", p.Key, n.Value)
		return
	}
	d.errs.Add(p.Pos, "%s: want an RFC 3339 date and time such as 2026-03-01T02:00:00Z, got %s", p.Key, describe(n))
}

func (d *decoder) windows(n *yaml.Node, p *Windows) {
	if isNull(n) {
		return // an empty "schedule:" is an empty list
	}
	if n.Kind != yaml.SequenceNode {
		d.errs.Add(p.Pos, "%s: want a sequence of windows such as {start: 2026-03-01T02:00:00Z, end: 2026-03-01T04:00:00Z}, got %s", p.Key, describe(n))
		return
	}
	p.Items = make([]WindowSyntax, len(n.Content))
	for i, item := range n.Content {
		d.decode(item, reflect.ValueOf(&p.Items[i]).Elem(), fmt.Sprintf("%s[%d]", p.Key, i))
	}
}

func (d *decoder) messages(n *yaml.Node, p *Messages) {
	d.pairs(n, p.Key, func(k, v *yaml.Node) {
		var e MessageEntry
		e.Tag = String{Node: Node{Pos: d.pos(k), Key: p.Key, Set: true}, Value: k.Value}
		if k.ShortTag() != "!!str" {
			d.errs.Add(d.pos(k), "%s: want a locale tag such as en or pt-BR as the key, got %s", p.Key, describe(k))
			e.Tag.Bad = true
		}
		d.decode(v, reflect.ValueOf(&e.Message).Elem(), p.Key+"."+k.Value)
		p.Entries = append(p.Entries, e)
	})
}

// fieldIndex returns the index of the field of t whose yaml tag is name, or -1.
func fieldIndex(t reflect.Type, name string) int {
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("yaml") == name {
			return i
		}
	}
	return -1
}

// Keys returns the yaml keys of the decoding struct t, in declaration order.
func Keys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if k := t.Field(i).Tag.Get("yaml"); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func keyList(t reflect.Type) string {
	keys := Keys(t)
	switch len(keys) {
	case 0:
		return "no keys"
	case 1:
		return keys[0]
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " or " + keys[len(keys)-1]
}
