package alerts_test

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/geo"
)

var (
	deadline = geo.DefaultProgram().Deadline // 2024-12-01 00:00 +07
	prog     = geo.DefaultProgram()
)

func village(id, province string) *geo.Village {
	return &geo.Village{ID: id, Name: "Bản " + id, ProvinceCode: province, ProvinceName: "P" + province,
		GridPower: true, Baseline: true, Programs: []string{prog.ID}}
}

// open returns an open village status at now: overdue when now is past the deadline.
func open(id, province string, now time.Time, reported ...string) geo.VillageStatus {
	vs := geo.VillageStatus{Village: village(id, province), Deadline: deadline}
	vs.Status = geo.StatusDeadZone
	vs.CarriersReported = reported
	vs.InScope, vs.Open = true, true
	vs.Reason = geo.ReasonNoSignal
	if len(reported) == 0 {
		vs.Reason = geo.ReasonNeverReported
	}
	if !now.Before(deadline) {
		vs.Overdue = true
		vs.DaysOverdue = int(now.Sub(deadline) / (24 * time.Hour))
	}
	return vs
}

func responsible(vs geo.VillageStatus, carrier string) geo.VillageStatus {
	vs.Responsible = carrier
	return vs
}

// ofKind returns the alerts of as of kind k, in order.
func ofKind(as []alerts.Alert, k string) []alerts.Alert {
	var out []alerts.Alert
	for _, a := range as {
		if a.Kind == k {
			out = append(out, a)
		}
	}
	return out
}

func keys(as []alerts.Alert) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Key
	}
	return out
}

