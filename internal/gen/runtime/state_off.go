//go:build maintgen_no_state

// The state section, off: the policy has none.

package maintenance

// readEnv reports false: there is no env var.
func (g *Guard) readEnv() bool { return false }
