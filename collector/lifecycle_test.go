package collector_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, geo.Vietnam)
	if err != nil {
		panic(err)
	}
	return t
}

// lifecycleWorld is a real SQLite file with six powered villages L-1…L-6 in vls-2024 and an
// ingester whose clock the test sets before each upload (the upload's received_at).
type lifecycleWorld struct {
	t   *testing.T
	db  *sqlite.DB
	in  *collector.Ingester
	now time.Time
}

func newLifecycleWorld(t *testing.T) *lifecycleWorld {
	ctx := context.Background()
	w := &lifecycleWorld{t: t, db: sqlite.NewDB(filepath.Join(t.TempDir(), "l.db")), now: day("2023-12-01")}
	if err := w.db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.db.Close() })
	if err := w.db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		t.Fatal(err)
	}
	w.in = &collector.Ingester{Store: w.db, Now: func() time.Time { return w.now }}
	var fs []string
	for i := 1; i <= 6; i++ {
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[103.9%d,22.40]},"properties":{"village_id":"L-%d","name":"Bản %d","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}`, i, i, i))
	}
	w.ingest("registry", collector.File{Kind: geo.KindVillages}, `{"type":"FeatureCollection","features":[`+strings.Join(fs, ",")+`]}`)
	return w
}

// ingest uploads body at the world's clock and returns the accepted upload's ID.
func (w *lifecycleWorld) ingest(name string, f collector.File, body string) int64 {
	w.t.Helper()
	f.Name, f.Source = name, "cli"
	u, err := w.in.Ingest(context.Background(), f, strings.NewReader(body))
	if err != nil || u.Result != geo.ResultAccepted {
		w.t.Fatalf("%s: %v %+v", name, err, u)
	}
	return u.ID
}

func (w *lifecycleWorld) assign(at, received string, pairs ...string) int64 {
	w.t.Helper()
	w.now = day(received)
	var fs []string
	for i := 0; i+1 < len(pairs); i += 2 {
		fs = append(fs, `{"type":"Feature","geometry":null,"properties":{"village_id":"`+pairs[i]+`","program":"vls-2024","carrier":"`+pairs[i+1]+`","assigned_at":"`+at+`"}}`)
	}
	return w.ingest("assign-"+received, collector.File{Kind: geo.KindAssignments}, `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[`+strings.Join(fs, ",")+`]}`)
}

// plan uploads one plan (props: the plans/v1 properties after village_id and program) by
// carrier, received on the given day.
func (w *lifecycleWorld) plan(carrier, received, village, props string) int64 {
	w.t.Helper()
	w.now = day(received)
	return w.ingest("plan-"+village+"-"+received, collector.File{Kind: geo.KindPlans, Carrier: carrier},
		`{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"`+village+`","program":"vls-2024",`+props+`}}]}`)
}

// observe uploads one 4G observation of viettel at village on the given day (independent when
// inspector).
func (w *lifecycleWorld) observe(village, observed string, signal, inspector bool) int64 {
	w.t.Helper()
	w.now = day(observed).Add(12 * time.Hour)
	rsrp := "-125"
	if signal {
		rsrp = "-95"
	}
	body := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"` + village +
		`","carrier":"viettel","technology":"4g","has_signal":` + fmt.Sprint(signal) + `,"rsrp_dbm":` + rsrp + `,"observed_at":"` + observed + `","method":"drive_test"}}]}`
	f := collector.File{Kind: geo.KindObservations, Carrier: "viettel"}
	if inspector {
		f = collector.File{Kind: geo.KindObservations, Inspector: true}
	}
	return w.ingest(fmt.Sprintf("obs-%s-%s-%v", village, observed, inspector), f, body)
}

// at returns every village's status (with its lifecycle) as of the given instant.
func (w *lifecycleWorld) at(asOf time.Time) map[string]geo.VillageStatus {
	w.t.Helper()
	p, prog := geo.DefaultPolicy(), geo.DefaultProgram()
	sts, err := collector.Status(context.Background(), w.db, geo.VillageFilter{}, &prog, &p, asOf)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]geo.VillageStatus{}
	for _, st := range sts {
		out[st.Village.ID] = st
	}
	return out
}