func TestEvaluator_Evaluate(t *testing.T) {
	before := time.Date(2024, 11, 5, 12, 0, 0, 0, geo.Vietnam) // 25 days before: 90 and 30 reached
	after := time.Date(2024, 12, 3, 0, 0, 0, 0, geo.Vietnam)
	recent := map[string]time.Time{"viettel": after.Add(-time.Hour), "mobifone": after.Add(-time.Hour)}
	for _, tc := range []struct {
		name string
		in   alerts.Input
		ev   alerts.Evaluator
		want []string
	}{
		{
			name: "NothingOpen",
			in:   alerts.Input{Now: before, Programs: []alerts.ProgramInput{{Program: prog}}},
		},
		{
			name: "RemindersBeforeDeadline",
			in: alerts.Input{Now: before, Programs: []alerts.ProgramInput{{Program: prog,
				Open: []geo.VillageStatus{open("V1", "14", before, "viettel")}}}},
			want: []string{"deadline_reminder/vls-2024/30", "deadline_reminder/vls-2024/90"},
		},
		{
			name: "CustomReminderDays",
			ev:   alerts.Evaluator{ReminderDays: []int{14, 60}},
			in: alerts.Input{Now: before, Programs: []alerts.ProgramInput{{Program: prog,
				Open: []geo.VillageStatus{open("V1", "14", before, "viettel")}}}},
			want: []string{"deadline_reminder/vls-2024/60"},
		},
		{
			name: "NoReminderWithoutDeadZones",
			in: alerts.Input{Now: before, Programs: []alerts.ProgramInput{{Program: prog,
				Open: []geo.VillageStatus{{Village: village("V1", "14"), Assessment: geo.Assessment{Status: geo.StatusNoPower}}}}}},
		},
		{
			name: "OverduePerProvinceAndCarrier",
			in: alerts.Input{Now: after, LastReport: recent, Carriers: []string{"viettel", "mobifone"},
				Programs: []alerts.ProgramInput{{Program: prog, Open: []geo.VillageStatus{
					// Reported by two carriers, responsible one: under mobifone only.
					responsible(open("V1", "14", after, "mobifone", "viettel"), "mobifone"),
					responsible(open("V2", "14", after, "viettel"), "viettel"),
					responsible(open("V4", "14", after, "viettel"), "vinaphone"),
					open("V3", "15", after), // nobody reported, nobody responsible
				}}}},
			want: []string{"overdue/vls-2024/14/mobifone", "overdue/vls-2024/14/viettel", "overdue/vls-2024/14/vinaphone", "overdue/vls-2024/15/unassigned"},
		},
		{
			// Grouped as overdue is: program × province × responsible carrier, whoever
			// reported; V9 is not open (covered again): no alert.
			name: "Regression",
			in: alerts.Input{Now: before, Programs: []alerts.ProgramInput{{Program: prog, Regressed: []string{"V2", "V3", "V4", "V5", "V9"},
				Open: []geo.VillageStatus{
					responsible(open("V2", "14", before, "viettel"), "viettel"),
					responsible(open("V3", "14", before, "mobifone", "viettel"), "viettel"),
					responsible(open("V4", "14", before, "viettel"), "vinaphone"),
					open("V5", "15", before, "viettel"),
					open("V6", "15", before, "viettel"), // open, never had signal
				}}}},
			ev:   alerts.Evaluator{ReminderDays: []int{1}},
			want: []string{"regression/vls-2024/14/viettel", "regression/vls-2024/14/vinaphone", "regression/vls-2024/15/unassigned"},
		},
		{
			name: "StaleAndNeverUploaded",
			in: alerts.Input{Now: after, Carriers: []string{"viettel", "mobifone", "vinaphone"},
				LastReport: map[string]time.Time{"viettel": after.Add(-31 * 24 * time.Hour), "mobifone": after.Add(-29 * 24 * time.Hour)},
				DataSince:  after.Add(-31 * 24 * time.Hour)},
			want: []string{"stale_data/viettel", "stale_data/vinaphone"},
		},
		{
			// Staleness counts on the data's timestamps: with no upload at all (a fresh
			// database), or data for less than 30 days, a carrier without uploads is not stale.
			name: "NeverUploadedNoDataYet",
			in: alerts.Input{Now: after, Carriers: []string{"viettel", "vinaphone"},
				LastReport: map[string]time.Time{"viettel": after.Add(-2 * 24 * time.Hour)}, DataSince: after.Add(-29 * 24 * time.Hour)},
			want: nil,
		},
		{
			name: "NothingOnRecord",
			in:   alerts.Input{Now: after, Carriers: []string{"viettel", "vinaphone"}},
			want: nil,
		},
		{
			name: "StaleDaysConfigurable",
			ev:   alerts.Evaluator{StaleAfter: 7 * 24 * time.Hour},
			in: alerts.Input{Now: after, Carriers: []string{"viettel"},
				LastReport: map[string]time.Time{"viettel": after.Add(-8 * 24 * time.Hour)}},
			want: []string{"stale_data/viettel"},
		},
		{
			name: "RejectedWithinWindow",
			in: alerts.Input{Now: after, Rejected: []geo.Upload{
				{ID: 7, Carrier: "viettel", Result: geo.ResultRejected, ReceivedAt: after.Add(-23 * time.Hour),
					Problems: []geo.Problem{{File: "a", Feature: 1, Rule: "unknown_village", Reason: "x"}}},
				{ID: 6, Carrier: "viettel", Result: geo.ResultRejected, ReceivedAt: after.Add(-25 * time.Hour)},
				{ID: 8, Carrier: "mobifone", Result: geo.ResultRejected, ReceivedAt: after.Add(time.Hour)},
			}},
			want: []string{"upload_rejected/viettel/7"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.ev.Evaluate(tc.in)
			if got := keys(r.Alerts); !slices.Equal(got, tc.want) {
				t.Fatalf("keys=%q, want %q", got, tc.want)
			}
			listed := map[string]string{} // each overdue village under one carrier only
			for _, a := range r.Alerts {
				if a.Kind != alerts.KindOverdue {
					continue
				}
				for _, id := range strings.Split(a.Annotations["village_ids"], ", ") {
					if prev, dup := listed[id]; dup {
						t.Errorf("village %s in two overdue alerts: %s and %s", id, prev, a.Key)
					}
					listed[id] = a.Key
				}
			}
			for _, a := range r.Alerts {
				if a.Labels["alertname"] != alerts.AlertName(a.Kind) || a.Labels["source"] != "covmon" || a.Labels["severity"] == "" {
					t.Errorf("%s: labels %v lack alertname/source/severity", a.Key, a.Labels)
				}
				if a.Key != alerts.MakeKey(a.Kind, a.Labels) {
					t.Errorf("%s: key does not follow labels", a.Key)
				}
				if a.Annotations["summary"] == "" {
					t.Errorf("%s: no summary", a.Key)
				}
			}
		})
	}
}

