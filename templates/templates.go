// Package templates holds maintgen's built-in page template.
package templates

import _ "embed"

// Page is the default html/template source of the maintenance page. It is
// executed with a render.PageData value.
//
//go:embed page.html.tmpl
var Page string
