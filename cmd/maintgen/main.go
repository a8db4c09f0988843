// Command maintgen compiles a maintenance policy (policy.yaml) into static
// maintenance pages and a net/http middleware that imports only the
// standard library.
//
// Usage:
//
//	maintgen generate [-policy FILE] [-out DIR] [-v]
//	maintgen validate [-policy FILE]
//	maintgen version
//
// Run it from go generate:
//
//	//go:generate go tool maintgen generate
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
