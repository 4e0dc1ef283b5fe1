package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

var benchCarriers = []string{"viettel", "vinaphone", "mobifone", "vietnamobile"}

// benchVillages returns n villages spread over 34 provinces.
func benchVillages(n int) []geo.Village {
	vs := make([]geo.Village, n)
	for i := range vs {
		vs[i] = geo.Village{
			ID:           fmt.Sprintf("VN-%02d-%05d", i%34, i),
			Name:         "bench",
			ProvinceCode: fmt.Sprintf("%02d", i%34),
			Center:       orb.Point{105, 21},
			GridPower:    true,
			Baseline:     true,
			Programs:     []string{"vls-2024"},
		}
	}
	return vs
}

// BenchmarkCommitObservations commits one upload of 100k new observations per iteration.
func BenchmarkCommitObservations(b *testing.B) {
	const villages, rows = 1000, 100_000
	db := MustOpenDB(b)
	vs := benchVillages(villages)
	mustCommitVillages(b, db, vs...)
	ctx := context.Background()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, geo.Vietnam)

	obs := make([]geo.Observation, rows)
	iter := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for k := range obs {
			obs[k] = geo.Observation{
				VillageID:  vs[k%villages].ID,
				Carrier:    benchCarriers[(k/villages)%4],
				Technology: geo.Tech4G,
				HasSignal:  k%3 != 0,
				RSRPdBm:    ptr(-90 - float64(k%30)),
				ObservedAt: base.Add(time.Duration(iter*rows+k) * time.Second),
				Method:     "drive_test",
			}
		}
		iter++
		u := newUpload(geo.KindObservations, "")
		b.StartTimer()
		if err := db.CommitObservations(ctx, u, obs); err != nil {
			b.Fatal(err)
		}
		if u.Inserted != rows {
			b.Fatalf("Inserted=%d, want %d", u.Inserted, rows)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkObservationsVsFloor commits the same 100k new observations per iteration three
// times, into three databases holding the same registry: through CommitObservations (an
// observations file), through CommitChangedObservations in batches of one layer (an areas
// upload's results), and through the floor (a plain prepared INSERT per row from Go into the
// same schema, one transaction). It reports the times and the ratios to the floor, measured
// in one run (issue 16: within 1.5×).
func BenchmarkObservationsVsFloor(b *testing.B) {
	const villages, rows = 10_000, 100_000
	ctx := context.Background()
	vs := benchVillages(villages)
	commitDB, floorDB, areaDB := MustOpenDB(b), MustOpenDB(b), MustOpenDB(b)
	mustCommitVillages(b, commitDB, vs...)
	mustCommitVillages(b, floorDB, vs...)
	mustCommitVillages(b, areaDB, vs...)
	var area time.Duration
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, geo.Vietnam)
	obs := make([]geo.Observation, rows)
	var commit, floor time.Duration
	iter := 0
	for b.Loop() {
		b.StopTimer()
		for k := range obs {
			obs[k] = geo.Observation{
				VillageID:  vs[k%villages].ID,
				Carrier:    benchCarriers[(k/villages)%4],
				Technology: geo.Technology(2 + (k/(4*villages))%3),
				HasSignal:  iter%2 == 0, // every series changes: the areas path writes changes only
				RSRPdBm:    ptr(-90 - float64(k%30)),
				ObservedAt: base.Add(time.Duration(iter) * time.Hour),
				Method:     "drive_test",
			}
		}
		iter++
		fu := newUpload(geo.KindObservations, "")
		fu.Result = geo.ResultRejected // an upload row for the floor's rows to refer to
		if err := floorDB.RecordUpload(ctx, fu); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		if err := floorDB.FloorInsertObservations(ctx, fu.ID, obs); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		u := newUpload(geo.KindObservations, "")
		if err := commitDB.CommitObservations(ctx, u, obs); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if u.Inserted != rows {
			b.Fatalf("Inserted=%d, want %d", u.Inserted, rows)
		}
		au := newUpload(geo.KindAreas, "")
		if err := areaDB.CommitChangedObservations(ctx, au, func(yield func([]geo.Observation) bool) {
			for k := 0; k < rows; k += villages { // obs is ordered by layer, villages apart
				if !yield(obs[k : k+villages]) {
					return
				}
			}
		}); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		if au.Inserted != rows {
			b.Fatalf("areas Inserted=%d, want %d", au.Inserted, rows)
		}
		floor += t1.Sub(t0)
		commit += t2.Sub(t1)
		area += t3.Sub(t2)
	}
	b.ReportMetric(floor.Seconds()/float64(b.N), "floor_s")
	b.ReportMetric(commit.Seconds()/float64(b.N), "commit_s")
	b.ReportMetric(area.Seconds()/float64(b.N), "areas_s")
	b.ReportMetric(commit.Seconds()/floor.Seconds(), "commit/floor")
	b.ReportMetric(area.Seconds()/floor.Seconds(), "areas/floor")
}

