package policy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/maintgen/maintgen/internal/policy"
)

// schemaFile is the JSON Schema of the policy, which editors use through
// policy.yaml.example's yaml-language-server line.
const schemaFile = "../../schema/policy.schema.json"

// compileSchema compiles the schema with a maintained draft 2020-12
// validator, which also checks it against the draft's meta-schema.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	if m, _ := doc.(map[string]any); m["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Fatalf("%s: $schema is %v, want draft 2020-12", schemaFile, m["$schema"])
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("policy.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("policy.schema.json")
	if err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	return sch
}

// instance turns a YAML policy into the JSON value the schema validates,
// as an editor's YAML language server does.
func instance(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// policyFiles returns every policy the repository ships: each golden
// case's policy.yaml and old.yaml, the example, and the example app's.
func policyFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"../../policy.yaml.example", "../../examples/app/policy.yaml"}
	for _, pattern := range []string{"../../golden/*/policy.yaml", "../../golden/*/old.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	slices.Sort(files)
	return files
}

// TestSchemaAcceptsPolicies validates every policy the repository ships
// that maintgen accepts against the schema. (Policies that maintgen
// rejects for values the schema cannot check, such as a broken template,
// are left out.)
func TestSchemaAcceptsPolicies(t *testing.T) {
	sch := compileSchema(t)
	valid := 0
	for _, name := range policyFiles(t) {
		t.Run(strings.TrimPrefix(name, "../../"), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := policy.Parse(name, src); err != nil {
				t.Skipf("maintgen rejects this policy: %v", err)
			}
			valid++
			if err := sch.Validate(instance(t, src)); err != nil {
				t.Errorf("maintgen accepts %s but the schema does not:\n%v", name, err)
			}
		})
	}
	if valid < 5 {
		t.Errorf("only %d valid policies found; the globs are wrong", valid)
	}
}

// TestSchemaRejects checks that the schema refuses mistakes that maintgen
// refuses too, so that editors flag them before CI does.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	const valid = "version: 1\noutput: {go: m/m_gen.go, pages: public}\ndefault_locale: en\nmessages:\n  en: {title: T, heading: H, body: B}\n"
	tests := []struct{ name, src string }{
		{"unknown top-level key", valid + "exempts: {paths: [/x]}\n"},
		{"unknown exempt key", valid + "exempt: {role: [staff]}\n"},
		{"unknown output key", strings.Replace(valid, "pages: public", "pages: public, static: x", 1)},
		{"unknown message key", strings.Replace(valid, "body: B", "body: B, footer: F", 1)},
		{"missing version", strings.Replace(valid, "version: 1\n", "", 1)},
		{"version 2", strings.Replace(valid, "version: 1", "version: 2", 1)},
		{"missing output.pages", strings.Replace(valid, ", pages: public", "", 1)},
		{"output.go not .go", strings.Replace(valid, "m/m_gen.go", "m/m_gen.txt", 1)},
		{"missing messages", valid[:strings.Index(valid, "messages:")]},
		{"empty messages", valid[:strings.Index(valid, "messages:")] + "messages: {}\n"},
		{"message without body", strings.Replace(valid, ", body: B", "", 1)},
		{"blank title", strings.Replace(valid, "title: T", "title: \" \"", 1)},
		{"bad locale tag", strings.Replace(valid, "  en:", "  en_US:", 1)},
		{"status as string", valid + "response: {status: \"503\"}\n"},
		{"status out of range", valid + "response: {status: 302}\n"},
		{"unknown format", valid + "response: {format: xml}\n"},
		{"duration word", valid + "response: {retry_after: soon}\n"},
		{"negative seconds", valid + "response: {retry_after: -5}\n"},
		{"path without slash", valid + "exempt: {paths: [healthz]}\n"},
		{"paths not a list", valid + "exempt: {paths: /healthz}\n"},
		{"address word", valid + "exempt: {ips: [localhost]}\n"},
		{"state without env or file", valid + "state: {poll: 2s}\n"},
		{"empty state", valid + "state:\n"},
		{"fallback word", valid + "state: {file: m.state, fallback: maybe}\n"},
		{"env name", valid + "state: {env: MAINTENANCE-MODE}\n"},
		{"redirect to another host", valid + "response: {redirect: //evil.example}\n"},
		{"role with spaces", valid + "exempt: {roles: [\" staff\"]}\n"},
		{"bypass secret in the policy", valid + "bypass: {secret_env: B, secret: hunter2hunter2hunter2}\n"},
		{"bypass without secret_env", valid + "bypass: {ttl: 1h}\n"},
		{"bypass path with a trailing slash", valid + "bypass: {secret_env: B, path: /b/}\n"},
		{"insecure_cookie word", valid + "bypass: {secret_env: B, insecure_cookie: yes}\n"},
		{"toggle for anonymous", valid + "toggle: {roles: [anonymous]}\n"},
		{"toggle without roles", valid + "toggle: {roles: []}\n"},
		{"window without end", valid + "schedule: [{start: 2030-03-01T02:00:00Z}]\n"},
		{"window date only", valid + "schedule: [{start: \"2030-03-01\", end: \"2030-03-02\"}]\n"},
		{"window unknown key", valid + "schedule: [{start: 2030-03-01T02:00:00Z, end: 2030-03-01T03:00:00Z, note: x}]\n"},
		{"cookie name with a space", valid + "response: {clear_cookies: [\"a b\"]}\n"},
		{"tests word", valid + "exempt: {tests: yes}\n"},
		{"secret in the policy", valid + "bypass: {secret_env: S, secret: hunter2}\n"},
		{"bypass without secret_env", valid + "bypass: {ttl: 1h}\n"},
		{"toggle for anonymous", valid + "toggle: {roles: [anonymous]}\n"},
		{"window without end", valid + "schedule: [{start: 2026-03-01T02:00:00Z}]\n"},
		{"window time without offset", valid + "schedule: [{start: \"2026-03-01 02:00\", end: 2026-03-01T04:00:00Z}]\n"},
		{"cookie name", valid + "response: {clear_cookies: [\"a b\"]}\n"},
		{"tests as a word", valid + "exempt: {tests: sometimes}\n"},
	}
	if err := sch.Validate(instance(t, []byte(valid))); err != nil {
		t.Fatalf("the base policy is invalid: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := policy.Parse("p.yaml", []byte(tt.src)); err == nil {
				t.Fatalf("maintgen accepts the policy; the test is wrong:\n%s", tt.src)
			}
			err := sch.Validate(instance(t, []byte(tt.src)))
			var verr *jsonschema.ValidationError
			if !errors.As(err, &verr) {
				t.Errorf("the schema accepts a policy maintgen rejects (err %v):\n%s", err, tt.src)
			}
		})
	}
}

