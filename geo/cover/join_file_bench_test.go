package cover_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/covmon/covmon/cmd/covgen/synth"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
	"github.com/covmon/covmon/geo/format"
)

// BenchmarkIngestFile streams covgen's areas files from disk into the join, as an upload of
// a big file does. It runs only when COVMON_BENCH_DIR names a covgen -out directory and
// COVMON_BENCH_VILLAGES its -villages (seed 1): the villages are regenerated in process,
// identical to villages.geojson. Run it under /usr/bin/time -v for peak RSS, e.g.
//
//	covgen -villages 1000000 -polygons 200000 -dissolved -out /tmp/cg1m
//	COVMON_BENCH_DIR=/tmp/cg1m COVMON_BENCH_VILLAGES=1000000 go test -run '^$' -bench IngestFile -benchtime 1x ./geo/cover/
func BenchmarkIngestFile(b *testing.B) {
	dir := os.Getenv("COVMON_BENCH_DIR")
	n, _ := strconv.Atoi(os.Getenv("COVMON_BENCH_VILLAGES"))
	if dir == "" || n == 0 {
		b.Skip("set COVMON_BENCH_DIR and COVMON_BENCH_VILLAGES")
	}
	pts := synth.VillagePoints(n, 1)
	vs := make([]geo.Village, n)
	for i, p := range pts {
		vs[i] = geo.Village{ID: fmt.Sprint(i), Center: p}
	}
	ix := cover.NewIndex(vs)
	files, _ := filepath.Glob(filepath.Join(dir, "areas-*.geojson"))
	for _, file := range files {
		st, err := os.Stat(file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(file), func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				f, err := os.Open(file)
				if err != nil {
					b.Fatal(err)
				}
				j := cover.NewJoin(ix)
				features := 0
				err = format.StreamAreas(bufio.NewReaderSize(f, 1<<20), format.Options{File: file}, func(_ int, a *geo.CoverageArea) error {
					features++
					j.Add(a)
					return nil
				})
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				dark := 0
				for _, r := range j.Results() {
					if r.Dark() {
						dark++
					}
				}
				b.ReportMetric(float64(dark)/float64(n), "dark-share")
				b.ReportMetric(float64(features), "features")
			}
		})
	}
}
