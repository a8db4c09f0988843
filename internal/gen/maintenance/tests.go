//go:build maintgen_exempt_tests

// exempt.tests: every request passes while the program is a test binary.

package maintenance

// testing is imported for exempt.tests alone: other generated files must
// not import it.
import "testing"

// underTest reports whether exempt.tests lets every request through: the
// policy sets it, and the program is a test binary.
func underTest() bool { return testing.Testing() }
