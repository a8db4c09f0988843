//go:build !maintgen_exempt_tests

// exempt.tests, off: the policy does not set it.

package maintenance

// underTest reports false: the policy does not set exempt.tests.
func underTest() bool { return false }
