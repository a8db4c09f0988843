//go:build !maintgen_no_negotiate

// Negotiation: the format from Accept (response.format auto) and the
// locale from Accept-Language (several locales).

package maintenance

import "strings"

// preferJSON reports whether the Accept lines prefer application/json or
// application/problem+json over text/html, each type getting the q of its
// most specific range (RFC 9110, 12.5.1); a bad q skips a range; ties: HTML.
func preferJSON(lines []string) bool {
	var html, json, problem qmatch
	for _, line := range lines {
		for rest := line; rest != ""; {
			var elem string
			elem, rest, _ = strings.Cut(rest, ",")
			typ, sub, q, ok := parseMediaRange(elem)
			if !ok {
				continue
			}
			switch {
			case typ == "*" && sub == "*":
				html.offer(0, q)
				json.offer(0, q)
				problem.offer(0, q)
			case strings.EqualFold(typ, "text"):
				if sub == "*" {
					html.offer(1, q)
				} else if strings.EqualFold(sub, "html") {
					html.offer(2, q)
				}
			case strings.EqualFold(typ, "application"):
				if sub == "*" {
					json.offer(1, q)
					problem.offer(1, q)
				} else if strings.EqualFold(sub, "json") {
					json.offer(2, q)
				} else if strings.EqualFold(sub, "problem+json") {
					problem.offer(2, q)
				}
			}
		}
	}
	return max(json.q, problem.q) > html.q
}

// qmatch is the most specific media range seen for one type (0 for */*, 1
// for type/*, 2 for type/subtype); the first of equal ones wins.
type qmatch struct {
	spec int
	set  bool
	q    int // thousandths
}

func (m *qmatch) offer(spec, q int) {
	if !m.set || spec > m.spec {
		m.spec, m.set, m.q = spec, true, q
	}
}

// parseMediaRange parses "type/subtype;params" and its q-value.
func parseMediaRange(s string) (typ, sub string, q int, ok bool) {
	mt, params, _ := strings.Cut(s, ";")
	mt = strings.Trim(mt, " \t")
	typ, sub, ok = strings.Cut(mt, "/")
	if !ok || typ == "" || sub == "" {
		return "", "", 0, false
	}
	q, ok = qParam(params)
	return typ, sub, q, ok
}

// qParam finds the q parameter among ";"-separated parameters and parses
// it: 1000 when absent.
func qParam(params string) (int, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, value, _ := strings.Cut(strings.Trim(p, " \t"), "=")
		if strings.EqualFold(strings.Trim(name, " \t"), "q") {
			return parseQ(strings.Trim(value, " \t"))
		}
	}
	return 1000, true
}

// parseQ parses an RFC 9110 qvalue ("0", "0.5", "1.000") in thousandths.
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return q, true
	}
	if s[1] != '.' {
		return 0, false
	}
	scale := 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}
