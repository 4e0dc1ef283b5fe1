package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/collector/postgres/pgtest"
	"github.com/covmon/covmon/collector/storetest"
	"github.com/covmon/covmon/geo"
)

// TestStreams_OneSessionBothShapes pins that the history walk (8 columns) and the as-of walk
// (13 columns), which name their observations cursor alike, can run one after the other on one
// session: the FETCH of a cursor is one SQL text whatever the cursor's query, and a cached
// description of the first shape made the second fail ("bind message has 13 result formats
// but query has 8 columns"): two covmon serve on one database logged it on alert evaluation
// and on the refresh after an upload.
func TestStreams_OneSessionBothShapes(t *testing.T) {
	ctx := context.Background()
	db := postgres.NewDB(pgtest.NewDatabase(t))
	db.Now = func() time.Time { return storetest.Now }
	db.MaxConns = 1 // every read on the one session
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	vs := storetest.Villages(5)
	storetest.MustCommitVillages(t, db, vs...)
	var obs []geo.Observation
	for _, v := range vs {
		obs = append(obs, storetest.ObsAt(v.ID, "viettel", geo.Tech4G, true, storetest.Day(2)))
	}
	storetest.MustCommitObservations(t, db, obs...)

	latest := func() {
		t.Helper()
		n := 0
		if err := db.EachVillageLatest(ctx, storetest.Now, 0, geo.VillageFilter{}, func(_ *geo.Village, l []geo.Observation) error {
			n += len(l)
			return nil
		}); err != nil {
			t.Fatalf("EachVillageLatest: %v", err)
		}
		if n != len(obs) {
			t.Errorf("EachVillageLatest: %d claims, want %d", n, len(obs))
		}
	}
	history := func() {
		t.Helper()
		n := 0
		if err := db.EachVillageHistory(ctx, geo.VillageFilter{}, func(_ *geo.Village, h []geo.Observation) error {
			n += len(h)
			return nil
		}); err != nil {
			t.Fatalf("EachVillageHistory: %v", err)
		}
		if n != len(obs) {
			t.Errorf("EachVillageHistory: %d observations, want %d", n, len(obs))
		}
	}
	latest()
	history()
	latest()
	asOf := func() {
		t.Helper()
		n := 0
		if err := db.EachVillageLatest(ctx, storetest.Day(3), 0, geo.VillageFilter{}, func(_ *geo.Village, l []geo.Observation) error {
			n += len(l)
			return nil
		}); err != nil {
			t.Fatalf("EachVillageLatest as of day 3: %v", err)
		}
		if n != len(obs) {
			t.Errorf("EachVillageLatest as of day 3: %d claims, want %d", n, len(obs))
		}
	}
	asOf()
	history()
}
