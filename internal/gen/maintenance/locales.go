//go:build !maintgen_no_locales

// Locale negotiation: the policy has several locales.

package maintenance

import "strings"

// negotiateLocale returns the index of the locale for the Accept-Language
// lines: of the ranges that find a locale, the one with the highest q,
// the earliest on a tie. q=0 ranges and ranges with a malformed q are
// dropped. With none, it is the default locale.
func negotiateLocale(lines []string) int {
	best, bestQ := defaultLocale, 0
	for _, line := range lines {
		for rest := line; rest != ""; {
			var elem string
			elem, rest, _ = strings.Cut(rest, ",")
			rng, params, _ := strings.Cut(elem, ";")
			rng = strings.Trim(rng, " \t")
			q, ok := qParam(params)
			if !ok || q == 0 || q <= bestQ || rng == "" {
				continue
			}
			if i := findLocale(rng); i >= 0 {
				best, bestQ = i, q
			}
		}
	}
	return best
}

// findLocale looks up a language range among the locales: one equal to
// the range, then one equal to its language subtag (fr-CA finds fr), then
// one whose language subtag equals the range (pt finds pt-BR); any case.
func findLocale(rng string) int {
	for i := range locales {
		if strings.EqualFold(locales[i].tag, rng) {
			return i
		}
	}
	if lang, _, ok := strings.Cut(rng, "-"); ok {
		for i := range locales {
			if strings.EqualFold(locales[i].tag, lang) {
				return i
			}
		}
	}
	for i := range locales {
		if strings.EqualFold(locales[i].lang, rng) {
			return i
		}
	}
	return -1
}
