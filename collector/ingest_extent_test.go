package collector_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// Four powered villages in two provinces: 08 (communes 00001, 00002) and 15 (02710, 02711).
const extentVillages = `{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[105.20,21.80]},"properties":{"village_id":"P08-A","name":"Thôn A","commune_code":"00001","province_code":"08","grid_power":true,"programs":["vls-2024"]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[105.40,21.80]},"properties":{"village_id":"P08-B","name":"Thôn B","commune_code":"00002","province_code":"08","grid_power":true,"programs":["vls-2024"]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.91,22.40]},"properties":{"village_id":"P15-A","name":"Bản A","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.95,22.45]},"properties":{"village_id":"P15-B","name":"Bản B","commune_code":"02711","province_code":"15","grid_power":true,"programs":["vls-2024"]}}]}`

var (
	aroundP08A = square(105.19, 21.79, 105.21, 21.81)
	aroundP08B = square(105.39, 21.79, 105.41, 21.81)
	aroundP15A = square(103.90, 22.39, 103.92, 22.41)
)

// extentAreas is an areas/v1 file of viettel with extent (raw JSON, "" for none).
func extentAreas(extent string, feats ...string) string {
	f := areasFile("viettel", feats...)
	if extent == "" {
		return f
	}
	return strings.Replace(f, `"carrier"`, `"extent":`+extent+`,"carrier"`, 1)
}

func newExtentIngester(t *testing.T) (*collector.Ingester, *sqlite.DB) {
	t.Helper()
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "e.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		t.Fatal(err)
	}
	in := &collector.Ingester{Store: db, Now: func() time.Time { return t0 }}
	if u, err := in.Ingest(ctx, collector.File{Name: "villages.geojson", Kind: geo.KindVillages, Source: "cli"}, strings.NewReader(extentVillages)); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry: %v %+v", err, u)
	}
	return in, db
}

// statuses returns each village's status now.
func statuses(t *testing.T, db *sqlite.DB) map[string]geo.Status {
	t.Helper()
	p, prog := geo.DefaultPolicy(), geo.DefaultProgram()
	sts, err := collector.Status(context.Background(), db, geo.VillageFilter{}, &prog, &p, t0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]geo.Status{}
	for _, vs := range sts {
		out[vs.Village.ID] = vs.Status
	}
	return out
}