// TestEvaluator_RegressionsBounded: 10k regressed villages in 3 provinces under 3 carriers and
// none raise at most provinces × (carriers + 1) alerts, each naming MaxListed villages and
// counting the rest, every village counted in exactly one.
func TestEvaluator_RegressionsBounded(t *testing.T) {
	now := deadline.Add(-100 * 24 * time.Hour) // no reminder yet
	carriers := []string{"viettel", "mobifone", "vinaphone", ""}
	provinces := []string{"01", "14", "79"}
	var pi alerts.ProgramInput
	pi.Program = prog
	for i := range 10000 {
		id := fmt.Sprintf("V%05d", i)
		vs := responsible(open(id, provinces[i%len(provinces)], now, "viettel"), carriers[i%len(carriers)])
		vs.Status = []geo.Status{geo.StatusDeadZone, geo.StatusNoPower}[(i/7)%2]
		pi.Open = append(pi.Open, vs)
		pi.Regressed = append(pi.Regressed, id)
	}
	ev := alerts.Evaluator{MaxListed: 5}
	r := ev.Evaluate(alerts.Input{Now: now, Programs: []alerts.ProgramInput{pi}})
	if max := len(provinces) * len(carriers); len(r.Alerts) > max || len(r.Alerts) == 0 {
		t.Fatalf("%d alerts, want 1..%d", len(r.Alerts), max)
	}
	total := 0
	for _, a := range r.Alerts {
		if a.Kind != alerts.KindRegression {
			t.Fatalf("unexpected %s", a.Key)
		}
		if _, ok := a.Labels["village_id"]; ok {
			t.Errorf("%s: a village_id label", a.Key)
		}
		n, err := strconv.Atoi(a.Annotations["village_count"])
		if err != nil {
			t.Fatalf("%s: village_count %q", a.Key, a.Annotations["village_count"])
		}
		total += n
		ids := a.Annotations["village_ids"]
		if want := fmt.Sprintf(" … and %d more", n-5); !strings.HasSuffix(ids, want) || strings.Count(ids, "V") != 5 {
			t.Errorf("%s: village_ids %q, want 5 named and %q", a.Key, ids, want)
		}
		if !strings.Contains(a.Annotations["statuses"], "dead_zone ") || !strings.Contains(a.Annotations["statuses"], "no_power ") || len(a.Annotations["description"]) > 2000 {
			t.Errorf("%s: statuses %q, description %d bytes", a.Key, a.Annotations["statuses"], len(a.Annotations["description"]))
		}
	}
	if total != 10000 {
		t.Errorf("villages counted %d, want 10000 (each in one alert)", total)
	}
	// Each village is under its responsible carrier, whoever reported it.
	for _, a := range r.Alerts {
		first := strings.SplitN(a.Annotations["village_ids"], ",", 2)[0]
		var i int
		fmt.Sscanf(first, "V%05d", &i)
		if want := geo.Bucket(carriers[i%len(carriers)]); a.Labels["carrier"] != want || a.Labels["province_code"] != provinces[i%len(provinces)] {
			t.Errorf("%s lists %s, whose responsible carrier is %s in %s", a.Key, first, want, provinces[i%len(provinces)])
		}
	}
}

func TestEvaluator_OverdueAnnotations(t *testing.T) {
	now := time.Date(2024, 12, 11, 0, 0, 0, 0, geo.Vietnam)
	var open_ []geo.VillageStatus
	for i := range 25 {
		open_ = append(open_, open(string(rune('A'+i))+"1", "14", now, "viettel"))
	}
	ev := alerts.Evaluator{MaxListed: 3}
	r := ev.Evaluate(alerts.Input{Now: now, Demo: true, Programs: []alerts.ProgramInput{{Program: prog, Open: open_}}})
	if len(r.Alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(r.Alerts))
	}
	a := r.Alerts[0]
	for k, want := range map[string]string{
		"village_count": "25", "village_ids": "A1, B1, C1 … and 22 more", "max_days_overdue": "10", "notice": alerts.DemoNotice,
	} {
		if got := a.Annotations[k]; got != want {
			t.Errorf("annotation %s=%q, want %q", k, got, want)
		}
	}
	if got, want := a.Labels["province"], "P14"; got != want {
		t.Errorf("province=%q, want %q", got, want)
	}
	if !a.StartsAt.Equal(deadline) {
		t.Errorf("StartsAt=%v, want the deadline", a.StartsAt)
	}
}

