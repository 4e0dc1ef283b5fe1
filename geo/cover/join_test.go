package cover_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
)

// bruteOnSegment reports whether p lies on segment a–b: inside its bounding box with a zero
// cross product (the same arithmetic as the production edge test, so near-degenerate points
// are decided identically).
func bruteOnSegment(a, b, p orb.Point) bool {
	if p[0] < math.Min(a[0], b[0]) || p[0] > math.Max(a[0], b[0]) ||
		p[1] < math.Min(a[1], b[1]) || p[1] > math.Max(a[1], b[1]) {
		return false
	}
	return (b[0]-a[0])*(p[1]-a[1])-(b[1]-a[1])*(p[0]-a[0]) == 0
}

// bruteRing is a plain ray cast over every edge of r: on is true when p lies on the ring,
// inside when the ray towards +x crosses it an odd number of times.
func bruteRing(r orb.Ring, p orb.Point) (on, inside bool) {
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if bruteOnSegment(a, b, p) {
			return true, false
		}
		if (a[1] > p[1]) == (b[1] > p[1]) {
			continue
		}
		switch {
		case p[0] < math.Min(a[0], b[0]):
			inside = !inside
		case p[0] <= math.Max(a[0], b[0]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]):
			inside = !inside
		}
	}
	return false, inside
}

// bruteCovers is ST_Intersects for a valid polygon: on any ring, or inside the shell and not
// inside any hole.
func bruteCovers(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		in := false
		for k, r := range poly {
			on, inside := bruteRing(r, p)
			if on {
				return true
			}
			if k == 0 {
				in = inside
			} else if inside {
				in = false
			}
		}
		if in {
			return true
		}
	}
	return false
}

// bruteJoin tests every village point against every area.
func bruteJoin(vs []geo.Village, areas []geo.CoverageArea) map[string]cover.Result {
	out := map[string]cover.Result{}
	type layer struct {
		c string
		t geo.Technology
	}
	byLayer := map[layer][]int{}
	for i, a := range areas {
		byLayer[layer{a.Carrier, a.Technology}] = append(byLayer[layer{a.Carrier, a.Technology}], i)
	}
	covered := func(idx []int, p orb.Point) bool {
		for _, i := range idx {
			if bruteCovers(areas[i].Geometry, p) {
				return true
			}
		}
		return false
	}
	for l, idx := range byLayer {
		for v := range vs {
			r := cover.Result{VillageIndex: v, Carrier: l.c, Technology: l.t}
			r.CentreCovered = covered(idx, vs[v].Center)
			samples := cover.SamplePoints(vs[v].Area, nil)
			n := 0
			for _, s := range samples {
				if covered(idx, s) {
					n++
				}
			}
			switch {
			case len(samples) > 0:
				r.Share = float64(n) / float64(len(samples))
			case r.CentreCovered:
				r.Share = 1
			}
			out[fmt.Sprintf("%s/%s/%d", l.c, l.t, v)] = r
		}
	}
	return out
}

// star is a star-shaped polygon around c: n vertices at radius 0.6r…r, holes placed on a
// circle well inside the shell so the polygon is valid (holes inside, disjoint).
func star(rng *rand.Rand, c orb.Point, r float64, n, holes int) orb.Polygon {
	shell := make(orb.Ring, 0, n+1)
	for k := range n {
		a := 2 * math.Pi * (float64(k) + 0.4*(rng.Float64()-0.5)) / float64(n)
		rad := r * (0.6 + 0.4*rng.Float64())
		shell = append(shell, orb.Point{c[0] + rad*math.Cos(a), c[1] + rad*math.Sin(a)})
	}
	shell = append(shell, shell[0])
	if rng.IntN(2) == 0 {
		shell.Reverse() // orientation must not matter
	}
	poly := orb.Polygon{shell}
	for h := range min(holes, 6) {
		a := 2 * math.Pi * float64(h) / 6
		hc := orb.Point{c[0] + 0.15*r*math.Cos(a), c[1] + 0.15*r*math.Sin(a)}
		m := 4 + rng.IntN(40)
		hole := make(orb.Ring, 0, m+1)
		for k := range m {
			b := 2 * math.Pi * float64(k) / float64(m)
			hole = append(hole, orb.Point{hc[0] + 0.04*r*math.Cos(b), hc[1] + 0.04*r*math.Sin(b)})
		}
		poly = append(poly, append(hole, hole[0]))
	}
	return poly
}

// histogram is a rectilinear polygon on a 1/64 grid (a dissolved-layer lookalike): a row
// of columns of random heights with a square hole in each, so points on the same grid land
// exactly on edges and vertices.
func histogram(rng *rand.Rand, x0, y0 float64, cols int) orb.Polygon {
	const u = 1.0 / 64
	shell := orb.Ring{{x0, y0}, {x0 + float64(cols)*4*u, y0}}
	hs := make([]float64, cols)
	for k := range hs {
		hs[k] = float64(4+rng.IntN(12)) * u
	}
	for k := cols - 1; k >= 0; k-- {
		shell = append(shell, orb.Point{x0 + float64(k+1)*4*u, y0 + hs[k]}, orb.Point{x0 + float64(k)*4*u, y0 + hs[k]})
	}
	shell = append(shell, shell[0])
	poly := orb.Polygon{shell}
	for k := range cols {
		if rng.IntN(3) == 0 {
			continue
		}
		a, b := x0+(float64(4*k)+1)*u, x0+(float64(4*k)+3)*u
		poly = append(poly, orb.Ring{{a, y0 + u}, {a, y0 + 3*u}, {b, y0 + 3*u}, {b, y0 + u}, {a, y0 + u}})
	}
	return poly
}

// TestCovers_Boundary pins the boundary rule on a square with a square hole: the outer edge,
// a vertex and the hole's edge are covered, the hole's inside and the outside are not.
func TestCovers_Boundary(t *testing.T) {
	sq := func(x0, y0, x1, y1 float64) orb.Ring {
		return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	}
	poly := orb.Polygon{sq(105, 20, 106, 21), sq(105.4, 20.4, 105.6, 20.6)}
	for _, c := range []struct {
		name string
		p    orb.Point
		want bool
	}{
		{"inside", orb.Point{105.2, 20.2}, true},
		{"on outer edge", orb.Point{105.5, 20}, true},
		{"on vertex", orb.Point{106, 21}, true},
		{"on hole edge", orb.Point{105.4, 20.5}, true},
		{"inside hole", orb.Point{105.5, 20.5}, false},
		{"outside", orb.Point{106.1, 20.5}, false},
	} {
		if got := cover.PolygonCovers(poly, c.p); got != c.want {
			t.Errorf("%s: PolygonCovers = %v, want %v", c.name, got, c.want)
		}
		if got := cover.Covers(orb.MultiPolygon{poly}, c.p); got != c.want {
			t.Errorf("%s: Covers = %v, want %v", c.name, got, c.want)
		}
	}
	if cover.Covers(nil, orb.Point{105.2, 20.2}) {
		t.Error("an empty MultiPolygon covers nothing")
	}
}
