package collector_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// Three villages: HALF has a settled area of which the western half is covered (its centre on
// the coverage boundary), DARK is a centre far from any coverage, FULL's area is covered.
const areaVillages = `{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[
{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[103.90,22.39],[103.92,22.39],[103.92,22.41],[103.90,22.41],[103.90,22.39]]]},"properties":{"village_id":"HALF","name":"Bản Nửa","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"],"center":[103.91,22.40]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[104.50,21.50]},"properties":{"village_id":"DARK","name":"Bản Tối","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}},
{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[105.00,21.00],[105.01,21.00],[105.01,21.01],[105.00,21.01],[105.00,21.00]]]},"properties":{"village_id":"FULL","name":"Bản Đủ","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}]}`

// square is a Polygon geometry.
func square(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

// area is one areas/v1 feature; extra adds properties (e.g. `,"min_rsrp_dbm":-110`).
func area(geom, tech, at, extra string) string {
	return fmt.Sprintf(`{"type":"Feature","geometry":%s,"properties":{"technology":%q,"observed_at":%q%s}}`, geom, tech, at, extra)
}

func areasFile(carrier string, feats ...string) string {
	return `{"type":"FeatureCollection","covmon_schema":"areas/v1","carrier":"` + carrier + `","features":[` + strings.Join(feats, ",\n") + `]}`
}

var (
	westHalf = square(103.80, 22.30, 103.91, 22.50) // HALF's western half, its centre on the edge
	fullSq   = square(104.99, 20.99, 105.02, 21.02) // all of FULL
	darkSq   = square(104.49, 21.49, 104.51, 21.51) // DARK's centre
)

func newAreaIngester(t *testing.T) (*collector.Ingester, *sqlite.DB) {
	t.Helper()
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "a.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		t.Fatal(err)
	}
	in := &collector.Ingester{Store: db, Now: func() time.Time { return t0 }}
	u, err := in.Ingest(ctx, collector.File{Name: "villages.geojson", Kind: geo.KindVillages, Source: "cli"}, strings.NewReader(areaVillages))
	if err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry: %v %+v", err, u)
	}
	return in, db
}

