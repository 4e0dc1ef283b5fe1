package main

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// mustRunAt is mustRun with the clock at now: the uploads it makes are received then.
func mustRunAt(t *testing.T, now time.Time, db string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdin, m.Stdout, m.Stderr = strings.NewReader(""), &out, &errb
	m.Now = func() time.Time { return now }
	m.Getenv = func(string) string { return "" }
	at := 1
	if args[0] == "villages" || args[0] == "assignments" {
		at = 2
	}
	args = append(args[:at:at], append([]string{"--db", db}, args[at:]...)...)
	err := m.Run(context.Background(), args)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("covmon %s: %v\n%s\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// The worked example of docs/figures.md, "As known then": the figures' history received as it
// happened (the registry in January 2024, the dark reports in June), then mobifone's claim of
// signal in V1 observed 2024-11-30 23:59:59+07:00 but received 2025-01-10. As of 2024-12-01
// the current view counts 1 overdue, the audit view 2 — what could be read out on that day.
func TestMain_StatusAsKnown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	vn := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	mustRunAt(t, vn("2024-01-02T09:00:00+07:00"), db, "villages", "import", writeFile(t, "v.geojson", figuresVillages))
	mustRunAt(t, vn("2024-06-02T09:00:00+07:00"), db, "ingest", writeFile(t, "o.geojson", figuresObservations))
	mustRunAt(t, vn("2025-01-10T09:00:00+07:00"), db, "ingest", writeFile(t, "late.geojson", `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"mobifone","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V1","technology":"4g","has_signal":true,"observed_at":"2024-11-30T23:59:59+07:00"}}]}`))

	cur := statusJSON(t, db, "--as-of", "2024-12-01", "--forecast=false")
	known := statusJSON(t, db, "--as-of", "2024-12-01", "--as-known")
	if cur.National.Overdue != 1 || cur.View != "current" {
		t.Errorf("current view as of 2024-12-01: %d overdue, view %q; want 1, current", cur.National.Overdue, cur.View)
	}
	if known.National.Overdue != 2 || known.View != "as_known" {
		t.Errorf("as known on 2024-12-01: %d overdue, view %q; want 2, as_known", known.National.Overdue, known.View)
	}
	// The forecast as known then: 12 weekly points, each as known that week (the registry
	// was received in January), the newest the audit view's 2 open villages.
	if f := known.Forecast; f == nil || f.View != "as_known" || f.Points != 12 || f.Weeks != 12 || f.Remaining != 2 {
		t.Errorf("as known on 2024-12-01: forecast %+v; want as_known, 12 of 12 points, 2 open", f)
	}
	// The late claim counts from its receipt on.
	if s := statusJSON(t, db, "--as-of", "2025-01-10T09:00:00+07:00", "--as-known"); s.National.Overdue != 1 {
		t.Errorf("as known at the late claim's receipt: %d overdue, want 1", s.National.Overdue)
	}

	// The table says which view it is in, in both languages; the current view says nothing.
	en := mustRun(t, db, "status", "--as-of", "2024-12-01", "--as-known", "--lang", "en")
	vi := mustRun(t, db, "status", "--as-of", "2024-12-01", "--as-known")
	if !strings.Contains(en, "As known then (audit view): only the uploads covmon had received by that instant count") ||
		!strings.Contains(vi, "Số liệu như đã biết lúc đó (xem để kiểm toán)") {
		t.Errorf("the audit view does not say so:\n%s\n%s", en, vi)
	}
	if !strings.Contains(en, "[as known then: each weekly count only from the uploads received by its week; 12 of 12 weeks known]") ||
		!strings.Contains(vi, "[như đã biết lúc đó: mỗi số liệu tuần chỉ tính các tệp đã nhận đến tuần đó; 12/12 tuần có số liệu]") {
		t.Errorf("the forecast does not say it is as known then:\n%s\n%s", en, vi)
	}
	if out := mustRun(t, db, "status", "--as-of", "2024-12-01", "--lang", "en", "--forecast=false"); strings.Contains(out, "As known then") {
		t.Errorf("the current view says it is the audit view:\n%s", out)
	}
	if out := mustRun(t, db, "status", "--as-of", "2024-12-01", "--as-known", "--format", "csv"); !strings.Contains(out, ",as_known") {
		t.Errorf("the CSV of the audit view has no view column:\n%s", out)
	}
	// One village: V1's status as known then, its history whole.
	show := mustRun(t, db, "villages", "show", "V1", "--as-of", "2024-12-01", "--as-known")
	if !strings.Contains(show, "Status as of 2024-12-01 00:00 (as known then: only the uploads received by then): dead_zone (overdue)") || !strings.Contains(show, "2024-11-30 23:59") {
		t.Errorf("villages show V1 as known:\n%s", show)
	}
	if show := mustRun(t, db, "villages", "show", "V1", "--as-of", "2024-12-01"); !strings.Contains(show, "Status as of 2024-12-01 00:00: covered") {
		t.Errorf("villages show V1:\n%s", show)
	}
	// The search: V1's status as known then, and the line that says so.
	find := mustRun(t, db, "villages", "find", "ban mot", "--as-of", "2024-12-01", "--as-known")
	if !strings.Contains(find, "As of 2024-12-01 00:00, as known then (audit view)") || !regexp.MustCompile(`V1 +Bản Một .* dead_zone \(overdue\)`).MatchString(find) {
		t.Errorf("villages find as known:\n%s", find)
	}
	if find := mustRun(t, db, "villages", "find", "ban mot", "--as-of", "2024-12-01"); strings.Contains(find, "as known then") || !regexp.MustCompile(`V1 +Bản Một .* covered`).MatchString(find) {
		t.Errorf("villages find:\n%s", find)
	}
	// A command without the audit view refuses --as-known and says where it is, rather than
	// the flag package's "flag provided but not defined".
	for _, args := range [][]string{{"uploads", "--as-known"}, {"alerts", "--as-known=true"}, {"audit", "verify", "--as-known"}} {
		_, _, err := run(t, db, args...)
		if err == nil || !strings.Contains(err.Error(), "--as-known: covmon "+args[0]) || !strings.Contains(err.Error(), "covmon status, covmon villages show and covmon villages find") {
			t.Errorf("covmon %s: %v; want --as-known refused, naming where the audit view is", strings.Join(args, " "), err)
		}
	}

	// V2 split on 2025-03-01, the split received on 2025-04-01: as known on 2025-03-15 V2 was
	// still in the registry; in the current view it is shown at its last instant.
	mustRunAt(t, vn("2025-04-01T09:00:00+07:00"), db, "villages", "import", writeFile(t, "split.geojson", `{"type":"FeatureCollection","covmon_schema":"villages/v1","effective":"2025-03-01","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[104.21,22.21]},"properties":{"village_id":"V2a","name":"Bản Hai Trên","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"],"predecessors":["V2"]}}]}`))
	if show := mustRun(t, db, "villages", "show", "V2", "--as-of", "2025-03-15", "--as-known"); !strings.Contains(show, "Status as of 2025-03-15 00:00 (as known then: only the uploads received by then): no_data (overdue)") {
		t.Errorf("villages show V2 as known on 2025-03-15:\n%s", show)
	}
	if show := mustRun(t, db, "villages", "show", "V2", "--as-of", "2025-03-15"); !strings.Contains(show, "Status as of 2025-02-28 23:59: no_data (overdue)") {
		t.Errorf("villages show V2 as of 2025-03-15:\n%s", show)
	}
}

// The seeds are received when covmon seed runs (testNow): as known before then the database
// held nothing, whatever dates the synthetic reports carry; without --as-of both views agree.
func TestMain_StatusAsKnownSeeds(t *testing.T) {
	db := seededDB(t)
	before := statusJSON(t, db, "--as-of", "2026-11-20", "--as-known")
	if before.National.Villages != 0 || before.View != "as_known" {
		t.Errorf("as known before the seeding: %d villages, view %q; want 0, as_known", before.National.Villages, before.View)
	}
	if f := before.Forecast; f == nil || f.Status != "insufficient_history" || f.Points != 0 {
		t.Errorf("as known before the seeding: forecast %+v, want insufficient_history on no point", f)
	}
	if cur := statusJSON(t, db, "--as-of", "2026-11-20", "--forecast=false"); cur.National.Villages == 0 {
		t.Error("the current view as of 2026-11-20 counts no village")
	}
	now, nowKnown := statusJSON(t, db, "--forecast=false"), statusJSON(t, db, "--as-known")
	if !reflect.DeepEqual(now.National, nowKnown.National) || !reflect.DeepEqual(now.Responsible, nowKnown.Responsible) || len(now.Villages) != len(nowKnown.Villages) {
		t.Errorf("now: the current view %+v, as known %+v", now.National, nowKnown.National)
	}
	// Every seed upload was received at the seeding: as known then, one weekly point (now).
	if f := nowKnown.Forecast; f == nil || f.Status != "insufficient_history" || f.Points != 1 || f.View != "as_known" {
		t.Errorf("now, as known: forecast %+v, want insufficient_history on 1 point", f)
	} else if f.Late == nil || f.Late.PointsDiffer != 11 || f.Late.Current.Status == "insufficient_history" || len(f.Late.ClaimsByCarrier) == 0 {
		// Beside it, the current view's forecast on all 12 points and the seed claims it
		// counts at points before the seeding received them.
		t.Errorf("now, as known: late %+v, want 11 of 12 points differ, the current view's trend, claims by carrier", f.Late)
	}
}
