package alerts_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/collector/storetest"
	"github.com/covmon/covmon/geo"
)

// openDB opens a new SQLite database in the test's temporary directory, closed at its end.
func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "history.db"))
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// weeklyHistoryEvaluateAt is the weekly history as it was computed before the walk with
// whole histories: the program's villages a chunk at a time, their histories read by
// ObservationHistories, each village assessed in full at every instant by geo.EvaluateAt. The
// reference the streamed computation is held to.
func weeklyHistoryEvaluateAt(t *testing.T, db *sqlite.DB, prog geo.Program, p *geo.Policy, now time.Time, weeks int) []alerts.Point {
	t.Helper()
	ctx := context.Background()
	ats := make([]time.Time, weeks)
	out := make([]alerts.Point, weeks)
	for i := range ats {
		ats[i] = now.Add(-time.Duration(weeks-1-i) * alerts.Week)
		out[i] = alerts.Point{At: ats[i], ByProvince: map[string]int{}}
	}
	var vs []geo.Village
	if err := db.EachVillage(ctx, geo.VillageFilter{ProgramID: prog.ID}, func(v *geo.Village) error {
		vs = append(vs, *v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(vs))
	for i := range vs {
		ids[i] = vs[i].ID
	}
	hist, err := db.ObservationHistories(ctx, geo.VillageFilter{IDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	geo.EvaluateAt(vs, hist, &prog, p, nil, ats, func(i int, st *geo.VillageStatus) {
		if st.Open {
			out[i].Open++
			out[i].ByProvince[st.Village.ProvinceCode]++
		}
	})
	return out
}

// TestWeeklyHistory_HandMade pins the weekly counts of open villages on a hand-made registry,
// five weekly points: a village dark all along; one lit in week 2, corrected back to dark at the
// same instant (the row stored last wins) and lit again in week 4; a village found in week 3
// (not counted before); a retired village (left out: today's registry); one whose grid power
// arrives in week 2 (no power before: out of the powered-only program's scope); one outside
// the program; one with signal below the RSRP floor of the policy raised in week 3; and three
// no carrier ever reported: one counted every week (open like a dead zone: not reporting does
// not shorten the forecast), one found in week 1 (counted from then), one without grid power
// (out of scope, never counted).
func TestWeeklyHistory_HandMade(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, geo.Vietnam)
	week := func(w int) time.Time { return now.Add(-time.Duration(4-w) * alerts.Week) } // week 0 … 4 (now)
	vs := storetest.Villages(10)
	for i := range vs {
		vs[i].Programs = []string{"vls-2024"}
	}
	vs[2].Baseline, vs[2].FoundAt = false, week(3).Add(-time.Hour) // V002 found in week 3
	vs[4].GridPowerSince = week(2).Add(-time.Hour)                 // V004 powered from week 2
	vs[5].Programs = nil                                           // V005 outside the program
	vs[8].Baseline, vs[8].FoundAt = false, week(1).Add(-time.Hour) // V008 found in week 1, never reported
	vs[9].GridPower = false                                        // V009 unpowered, never reported
	vs = vs[:10]                                                   // V007 never reported
	storetest.MustCommitVillages(t, db, vs...)
	succ := vs[3]
	succ.ID, succ.Predecessors = "V003b", []string{"V003"} // V003 retired; V003b never reported
	succ.Programs = nil
	storetest.MustCommitVillages(t, db, succ)
	dark := func(id string, at time.Time) geo.Observation {
		return storetest.ObsAt(id, "viettel", geo.Tech4G, false, at)
	}
	lit := func(id string, at time.Time) geo.Observation {
		return storetest.ObsAt(id, "viettel", geo.Tech4G, true, at)
	}
	weak := lit("V006", week(0).Add(-time.Hour))
	rsrp := -110.0
	weak.RSRPdBm = &rsrp
	start := week(0).Add(-24 * time.Hour)
	storetest.MustCommitObservations(t, db, dark("V000", start), dark("V001", start), dark("V002", start),
		dark("V003", start), dark("V004", start), dark("V005", start), weak)
	storetest.MustCommitObservations(t, db, lit("V001", week(2).Add(-time.Hour)))
	storetest.MustCommitObservations(t, db, dark("V001", week(2).Add(-time.Hour))) // corrected at the same instant
	storetest.MustCommitObservations(t, db, lit("V001", week(4).Add(-time.Hour)))

	def := geo.DefaultPolicy()
	prog := geo.DefaultProgram()
	prog.Policies = []geo.PolicyVersion{{Policy: def}, {Effective: week(3).Add(-time.Minute), Policy: geo.Policy{MinTechnology: geo.Tech2G, MinRSRPdBm: -100}}}
	pts, err := alerts.WeeklyHistory(ctx, db, prog, &def, now, 5)
	if err != nil {
		t.Fatal(err)
	}
	// Open per week: V000 always; V001 until week 3; V002 from week 3; V004 from week 2;
	// V006 from week 3 (its signal below the raised floor); V007 always and V008 from week 1,
	// never reported. Without V007 and V008 (the dead zones alone) it would be 2 2 3 5 4.
	want := []int{3, 4, 5, 7, 6}
	want10, want15 := []int{2, 2, 2, 2, 1}, []int{1, 2, 3, 5, 5} // V001, V007 in province 10; the even ones in 15
	for i, pt := range pts {
		if !pt.At.Equal(week(i)) || pt.Open != want[i] || pt.ByProvince["10"] != want10[i] || pt.ByProvince["15"] != want15[i] {
			t.Errorf("point %d: %v %d open %v, want %v %d (10: %d, 15: %d)", i, pt.At, pt.Open, pt.ByProvince, week(i), want[i], want10[i], want15[i])
		}
	}
	if old := weeklyHistoryEvaluateAt(t, db, prog, &def, now, 5); !reflect.DeepEqual(pts, old) {
		t.Errorf("streamed %+v\nEvaluateAt %+v", pts, old)
	}
}

// TestWeeklyHistory_MatchesEvaluateAt compares the streamed weekly history with the full
// assessment by geo.EvaluateAt on a generated registry in a real SQLite file: villages found
// late, powered late, retired, outside the program; claims of four carriers × three
// technologies over a year, with corrections at the same instant and repeated reports,
// independent measurements; programs trusting claims or only verified ones, under a policy
// raised mid-way.
func TestWeeklyHistory_MatchesEvaluateAt(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	r := rand.New(rand.NewPCG(16, 16))
	now := time.Date(2025, 12, 1, 9, 0, 0, 0, geo.Vietnam)
	at := func(days int) time.Time { return now.AddDate(0, 0, -days) }
	vs := storetest.Villages(400)
	for i := range vs {
		v := &vs[i]
		v.Programs = []string{"vls-2024"}
		switch r.IntN(8) {
		case 0:
			v.Baseline, v.FoundAt = false, at(r.IntN(200))
		case 1:
			v.GridPowerSince = at(r.IntN(200))
		case 2:
			v.GridPower = false
		case 3:
			v.Programs = nil
		}
	}
	storetest.MustCommitVillages(t, db, vs...)
	var succ []geo.Village
	for i := 0; i < len(vs); i += 37 {
		s := vs[i]
		s.ID, s.Predecessors = vs[i].ID+"x", []string{vs[i].ID}
		succ = append(succ, s)
	}
	storetest.MustCommitVillages(t, db, succ...)
	carriers := []string{"viettel", "vinaphone", "mobifone", "vietnamobile"}
	for range 12 { // uploads, a month apart or at the same instants
		var obs []geo.Observation
		seen := map[string]bool{}
		for _, v := range vs {
			if r.IntN(3) > 0 {
				continue
			}
			for range 1 + r.IntN(4) {
				o := storetest.ObsAt(v.ID, carriers[r.IntN(4)], geo.Tech2G+geo.Technology(r.IntN(3)), r.IntN(2) == 0, at(10*r.IntN(36)))
				if o.Technology >= geo.Tech4G && r.IntN(2) == 0 {
					x := float64(-125 + r.IntN(35))
					o.RSRPdBm = &x
				}
				if r.IntN(5) == 0 {
					o.Source, o.Inspector = geo.SourceIndependent, "Sở TTTT"
				}
				key := fmt.Sprint(o.VillageID, o.Carrier, o.Technology, o.ObservedAt, o.Source)
				if seen[key] { // one row per series and instant in a file
					continue
				}
				seen[key] = true
				obs = append(obs, o)
			}
		}
		storetest.MustCommitObservations(t, db, obs...)
	}
	def := geo.DefaultPolicy()
	raised := geo.Policy{MinTechnology: geo.Tech3G, MinRSRPdBm: -105, FastDLMbps: 10}
	for _, c := range []struct {
		name  string
		trust geo.Trust
		pols  []geo.PolicyVersion
	}{
		{"claims", geo.TrustClaims, nil},
		{"verified", geo.TrustVerified, nil},
		{"claims, policy raised", geo.TrustClaims, []geo.PolicyVersion{{Policy: def}, {Effective: at(150), Policy: raised}}},
		{"verified, policy raised", geo.TrustVerified, []geo.PolicyVersion{{Policy: def}, {Effective: at(90), Policy: raised}}},
	} {
		prog := geo.DefaultProgram()
		prog.Trust, prog.Policies = c.trust, c.pols
		for _, weeks := range []int{1, 12, 52} {
			got, err := alerts.WeeklyHistory(ctx, db, prog, &def, now, weeks)
			if err != nil {
				t.Fatal(err)
			}
			want := weeklyHistoryEvaluateAt(t, db, prog, &def, now, weeks)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %d weeks:\nstreamed   %+v\nEvaluateAt %+v", c.name, weeks, got, want)
			}
			if weeks == 52 && (got[0].Open == got[51].Open || got[51].Open == 0) {
				t.Errorf("%s: %d open a year ago, %d now: the data does not move the count", c.name, got[0].Open, got[51].Open)
			}
		}
	}
}