func ingestAreas(t *testing.T, in *collector.Ingester, f collector.File, body string) *geo.Upload {
	t.Helper()
	f.Kind, f.Source = geo.KindAreas, "cli"
	if f.Name == "" {
		f.Name = "areas.geojson"
	}
	u, err := in.Ingest(context.Background(), f, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// areaStatus returns each village's area coverage (full, partial, dark) now.
func areaStatus(t *testing.T, db *sqlite.DB) map[string]string {
	t.Helper()
	p := geo.DefaultPolicy()
	sts, err := collector.Status(context.Background(), db, geo.VillageFilter{}, nil, &p, t0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, vs := range sts {
		out[vs.Village.ID] = vs.AreaCoverage()
	}
	return out
}

func TestIngester_Areas(t *testing.T) {
	first := areasFile("viettel", area(westHalf, "4g", "2025-06-01", ""), area(fullSq, "4g", "2025-06-01", `,"min_rsrp_dbm":-100`))

	t.Run("TrangAndLomSong", func(t *testing.T) {
		in, db := newAreaIngester(t)
		u := ingestAreas(t, in, collector.File{}, first)
		if u.Result != geo.ResultAccepted || u.Features != 2 || u.Inserted != 3 || u.Carrier != "viettel" {
			t.Fatalf("upload=%+v, want accepted, 2 features, 3 rows, carrier viettel", u)
		}
		got := areaStatus(t, db)
		for id, want := range map[string]string{"HALF": geo.AreaPartial, "DARK": geo.AreaDark, "FULL": geo.AreaFull} {
			if got[id] != want {
				t.Errorf("%s: area coverage %q, want %q", id, got[id], want)
			}
		}
		obs, err := db.Observations(context.Background(), "HALF")
		if err != nil || len(obs) != 1 {
			t.Fatalf("HALF observations: %v %v", obs, err)
		}
		o := obs[0]
		if !o.HasSignal || o.AreaShare == nil || *o.AreaShare != 0.5 || o.Method != "model" || o.UploadID != u.ID || o.RSRPdBm != nil {
			t.Errorf("HALF observation=%+v, want signal, share 0.5, model, upload %d, no RSRP (one feature had no tier)", o, u.ID)
		}
		dark, _ := db.Observations(context.Background(), "DARK")
		if len(dark) != 1 || dark[0].HasSignal || dark[0].AreaShare != nil {
			t.Errorf("DARK observations=%+v, want one without signal and without a share (no settled area)", dark)
		}
	})
	t.Run("DuplicateThenNearIdentical", func(t *testing.T) {
		in, db := newAreaIngester(t)
		ingestAreas(t, in, collector.File{}, first)
		if u := ingestAreas(t, in, collector.File{}, first); u.Result != geo.ResultDuplicate || u.Inserted != 0 {
			t.Errorf("same bytes again: %+v, want a duplicate", u)
		}
		// A month later the same coverage plus DARK's cell: only DARK changes.
		next := areasFile("viettel", area(westHalf, "4g", "2025-07-01", ""), area(fullSq, "4g", "2025-07-01", `,"min_rsrp_dbm":-100`),
			area(darkSq, "4g", "2025-07-01", ""))
		u := ingestAreas(t, in, collector.File{Name: "july.geojson"}, next)
		if u.Result != geo.ResultAccepted || u.Inserted != 1 {
			t.Errorf("near-identical upload: %+v, want accepted with 1 row", u)
		}
		if got := areaStatus(t, db)["DARK"]; got != geo.AreaUnknown { // a centre-only village: no area measured
			t.Errorf("DARK after its cell: %q, want unknown", got)
		}
	})
	t.Run("DryRunWritesNothing", func(t *testing.T) {
		in, db := newAreaIngester(t)
		u := ingestAreas(t, in, collector.File{DryRun: true}, first)
		if u.Result != geo.ResultAccepted || u.ID != 0 {
			t.Errorf("dry run: %+v", u)
		}
		if ups, _ := db.Uploads(context.Background(), geo.UploadFilter{}); len(ups) != 1 {
			t.Errorf("uploads after a dry run=%d, want 1 (the registry)", len(ups))
		}
		if got := areaStatus(t, db)["HALF"]; got != "" {
			t.Errorf("HALF after a dry run: %q, want no data", got)
		}
	})
	t.Run("RejectedAllOrNothing", func(t *testing.T) {
		in, db := newAreaIngester(t)
		bad := areasFile("viettel",
			area(westHalf, "4g", "2025-06-01", ""),
			area(`{"type":"Polygon","coordinates":[[[105,21],[105.1,21],[105.1,21.1],[105,21]]]}`, "6g", "2025-06-01", ""),
			area(fullSq, "4g", "2099-01-01", ""))
		u := ingestAreas(t, in, collector.File{Carrier: "mobifone"}, bad)
		if u.Result != geo.ResultRejected || u.ID == 0 {
			t.Fatalf("upload=%+v, want a recorded rejection", u)
		}
		rules := map[string]bool{}
		for _, p := range u.Problems {
			rules[p.Rule] = true
		}
		for _, want := range []string{"carrier_mismatch", "unknown_technology", "time_future"} {
			if !rules[want] {
				t.Errorf("problems lack %s: %v", want, u.Problems)
			}
		}
		if got := areaStatus(t, db)["HALF"]; got != "" {
			t.Errorf("HALF after a rejected file: %q, want no data", got)
		}
	})
	t.Run("TierBelowPolicy", func(t *testing.T) {
		in, db := newAreaIngester(t)
		weak := areasFile("viettel", area(fullSq, "4g", "2025-06-01", `,"min_rsrp_dbm":-125`))
		if u := ingestAreas(t, in, collector.File{Carrier: "viettel"}, weak); u.Result != geo.ResultAccepted {
			t.Fatalf("upload=%+v", u)
		}
		if got := areaStatus(t, db)["FULL"]; got != geo.AreaDark {
			t.Errorf("FULL inside a -125 dBm contour: %q, want dark (below the -120 dBm policy)", got)
		}
	})
	t.Run("TooManyLayers", func(t *testing.T) {
		in, _ := newAreaIngester(t)
		var feats []string
		for d := range collector.AreaLayerLimit + 2 {
			feats = append(feats, area(fullSq, "4g", time.Date(2025, 1, 1+d, 0, 0, 0, 0, geo.Vietnam).Format("2006-01-02"), ""))
		}
		u := ingestAreas(t, in, collector.File{}, areasFile("viettel", feats...))
		if u.Result != geo.ResultRejected || len(u.Problems) != 2 || u.Problems[0].Rule != "too_many_layers" || u.Problems[0].Feature != collector.AreaLayerLimit {
			t.Errorf("upload=%+v, want 2 too_many_layers problems from feature %d", u, collector.AreaLayerLimit)
		}
	})
}

func TestRunner_ScanInboxAreas(t *testing.T) {
	r, _, db := newRunner(t) // registry T-1 (103.91, 22.40) and T-2 (103.95, 22.45)
	ctx := context.Background()
	dir := t.TempDir()
	r.Inbox = collector.Inbox{Dir: dir, Settle: 30 * time.Second}
	old := t0.Add(-time.Hour)
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, old, old)
	}
	write("viettel/areas/cov.geojson", areasFile("viettel", area(square(103.90, 22.39, 103.92, 22.41), "4g", "2025-12-01", "")))
	write("viettel/areas/other.geojson", areasFile("mobifone", area(square(103.94, 22.44, 103.96, 22.46), "4g", "2025-12-01", "")))
	if err := r.ScanInbox(ctx); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"viettel/areas/processed/*-cov.geojson.report.json", "viettel/areas/rejected/*-other.geojson.report.json"} {
		if m, _ := filepath.Glob(filepath.Join(dir, rel)); len(m) != 1 {
			t.Errorf("%s: %d files, want 1", rel, len(m))
		}
	}
	ups, err := db.Uploads(ctx, geo.UploadFilter{Result: geo.ResultAccepted, Carrier: "viettel"})
	if err != nil || len(ups) != 1 || ups[0].Kind != geo.KindAreas || ups[0].Source != "inbox" || ups[0].Inserted != 2 {
		t.Fatalf("accepted viettel uploads: %+v %v, want one areas upload from the inbox with 2 rows", ups, err)
	}
	if got, want := deadZones(t, r), 1; got != want { // T-1 covered, T-2 dark
		t.Errorf("dead zones=%d, want %d", got, want)
	}
}

