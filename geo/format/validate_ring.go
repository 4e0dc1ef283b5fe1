package format

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/covmon/covmon/geo"
)

// Geometry sanity (docs/formats.md, "Geometry sanity"), the same for village areas and
// coverage areas: a ring must enclose an area and must not cross itself, and a village's
// centre must lie in or near its area.

// minRingArea is the smallest area a ring may enclose, in square degrees: 1e-10 deg² is about
// 1.2 m² in Vietnam. Anything smaller is a line or a point drawn as a polygon (a coverage
// "polygon" of one point repeated once marked 805 villages dark).
const minRingArea = 1e-10

// CenterNearKm is how near a village's centre, given or derived, must lie to its area: within
// this distance of the area's edge, or inside it.
const CenterNearKm = 5.0

// maxIntersectPairs bounds the segment pairs compared when looking for a self-intersection:
// budgetPerSegment per segment plus a floor. Rings drawn by real tools stay far below it (the
// sweep compares only segments whose longitude ranges overlap); a ring that exceeds it is not
// checked further, so no file can make the check quadratic.
const (
	budgetPerSegment = 64
	budgetFloor      = 1 << 20
)

// ringProblem checks one closed ring (first position = last, at least 4 positions; the caller
// has checked that) and returns the rule broken and its reason, or "" when the ring is sound.
func ringProblem(r []orb.Point) (rule, reason string) {
	pts := dedupe(r)
	if len(pts) < 4 { // closed: at least three distinct positions and the closing one
		return geo.RuleRingDegenerate, "ring has " + count(max(len(pts)-1, 1), "distinct position") + "; a ring needs at least 3"
	}
	if a := math.Abs(planar.Area(orb.Ring(pts))); a < minRingArea {
		return geo.RuleRingDegenerate, "ring encloses no area (" + strconv.FormatFloat(a, 'g', 3, 64) + " square degrees): its positions lie on a line"
	}
	if i, j, ok := selfIntersection(pts); ok {
		return geo.RuleRingSelfIntersect, "ring crosses itself: segment " + strconv.Itoa(i) + " " + fmtPos(pts[i][0], pts[i][1]) + "–" +
			fmtPos(pts[i+1][0], pts[i+1][1]) + " meets segment " + strconv.Itoa(j) + " " + fmtPos(pts[j][0], pts[j][1]) + "–" +
			fmtPos(pts[j+1][0], pts[j+1][1]) + " (a bow-tie; split it into two polygons)"
	}
	return "", ""
}

// dedupe drops consecutive repeated positions (allowed by RFC 7946, and harmless).
func dedupe(r []orb.Point) []orb.Point {
	out := make([]orb.Point, 0, len(r))
	for i, p := range r {
		if i > 0 && p == r[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}

// selfIntersection looks for two non-adjacent segments of the closed ring pts (segment k runs
// from pts[k] to pts[k+1]) that meet. It sweeps the segments in order of their west end,
// comparing each only with those whose longitude range overlaps its own.
func selfIntersection(pts []orb.Point) (int, int, bool) {
	n := len(pts) - 1 // segments
	idx := make([]int, n)
	for k := range idx {
		idx[k] = k
	}
	lo := func(k int) float64 { return math.Min(pts[k][0], pts[k+1][0]) }
	hi := func(k int) float64 { return math.Max(pts[k][0], pts[k+1][0]) }
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(lo(a), lo(b)) })
	budget := budgetPerSegment*n + budgetFloor
	active := make([]int, 0, 16)
	for _, k := range idx {
		x := lo(k)
		kept := active[:0]
		for _, m := range active {
			if hi(m) >= x {
				kept = append(kept, m)
			}
		}
		active = kept
		for _, m := range active {
			if budget--; budget < 0 {
				return 0, 0, false
			}
			if adjacent(k, m, n) {
				continue
			}
			if segmentsMeet(pts[k], pts[k+1], pts[m], pts[m+1]) {
				return min(k, m), max(k, m), true
			}
		}
		active = append(active, k)
	}
	return 0, 0, false
}

// adjacent reports whether segments a and b of a closed ring of n segments share an end.
func adjacent(a, b, n int) bool {
	d := a - b
	return d == 1 || d == -1 || d == n-1 || d == 1-n
}

// segmentsMeet reports whether segments pq and rs have a point in common.
func segmentsMeet(p, q, r, s orb.Point) bool {
	d1, d2 := orient(r, s, p), orient(r, s, q)
	d3, d4 := orient(p, q, r), orient(p, q, s)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(r, s, p)) || (d2 == 0 && onSegment(r, s, q)) ||
		(d3 == 0 && onSegment(p, q, r)) || (d4 == 0 && onSegment(p, q, s))
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// onSegment reports whether c, collinear with ab, lies within ab's bounding box.
func onSegment(a, b, c orb.Point) bool {
	return math.Min(a[0], b[0]) <= c[0] && c[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= c[1] && c[1] <= math.Max(a[1], b[1])
}

// distanceKm is how far p lies from the area g (0 inside or on it), in kilometres, on a local
// flat approximation good to well under 1% over the few kilometres it is used for.
func distanceKm(p orb.Point, g orb.Geometry) float64 {
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	default:
		return 0
	}
	kx := 111.32 * math.Cos(p[1]*math.Pi/180) // km per degree of longitude here
	const ky = 110.57                         // km per degree of latitude
	best := math.Inf(1)
	for _, poly := range polys {
		if planar.PolygonContains(poly, p) {
			return 0
		}
		for _, ring := range poly {
			for k := 0; k+1 < len(ring); k++ {
				a := orb.Point{(ring[k][0] - p[0]) * kx, (ring[k][1] - p[1]) * ky}
				b := orb.Point{(ring[k+1][0] - p[0]) * kx, (ring[k+1][1] - p[1]) * ky}
				best = math.Min(best, originToSegment(a, b))
			}
		}
	}
	return best
}

// originToSegment is the distance from [0, 0] to segment ab.
func originToSegment(a, b orb.Point) float64 {
	d := orb.Point{b[0] - a[0], b[1] - a[1]}
	l2 := d[0]*d[0] + d[1]*d[1]
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, -(a[0]*d[0]+a[1]*d[1])/l2))
	}
	return math.Hypot(a[0]+t*d[0], a[1]+t*d[1])
}
