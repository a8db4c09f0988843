package cli

import (
	"fmt"
	"net"

	"github.com/maintgen/maintgen/internal/preview"
)

// preview runs "maintgen preview": the preview server (package preview)
// on -addr, until it fails.
func (c *command) preview(args []string) int {
	fs := c.flags("preview", "[-addr HOST:PORT] [FILE]")
	policyFile := fs.String("policy", defaultPolicy, policyFlagUsage)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `host:port`; the default serves this machine only")
	if code, ok := c.parsePolicy(fs, args, policyFile, true); !ok {
		return code
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(c.stderr, "maintgen preview: %v\n", err)
		return ExitPolicy
	}
	fmt.Fprintf(c.stdout, "maintgen preview: the pages of %s on http://%s/ (Ctrl-C stops)\n", *policyFile, ln.Addr())
	err = preview.Serve(ln, *policyFile)
	fmt.Fprintf(c.stderr, "maintgen preview: %v\n", err)
	return ExitPolicy
}
