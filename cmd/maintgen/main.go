// Maintgen compiles a maintenance policy (policy.yaml) into static
// maintenance pages and a net/http middleware that imports only the
// standard library.
//
// Usage:
//
//	maintgen init [FILE]
//	maintgen generate [-out DIR] [-v] [FILE]
//	maintgen validate [-strict] [-format text|github] [FILE]
//	maintgen check [-out DIR] [-format text|github] [FILE]
//	maintgen diff [-format text|markdown|github] [-fail-on-risk] OLD NEW
//	maintgen diff -base REV [-format text|markdown|github] [-fail-on-risk] [FILE]
//	maintgen explain [-format text|markdown] [FILE]
//	maintgen try -path P [-ip ADDR] [-xff LIST] [-role R]... [-client-ip ADDR|none] [-accept A] [-lang L] [-cookie C] [-now TIME] [-state on|off|read-only] [-method M] [FILE]
//	maintgen preview [-addr HOST:PORT] [FILE]
//	maintgen on [-read-only] [-at TIME] [-for DURATION | -until TIME] [-reason TEXT] [FILE]
//	maintgen off [FILE]
//	maintgen status [FILE]
//	maintgen schema
//	maintgen version
//
// The commands are:
//
//	init      write a starter policy.yaml and its JSON Schema, and say what next
//	generate  write the Go middleware, the pages and the proxy configurations
//	validate  report the policy's errors, then its lint warnings
//	check     fail when a generated file is stale, missing or edited by hand
//	diff      compare two versions of a policy by meaning, with the risks
//	explain   describe the whole policy in plain words
//	try       show how the policy decides one request, step by step
//	preview   serve the pages on a local web server while you edit them
//	on        switch the maintenance mode on, in the state file
//	off       switch the maintenance mode off, in the state file
//	status    show whether the mode is on, and what decides it
//	schema    print the JSON Schema of policy.yaml, for editors
//	version   print maintgen's version
//
// Run "maintgen COMMAND -h" for a command's flags. FILE is the policy
// (-policy FILE says the same), and flags may come before or after it.
// Without one, a command reads policy.yaml in the current directory or, as
// go finds go.mod, in the nearest directory above it up to the module root,
// and says which file it read when that is not ./policy.yaml.
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
// Exit codes: 0 success, 1 policy error, 2 usage error. maintgen try exits
// 0 when the guard passes the request to the app and 3 when it answers the
// request itself (the maintenance response, a redirect or the bypass link).
package main

import (
	"os"

	"github.com/maintgen/maintgen/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
