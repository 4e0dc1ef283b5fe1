//go:build unix

package format_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// The decoders take time linear in their input, whatever the input holds. These benchmarks
// decode files of 1, 4, 16 and 64 MiB of three shapes for each format — ordinary features,
// whitespace between the features, and whitespace inside one feature — and report ns/MiB and
// cpu-ns/MiB, which must stay flat across sizes (docs/benchmarks.md, "Decoding is linear").

// linearSizes are the input sizes in MiB.
var linearSizes = []int{1, 4, 16, 64}

// decodeAny decodes in as format kind and returns the error (problems are expected for the
// whitespace shapes: a file of blanks has no features).
func decodeAny(kind geo.UploadKind, in io.Reader) error {
	opt := format.Options{File: "bench.geojson", Carrier: "viettel"}
	switch kind {
	case geo.KindVillages:
		_, err := format.DecodeVillages(in, opt)
		return err
	case geo.KindObservations:
		_, err := format.DecodeObservations(in, opt)
		return err
	}
	return format.StreamAreas(in, opt, func(int, *geo.CoverageArea) error { return nil })
}

// linearFeature is one feature of kind with index i.
func linearFeature(kind geo.UploadKind, i int) string {
	lon, lat := 103.0+float64(i%1000)/1000, 21.0+float64(i/1000%1000)/1000
	switch kind {
	case geo.KindVillages:
		return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%.4f,%.4f]},"properties":`+
			`{"village_id":"B-%07d","name":"Bản %d","commune_code":"02710","province_code":"15","grid_power":true}}`, lon, lat, i, i)
	case geo.KindObservations:
		return fmt.Sprintf(`{"type":"Feature","geometry":null,"properties":{"village_id":"B-%07d","technology":"4g",`+
			`"has_signal":true,"observed_at":"2024-03-01T10:00:00Z"}}`, i)
	}
	return fmt.Sprintf(`{"type":"Feature","properties":{"technology":"4g","observed_at":"2024-03-01"},"geometry":`+
		`{"type":"Polygon","coordinates":[[[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f]]]}}`,
		lon, lat, lon+0.001, lat, lon+0.001, lat+0.001, lon, lat)
}

// linearInput builds a file of about mib MiB of shape "features", "blank-between" (one feature,
// then blanks before "]") or "blank-inside" (blanks inside the one feature's properties).
func linearInput(kind geo.UploadKind, shape string, mib int) []byte {
	size := mib << 20
	var b bytes.Buffer
	b.Grow(size + 1024)
	b.WriteString(`{"type":"FeatureCollection","covmon_schema":"` + string(kind) + `/v1","features":[`)
	switch shape {
	case "features":
		for i := 0; b.Len() < size; i++ {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(linearFeature(kind, i))
		}
	case "blank-between":
		b.WriteString(linearFeature(kind, 0))
		b.WriteString(strings.Repeat(" \n\t", (size-b.Len())/3))
	case "blank-inside":
		f := linearFeature(kind, 0)
		k := strings.Index(f, `"properties":{`) + len(`"properties":{`)
		b.WriteString(f[:k])
		b.WriteString(strings.Repeat(" \n\t", (size-b.Len())/3))
		b.WriteString(f[k:])
	}
	b.WriteString("]}")
	return b.Bytes()
}

func BenchmarkDecodeLinear(b *testing.B) {
	for _, kind := range []geo.UploadKind{geo.KindVillages, geo.KindObservations, geo.KindAreas} {
		for _, shape := range []string{"features", "blank-between", "blank-inside"} {
			for _, mib := range linearSizes {
				in := linearInput(kind, shape, mib)
				b.Run(fmt.Sprintf("%s/%s/%dMiB", kind, shape, mib), func(b *testing.B) {
					b.SetBytes(int64(len(in)))
					cpu0 := cpuTime()
					for b.Loop() {
						if err := decodeAny(kind, bytes.NewReader(in)); err != nil && shape == "features" {
							b.Fatal(err)
						}
					}
					mibs := float64(b.N) * float64(len(in)) / (1 << 20)
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/mibs, "ns/MiB")
					// CPU time of the process (all goroutines, GC included): unlike wall time it
					// does not grow when other work shares the machine.
					b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/mibs, "cpu-ns/MiB")
				})
			}
		}
	}
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
