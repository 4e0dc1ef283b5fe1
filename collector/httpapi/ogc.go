package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// OGC API – Features, Part 1 (Core, GeoJSON) under /ogc: the standard QGIS, GDAL/OGR and
// ArcGIS read. One collection, "villages": the villages of a program with their status at an
// instant (the datetime parameter), the same features and properties as GET /api/v1/villages.
// as_known=true, a vendor parameter beside datetime, asks the audit view (docs/figures.md,
// "As known then"): the same features as /api/v1/villages?as_of=T&as_known=true.

const (
	ogcDefaultLimit = 100
	ogcMaxLimit     = 10000
	geoJSONType     = "application/geo+json"
	jsonType        = "application/json"
)

func (s *Server) routeOGC(mux *http.ServeMux) {
	mux.HandleFunc("GET /ogc", s.handleOGCLanding)
	mux.HandleFunc("GET /ogc/{$}", s.handleOGCLanding)
	mux.HandleFunc("GET /ogc/conformance", s.handleOGCConformance)
	mux.HandleFunc("GET /ogc/collections", s.handleOGCCollections)
	mux.HandleFunc("GET /ogc/collections/villages", s.handleOGCCollection)
	mux.HandleFunc("GET /ogc/collections/villages/items", s.handleOGCItems)
	mux.HandleFunc("GET /ogc/collections/villages/items/{id}", s.handleOGCItem)
}

// ogcStart enforces the read policy and the parameters (f is accepted as json or geojson:
// only JSON is served; a parameter repeated with the same value counts once, as GDAL sends
// them: checkQuery); on failure it has answered.
func (s *Server) ogcStart(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	if !s.PublicRead && s.requireToken(w, r) == nil {
		return false
	}
	if err := checkQuery(r, true, append(allowed, "f")...); err != nil {
		s.writeError(w, r, err)
		return false
	}
	if f := r.URL.Query().Get("f"); f != "" && f != "json" && f != "geojson" {
		s.writeError(w, r, Errorf(EINVALID, "f: only json is served, got %q", f))
		return false
	}
	return true
}

func (s *Server) ogcURL(r *http.Request, path string) string { return absURL(r, "/ogc"+path, nil) }

// ogcValues is r's query with each parameter once (ogcStart has checked that a repeated one
// repeats the same value), for the links: a link made from the query as sent would carry
// GDAL's repeats on, one more on each page.
func ogcValues(r *http.Request) url.Values {
	q := r.URL.Query()
	for k, vs := range q {
		q[k] = vs[:1]
	}
	return q
}

// ogcMeta starts a request for a document without figures (the landing page, conformance, the
// collections): it takes datetime, as_known and program besides f, checked as on the items,
// because a client such as GDAL repeats the parameters of the URL it was given on every
// request it makes from it ("OAPIF:…/ogc?as_known=true&datetime=2025-03-01" reads the audit
// view of that instant). The documents hold no figure, so they do not change with them; the
// links to the items carry them (view). On failure it has answered.
func (s *Server) ogcMeta(w http.ResponseWriter, r *http.Request) (view url.Values, ok bool) {
	if !s.ogcStart(w, r, "datetime", "as_known", "program") {
		return nil, false
	}
	if _, _, _, err := s.ogcQuery(r); err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	view = url.Values{}
	for _, k := range []string{"datetime", "as_known", "program"} {
		if v := r.URL.Query().Get(k); v != "" {
			view.Set(k, v)
		}
	}
	return view, true
}

func (s *Server) handleOGCLanding(w http.ResponseWriter, r *http.Request) {
	view, ok := s.ogcMeta(w, r)
	if !ok {
		return
	}
	desc := "Vùng lõm sóng: the villages of Vietnam's coverage programs and their mobile-coverage status (covmon). Status: covered, dead_zone, no_power, no_data; overdue villages are past their program's deadline."
	if s.demo() {
		desc += " " + wire.DemoNotice
	}
	writeJSON(w, http.StatusOK, jsonType, wire.OGCLanding{
		Title:       "covmon — trạng thái phủ sóng thôn, bản (village coverage status)",
		Description: desc,
		Links: []wire.Link{
			{Href: s.ogcURL(r, ""), Rel: "self", Type: jsonType, Title: "this document"},
			{Href: s.ogcURL(r, "/conformance"), Rel: "conformance", Type: jsonType, Title: "conformance classes"},
			{Href: absURL(r, "/ogc/collections", view), Rel: "data", Type: jsonType, Title: "collections"},
			{Href: absURL(r, "/", nil), Rel: "service-doc", Type: "text/html", Title: "the status page"},
		},
	})
}

