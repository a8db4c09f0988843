//go:build !maintgen_exempt_tests

// exempt.tests, off: the policy does not set it.

package maintenance

func underTest() bool { return false }
