//go:build !maintgen_no_nostore

// Personal passes: the policy has exempt.ips, exempt.roles or bypass,
// which let a request through because of who sent it.

package maintenance

import "net/http"

// noStore returns w, or, for a personal pass, w setting no-store.
func noStore(w http.ResponseWriter, d *decision) http.ResponseWriter {
	if d.personal() {
		return &noStoreWriter{ResponseWriter: w}
	}
	return w
}

// personal reports whether d lets a request through because of who sent
// it, while the mode is on: an exempt IP, an exempt role or a bypass
// cookie. The app's response is then a view that others must not get.
func (d *decision) personal() bool {
	return d.pass && (d.step == stepExemptIPs || d.step == stepExemptRoles || d.step == stepBypass)
}

// noStoreWriter sets Cache-Control: no-store on the response when its
// header is written, replacing what the app set, so that no shared cache
// (a CDN, a proxy) keeps an admin's view of the site under maintenance and
// serves it to everyone. Unwrap gives http.ResponseController the
// underlying writer (Flush, Hijack, deadlines).
type noStoreWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *noStoreWriter) header() {
	if !w.wrote {
		w.wrote = true
		w.ResponseWriter.Header()["Cache-Control"] = hdrNoStore
	}
}

// WriteHeader sets Cache-Control: no-store, then writes the header.
func (w *noStoreWriter) WriteHeader(code int) {
	w.ResponseWriter.Header()["Cache-Control"] = hdrNoStore
	w.wrote = w.wrote || code >= 200 || code == http.StatusSwitchingProtocols
	w.ResponseWriter.WriteHeader(code)
}

// Write sets Cache-Control: no-store before the first write.
func (w *noStoreWriter) Write(b []byte) (int, error) {
	w.header()
	return w.ResponseWriter.Write(b)
}

// Flush sets Cache-Control: no-store, then flushes, when the underlying
// writer can.
func (w *noStoreWriter) Flush() {
	w.header()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *noStoreWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
