package cover

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// MaxSamples is the most sample points a village's settled area gets for the covered share.
const MaxSamples = 16

// Index holds the points the coverage join tests, in a uniform grid: each village's
// centre and, for a village with a settled area, up to MaxSamples sample points spread over
// that area. Build it once per registry and share it: it is read-only and safe for concurrent
// use.
type Index struct {
	n      int
	pts    []orb.Point // sorted by grid cell, row by row
	bound  orb.Bound
	nx, ny int
	invW   float64
	invH   float64
	start  []int32 // points of cell c: pts[start[c]:start[c+1]]

	centre []int32 // position in pts of village v's centre
	sstart []int32 // samples of village v: samp[sstart[v]:sstart[v+1]]
	samp   []int32 // positions in pts
}

// NewIndex indexes vs. Village indexes in results are positions in vs. Sample points
// are a deterministic grid over the area's bound, kept where the area covers them (see
// Index.Samples); a village whose area is missing, empty or too thin to hold a grid
// point has no samples.
func NewIndex(vs []geo.Village) *Index {
	return newIndex(len(vs), func(i int) (orb.Point, orb.Geometry) { return vs[i].Center, vs[i].Area })
}

// VillageShape is what the coverage join needs of a village: its centre and settled area.
type VillageShape struct {
	Center orb.Point
	Area   orb.Geometry // orb.Polygon, orb.MultiPolygon or nil
}

// NewIndexShapes is NewIndex for callers that hold only the shapes (a large
// registry need not be loaded whole for a join).
func NewIndexShapes(shapes []VillageShape) *Index {
	return newIndex(len(shapes), func(i int) (orb.Point, orb.Geometry) { return shapes[i].Center, shapes[i].Area })
}

func newIndex(n int, at func(i int) (orb.Point, orb.Geometry)) *Index {
	ix := &Index{n: n, sstart: make([]int32, n+1)}
	raw := make([]orb.Point, 0, n)
	for i := range n {
		c, _ := at(i)
		raw = append(raw, c)
	}
	var samp []orb.Point
	for i := range n {
		_, area := at(i)
		samp = SamplePoints(area, samp[:0])
		raw = append(raw, samp...)
		ix.sstart[i+1] = ix.sstart[i] + int32(len(samp))
	}
	ix.build(raw)
	return ix
}

// Len returns the number of villages indexed.
func (ix *Index) Len() int { return ix.n }

// Points returns the number of points indexed (centres plus samples).
func (ix *Index) Points() int { return len(ix.pts) }

// SamplePoints appends to dst the sample points of a settled area (orb.Polygon or
// orb.MultiPolygon; anything else has none): the centres of a g×g grid over the area's
// bound, for g = 4, 8, 16 until at least MaxSamples of them lie in the area (by the
// coverage rule, boundary included), thinned evenly to MaxSamples.
func SamplePoints(area orb.Geometry, dst []orb.Point) []orb.Point {
	var mp orb.MultiPolygon
	switch a := area.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{a}
	case orb.MultiPolygon:
		mp = a
	default:
		return dst
	}
	var b orb.Bound
	have := false
	for _, p := range mp {
		pb, _, ok := polygonBound(p)
		if !ok {
			continue
		}
		if !have {
			b, have = pb, true
		}
		b = b.Union(pb)
	}
	if !have {
		return dst
	}
	base := len(dst)
	for _, g := range []int{4, 8, 16} {
		dst = dst[:base]
		w, h := (b.Max[0]-b.Min[0])/float64(g), (b.Max[1]-b.Min[1])/float64(g)
		for j := range g {
			for i := range g {
				x := b.Min[0] + (float64(i)+0.5)*w
				y := b.Min[1] + (float64(j)+0.5)*h
				if multiCovers(mp, x, y) {
					dst = append(dst, orb.Point{x, y})
				}
			}
		}
		if len(dst)-base >= MaxSamples {
			break
		}
	}
	n := len(dst) - base
	if n <= MaxSamples {
		return dst
	}
	for k := range MaxSamples {
		dst[base+k] = dst[base+k*n/MaxSamples]
	}
	return dst[:base+MaxSamples]
}

// build sorts raw (centres first, then samples in village order) into grid cells.
func (ix *Index) build(raw []orb.Point) {
	if len(raw) == 0 {
		ix.nx, ix.ny, ix.start = 1, 1, make([]int32, 2)
		return
	}
	b := orb.Bound{Min: raw[0], Max: raw[0]}
	for _, p := range raw {
		b = b.Extend(p)
	}
	ix.bound = b
	cells := max(1, len(raw)/2)
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	ix.nx, ix.ny = 1, 1
	switch {
	case w > 0 && h > 0:
		ix.nx = max(1, int(math.Sqrt(float64(cells)*w/h)))
		ix.ny = max(1, cells/ix.nx)
	case w > 0:
		ix.nx = cells
	case h > 0:
		ix.ny = cells
	}
	ix.nx, ix.ny = min(ix.nx, 8192), min(ix.ny, 8192)
	if w > 0 {
		ix.invW = float64(ix.nx) / w
	}
	if h > 0 {
		ix.invH = float64(ix.ny) / h
	}
	nc := ix.nx * ix.ny
	ix.start = make([]int32, nc+1)
	cell := make([]int32, len(raw))
	for k, p := range raw {
		c := ix.cellOf(p[0], p[1])
		cell[k] = int32(c)
		ix.start[c+1]++
	}
	for c := range nc {
		ix.start[c+1] += ix.start[c]
	}
	fill := make([]int32, nc)
	copy(fill, ix.start[:nc])
	ix.pts = make([]orb.Point, len(raw))
	pos := make([]int32, len(raw))
	for k, p := range raw {
		c := cell[k]
		ix.pts[fill[c]] = p
		pos[k] = fill[c]
		fill[c]++
	}
	ix.centre = pos[:ix.n:ix.n]
	ix.samp = pos[ix.n:]
}

// cellOf returns the grid cell of (x, y), clamped to the grid. It is monotonic in x and y,
// so the cells of a bound's corners enclose the cells of every point inside the bound.
func (ix *Index) cellOf(x, y float64) int {
	i := min(max(int((x-ix.bound.Min[0])*ix.invW), 0), ix.nx-1)
	j := min(max(int((y-ix.bound.Min[1])*ix.invH), 0), ix.ny-1)
	return j*ix.nx + i
}

// Samples returns how many sample points village v (its position in the slice given to
// NewIndex) has: 0 for a village known only by its centre.
func (ix *Index) Samples(v int) int { return int(ix.sstart[v+1] - ix.sstart[v]) }
