// Package page is covmon's built-in status page: one HTML page, its script and style, the
// Leaflet map library and a land outline of Vietnam as the base layer, all embedded in the
// binary, so the page works with no internet (no online tiles, no CDN). The page reads only
// the public HTTP API (/api/v1/summary, /villages, /villages/{id}, /burndown, /programs,
// /labels); collector/httpapi mounts it at / and /static/.
//
// static/README.md records the exact versions, licences and hashes of the third-party files.
package page

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var files embed.FS

// Static is the page's files (index.html, app.js, app.css, leaflet/, vn-land.geojson).
var Static, _ = fs.Sub(files, "static")

// csp keeps the page to its own origin: it loads nothing from elsewhere, even by mistake.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// Index serves the page itself (GET /).
func Index() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(Static, "index.html")
		if err != nil {
			http.Error(w, "page missing from the build", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		w.Write(b)
	})
}

// Files serves the page's files under prefix (e.g. "/static/").
func Files(prefix string) http.Handler {
	fsrv := http.StripPrefix(prefix, http.FileServerFS(Static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		if len(r.URL.Path) > 0 && r.URL.Path[len(r.URL.Path)-1] == '/' { // no directory listings
			http.NotFound(w, r)
			return
		}
		fsrv.ServeHTTP(w, r)
	})
}
