//go:build maintgen_no_negotiate

// Negotiation, off: response.format is html or json, and the policy has
// one locale.

package maintenance

func preferJSON(lines []string) bool { return false }
