package sqlite_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// TestDB_LatestClaimsBackfill: migration 0034 fills latest_claims from a database that
// already has observations (corrections, late reports of earlier instants, a measurement that
// is no claim), so that today's walk, which reads it, equals the as-of query of the history.
func TestDB_LatestClaimsBackfill(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustCommitVillages(t, db, testVillages(3)...)
	hour := func(n int) time.Time { return now.Add(time.Duration(n) * time.Hour) }
	mustCommitObservations(t, db,
		obsAt("V000", "viettel", geo.Tech4G, true, hour(-3)),
		obsAt("V001", "viettel", geo.Tech4G, true, hour(-2)),
		obsAt("V002", "mobifone", geo.Tech3G, false, hour(-1)))
	mustCommitObservations(t, db, obsAt("V001", "viettel", geo.Tech4G, false, hour(-2)))
	mustCommitObservations(t, db, obsAt("V001", "viettel", geo.Tech4G, true, hour(-2)))
	mustCommitObservations(t, db, obsAt("V000", "viettel", geo.Tech4G, false, hour(-5)))
	m := obsAt("V002", "mobifone", geo.Tech3G, true, hour(-1))
	m.Source, m.Inspector = geo.SourceIndependent, "Sở TTTT"
	mustCommitObservations(t, db, m)

	// As a file from before 0034.
	mustExec(t, db, `DROP TRIGGER observations_latest_claim`)
	mustExec(t, db, `DROP TABLE latest_claims`)
	mustExec(t, db, `DROP INDEX observations_independent`)
	mustExec(t, db, `DELETE FROM schema_migrations WHERE name LIKE '%0034_latest_claims.sql'`)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rawQueryInt(t, db, `SELECT count(*) FROM latest_claims`); n != 3 {
		t.Errorf("latest_claims after the migration: %d rows, want 3 (one per series, no measurement)", n)
	}
	want, err := db.LatestObservations(ctx, now, geo.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]geo.Observation{}
	if err := db.EachVillageLatest(ctx, now, 0, geo.VillageFilter{}, func(v *geo.Village, latest []geo.Observation) error {
		if len(latest) > 0 {
			got[v.ID] = append([]geo.Observation(nil), latest...)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("today's walk after the backfill:\n got %+v\nwant %+v", got, want)
	}
	// The trigger is back: a new claim becomes the latest.
	mustCommitObservations(t, db, obsAt("V002", "mobifone", geo.Tech3G, true, hour(-0)))
	if n := rawQueryInt(t, db, `SELECT has_signal FROM latest_claims WHERE village_id = 'V002'`); n != 1 {
		t.Errorf("V002's latest claim after a new one: has_signal %d, want 1", n)
	}
}
