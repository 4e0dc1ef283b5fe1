package httpapi

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/covmon/covmon/geo"
)

// villageQuery is what a village list asks beyond the common parameters: a status and a
// carrier filter, a point (nearest first) with an optional radius, a bounding box, paging.
type villageQuery struct {
	status, carrier string
	point           *orb.Point
	radiusKM        float64 // 0: no radius
	bbox            *orb.Bound
	page            paging
}

// parseVillageQuery reads status, carrier, lon, lat, radius_km, bbox, limit and cursor.
func parseVillageQuery(r *http.Request) (villageQuery, error) {
	q := r.URL.Query()
	vq := villageQuery{status: q.Get("status"), carrier: q.Get("carrier")}
	if vq.status != "" && vq.status != "overdue" && !slices.Contains(geo.Statuses, geo.Status(vq.status)) {
		return vq, Errorf(EINVALID, "status: unknown %q (want overdue or one of %s)", vq.status, statusNames())
	}
	lon, hasLon, err := parseFloatParam(r, "lon", -180, 180)
	if err != nil {
		return vq, err
	}
	lat, hasLat, err := parseFloatParam(r, "lat", -90, 90)
	if err != nil {
		return vq, err
	}
	switch {
	case hasLon && !hasLat:
		return vq, Errorf(EINVALID, "lat: missing (lon needs lat)")
	case hasLat && !hasLon:
		return vq, Errorf(EINVALID, "lon: missing (lat needs lon)")
	case hasLon:
		vq.point = &orb.Point{lon, lat}
	}
	radius, hasRadius, err := parseFloatParam(r, "radius_km", 0, 20000)
	if err != nil {
		return vq, err
	}
	if hasRadius {
		if vq.point == nil {
			return vq, Errorf(EINVALID, "radius_km: needs lon and lat")
		}
		if radius <= 0 {
			return vq, Errorf(EINVALID, "radius_km: want more than 0, got %q", q.Get("radius_km"))
		}
		vq.radiusKM = radius
	}
	if vq.bbox, err = parseBBox(r); err != nil {
		return vq, err
	}
	vq.page, err = parsePaging(r, 0, maxVillagesLimit)
	return vq, err
}

func statusNames() string {
	var b strings.Builder
	for i, s := range geo.Statuses {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(s))
	}
	return b.String()
}

// villagePage is one page of a village list.
type villagePage struct {
	items   []geo.VillageStatus
	distKM  []float64 // per item, for a point query; nil otherwise
	matched int       // villages matching the filters, over all pages
	next    string    // the position after the last item, when more follow
}

// run filters sts (villages known at asOf only), orders them (by village ID, or nearest
// first for a point query, ties by ID) and cuts the page after the cursor.
//
// The cursor is the order key of the last item returned, not an offset: a page boundary
// does not move when a village before it changes status between requests, and no village
// is returned twice. A village whose status changes so that it leaves or joins the filter
// may be missed or seen only on a later walk, as with any list that is read while it moves.
func (vq *villageQuery) run(sts []geo.VillageStatus, asOf time.Time) (villagePage, error) {
	type item struct {
		vs *geo.VillageStatus
		d  float64
	}
	var items []item
	for i := range sts {
		vs := &sts[i]
		if d, ok := vq.match(vs, asOf); ok {
			items = append(items, item{vs: vs, d: d})
		}
	}
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(cmp.Compare(a.d, b.d), strings.Compare(a.vs.Village.ID, b.vs.Village.ID))
	})
	pg := villagePage{matched: len(items)}
	start := 0
	if vq.page.cursor != "" {
		d, id, err := vq.decodePosition(vq.page.cursor)
		if err != nil {
			return pg, err
		}
		start, _ = slices.BinarySearchFunc(items, item{}, func(a, _ item) int {
			if c := cmp.Or(cmp.Compare(a.d, d), strings.Compare(a.vs.Village.ID, id)); c > 0 {
				return 1
			}
			return -1
		})
	}
	end := len(items)
	if vq.page.limit > 0 && start+vq.page.limit < end {
		end = start + vq.page.limit
	}
	for _, it := range items[start:end] {
		pg.items = append(pg.items, *it.vs)
		if vq.point != nil {
			pg.distKM = append(pg.distKM, it.d)
		}
	}
	if end < len(items) {
		last := items[end-1]
		pg.next = vq.position(last.d, last.vs.Village.ID)
	}
	return pg, nil
}

// match reports whether vs passes the query's filters (known at asOf, status, carrier, bbox,
// radius), with its distance in km from the query's point (0 without one).
func (vq *villageQuery) match(vs *geo.VillageStatus, asOf time.Time) (float64, bool) {
	c := orb.Point(vs.Village.Center)
	switch {
	case !vs.Village.KnownAt(asOf),
		vq.status == "overdue" && !vs.Overdue,
		vq.status != "" && vq.status != "overdue" && string(vs.Status) != vq.status,
		vq.carrier != "" && !slices.Contains(vs.CarriersReported, vq.carrier),
		vq.bbox != nil && !vq.bbox.Contains(c):
		return 0, false
	}
	if vq.point == nil {
		return 0, true
	}
	d := orbgeo.DistanceHaversine(*vq.point, c) / 1000
	return d, vq.radiusKM <= 0 || d <= vq.radiusKM
}

// position encodes an order key: "id:<village>" by ID, "near:<lon>,<lat>:<km>:<village>"
// for a point query (the point is part of it, so a cursor is not reused for another point).
func (vq *villageQuery) position(d float64, id string) string {
	if vq.point == nil {
		return "id:" + id
	}
	return "near:" + vq.pointKey() + ":" + strconv.FormatFloat(d, 'g', -1, 64) + ":" + id
}

func (vq *villageQuery) pointKey() string {
	return strconv.FormatFloat(vq.point.Lon(), 'g', -1, 64) + "," + strconv.FormatFloat(vq.point.Lat(), 'g', -1, 64)
}

func (vq *villageQuery) decodePosition(pos string) (d float64, id string, err error) {
	if vq.point == nil {
		id, ok := strings.CutPrefix(pos, "id:")
		if !ok {
			return 0, "", badCursor()
		}
		return 0, id, nil
	}
	rest, ok := strings.CutPrefix(pos, "near:"+vq.pointKey()+":")
	if !ok {
		return 0, "", badCursor()
	}
	ds, id, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, "", badCursor()
	}
	d, err = strconv.ParseFloat(ds, 64)
	if err != nil || math.IsNaN(d) {
		return 0, "", badCursor()
	}
	return d, id, nil
}
