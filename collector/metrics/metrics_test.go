package metrics_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/covmon/covmon/collector/metrics"
	"github.com/covmon/covmon/geo"
)

var asOf = time.Date(2025, 1, 1, 0, 0, 0, 0, geo.Vietnam)

// snapshot evaluates villages with the given latest observations, as the runner would.
func snapshot(villages []geo.Village, latest map[string][]geo.Observation, regressed []string) *geo.Snapshot {
	prog := geo.DefaultProgram()
	p := geo.DefaultPolicy()
	as := geo.NewAssignments([]geo.Assignment{{VillageID: "B", ProgramID: prog.ID, Carrier: "viettel", AssignedAt: asOf.AddDate(-1, 0, 0)}})
	sts := geo.Evaluate(villages, latest, &prog, &p, as, asOf)
	ps := geo.ProgramState{Program: prog, Summary: geo.Summarize(sts, &prog, &p, asOf), Regressed: regressed}
	for _, st := range sts {
		if st.Status != geo.StatusCovered {
			ps.Open = append(ps.Open, st)
		}
	}
	return &geo.Snapshot{ComputedAt: asOf, AsOf: asOf, Programs: []geo.ProgramState{ps}, Demo: true,
		CarrierTech: []geo.CarrierTech{{Carrier: "viettel", Technology: geo.Tech4G, Villages: 1}},
		Uploads: []geo.UploadStat{{Carrier: "viettel", Role: geo.RoleCarrier, Result: geo.ResultAccepted, Count: 2, LastAt: asOf, LastReport: asOf.Add(-48 * time.Hour)},
			{Carrier: "viettel", Role: geo.RoleInspector, Result: geo.ResultAccepted, Count: 1, LastAt: asOf, LastReport: asOf.Add(-24 * time.Hour)},
			{Role: geo.RoleMinistry, Result: geo.ResultAccepted, Count: 1, LastAt: asOf}},
		Problems: []geo.RuleCount{{Rule: "time_future", Count: 3}},
	}
}

func village(id string, power bool) geo.Village {
	return geo.Village{ID: id, Name: "Bản " + id, CommuneName: "Xã A", ProvinceCode: "15", ProvinceName: "Lào Cai",
		Center: orb.Point{103.123456, 22.654321}, GridPower: power, Baseline: true, Programs: []string{"vls-2024"}}
}

func obs(id string, signal bool) []geo.Observation {
	return []geo.Observation{{VillageID: id, Carrier: "viettel", Technology: geo.Tech4G, HasSignal: signal, ObservedAt: asOf.AddDate(0, -1, 0)}}
}

func testSnapshot() *geo.Snapshot {
	vs := []geo.Village{village("A", true), village("B", true), village("C", false), village("D", true)}
	latest := map[string][]geo.Observation{"A": obs("A", true), "B": obs("B", false), "C": obs("C", false)}
	return snapshot(vs, latest, []string{"B"})
}

