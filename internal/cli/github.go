package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/maintgen/maintgen/internal/policy"
)

// Output formats of validate, check and diff.
const (
	formatText     = "text"
	formatGitHub   = "github"   // GitHub Actions workflow commands (annotations)
	formatMarkdown = "markdown" // diff and explain only
)

// formatFlag defines -format, allowing the given formats, the first being
// the default.
func formatFlag(fs *flag.FlagSet, formats ...string) *string {
	return fs.String("format", formats[0], "output `format`: "+strings.Join(formats, ", "))
}

// checkFormat reports a -format value that is not one of formats as a
// usage error.
func (c *command) checkFormat(cmd, format string, formats ...string) bool {
	for _, f := range formats {
		if f == format {
			return true
		}
	}
	fmt.Fprintf(c.stderr, "maintgen %s: unknown -format %q: want %s\n", cmd, format, strings.Join(formats, ", "))
	return false
}

// annotate writes one GitHub Actions workflow command: an annotation of
// level (error, warning or notice) on pos, such as
//
//	::error file=policy.yaml,line=8,col=9::exempt.ips[0]: invalid CIDR ...
//
// Values are escaped as the Actions runner expects (the toolkit's
// escapeData and escapeProperty): % and line breaks everywhere, and : and
// , in properties. A zero pos gives an annotation without a file.
func annotate(w io.Writer, level string, pos policy.Pos, msg string) {
	var props []string
	if pos.File != "" {
		props = append(props, "file="+escapeProperty(pos.File))
		if pos.Line > 0 {
			props = append(props, "line="+strconv.Itoa(pos.Line), "col="+strconv.Itoa(pos.Col))
		}
	}
	cmd := "::" + level
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	fmt.Fprintf(w, "%s::%s\n", cmd, escapeData(msg))
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }

// reportFormat prints err as report does, or as error annotations on
// stdout for -format github, and returns ExitPolicy.
func (c *command) reportFormat(err error, format string) int {
	if format != formatGitHub {
		return c.report(err)
	}
	var list policy.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			annotate(c.stdout, "error", e.Pos, e.Msg)
		}
	} else {
		annotate(c.stdout, "error", policy.Pos{}, err.Error())
	}
	return ExitPolicy
}
