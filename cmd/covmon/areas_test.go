package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Two villages added to the seeded registry, far from the seeded ones: TA-HALF has a settled
// area whose western half the coverage reaches (its centre on the coverage's edge), TA-DARK is
// a centre outside every coverage area.
const areasVillages = `{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[
{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[107.50,16.00],[107.52,16.00],[107.52,16.02],[107.50,16.02],[107.50,16.00]]]},
 "properties":{"village_id":"TA-HALF","name":"Thôn Nửa","commune_code":"19999","province_code":"46","grid_power":true,"programs":["vls-2024"],"center":[107.51,16.01]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[107.60,16.10]},
 "properties":{"village_id":"TA-DARK","name":"Thôn Tối","commune_code":"19999","province_code":"46","grid_power":true,"programs":["vls-2024"]}}]}`

func areasDoc(observedAt string, polygons ...string) string {
	var feats []string
	for _, p := range polygons {
		feats = append(feats, `{"type":"Feature","properties":{"technology":"4g","observed_at":"`+observedAt+`","min_rsrp_dbm":-105},"geometry":{"type":"Polygon","coordinates":[`+p+`]}}`)
	}
	return `{"type":"FeatureCollection","covmon_schema":"areas/v1","carrier":"viettel","features":[` + strings.Join(feats, ",\n") + `]}`
}

const (
	halfWest = `[[107.40,15.90],[107.51,15.90],[107.51,16.10],[107.40,16.10],[107.40,15.90]]`
	overDark = `[[107.59,16.09],[107.61,16.09],[107.61,16.11],[107.59,16.11],[107.59,16.09]]`
)

func TestMain_IngestAreas(t *testing.T) {
	db := seededDB(t)
	mustRun(t, db, "villages", "import", writeFile(t, "extra.geojson", areasVillages))
	before := statusJSON(t, db)
	first := writeFile(t, "viettel-4g.geojson", areasDoc("2026-11-01", halfWest))

	t.Run("DryRun", func(t *testing.T) {
		out := mustRun(t, db, "ingest", "--areas", "--dry-run", first)
		if !strings.Contains(out, "viettel-4g.geojson: valid (1 features; dry run, nothing written)") {
			t.Errorf("dry run:\n%s", out)
		}
		if after := statusJSON(t, db); !reflect.DeepEqual(after.National, before.National) {
			t.Errorf("a dry run changed the figures")
		}
	})
	t.Run("TrangAndLomSong", func(t *testing.T) {
		out := mustRun(t, db, "ingest", "--areas", "--carrier", "viettel", first)
		if !strings.Contains(out, "viettel-4g.geojson: accepted as upload") || !strings.Contains(out, "(1 areas, ") {
			t.Fatalf("ingest:\n%s", out)
		}
		s := statusJSON(t, db)
		got := map[string]string{}
		status := map[string]string{}
		for _, v := range s.Villages {
			got[v.ID], status[v.ID] = v.AreaCoverage, string(v.Status)
		}
		if got["TA-HALF"] != "partial" || status["TA-HALF"] != "covered" {
			t.Errorf("TA-HALF: %s/%s, want covered/partial (lõm sóng)", status["TA-HALF"], got["TA-HALF"])
		}
		if got["TA-DARK"] != "dark" || status["TA-DARK"] != "dead_zone" {
			t.Errorf("TA-DARK: %s/%s, want dead_zone/dark (trắng sóng)", status["TA-DARK"], got["TA-DARK"])
		}
		if s.National.PartialArea < 1 {
			t.Errorf("National.PartialArea=%d, want at least TA-HALF", s.National.PartialArea)
		}

		table := mustRun(t, db, "status", "--villages", "--province", "46", "--lang", "en")
		for _, want := range []string{"LOM_SONG", "Trắng / lõm sóng:", "TA-HALF", "lõm sóng", "TA-DARK", "trắng sóng"} {
			if !strings.Contains(table, want) {
				t.Errorf("status table lacks %q:\n%s", want, table)
			}
		}
		var fc struct {
			Features []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal([]byte(mustRun(t, db, "status", "--format", "geojson", "--province", "46")), &fc); err != nil {
			t.Fatal(err)
		}
		for _, f := range fc.Features {
			want := map[any]string{"TA-HALF": "partial", "TA-DARK": "dark"}[f.Properties["village_id"]]
			if want != "" && f.Properties["area_coverage"] != want {
				t.Errorf("geojson %v: area_coverage=%v, want %s", f.Properties["village_id"], f.Properties["area_coverage"], want)
			}
		}
	})
	t.Run("DuplicateCountsOnce", func(t *testing.T) {
		before := statusJSON(t, db)
		out := mustRun(t, db, "ingest", "--areas", first)
		if !strings.Contains(out, "viettel-4g.geojson: duplicate of upload") {
			t.Errorf("second ingest:\n%s", out)
		}
		if after := statusJSON(t, db); !reflect.DeepEqual(after.National, before.National) {
			t.Errorf("a duplicate changed the figures")
		}
	})
	t.Run("NearIdenticalWritesOnlyChanges", func(t *testing.T) {
		// Ten days later: the same coverage plus a cell over TA-DARK. Every other village of
		// the registry has the same result as on 2026-11-01, so only TA-DARK is written.
		next := writeFile(t, "viettel-4g-next.geojson", areasDoc("2026-11-11", halfWest, overDark))
		out := mustRun(t, db, "ingest", "--areas", "--carrier", "viettel", next)
		if !strings.Contains(out, "(2 areas, 1 village results changed and stored)") {
			t.Errorf("re-upload:\n%s", out)
		}
		for _, v := range statusJSON(t, db).Villages {
			// TA-DARK is known by its centre only: covered, and nothing measured an area.
			if v.ID == "TA-DARK" && (v.AreaCoverage != "unknown" || v.Status != "covered") {
				t.Errorf("TA-DARK after its cell: %s/%s, want covered/unknown", v.Status, v.AreaCoverage)
			}
		}
	})
	t.Run("CarrierMismatch", func(t *testing.T) {
		_, errs, err := run(t, db, "ingest", "--areas", "--carrier", "mobifone", first)
		if err == nil || !strings.Contains(errs, "[carrier_mismatch]") {
			t.Errorf("err=%v, stderr:\n%s", err, errs)
		}
	})
}