func TestCollector(t *testing.T) {
	c := metrics.NewCollector(testSnapshot)
	want := `
# HELP covmon_village_open A village that is not covered (1 per village); status is overdue, dead_zone, no_power or no_data; carriers_reported counts the carriers that reported on it; responsible_carrier is the carrier assigned to it (unassigned for none). For maps.
# TYPE covmon_village_open gauge
covmon_village_open{carriers_reported="1",commune="Xã A",lat="22.65432",lon="103.12346",name="Bản B",program="vls-2024",province="Lào Cai",province_code="15",responsible_carrier="viettel",status="overdue",village_id="B"} 1
covmon_village_open{carriers_reported="1",commune="Xã A",lat="22.65432",lon="103.12346",name="Bản C",program="vls-2024",province="Lào Cai",province_code="15",responsible_carrier="unassigned",status="no_power",village_id="C"} 1
covmon_village_open{carriers_reported="0",commune="Xã A",lat="22.65432",lon="103.12346",name="Bản D",program="vls-2024",province="Lào Cai",province_code="15",responsible_carrier="unassigned",status="overdue",village_id="D"} 1
# HELP covmon_program_covered_villages Baseline villages covered now.
# TYPE covmon_program_covered_villages gauge
covmon_program_covered_villages{program="vls-2024"} 1
# HELP covmon_program_target_villages Villages on the program's baseline list.
# TYPE covmon_program_target_villages gauge
covmon_program_target_villages{program="vls-2024"} 4
# HELP covmon_village_regressed An open village that had signal before (covered, then dark again).
# TYPE covmon_village_regressed gauge
covmon_village_regressed{program="vls-2024",village_id="B"} 1
# HELP covmon_uploads_total Uploads recorded in the database, by carrier (registry for uploads naming no single carrier: the village registry, files of several carriers), role it was sent in (carrier, inspector, ministry) and result (accepted, rejected, duplicate); counted from the database, so it survives restarts.
# TYPE covmon_uploads_total counter
covmon_uploads_total{carrier="registry",result="accepted",role="ministry"} 1
covmon_uploads_total{carrier="viettel",result="accepted",role="carrier"} 2
covmon_uploads_total{carrier="viettel",result="accepted",role="inspector"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "covmon_village_open", "covmon_program_covered_villages",
		"covmon_program_target_villages", "covmon_village_regressed", "covmon_uploads_total"); err != nil {
		t.Error(err)
	}
	// What each carrier's files report, by role (the registry reports no coverage): a
	// carrier's data freshness is role="carrier", not when its newest file arrived.
	report := `
# HELP covmon_last_report_timestamp_seconds The newest instant the carrier's accepted observations and coverage-area uploads in the role report: their newest observed_at (at most their receipt), not when they arrived; a re-sent old file does not move it. A carrier's data freshness is role="carrier" (what CovmonCarrierDataStale judges).
# TYPE covmon_last_report_timestamp_seconds gauge
covmon_last_report_timestamp_seconds{carrier="viettel",role="carrier"} 1.7354916e+09
covmon_last_report_timestamp_seconds{carrier="viettel",role="inspector"} 1.735578e+09
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(report), "covmon_last_report_timestamp_seconds"); err != nil {
		t.Error(err)
	}
	// The deadline of an open powered village, for "days overdue" on the map.
	deadline := `
# HELP covmon_village_deadline_timestamp_seconds The village's own deadline in the program, for an open in-scope village (dead zone or no data).
# TYPE covmon_village_deadline_timestamp_seconds gauge
covmon_village_deadline_timestamp_seconds{program="vls-2024",village_id="B"} 1.732986e+09
covmon_village_deadline_timestamp_seconds{program="vls-2024",village_id="D"} 1.732986e+09
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(deadline), "covmon_village_deadline_timestamp_seconds"); err != nil {
		t.Error(err)
	}
}

func TestCollector_History(t *testing.T) {
	snap := testSnapshot()
	snap.Programs[0].History = []geo.DailyFigure{
		{Day: time.Date(2024, 11, 1, 0, 0, 0, 0, geo.Vietnam), Counts: geo.Counts{DeadZone: 5, BaselineCovered: 10}},
		{Day: time.Date(2024, 12, 1, 0, 0, 0, 0, geo.Vietnam), Counts: geo.Counts{DeadZone: 3, Overdue: 3, BaselineCovered: 12}},
	}
	c := metrics.NewCollector(func() *geo.Snapshot { return snap })
	want := `
# HELP covmon_program_history_villages A program's figures on the first day of each month since the first observation (burn-down history): figure is dead_zone, overdue or baseline_covered; month is YYYY-MM.
# TYPE covmon_program_history_villages gauge
covmon_program_history_villages{figure="baseline_covered",month="2024-11",program="vls-2024"} 10
covmon_program_history_villages{figure="baseline_covered",month="2024-12",program="vls-2024"} 12
covmon_program_history_villages{figure="dead_zone",month="2024-11",program="vls-2024"} 5
covmon_program_history_villages{figure="dead_zone",month="2024-12",program="vls-2024"} 3
covmon_program_history_villages{figure="overdue",month="2024-11",program="vls-2024"} 0
covmon_program_history_villages{figure="overdue",month="2024-12",program="vls-2024"} 3
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "covmon_program_history_villages"); err != nil {
		t.Error(err)
	}
}

