package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// contractPlans: a plans upload is stored whole with its upload's ID and received_at; a step
// not reached reads back as the zero time; later uploads add to the history (nothing is
// overwritten); the same bytes again are a duplicate and store nothing.
func contractPlans(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(2)...) // V000 (in vls-2024) and V001
	prog := geo.DefaultProgram().ID
	first := geo.Plan{VillageID: "V000", ProgramID: prog, Carrier: "viettel", SiteID: "LCI-0001", TargetOnAir: day(30),
		Progress: geo.ProgressPlanned, PlannedAt: day(2)}
	second := geo.Plan{VillageID: "V000", ProgramID: prog, Carrier: "viettel", SiteID: "LCI-0001B", TargetOnAir: day(31),
		Progress: geo.ProgressOnAir, PlannedAt: day(2), BuiltAt: day(10), OnAirAt: day(12).Add(8*time.Hour + 30*time.Minute)}

	u1 := newUpload(geo.KindPlans, "viettel")
	u1.ReceivedAt = day(3).Add(9 * time.Hour)
	if err := db.CommitPlans(ctx, u1, []geo.Plan{first}); err != nil {
		t.Fatal(err)
	}
	if u1.ID == 0 || u1.Result != geo.ResultAccepted || u1.Inserted != 1 {
		t.Fatalf("upload after commit %+v", u1)
	}
	u2 := newUpload(geo.KindPlans, "viettel")
	u2.ReceivedAt = day(13)
	if err := db.CommitPlans(ctx, u2, []geo.Plan{second}); err != nil {
		t.Fatal(err)
	}
	dup := *u2
	dup.ID = 0
	if err := db.CommitPlans(ctx, &dup, []geo.Plan{second}); !errors.Is(err, geo.ErrDuplicateUpload) {
		t.Fatalf("the same bytes again: %v, want ErrDuplicateUpload", err)
	}

	ps, err := db.Plans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("plans %+v, want 2 (history kept, duplicate not stored)", ps)
	}
	want := []struct {
		p      geo.Plan
		upload *geo.Upload
	}{{first, u1}, {second, u2}}
	for i, w := range want {
		got, exp := ps[i], w.p
		exp.UploadID, exp.ReceivedAt = w.upload.ID, w.upload.ReceivedAt
		if got.VillageID != exp.VillageID || got.ProgramID != exp.ProgramID || got.Carrier != exp.Carrier || got.SiteID != exp.SiteID ||
			got.Progress != exp.Progress || got.UploadID != exp.UploadID ||
			!got.TargetOnAir.Equal(exp.TargetOnAir) || !got.PlannedAt.Equal(exp.PlannedAt) || !got.BuiltAt.Equal(exp.BuiltAt) ||
			!got.OnAirAt.Equal(exp.OnAirAt) || !got.ReceivedAt.Equal(exp.ReceivedAt) {
			t.Errorf("plan %d = %+v, want %+v", i, got, exp)
		}
	}
	if !ps[0].BuiltAt.IsZero() || !ps[0].OnAirAt.IsZero() {
		t.Errorf("steps not reached read back as %v, %v; want zero", ps[0].BuiltAt, ps[0].OnAirAt)
	}
}

// contractLatestMeasurements: independent measurements and carrier claims are two separate
// series: each read returns only its own role, latest per carrier × technology at asOf.
func contractLatestMeasurements(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(2)...)
	ind := func(village string, signal bool, at time.Time) geo.Observation {
		o := obsAt(village, "viettel", geo.Tech4G, signal, at)
		o.Source, o.Inspector = geo.SourceIndependent, "Sở TT&TT Lào Cai"
		return o
	}
	mustCommitObservations(t, db, obsAt("V000", "viettel", geo.Tech4G, true, day(5)))
	mustCommitObservations(t, db, ind("V000", true, day(6)), ind("V001", false, day(2)))
	mustCommitObservations(t, db, ind("V000", false, day(9)))

	for _, tt := range []struct {
		asOf time.Time
		want map[string]bool // village → has_signal of its latest measurement
	}{
		{day(1), map[string]bool{}},
		{day(7), map[string]bool{"V000": true, "V001": false}},
		{day(9), map[string]bool{"V000": false, "V001": false}},
	} {
		m, err := db.LatestMeasurements(ctx, tt.asOf, geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for id, obs := range m {
			if len(obs) != 1 || !obs[0].Independent() || obs[0].Inspector == "" || obs[0].UploadID == 0 {
				t.Fatalf("as of %v: %s %+v, want one independent measurement", tt.asOf, id, obs)
			}
			got[id] = obs[0].HasSignal
		}
		if len(got) != len(tt.want) {
			t.Fatalf("as of %v: %v, want %v", tt.asOf, got, tt.want)
		}
		for id, s := range tt.want {
			if g, ok := got[id]; !ok || g != s {
				t.Errorf("as of %v: %v, want %v", tt.asOf, got, tt.want)
			}
		}
	}
	// The claims do not see the measurements.
	claims, err := db.LatestObservations(ctx, day(30), geo.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(claims) != 1 || len(claims["V000"]) != 1 || claims["V000"][0].Independent() || !claims["V000"][0].HasSignal {
		t.Errorf("claims %+v, want V000's carrier claim only", claims)
	}
}
