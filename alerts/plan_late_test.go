package alerts_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// TestService_PlanLate: on real SQLite, a village whose responsible carrier's plan is past its
// target on-air date without signal raises plan_late to that carrier (label carrier), naming
// the village, its site and target; signal that counts resolves it.
func TestService_PlanLate(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 7, 1, 9, 0, 0, 0, geo.Vietnam) // the day after the target: late
	clock := clockwork.NewFakeClockAt(t0)
	s, _, _ := openService(t, clock)
	db := sqlite.NewDB(t.TempDir() + "/plans.db")
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	prog := geo.DefaultProgram()
	if err := db.UpsertProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 5, 0, 0, 0, 0, geo.Vietnam)
	in := &collector.Ingester{Store: db, Now: func() time.Time { return now }}
	ingest := func(f collector.File, body string) {
		t.Helper()
		f.Name, f.Source = string(f.Kind)+".geojson", "cli"
		if u, err := in.Ingest(ctx, f, strings.NewReader(body)); err != nil || u.Result != geo.ResultAccepted {
			t.Fatalf("%s: %v %+v", f.Kind, err, u)
		}
	}
	ingest(collector.File{Kind: geo.KindVillages}, `{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.91,22.40]},"properties":{"village_id":"T-1","name":"Bản Một","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.95,22.42]},"properties":{"village_id":"T-2","name":"Bản Hai","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}]}`)
	ingest(collector.File{Kind: geo.KindAssignments}, `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","program":"vls-2024","carrier":"viettel","assigned_at":"2025-01-01"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"T-2","program":"vls-2024","carrier":"viettel","assigned_at":"2025-01-01"}}]}`)
	// T-1's target has passed on t0; T-2's has not.
	ingest(collector.File{Kind: geo.KindPlans, Carrier: "viettel"}, `{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","program":"vls-2024","site_id":"LCI-0001","target_on_air":"2025-06-30","progress":"built","planned_at":"2025-01-02","built_at":"2025-01-04"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"T-2","program":"vls-2024","site_id":"LCI-0002","target_on_air":"2025-09-30","progress":"planned","planned_at":"2025-01-02"}}]}`)

	pol := geo.DefaultPolicy()
	evaluate := func(at time.Time) []alerts.Transition {
		t.Helper()
		clock.Advance(at.Sub(clock.Now()))
		snap, err := collector.BuildSnapshot(ctx, db, []geo.Program{prog}, &pol, at)
		if err != nil {
			t.Fatal(err)
		}
		trs, err := s.EvaluateSnapshot(ctx, snap)
		if err != nil {
			t.Fatal(err)
		}
		var out []alerts.Transition
		for _, tr := range trs {
			if tr.Alert.Kind == alerts.KindPlanLate {
				out = append(out, tr)
			}
		}
		return out
	}
	if trs := evaluate(t0.Add(-24 * time.Hour)); len(trs) != 0 {
		t.Fatalf("on the target day: %+v, want no plan_late", trs)
	}
	trs := evaluate(t0)
	if len(trs) != 1 || trs[0].Status != alerts.Firing || trs[0].Alert.Key != "plan_late/vls-2024/viettel" {
		t.Fatalf("transitions %+v, want plan_late/vls-2024/viettel firing", trs)
	}
	a := trs[0].Alert
	if a.Labels["carrier"] != "viettel" || a.Annotations["village_ids"] != "T-1" || !strings.Contains(a.Annotations["description"], "LCI-0001") ||
		!strings.Contains(a.Annotations["description"], "2025-06-30") || !strings.Contains(a.Annotations["runbook_url"], "covmonplanlate") {
		t.Errorf("alert %+v", a)
	}
	if want := time.Date(2025, 7, 1, 0, 0, 0, 0, geo.Vietnam); !a.StartsAt.Equal(want) {
		t.Errorf("starts at %v, want %v (the day after the target)", a.StartsAt, want)
	}
	// viettel reports signal at T-1: no longer late, the alert resolves.
	now = t0.Add(time.Hour)
	ingest(collector.File{Kind: geo.KindObservations, Carrier: "viettel"}, `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"4g","has_signal":true,"rsrp_dbm":-95,"observed_at":"2025-07-01T09:30:00+07:00","method":"on_air_report"}}]}`)
	if trs := evaluate(t0.Add(2 * time.Hour)); len(trs) != 1 || trs[0].Status != alerts.Resolved {
		t.Fatalf("after signal: %+v, want plan_late resolved", trs)
	}
}
