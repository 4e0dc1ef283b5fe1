package cover

import (
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
)

// gridMinEdges is the size from which a polygon gets an edge grid; smaller polygons (a
// cell's 32-gon) are cheaper to scan edge by edge.
const gridMinEdges = 96

// edgeGrid answers point-in-polygon for a big polygon (a dissolved coverage layer with
// thousands of vertices and hundreds of holes) in time independent of its size.
//
// The polygon's bound is cut into nx×ny cells at boundaries xs and ys. Each cell lists the
// edges whose bounding box touches it. For a point in cell (i, j), the edges crossed by its
// ray towards +x are of two kinds: edges touching the cell, tested one by one with edgeTest,
// and edges lying wholly right of the cell (minX > xs[i+1]), which cross exactly when
// minY ≤ y < maxY (edgeTest needs no arithmetic for them). The parity of the second kind
// depends only on the column and y: it flips at the y of each vertex where exactly one of the
// two incident edges lies wholly right of xs[i+1], which is what a column's sorted events
// record. Every other edge cannot cross the ray nor hold the point. The answer is therefore
// the same bit as scanning every edge with edgeTest.
type edgeGrid struct {
	bound     orb.Bound
	nx, ny    int
	xs, ys    []float64
	invW      float64
	invH      float64
	cellStart []int32 // edges of cell c: cellEdges[cellStart[c]:cellStart[c+1]]
	cellEdges []int32
	edges     [][4]float64 // ax, ay, bx, by
	colStart  []int32      // events of column i: colEv[colStart[i]:colStart[i+1]], sorted
	colEv     []float64
	cellEv    []int32 // first event of the cell's column at or above ys[j]
	cellOdd   []bool  // parity of the column's events below ys[j]
}

// newEdgeGrid indexes polygon p, whose bound (over all rings) is b and edge count n.
func newEdgeGrid(p orb.Polygon, b orb.Bound, n int) *edgeGrid {
	g := &edgeGrid{bound: b}
	cells := max(1, n/2)
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	g.nx, g.ny = 1, 1
	if w > 0 && h > 0 {
		g.nx = max(1, int(math.Sqrt(float64(cells)*w/h)))
		g.ny = max(1, cells/g.nx)
	} else if w > 0 {
		g.nx = cells
	} else if h > 0 {
		g.ny = cells
	}
	g.nx, g.ny = min(g.nx, 4096), min(g.ny, 4096)
	g.xs = splits(b.Min[0], b.Max[0], g.nx)
	g.ys = splits(b.Min[1], b.Max[1], g.ny)
	if w > 0 {
		g.invW = float64(g.nx) / w
	}
	if h > 0 {
		g.invH = float64(g.ny) / h
	}
	g.edges = make([][4]float64, 0, n)
	for _, r := range p {
		for i := 1; i < len(r); i++ {
			g.edges = append(g.edges, [4]float64{r[i-1][0], r[i-1][1], r[i][0], r[i][1]})
		}
	}
	g.fillCells()
	g.fillEvents(p)
	return g
}

// splits returns n+1 boundaries from lo to hi; the last is exactly hi.
func splits(lo, hi float64, n int) []float64 {
	s := make([]float64, n+1)
	for i := range s {
		s[i] = lo + (hi-lo)*float64(i)/float64(n)
	}
	s[n] = hi
	return s
}

// cellSpan returns the cells [i0, i1] whose closed interval [s[i], s[i+1]] meets [lo, hi].
func cellSpan(s []float64, lo, hi float64) (int, int) {
	n := len(s) - 1
	i0 := sort.SearchFloat64s(s[1:], lo) // first i with s[i+1] >= lo
	i1 := sort.Search(n, func(i int) bool { return s[i] > hi }) - 1
	return min(i0, n-1), max(i1, 0)
}

func (g *edgeGrid) fillCells() {
	nc := g.nx * g.ny
	g.cellStart = make([]int32, nc+1)
	type span struct{ i0, i1, j0, j1 int32 }
	spans := make([]span, len(g.edges))
	for k, e := range g.edges {
		i0, i1 := cellSpan(g.xs, min(e[0], e[2]), max(e[0], e[2]))
		j0, j1 := cellSpan(g.ys, min(e[1], e[3]), max(e[1], e[3]))
		spans[k] = span{int32(i0), int32(i1), int32(j0), int32(j1)}
		for j := j0; j <= j1; j++ {
			for i := i0; i <= i1; i++ {
				g.cellStart[j*g.nx+i+1]++
			}
		}
	}
	for c := range nc {
		g.cellStart[c+1] += g.cellStart[c]
	}
	g.cellEdges = make([]int32, g.cellStart[nc])
	fill := slices.Clone(g.cellStart[:nc])
	for k, s := range spans {
		for j := s.j0; j <= s.j1; j++ {
			for i := s.i0; i <= s.i1; i++ {
				c := int(j)*g.nx + int(i)
				g.cellEdges[fill[c]] = int32(k)
				fill[c]++
			}
		}
	}
}