// TestSchemaAcceptsEveryKey validates a policy that sets every key.
func TestSchemaAcceptsEveryKey(t *testing.T) {
	src := []byte(`version: 1
package: maintenance
output: {go: m/m_gen.go, pages: public, nginx: deploy/nginx.conf, haproxy: deploy/503.http}
state: {env: MAINTENANCE_MODE, file: maintenance.state, poll: 2s, fallback: off}
exempt: {paths: [/healthz, /admin/, "re:^/v[0-9]+/ready$"], ips: [127.0.0.1, 10.0.0.0/8, "2001:db8::/32"], roles: [staff], tests: true}
force: {paths: [/checkout/]}
proxies: [10.1.0.0/16]
response: {status: 503, retry_after: 1h, format: auto, json_paths: [/api/], redirect: "", template: "", refresh: 30, clear_cookies: [sessionid]}
schedule:
  - {start: 2026-03-01T02:00:00Z, end: 2026-03-01T04:00:00Z}
  - {start: "2026-04-01T02:00:00+02:00", end: "2026-04-01T03:00:00+02:00"}
announce: 24h
bypass: {secret_env: MAINTENANCE_BYPASS_SECRET, path: /maintenance-bypass, ttl: 12h, insecure_cookie: false}
toggle: {roles: [superuser]}
default_locale: en
messages:
  en: {title: T, heading: H, body: B}
  pt-BR: {title: T, heading: H, body: B}
`)
	if _, err := policy.Parse("every.yaml", src); err != nil {
		t.Fatalf("maintgen rejects the policy; the test is wrong: %v", err)
	}
	if err := compileSchema(t).Validate(instance(t, src)); err != nil {
		t.Errorf("the schema rejects a policy that sets every key:\n%v", err)
	}
}

// TestSchemaMatchesDecoder checks, by reflection, that the schema and the
// decoding structs (whose yaml tags are the keys) have exactly the same
// keys at every level, and that each key's JSON types fit its Go type:
// neither can change without the other.
func TestSchemaMatchesDecoder(t *testing.T) {
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	w := &schemaWalker{t: t, root: root}
	w.walk("policy", reflect.TypeFor[policy.Syntax](), root)
	if w.keys < 30 {
		t.Errorf("only %d keys compared; the walk is broken", w.keys)
	}
}

type schemaWalker struct {
	t    *testing.T
	root map[string]any
	keys int
}

// resolve follows a local $ref ("#/$defs/NAME").
func (w *schemaWalker) resolve(where string, s map[string]any) map[string]any {
	ref, ok := s["$ref"].(string)
	if !ok {
		return s
	}
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	defs, _ := w.root["$defs"].(map[string]any)
	target, found := defs[name].(map[string]any)
	if !ok || !found {
		w.t.Fatalf("%s: unresolvable $ref %q", where, ref)
	}
	return w.resolve(where, target)
}

