// Command landclip makes the status page's base layer: the land of a box around Vietnam, as
// GeoJSON, from the world-atlas package's land TopoJSON (Natural Earth land, public domain;
// world-atlas is ISC). It keeps land only (no country borders: Natural Earth's country layers
// assign Hoàng Sa to another state; covmon labels the archipelagos as Vietnam's itself).
//
// Reproduce the committed file (collector/page/static/vn-land.geojson):
//
//	npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
//	go run ./cmd/landclip -in package/land-10m.json -out collector/page/static/vn-land.geojson
//
// The TopoJSON arcs are decoded (quantized, delta-encoded), rings assembled, each polygon
// clipped to the box (Sutherland–Hodgman, orb/clip), simplified (Douglas–Peucker; an island
// that would vanish is kept unsimplified) and its coordinates rounded; rings left with fewer
// than 4 points are dropped.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/simplify"
)

type topology struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][2]float64 `json:"arcs"`
	Objects map[string]struct {
		Type       string `json:"type"`
		Geometries []struct {
			Type string          `json:"type"`
			Arcs json.RawMessage `json:"arcs"`
		} `json:"geometries"`
	} `json:"objects"`
}

func main() {
	in := flag.String("in", "land-10m.json", "world-atlas land TopoJSON `file`")
	out := flag.String("out", "vn-land.geojson", "GeoJSON `file` to write")
	object := flag.String("object", "land", "TopoJSON object `name`")
	minLon := flag.Float64("min-lon", 100, "box west edge")
	maxLon := flag.Float64("max-lon", 120, "box east edge")
	minLat := flag.Float64("min-lat", 5, "box south edge")
	maxLat := flag.Float64("max-lat", 25, "box north edge")
	tol := flag.Float64("simplify", 0.005, "Douglas–Peucker tolerance in `degrees`")
	digits := flag.Int("digits", 3, "decimal `digits` kept per coordinate")
	flag.Parse()
	if err := run(*in, *out, *object, orb.Bound{Min: orb.Point{*minLon, *minLat}, Max: orb.Point{*maxLon, *maxLat}}, *tol, *digits); err != nil {
		fmt.Fprintln(os.Stderr, "landclip:", err)
		os.Exit(1)
	}
}

func run(in, out, object string, box orb.Bound, tol float64, digits int) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var t topology
	if err := json.Unmarshal(b, &t); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if t.Type != "Topology" {
		return fmt.Errorf("%s: not a TopoJSON Topology", in)
	}
	arcs := decodeArcs(&t)
	obj, ok := t.Objects[object]
	if !ok {
		return fmt.Errorf("%s: no object %q", in, object)
	}
	var land orb.MultiPolygon
	for _, g := range obj.Geometries {
		var polys [][][]int
		switch g.Type {
		case "Polygon":
			var p [][]int
			if err := json.Unmarshal(g.Arcs, &p); err != nil {
				return err
			}
			polys = [][][]int{p}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				return err
			}
		default:
			continue
		}
		for _, p := range polys {
			poly := make(orb.Polygon, 0, len(p))
			for _, r := range p {
				poly = append(poly, ring(arcs, r))
			}
			if !poly.Bound().Intersects(box) {
				continue
			}
			poly = clip.Polygon(box, poly)
			kept := tidy(simplify.DouglasPeucker(tol).Polygon(poly.Clone()), digits)
			if kept == nil { // a small island: keep it as drawn rather than lose it
				kept = tidy(poly, digits)
			}
			if kept != nil {
				land = append(land, kept)
			}
		}
	}
	fc := geojson.NewFeatureCollection()
	f := geojson.NewFeature(land)
	f.Properties = geojson.Properties{"source": "world-atlas@2.0.2 " + object + " (Natural Earth), clipped by cmd/landclip"}
	fc.Append(f)
	js, err := json.Marshal(fc)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d polygons, %d bytes\n", out, len(land), len(js)+1)
	return nil
}

// decodeArcs turns quantized, delta-encoded arcs into positions.
func decodeArcs(t *topology) [][]orb.Point {
	out := make([][]orb.Point, len(t.Arcs))
	for i, a := range t.Arcs {
		pts := make([]orb.Point, len(a))
		var x, y float64
		for j, p := range a {
			if t.Transform == nil {
				pts[j] = orb.Point(p)
				continue
			}
			x, y = x+p[0], y+p[1]
			pts[j] = orb.Point{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]}
		}
		out[i] = pts
	}
	return out
}

// ring joins arcs (a negative index ~i is arc i reversed); each arc after the first repeats
// the previous one's last point, which is dropped.
func ring(arcs [][]orb.Point, idx []int) orb.Ring {
	var r orb.Ring
	for k, i := range idx {
		var a []orb.Point
		if i >= 0 {
			a = arcs[i]
		} else {
			src := arcs[^i]
			a = make([]orb.Point, len(src))
			for j := range src {
				a[j] = src[len(src)-1-j]
			}
		}
		if k > 0 && len(a) > 0 {
			a = a[1:]
		}
		r = append(r, a...)
	}
	return r
}

// tidy rounds coordinates, drops repeated points and rings with fewer than 4 points; nil if
// the outer ring goes.
func tidy(p orb.Polygon, digits int) orb.Polygon {
	scale := math.Pow(10, float64(digits))
	var out orb.Polygon
	for i, r := range p {
		var nr orb.Ring
		for _, pt := range r {
			q := orb.Point{math.Round(pt[0]*scale) / scale, math.Round(pt[1]*scale) / scale}
			if len(nr) > 0 && nr[len(nr)-1] == q {
				continue
			}
			nr = append(nr, q)
		}
		if len(nr) > 0 && nr[0] != nr[len(nr)-1] {
			nr = append(nr, nr[0])
		}
		if len(nr) < 4 {
			if i == 0 {
				return nil
			}
			continue
		}
		out = append(out, nr)
	}
	return out
}