// TestLifecycle_HandMadeHistory pins each lifecycle step, its evidence and the late rule on a
// hand-made history stored in real SQLite (docs/figures.md#lifecycle has the same examples).
func TestLifecycle_HandMadeHistory(t *testing.T) {
	w := newLifecycleWorld(t)
	assigned := w.assign("2024-01-01", "2024-01-05", "L-2", "viettel", "L-3", "viettel", "L-4", "viettel", "L-5", "viettel", "L-6", "viettel")
	p3 := w.plan("viettel", "2024-03-01", "L-3", `"site_id":"LCI-03","target_on_air":"2024-09-30","progress":"planned","planned_at":"2024-02-20"`)
	p4a := w.plan("viettel", "2024-03-01", "L-4", `"site_id":"LCI-04","target_on_air":"2024-06-30","progress":"planned","planned_at":"2024-02-20"`)
	p4b := w.plan("viettel", "2024-05-01", "L-4", `"site_id":"LCI-04B","target_on_air":"2024-08-31","progress":"built","planned_at":"2024-02-20","built_at":"2024-04-28"`)
	p5 := w.plan("viettel", "2024-03-01", "L-5", `"site_id":"LCI-05","target_on_air":"2024-06-30","progress":"planned","planned_at":"2024-02-20"`)
	reassigned := w.assign("2024-07-01", "2024-07-02", "L-5", "mobifone")
	claim := w.observe("L-6", "2024-08-01", true, false)
	confirm := w.observe("L-6", "2024-08-20", true, true)
	contradict := w.observe("L-6", "2024-09-10", false, true)

	type want struct {
		step     geo.Step
		since    string // "" for none
		upload   int64
		late     bool
		daysLate int
		site     string // the plan that counts, "" for none
	}
	check := func(asOf time.Time, village string, wt want) {
		t.Helper()
		st := w.at(asOf)[village]
		lc := st.Lifecycle
		since := ""
		if !lc.Since.IsZero() {
			since = lc.Since.In(geo.Vietnam).Format(time.DateOnly)
		}
		site := ""
		if lc.Plan != nil {
			site = lc.Plan.SiteID
		}
		if got := (want{lc.Step, since, lc.UploadID, lc.Late, lc.DaysLate, site}); got != wt {
			t.Errorf("%s as of %s: %+v, want %+v", village, asOf.Format(time.DateTime), got, wt)
		}
	}
	// Flagged: on the list, nobody responsible.
	check(day("2024-10-01"), "L-1", want{step: geo.StepFlagged})
	// Assigned: the evidence is the assignment (its date and upload); before it, flagged.
	check(day("2024-10-01"), "L-2", want{step: geo.StepAssigned, since: "2024-01-01", upload: assigned})
	check(day("2023-12-31"), "L-2", want{step: geo.StepFlagged})
	// Planned; as of a day before the plan was received, only what was known then: assigned.
	check(day("2024-02-29"), "L-3", want{step: geo.StepAssigned, since: "2024-01-01", upload: assigned})
	check(day("2024-09-30").Add(23*time.Hour), "L-3", want{step: geo.StepPlanned, since: "2024-02-20", upload: p3, site: "LCI-03"})
	// Late from the day after the target, counted in whole days.
	check(day("2024-10-01"), "L-3", want{step: geo.StepPlanned, since: "2024-02-20", upload: p3, late: true, site: "LCI-03"})
	check(day("2024-10-11"), "L-3", want{step: geo.StepPlanned, since: "2024-02-20", upload: p3, late: true, daysLate: 10, site: "LCI-03"})
	// A later plan replaces the earlier one (latest wins): built, with the new target; as of
	// before it was received, the first plan (and its target) counts.
	check(day("2024-04-15"), "L-4", want{step: geo.StepPlanned, since: "2024-02-20", upload: p4a, site: "LCI-04"})
	check(day("2024-07-15"), "L-4", want{step: geo.StepBuilt, since: "2024-04-28", upload: p4b, site: "LCI-04B"})
	check(day("2024-09-05"), "L-4", want{step: geo.StepBuilt, since: "2024-04-28", upload: p4b, late: true, daysLate: 4, site: "LCI-04B"})
	// Reassigned: the old carrier's plan no longer counts, the step falls back to assigned
	// (to mobifone), and the village is no longer late against viettel's plan.
	check(day("2024-06-15"), "L-5", want{step: geo.StepPlanned, since: "2024-02-20", upload: p5, site: "LCI-05"})
	check(day("2024-07-15"), "L-5", want{step: geo.StepAssigned, since: "2024-07-01", upload: reassigned})
	if st := w.at(day("2024-07-15"))["L-5"]; st.Responsible != "mobifone" {
		t.Errorf("L-5 responsible %q, want mobifone", st.Responsible)
	}
	// Signal without any plan: on_air, no planned step; an independent measurement that
	// confirms: verified; a newer one that contradicts: back to on_air (the latest evidence).
	check(day("2024-08-10"), "L-6", want{step: geo.StepOnAir, since: "2024-08-01", upload: claim})
	check(day("2024-09-01"), "L-6", want{step: geo.StepVerified, since: "2024-08-20", upload: confirm})
	check(day("2024-09-15"), "L-6", want{step: geo.StepOnAir, since: "2024-08-01", upload: claim})
	_ = contradict

	// The figures: steps per village and late per responsible carrier.
	p, prog := geo.DefaultPolicy(), geo.DefaultProgram()
	asOf := day("2024-10-11")
	sts, err := collector.Status(context.Background(), w.db, geo.VillageFilter{}, &prog, &p, asOf)
	if err != nil {
		t.Fatal(err)
	}
	s := geo.Summarize(sts, &prog, &p, asOf)
	if want := [geo.NumSteps]int{1, 2, 1, 1, 1, 0}; s.National.Steps != want {
		t.Errorf("steps %v, want %v (flagged, assigned, planned, built, on_air, verified)", s.National.Steps, want)
	}
	late := map[string]int{}
	for _, r := range s.Responsible {
		late[r.Carrier] = r.Late
	}
	if s.National.Late != 2 || late["viettel"] != 2 || late["mobifone"] != 0 {
		t.Errorf("late: national %d, per carrier %v; want 2, all viettel's", s.National.Late, late)
	}
	// L-4's target was moved before it passed, L-3's has not been moved: no slip.
	if s.National.TargetSlips != 0 {
		t.Errorf("target slips %d, want 0", s.National.TargetSlips)
	}
}

