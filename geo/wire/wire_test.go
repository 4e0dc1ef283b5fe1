package wire_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares v's JSON (as the API and the CLI print it) with testdata/<name>.json.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./geo/wire -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("%s differs from %s (if the change is intended, run go test ./geo/wire -update and review the diff):\n%s", name, p, b.Bytes())
	}
}

var (
	asOf = time.Date(2025, 1, 15, 0, 0, 0, 0, geo.Vietnam)
	prog = geo.Program{ID: "vls-2024", Name: "Xoá vùng lõm sóng 2024", Deadline: time.Date(2024, 12, 1, 0, 0, 0, 0, geo.Vietnam)}
	pol  = geo.DefaultPolicy()
)

// history is a hand-made registry of three villages: one covered (on air; its claim contradicted
// by a newer inspection: a discrepancy), one dark and overdue and late against mobifone's plan,
// one never reported (unpowered: out of scope).
func history() ([]geo.VillageStatus, map[string][]geo.Observation) {
	day := func(s string) time.Time { t, _ := time.ParseInLocation(time.DateOnly, s, geo.Vietnam); return t }
	rsrp := -98.5
	vs := []geo.Village{
		{ID: "VN-15-0001", Name: "Bản Một", CommuneCode: "02710", CommuneName: "Xã Tả Van", ProvinceCode: "15", ProvinceName: "Lào Cai",
			Center: orb.Point{103.91, 22.40}, GridPower: true, Households: 42, Programs: []string{prog.ID}, Baseline: true},
		{ID: "VN-15-0002", Name: "Bản Hai", CommuneCode: "02710", CommuneName: "Xã Tả Van", ProvinceCode: "15", ProvinceName: "Lào Cai",
			Center: orb.Point{103.95, 22.45}, GridPower: true, Programs: []string{prog.ID}, Baseline: true},
		{ID: "VN-15-0003", Name: "Bản Ba", CommuneCode: "02710", CommuneName: "Xã Tả Van", ProvinceCode: "15", ProvinceName: "Lào Cai",
			Center: orb.Point{103.97, 22.47}, GridPower: false, Programs: []string{prog.ID}, Baseline: true},
	}
	latest := map[string][]geo.Observation{
		"VN-15-0001": {{VillageID: "VN-15-0001", Carrier: "viettel", Technology: geo.Tech4G, HasSignal: true, RSRPdBm: &rsrp,
			ObservedAt: day("2024-11-20"), Method: "drive_test", UploadID: 7}},
		"VN-15-0002": {{VillageID: "VN-15-0002", Carrier: "mobifone", Technology: geo.Tech4G, HasSignal: false,
			ObservedAt: day("2024-11-21"), Method: "drive_test", UploadID: 8}},
	}
	// viettel's 2024-11-20 claim, contradicted by the 2024-12-10 inspection, claimed again on
	// 2024-12-20 (upload 12): still a discrepancy, re-claimed, awaiting re-inspection.
	judged := latest["VN-15-0001"][0]
	latest["VN-15-0001"][0].ObservedAt, latest["VN-15-0001"][0].UploadID = day("2024-12-20"), 12
	measured := map[string][]geo.Observation{
		"VN-15-0001": {{VillageID: "VN-15-0001", Carrier: "viettel", Technology: geo.Tech4G, HasSignal: false,
			ObservedAt: day("2024-12-10"), Method: "drive_test", UploadID: 11, Source: geo.SourceIndependent, Inspector: "Sở KH&CN Lào Cai",
			ClaimInForce: &judged}}, // the claim it judged, as the stores give it
	}
	book := geo.NewAssignments([]geo.Assignment{{VillageID: "VN-15-0002", ProgramID: prog.ID, Carrier: "mobifone", AssignedAt: day("2023-01-01"), UploadID: 3}})
	sts := geo.EvaluateEvidence(vs, latest, measured, &prog, &pol, book, asOf)
	plans := geo.NewPlans([]geo.Plan{{VillageID: "VN-15-0002", ProgramID: prog.ID, Carrier: "mobifone", SiteID: "MBF-LCI-0231",
		TargetOnAir: day("2024-12-31"), Progress: geo.ProgressBuilt, PlannedAt: day("2024-03-01"), BuiltAt: day("2024-11-05"),
		UploadID: 5, ReceivedAt: time.Date(2024, 11, 6, 10, 0, 0, 0, geo.Vietnam)}})
	geo.ApplyLifecycles(sts, latest, measured, plans, book, &prog, &pol, asOf)
	return sts, latest
}

func TestGolden(t *testing.T) {
	sts, latest := history()
	sum := geo.Summarize(sts, &prog, &pol, asOf)
	received := time.Date(2024, 11, 21, 9, 30, 0, 0, time.UTC)
	accepted := geo.Upload{ID: 8, Kind: geo.KindObservations, Carrier: "mobifone", FileName: "mobifone-2024-11.geojson", Size: 1234,
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Source: "api", Role: geo.RoleCarrier, ReceivedAt: received,
		Result: geo.ResultAccepted, Features: 1, Inserted: 1}
	rejected := geo.Upload{ID: 9, Kind: geo.KindObservations, Carrier: "mobifone", FileName: "bad.geojson", Size: 99,
		SHA256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752", Source: "inbox", Role: geo.RoleCarrier, ReceivedAt: received,
		Result: geo.ResultRejected, Features: 1, Problems: []geo.Problem{{File: "bad.geojson", Feature: 0, VillageID: "VN-15-0002",
			Field: "observed_at", Rule: "time_unparsable", Reason: `not a date: "yesterday"`}}}
	duplicate := accepted
	duplicate.ID, duplicate.Result, duplicate.DuplicateOf, duplicate.Inserted = 10, geo.ResultDuplicate, 8, 0
	dryRun := accepted
	dryRun.ID = 0

	golden(t, "upload_accepted", wire.NewUpload(&accepted))
	golden(t, "upload_rejected", wire.NewUpload(&rejected))
	golden(t, "upload_dry_run", wire.NewUpload(&dryRun))
	golden(t, "uploads", wire.NewUploads([]geo.Upload{duplicate, rejected, accepted}))
	golden(t, "summary", wire.NewSummary(sum, true))
	golden(t, "status", wire.NewStatus(sum, sts, false))
	golden(t, "villages_geojson", wire.FeatureCollection(sts, asOf, true))
	golden(t, "village_history", wire.NewVillageHistory(&sts[1], asOf, latest["VN-15-0002"], false))
	golden(t, "burndown", wire.NewBurndown(&prog, []geo.DailyFigure{
		{Day: time.Date(2024, 11, 1, 0, 0, 0, 0, geo.Vietnam), ProgramID: prog.ID, Counts: geo.Counts{Baseline: 3, NoData: 3, NoPower: 0}, Backfilled: true},
		{Day: time.Date(2025, 1, 15, 0, 0, 0, 0, geo.Vietnam), ProgramID: prog.ID, Counts: sum.National},
	}, false))
}

// TestUpload_EmptyListsAreArrays pins [] rather than null for a list without entries.
func TestUpload_EmptyListsAreArrays(t *testing.T) {
	b, _ := json.Marshal(wire.NewUploads(nil))
	if got, want := string(b), `{"uploads":[]}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	b, _ = json.Marshal(wire.NewUpload(&geo.Upload{}))
	var m map[string]any
	json.Unmarshal(b, &m)
	if ps, ok := m["problems"].([]any); !ok || len(ps) != 0 {
		t.Errorf("problems = %#v, want []", m["problems"])
	}
}
