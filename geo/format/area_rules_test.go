package format_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// areaPoly is a Polygon with one ring given as positions.
func areaPoly(positions string) string {
	return `{"type":"Polygon","coordinates":[[` + positions + `]]}`
}

// TestStreamAreas_Rules has one case per validation rule, each with its exact problems.
func TestStreamAreas_Rules(t *testing.T) {
	ok := areaFeature(areaSquare, areaProps)
	tests := []struct {
		name string
		in   string
		opt  format.Options
		want []geo.Problem
	}{
		{"not_json", `{"type":"FeatureCollection","features":[` + ok + `,{"type":"Feature",`, format.Options{},
			[]geo.Problem{
				areaProb(0, "carrier", "field_missing", `required property is missing (give it per feature, or as a top-level "carrier" before "features")`),
				areaProb(1, "", "not_json", `the file is not valid JSON: offset 220: unexpected end of input`),
			}},
		{"not_json/empty", ``, format.Options{}, []geo.Problem{areaProb(-1, "", "not_json", "the file is empty")}},
		{"not_json/garbage", `<html>`, format.Options{}, []geo.Problem{areaProb(-1, "", "not_json", `the file is not JSON: it starts with '<'`)}},
		{"not_json/in feature", areaFile(ok, `{"type":"Feature","geometry":tru}`), format.Options{},
			[]geo.Problem{areaProb(1, "", "not_json", "the feature is not valid JSON: offset 29: invalid literal")}},
		{"not_geojson/array", `[1,2]`, format.Options{}, []geo.Problem{areaProb(-1, "", "not_geojson", `want a GeoJSON FeatureCollection object, got array`)}},
		{"not_geojson/type", `{"type":"Feature","features":[]}`, format.Options{},
			[]geo.Problem{areaProb(-1, "type", "not_geojson", `want "FeatureCollection", got string "Feature"`)}},
		{"not_geojson/no features", `{"type":"FeatureCollection"}`, format.Options{},
			[]geo.Problem{areaProb(-1, "features", "not_geojson", `missing "features" array`)}},
		{"not_geojson/feature", areaFile(`42`, `{"type":"Point","geometry":null}`), format.Options{}, []geo.Problem{
			areaProb(0, "", "not_geojson", `want a GeoJSON Feature object, got number`),
			areaProb(1, "type", "not_geojson", `want "Feature", got string "Point"`),
			areaProb(1, "geometry", "geometry_type", `geometry is null; want Polygon or MultiPolygon`),
			areaProb(1, "technology", "field_missing", `required property is missing`),
			areaProb(1, "observed_at", "field_missing", `required property is missing`),
		}},
		{"schema", strings.Replace(areaFile(ok), "areas/v1", "observations/v1", 1), format.Options{},
			[]geo.Problem{areaProb(-1, "covmon_schema", "schema", `a "observations/v1" file where areas/v1 is expected`)}},
		{"crs", strings.Replace(areaFile(ok), `"carrier"`, `"crs":{"type":"name","properties":{"name":"EPSG:3405"}},"carrier"`, 1), format.Options{},
			[]geo.Problem{areaProb(-1, "crs", "crs", `not WGS84 longitude/latitude (reproject to EPSG:4326): "EPSG:3405"`)}},
		{"geometry_type", areaFile(areaFeature(`{"type":"Point","coordinates":[105,21]}`, areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry", "geometry_type", `Point not allowed; want Polygon or MultiPolygon`)}},
		{"geometry_type/missing", areaFile(`{"type":"Feature","properties":{` + areaProps + `}}`), format.Options{},
			[]geo.Problem{areaProb(0, "geometry", "geometry_type", `no geometry; want Polygon or MultiPolygon`)}},
		{"geometry_empty", areaFile(areaFeature(`{"type":"MultiPolygon","coordinates":[]}`, areaProps), areaFeature(`{"type":"Polygon","coordinates":[]}`, areaProps),
			areaFeature(`{"type":"MultiPolygon","coordinates":[[]]}`, areaProps), areaFeature(`{"type":"Polygon"}`, areaProps)), format.Options{}, []geo.Problem{
			areaProb(0, "geometry.coordinates", "geometry_empty", `MultiPolygon has no polygons`),
			areaProb(1, "geometry.coordinates", "geometry_empty", `Polygon has no rings`),
			areaProb(2, "geometry.coordinates", "geometry_empty", `polygon 0 has no rings`),
			areaProb(3, "geometry.coordinates", "geometry_empty", `Polygon has no coordinates`),
		}},
		{"ring_unclosed", areaFile(areaFeature(areaPoly(`[105,21],[105.1,21],[105.1,21.1],[105,21.1]`), areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry.coordinates", "ring_unclosed", `ring 0 is not closed: first position [105.0, 21.0] and last [105.0, 21.1] differ`)}},
		{"ring_short", areaFile(areaFeature(`{"type":"MultiPolygon","coordinates":[[[[105,21],[105.1,21],[105,21]]]]}`, areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry.coordinates", "ring_short", `polygon 0 ring 0 has 3 positions; a closed ring needs at least 4`)}},
		{"position_range", areaFile(areaFeature(areaPoly(`[105,21],[205,21],[105.1,21.1],[105,21]`), areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry.coordinates", "position_range", `ring 0 position 1: longitude 205.0 outside -180..180: [205.0, 21.0]`)}},
		{"position_swapped", areaFile(areaFeature(areaPoly(`[21,105],[21,105.1],[21.1,105.1],[21,105]`), areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry.coordinates", "position_swapped", `ring 0 position 0: latitude 105.0 and longitude 21.0 look swapped: [21.0, 105.0] lies in Vietnam as [105.0, 21.0] (and 3 more positions)`)}},
		{"position_outside", areaFile(areaFeature(areaPoly(`[105,21],[100.5,13.7],[105.1,21.1],[105,21]`), areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry.coordinates", "position_outside", "ring 0 position 1: [100.5, 13.7] lies outside Vietnam (lon 102.0..117.9, lat 6.0..23.5)")}},
		{"field_missing", `{"type":"FeatureCollection","features":[` + areaFeature(areaSquare, `"carrier":null`) + `]}`, format.Options{}, []geo.Problem{
			areaProb(0, "carrier", "field_missing", `required property is missing (give it per feature, or as a top-level "carrier" before "features")`),
			areaProb(0, "technology", "field_missing", `required property is missing`),
			areaProb(0, "observed_at", "field_missing", `required property is missing`),
		}},
		{"field_missing/carrier after features", `{"type":"FeatureCollection","features":[` + ok + `],"carrier":"viettel"}`, format.Options{},
			[]geo.Problem{areaProb(0, "carrier", "field_missing", `required property is missing (give it per feature, or as a top-level "carrier" before "features")`)}},
		{"field_type", areaFile(areaFeature(areaSquare, `"technology":4,"observed_at":"2024-06-01","min_rsrp_dbm":"-100"`),
			areaFeature(`{"type":"Polygon","coordinates":[[[105,21],[105.1,"21"],[105.1,21.1],[105,21]]]}`, areaProps)), format.Options{}, []geo.Problem{
			areaProb(0, "technology", "field_type", `want a string, got number 4`),
			areaProb(0, "min_rsrp_dbm", "field_type", `want a number, got string "-100"`),
			areaProb(0, "technology", "field_missing", `required property is missing`),
			areaProb(1, "geometry.coordinates", "not_geojson", `Polygon coordinates must be an array of rings of [lon, lat] positions, found string at coordinates[0][1][1]`),
		}},
		{"unknown_carrier", areaFile(areaFeature(areaSquare, areaProps+`,"carrier":"sfone"`)), format.Options{},
			[]geo.Problem{areaProb(0, "carrier", "unknown_carrier", `unknown carrier "sfone"; want viettel, vinaphone, mobifone or vietnamobile`)}},
		{"carrier_mismatch", areaFile(ok), format.Options{Carrier: "mobifone"},
			[]geo.Problem{areaProb(-1, "carrier", "carrier_mismatch", `the file names carrier "viettel" but the uploader is "mobifone"`)}},
		{"unknown_technology", areaFile(areaFeature(areaSquare, `"technology":"lte","observed_at":"2024-06-01"`)), format.Options{},
			[]geo.Problem{areaProb(0, "technology", "unknown_technology", `unknown technology "lte"; want 2g, 3g, 4g or 5g`)}},
		{"unknown_method", areaFile(areaFeature(areaSquare, areaProps+`,"method":"guess"`)), format.Options{},
			[]geo.Problem{areaProb(0, "method", "unknown_method", `unknown method "guess"; want drive_test, model, crowd or on_air_report`)}},
		{"time_unparsable", areaFile(areaFeature(areaSquare, `"technology":"4g","observed_at":"2024-06-01T08:00:00"`)), format.Options{},
			[]geo.Problem{areaProb(0, "observed_at", "time_unparsable", `instant without a time zone (add Z or an offset such as +07:00): "2024-06-01T08:00:00"`)}},
		{"time_future", areaFile(areaFeature(areaSquare, `"technology":"4g","observed_at":"2025-01-02"`)), format.Options{},
			[]geo.Problem{areaProb(0, "observed_at", "time_future", `after the upload time 2025-01-01T00:00:00Z (plus 10m0s for clock skew): "2025-01-02"`)}},
		{"rsrp_range", areaFile(areaFeature(areaSquare, areaProps+`,"min_rsrp_dbm":-20`)), format.Options{},
			[]geo.Problem{areaProb(0, "min_rsrp_dbm", "rsrp_range", `outside -160..-30 dBm: -20`)}},
		{"dl_negative", areaFile(areaFeature(areaSquare, areaProps+`,"min_dl_mbps":-1`)), format.Options{},
			[]geo.Problem{areaProb(0, "min_dl_mbps", "dl_negative", `below 0: -1`)}},
		// Issue 15: one parsing rule, time bounds, geometry sanity, bounded reasons, empty files.
		{"duplicate_key/coordinates", areaFile(areaFeature(`{"type":"Polygon","coordinates":[[[104.0,22.0],[104.02,22.0],[104.02,22.02],[104.0,22.0]]],`+
			`"coordinates":[[[104.005,22.005],[104.01,22.005],[104.01,22.01],[104.005,22.005]]]}`, areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "", "duplicate_key", `member "coordinates" appears more than once in one object (names are exact and may appear once)`)}},
		{"duplicate_key/property", areaFile(areaFeature(areaSquare, areaProps+`,"technology":"5g"`)), format.Options{},
			[]geo.Problem{areaProb(0, "", "duplicate_key", `member "technology" appears more than once in one object (names are exact and may appear once)`)}},
		{"duplicate_key/top", `{"type":"FeatureCollection","carrier":"viettel","carrier":"mobifone","features":[` + ok + `]}`, format.Options{},
			[]geo.Problem{areaProb(-1, "carrier", "duplicate_key", `member "carrier" appears more than once in one object (names are exact and may appear once)`)}},
		{"exact_keys", areaFile(areaFeature(areaSquare, `"Technology":"4g","observed_at":"2024-06-01"`)), format.Options{},
			[]geo.Problem{areaProb(0, "technology", "field_missing", "required property is missing")}},
		{"time_too_old", areaFile(areaFeature(areaSquare, `"technology":"4g","observed_at":"0001-01-01T00:00:00Z"`)), format.Options{},
			[]geo.Problem{areaProb(0, "observed_at", "time_too_old", `before 2000-01-01, the earliest date covmon accepts: "0001-01-01T00:00:00Z"`)}},
		{"time_unparsable/one-digit hour", areaFile(areaFeature(areaSquare, `"technology":"4g","observed_at":"2024-06-01T8:00:00Z"`)), format.Options{},
			[]geo.Problem{areaProb(0, "observed_at", "time_unparsable", `not a date or RFC 3339 instant: "2024-06-01T8:00:00Z"`)}},
		{"ring_degenerate/one point", areaFile(areaFeature(areaPoly(`[104.0,22.0],[104.0,22.0],[104.0,22.0],[104.0,22.0]`), areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry.coordinates", "ring_degenerate", "ring 0: ring has 1 distinct position; a ring needs at least 3")}},
		{"ring_self_intersection", areaFile(areaFeature(areaPoly(`[104.0,22.0],[104.02,22.02],[104.02,22.0],[104.0,22.01],[104.0,22.0]`), areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry.coordinates", "ring_self_intersection", "ring 0: ring crosses itself: segment 0 [104.0, 22.0]–[104.02, 22.02] meets segment 2 [104.02, 22.0]–[104.0, 22.01] (a bow-tie; split it into two polygons)")}},
		{"no_features", areaFile(), format.Options{},
			[]geo.Problem{areaProb(-1, "features", "no_features", "the FeatureCollection has no features; an empty file says nothing about coverage and is not stored (send nothing when there is nothing new)")}},
		{"long value quoted short", areaFile(areaFeature(areaSquare, `"technology":"`+strings.Repeat("x", 1<<20)+`","observed_at":"2024-06-01"`)), format.Options{},
			[]geo.Problem{areaProb(0, "technology", "unknown_technology", `unknown technology "`+strings.Repeat("x", 40)+`…"; want 2g, 3g, 4g or 5g`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := areaStream(t, tt.in, tt.opt)
			if g, w := fmt.Sprintf("%q", got), fmt.Sprintf("%q", tt.want); g != w {
				t.Errorf("problems:\ngot  %s\nwant %s", areaFmtProblems(got), areaFmtProblems(tt.want))
			}
		})
	}
}

func areaFmtProblems(ps []geo.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "\n  %d %s %s: %s", p.Feature, p.Field, p.Rule, p.Reason)
	}
	return b.String()
}
