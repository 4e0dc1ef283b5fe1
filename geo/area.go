package geo

import (
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// CoverageArea is one feature of an areas/v1 file: where a carrier says it has signal on one
// technology, as of an instant. Geometry is always a MultiPolygon (a Polygon feature becomes a
// MultiPolygon of one polygon); every ring is closed and has at least 4 positions. Holes are
// honoured: a point strictly inside a hole is not covered, a point on any ring (outer or hole)
// is covered, as PostGIS ST_Intersects decides.
type CoverageArea struct {
	Carrier    string
	Technology Technology
	ObservedAt time.Time
	// Method is how the carrier knows (format.AreaDefaultMethod, "model", unless the file says otherwise).
	Method string
	// MinRSRPdBm and MinDLMbps are the optional signal tier of the contour: inside it, RSRP is
	// at least MinRSRPdBm (dBm) or the download speed at least MinDLMbps (Mbit/s). nil when
	// the file gives none.
	MinRSRPdBm *float64
	MinDLMbps  *float64
	Geometry   orb.MultiPolygon
}

// AreaExtent is what an areas/v1 file speaks for: the provinces, the communes and the polygon
// it covers (any combination). A registry village is inside the extent when its province or
// its commune is listed, or its centre is inside or on the boundary of Geometry. Only villages
// inside get a result from the file; the others keep what they had. A file without an extent
// (nil) speaks for the whole registry: it is the carrier's national layer for its technology
// and date.
type AreaExtent struct {
	Provinces []string // 2-digit province codes
	Communes  []string // 5-digit commune codes
	// Geometry is nil when the extent names no polygon.
	Geometry orb.MultiPolygon
}

// Names reports whether the extent lists the province or the commune (the geometry is
// cover.InExtent's to judge).
func (e *AreaExtent) Names(province, commune string) bool {
	return slices.Contains(e.Provinces, province) || slices.Contains(e.Communes, commune)
}

// String describes the extent in plain words, e.g. "provinces 08, 15; communes 01234; a polygon".
func (e *AreaExtent) String() string {
	if e == nil {
		return "the whole registry (no extent)"
	}
	var parts []string
	plural := func(one, many string, codes []string) {
		switch len(codes) {
		case 0:
		case 1:
			parts = append(parts, one+" "+codes[0])
		default:
			parts = append(parts, many+" "+strings.Join(codes, ", "))
		}
	}
	plural("province", "provinces", e.Provinces)
	plural("commune", "communes", e.Communes)
	if len(e.Geometry) > 0 {
		parts = append(parts, "a polygon")
	}
	return strings.Join(parts, "; ")
}