func TestEvaluator_ReminderWindow(t *testing.T) {
	in := func(now time.Time) alerts.Input {
		return alerts.Input{Now: now, Programs: []alerts.ProgramInput{{Program: prog, Open: []geo.VillageStatus{open("V1", "14", now)}}}}
	}
	var ev alerts.Evaluator
	for _, tc := range []struct {
		name string
		now  time.Time
		want int
	}{
		{"JustBefore90", deadline.AddDate(0, 0, -90).Add(-time.Second), 0},
		{"At90", deadline.AddDate(0, 0, -90), 1},
		{"At7", deadline.AddDate(0, 0, -7), 3},
		{"LastSecond", deadline.Add(-time.Second), 4},
		{"AtDeadline", deadline, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for _, a := range ev.Evaluate(in(tc.now)).Alerts {
				if a.Kind == alerts.KindDeadlineReminder {
					n++
				}
			}
			if n != tc.want {
				t.Fatalf("reminders=%d, want %d", n, tc.want)
			}
		})
	}
}

func weekly(now time.Time, counts ...int) []alerts.Point {
	out := make([]alerts.Point, len(counts))
	for i, c := range counts {
		out[i] = alerts.Point{At: now.Add(-time.Duration(len(counts)-1-i) * alerts.Week), Open: c,
			ByProvince: map[string]int{"14": c}}
	}
	return out
}

func TestTheilSen(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4, 5, 6}
	ys := []float64{10, 8, 6, 4, 2, 0, -2}
	ys[3] = 400 // one outlier does not move the line
	slope, icpt := alerts.TheilSen(xs, ys)
	if math.Abs(slope+2) > 1e-9 || math.Abs(icpt-10) > 1e-9 {
		t.Fatalf("slope=%v intercept=%v, want -2 and 10", slope, icpt)
	}
}

func TestProject(t *testing.T) {
	now := time.Date(2024, 10, 1, 0, 0, 0, 0, geo.Vietnam)
	for _, tc := range []struct {
		name   string
		counts []int
		zero   time.Time // zero: never
		ok     bool
	}{
		{"TooFew", []int{5, 4}, time.Time{}, false},
		{"Steady", []int{12, 10, 8, 6}, now.Add(3 * alerts.Week), true},
		{"Flat", []int{6, 6, 6, 6}, time.Time{}, true},
		{"Rising", []int{3, 4, 5, 6}, time.Time{}, true},
		{"Done", []int{3, 2, 1, 0}, now, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := alerts.Project(weekly(now, tc.counts...), alerts.National)
			if ok != tc.ok {
				t.Fatalf("ok=%v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if !p.ZeroAt.Equal(tc.zero) {
				t.Fatalf("ZeroAt=%v, want %v", p.ZeroAt, tc.zero)
			}
			if got, want := p.Remaining, tc.counts[len(tc.counts)-1]; got != want {
				t.Fatalf("Remaining=%d, want %d", got, want)
			}
		})
	}
}

func TestEvaluator_ForecastMiss(t *testing.T) {
	now := deadline.AddDate(0, 0, -28) // 4 weeks left
	mk := func(now time.Time, counts ...int) alerts.Input {
		return alerts.Input{Now: now, Programs: []alerts.ProgramInput{{Program: prog, History: weekly(now, counts...),
			Open: []geo.VillageStatus{open("V1", "14", now)}}}}
	}
	ev := alerts.Evaluator{ReminderDays: []int{1}}
	for _, tc := range []struct {
		name string
		in   alerts.Input
		want []string
	}{
		// 2 per week, 20 left: zero in 10 weeks, after the deadline in 4.
		{"Miss", mk(now, 26, 24, 22, 20), []string{"forecast_miss/vls-2024/14", "forecast_miss/vls-2024/all"}},
		// 4 per week, 12 left: zero in 3 weeks.
		{"OnTrack", mk(now, 24, 20, 16, 12), nil},
		{"Stalled", mk(now, 9, 9, 9, 9), []string{"forecast_miss/vls-2024/14", "forecast_miss/vls-2024/all"}},
		// Past the deadline the overdue alerts take over.
		{"AfterDeadline", mk(deadline.Add(time.Hour), 26, 24, 22, 20), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			r := ev.Evaluate(tc.in)
			for _, a := range r.Alerts {
				if a.Kind == alerts.KindForecastMiss {
					got = append(got, a.Key)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("forecast alerts %q, want %q", got, tc.want)
			}
			if len(r.Projections) != 2 {
				t.Fatalf("projections=%d, want 2 (national and province 14)", len(r.Projections))
			}
		})
	}
}

