package sqlite_test

import (
	"context"
	"database/sql"
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
		// A file from before 0004 has no latest_claims either (0034 reads area_share).
		`DROP TRIGGER observations_latest_claim`,
		`DROP TABLE latest_claims`,
		`DROP INDEX observations_independent`,
		`DELETE FROM schema_migrations WHERE name LIKE '%0034_latest_claims.sql'`,
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
