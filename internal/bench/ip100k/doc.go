// Package ip100k is the 100,000-rule benchmark guard. Its generated file,
// guard_gen.go (about 100,000 lines), is not committed: make bench
// generates it, and the benchmarks that use it build only with the tag
// ip100k. This file keeps the package, so that go mod tidy resolves the
// tagged benchmark's import without it.
package ip100k