func observationCount(t *testing.T, db *sqlite.DB, id string) int {
	t.Helper()
	obs, err := db.Observations(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return len(obs)
}

func TestIngester_AreasExtent(t *testing.T) {
	north := extentAreas(`{"provinces":["15"]}`, area(aroundP15A, "4g", "2025-06-01", ""))
	south := extentAreas(`{"provinces":["08"]}`, area(aroundP08A, "4g", "2025-06-01", ""))

	t.Run("TwoRegionalFilesSameDate", func(t *testing.T) {
		for _, order := range [][]string{{north, south}, {south, north}} {
			in, db := newExtentIngester(t)
			for i, f := range order {
				if u := ingestAreas(t, in, collector.File{Name: []string{"first.geojson", "second.geojson"}[i]}, f); u.Result != geo.ResultAccepted {
					t.Fatalf("upload %d: %+v", i, u)
				}
			}
			want := map[string]geo.Status{"P08-A": geo.StatusCovered, "P08-B": geo.StatusDeadZone, "P15-A": geo.StatusCovered, "P15-B": geo.StatusDeadZone}
			if got := statuses(t, db); !mapsEqual(got, want) {
				t.Errorf("statuses %v, want %v (each regional file keeps the other's coverage)", got, want)
			}
		}
	})
	t.Run("TwoNationalFilesSameDate", func(t *testing.T) {
		// The same files without extents are national layers: the second marks the first's
		// village dark at the same instant, and the report says so.
		in, db := newExtentIngester(t)
		ingestAreas(t, in, collector.File{Name: "north.geojson"}, extentAreas("", area(aroundP15A, "4g", "2025-06-01", "")))
		u := ingestAreas(t, in, collector.File{Name: "south.geojson"}, extentAreas("", area(aroundP08A, "4g", "2025-06-01", "")))
		if got := statuses(t, db)["P15-A"]; got != geo.StatusDeadZone {
			t.Errorf("P15-A after a national layer without it: %s, want dead_zone", got)
		}
		if u.Extent != "the whole registry (no extent)" || u.MarkedDark != 3 || len(u.Notes) != 1 ||
			!strings.Contains(u.Notes[0], "no extent") || !strings.Contains(u.Notes[0], "national layer of viettel 4G on 2025-06-01") ||
			!strings.Contains(u.Notes[0], "3 of the 4 registry villages are outside its polygons") {
			t.Errorf("report: extent %q, marked dark %d, notes %q", u.Extent, u.MarkedDark, u.Notes)
		}
		// The report is kept with the upload.
		stored, err := db.Upload(context.Background(), u.ID)
		if err != nil || stored.Extent != u.Extent || stored.MarkedDark != 3 || len(stored.Notes) != 1 || stored.Notes[0] != u.Notes[0] {
			t.Errorf("stored upload %+v (%v), want the same report", stored, err)
		}
	})
	t.Run("ProvincialFileChangesNothingOutside", func(t *testing.T) {
		in, db := newExtentIngester(t)
		if u, err := in.Ingest(context.Background(), collector.File{Name: "obs.geojson", Kind: geo.KindObservations, Carrier: "viettel", Source: "cli"},
			strings.NewReader(obsFile("P08-A", true, "2025-01-01"))); err != nil || u.Result != geo.ResultAccepted {
			t.Fatalf("observations: %v %+v", err, u)
		}
		before := statuses(t, db)
		u := ingestAreas(t, in, collector.File{}, north)
		if u.Extent != "province 15" || u.MarkedDark != 1 || u.Inserted != 2 {
			t.Errorf("report: extent %q, marked dark %d, inserted %d; want province 15, 1, 2", u.Extent, u.MarkedDark, u.Inserted)
		}
		if len(u.Notes) != 1 || !strings.Contains(u.Notes[0], "2 registry villages are inside it (1 of them outside its polygons") ||
			!strings.Contains(u.Notes[0], "the other 2 villages are left as they were") {
			t.Errorf("notes %q", u.Notes)
		}
		after := statuses(t, db)
		for _, id := range []string{"P08-A", "P08-B"} {
			if after[id] != before[id] {
				t.Errorf("%s: %s before the provincial file, %s after", id, before[id], after[id])
			}
		}
		if n := observationCount(t, db, "P08-A"); n != 1 {
			t.Errorf("P08-A has %d observations, want its 1 (nothing written outside the extent)", n)
		}
		if n := observationCount(t, db, "P08-B"); n != 0 || after["P08-B"] != geo.StatusNoData {
			t.Errorf("P08-B: %d observations, %s; want none, no_data", n, after["P08-B"])
		}
		if after["P15-A"] != geo.StatusCovered || after["P15-B"] != geo.StatusDeadZone {
			t.Errorf("inside the extent: %v", after)
		}
	})
	t.Run("CommunesAndPolygon", func(t *testing.T) {
		// Commune 02711 takes in P15-B; the polygon takes in P08-B's centre.
		in, db := newExtentIngester(t)
		u := ingestAreas(t, in, collector.File{}, extentAreas(`{"communes":["02711"],"geometry":`+aroundP08B+`}`, area(aroundP08B, "3g", "2025-06-01", "")))
		if u.Result != geo.ResultAccepted || u.Inserted != 2 || u.Extent != "commune 02711; a polygon" {
			t.Fatalf("upload %+v", u)
		}
		for id, n := range map[string]int{"P08-A": 0, "P08-B": 1, "P15-A": 0, "P15-B": 1} {
			if got := observationCount(t, db, id); got != n {
				t.Errorf("%s: %d observations, want %d", id, got, n)
			}
		}
	})
	t.Run("UnknownProvince", func(t *testing.T) {
		in, db := newExtentIngester(t)
		u := ingestAreas(t, in, collector.File{Name: "typo.geojson"}, extentAreas(`{"provinces":["15","51"]}`, area(aroundP15A, "4g", "2025-06-01", "")))
		want := geo.Problem{File: "typo.geojson", Feature: -1, Field: "extent.provinces[1]", Rule: geo.RuleUnknownProvince,
			Reason: `no village of the registry is in province "51"; check the code (2025 codes)`}
		if u.Result != geo.ResultRejected || len(u.Problems) != 1 || u.Problems[0] != want {
			t.Errorf("upload %+v, want rejected with %+v", u, want)
		}
		if n := observationCount(t, db, "P15-A"); n != 0 {
			t.Errorf("a rejected file wrote %d observations", n)
		}
	})
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