// TestEvaluator_ForecastCountsOpenVillages: the forecast alert counts open villages, never-
// reported ones included (the weekly points count them: alerts.WeeklyHistory), and says how
// many of them were never reported and how many are dead zones now.
func TestEvaluator_ForecastCountsOpenVillages(t *testing.T) {
	now := deadline.AddDate(0, 0, -28)
	var opens []geo.VillageStatus
	for i := range 20 {
		vs := open(fmt.Sprintf("V%02d", i), "14", now, "viettel")
		if i < 3 {
			vs = open(fmt.Sprintf("V%02d", i), "14", now) // never reported
			vs.Status = geo.StatusNoData
		}
		opens = append(opens, vs)
	}
	in := alerts.Input{Now: now, Programs: []alerts.ProgramInput{{Program: prog, History: weekly(now, 26, 24, 22, 20), Open: opens}}}
	var got []string
	for _, a := range (&alerts.Evaluator{ReminderDays: []int{1}}).Evaluate(in).Alerts {
		if a.Kind != alerts.KindForecastMiss {
			continue
		}
		an := a.Annotations
		got = append(got, fmt.Sprintf("%s: %s | open %s, never reported %s, dead zones %s", a.Labels["province_code"], an["summary"], an["open_count"], an["never_reported_count"], an["dead_zone_count"]))
	}
	want := []string{
		"14: vls-2024 will miss the 2024-12-01 deadline in P14: 20 village(s) without signal that counts left, 3 of them never reported; projected zero 2025-01-12 | open 20, never reported 3, dead zones 17",
		"all: vls-2024 will miss the 2024-12-01 deadline nationwide: 20 village(s) without signal that counts left, 3 of them never reported; projected zero 2025-01-12 | open 20, never reported 3, dead zones 17",
	}
	if !slices.Equal(got, want) {
		t.Errorf("forecast alerts\n got %q\nwant %q", got, want)
	}
}

func TestMakeKey_Escapes(t *testing.T) {
	a := alerts.MakeKey(alerts.KindStaleData, map[string]string{"carrier": "a/b"})
	if strings.Count(a, "/") != 1 {
		t.Fatalf("key %q: the value's slash was not escaped", a)
	}
}

// TestEvaluator_AnnotationTimesVietnam: every time an alert's annotations carry (deadline,
// projected_zero, last_report, last_accepted, received_at) is RFC 3339 in +07:00, as everywhere covmon shows
// times (docs/api.md), though the clock, the stored uploads and the weekly points here are UTC.
func TestEvaluator_AnnotationTimesVietnam(t *testing.T) {
	now := deadline.AddDate(0, 0, -28).UTC()
	in := alerts.Input{Now: now, Carriers: []string{"viettel"},
		LastReport: map[string]time.Time{"viettel": now.Add(-40 * 24 * time.Hour)}, DataSince: now.Add(-60 * 24 * time.Hour),
		LastAccepted: map[string]time.Time{"viettel": now.Add(-3 * 24 * time.Hour)},
		Rejected:     []geo.Upload{{ID: 7, Carrier: "viettel", Result: geo.ResultRejected, ReceivedAt: now.Add(-time.Hour)}},
		Programs: []alerts.ProgramInput{{Program: prog, History: weekly(now, 26, 24, 22, 20),
			Open: []geo.VillageStatus{open("V1", "14", now)}}}}
	ev := alerts.Evaluator{ReminderDays: []int{30}}
	r := ev.Evaluate(in)
	seen := map[string]bool{}
	for _, a := range r.Alerts {
		seen[a.Kind] = true
		for k, v := range a.Annotations {
			if _, err := time.Parse(time.RFC3339, v); err == nil && !strings.HasSuffix(v, "+07:00") {
				t.Errorf("%s: %s = %s, want +07:00", a.Key, k, v)
			}
		}
	}
	for _, k := range []string{alerts.KindForecastMiss, alerts.KindStaleData, alerts.KindUploadRejected, alerts.KindDeadlineReminder} {
		if !seen[k] {
			t.Errorf("no %s alert: the test checks less than it says (%v)", k, seen)
		}
	}
}

