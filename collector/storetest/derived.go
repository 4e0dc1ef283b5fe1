package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// contractDerivedTablesNameVillages pins the rule that lets the PostgreSQL store do without
// foreign keys from latest_claims and observation_series to villages (its migration 0037):
// both are derived from observations only, so every row names a village in villages and
// matches the observations it was derived from. Checked after first uploads, corrections, a
// late report, an inspector's measurement, the area path's changed-only writes, a retirement
// with an upload for the successor, a re-import that changes and leaves out villages, and a
// failed upload naming an unknown village (which leaves both tables as they were).
func contractDerivedTablesNameVillages(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	hour := func(n float64) time.Time { return Now.Add(time.Duration(n * float64(time.Hour))) }
	check := func(step string) {
		t.Helper()
		for _, q := range []struct{ what, sql string }{
			{"latest_claims rows without their village",
				`SELECT count(*) FROM latest_claims d WHERE NOT EXISTS (SELECT 1 FROM villages v WHERE v.id = d.village_id)`},
			{"observation_series rows without their village",
				`SELECT count(*) FROM observation_series d WHERE NOT EXISTS (SELECT 1 FROM villages v WHERE v.id = d.village_id)`},
			{"latest_claims rows that are not a stored carrier claim of their series",
				`SELECT count(*) FROM latest_claims d WHERE NOT EXISTS (SELECT 1 FROM observations o
					WHERE o.id = d.id AND o.village_id = d.village_id AND o.carrier = d.carrier
						AND o.technology = d.technology AND o.source_role = 'carrier')`},
			{"carrier series without a latest_claims row",
				`SELECT count(*) FROM (SELECT DISTINCT village_id, carrier, technology FROM observations
					WHERE source_role = 'carrier') o
				WHERE NOT EXISTS (SELECT 1 FROM latest_claims d WHERE d.village_id = o.village_id
					AND d.carrier = o.carrier AND d.technology = o.technology)`},
			{"observation_series rows without an observation",
				`SELECT count(*) FROM observation_series d WHERE NOT EXISTS (SELECT 1 FROM observations o
					WHERE o.village_id = d.village_id AND o.carrier = d.carrier AND o.technology = d.technology)`},
			{"series of observations missing from observation_series",
				`SELECT count(*) FROM (SELECT DISTINCT village_id, carrier, technology FROM observations) o
				WHERE NOT EXISTS (SELECT 1 FROM observation_series d WHERE d.village_id = o.village_id
					AND d.carrier = o.carrier AND d.technology = o.technology)`},
		} {
			if n := h.QueryInt(t, db, q.sql); n != 0 {
				t.Errorf("after %s: %d %s", step, n, q.what)
			}
		}
	}
	counts := func() [2]int {
		return [2]int{h.QueryInt(t, db, `SELECT count(*) FROM latest_claims`),
			h.QueryInt(t, db, `SELECT count(*) FROM observation_series`)}
	}

	mustCommitVillages(t, db, testVillages(8)...)
	mustCommitObservations(t, db,
		obsAt("V000", "viettel", geo.Tech4G, true, hour(-3)),
		obsAt("V000", "viettel", geo.Tech4G, false, hour(-1)),
		obsAt("V001", "viettel", geo.Tech4G, true, hour(-2)),
		obsAt("V002", "viettel", geo.Tech3G, true, hour(-1)),
		obsAt("V004", "mobifone", geo.Tech2G, true, hour(-2)),
		obsAt("V005", "viettel", geo.Tech4G, false, hour(-1)),
	)
	check("the first upload")
	// A correction, a late report of an earlier instant, an inspector's measurement (a series
	// in observation_series with no claim), the area path.
	mustCommitObservations(t, db, obsAt("V001", "viettel", geo.Tech4G, false, hour(-2)),
		obsAt("V002", "viettel", geo.Tech3G, false, hour(-5)))
	m := obsAt("V006", "vinaphone", geo.Tech4G, false, hour(-0.5))
	m.Source, m.Inspector = geo.SourceIndependent, "Sở TTTT"
	mustCommitObservations(t, db, m)
	for _, signal := range []bool{true, false} {
		u := newUpload(geo.KindAreas, "vinaphone")
		o := obsAt("V003", "vinaphone", geo.Tech4G, signal, hour(-6))
		if !signal {
			o.ObservedAt = hour(-0.25)
		}
		o.Method = "coverage_area"
		share := 1.0
		o.AreaShare = &share
		if err := db.CommitChangedObservations(ctx, u, slices.Values([][]geo.Observation{{o}})); err != nil {
			t.Fatal(err)
		}
	}
	check("corrections, a measurement and the area path")
	if got := h.QueryInt(t, db, `SELECT count(*) FROM observation_series WHERE village_id = 'V006'`); got != 1 {
		t.Errorf("the measured series in observation_series: %d rows, want 1", got)
	}
	if got := h.QueryInt(t, db, `SELECT count(*) FROM latest_claims WHERE village_id = 'V006'`); got != 0 {
		t.Errorf("a measurement in latest_claims: %d rows, want 0", got)
	}

	// V004 is retired at Now; its successor gets observations; its own rows stay (a retired
	// village stays in villages).
	succ := testVillages(5)[4]
	succ.ID, succ.Predecessors = "V004b", []string{"V004"}
	if _, err := commitAt(t, db, Now, succ); err != nil {
		t.Fatal(err)
	}
	mustCommitObservations(t, db, obsAt("V004b", "mobifone", geo.Tech2G, false, hour(1)))
	check("a retirement")
	if got := h.QueryInt(t, db, `SELECT count(*) FROM latest_claims WHERE village_id IN ('V004', 'V004b')`); got != 2 {
		t.Errorf("the retired village's and its successor's claims: %d rows, want 2", got)
	}

	// A re-import that renames V001 and leaves out V005..V007, then more uploads.
	again := testVillages(4)
	again[1].Name = "Bản 1 (đổi tên)"
	if _, err := commitAt(t, db, hour(2), again...); err != nil {
		t.Fatal(err)
	}
	mustCommitObservations(t, db, obsAt("V001", "viettel", geo.Tech4G, true, hour(3)),
		obsAt("V007", "viettel", geo.Tech5G, true, hour(3)))
	check("a re-import")

	// An upload naming an unknown village fails whole and leaves both tables as they were.
	before := counts()
	u := newUpload(geo.KindObservations, "viettel")
	err := db.CommitObservations(ctx, u, []geo.Observation{
		obsAt("V002", "viettel", geo.Tech5G, true, hour(4)),
		obsAt("X404", "viettel", geo.Tech5G, true, hour(4)),
	})
	if !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("an unknown village: %v, want geo.ErrNotFound", err)
	}
	if after := counts(); after != before {
		t.Errorf("a failed upload changed the derived tables: %v rows, was %v", after, before)
	}
	check("a failed upload")
	if c := counts(); c[0] == 0 || c[1] <= c[0] {
		t.Errorf("the derived tables hold %v rows: the checks above checked too little", c)
	}
}