// fillEvents records, per column, the y of each vertex where exactly one incident edge lies
// wholly right of the column's right boundary, then each cell's starting parity.
func (g *edgeGrid) fillEvents(p orb.Polygon) {
	type ev struct {
		col int32
		y   float64
	}
	var evs []ev
	right := g.xs[1:]                // right boundary of column i
	add := func(lo, hi, y float64) { // columns with lo <= right[i] < hi
		for i := sort.SearchFloat64s(right, lo); i < len(right) && right[i] < hi; i++ {
			evs = append(evs, ev{int32(i), y})
		}
	}
	edgeMin := func(a, b orb.Point) float64 { return min(a[0], b[0]) }
	for _, r := range p {
		if len(r) < 2 {
			continue
		}
		if r[0] == r[len(r)-1] { // closed: every vertex has two edges
			m := len(r) - 1
			for k := range m {
				m1 := edgeMin(r[(k+m-1)%m], r[k])
				m2 := edgeMin(r[k], r[k+1])
				add(min(m1, m2), max(m1, m2), r[k][1])
			}
			continue
		}
		// Open chain (never from the decoder): the end vertices have one edge each.
		add(math.Inf(-1), edgeMin(r[0], r[1]), r[0][1])
		for k := 1; k < len(r)-1; k++ {
			m1 := edgeMin(r[k-1], r[k])
			m2 := edgeMin(r[k], r[k+1])
			add(min(m1, m2), max(m1, m2), r[k][1])
		}
		add(math.Inf(-1), edgeMin(r[len(r)-2], r[len(r)-1]), r[len(r)-1][1])
	}
	g.colStart = make([]int32, g.nx+1)
	for _, e := range evs {
		g.colStart[e.col+1]++
	}
	for i := range g.nx {
		g.colStart[i+1] += g.colStart[i]
	}
	g.colEv = make([]float64, len(evs))
	fill := slices.Clone(g.colStart[:g.nx])
	for _, e := range evs {
		g.colEv[fill[e.col]] = e.y
		fill[e.col]++
	}
	g.cellEv = make([]int32, g.nx*g.ny)
	g.cellOdd = make([]bool, g.nx*g.ny)
	for i := range g.nx {
		col := g.colEv[g.colStart[i]:g.colStart[i+1]]
		slices.Sort(col)
		for j := range g.ny {
			below := sort.SearchFloat64s(col, g.ys[j]) // events < ys[j]
			g.cellEv[j*g.nx+i] = g.colStart[i] + int32(below)
			g.cellOdd[j*g.nx+i] = below%2 == 1
		}
	}
}

// cell returns the index of a boundary interval holding v: s[i] <= v <= s[i+1].
func gridCell(s []float64, lo, inv, v float64) int {
	n := len(s) - 1
	i := min(max(int((v-lo)*inv), 0), n-1)
	for i > 0 && v < s[i] {
		i--
	}
	for i < n-1 && v > s[i+1] {
		i++
	}
	return i
}

// covers reports whether the polygon covers (x, y); the point must be inside g.bound.
func (g *edgeGrid) covers(x, y float64) bool {
	i := gridCell(g.xs, g.bound.Min[0], g.invW, x)
	j := gridCell(g.ys, g.bound.Min[1], g.invH, y)
	c := j*g.nx + i
	odd := g.cellOdd[c]
	for k, end := g.cellEv[c], g.colStart[i+1]; k < end && g.colEv[k] <= y; k++ {
		odd = !odd
	}
	for _, e := range g.cellEdges[g.cellStart[c]:g.cellStart[c+1]] {
		ed := &g.edges[e]
		on, cr := edgeTest(ed[0], ed[1], ed[2], ed[3], x, y)
		if on {
			return true
		}
		if cr {
			odd = !odd
		}
	}
	return odd
}
