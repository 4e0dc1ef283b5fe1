package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/covmon/covmon/collector/postgres/pgtest"
	"github.com/covmon/covmon/geo"
)

// benchRows is the size of the observations upload the two benchmarks below write.
const benchRows, benchVillages = 100_000, 1000

func benchData(b *testing.B, iter int) ([]geo.Village, []geo.Observation) {
	vs := make([]geo.Village, benchVillages)
	for i := range vs {
		vs[i] = geo.Village{ID: fmt.Sprintf("VN-%02d-%05d", i%34, i), Name: "bench", ProvinceCode: fmt.Sprintf("%02d", i%34),
			Center: orb.Point{105, 21}, GridPower: true, Baseline: true}
	}
	carriers := []string{"viettel", "vinaphone", "mobifone", "vietnamobile"}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, geo.Vietnam)
	obs := make([]geo.Observation, benchRows)
	for k := range obs {
		rsrp := -90 - float64(k%30)
		obs[k] = geo.Observation{VillageID: vs[k%benchVillages].ID, Carrier: carriers[(k/benchVillages)%4], Technology: geo.Tech4G,
			HasSignal: k%3 != 0, RSRPdBm: &rsrp, ObservedAt: base.Add(time.Duration(iter*benchRows+k) * time.Second), Method: "drive_test"}
	}
	return vs, obs
}

func benchUpload(n int) *geo.Upload {
	sum := sha256.Sum256(fmt.Appendf(nil, "bench %d", n))
	return &geo.Upload{Kind: geo.KindObservations, Carrier: "viettel", SHA256: hex.EncodeToString(sum[:]), Source: "cli"}
}

// BenchmarkCommitObservations commits one upload of 100k new observations per iteration:
// COPY into the stage, the de-duplicating INSERT … SELECT, the series and the ledger, in one
// transaction. Compare rows/s with BenchmarkPlainCopy (docs/benchmarks.md).
func BenchmarkCommitObservations(b *testing.B) {
	ctx := context.Background()
	db := mustOpen(b, pgtest.NewDatabase(b))
	vs, _ := benchData(b, 0)
	u := &geo.Upload{Kind: geo.KindVillages, SHA256: "villages", Source: "cli"}
	if err := db.CommitVillages(ctx, u, vs); err != nil {
		b.Fatal(err)
	}
	iter := 0
	for b.Loop() {
		b.StopTimer()
		_, obs := benchData(b, iter)
		iter++
		u := benchUpload(iter)
		b.StartTimer()
		if err := db.CommitObservations(ctx, u, obs); err != nil {
			b.Fatal(err)
		}
		if u.Inserted != benchRows {
			b.Fatalf("Inserted=%d, want %d", u.Inserted, benchRows)
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPlainCopy is the floor: the same rows as CSV through a plain COPY … FROM STDIN
// into the observations table (what psql's \copy does), without validation, de-duplication,
// series or ledger.
func BenchmarkPlainCopy(b *testing.B) {
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	db := mustOpen(b, url)
	vs, _ := benchData(b, 0)
	u := &geo.Upload{Kind: geo.KindVillages, SHA256: "villages", Source: "cli"}
	if err := db.CommitVillages(ctx, u, vs); err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	iter := 0
	for b.Loop() {
		b.StopTimer()
		_, obs := benchData(b, iter)
		iter++
		var csv strings.Builder
		for _, o := range obs {
			fmt.Fprintf(&csv, "%s,%s,%d,%t,%g,%d,%s,%d\n", o.VillageID, o.Carrier, o.Technology, o.HasSignal, *o.RSRPdBm,
				o.ObservedAt.UnixMilli(), o.Method, u.ID)
		}
		b.StartTimer()
		tag, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(csv.String()),
			`COPY observations (village_id, carrier, technology, has_signal, rsrp_dbm, observed_at, method, upload_id) FROM STDIN (FORMAT csv)`)
		if err != nil {
			b.Fatal(err)
		}
		if tag.RowsAffected() != benchRows {
			b.Fatalf("copied %d", tag.RowsAffected())
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