// TestIngest_ReportedInstant: an observations or areas upload records the newest instant it
// reports (Upload.Effective: its newest observed_at, at most its receipt), and the upload
// figures' LastReport follow it, not the receipt (docs/alerts.md). A layer re-sent with a
// new date and the same coverage writes no row, yet reports the new date: a carrier whose
// coverage did not change stays fresh. The same layer re-sent with its old date (one byte
// changed) reports nothing newer.
func TestIngest_ReportedInstant(t *testing.T) {
	in, db := newAreaIngester(t)
	ctx := context.Background()
	day := func(d int) string { return t0.AddDate(0, 0, -d).Format(time.DateOnly) }
	u1 := ingestAreas(t, in, collector.File{Carrier: "viettel"}, areasFile("viettel", area(fullSq, "4g", day(40), "")))
	u2 := ingestAreas(t, in, collector.File{Carrier: "viettel"}, areasFile("viettel", area(fullSq, "4g", day(2), "")))
	u3 := ingestAreas(t, in, collector.File{Carrier: "viettel"}, areasFile("viettel", area(fullSq, "4g", day(40), ""))+" ")
	for i, c := range []struct {
		u        *geo.Upload
		inserted int
		reports  string
	}{{u1, 3, day(40)}, {u2, 0, day(2)}, {u3, 0, day(40)}} {
		if c.u.Result != geo.ResultAccepted || c.u.Inserted != c.inserted || c.u.Effective.Format(time.DateOnly) != c.reports {
			t.Errorf("upload %d: %s, %d rows, reports %s; want accepted, %d rows, reports %s", i+1, c.u.Result, c.u.Inserted,
				c.u.Effective.Format(time.DateOnly), c.inserted, c.reports)
		}
	}
	stats, err := db.UploadStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stats {
		if s.Carrier == "viettel" && (s.Result != geo.ResultAccepted || !s.LastReport.Equal(u2.Effective) || !s.LastAt.Equal(u3.ReceivedAt)) {
			t.Errorf("viettel stats %+v: want last report %s (the re-dated layer), last upload %s", s, u2.Effective, u3.ReceivedAt)
		}
	}

	// An observation dated a few minutes ahead of covmon's clock reports the receipt.
	ahead := t0.Add(5 * time.Minute).Format(time.RFC3339)
	u, err := in.Ingest(ctx, collector.File{Name: "o.geojson", Kind: geo.KindObservations, Carrier: "viettel", Source: "cli"}, strings.NewReader(
		`{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"DARK","technology":"4g","has_signal":false,"observed_at":"`+day(3)+`","method":"drive_test"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"HALF","technology":"4g","has_signal":true,"observed_at":"`+ahead+`","method":"drive_test"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if u.Result != geo.ResultAccepted || !u.Effective.Equal(u.ReceivedAt) {
		t.Fatalf("%s %+v: reports %s, want its receipt %s", u.Result, u.Problems, u.Effective, u.ReceivedAt)
	}
}