func (s *Server) handleOGCConformance(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.ogcMeta(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, jsonType, wire.OGCConformance{ConformsTo: wire.OGCConformsTo})
}

func (s *Server) handleOGCCollections(w http.ResponseWriter, r *http.Request) {
	view, ok := s.ogcMeta(w, r)
	if !ok {
		return
	}
	c, err := s.villagesCollection(r, view)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, jsonType, wire.OGCCollections{
		Links:       []wire.Link{{Href: s.ogcURL(r, "/collections"), Rel: "self", Type: jsonType}},
		Collections: []wire.OGCCollection{c},
	})
}

func (s *Server) handleOGCCollection(w http.ResponseWriter, r *http.Request) {
	view, ok := s.ogcMeta(w, r)
	if !ok {
		return
	}
	c, err := s.villagesCollection(r, view)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, jsonType, c)
}

// villagesCollection describes the villages collection; its extent is the bounding box of
// every registered village. The items link carries view (datetime, as_known: ogcMeta).
func (s *Server) villagesCollection(r *http.Request, view url.Values) (wire.OGCCollection, error) {
	vs, err := s.Store.Villages(r.Context(), geo.VillageFilter{})
	if err != nil {
		return wire.OGCCollection{}, fmt.Errorf("villages: %w", err)
	}
	desc := "Villages (thôn, bản) with their mobile-coverage status as of the datetime parameter (an instant; default now), for the default program unless program= names another. Properties as in covmon's GET /api/v1/villages (docs/api.md). " +
		"By default the current view: every upload stored now, each report from the instant it describes, so a report received later but dated before datetime changes it. " +
		"as_known=true (a covmon parameter beside datetime) gives the audit view, the figures as known then: only the uploads covmon had received by datetime; each feature then has the property view = as_known (docs/figures.md, As known then)."
	if s.demo() {
		desc += " " + wire.DemoNotice
	}
	c := wire.OGCCollection{
		ID: "villages", Title: "Thôn, bản và trạng thái phủ sóng (villages and coverage status)", Description: desc,
		ItemType: "feature", CRS: []string{wire.CRS84},
		Links: []wire.Link{
			{Href: s.ogcURL(r, "/collections/villages"), Rel: "self", Type: jsonType},
			{Href: absURL(r, "/ogc/collections/villages/items", view), Rel: "items", Type: geoJSONType, Title: "the villages"},
		},
	}
	if len(vs) > 0 {
		b := orb.Bound{Min: orb.Point(vs[0].Center), Max: orb.Point(vs[0].Center)}
		for _, v := range vs[1:] {
			b = b.Extend(orb.Point(v.Center))
		}
		ext := &wire.OGCExtent{}
		ext.Spatial.BBox = [][4]float64{{b.Min.Lon(), b.Min.Lat(), b.Max.Lon(), b.Max.Lat()}}
		ext.Spatial.CRS = wire.CRS84
		ext.Temporal.Interval = [][2]*string{{nil, nil}}
		c.Extent = ext
	}
	return c, nil
}

// ogcQuery reads program, datetime (the as-of instant: a date, 00:00 Vietnam time, or an
// RFC 3339 instant; an interval is refused, a status is at an instant, and so is a future
// instant, as the API's as_of: covmon does not forecast) and as_known (the audit view, as
// the API's).
func (s *Server) ogcQuery(r *http.Request) (*geo.Program, time.Time, bool, error) {
	q := r.URL.Query()
	asOf := s.now()
	if v := q.Get("datetime"); v != "" {
		if strings.Contains(v, "/") {
			return nil, asOf, false, Errorf(EINVALID, "datetime: want an instant (the status as of it), not an interval, got %q", v)
		}
		t, err := geo.ParseAsOf(v, asOf) // a future instant is refused, as the API's as_of
		if err != nil {
			return nil, asOf, false, Errorf(EINVALID, "datetime: %v", err)
		}
		asOf = t
	}
	asKnown := false
	switch v := q.Get("as_known"); v {
	case "", "false":
	case "true":
		asKnown = true
	default:
		return nil, asOf, false, Errorf(EINVALID, "as_known: want true or false, got %q", v)
	}
	id := q.Get("program")
	for i := range s.Programs {
		if s.Programs[i].ID == id || (id == "" && i == 0) {
			return &s.Programs[i], asOf, asKnown, nil
		}
	}
	return nil, asOf, asKnown, Errorf(EINVALID, "program: unknown %q", id)
}

