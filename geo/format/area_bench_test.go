package format_test

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"testing"

	"github.com/paulmach/orb/geojson"

	"github.com/covmon/covmon/cmd/covgen/synth"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// benchAreas is the areas/v1 file the area benchmarks decode: cmd/covgen's cell layer (seed 1)
// of 20k cells over 100k villages, viettel × 4g, built once. geo/cover's join benchmarks use
// the same data.
var benchAreas = sync.OnceValue(func() []byte {
	pts := synth.VillagePoints(100000, 1)
	var buf bytes.Buffer
	aw := synth.NewAreaWriter(&buf, "viettel", "4g", "2025-06-01", -110)
	_, err := synth.Cells(pts, 20000, 1001, func(c *synth.Cell) error { return aw.Polygon(c.Polygon) })
	if err == nil {
		err = aw.Close()
	}
	if err != nil {
		panic(err)
	}
	return buf.Bytes()
})

// BenchmarkStreamAreas decodes and validates a 20k-cell areas/v1 file from memory.
func BenchmarkStreamAreas(b *testing.B) {
	file := benchAreas()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := format.StreamAreas(bytes.NewReader(file), format.Options{}, func(int, *geo.CoverageArea) error { n++; return nil })
		if err != nil || n != 20000 {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "features/s")
}

// BenchmarkAreasEncodingJSON is the baseline: the same bytes streamed through
// encoding/json's token API, each feature decoded into orb's geojson.Feature (no validation).
func BenchmarkAreasEncodingJSON(b *testing.B) {
	file := benchAreas()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		n, err := areaEncodingJSON(bytes.NewReader(file), func(*geojson.Feature) {})
		if err != nil || n != 20000 {
			b.Fatal(n, err)
		}
	}
}

// areaEncodingJSON is the streaming pattern from docs (ECOSYSTEM §1).
func areaEncodingJSON(r io.Reader, fn func(*geojson.Feature)) (int, error) {
	dec := json.NewDecoder(r)
	if _, err := dec.Token(); err != nil {
		return 0, err
	}
	n := 0
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return n, err
		}
		if k != "features" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return n, err
			}
			continue
		}
		if _, err := dec.Token(); err != nil {
			return n, err
		}
		for dec.More() {
			f := &geojson.Feature{}
			if err := dec.Decode(f); err != nil {
				return n, err
			}
			fn(f)
			n++
		}
		if _, err := dec.Token(); err != nil {
			return n, err
		}
	}
	return n, nil
}
