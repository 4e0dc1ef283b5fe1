package geo

import (
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