// slips returns the summary's target slips at asOf per responsible carrier, and nationally.
func (w *lifecycleWorld) slips(asOf time.Time) (map[string]int, int) {
	w.t.Helper()
	p, prog := geo.DefaultPolicy(), geo.DefaultProgram()
	sts, err := collector.Status(context.Background(), w.db, geo.VillageFilter{}, &prog, &p, asOf)
	if err != nil {
		w.t.Fatal(err)
	}
	s := geo.Summarize(sts, &prog, &p, asOf)
	out := map[string]int{}
	for _, r := range s.Responsible {
		if r.TargetSlips != 0 {
			out[r.Carrier] = r.TargetSlips
		}
	}
	return out, s.National.TargetSlips
}

// TestLifecycle_ReplanAfterTargetStaysLate: a carrier late against its plan cannot stop being
// late by uploading a new plan with a later target. Re-planning before the target passes moves
// the target (L-4 above); once a target has been missed, lateness counts from it until signal,
// and the missed target is shown beside the new plan.
func TestLifecycle_ReplanAfterTargetStaysLate(t *testing.T) {
	w := newLifecycleWorld(t)
	w.assign("2024-01-01", "2024-01-05", "L-3", "viettel")
	w.plan("viettel", "2024-03-01", "L-3", `"site_id":"LCI-03","target_on_air":"2024-09-30","progress":"planned","planned_at":"2024-02-20"`)
	// 10 days late, viettel re-dates the plan to mid-2025.
	moved := w.plan("viettel", "2024-10-11", "L-3", `"site_id":"LCI-03","target_on_air":"2025-06-30","progress":"planned","planned_at":"2024-02-20"`)
	// And again, later: the earliest missed target still counts.
	w.plan("viettel", "2025-07-05", "L-3", `"site_id":"LCI-03","target_on_air":"2026-06-30","progress":"planned","planned_at":"2024-02-20"`)

	for _, c := range []struct {
		asOf     string
		late     bool
		daysLate int
		missed   string
	}{
		{"2024-10-10", true, 9, ""},            // the first plan, late
		{"2024-10-20", true, 19, "2024-09-30"}, // moved after the target passed: still late, from 2024-10-01
		{"2025-08-01", true, 304, "2024-09-30"},
	} {
		lc := w.at(day(c.asOf))["L-3"].Lifecycle
		if lc.Late != c.late || lc.DaysLate != c.daysLate || missedOf(&lc) != c.missed {
			t.Errorf("L-3 as of %s: late %v, %d days, missed target %q; want %v, %d, %q", c.asOf, lc.Late, lc.DaysLate, missedOf(&lc), c.late, c.daysLate, c.missed)
		}
		if c.asOf == "2024-10-20" && (lc.Plan == nil || lc.Plan.UploadID != moved) {
			t.Errorf("L-3 as of %s: the plan that counts is %+v, want the moved one (upload %d)", c.asOf, lc.Plan, moved)
		}
	}
	// Signal ends lateness, whatever was missed.
	w.observe("L-3", "2025-08-10", true, false)
	if lc := w.at(day("2025-08-20"))["L-3"].Lifecycle; lc.Late || lc.Step != geo.StepOnAir {
		t.Errorf("L-3 with signal: %+v, want on_air, not late", lc)
	}
	// Target slips: L-3 counts once for viettel from the first re-dating after its target
	// passed (not before it, not twice for the second), and still once it is on air.
	for _, c := range []struct {
		asOf string
		want int
	}{{"2024-10-10", 0}, {"2024-10-11", 1}, {"2025-08-01", 1}, {"2025-08-20", 1}} {
		per, national := w.slips(day(c.asOf))
		if per["viettel"] != c.want || national != c.want || len(per) > 1 {
			t.Errorf("target slips as of %s: %v, national %d; want viettel %d", c.asOf, per, national, c.want)
		}
	}
	// A new responsibility starts a new record: reassigned to mobifone, L-3 is nobody's slip.
	w.assign("2025-09-01", "2025-09-01", "L-3", "mobifone")
	if per, national := w.slips(day("2025-09-10")); national != 0 {
		t.Errorf("target slips after reassignment: %v, national %d; want none", per, national)
	}
}

