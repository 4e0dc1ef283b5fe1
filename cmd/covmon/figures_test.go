package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo/wire"
)

// A hand-made history for the responsibility figures (docs/figures.md has it as a worked
// example): V1 reported dark by viettel and mobifone, V2 never reported, V3 covered.
const figuresVillages = `{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[104.1,22.1]},"properties":{"village_id":"V1","name":"Bản Một","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[104.2,22.2]},"properties":{"village_id":"V2","name":"Bản Hai","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[104.3,22.3]},"properties":{"village_id":"V3","name":"Bản Ba","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}]}`

const figuresObservations = `{"type":"FeatureCollection","covmon_schema":"observations/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V1","carrier":"viettel","technology":"4g","has_signal":false,"observed_at":"2024-06-01"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V1","carrier":"mobifone","technology":"4g","has_signal":false,"observed_at":"2024-06-01"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V3","carrier":"viettel","technology":"4g","has_signal":true,"observed_at":"2024-06-01"}}]}`

const figuresAssignments = `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V1","program":"vls-2024","carrier":"mobifone","assigned_at":"2023-01-01"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V2","program":"vls-2024","carrier":"viettel","assigned_at":"2023-01-01"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V1","program":"vls-2024","carrier":"vinaphone","assigned_at":"2025-06-01"}}]}`

func figuresDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "f.db")
	mustRun(t, db, "villages", "import", writeFile(t, "v.geojson", figuresVillages))
	mustRun(t, db, "ingest", writeFile(t, "o.geojson", figuresObservations))
	out := mustRun(t, db, "assignments", "import", writeFile(t, "a.geojson", figuresAssignments))
	if !strings.Contains(out, "a.geojson: accepted as upload") {
		t.Fatalf("assignments import:\n%s", out)
	}
	return db
}

func responsible(s wire.Status) map[string][2]int {
	out := map[string][2]int{}
	for _, r := range s.Responsible {
		out[r.Carrier] = [2]int{r.Open, r.Overdue}
	}
	return out
}

func TestMain_ResponsibleCarrier(t *testing.T) {
	db := figuresDB(t)

	// 2025-01-01, past the deadline: V1 is mobifone's (not viettel's, though viettel reported
	// it too), V2 — never reported — is viettel's; each once, and the rows add up.
	s := statusJSON(t, db, "--as-of", "2025-01-01")
	got := responsible(s)
	if got["mobifone"] != [2]int{1, 1} || got["viettel"] != [2]int{1, 1} || got["vinaphone"] != [2]int{} || got["unassigned"] != [2]int{} {
		t.Errorf("2025-01-01 per carrier (open, overdue) = %v", got)
	}
	sum := 0
	for _, r := range s.Responsible {
		sum += r.Overdue
	}
	if sum != s.National.Overdue || s.National.Overdue != 2 || s.National.OverdueByReason["never_reported"] != 1 {
		t.Errorf("overdue: per carrier %d, national %+v", sum, s.National)
	}
	// After the reassignment on 2025-06-01, V1 is vinaphone's; as of before it, still mobifone's.
	if got := responsible(statusJSON(t, db, "--as-of", "2025-07-01")); got["vinaphone"] != [2]int{1, 1} || got["mobifone"] != [2]int{} {
		t.Errorf("2025-07-01 per carrier = %v", got)
	}

	// The per-carrier table in the text output.
	out := mustRun(t, db, "status", "--as-of", "2025-01-01", "--lang", "en")
	for _, want := range []string{"Per responsible carrier", "unassigned (chưa giao)", "Powered villages by carriers with signal: 0: 2, 1: 1, 2: 0, 3: 0, 4: 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "partial") {
		t.Errorf("status output still speaks of partial not-spots:\n%s", out)
	}

	// viettel's work list: V2, never reported.
	out = mustRun(t, db, "status", "--as-of", "2025-01-01", "--carrier", "viettel", "--villages", "--lang", "en")
	if !strings.Contains(out, "viettel — 1 open village(s), 1 overdue") || !strings.Contains(out, "V2") || !strings.Contains(out, "never_reported") || strings.Contains(out, "V1 ") {
		t.Errorf("viettel's work list:\n%s", out)
	}
	var wl wire.WorkList
	if err := json.Unmarshal([]byte(mustRun(t, db, "status", "--as-of", "2025-01-01", "--carrier", "mobifone", "--format", "json")), &wl); err != nil {
		t.Fatal(err)
	}
	if wl.Carrier != "mobifone" || len(wl.Villages) != 1 || wl.Villages[0].ID != "V1" || wl.Villages[0].Reason != "no_signal" || wl.Overdue != 1 {
		t.Errorf("mobifone's work list: %+v", wl)
	}
	if _, _, err := run(t, db, "status", "--carrier", "acme"); err == nil {
		t.Error("--carrier acme: want an error")
	}
}