// TestEvaluator_RejectedBySender: a rejected upload's alert is addressed to who sent the file,
// not to whom it names (docs/alerts.md). An inspector's rejected measurements of viettel are
// carrier="inspector" (before: carrier="viettel", paging Viettel about a file it did not send),
// with viettel only in the measured_carrier annotation; viettel's own rejected file stays
// carrier="viettel"; the registry's is carrier="registry".
func TestEvaluator_RejectedBySender(t *testing.T) {
	now := deadline.AddDate(0, 0, -100)
	prob := []geo.Problem{{File: "f", Feature: 0, VillageID: "NO-SUCH", Field: "village_id", Rule: "unknown_village", Reason: "not in the registry"}}
	in := alerts.Input{Now: now, Rejected: []geo.Upload{
		{ID: 12, FileName: "kiem-tra.geojson", Carrier: "viettel", Role: geo.RoleInspector, Result: geo.ResultRejected, ReceivedAt: now.Add(-time.Hour), Problems: prob},
		{ID: 13, FileName: "vt.geojson", Carrier: "viettel", Role: geo.RoleCarrier, Result: geo.ResultRejected, ReceivedAt: now.Add(-time.Hour), Problems: prob},
		{ID: 14, FileName: "v.geojson", Role: geo.RoleMinistry, Kind: geo.KindVillages, Result: geo.ResultRejected, ReceivedAt: now.Add(-time.Hour)},
		{ID: 15, FileName: "nobody.geojson", Role: geo.RoleInspector, Result: geo.ResultRejected, ReceivedAt: now.Add(-time.Hour)},
	}}
	got := map[string]alerts.Alert{}
	for _, a := range (&alerts.Evaluator{}).Evaluate(in).Alerts {
		got[a.Key] = a
	}
	if want := []string{"upload_rejected/inspector/12", "upload_rejected/inspector/15", "upload_rejected/registry/14", "upload_rejected/viettel/13"}; !slices.Equal(slices.Sorted(maps.Keys(got)), want) {
		t.Fatalf("keys %v, want %v", slices.Sorted(maps.Keys(got)), want)
	}
	insp := got["upload_rejected/inspector/12"]
	if insp.Labels["carrier"] != "inspector" || insp.Annotations["measured_carrier"] != "viettel" ||
		insp.Annotations["summary"] != "Upload 12 (kiem-tra.geojson) from an inspector (measurements of viettel) was rejected: 1 problem(s)" {
		t.Errorf("inspector's rejection: labels %v, annotations %v", insp.Labels, insp.Annotations)
	}
	own := got["upload_rejected/viettel/13"]
	if own.Labels["carrier"] != "viettel" || own.Annotations["measured_carrier"] != "" ||
		own.Annotations["summary"] != "Upload 13 (vt.geojson) from viettel was rejected: 1 problem(s)" {
		t.Errorf("viettel's own rejection: labels %v, annotations %v", own.Labels, own.Annotations)
	}
	if s := got["upload_rejected/inspector/15"].Annotations["summary"]; s != "Upload 15 (nobody.geojson) from an inspector was rejected: 0 problem(s)" {
		t.Errorf("an inspector's file naming no carrier: summary %q", s)
	}
}

