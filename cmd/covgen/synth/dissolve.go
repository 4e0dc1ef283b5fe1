package synth

import (
	"math"

	"github.com/paulmach/orb"
)

// Dissolver unions cells on a raster of Res-degree squares and traces the union back to a
// valid MultiPolygon, as a carrier's GIS would dissolve its cell layer: rectilinear rings,
// closed, at least 5 positions, holes inside their shell, no two rings sharing a vertex.
// It approximates the union of the 32-gons by the raster squares whose centre lies inside a
// cell's circle.
type Dissolver struct {
	res    float64
	x0, y0 float64
	w, h   int
	on     []bool
}

// NewDissolver covers the land boxes (plus a margin) at res degrees (0.01 ≈ 1.1 km).
func NewDissolver(res float64) *Dissolver {
	b := land[0].box
	for _, r := range land {
		b = b.Union(r.box)
	}
	d := &Dissolver{res: res, x0: b.Min[0] - 0.2, y0: b.Min[1] - 0.2}
	d.w = int(math.Ceil((b.Max[0]+0.2-d.x0)/res)) + 1
	d.h = int(math.Ceil((b.Max[1]+0.2-d.y0)/res)) + 1
	d.on = make([]bool, d.w*d.h)
	return d
}

// Add marks the squares whose centre lies within c's circle.
func (d *Dissolver) Add(c *Cell) {
	kmLat := 1 / 111.32
	ry := c.RadiusKm * kmLat
	rx := ry / math.Cos(c.Center[1]*math.Pi/180)
	i0 := max(1, int((c.Center[0]-rx-d.x0)/d.res))
	i1 := min(d.w-2, int((c.Center[0]+rx-d.x0)/d.res)+1)
	j0 := max(1, int((c.Center[1]-ry-d.y0)/d.res))
	j1 := min(d.h-2, int((c.Center[1]+ry-d.y0)/d.res)+1)
	for j := j0; j <= j1; j++ {
		y := (d.y0 + (float64(j)+0.5)*d.res - c.Center[1]) / ry
		for i := i0; i <= i1; i++ {
			x := (d.x0 + (float64(i)+0.5)*d.res - c.Center[0]) / rx
			if x*x+y*y <= 1 {
				d.on[j*d.w+i] = true
			}
		}
	}
}

// fixSaddles fills diagonal-only contacts (a 2×2 block with two opposite squares on) so that
// every lattice vertex has at most one outgoing boundary edge and rings never touch.
func (d *Dissolver) fixSaddles() {
	for changed := true; changed; {
		changed = false
		for j := 0; j+1 < d.h; j++ {
			for i := 0; i+1 < d.w; i++ {
				a, b := d.on[j*d.w+i], d.on[j*d.w+i+1]
				c, e := d.on[(j+1)*d.w+i], d.on[(j+1)*d.w+i+1]
				if a == e && b == c && a != b {
					d.on[j*d.w+i], d.on[j*d.w+i+1] = true, true
					d.on[(j+1)*d.w+i], d.on[(j+1)*d.w+i+1] = true, true
					changed = true
				}
			}
		}
	}
}

// MultiPolygon traces the union. Squares on the raster's outer margin are never on, so
// every ring closes inside the raster.
func (d *Dissolver) MultiPolygon() orb.MultiPolygon {
	d.fixSaddles()
	vw := d.w + 1
	next := make([]int32, vw*(d.h+1))
	for k := range next {
		next[k] = -1
	}
	on := func(i, j int) bool { return i >= 0 && j >= 0 && i < d.w && j < d.h && d.on[j*d.w+i] }
	vid := func(i, j int) int32 { return int32(j*vw + i) }
	for j := range d.h {
		for i := range d.w {
			if !d.on[j*d.w+i] {
				continue
			}
			// Boundary edges with the union on their left: outer rings run counter-clockwise.
			if !on(i, j-1) {
				next[vid(i, j)] = vid(i+1, j)
			}
			if !on(i+1, j) {
				next[vid(i+1, j)] = vid(i+1, j+1)
			}
			if !on(i, j+1) {
				next[vid(i+1, j+1)] = vid(i, j+1)
			}
			if !on(i-1, j) {
				next[vid(i, j+1)] = vid(i, j)
			}
		}
	}
	var shells, holes []orb.Ring
	for start := range next {
		if next[start] < 0 {
			continue
		}
		var ring orb.Ring
		prevDir := int32(0)
		v := int32(start)
		for next[v] >= 0 {
			n := next[v]
			next[v] = -1
			if dir := n - v; dir != prevDir {
				ring = append(ring, d.vertex(int(v)%vw, int(v)/vw))
				prevDir = dir
			}
			v = n
		}
		// Vertices are scanned bottom row first, so start is a ring's lowest-left corner.
		ring = append(ring, ring[0])
		if ringArea(ring) > 0 {
			shells = append(shells, ring)
		} else {
			holes = append(holes, ring)
		}
	}
	return assignHoles(shells, holes)
}

func (d *Dissolver) vertex(i, j int) orb.Point {
	return orb.Point{round6(d.x0 + float64(i)*d.res), round6(d.y0 + float64(j)*d.res)}
}

// ringArea is the signed area (positive counter-clockwise) of a closed ring.
func ringArea(r orb.Ring) float64 {
	a := 0.0
	for i := 1; i < len(r); i++ {
		a += r[i-1][0]*r[i][1] - r[i][0]*r[i-1][1]
	}
	return a / 2
}

// inside is a plain ray cast; p is never on r here (rings share no vertex).
func inside(r orb.Ring, p orb.Point) bool {
	in := false
	for i := 1; i < len(r); i++ {
		a, b := r[i-1], r[i]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}

// assignHoles gives each hole to the smallest shell that contains it.
func assignHoles(shells, holes []orb.Ring) orb.MultiPolygon {
	mp := make(orb.MultiPolygon, len(shells))
	bounds := make([]orb.Bound, len(shells))
	areas := make([]float64, len(shells))
	for i, s := range shells {
		mp[i] = orb.Polygon{s}
		bounds[i] = s.Bound()
		areas[i] = ringArea(s)
	}
	for _, h := range holes {
		best := -1
		for i := range shells {
			if bounds[i].Contains(h[0]) && (best < 0 || areas[i] < areas[best]) && inside(shells[i], h[0]) {
				best = i
			}
		}
		if best >= 0 { // always, for a raster union
			mp[best] = append(mp[best], h)
		}
	}
	return mp
}