func TestMain_IngestKindAssignments(t *testing.T) {
	db := figuresDB(t)
	// The same file again through ingest --kind: a duplicate, counted once.
	out := mustRun(t, db, "ingest", "--kind", "assignments", writeFile(t, "a.geojson", figuresAssignments))
	if !strings.Contains(out, "duplicate of upload") {
		t.Errorf("second import:\n%s", out)
	}
	if _, _, err := run(t, db, "ingest", "--kind", "assignments", "--carrier", "viettel", writeFile(t, "b.geojson", figuresAssignments)); err == nil {
		t.Error("a carrier uploading assignments: want an error")
	}
	bad := strings.Replace(figuresAssignments, `"V2"`, `"V9"`, 1)
	_, errs, err := run(t, db, "assignments", "import", writeFile(t, "bad.geojson", bad))
	if err == nil || !strings.Contains(errs, `feature 1 (village_id "V9"): field "village_id": not in the registry`) {
		t.Errorf("unknown village: err=%v\n%s", err, errs)
	}
}

func TestMain_RegistryWithoutPrograms(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	reg := strings.ReplaceAll(figuresVillages, `,"programs":["vls-2024"]`, "")
	reg = strings.Replace(reg, `"grid_power":true}`, `"grid_power":true,"deadline":"2025-03-31"}`, 1)
	out := mustRun(t, db, "villages", "import", writeFile(t, "v.geojson", reg))
	for _, want := range []string{`note: Warning: 3 of 3 villages name no program; they join the default program "vls-2024"`,
		`note: Warning: 1 villages carry the deprecated "deadline"`} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	if s := statusJSON(t, db); s.National.Baseline != 3 {
		t.Errorf("baseline villages = %d, want 3 (they joined the default program)", s.National.Baseline)
	}
}

// As of a past instant, by what is stored now (docs/figures.md): the deadline is one instant
// whatever the zone it is written in, and a report received later but observed before an
// instant counts in that instant's figures. figuresDB as of 2024-12-01: V1 (dark) and V2
// (never reported) overdue; a mobifone claim of signal in V1 observed 2024-11-30 23:59:59+07:00,
// sent afterwards, makes it 1.
func TestMain_AsOfByWhatIsStoredNow(t *testing.T) {
	db := figuresDB(t)
	overdue := func(asOf string) int { return statusJSON(t, db, "--as-of", asOf, "--forecast=false").National.Overdue }
	for asOf, want := range map[string]int{
		"2024-11-30T23:59:59+07:00": 0, "2024-11-30T16:59:59Z": 0,
		"2024-12-01": 2, "2024-12-01T00:00:00+07:00": 2, "2024-11-30T17:00:00Z": 2,
	} {
		if got := overdue(asOf); got != want {
			t.Errorf("as of %s: %d overdue, want %d", asOf, got, want)
		}
	}
	mustRun(t, db, "ingest", writeFile(t, "late.geojson", `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"mobifone","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V1","technology":"4g","has_signal":true,"observed_at":"2024-11-30T23:59:59+07:00"}}]}`))
	for asOf, want := range map[string]int{"2024-11-30T23:59:58+07:00": 0, "2024-12-01": 1, "2024-11-30T17:00:00Z": 1, "2025-01-01": 1} {
		if got := overdue(asOf); got != want {
			t.Errorf("after the late report, as of %s: %d overdue, want %d", asOf, got, want)
		}
	}
}

