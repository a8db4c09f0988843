//go:build maintgen_no_state

// The state section, off: the policy has none.

package maintenance

func (g *Guard) readEnv() bool { return false }
