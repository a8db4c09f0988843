//go:build maintgen_no_locales

// Locale negotiation, off: the policy has one locale.

package maintenance

func negotiateLocale(lines []string) int { return defaultLocale }
