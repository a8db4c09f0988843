// Package schema holds the JSON Schema (2020-12) of policy.yaml, schema
// version 1, for editors: "maintgen schema" prints it, and "maintgen
// init" writes it next to a new policy, whose yaml-language-server
// modeline points at it. internal/policy's tests hold it to the decoder's
// keys.
package schema

import _ "embed"

// JSON is the schema, as policy.schema.json holds it.
//
//go:embed policy.schema.json
var JSON []byte

// FileName is the name "maintgen init" writes the schema under, next to
// the policy.
const FileName = "policy.schema.json"
