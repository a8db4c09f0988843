//go:build !race

package difftest

// Race reports whether the race detector is on. Tests of sequential code
// that it slows severalfold skip themselves under it, and make test runs
// them again without it.
const Race = false
