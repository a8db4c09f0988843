// Package fuzzdiff fuzzes generated guards against the reference
// interpreter (interp.Evaluate), in process: its subpackages are the
// guards generated from several golden policies, and FuzzDifferential
// feeds random requests to a guard and to the interpreter and requires the
// same decision.
//
// The guard of golden case C lives in C/NAME/, NAME being its package
// name, and its Go file is the case's golden Go output, not a copy: the
// case's folder holds a symbolic link to it where the output would be
// (golden/full/maintenance/maintenance_gen.go.golden links to
// full/maintenance/maintenance_gen.go here). So the Source line of its
// header is relative to that link. TestGolden (internal/cli) keeps the
// files up to date and make golden rewrites them, as does go generate
// here; TestGoldenLinks checks the links.
package fuzzdiff

//go:generate go test ../cli -run ^TestGolden$/^(full|redirect|roles|json-only|multilocale-rtl)$ -update

// Cases are the golden cases whose guards are fuzzed. Their order is the
// meaning of the fuzz corpus' first argument (testdata/fuzz): append, do
// not reorder.
var Cases = []string{"full", "redirect", "roles", "json-only", "multilocale-rtl"}
