package cover

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// Result is one village's coverage by one carrier × technology, as the uploaded areas
// say. A village whose centre is not covered is trắng sóng (dark at the centre); one whose
// centre is covered but whose Share is below 1 is lõm sóng (part of the settled area dark).
type Result struct {
	// Index is the village's position in the slice given to NewIndex.
	VillageIndex int
	Carrier      string
	Technology   geo.Technology
	// CentreCovered is true when a coverage area covers the village centre (boundary
	// included; see Join).
	CentreCovered bool
	// Share is the fraction of the settled area's sample points that are covered, 0…1. A
	// village without sample points has Share 1 when its centre is covered, else 0.
	Share float64
}

// Dark reports whether the centre has no coverage (trắng sóng).
func (r *Result) Dark() bool { return !r.CentreCovered }

// Partial reports whether the centre is covered but part of the settled area is not
// (lõm sóng).
func (r *Result) Partial() bool { return r.CentreCovered && r.Share < 1 }

// layerKey is a carrier × technology layer.
type layerKey struct {
	carrier string
	tech    geo.Technology
}

// Join accumulates coverage areas against a Index. A point is covered when any
// added area of its layer covers it: on an outer or hole boundary counts as covered (PostGIS
// ST_Intersects), strictly inside a hole does not. Add and AddAll are safe for concurrent
// use; call Results after the last Add.
type Join struct {
	ix     *Index
	mu     sync.Mutex
	layers map[layerKey][]uint64 // one bit per indexed point, set atomically
}

// NewJoin starts a join against ix.
func NewJoin(ix *Index) *Join {
	return &Join{ix: ix, layers: map[layerKey][]uint64{}}
}

func (j *Join) layer(k layerKey) []uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	bits, ok := j.layers[k]
	if !ok {
		bits = make([]uint64, (len(j.ix.pts)+63)/64)
		j.layers[k] = bits
	}
	return bits
}

// Add marks the points a covers. The geometry is not modified or retained. Empty polygons
// and rings cover nothing; rings should be closed, as StreamAreas guarantees. A polygon with
// many vertices gets an edge grid, and one with many candidate points is tested on all
// CPUs.
func (j *Join) Add(a *geo.CoverageArea) {
	bits := j.layer(layerKey{a.Carrier, a.Technology})
	for _, p := range a.Geometry {
		j.addPolygon(bits, p)
	}
}

// AddAll adds every area, spread over GOMAXPROCS goroutines.
func (j *Join) AddAll(areas []geo.CoverageArea) {
	var next atomic.Int64
	parallel(func() {
		for {
			i := int(next.Add(1)) - 1
			if i >= len(areas) {
				return
			}
			j.Add(&areas[i])
		}
	})
}

// parallel runs fn on GOMAXPROCS goroutines and waits.
func parallel(fn func()) {
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(fn)
	}
	wg.Wait()
}

// parallelMin is the candidate point count from which one polygon's test is split
// across CPUs.
const parallelMin = 1 << 15

func (j *Join) addPolygon(bits []uint64, p orb.Polygon) {
	ix := j.ix
	b, n, ok := polygonBound(p)
	if !ok || len(ix.pts) == 0 || !b.Intersects(ix.bound) {
		return
	}
	covers := func(x, y float64) bool { return polygonCovers(p, x, y) }
	if n >= gridMinEdges {
		covers = newEdgeGrid(p, b, n).covers
	}
	c0 := ix.cellOf(b.Min[0], b.Min[1])
	c1 := ix.cellOf(b.Max[0], b.Max[1])
	i0, j0 := c0%ix.nx, c0/ix.nx
	i1, j1 := c1%ix.nx, c1/ix.nx
	rows := func(ja, jb int) {
		for row := ja; row <= jb; row++ {
			s, e := ix.start[row*ix.nx+i0], ix.start[row*ix.nx+i1+1]
			for k := s; k < e; k++ {
				w, m := &bits[k>>6], uint64(1)<<(k&63)
				if atomic.LoadUint64(w)&m != 0 {
					continue
				}
				q := ix.pts[k]
				if q[0] < b.Min[0] || q[0] > b.Max[0] || q[1] < b.Min[1] || q[1] > b.Max[1] {
					continue
				}
				if covers(q[0], q[1]) {
					atomic.OrUint64(w, m)
				}
			}
		}
	}
	cand := ix.start[j1*ix.nx+i1+1] - ix.start[j0*ix.nx+i0]
	nw := runtime.GOMAXPROCS(0)
	if cand < parallelMin || nw == 1 || j1 == j0 {
		rows(j0, j1)
		return
	}
	var next atomic.Int64
	next.Store(int64(j0))
	parallel(func() {
		for {
			row := int(next.Add(1)) - 1
			if row > j1 {
				return
			}
			rows(row, row)
		}
	})
}

// Results returns one result per village per layer added, sorted by carrier, technology and
// village index.
func (j *Join) Results() []Result {
	keys := make([]layerKey, 0, len(j.layers))
	for k := range j.layers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b layerKey) int {
		return cmp.Or(cmp.Compare(a.carrier, b.carrier), cmp.Compare(a.tech, b.tech))
	})
	ix := j.ix
	out := make([]Result, 0, len(keys)*ix.n)
	set := func(bits []uint64, k int32) bool { return bits[k>>6]&(1<<(k&63)) != 0 }
	for _, k := range keys {
		bits := j.layers[k]
		for v := range ix.n {
			r := Result{VillageIndex: v, Carrier: k.carrier, Technology: k.tech}
			r.CentreCovered = set(bits, ix.centre[v])
			samp := ix.samp[ix.sstart[v]:ix.sstart[v+1]]
			switch {
			case len(samp) > 0:
				c := 0
				for _, s := range samp {
					if set(bits, s) {
						c++
					}
				}
				r.Share = float64(c) / float64(len(samp))
			case r.CentreCovered:
				r.Share = 1
			}
			out = append(out, r)
		}
	}
	return out
}