// missedOf is lc's missed target as a date, "" for none.
func missedOf(lc *geo.Lifecycle) string {
	if lc.MissedTarget.IsZero() {
		return ""
	}
	return lc.MissedTarget.In(geo.Vietnam).Format(time.DateOnly)
}

// TestDiscrepancy_ReclaimThroughUploads: through real uploads into real SQLite, a carrier that
// re-uploads its contradicted claim with a newer date keeps the flag (marked re-claimed), a
// newer confirming inspection clears it and verifies the village, a carrier that concedes
// clears it; an as-of before the re-claim sees the plain flag (docs/figures.md#discrepancies).
func TestDiscrepancy_ReclaimThroughUploads(t *testing.T) {
	w := newLifecycleWorld(t)
	claim := w.observe("L-1", "2024-03-01", true, false)
	insp := w.observe("L-1", "2024-04-10", false, true)
	reclaim := w.observe("L-1", "2024-05-01", true, false)
	w.observe("L-2", "2024-03-01", true, false)
	w.observe("L-2", "2024-04-10", false, true)
	w.observe("L-2", "2024-05-01", false, false) // viettel concedes

	p := geo.DefaultPolicy()
	check := func(asOf time.Time, reclaimWant int64) {
		t.Helper()
		sts := w.at(asOf)
		st := sts["L-1"]
		if len(st.Discrepancies) != 1 {
			t.Fatalf("L-1 as of %s: %+v, want one discrepancy", asOf.Format(time.DateOnly), st.Discrepancies)
		}
		d := st.Discrepancies[0]
		var got int64
		if d.Reclaim != nil {
			got = d.Reclaim.UploadID
		}
		if d.Kind != geo.Overstated || d.Claim.UploadID != claim || d.Measurement.UploadID != insp || got != reclaimWant {
			t.Errorf("L-1 as of %s: %s claim upload %d, measurement %d, re-claim %d; want overstated %d, %d, %d",
				asOf.Format(time.DateOnly), d.Kind, d.Claim.UploadID, d.Measurement.UploadID, got, claim, insp, reclaimWant)
		}
		if st.Status != geo.StatusCovered {
			t.Errorf("L-1 as of %s: %s, want covered under trust: claims (flagged)", asOf.Format(time.DateOnly), st.Status)
		}
		if len(sts["L-2"].Discrepancies) != 0 && asOf.After(day("2024-05-01")) {
			t.Errorf("L-2 (conceded): %+v, want none", sts["L-2"].Discrepancies)
		}
		var all []geo.VillageStatus
		for _, s := range sts {
			all = append(all, s)
		}
		want := 1
		if asOf.Before(day("2024-05-01")) {
			want = 2 // L-2 before it conceded
		}
		if n := geo.CountDiscrepancies(all, &p, asOf)[0].Villages; n != want {
			t.Errorf("as of %s: viettel's discrepancies %d, want %d", asOf.Format(time.DateOnly), n, want)
		}
	}
	check(day("2024-04-20"), 0)       // between the inspection and the re-claim: plain
	check(day("2024-05-10"), reclaim) // re-claimed: still flagged

	// Under trust: verified the re-claimed village is not covered: contradicted.
	prog := geo.DefaultProgram()
	prog.Trust = geo.TrustVerified
	sts, err := collector.Status(context.Background(), w.db, geo.VillageFilter{IDs: []string{"L-1"}}, &prog, &p, day("2024-05-10"))
	if err != nil {
		t.Fatal(err)
	}
	if sts[0].Status != geo.StatusDeadZone || sts[0].Reason != geo.ReasonContradicted || len(sts[0].Discrepancies) != 1 {
		t.Errorf("trust verified: %s (%s) with %d discrepancies, want dead_zone contradicted, flagged", sts[0].Status, sts[0].Reason, len(sts[0].Discrepancies))
	}

	// A newer inspection confirming the re-claim clears the flag and verifies the village.
	confirm := w.observe("L-1", "2024-06-15", true, true)
	st := w.at(day("2024-06-20"))["L-1"]
	if len(st.Discrepancies) != 0 || st.Lifecycle.Step != geo.StepVerified || st.Lifecycle.UploadID != confirm {
		t.Errorf("after the confirming inspection: %+v, step %s (upload %d); want none, verified by upload %d",
			st.Discrepancies, st.Lifecycle.Step, st.Lifecycle.UploadID, confirm)
	}
	// The past as of is unchanged by the later uploads.
	check(day("2024-05-10"), reclaim)
}

