package cover_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
)

// randomJoinCase builds villages and areas in the box lon 105…106, lat 20…21: star polygons
// with holes (some with hundreds of vertices, so the edge grid is used), rectilinear
// histograms whose edges lie on a 1/64 grid, multipolygons, and villages placed on that grid,
// on polygon vertices and at random, some with settled areas.
func randomJoinCase(seed uint64) ([]geo.Village, []geo.CoverageArea) {
	rng := rand.New(rand.NewPCG(seed, 42))
	layers := []struct {
		c string
		t geo.Technology
	}{{"viettel", geo.Tech4G}, {"mobifone", geo.Tech4G}, {"viettel", geo.Tech3G}}
	var areas []geo.CoverageArea
	var vertices []orb.Point
	for k := range 60 {
		var mp orb.MultiPolygon
		for range 1 + rng.IntN(3) {
			c := orb.Point{105 + rng.Float64(), 20 + rng.Float64()}
			var p orb.Polygon
			switch rng.IntN(4) {
			case 0:
				p = histogram(rng, 105+float64(rng.IntN(40))/64, 20+float64(rng.IntN(40))/64, 2+rng.IntN(60))
			case 1:
				p = star(rng, c, 0.02+0.2*rng.Float64(), 100+rng.IntN(400), rng.IntN(7))
			default:
				p = star(rng, c, 0.01+0.1*rng.Float64(), 5+rng.IntN(40), rng.IntN(3))
			}
			mp = append(mp, p)
			for _, r := range p {
				vertices = append(vertices, r[rng.IntN(len(r))])
			}
		}
		l := layers[k%len(layers)]
		areas = append(areas, geo.CoverageArea{Carrier: l.c, Technology: l.t, Method: "model", Geometry: mp})
	}
	var vs []geo.Village
	add := func(p orb.Point, area orb.Geometry) {
		vs = append(vs, geo.Village{ID: fmt.Sprintf("V%d", len(vs)), Center: p, Area: area})
	}
	for range 3000 {
		add(orb.Point{105 + rng.Float64(), 20 + rng.Float64()}, nil)
	}
	for range 2000 { // on the 1/128 grid: on histogram edges, vertices and hole edges
		add(orb.Point{105 + float64(rng.IntN(128))/128, 20 + float64(rng.IntN(128))/128}, nil)
	}
	for _, v := range vertices {
		add(v, nil)
	}
	for range 400 {
		c := orb.Point{105 + rng.Float64(), 20 + rng.Float64()}
		var area orb.Geometry
		switch rng.IntN(3) {
		case 0:
			area = star(rng, c, 0.002+0.03*rng.Float64(), 6+rng.IntN(10), rng.IntN(2))
		case 1:
			area = orb.MultiPolygon{star(rng, c, 0.01, 8, 0), star(rng, orb.Point{c[0] + 0.03, c[1]}, 0.01, 5, 0)}
		default:
			s := float64(1+rng.IntN(8)) / 128
			x, y := 105+float64(rng.IntN(120))/128, 20+float64(rng.IntN(120))/128
			area = orb.Polygon{{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}}
		}
		add(c, area)
	}
	return vs, areas
}

// TestJoin_MatchesBruteForce checks the indexed join against a plain loop over every
// village and every polygon, exactly, on several random cases; sequential Add and parallel
// AddAll must agree too.
func TestJoin_MatchesBruteForce(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			vs, areas := randomJoinCase(seed)
			want := bruteJoin(vs, areas)
			ix := cover.NewIndex(vs)

			seq := cover.NewJoin(ix)
			for i := range areas {
				seq.Add(&areas[i])
			}
			par := cover.NewJoin(ix)
			par.AddAll(areas)

			for name, j := range map[string]*cover.Join{"Add": seq, "AddAll": par} {
				got := j.Results()
				if len(got) != len(want) {
					t.Fatalf("%s: got %d results, want %d", name, len(got), len(want))
				}
				bad := 0
				for _, g := range got {
					w := want[fmt.Sprintf("%s/%s/%d", g.Carrier, g.Technology, g.VillageIndex)]
					if g != w && bad < 10 {
						bad++
						v := vs[g.VillageIndex]
						t.Errorf("%s: village %d at %v (area %v): got %+v, want %+v", name, g.VillageIndex, v.Center, v.Area != nil, g, w)
					}
				}
			}
			covered, dark, partial := 0, 0, 0
			for _, r := range want {
				switch {
				case r.Dark():
					dark++
				case r.Partial():
					partial++
				default:
					covered++
				}
			}
			if covered == 0 || dark == 0 || partial == 0 {
				t.Errorf("degenerate case: %d covered, %d dark, %d partial", covered, dark, partial)
			}
		})
	}
}

// TestJoin_RingOrientation checks that reversing every ring changes nothing.
func TestJoin_RingOrientation(t *testing.T) {
	vs, areas := randomJoinCase(7)
	ix := cover.NewIndex(vs)
	a := cover.NewJoin(ix)
	a.AddAll(areas)
	for i := range areas {
		mp := areas[i].Geometry.Clone()
		for _, p := range mp {
			for _, r := range p {
				r.Reverse()
			}
		}
		areas[i].Geometry = mp
	}
	b := cover.NewJoin(ix)
	b.AddAll(areas)
	got, want := b.Results(), a.Results()
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("reversed rings: got %+v, want %+v", got[i], want[i])
		}
	}
}

// TestJoin_EmptyGeometry checks that empty polygons, rings and areas cover nothing and
// do not panic (orb's planar.PolygonContains panics on an empty polygon).
func TestJoin_EmptyGeometry(t *testing.T) {
	vs := []geo.Village{{Center: orb.Point{105, 21}, Area: orb.Polygon{}}, {Center: orb.Point{106, 21}, Area: orb.MultiPolygon{{}}}}
	j := cover.NewJoin(cover.NewIndex(vs))
	j.Add(&geo.CoverageArea{Carrier: "viettel", Technology: geo.Tech4G})
	j.Add(&geo.CoverageArea{Carrier: "viettel", Technology: geo.Tech4G, Geometry: orb.MultiPolygon{{}, {{}}, {{{105, 21}}}}})
	for _, r := range j.Results() {
		want := cover.Result{VillageIndex: r.VillageIndex, Carrier: "viettel", Technology: geo.Tech4G}
		if r != want {
			t.Errorf("got %+v, want %+v", r, want)
		}
	}
	if got := cover.NewJoin(cover.NewIndex(nil)).Results(); len(got) != 0 {
		t.Errorf("no villages: got %d results", len(got))
	}
}
