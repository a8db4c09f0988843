// Package policy is maintgen's configuration: it reads a policy file
// (policy.yaml) and turns it into a validated model, and nothing more. It
// is the first two stages of the pipeline:
//
//  1. decode: Decode reads the YAML strictly into a Syntax, the syntax
//     tree of the file as written, every value with its position;
//  2. validate: Compile checks the values, gathering every error sorted
//     by position (ErrorList), and builds the Policy, the model that the
//     later stages read. Parse does both.
//
// The later stages each live in a package of their own: internal/gen
// compiles the policy's tables and prints the Go middleware,
// internal/render renders the pages, internal/proxyconf writes the nginx
// and HAProxy files, internal/build runs them all in memory, and
// internal/cli writes the files. internal/interp is the reference
// interpreter of the model: what the generated middleware decides.
package policy
