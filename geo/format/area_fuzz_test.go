package format_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
	"github.com/covmon/covmon/geo/format"
)

// FuzzStreamAreas checks that no input makes the decoder or the join panic, that a file
// decoded without problems only yields closed rings of at least 4 positions, and that any
// error is either nil or a *ValidationError.
func FuzzStreamAreas(f *testing.F) {
	files, _ := filepath.Glob("testdata/areas-*.geojson")
	hostile, _ := filepath.Glob("../../cmd/covmon/testdata/hostile/areas-*.geojson") // TestHostile's corpus
	for _, file := range append(files, hostile...) {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(areaFile(areaFeature(areaSquare, areaProps))))
	f.Add([]byte(areaFile(areaFeature(`{"coordinates":[[[[105,21],[105.1,21],[105,21.1],[105,21]]]],"type":"MultiPolygon"}`, areaProps+`,"carrier":"mobifone","min_dl_mbps":1e1`))))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[]]},"properties":null}]}`))
	f.Add([]byte(`{"features":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`))
	f.Add([]byte(`{"type":"FeatureCollection","carrier":"viettel","features":[{"type":"Feature","properties":{"technology":"4g","observed_at":"2024-06-01","x":"\u00e9\ud83d\ude00"},"geometry":{"type":"Polygon","coordinates":[[[105,21],[105.1,21],[105,21.1],[105,21]],[]]}}]}`))
	ix := cover.NewIndex([]geo.Village{{Center: orb.Point{105.01, 21.01}}, {Center: orb.Point{105, 21}}})
	f.Fuzz(func(t *testing.T, in []byte) {
		j := cover.NewJoin(ix)
		n := 0
		err := format.StreamAreas(bytes.NewReader(in), format.Options{Now: areaNow, Workers: 2}, func(_ int, a *geo.CoverageArea) error {
			n++
			for _, p := range a.Geometry {
				if len(p) == 0 {
					t.Fatalf("empty polygon in a valid area")
				}
				for _, r := range p {
					if len(r) < 4 || r[0] != r[len(r)-1] {
						t.Fatalf("invalid ring %v in a valid area", r)
					}
				}
			}
			j.Add(a)
			return nil
		})
		var ve *geo.ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Fatalf("error %v is not a *ValidationError", err)
		}
		if ve != nil && len(ve.Problems) == 0 {
			t.Fatalf("ValidationError without problems")
		}
		_ = j.Results()
	})
}