func TestCollector_Lint(t *testing.T) {
	problems, err := testutil.CollectAndLint(metrics.NewCollector(testSnapshot))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestCollector_NoSnapshot(t *testing.T) {
	c := metrics.NewCollector(func() *geo.Snapshot { return nil })
	if n := testutil.CollectAndCount(c); n != 0 {
		t.Errorf("metrics without a snapshot=%d, want 0", n)
	}
}

// TestCollector_BoundedCardinality: covered villages get no per-village series.
func TestCollector_BoundedCardinality(t *testing.T) {
	var vs []geo.Village
	latest := map[string][]geo.Observation{}
	for i := range 1000 {
		id := fmt.Sprintf("V%04d", i)
		vs = append(vs, village(id, true))
		latest[id] = obs(id, i >= 10) // 10 dead zones, 990 covered
	}
	c := metrics.NewCollector(func() *geo.Snapshot { return snapshot(vs, latest, nil) })
	if got, want := testutil.CollectAndCount(c, "covmon_village_open"), 10; got != want {
		t.Errorf("per-village series=%d, want %d", got, want)
	}
}

// TestCollector_VillageSeriesCap: at most MaxVillageSeries villages get per-village series,
// the overdue ones first, and the cap and the number left out are exported (issue 16); the
// aggregates still count every village.
func TestCollector_VillageSeriesCap(t *testing.T) {
	var vs []geo.Village
	latest := map[string][]geo.Observation{}
	for i := range 30 {
		id := fmt.Sprintf("V%02d", i)
		vs = append(vs, village(id, i >= 20)) // V00…V19 without power, V20…V29 overdue dead zones
		latest[id] = obs(id, false)
	}
	c := metrics.NewCollector(func() *geo.Snapshot { return snapshot(vs, latest, nil) })
	c.MaxVillageSeries = 12
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]string{}
	for _, mf := range mfs {
		if mf.GetName() != "covmon_village_open" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			kept[l["village_id"]] = l["status"]
		}
	}
	// The 10 overdue villages, then the first two others by ID.
	if len(kept) != 12 || kept["V00"] != "no_power" || kept["V01"] != "no_power" || kept["V02"] != "" {
		t.Errorf("kept %v", kept)
	}
	for i := 20; i < 30; i++ {
		if kept[fmt.Sprintf("V%02d", i)] != "overdue" {
			t.Errorf("overdue V%02d left out: %v", i, kept)
		}
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP covmon_village_series_max_villages The most open villages given per-village series (covmon_village_open and the rest) in a scrape, over all programs: metrics.max_village_series.
# TYPE covmon_village_series_max_villages gauge
covmon_village_series_max_villages 12
# HELP covmon_village_series_omitted_villages Open villages of the program left without per-village series by metrics.max_village_series (the least overdue); the aggregates still count them.
# TYPE covmon_village_series_omitted_villages gauge
covmon_village_series_omitted_villages{program="vls-2024"} 18
`), "covmon_village_series_max_villages", "covmon_village_series_omitted_villages"); err != nil {
		t.Error(err)
	}
	if got := testutil.CollectAndCount(c, "covmon_village_deadline_timestamp_seconds"); got > 12 {
		t.Errorf("%d deadline series for 12 villages", got)
	}
	// The aggregates count all 30: 20 without power, 10 overdue.
	var noPower, overdue float64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "covmon_villages":
				for _, lp := range m.GetLabel() {
					if lp.GetName() == "status" && lp.GetValue() == "no_power" {
						noPower += m.GetGauge().GetValue()
					}
				}
			case "covmon_villages_overdue":
				overdue += m.GetGauge().GetValue()
			}
		}
	}
	if noPower != 20 || overdue != 10 {
		t.Errorf("aggregates: no_power %g, overdue %g; want 20, 10", noPower, overdue)
	}
}

func TestJobMonitor(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.NewJobMonitor(reg)
	m.IncrementJob([16]byte{}, "inbox", nil, "success")
	m.IncrementJob([16]byte{}, "inbox", nil, "fail")
	m.RecordJobTiming(asOf, asOf.Add(2*time.Second), [16]byte{}, "inbox", nil)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP covmon_job_runs_total Scheduled job runs by job and status (success, fail, skip, singleton_rescheduled).
# TYPE covmon_job_runs_total counter
covmon_job_runs_total{job_name="inbox",status="fail"} 1
covmon_job_runs_total{job_name="inbox",status="success"} 1
`), "covmon_job_runs_total"); err != nil {
		t.Error(err)
	}
	if got := testutil.CollectAndCount(reg, "covmon_job_last_success_timestamp_seconds"); got != 1 {
		t.Errorf("last success series=%d, want 1", got)
	}
}

