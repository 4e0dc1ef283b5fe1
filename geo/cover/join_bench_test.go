package cover_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/cmd/covgen/synth"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
	"github.com/covmon/covmon/geo/format"
)

// synthSet is one generated data set (cmd/covgen's generator, in process): villages, the
// cell layer as decoded areas and as file bytes, and the dissolved layer.
type synthSet struct {
	villages  []geo.Village
	cells     []geo.CoverageArea
	file      []byte
	dissolved geo.CoverageArea
	dissFile  []byte
}

var (
	synthMu    sync.Mutex
	synthCache = map[[2]int]*synthSet{}
)

// synthData generates (once per size) n villages and m cells with covgen's defaults.
func synthData(tb testing.TB, n, m int) *synthSet {
	tb.Helper()
	synthMu.Lock()
	defer synthMu.Unlock()
	if s, ok := synthCache[[2]int{n, m}]; ok {
		return s
	}
	s := &synthSet{}
	pts := synth.VillagePoints(n, 1)
	s.villages = make([]geo.Village, n)
	for i, p := range pts {
		s.villages[i] = geo.Village{ID: fmt.Sprint(i), Center: p}
	}
	var buf bytes.Buffer
	aw := synth.NewAreaWriter(&buf, "viettel", "4g", "2025-06-01", -110)
	d := synth.NewDissolver(0.01)
	_, err := synth.Cells(pts, m, 1001, func(c *synth.Cell) error {
		d.Add(c)
		return aw.Polygon(c.Polygon)
	})
	if err == nil {
		err = aw.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	s.file = buf.Bytes()
	s.cells = decodeAll(tb, s.file)
	var db bytes.Buffer
	aw = synth.NewAreaWriter(&db, "viettel", "4g", "2025-06-01", -110)
	if err := aw.MultiPolygon(d.MultiPolygon()); err != nil {
		tb.Fatal(err)
	}
	aw.Close()
	s.dissFile = db.Bytes()
	diss := decodeAll(tb, s.dissFile)
	if len(diss) != 1 {
		tb.Fatalf("dissolved layer: %d areas", len(diss))
	}
	s.dissolved = diss[0]
	synthCache[[2]int{n, m}] = s
	return s
}

func decodeAll(tb testing.TB, b []byte) []geo.CoverageArea {
	var out []geo.CoverageArea
	err := format.StreamAreas(bytes.NewReader(b), format.Options{File: "synthetic"}, func(_ int, a *geo.CoverageArea) error {
		out = append(out, *a)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestJoin_Synthetic checks covgen's data: both layers decode without problems, 15–40%
// of villages stay uncovered, and the dissolved layer (edge grid, parallel rows) agrees with
// the brute-force join on a sample of villages.
func TestJoin_Synthetic(t *testing.T) {
	s := synthData(t, 40000, 8000)
	ix := cover.NewIndex(s.villages)
	j := cover.NewJoin(ix)
	j.AddAll(s.cells)
	dark := 0
	for _, r := range j.Results() {
		if r.Dark() {
			dark++
		}
	}
	if share := float64(dark) / float64(len(s.villages)); share < 0.15 || share > 0.40 {
		t.Errorf("uncovered share %.3f, want 0.15…0.40", share)
	}
	jd := cover.NewJoin(ix)
	jd.Add(&s.dissolved)
	got := jd.Results()
	var sample []geo.Village
	for i := 0; i < len(s.villages); i += 20 {
		sample = append(sample, s.villages[i])
	}
	want := bruteJoin(sample, []geo.CoverageArea{s.dissolved})
	for k := range sample {
		w := want[fmt.Sprintf("viettel/4g/%d", k)]
		g := got[k*20]
		if g.CentreCovered != w.CentreCovered || g.Share != w.Share {
			t.Fatalf("village %d: got %+v, want %+v", k*20, g, w)
		}
	}
}

// BenchmarkVillageIndex100k builds the index of 100k village points.
func BenchmarkVillageIndex100k(b *testing.B) {
	s := synthData(b, 100000, 20000)
	b.ReportAllocs()
	for b.Loop() {
		cover.NewIndex(s.villages)
	}
}

// BenchmarkJoin100k joins 20k decoded cells against 100k indexed villages, results included.
func BenchmarkJoin100k(b *testing.B) {
	s := synthData(b, 100000, 20000)
	ix := cover.NewIndex(s.villages)
	b.ReportAllocs()
	for b.Loop() {
		j := cover.NewJoin(ix)
		j.AddAll(s.cells)
		if len(j.Results()) != 100000 {
			b.Fatal("results")
		}
	}
}

// BenchmarkIngest100k streams the 20k-cell file through StreamAreas into the join, as an
// upload does (index prebuilt).
func BenchmarkIngest100k(b *testing.B) {
	s := synthData(b, 100000, 20000)
	ix := cover.NewIndex(s.villages)
	b.SetBytes(int64(len(s.file)))
	b.ReportAllocs()
	for b.Loop() {
		j := cover.NewJoin(ix)
		err := format.StreamAreas(bytes.NewReader(s.file), format.Options{}, func(_ int, a *geo.CoverageArea) error {
			j.Add(a)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		j.Results()
	}
}

// BenchmarkJoinDissolved100k joins the same coverage dissolved into one MultiPolygon
// (thousands of vertices, hundreds of holes) against 100k villages.
func BenchmarkJoinDissolved100k(b *testing.B) {
	s := synthData(b, 100000, 20000)
	ix := cover.NewIndex(s.villages)
	holes, pos := 0, 0
	for _, p := range s.dissolved.Geometry {
		holes += len(p) - 1
		for _, r := range p {
			pos += len(r)
		}
	}
	b.Logf("dissolved: %d polygons, %d holes, %d positions", len(s.dissolved.Geometry), holes, pos)
	b.ReportAllocs()
	for b.Loop() {
		j := cover.NewJoin(ix)
		j.Add(&s.dissolved)
		j.Results()
	}
}

// BenchmarkJoinDissolvedScan100k is the same join without the edge grid: every candidate
// village tested against every edge (what a plain point-in-polygon loop does).
func BenchmarkJoinDissolvedScan100k(b *testing.B) {
	s := synthData(b, 100000, 20000)
	pts := make([]orb.Point, 0, 2000)
	for i := 0; i < len(s.villages); i += 50 {
		pts = append(pts, s.villages[i].Center)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pts {
			bruteCovers(s.dissolved.Geometry, p)
		}
	}
	b.ReportMetric(float64(len(pts)*b.N)/b.Elapsed().Seconds(), "villages/s")
}
