package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/geo"
)

// cancelAfter reads r and calls cancel once more than n bytes have been read.
type cancelAfter struct {
	r      io.Reader
	n      int64
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	if c.n -= int64(k); c.n < 0 {
		c.cancel()
	}
	return k, err
}

// TestStagedIngest_EndsWithoutLeftovers: an upload staged while read that does not end
// stored — abandoned mid-file (its context cancelled), rejected by a bad last row, or a
// duplicate — leaves no session in a transaction and gives its stage's place back: with a
// pool of two sessions (one stage at a time) the next uploads are staged and stored, and only
// the accepted ones are recorded as such. A leaked session would hang the next upload (the
// context's timeout fails it); a place not given back would stage no upload again.
func TestStagedIngest_EndsWithoutLeftovers(t *testing.T) {
	ctx, cancelAll := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancelAll()
	db, in := openWithRegistry(t, ctx, 2)
	// 20,000 rows (about 3 MB): 40 villages, one a day from 2020-01-01; last, when not
	// empty, replaces the last row.
	file := func(day0 int, last string) []byte {
		var rows []string
		for d := range 500 {
			at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day0+d).Format(time.DateOnly)
			for v := 1; v <= 40; v++ {
				rows = append(rows, fmt.Sprintf(`"village_id":"V04-%04d","technology":"4g","has_signal":%t,"observed_at":%q`, v, (v+d)%3 == 0, at))
			}
		}
		if last != "" {
			rows[len(rows)-1] = last
		}
		return obsFile(`"carrier":"viettel"`, "", rows...)
	}
	f := func(name string) collector.File {
		return collector.File{Name: name, Kind: geo.KindObservations, Source: "api"}
	}

	// Abandoned after 256 KiB.
	cctx, cancel := context.WithCancel(ctx)
	_, err := in.Ingest(cctx, f("abandoned.geojson"), &cancelAfter{r: bytes.NewReader(file(0, "")), n: 256 << 10, cancel: cancel})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned upload: %v, want context.Canceled", err)
	}
	// Rejected by its last row.
	u, err := in.Ingest(ctx, f("bad.geojson"), bytes.NewReader(file(0, `"village_id":"V04-0001","technology":"4g","has_signal":true,"observed_at":"yesterday"`)))
	if err != nil || u.Result != geo.ResultRejected {
		t.Fatalf("bad last row: %v %+v, want rejected", err, u)
	}
	// Accepted, then its duplicate, then another.
	good := file(0, "")
	if u, err := in.Ingest(ctx, f("good.geojson"), bytes.NewReader(good)); err != nil || u.Result != geo.ResultAccepted || u.Inserted == 0 {
		t.Fatalf("good file: %v %+v", err, u)
	}
	if u, err := in.Ingest(ctx, f("again.geojson"), bytes.NewReader(good)); err != nil || u.Result != geo.ResultDuplicate {
		t.Fatalf("the same bytes again: %v %+v, want a duplicate", err, u)
	}
	if u, err := in.Ingest(ctx, f("later.geojson"), bytes.NewReader(file(500, ""))); err != nil || u.Result != geo.ResultAccepted || u.Inserted == 0 {
		t.Fatalf("a later file: %v %+v", err, u)
	}
	if s := postgres.StagedUploads(db); s != 2 {
		t.Errorf("%d uploads stored from a stage, want 2 (the good and the later file)", s)
	}

	ups, err := db.Uploads(ctx, geo.UploadFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[geo.UploadResult]int{}
	for _, u := range ups {
		if u.Kind == geo.KindObservations {
			got[u.Result]++
		}
	}
	if want := map[geo.UploadResult]int{geo.ResultAccepted: 2, geo.ResultRejected: 1, geo.ResultDuplicate: 1}; !maps.Equal(got, want) {
		t.Errorf("observations uploads %v, want %v (nothing of the abandoned one)", got, want)
	}

	conn, err := pgx.Connect(ctx, db.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var open int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&open); err != nil {
		t.Fatal(err)
	}
	if open != 0 {
		t.Errorf("%d sessions in a transaction after the uploads ended, want none", open)
	}
}
