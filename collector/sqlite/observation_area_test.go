package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// areaObsAt is an observation made from a coverage-area upload.
func areaObsAt(village string, signal bool, share *float64, d int) geo.Observation {
	o := obsAt(village, "viettel", geo.Tech4G, signal, day(d))
	o.Method, o.AreaShare = "model", share
	return o
}

func TestDB_Migration0004(t *testing.T) {
	// Take a database back to its state before 0004 (no area_share column, the old identity
	// index), then reopen it: the migration runs and the old rows read with a nil share.
	ctx := context.Background()
	db := MustOpenDB(t)
	mustCommitVillages(t, db, testVillages(1)...)
	mustCommitObservations(t, db, obsAt("V000", "viettel", geo.Tech4G, true, day(1)))
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP INDEX IF EXISTS observations_identity`,
		`DROP INDEX IF EXISTS uploads_carrier_sha256_accepted`,
		`CREATE UNIQUE INDEX uploads_sha256_accepted ON uploads (sha256) WHERE result = 'accepted'`,
		`ALTER TABLE observations DROP COLUMN area_share`,
		`CREATE UNIQUE INDEX observations_identity ON observations (village_id, carrier, technology,
			observed_at, method, has_signal, ifnull(rsrp_dbm, ''), ifnull(dl_mbps, ''))`,
		`DELETE FROM schema_migrations WHERE name LIKE '%0004_area_share.sql' OR name LIKE '%0005_%'`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db2 := sqlite.NewDB(path)
	if err := db2.Open(ctx); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db2.Close()
	got, err := db2.Observations(ctx, "V000")
	if err != nil || len(got) != 1 || got[0].AreaShare != nil {
		t.Fatalf("got %+v, %v; want the old observation with a nil share", got, err)
	}
	u := newUpload(geo.KindAreas, "viettel")
	o := areaObsAt("V000", true, ptr(0.5), 1)
	if err := db2.CommitObservations(ctx, u, []geo.Observation{o}); err != nil || u.Inserted != 1 {
		t.Fatalf("insert with a share after the migration: %v, Inserted=%d", err, u.Inserted)
	}
}

// TestDB_CommitChangedObservations_ManyRows: an areas upload's results go in multi-row
// statements; more rows than one statement holds are all stored, and a row naming a village
// the registry does not hold fails the upload naming that row, with nothing written.
func TestDB_CommitChangedObservations_ManyRows(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	vs := testVillages(450)
	mustCommitVillages(t, db, vs...)
	layer := make([]geo.Observation, len(vs))
	for i := range vs {
		layer[i] = areaObsAt(vs[i].ID, i%2 == 0, nil, 1)
	}
	u := newUpload(geo.KindAreas, "viettel")
	if err := db.CommitChangedObservations(ctx, u, batches(layer)); err != nil {
		t.Fatal(err)
	}
	if u.Inserted != len(vs) {
		t.Fatalf("Inserted=%d, want %d", u.Inserted, len(vs))
	}
	latest, err := db.LatestObservations(ctx, day(2), geo.VillageFilter{})
	if err != nil || len(latest) != len(vs) {
		t.Fatalf("latest of %d villages (%v), want %d", len(latest), err, len(vs))
	}
	if got := latest["V301"]; len(got) != 1 || got[0].HasSignal || got[0].Method != "model" {
		t.Fatalf("V301=%+v, want one dark model observation", got)
	}

	next := make([]geo.Observation, len(vs))
	for i := range vs {
		next[i] = areaObsAt(vs[i].ID, i%2 == 1, nil, 3) // every village changes
	}
	next[333].VillageID = "NOT-IN-REGISTRY"
	u2 := newUpload(geo.KindAreas, "viettel")
	err = db.CommitChangedObservations(ctx, u2, batches(next))
	if !errors.Is(err, geo.ErrNotFound) || !strings.Contains(err.Error(), `"NOT-IN-REGISTRY"`) || !strings.Contains(err.Error(), "observation 333") {
		t.Fatalf("err=%v, want ErrNotFound naming observation 333 and its village", err)
	}
	if latest, err := db.LatestObservations(ctx, day(4), geo.VillageFilter{}); err != nil || latest["V000"][0].ObservedAt.Equal(day(3)) {
		t.Fatalf("the failed upload left rows: %v %+v", err, latest["V000"])
	}
}