// A registry without province names (province_name is optional in villages/v1): the overdue
// alert names the province by its code, as the forecast alert does, instead of "1 village(s)
// in  still without signal" and an empty province label.
func TestEvaluator_OverdueProvinceWithoutName(t *testing.T) {
	now := time.Date(2024, 12, 11, 0, 0, 0, 0, geo.Vietnam)
	vs := responsible(open("A2", "08", now), "mobifone")
	vs.Village.ProvinceName = ""
	ev := alerts.Evaluator{}
	r := ev.Evaluate(alerts.Input{Now: now, Programs: []alerts.ProgramInput{{Program: prog, Open: []geo.VillageStatus{vs}}}})
	if len(r.Alerts) != 1 {
		t.Fatalf("got %d alerts, want 1: %v", len(r.Alerts), keys(r.Alerts))
	}
	a := r.Alerts[0]
	if got, want := a.Labels["province"], "08"; got != want {
		t.Errorf("province label %q, want %q", got, want)
	}
	if got, want := a.Annotations["summary"], "1 village(s) in province 08 still without signal past their vls-2024 deadline (responsible carrier mobifone)"; got != want {
		t.Errorf("summary %q\nwant    %q", got, want)
	}
}

// A carrier's overdue alert starts when it became responsible for an overdue village, not at
// the village's deadline when another carrier was responsible then: A2, overdue since
// 2024-12-01 under mobifone, reassigned to viettel on 2026-11-01, starts viettel's alert on
// 2026-11-01 (Alertmanager's "since" is put to viettel). A group keeps the earliest start of its
// villages; an unassigned village's start is its deadline.
func TestEvaluator_OverdueStartsWithResponsibility(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, geo.Vietnam)
	moved := time.Date(2026, 11, 1, 0, 0, 0, 0, geo.Vietnam)
	a2 := responsible(open("A2", "08", now), "viettel")
	a2.ResponsibleSince = moved
	a3 := responsible(open("A3", "15", now), "viettel")
	a3.ResponsibleSince = moved
	a9 := responsible(open("A9", "15", now), "viettel")
	a9.ResponsibleSince = time.Date(2023, 1, 1, 0, 0, 0, 0, geo.Vietnam) // before the deadline
	a4 := open("A4", "08", now)
	ev := alerts.Evaluator{}
	r := ev.Evaluate(alerts.Input{Now: now, Programs: []alerts.ProgramInput{{Program: prog, Open: []geo.VillageStatus{a2, a3, a4, a9}}}})
	starts := map[string]time.Time{}
	for _, a := range r.Alerts {
		starts[a.Key] = a.StartsAt
	}
	for key, want := range map[string]time.Time{
		"overdue/vls-2024/08/viettel":    moved,
		"overdue/vls-2024/15/viettel":    deadline, // A9 has been viettel's since before the deadline
		"overdue/vls-2024/08/unassigned": deadline,
	} {
		if got, ok := starts[key]; !ok || !got.Equal(want) {
			t.Errorf("%s starts %v (present %v), want %v; alerts %v", key, got, ok, want, keys(r.Alerts))
		}
	}
}

// Deadline reminders count every open village — in scope, without signal that counts —, not
// only those a carrier reported dark: a village no carrier ever reported will be overdue at the
// deadline like a dead zone (docs/figures.md: not reporting keeps no village out of the
// figures), so 20 days before the deadline with only never-reported villages left, the 90- and
// 30-day reminders fire. A village out of the scope (no power in a powered-only program) raises
// none.
func TestEvaluator_ReminderCountsNeverReported(t *testing.T) {
	now := deadline.AddDate(0, 0, -20)
	never := open("V1", "14", now)
	never.Status = geo.StatusNoData
	dark := open("V2", "14", now, "viettel")
	unpowered := geo.VillageStatus{Village: village("V3", "14"), Deadline: deadline}
	unpowered.Status = geo.StatusNoPower
	var ev alerts.Evaluator
	for _, tc := range []struct {
		name          string
		open          []geo.VillageStatus
		want          int
		summary, dead string
	}{
		{"NeverReported", []geo.VillageStatus{never}, 2, "vls-2024 deadline in 20 days: 1 village(s) due by then still without signal that counts, 1 of them never reported", "0"},
		{"Both", []geo.VillageStatus{never, dark}, 2, "vls-2024 deadline in 20 days: 2 village(s) due by then still without signal that counts, 1 of them never reported", "1"},
		{"OutOfScope", []geo.VillageStatus{unpowered}, 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ofKind(ev.Evaluate(alerts.Input{Now: now, Programs: []alerts.ProgramInput{{Program: prog, Open: tc.open}}}).Alerts, alerts.KindDeadlineReminder)
			if len(got) != tc.want {
				t.Fatalf("reminders=%d, want %d", len(got), tc.want)
			}
			for _, a := range got {
				if a.Annotations["summary"] != tc.summary || a.Annotations["dead_zone_count"] != tc.dead {
					t.Errorf("summary %q (dead_zone_count %s)\nwant    %q (%s)", a.Annotations["summary"], a.Annotations["dead_zone_count"], tc.summary, tc.dead)
				}
			}
		})
	}
}

