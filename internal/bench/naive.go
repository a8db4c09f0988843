package bench

import (
	"net"
	"net/http"
	"regexp"
	"strings"
)

// Naive is the baseline: it matches the way django-maintenance-mode does,
// with one regular expression per IP rule string, applied with Python's
// re.match semantics (anchored at the start only, so 10.0.0.1 also
// matches 10.0.0.10), and a loop over one regular expression per URL
// rule. Its regular expressions are compiled once, which is kinder than
// django-maintenance-mode, which compiles them on every request.
type Naive struct {
	ips   []*regexp.Regexp
	paths []*regexp.Regexp
	on    func() bool
	next  http.Handler
}

// NewNaive builds the baseline for the rules of s. IPv4 /24 rules become
// the prefix of their first three octets, as a Django settings file
// would write them; IPv6 /64 rules the prefix of their first four groups.
func NewNaive(s Size, on func() bool, next http.Handler) *Naive {
	n := &Naive{on: on, next: next}
	for _, rule := range IPRules(s) {
		addr, bits, _ := strings.Cut(rule, "/")
		switch bits {
		case "24":
			addr = strings.Join(strings.Split(addr, ".")[:3], ".") + "."
		case "64":
			addr = strings.Join(strings.Split(addr, ":")[:4], ":") + ":"
		}
		n.ips = append(n.ips, regexp.MustCompile("^"+regexp.QuoteMeta(addr)))
	}
	for _, p := range PathRules(s) {
		n.paths = append(n.paths, regexp.MustCompile("^"+regexp.QuoteMeta(p)))
	}
	return n
}

func (n *Naive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !n.on() {
		n.next.ServeHTTP(w, r)
		return
	}
	for _, re := range n.paths {
		if re.MatchString(r.URL.Path) {
			n.next.ServeHTTP(w, r)
			return
		}
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	for _, re := range n.ips {
		if re.MatchString(ip) {
			n.next.ServeHTTP(w, r)
			return
		}
	}
	w.Header().Set("Retry-After", "3600")
	w.WriteHeader(http.StatusServiceUnavailable)
}
