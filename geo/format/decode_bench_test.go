package format_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/covmon/covmon/geo/format"
)

// benchObservations is a generated observations/v1 file of 50k features (about 9 MB), built
// once.
var benchObservations = sync.OnceValue(func() []byte {
	const n = 50_000
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[`)
	techs := []string{"2g", "3g", "4g", "5g"}
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":%d,"geometry":{"type":"Point","coordinates":[%.5f,%.5f]},`+
			`"properties":{"village_id":"VN-%06d","technology":"%s","has_signal":%t,"rsrp_dbm":%.1f,"dl_mbps":%.1f,`+
			`"observed_at":"2024-%02d-%02dT%02d:15:00+07:00","method":"drive_test"}}`,
			i, 102.5+float64(i%1500)/100, 8.5+float64(i%1400)/100, i/4, techs[i%4], i%3 != 0,
			-70-float64(i%80), float64(i%500)/10, 1+i%12, 1+i%28, i%24)
	}
	b.WriteString("]}")
	return b.Bytes()
})

func BenchmarkDecodeObservations(b *testing.B) {
	in := benchObservations()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		os, err := format.DecodeObservations(bytes.NewReader(in), format.Options{File: "bench.geojson"})
		if err != nil {
			b.Fatal(err)
		}
		if len(os) != 50_000 {
			b.Fatalf("decoded %d observations", len(os))
		}
	}
}
