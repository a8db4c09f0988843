package proxyconf

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/maintgen/maintgen/internal/gen"
)

// HAProxy's buffer sizes, from its configuration manual (section 3.2):
// tune.bufsize defaults to 16384 bytes and tune.maxrewrite, the part kept
// free for rewriting headers, to 1024. An errorfile "cannot exceed
// (tune.bufsize - tune.maxrewrite) so that http-after-response rules still
// have room to operate" (errorfile, section 4.2). HAProxy counts the
// response in its internal form (HTX), which takes a little more room than
// the raw bytes: 8 bytes per block (the status line, each header, the end
// of the headers, the body) and a structure for the status line. So
// HAProxyMaxSize keeps HAProxyHTXMargin bytes for that; the test against a
// real HAProxy checks that an errorfile of exactly HAProxyMaxSize bytes
// loads without a warning.
const (
	HAProxyBufSize    = 16384
	HAProxyMaxRewrite = 1024
	HAProxyHTXMargin  = 256
	// HAProxyMaxSize is the largest errorfile, in bytes, headers included,
	// that maintgen writes: it fits HAProxy's default buffers.
	HAProxyMaxSize = HAProxyBufSize - HAProxyMaxRewrite - HAProxyHTXMargin
)

// HAProxy returns an HAProxy errorfile for a policy's tables t (as
// gen.Compile computes them, so that it sends what the generated guard
// sends): a raw HTTP/1.1 response with CRLF line endings, whose body is
// the default locale's HTML page, and whose headers are those of the
// middleware's maintenance response (Cache-Control: no-store,
// Retry-After, Vary, Content-Language), with Content-Length and
// Connection: close. The error reports a response larger than
// HAProxyMaxSize, or a default locale that is not a plain tag (the policy
// refuses such tags; this keeps a header line from ever carrying a CR or
// LF of its own).
func HAProxy(t *gen.Tables) ([]byte, error) {
	def := t.Locales[t.DefaultLocale]
	page := []byte(def.HTML)
	if !headerToken(def.Tag) {
		return nil, fmt.Errorf("default_locale %q cannot be written into the Content-Language header: want a BCP 47 tag such as en", def.Tag)
	}
	var b bytes.Buffer
	reason := http.StatusText(t.Status)
	if reason == "" {
		reason = "Maintenance"
	}
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", t.Status, reason)
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("Content-Type", "text/html; charset=utf-8")
	header("Content-Language", def.Tag)
	header("Cache-Control", "no-store")
	if t.RetryAfter != "" {
		header("Retry-After", t.RetryAfter)
	}
	header("Vary", "Accept, Accept-Language")
	header("X-Content-Type-Options", "nosniff")
	header("Content-Length", strconv.Itoa(len(page)))
	header("Connection", "close")
	b.WriteString("\r\n")
	b.Write(page)
	if b.Len() > HAProxyMaxSize {
		return nil, fmt.Errorf("the errorfile is %d bytes, more than the %d that fit HAProxy's default buffers (tune.bufsize %d, less tune.maxrewrite %d and %d for its internal form): shorten the %s page", b.Len(), HAProxyMaxSize, HAProxyBufSize, HAProxyMaxRewrite, HAProxyHTXMargin, def.Tag)
	}
	return b.Bytes(), nil
}

// headerToken reports whether s is a non-empty run of ASCII letters,
// digits and hyphens, as a locale tag is.
func headerToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return s != ""
}