// setOGCView marks features read in the audit view: the property view = as_known on each
// (what GDAL and QGIS show in the attribute table, where a member of the collection is not
// seen) and the X-Covmon-View header, as the village list's CSV. The current view adds
// nothing, as on /api/v1/villages.
func setOGCView(w http.ResponseWriter, fs []*geojson.Feature, asKnown bool) {
	if !asKnown {
		return
	}
	w.Header().Set("X-Covmon-View", wire.ViewAsKnown)
	for _, f := range fs {
		f.Properties["view"] = wire.ViewAsKnown
	}
}

// handleOGCItems serves the villages as GeoJSON: bbox, limit (default 100; a larger one than
// 10000 is served as 10000, as the standard asks), datetime, as_known, program, cursor (from
// the next link), numberMatched and numberReturned.
func (s *Server) handleOGCItems(w http.ResponseWriter, r *http.Request) {
	if !s.ogcStart(w, r, "bbox", "limit", "datetime", "as_known", "program", "cursor") {
		return
	}
	prog, asOf, asKnown, err := s.ogcQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vq := villageQuery{page: paging{limit: ogcDefaultLimit}}
	if vq.bbox, err = parseBBox(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeError(w, r, Errorf(EINVALID, "limit: want a whole number from 1, got %q", v))
			return
		}
		vq.page.limit = min(n, ogcMaxLimit)
	}
	if vq.page.cursor, err = parseCursor(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	sts, err := collector.Status(r.Context(), s.Store, geo.VillageFilter{ProgramID: prog.ID, AsKnown: asKnown}, prog, &s.Policy, asOf)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("status: %w", err))
		return
	}
	pg, err := vq.run(sts, asOf)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fc := wire.FeatureCollection(pg.items, asOf, s.demo())
	wire.SetView(fc, asKnown)
	setOGCView(w, fc.Features, asKnown)
	self := absURL(r, r.URL.Path, ogcValues(r))
	links := []wire.Link{{Href: self, Rel: "self", Type: geoJSONType, Title: "this page"}}
	if pg.next != "" {
		q := ogcValues(r)
		q.Set("cursor", encodeCursor(pg.next))
		q.Set("limit", strconv.Itoa(vq.page.limit))
		links = append(links, wire.Link{Href: absURL(r, r.URL.Path, q), Rel: "next", Type: geoJSONType, Title: "next page"})
	}
	links = append(links, wire.Link{Href: s.ogcURL(r, "/collections/villages"), Rel: "collection", Type: jsonType})
	wire.SetOGCItems(fc, pg.matched, wire.VN(s.now()).Format(time.RFC3339), links)
	w.Header().Set("Content-Crs", "<"+wire.CRS84+">")
	writeJSON(w, http.StatusOK, geoJSONType, fc)
}

// handleOGCItem serves one village as a GeoJSON Feature (datetime, as_known and program as
// for items).
func (s *Server) handleOGCItem(w http.ResponseWriter, r *http.Request) {
	if !s.ogcStart(w, r, "datetime", "as_known", "program") {
		return
	}
	prog, asOf, asKnown, err := s.ogcQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	if _, err := s.Store.Village(r.Context(), id); errors.Is(err, geo.ErrNotFound) {
		s.writeError(w, r, Errorf(ENOTFOUND, "no village %q", id))
		return
	} else if err != nil {
		s.writeError(w, r, fmt.Errorf("get village: %w", err))
		return
	}
	sts, err := collector.Status(r.Context(), s.Store, geo.VillageFilter{IDs: []string{id}, AsKnown: asKnown}, prog, &s.Policy, asOf)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("village status of %s: %w", id, err))
		return
	}
	fc := wire.FeatureCollection(sts, asOf, s.demo())
	if len(fc.Features) != 1 && asKnown {
		s.writeError(w, r, Errorf(ENOTFOUND, "village %q is not in the registry as known at %s (no registry upload received by then names it)", id, asOf.In(geo.Vietnam).Format(time.RFC3339)))
		return
	}
	if len(fc.Features) != 1 {
		s.writeError(w, r, Errorf(ENOTFOUND, "village %q is not known as of %s", id, asOf.In(geo.Vietnam).Format(time.RFC3339)))
		return
	}
	f := fc.Features[0]
	setOGCView(w, fc.Features, asKnown)
	f.ExtraMembers = map[string]any{"links": []wire.Link{
		{Href: absURL(r, r.URL.Path, nil), Rel: "self", Type: geoJSONType},
		{Href: s.ogcURL(r, "/collections/villages"), Rel: "collection", Type: jsonType},
		{Href: absURL(r, "/api/v1/villages/"+url.PathEscape(id), nil), Rel: "alternate", Type: jsonType, Title: "history and provenance"},
	}}
	w.Header().Set("Content-Crs", "<"+wire.CRS84+">")
	writeJSON(w, http.StatusOK, geoJSONType, f)
}