// TestJobMonitor_ConsecutiveFailures: failures in a row count up, a success resets them.
func TestJobMonitor_ConsecutiveFailures(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.NewJobMonitor(reg)
	for _, st := range []string{"fail", "fail", "success", "fail", "fail", "fail", "skip"} {
		m.IncrementJob([16]byte{}, "feeds", nil, gocron.JobStatus(st))
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP covmon_job_consecutive_failures Runs of the job that failed in a row (0 after a success).
# TYPE covmon_job_consecutive_failures gauge
covmon_job_consecutive_failures{job_name="feeds"} 3
`), "covmon_job_consecutive_failures"); err != nil {
		t.Error(err)
	}
	f := metrics.NewFeedMonitor(reg, []string{"viettel-feed", "quiet"})
	f.Record("viettel-feed", true)
	f.Record("viettel-feed", true)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP covmon_feed_consecutive_failures Pulls of the feed that failed in a row (HTTP error, refused address, too large, or a rejected file; 0 after a success).
# TYPE covmon_feed_consecutive_failures gauge
covmon_feed_consecutive_failures{feed="quiet"} 0
covmon_feed_consecutive_failures{feed="viettel-feed"} 2
`), "covmon_feed_consecutive_failures"); err != nil {
		t.Error(err)
	}
	f.Record("viettel-feed", false)
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP covmon_feed_consecutive_failures Pulls of the feed that failed in a row (HTTP error, refused address, too large, or a rejected file; 0 after a success).
# TYPE covmon_feed_consecutive_failures gauge
covmon_feed_consecutive_failures{feed="quiet"} 0
covmon_feed_consecutive_failures{feed="viettel-feed"} 0
`), "covmon_feed_consecutive_failures"); err != nil {
		t.Errorf("after a success: %v", err)
	}
}

// BenchmarkScrape measures a whole /metrics scrape (gather + encode) with 10k open dead-zone
// villages. The registry's size does not enter a scrape: the collector reads the snapshot,
// which holds only open villages and per-province aggregates.
func BenchmarkScrape(b *testing.B) {
	for _, open := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) {
			var vs []geo.Village
			latest := map[string][]geo.Observation{}
			for i := range open {
				id := fmt.Sprintf("V%06d", i)
				v := village(id, true)
				v.ProvinceCode = fmt.Sprintf("%02d", i%34)
				vs = append(vs, v)
				latest[id] = obs(id, false)
			}
			snap := snapshot(vs, latest, nil)
			reg := prometheus.NewRegistry()
			c := metrics.NewCollector(func() *geo.Snapshot { return snap })
			c.MaxVillageSeries = open // every open village's series, as before the cap
			reg.MustRegister(c)
			h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
			b.ReportAllocs()
			b.ResetTimer()
			var size int
			for b.Loop() {
				// What Prometheus asks for: the text format, gzip-compressed.
				req := httptest.NewRequest("GET", "/metrics", nil)
				req.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "gzip-bytes/scrape")
		})
	}
}

// TestCollector_Discrepancies: covmon_discrepancies counts, per carrier whose claim it is, the
// villages whose claim a newer independent measurement contradicts; the trust rule is an info
// series.
func TestCollector_Discrepancies(t *testing.T) {
	prog := geo.DefaultProgram()
	p := geo.DefaultPolicy()
	vs := []geo.Village{village("A", true), village("B", true)}
	latest := map[string][]geo.Observation{"A": obs("A", true), "B": obs("B", true)}
	insp := obs("A", false)
	insp[0].ObservedAt, insp[0].Source = asOf.AddDate(0, 0, -7), geo.SourceIndependent
	insp[0].ClaimInForce = &latest["A"][0] // claimed before the inspection (as the stores give it)
	sts := geo.EvaluateEvidence(vs, latest, map[string][]geo.Observation{"A": insp}, &prog, &p, nil, asOf)
	snap := &geo.Snapshot{ComputedAt: asOf, AsOf: asOf, Programs: []geo.ProgramState{{Program: prog, Summary: geo.Summarize(sts, &prog, &p, asOf)}}}
	c := metrics.NewCollector(func() *geo.Snapshot { return snap })
	want := `