// types returns the JSON types s accepts, "null" left out: from type,
// from enum or const values, or from the alternatives of anyOf or oneOf.
func (w *schemaWalker) types(where string, s map[string]any) []string {
	s = w.resolve(where, s)
	var out []string
	add := func(typ string) {
		if typ != "null" && !slices.Contains(out, typ) {
			out = append(out, typ)
		}
	}
	switch typ := s["type"].(type) {
	case string:
		add(typ)
	case []any:
		for _, x := range typ {
			add(x.(string))
		}
	}
	values, _ := s["enum"].([]any)
	if c, ok := s["const"]; ok {
		values = append(values, c)
	}
	for _, v := range values {
		switch v := v.(type) {
		case string:
			add("string")
		case bool:
			add("boolean")
		case float64:
			if v == float64(int64(v)) {
				add("integer")
			} else {
				add("number")
			}
		}
	}
	if _, ok := s["type"]; !ok {
		for _, k := range []string{"anyOf", "oneOf"} {
			alts, _ := s[k].([]any)
			for _, alt := range alts {
				for _, typ := range w.types(where, alt.(map[string]any)) {
					add(typ)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// leafTypes are the JSON types of each scalar decoding type, as its
// decoder accepts them.
var leafTypes = map[reflect.Type][]string{
	reflect.TypeFor[policy.String]():   {"string"},
	reflect.TypeFor[policy.Int]():      {"integer"},
	reflect.TypeFor[policy.Bool]():     {"boolean"},
	reflect.TypeFor[policy.Duration](): {"integer", "string"},
	reflect.TypeFor[policy.Switch]():   {"boolean", "integer", "string"},
	reflect.TypeFor[policy.Time]():     {"string"}, // a YAML timestamp is a string in JSON
}

func (w *schemaWalker) walk(where string, typ reflect.Type, s map[string]any) {
	w.t.Helper()
	s = w.resolve(where, s)
	if want, ok := leafTypes[typ]; ok {
		if got := w.types(where, s); !slices.Equal(got, want) {
			w.t.Errorf("%s: the schema accepts %q, the decoder (%s) %q", where, got, typ, want)
		}
		return
	}
	switch {
	case typ == reflect.TypeFor[policy.Messages]():
		if got := w.types(where, s); !slices.Equal(got, []string{"object"}) {
			w.t.Errorf("%s: the schema accepts %q, want an object of locales", where, got)
		}
		if _, ok := s["propertyNames"]; !ok {
			w.t.Errorf("%s: the schema does not constrain the locale tags (propertyNames)", where)
		}
		msg, ok := s["additionalProperties"].(map[string]any)
		if !ok {
			w.t.Fatalf("%s: the schema has no schema for a locale's messages (additionalProperties)", where)
		}
		w.walk(where+".LOCALE", reflect.TypeFor[policy.MessageSyntax](), msg)
	case len(policy.Keys(typ)) > 0:
		w.object(where, typ, s)
	case hasItems(typ):
		if got := w.types(where, s); !slices.Equal(got, []string{"array"}) {
			w.t.Errorf("%s: the schema accepts %q, the decoder (%s) a sequence", where, got, typ)
		}
		items, ok := s["items"].(map[string]any)
		if !ok {
			w.t.Fatalf("%s: the schema does not describe the items", where)
		}
		f, _ := typ.FieldByName("Items")
		w.walk(where+"[]", f.Type.Elem(), items)
	default:
		w.t.Errorf("%s: the decoding type %s is neither a section, a sequence nor a known scalar: teach TestSchemaMatchesDecoder its JSON types", where, typ)
	}
}

func hasItems(typ reflect.Type) bool {
	f, ok := typ.FieldByName("Items")
	return ok && f.Type.Kind() == reflect.Slice
}

// object compares a section's keys with the schema's properties.
func (w *schemaWalker) object(where string, typ reflect.Type, s map[string]any) {
	if got := w.types(where, s); !slices.Equal(got, []string{"object"}) {
		w.t.Errorf("%s: the schema accepts %q, the decoder a mapping", where, got)
	}
	if s["additionalProperties"] != false {
		w.t.Errorf("%s: the schema allows unknown keys (want \"additionalProperties\": false), which the decoder refuses", where)
	}
	props, _ := s["properties"].(map[string]any)
	keys := policy.Keys(typ)
	var schemaKeys []string
	for k := range props {
		schemaKeys = append(schemaKeys, k)
	}
	slices.Sort(schemaKeys)
	for _, k := range schemaKeys {
		if !slices.Contains(keys, k) {
			w.t.Errorf("%s: the schema has the key %q, which the decoder (%s) does not: remove it from %s", where, k, typ, schemaFile)
		}
	}
	for _, k := range keys {
		sub, ok := props[k].(map[string]any)
		if !ok {
			w.t.Errorf("%s: the decoder (%s) has the key %q, which the schema does not: add it to %s", where, typ, k, schemaFile)
			continue
		}
		w.keys++
		for i := range typ.NumField() {
			if f := typ.Field(i); f.Tag.Get("yaml") == k {
				w.walk(where+"."+k, f.Type, sub)
			}
		}
	}
}
