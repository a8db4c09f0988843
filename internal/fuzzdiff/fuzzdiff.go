// Package fuzzdiff fuzzes generated guards against the reference
// interpreter (interp.Evaluate), in process: its subpackages are the
// guards generated from several golden policies, and FuzzDifferential
// feeds random requests to a guard and to the interpreter and requires the
// same decision.
//
// The subpackages are generated (TestGuardsUpToDate keeps them in step with
// golden/; go generate ./internal/fuzzdiff rewrites them).
package fuzzdiff

//go:generate go test -run TestGuardsUpToDate -update

// Cases are the golden cases whose guards are fuzzed, with the
// subpackage each is generated into.
var Cases = []struct{ Golden, Dir string }{
	{"full", "full"},
	{"redirect", "redirect"},
	{"roles", "roles"},
	{"json-only", "jsononly"},
	{"multilocale-rtl", "multilocale"},
}
