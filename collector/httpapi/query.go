package httpapi

import (
	"encoding/base64"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// checkParams refuses a query parameter the endpoint does not take, or one given twice: a
// misspelt filter ("provnce=15") silently ignored would return every village and look like
// an answer. The problem names the parameter and lists the ones the endpoint takes.
func checkParams(r *http.Request, allowed ...string) error {
	return checkQuery(r, false, allowed...)
}

// checkQuery is checkParams; with sameTwice a parameter repeated with the same value counts
// once (the OGC API: GDAL appends the parameters of the URL it was given to every link it
// follows unless the link holds them as one run of text in the same order and encoding, so
// it repeats them, the same each time).
func checkQuery(r *http.Request, sameTwice bool, allowed ...string) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return Errorf(EINVALID, "query string: malformed (%v)", err)
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names) // the first offender is named the same way every time
	for _, k := range names {
		if !slices.Contains(allowed, k) {
			if k == "as_known" {
				return asKnownElsewhere(r.URL.Path)
			}
			if len(allowed) == 0 {
				return Errorf(EINVALID, "%s: unknown query parameter (this endpoint takes none)", k)
			}
			return Errorf(EINVALID, "%s: unknown query parameter (this endpoint takes %s)", k, strings.Join(allowed, ", "))
		}
		if len(q[k]) > 1 && !(sameTwice && allSame(q[k])) {
			return Errorf(EINVALID, "%s: given %d times, want once", k, len(q[k]))
		}
	}
	return nil
}

// allSame says whether every value is the first.
func allSame(vs []string) bool {
	for _, v := range vs[1:] {
		if v != vs[0] {
			return false
		}
	}
	return true
}

// AsKnownSurfaces are the endpoints that serve the audit view (as_known=true: the figures as
// known then, docs/figures.md "As known then").
const AsKnownSurfaces = "/api/v1/summary, /api/v1/villages (and its CSV), /api/v1/villages/{id}, /api/v1/worklist, /ogc/collections/villages/items and /ogc/collections/villages/items/{id}"

// asKnownElsewhere refuses as_known on an endpoint without the audit view: ignored, it would
// answer the current view, and a user who asked for the audit view would read that out as the
// figure as known then. The problem says where the audit view is served.
func asKnownElsewhere(path string) error {
	why := "this endpoint has no audit view"
	switch {
	case path == "/api/v1/burndown":
		why = `the burn-down has no audit view: each point says how it was made ("recorded": true, the figures of that day as covmon knew them then; "backfilled": true, computed later from what is stored now)`
	case path == "/metrics":
		why = "the metrics are the figures now (the status snapshot), in the current view"
	}
	return Errorf(EINVALID, "as_known: %s; the audit view (as_known=true) is served by %s (docs/figures.md, \"As known then\")", why, AsKnownSurfaces)
}

// paging is a list's limit and cursor (the position after the last item of the previous
// page, opaque to clients).
type paging struct {
	limit  int // 0: no limit
	cursor string
}

// parsePaging reads limit (1..max; def when absent, 0 meaning all) and cursor.
func parsePaging(r *http.Request, def, max int) (paging, error) {
	q := r.URL.Query()
	p := paging{limit: def}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			return p, Errorf(EINVALID, "limit: want a whole number from 1 to %d, got %q", max, v)
		}
		p.limit = n
	}
	var err error
	p.cursor, err = parseCursor(r)
	return p, err
}

// parseCursor decodes the cursor parameter ("" when absent).
func parseCursor(r *http.Request) (string, error) {
	v, ok := r.URL.Query()["cursor"]
	if !ok {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v[0])
	if err != nil || len(b) == 0 {
		return "", Errorf(EINVALID, "cursor: not a cursor this server gave (use the next link as it is)")
	}
	return string(b), nil
}

// encodeCursor makes a cursor from a position.
func encodeCursor(pos string) string { return base64.RawURLEncoding.EncodeToString([]byte(pos)) }

// badCursor is the error for a cursor that decodes but does not fit the endpoint.
func badCursor() error {
	return Errorf(EINVALID, "cursor: not a cursor of this list (use the next link as it is)")
}

// nextURL is r's URL, absolute, with cursor set to pos (and every other parameter kept).
func nextURL(r *http.Request, pos string) string {
	q := r.URL.Query()
	q.Set("cursor", encodeCursor(pos))
	return absURL(r, r.URL.Path, q)
}

// absURL is the absolute URL of path (with query q) on the host r was sent to.
func absURL(r *http.Request, path string, q url.Values) string {
	u := url.URL{Scheme: "http", Host: r.Host, Path: path}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// setNextLink announces the next page in a Link header (RFC 8288) as well as in the body.
func setNextLink(w http.ResponseWriter, next string) {
	if next != "" {
		w.Header().Add("Link", "<"+next+`>; rel="next"`)
	}
}

// parseFloatParam reads a finite number in [lo, hi] from parameter name; ok is false when
// it is absent.
func parseFloatParam(r *http.Request, name string, lo, hi float64) (v float64, ok bool, err error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		if r.URL.Query().Has(name) {
			return 0, false, Errorf(EINVALID, "%s: empty, want a number from %g to %g", name, lo, hi)
		}
		return 0, false, nil
	}
	v, err = strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		return 0, false, Errorf(EINVALID, "%s: want a number from %g to %g, got %q", name, lo, hi, s)
	}
	return v, true, nil
}

// parseBBox reads bbox=minLon,minLat,maxLon,maxLat (WGS 84 degrees, OGC API order). A box
// crossing the antimeridian (minLon > maxLon) is refused: Vietnam does not need one.
func parseBBox(r *http.Request) (*orb.Bound, error) {
	q := r.URL.Query()
	if !q.Has("bbox") {
		return nil, nil
	}
	s := q.Get("bbox")
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, Errorf(EINVALID, "bbox: want minLon,minLat,maxLon,maxLat (4 numbers), got %q", s)
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, Errorf(EINVALID, "bbox: %q is not a number", p)
		}
		v[i] = f
	}
	switch {
	case v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90:
		return nil, Errorf(EINVALID, "bbox: longitudes must be within -180..180 and latitudes within -90..90, got %q", s)
	case v[0] > v[2] || v[1] > v[3]:
		return nil, Errorf(EINVALID, "bbox: want minLon,minLat,maxLon,maxLat with min <= max, got %q", s)
	}
	return &orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}
