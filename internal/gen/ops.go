package gen

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/maintgen/maintgen/internal/policy"
)

// This file writes the tables of the operations rules: the schedule, the
// bypass link, the toggle, the cookies maintenance responses clear, and
// exempt.tests.

func writeOpsConsts(b *bytes.Buffer, p *policy.Policy, on map[string]bool) {
	if bp := p.Bypass; on["bypass"] && bp != nil {
		fmt.Fprintf(b, "bypassSecretEnv = %s // bypass.secret_env\n", strconv.Quote(bp.SecretEnv))
		fmt.Fprintf(b, "bypassPath = %s // bypass.path\n", strconv.Quote(bp.Path))
		fmt.Fprintf(b, "bypassTTL = %d // bypass.ttl, in seconds\n", int64(bp.TTL/time.Second))
		fmt.Fprintf(b, "bypassSecure = %t // the bypass cookie is Secure: not bypass.insecure_cookie\n", !bp.InsecureCookie)
	}
	if on["schedule"] {
		fmt.Fprintf(b, "announce = %d // announce: %s\n", int64(p.Announce), p.Announce)
	}
}

func writeOpsVars(b *bytes.Buffer, p *policy.Policy, on map[string]bool) {
	if on["schedule"] {
		b.WriteString("// schedule: maintenance windows [start, end) in Unix seconds, sorted\n")
		b.WriteString("schedule = []window{\n")
		for _, w := range p.Schedule {
			fmt.Fprintf(b, "{%d, %d}, // %s to %s\n", w.Start.Unix(), w.End.Unix(),
				w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339))
		}
		b.WriteString("}\n")
	}
	if on["toggle"] {
		b.WriteString("// toggle.roles\ntoggleRoles = map[string]bool{\n")
		roles := slices.Sorted(slices.Values(p.Toggle.RoleNames()))
		for _, r := range slices.Compact(roles) {
			fmt.Fprintf(b, "%s: true,\n", strconv.Quote(r))
		}
		b.WriteString("}\n")
	}
	b.WriteString("// response.clear_cookies: the Set-Cookie values that expire them\n")
	if len(p.Response.ClearCookies) == 0 {
		b.WriteString("hdrClearCookies []string\n")
	} else {
		b.WriteString("hdrClearCookies = []string{\n")
		for _, name := range p.Response.ClearCookies {
			fmt.Fprintf(b, "%s,\n", strconv.Quote(policy.ClearCookie(name)))
		}
		b.WriteString("}\n")
	}
}
