// Package routers holds the recipes of the README's "Using maintgen with
// your router": one function per router setup, each returning the app's
// handler with the generated maintenance guard (package maintenance,
// compiled from policy.yaml) wrapped around the router, outermost.
//
// Every router has the same routes, as a real app would: exempt routes
// (/healthz and /static/...), forced routes (/checkout/... and /pay),
// parameter routes (/{page}, /blog/{slug}, /{tenant}/orders,
// /{tenant}/...) and a catch-all. Each handler names itself in the
// X-Route response header, so that the conformance suite
// (conformance_test.go) can tell which route ran for every request
// target, with the mode on and off. TestDocsGoBlocks (docs_test.go)
// compiles the Go blocks of the README and docs/, marked
// <!-- docs: go-... -->, against the same routers and guard.
//
// Run the suite with "go test ./..." in this directory: the whole corpus,
// about 58,000 request targets through 13 setups, mode on and off. Under
// the race detector, as make test runs it ("go test -race ./..."), a
// deterministic quarter of the corpus runs, and the whole of it with
// MAINTGEN_CONFORMANCE=full.
//
// The recipes live in a module of their own so that chi, echo, gin and
// gorilla/mux never enter the dependency graph of apps that install
// maintgen. Regenerate the guard after editing policy.yaml, or after a
// change to maintgen's runtime, with go generate.
package routers

//go:generate go tool maintgen generate
