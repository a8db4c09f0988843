// Command maintgen compiles a maintenance policy (policy.yaml) into static
// maintenance pages and a net/http middleware that imports only the
// standard library.
//
// Usage:
//
//	maintgen generate [-policy FILE] [-out DIR] [-v]
//	maintgen validate [-policy FILE] [-strict] [-format text|github]
//	maintgen check [-policy FILE] [-out DIR] [-format text|github]
//	maintgen diff [-format text|markdown|github] [-fail-on-risk] OLD NEW
//	maintgen diff -base REV [-format text|markdown|github] [-fail-on-risk] [FILE]
//	maintgen explain [-policy FILE] [-format text|markdown]
//	maintgen try [-policy FILE] -path P [-ip ADDR] [-xff LIST] [-role R]... [-accept A] [-lang L] [-cookie C] [-now TIME] [-state on|off]
//	maintgen on [-policy FILE] [-for DURATION | -until RFC3339]
//	maintgen off [-policy FILE]
//	maintgen status [-policy FILE]
//	maintgen version
//
// Install it as a Go tool, and run it from go generate:
//
//	go get -tool github.com/maintgen/maintgen/cmd/maintgen
//
//	//go:generate go tool maintgen generate
//
// In CI, "go tool maintgen check" fails when a generated file is stale or
// was edited by hand.
//
// Exit codes: 0 success, 1 policy error, 2 usage error.
package main

import (
	"os"

	"github.com/maintgen/maintgen/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
