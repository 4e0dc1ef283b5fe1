package cover

import (
	"github.com/paulmach/orb"
)

// Point-in-polygon, the rule every coverage test in covmon uses.
//
// A point is covered by a polygon when it lies on any of its rings (outer or hole) or when a
// ray from it towards +x crosses the polygon's rings an odd number of times. For a valid
// polygon (holes inside the shell, not overlapping one another, as OGC simple features
// require) that is exactly PostGIS ST_Intersects(polygon, point): the outer boundary and the
// hole boundaries are part of the polygon, a hole's interior is not. (orb's
// planar.PolygonContains differs: it counts a point on a hole's edge as outside.) Invalid
// polygons are read with the even-odd rule. A MultiPolygon covers a point when any of its
// polygons does. Empty polygons and rings cover nothing.
//
// The edge test below is the single definition: the brute-force join, the per-polygon scan
// and the edge grid all apply it edge by edge, so they agree bit for bit, including at
// vertices and on edges.

// edgeTest tests point (x, y) against the edge a→b. on is true when the point lies on the
// edge (within its bounding box, with a zero cross product); cross is true when the half-open
// rule (a.y > y) != (b.y > y) holds and the edge lies to the right of the point. An edge
// whose bounding box is entirely to the right crosses without any arithmetic, which the edge
// grid relies on.
func edgeTest(ax, ay, bx, by, x, y float64) (on, cross bool) {
	minX, maxX := ax, bx
	if minX > maxX {
		minX, maxX = maxX, minX
	}
	if x > maxX {
		return false, false
	}
	minY, maxY := ay, by
	if minY > maxY {
		minY, maxY = maxY, minY
	}
	if y < minY || y > maxY {
		return false, false
	}
	if x >= minX && (bx-ax)*(y-ay)-(by-ay)*(x-ax) == 0 {
		return true, false
	}
	if (ay > y) == (by > y) {
		return false, false
	}
	if x < minX {
		return false, true
	}
	return false, x < ax+(y-ay)*(bx-ax)/(by-ay)
}

// ringTest returns whether (x, y) is on ring r and whether the ray from it crosses r an odd
// number of times. The ring must be closed (the decoder guarantees it).
func ringTest(r orb.Ring, x, y float64) (on, odd bool) {
	for i := 1; i < len(r); i++ {
		o, c := edgeTest(r[i-1][0], r[i-1][1], r[i][0], r[i][1], x, y)
		if o {
			return true, false
		}
		if c {
			odd = !odd
		}
	}
	return false, odd
}

// polygonCovers reports whether polygon p covers (x, y) (see the rule above).
func polygonCovers(p orb.Polygon, x, y float64) bool {
	odd := false
	for _, r := range p {
		on, o := ringTest(r, x, y)
		if on {
			return true
		}
		if o {
			odd = !odd
		}
	}
	return odd
}

// multiCovers reports whether any polygon of mp covers (x, y).
func multiCovers(mp orb.MultiPolygon, x, y float64) bool {
	for _, p := range mp {
		if polygonCovers(p, x, y) {
			return true
		}
	}
	return false
}

// polygonBound is the bound of every ring of p (not only the shell, as orb's Bound is):
// under the even-odd rule a stray ring outside the shell still counts. ok is false for a
// polygon with no positions.
func polygonBound(p orb.Polygon) (b orb.Bound, n int, ok bool) {
	for _, r := range p {
		for _, q := range r {
			if !ok {
				b, ok = orb.Bound{Min: q, Max: q}, true
			}
			b.Min[0] = min(b.Min[0], q[0])
			b.Min[1] = min(b.Min[1], q[1])
			b.Max[0] = max(b.Max[0], q[0])
			b.Max[1] = max(b.Max[1], q[1])
		}
		if len(r) > 1 {
			n += len(r) - 1
		}
	}
	return b, n, ok
}

// Covers reports whether mp covers p (degrees, planar): p lies on any ring of mp, outer or
// hole, or inside a polygon's shell and not strictly inside one of its holes. A village on a
// coverage boundary is covered; one strictly inside a hole is not. An empty MultiPolygon
// covers nothing. It is the rule Join applies to every indexed point.
func Covers(mp orb.MultiPolygon, p orb.Point) bool { return multiCovers(mp, p[0], p[1]) }

// PolygonCovers is Covers for one polygon. Unlike orb's planar.PolygonContains it counts a
// point on a hole's boundary as covered.
func PolygonCovers(poly orb.Polygon, p orb.Point) bool { return polygonCovers(poly, p[0], p[1]) }
