package policy

import "time"

// This file holds the syntax tree, Syntax: the policy file's schema, key
// for key. Decode fills them from the YAML node tree, strictly: a key that has
// no field here is an error, at every level. The yaml tags are the key
// names; the JSON Schema in schema/ must list exactly the same keys.

// Node is what every decoded value records about itself.
type Node struct {
	Pos Pos    // position of the value (for a missing key: of the nearest value present)
	Key string // dotted key path, such as "exempt.ips[2]"
	Set bool   // the key was present in the file
	Bad bool   // the value, or the section holding it, was present but could not be decoded
}

// String is a YAML string scalar.
type String struct {
	Node
	Value string
}

// Int is a YAML integer scalar, written in decimal.
type Int struct {
	Node
	Value int64
}

// Bool is a YAML boolean scalar: true or false.
type Bool struct {
	Node
	Value bool
}

// Duration is a Go duration string such as "90s" or "1h30m", or an integer
// number of seconds.
type Duration struct {
	Node
	Value time.Duration
	Raw   string // as written
}

// Switch is an on/off word: on, off, 1, 0, true or false, in any case
// (statefile.ParseWord).
type Switch struct {
	Node
	On bool
}

// Strings is a YAML sequence of strings.
type Strings struct {
	Node
	Items []String
}

// Time is an RFC 3339 date and time with a UTC offset, such as
// 2026-03-01T02:00:00Z, quoted or not (YAML reads it unquoted as a
// timestamp).
type Time struct {
	Node
	Value time.Time
	Raw   string // as written
}

// Windows is a YAML sequence of maintenance windows.
type Windows struct {
	Node
	Items []WindowSyntax
}

// WindowSyntax is one maintenance window of the schedule: [start, end).
type WindowSyntax struct {
	Node
	Start Time `yaml:"start"`
	End   Time `yaml:"end"`
}

// Syntax is the syntax tree of a policy file: the file as written (schema
// version 1), every value with its position, for error messages. Compile
// turns it into a Policy.
type Syntax struct {
	Node
	Version       Int            `yaml:"version"`
	Package       String         `yaml:"package"`
	Output        OutputSyntax   `yaml:"output"`
	State         StateSyntax    `yaml:"state"`
	Exempt        ExemptSyntax   `yaml:"exempt"`
	Force         ForceSyntax    `yaml:"force"`
	Proxies       Strings        `yaml:"proxies"`
	Response      ResponseSyntax `yaml:"response"`
	DefaultLocale String         `yaml:"default_locale"`
	Messages      Messages       `yaml:"messages"`
	Schedule      Windows        `yaml:"schedule"`
	Announce      Duration       `yaml:"announce"`
	Bypass        BypassSyntax   `yaml:"bypass"`
	Toggle        ToggleSyntax   `yaml:"toggle"`
}

// OutputSyntax is the output section: where generate writes, relative to the
// policy file's directory.
type OutputSyntax struct {
	Node
	Go      String `yaml:"go"`
	Pages   String `yaml:"pages"`
	Nginx   String `yaml:"nginx"`   // optional: the nginx server{} snippet (and its http{} companion)
	HAProxy String `yaml:"haproxy"` // optional: the HAProxy errorfile
	Caddy   String `yaml:"caddy"`   // optional: the Caddyfile snippet
	Worker  String `yaml:"worker"`  // optional: the Cloudflare Worker module
}

// StateSyntax is the state section: where the on/off switch lives at run time.
type StateSyntax struct {
	Node
	Env      String   `yaml:"env"`
	File     String   `yaml:"file"`
	Poll     Duration `yaml:"poll"`
	Fallback Switch   `yaml:"fallback"`
}

// ExemptSyntax is the exempt section: requests that never get the maintenance
// response.
type ExemptSyntax struct {
	Node
	Paths Strings `yaml:"paths"`
	IPs   Strings `yaml:"ips"`
	Roles Strings `yaml:"roles"`
	Tests Bool    `yaml:"tests"`
}

// ForceSyntax is the force section: paths that always get the maintenance
// response.
type ForceSyntax struct {
	Node
	Paths Strings `yaml:"paths"`
}

// ResponseSyntax is the response section: what blocked requests get.
type ResponseSyntax struct {
	Node
	Status       Int      `yaml:"status"`
	RetryAfter   Duration `yaml:"retry_after"`
	RetryForm    String   `yaml:"retry_after_form"`
	Format       String   `yaml:"format"`
	JSONPaths    Strings  `yaml:"json_paths"`
	Redirect     String   `yaml:"redirect"`
	Template     String   `yaml:"template"`
	Refresh      Duration `yaml:"refresh"`
	ClearCookies Strings  `yaml:"clear_cookies"`
}

// BypassSyntax is the bypass section: a secret link that sets a cookie
// exempting its holder. The secret itself is never in the policy, only
// the name of the environment variable that holds it.
type BypassSyntax struct {
	Node
	SecretEnv      String   `yaml:"secret_env"`
	Path           String   `yaml:"path"`
	TTL            Duration `yaml:"ttl"`
	InsecureCookie Bool     `yaml:"insecure_cookie"`
}

// ToggleSyntax is the toggle section: who may use the generated
// ToggleHandler.
type ToggleSyntax struct {
	Node
	Roles Strings `yaml:"roles"`
}

// Messages is the messages section: BCP 47 locale tags mapped to texts, in
// the order written.
type Messages struct {
	Node
	Entries []MessageEntry
}

// MessageEntry is one locale of the messages section.
type MessageEntry struct {
	Tag     String // the key, as written
	Message MessageSyntax
}

// MessageSyntax holds the texts of one locale. Title, heading and body
// are required.
type MessageSyntax struct {
	Node
	Title      String     `yaml:"title"`
	Heading    String     `yaml:"heading"`
	Body       String     `yaml:"body"`
	UntilLabel String     `yaml:"until_label"`
	Link       LinkSyntax `yaml:"link"`
}

// LinkSyntax is a link the page shows under its text, such as a status
// page.
type LinkSyntax struct {
	Node
	Text String `yaml:"text"`
	Href String `yaml:"href"`
}