# HELP covmon_discrepancies Villages where the latest independent measurement contradicts the carrier's claim in force when it was measured and the carrier has not conceded since (a re-claim of the same keeps the flag), either way: claims signal and measured none, or the reverse; per carrier whose claim it is; one village counts once per carrier.
# TYPE covmon_discrepancies gauge
covmon_discrepancies{carrier="mobifone",program="vls-2024"} 0
covmon_discrepancies{carrier="viettel",program="vls-2024"} 1
covmon_discrepancies{carrier="vietnamobile",program="vls-2024"} 0
covmon_discrepancies{carrier="vinaphone",program="vls-2024"} 0
# HELP covmon_program_trust_info 1 for the trust rule the program's figures count carrier claims under: trust=claims (a claim of signal counts) or verified (once an independent measurement confirms it).
# TYPE covmon_program_trust_info gauge
covmon_program_trust_info{program="vls-2024",trust="claims"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "covmon_discrepancies", "covmon_program_trust_info"); err != nil {
		t.Error(err)
	}
}

// TestCollector_RefreshPending pins the gauges that say what the figures describe: their
// instant, and whether a whole computation owed to uploads is pending (and by when).
func TestCollector_RefreshPending(t *testing.T) {
	snap := snapshot([]geo.Village{{ID: "A", Name: "Bản A", ProvinceCode: "15", GridPower: true, Programs: []string{geo.DefaultProgram().ID}}}, nil, nil)
	snap.AsOf = asOf
	names := []string{"covmon_snapshot_as_of_timestamp_seconds", "covmon_refresh_pending", "covmon_refresh_due_timestamp_seconds", "covmon_refresh_pending_since_timestamp_seconds"}
	head := `# HELP covmon_refresh_pending 1 while uploads taken up are not all counted in the figures (observed after their as_of, more than 100,000 rows, or plans) and a whole computation is owed; 0 otherwise.
# TYPE covmon_refresh_pending gauge
covmon_refresh_pending %d
# HELP covmon_snapshot_as_of_timestamp_seconds The instant the figures describe (their as_of): an upload's villages are evaluated again at it.
# TYPE covmon_snapshot_as_of_timestamp_seconds gauge
covmon_snapshot_as_of_timestamp_seconds 1.7356644e+09
`
	if err := testutil.CollectAndCompare(metrics.NewCollector(func() *geo.Snapshot { return snap }), strings.NewReader(fmt.Sprintf(head, 0)), names...); err != nil {
		t.Errorf("nothing pending: %v", err)
	}
	owed := *snap
	owed.PendingSince, owed.PendingDue = asOf.Add(time.Minute), asOf.Add(2*time.Minute)
	want := `# HELP covmon_refresh_due_timestamp_seconds When the whole computation owed to uploads starts at the latest (collector.min_full_refresh_interval after the last one ended); only while covmon_refresh_pending is 1.
# TYPE covmon_refresh_due_timestamp_seconds gauge
covmon_refresh_due_timestamp_seconds 1.73566452e+09
# HELP covmon_refresh_pending_since_timestamp_seconds Since when the whole computation owed to uploads is owed (the first upload the figures do not count yet was taken up); only while covmon_refresh_pending is 1.
# TYPE covmon_refresh_pending_since_timestamp_seconds gauge
covmon_refresh_pending_since_timestamp_seconds 1.73566446e+09
` + fmt.Sprintf(head, 1)
	if err := testutil.CollectAndCompare(metrics.NewCollector(func() *geo.Snapshot { return &owed }), strings.NewReader(want), names...); err != nil {
		t.Errorf("pending: %v", err)
	}
}