// A carrier contradicted by an inspection cannot erase the flag by backdating: a "no signal"
// claim dated the inspection's instant (L-3) or a correction of the contradicted claim itself
// (L-4), uploaded after the inspection and followed by a newer claim of signal, leaves the
// inspection judging the claim it was taken against: the village stays flagged, re-claimed.
// (Before the fix the backdated claim became the claim in force, the inspection agreed with
// it, and the re-claim read as a fix reported after the inspection: no flag at all.)
func TestDiscrepancy_BackdatedConcessionDoesNotErase(t *testing.T) {
	w := newLifecycleWorld(t)
	claims := map[string]int64{}
	for _, v := range []string{"L-3", "L-4"} {
		claims[v] = w.observe(v, "2024-03-01", true, false)
		w.observe(v, "2024-04-10", false, true)
	}
	// Dated the inspection's instant, stored after it (a file of its own: the same bytes as the
	// inspector's would be another matter, TestDiscrepancy_InspectorBytesNotACarrierDuplicate).
	w.now = day("2024-04-20")
	w.ingest("concede-L-3", collector.File{Kind: geo.KindObservations, Carrier: "viettel"},
		`{"type":"FeatureCollection","carrier":"viettel","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"L-3","technology":"4g","has_signal":false,"observed_at":"2024-04-10","method":"drive_test"}}]}`)
	w.observe("L-4", "2024-03-01", false, false) // the contradicted claim "corrected"
	reclaims := map[string]int64{}
	for _, v := range []string{"L-3", "L-4"} {
		reclaims[v] = w.observe(v, "2024-05-01", true, false)
	}
	sts := w.at(day("2024-05-10"))
	for _, v := range []string{"L-3", "L-4"} {
		ds := sts[v].Discrepancies
		if len(ds) != 1 || ds[0].Kind != geo.Overstated || ds[0].Claim.UploadID != claims[v] ||
			ds[0].Reclaim == nil || ds[0].Reclaim.UploadID != reclaims[v] {
			t.Errorf("%s: discrepancies %+v; want overstated, judging upload %d, re-claimed by upload %d", v, ds, claims[v], reclaims[v])
		}
	}
	// Conceding for real (the latest claim agrees with the inspection) still clears it.
	w.observe("L-3", "2024-05-20", false, false)
	if ds := w.at(day("2024-05-25"))["L-3"].Discrepancies; len(ds) != 0 {
		t.Errorf("L-3 after conceding: %+v, want none", ds)
	}
}