// A reminder counts the open villages due by the program's deadline — their own deadline at or
// before it — not those whose own deadline is later (a late entry's grace, an override): on
// the seeds, 41 villages were without signal on 2024-11-25 but 7 of them had deadlines in
// 2025, and the reminder said 41 where the overdue count the next week was at most 34. A
// village overdue already under an earlier override is due by then too. Only villages with a
// later deadline left: no reminder (none will be overdue at the deadline).
func TestEvaluator_ReminderCountsVillagesDueByTheDeadline(t *testing.T) {
	now := deadline.AddDate(0, 0, -20)
	dark := open("V1", "14", now, "viettel")
	lateEntry := open("V2", "14", now) // never reported, found after the cut-off: its own deadline a year on
	lateEntry.Status = geo.StatusNoData
	lateEntry.Deadline = deadline.AddDate(0, 0, 200)
	early := open("V3", "14", now, "mobifone") // a province override a month before the program's
	early.Deadline = deadline.AddDate(0, 0, -30)
	early.Overdue, early.DaysOverdue = true, 10
	var ev alerts.Evaluator
	for _, tc := range []struct {
		name                        string
		open                        []geo.VillageStatus
		want                        int
		summary, count, dead, later string
	}{
		{"Mixed", []geo.VillageStatus{dark, lateEntry, early}, 2,
			"vls-2024 deadline in 20 days: 2 village(s) due by then still without signal that counts, 0 of them never reported (1 more without signal have a later deadline of their own)", "2", "2", "1"},
		{"OnlyLater", []geo.VillageStatus{lateEntry}, 0, "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ofKind(ev.Evaluate(alerts.Input{Now: now, Programs: []alerts.ProgramInput{{Program: prog, Open: tc.open}}}).Alerts, alerts.KindDeadlineReminder)
			if len(got) != tc.want {
				t.Fatalf("reminders=%d, want %d", len(got), tc.want)
			}
			for _, a := range got {
				an := a.Annotations
				if an["summary"] != tc.summary || an["open_count"] != tc.count || an["dead_zone_count"] != tc.dead || an["later_deadline_count"] != tc.later {
					t.Errorf("summary %q open_count %s dead_zone_count %s later_deadline_count %s\nwant    %q %s %s %s",
						an["summary"], an["open_count"], an["dead_zone_count"], an["later_deadline_count"], tc.summary, tc.count, tc.dead, tc.later)
				}
			}
		})
	}
}

// The days a reminder says are left are whole days rounded up, as covmon status and the page
// say them: 19.5 days before the deadline is "in 20 days", 36 hours "in 36 hours", 90 minutes
// "in 2 hours".
func TestEvaluator_ReminderDaysLeft(t *testing.T) {
	var ev alerts.Evaluator
	for left, want := range map[time.Duration]string{
		19*24*time.Hour + 12*time.Hour: "vls-2024 deadline in 20 days: ",
		20 * 24 * time.Hour:            "vls-2024 deadline in 20 days: ",
		36 * time.Hour:                 "vls-2024 deadline in 36 hours: ",
		90 * time.Minute:               "vls-2024 deadline in 2 hours: ",
	} {
		now := deadline.Add(-left)
		for _, a := range ev.Evaluate(alerts.Input{Now: now, Programs: []alerts.ProgramInput{{Program: prog, Open: []geo.VillageStatus{open("V1", "14", now, "viettel")}}}}).Alerts {
			if a.Kind == alerts.KindDeadlineReminder && !strings.HasPrefix(a.Annotations["summary"], want) {
				t.Errorf("%v before the deadline: %q, want %q…", left, a.Annotations["summary"], want)
			}
		}
	}
}