// BenchmarkLatestObservations reads the latest observations of 10k villages × 4 carriers × 2
// technologies, each series with 12 observations (960k stored).
func BenchmarkLatestObservations(b *testing.B) {
	const villages, perSeries = 10_000, 12
	db := MustOpenDB(b)
	vs := benchVillages(villages)
	mustCommitVillages(b, db, vs...)
	seedBenchHistory(b, db, vs, perSeries)

	base := time.Date(2020, 1, 1, 0, 0, 0, 0, geo.Vietnam)
	asOf := base.AddDate(0, 9, 15) // inside the history: about 9 of 12 monthly reports count
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = vs[i*97].ID
	}
	for _, bb := range []struct {
		name   string
		filter geo.VillageFilter
	}{
		{"All", geo.VillageFilter{}},
		{"Province", geo.VillageFilter{ProvinceCode: "07"}},
		{"IDs100", geo.VillageFilter{IDs: ids}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			var n int
			b.ReportAllocs()
			for b.Loop() {
				latest, err := db.LatestObservations(context.Background(), asOf, bb.filter)
				if err != nil {
					b.Fatal(err)
				}
				n = 0
				for _, obs := range latest {
					n += len(obs)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// seedBenchHistory stores perSeries monthly observations for each village × carrier ×
// {3G, 4G}, in uploads of at most 100k rows.
func seedBenchHistory(tb testing.TB, db *sqlite.DB, vs []geo.Village, perSeries int) {
	tb.Helper()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, geo.Vietnam)
	var batch []geo.Observation
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := db.CommitObservations(context.Background(), newUpload(geo.KindObservations, ""), batch); err != nil {
			tb.Fatal(err)
		}
		batch = batch[:0]
	}
	for m := range perSeries {
		for i := range vs {
			for c, carrier := range benchCarriers {
				for _, tech := range []geo.Technology{geo.Tech3G, geo.Tech4G} {
					batch = append(batch, geo.Observation{
						VillageID: vs[i].ID, Carrier: carrier, Technology: tech,
						HasSignal:  (i+c+m)%4 != 0,
						ObservedAt: base.AddDate(0, m, i%28),
						Method:     "on_air_report",
					})
					if len(batch) == 100_000 {
						flush()
					}
				}
			}
		}
	}
	flush()
}

// registryVillages returns n villages shaped like covgen's registry: IDs whose province
// prefix puts them in no particular order, names, communes, one program each.
func registryVillages(n int) []geo.Village {
	vs := make([]geo.Village, n)
	for i := range vs {
		p := (i * 7919) % 63
		vs[i] = geo.Village{
			ID:           fmt.Sprintf("SY-%02d-%07d", p, i),
			Name:         fmt.Sprintf("Thôn %d (synthetic)", i),
			CommuneCode:  fmt.Sprintf("%05d", (i*104729)%10000),
			ProvinceCode: fmt.Sprintf("%02d", p),
			ProvinceName: "Đồng bằng sông Hồng (synthetic)",
			Center:       orb.Point{102 + float64(i%1000)/100, 9 + float64(i%1300)/100},
			GridPower:    i%3 != 0,
			Households:   20 + i%150,
			Baseline:     true,
			Programs:     []string{"vls-2024"},
		}
	}
	return vs
}

// BenchmarkCommitVillages imports a registry of 100k villages into an empty database (first)
// and then the same registry again, unchanged (again: every village compared, nothing
// written but the upload record).
func BenchmarkCommitVillages(b *testing.B) {
	const n = 100_000
	vs := registryVillages(n)
	var first, again, firstCPU, againCPU time.Duration
	for b.Loop() {
		b.StopTimer()
		db := MustOpenDB(b)
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime(b)
		u := mustCommitVillages(b, db, vs...)
		t1, c1 := time.Now(), cpuTime(b)
		if u.Inserted != n {
			b.Fatalf("Inserted=%d, want %d", u.Inserted, n)
		}
		u = mustCommitVillages(b, db, vs...)
		t2, c2 := time.Now(), cpuTime(b)
		if u.Inserted != 0 {
			b.Fatalf("again: Inserted=%d, want 0", u.Inserted)
		}
		first += t1.Sub(t0)
		again += t2.Sub(t1)
		firstCPU += c1 - c0
		againCPU += c2 - c1
	}
	b.ReportMetric(first.Seconds()/float64(b.N), "first_s")
	b.ReportMetric(again.Seconds()/float64(b.N), "again_s")
	// Wall time stretches with the machine's load; the process's CPU time much less.
	b.ReportMetric(firstCPU.Seconds()/float64(b.N), "first_cpu_s")
	b.ReportMetric(againCPU.Seconds()/float64(b.N), "again_cpu_s")
}