// A split moves a village's overdue figure (docs/figures.md, "A split"): the successors are
// overdue from their first day, their days counted from their own deadline — the program's,
// before they existed, since their area was in scope through their predecessor —, and nobody
// is responsible for them until the ministry assigns them: the predecessor's carrier no longer
// has the village, and unassigned has both halves.
func TestMain_SplitMovesTheOverdueFigure(t *testing.T) {
	db := figuresDB(t)
	out := mustRun(t, db, "villages", "import", writeFile(t, "split.geojson", `{"type":"FeatureCollection","covmon_schema":"villages/v1","effective":"2025-03-01","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[104.21,22.21]},"properties":{"village_id":"V2a","name":"Bản Hai Trên","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"],"predecessors":["V2"]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[104.22,22.22]},"properties":{"village_id":"V2b","name":"Bản Hai Dưới","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"],"predecessors":["V2"]}}]}`))
	// The import says so, per successor, naming the predecessor's carrier and how to assign it.
	for _, w := range []string{
		`  note: Warning: successor village V2a "Bản Hai Trên" (of V2, from 2025-03-01) has no responsible carrier in program "vls-2024" (predecessors then: V2 viettel): `,
		`  note: Warning: successor village V2b "Bản Hai Dưới" (of V2, from 2025-03-01) has no responsible carrier in program "vls-2024" (predecessors then: V2 viettel): `,
		`assignments/v1 file (village_id "V2b", program, carrier, assigned_at "2025-03-01"): covmon assignments import FILE`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the import does not say %q:\n%s", w, out)
		}
	}
	worklist := func(carrier, asOf string) map[string]int {
		var wl wire.WorkList
		if err := json.Unmarshal([]byte(mustRun(t, db, "status", "--as-of", asOf, "--carrier", carrier, "--format", "json")), &wl); err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, v := range wl.Villages {
			out[v.ID] = v.DaysOverdue
		}
		return out
	}
	if got := worklist("viettel", "2025-02-28"); fmt.Sprint(got) != "map[V2:89]" {
		t.Errorf("viettel as of 2025-02-28: %v, want V2 89 days overdue", got)
	}
	if got := worklist("viettel", "2025-03-02"); len(got) != 0 {
		t.Errorf("viettel as of 2025-03-02: %v, want nothing (V2 retired, its halves not assigned)", got)
	}
	if got := worklist("unassigned", "2025-03-02"); fmt.Sprint(got) != "map[V2a:91 V2b:91]" {
		t.Errorf("unassigned as of 2025-03-02: %v, want V2a and V2b, 91 days overdue each", got)
	}
	before, after := statusJSON(t, db, "--as-of", "2025-02-28", "--forecast=false"), statusJSON(t, db, "--as-of", "2025-03-02", "--forecast=false")
	if before.National.Overdue != 2 || after.National.Overdue != 3 || before.National.Villages != 3 || after.National.Villages != 4 {
		t.Errorf("overdue %d → %d, villages %d → %d; want 2 → 3, 3 → 4", before.National.Overdue, after.National.Overdue, before.National.Villages, after.National.Villages)
	}
}

// Days left before the deadline are whole days rounded up, as days overdue are whole days
// rounded down: from 2024-11-01 00:00 to the deadline 2024-12-01 00:00 is 30 days, not 31 (an
// --as-of date is midnight, so every past date said one day more); 12 hours left is 1 day.
func TestMain_DaysLeftBeforeTheDeadline(t *testing.T) {
	db := figuresDB(t)
	for asOf, want := range map[string]string{
		"2024-11-01":                "2024-12-01 (in 30 days)",
		"2022-08-01":                "2024-12-01 (in 853 days)",
		"2024-11-30T12:00:00+07:00": "2024-12-01 (in 1 days)",
		"2024-11-30T23:59:59+07:00": "2024-12-01 (in 1 days)",
		"2024-12-01":                "2024-12-01 (passed 0 days ago)",
		"2024-12-02T12:00:00+07:00": "2024-12-01 (passed 1 days ago)",
	} {
		if out := mustRun(t, db, "status", "--as-of", asOf, "--lang", "en", "--forecast=false"); !strings.Contains(out, "Deadline:                    "+want) {
			t.Errorf("as of %s: want %q in\n%s", asOf, want, out)
		}
	}
}

// The work list in Vietnamese says where each deadline comes from in Vietnamese, as it says
// the status and the reason ("vào phạm vi muộn", not late_entry); in English it keeps the
// API's values. It printed "program" and "late_entry" in a table otherwise in Vietnamese.
func TestMain_WorklistBasisInVietnamese(t *testing.T) {
	db := seededDB(t)
	vi := mustRun(t, db, "status", "--carrier", "viettel", "--villages")
	en := mustRun(t, db, "status", "--carrier", "viettel", "--villages", "--lang", "en")
	for _, w := range []string{"  program  ", "  late_entry  "} {
		if strings.Contains(vi, w) {
			t.Errorf("the Vietnamese work list says %q:\n%s", strings.TrimSpace(w), vi)
		}
		if !strings.Contains(en, w) {
			t.Errorf("the English work list does not say %q:\n%s", strings.TrimSpace(w), en)
		}
	}
	for _, w := range []string{"  hạn chương trình  ", "  vào phạm vi muộn  "} {
		if !strings.Contains(vi, w) {
			t.Errorf("the Vietnamese work list does not say %q:\n%s", strings.TrimSpace(w), vi)
		}
	}
}
