package geo_test

import (
	"slices"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// TestLifecycle_Verified pins what evidence makes a covered village verified: a claim of signal
// that counts, of the responsible carrier when that carrier is on air, confirmed by its own
// series' newest independent measurement observed at or after it (docs/figures.md#lifecycle).
func TestLifecycle_Verified(t *testing.T) {
	prog := geo.DefaultProgram()
	p := geo.DefaultPolicy()
	v := geo.Village{ID: "V1", GridPower: true, Baseline: true, Programs: []string{prog.ID}}
	as := geo.NewAssignments([]geo.Assignment{{VillageID: "V1", ProgramID: prog.ID, Carrier: "viettel", AssignedAt: day("2025-01-01"), UploadID: 5}})
	mobi := func(o geo.Observation) geo.Observation { o.Carrier = "mobifone"; return o }
	tech3G := func(o geo.Observation) geo.Observation { o.Technology = geo.Tech3G; return o }
	for _, tt := range []struct {
		name            string
		claims, measure []geo.Observation
		unassigned      bool
		want            geo.Step
		since           string
	}{
		{"confirmed after the claim", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(true, "2025-04-10")}, false, geo.StepVerified, "2025-04-10"},
		{"confirmed the same instant", []geo.Observation{claim(true, "2025-04-10")}, []geo.Observation{inspection(true, "2025-04-10")}, false, geo.StepVerified, "2025-04-10"},
		// A measurement older than the on_air claim predates the signal: it verifies nothing.
		{"measured before the claim", []geo.Observation{claim(true, "2025-05-01")}, []geo.Observation{inspection(true, "2025-04-10")}, false, geo.StepOnAir, "2025-05-01"},
		{"the newest measurement is dark", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(true, "2025-04-10"), inspection(false, "2025-04-20")}, false, geo.StepOnAir, "2025-03-02"},
		// Another carrier's signal measured does not verify the responsible carrier's.
		{"another carrier measured", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{mobi(inspection(true, "2025-04-10"))}, false, geo.StepOnAir, "2025-03-02"},
		{"another carrier's claim confirmed", []geo.Observation{claim(true, "2025-03-02"), mobi(claim(true, "2025-03-05"))}, []geo.Observation{mobi(inspection(true, "2025-04-10"))}, false, geo.StepOnAir, "2025-03-02"},
		// Another technology of the responsible carrier that counts is its signal too.
		{"the carrier's other technology confirmed", []geo.Observation{tech3G(claim(true, "2025-02-01")), claim(true, "2025-03-02")}, []geo.Observation{tech3G(inspection(true, "2025-04-10"))}, false, geo.StepVerified, "2025-04-10"},
		// Nobody responsible: any carrier's confirmed signal verifies.
		{"unassigned: any carrier's", []geo.Observation{claim(true, "2025-03-02"), mobi(claim(true, "2025-03-05"))}, []geo.Observation{mobi(inspection(true, "2025-04-10"))}, true, geo.StepVerified, "2025-04-10"},
		// Re-claimed after a dark inspection: on air (under trust: claims), not verified.
		{"re-claimed after a dark inspection", []geo.Observation{claim(true, "2025-03-02"), claim(true, "2025-05-01")}, []geo.Observation{inspection(false, "2025-04-10")}, false, geo.StepOnAir, "2025-05-01"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			asOf := day("2025-06-01")
			a := as
			if tt.unassigned {
				a = nil
			}
			latest := latestOf(tt.claims, asOf)
			measured := geo.WithClaimsInForce(tt.claims, latestOf(tt.measure, asOf))
			slices.SortFunc(latest, func(x, y geo.Observation) int { return x.ObservedAt.Compare(y.ObservedAt) })
			st := geo.EvaluateEvidence([]geo.Village{v}, map[string][]geo.Observation{"V1": latest}, map[string][]geo.Observation{"V1": measured}, &prog, &p, a, asOf)[0]
			lc := geo.LifecycleOf(&st, latest, measured, nil, a, &prog, &p, asOf)
			if lc.Step != tt.want || lc.Since.In(geo.Vietnam).Format(time.DateOnly) != tt.since {
				t.Errorf("step %s since %s, want %s since %s", lc.Step, lc.Since.In(geo.Vietnam).Format(time.DateOnly), tt.want, tt.since)
			}
		})
	}
}
