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
	const bounds = "is outside the country bounds (lon 102…117.9, lat 6…23.5)"
	tests := []struct {
		name string
		in   string
		opt  format.Options
		want []geo.Problem
	}{
		{"not_json", `{"type":"FeatureCollection","features":[` + ok + `,{"type":"Feature",`, format.Options{},
			[]geo.Problem{
				areaProb(0, "carrier", "field_missing", `carrier is missing (give it per feature, or as a top-level "carrier" before "features")`),
				areaProb(1, "", "not_json", "the file is not valid JSON: offset 220: unexpected end of input"),
			}},
		{"not_json/empty", ``, format.Options{}, []geo.Problem{areaProb(-1, "", "not_json", "the file is empty")}},
		{"not_json/garbage", `<html>`, format.Options{}, []geo.Problem{areaProb(-1, "", "not_json", `the file is not JSON: it starts with '<'`)}},
		{"not_json/in feature", areaFile(ok, `{"type":"Feature","geometry":tru}`), format.Options{},
			[]geo.Problem{areaProb(1, "", "not_json", "the feature is not valid JSON: offset 29: invalid literal")}},
		{"not_geojson/array", `[1,2]`, format.Options{}, []geo.Problem{areaProb(-1, "", "not_geojson", "the file is an array, not a GeoJSON FeatureCollection object")}},
		{"not_geojson/type", `{"type":"Feature","features":[]}`, format.Options{},
			[]geo.Problem{areaProb(-1, "type", "not_geojson", `type is "Feature", want "FeatureCollection"`)}},
		{"not_geojson/no features", `{"type":"FeatureCollection"}`, format.Options{},
			[]geo.Problem{areaProb(-1, "features", "not_geojson", `the collection has no "features" array`)}},
		{"not_geojson/feature", areaFile(`42`, `{"type":"Point","geometry":null}`), format.Options{}, []geo.Problem{
			areaProb(0, "", "not_geojson", "feature is a number, want a Feature object"),
			areaProb(1, "type", "not_geojson", `feature type is "Point", want "Feature"`),
			areaProb(1, "geometry", "geometry_type", "geometry is null; want Polygon or MultiPolygon"),
			areaProb(1, "technology", "field_missing", "technology is missing (want 2g, 3g, 4g or 5g)"),
			areaProb(1, "observed_at", "field_missing", "observed_at is missing (want YYYY-MM-DD or an RFC 3339 instant)"),
		}},
		{"schema", strings.Replace(areaFile(ok), "areas/v1", "observations/v1", 1), format.Options{},
			[]geo.Problem{areaProb(-1, "covmon_schema", "schema", `covmon_schema is "observations/v1", want "areas/v1"`)}},
		{"crs", strings.Replace(areaFile(ok), `"carrier"`, `"crs":{"type":"name","properties":{"name":"EPSG:3405"}},"carrier"`, 1), format.Options{},
			[]geo.Problem{areaProb(-1, "crs", "crs", `crs "EPSG:3405" is not WGS84 longitude/latitude (want urn:ogc:def:crs:OGC:1.3:CRS84)`)}},
		{"geometry_type", areaFile(areaFeature(`{"type":"Point","coordinates":[105,21]}`, areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry", "geometry_type", `geometry type "Point" is not allowed; want Polygon or MultiPolygon`)}},
		{"geometry_type/missing", areaFile(`{"type":"Feature","properties":{` + areaProps + `}}`), format.Options{},
			[]geo.Problem{areaProb(0, "geometry", "geometry_type", "feature has no geometry; want Polygon or MultiPolygon")}},
		{"geometry_empty", areaFile(areaFeature(`{"type":"MultiPolygon","coordinates":[]}`, areaProps), areaFeature(`{"type":"Polygon","coordinates":[]}`, areaProps),
			areaFeature(`{"type":"MultiPolygon","coordinates":[[]]}`, areaProps), areaFeature(`{"type":"Polygon"}`, areaProps)), format.Options{}, []geo.Problem{
			areaProb(0, "geometry", "geometry_empty", "MultiPolygon has no polygons"),
			areaProb(1, "geometry", "geometry_empty", "Polygon has no rings"),
			areaProb(2, "geometry", "geometry_empty", "coordinates[0]: polygon has no rings"),
			areaProb(3, "geometry", "geometry_empty", "Polygon has no coordinates"),
		}},
		{"ring_unclosed", areaFile(areaFeature(areaPoly(`[105,21],[105.1,21],[105.1,21.1],[105,21.1]`), areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry", "ring_unclosed", "coordinates[0]: ring is not closed: first position [105, 21] differs from last [105, 21.1]")}},
		{"ring_short", areaFile(areaFeature(`{"type":"MultiPolygon","coordinates":[[[[105,21],[105.1,21],[105,21]]]]}`, areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry", "ring_short", "coordinates[0][0]: ring has 3 positions, want at least 4")}},
		{"position_range", areaFile(areaFeature(areaPoly(`[105,21],[205,21],[105.1,21.1],[105,21]`), areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry", "position_range", "coordinates[0][1]: position [205, 21] is not a longitude/latitude (want lon -180…180, lat -90…90)")}},
		{"position_swapped", areaFile(areaFeature(areaPoly(`[21,105],[21,105.1],[21.1,105.1],[21,105]`), areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry", "position_swapped", "coordinates[0][0]: position [21, 105] is outside the country bounds but inside them with longitude and latitude swapped: write [lon, lat] (3 more positions of this ring are outside too)")}},
		{"position_outside", areaFile(areaFeature(areaPoly(`[105,21],[100.5,13.7],[105.1,21.1],[105,21]`), areaProps)), format.Options{},
			[]geo.Problem{areaProb(0, "geometry", "position_outside", "coordinates[0][1]: position [100.5, 13.7] "+bounds)}},
		{"field_missing", `{"type":"FeatureCollection","features":[` + areaFeature(areaSquare, `"carrier":null`) + `]}`, format.Options{}, []geo.Problem{
			areaProb(0, "carrier", "field_missing", `carrier is missing (give it per feature, or as a top-level "carrier" before "features")`),
			areaProb(0, "technology", "field_missing", "technology is missing (want 2g, 3g, 4g or 5g)"),
			areaProb(0, "observed_at", "field_missing", "observed_at is missing (want YYYY-MM-DD or an RFC 3339 instant)"),
		}},
		{"field_missing/carrier after features", `{"type":"FeatureCollection","features":[` + ok + `],"carrier":"viettel"}`, format.Options{},
			[]geo.Problem{areaProb(0, "carrier", "field_missing", `carrier is missing (give it per feature, or as a top-level "carrier" before "features")`)}},
		{"field_type", areaFile(areaFeature(areaSquare, `"technology":4,"observed_at":"2024-06-01","min_rsrp_dbm":"-100"`),
			areaFeature(`{"type":"Polygon","coordinates":[[[105,21],[105.1,"21"],[105.1,21.1],[105,21]]]}`, areaProps)), format.Options{}, []geo.Problem{
			areaProb(0, "technology", "field_type", "technology is a number, want a string"),
			areaProb(0, "min_rsrp_dbm", "field_type", "min_rsrp_dbm is a string, want a number"),
			areaProb(0, "technology", "field_missing", "technology is missing (want 2g, 3g, 4g or 5g)"),
			areaProb(1, "geometry", "field_type", "coordinates[0][1][1] is a string, want a number"),
		}},
		{"unknown_carrier", areaFile(areaFeature(areaSquare, areaProps+`,"carrier":"sfone"`)), format.Options{},
			[]geo.Problem{areaProb(0, "carrier", "unknown_carrier", `carrier "sfone" is not a configured carrier (viettel, vinaphone, mobifone, vietnamobile)`)}},
		{"carrier_mismatch", areaFile(ok), format.Options{Carrier: "mobifone"},
			[]geo.Problem{areaProb(-1, "carrier", "carrier_mismatch", `the file is for carrier "viettel" but was uploaded by "mobifone"`)}},
		{"unknown_technology", areaFile(areaFeature(areaSquare, `"technology":"lte","observed_at":"2024-06-01"`)), format.Options{},
			[]geo.Problem{areaProb(0, "technology", "unknown_technology", `technology "lte" is not 2g, 3g, 4g or 5g`)}},
		{"unknown_method", areaFile(areaFeature(areaSquare, areaProps+`,"method":"guess"`)), format.Options{},
			[]geo.Problem{areaProb(0, "method", "unknown_method", `method "guess" is not one of drive_test, model, crowd, on_air_report`)}},
		{"time_unparsable", areaFile(areaFeature(areaSquare, `"technology":"4g","observed_at":"2024-06-01T08:00:00"`)), format.Options{},
			[]geo.Problem{areaProb(0, "observed_at", "time_unparsable", `observed_at "2024-06-01T08:00:00" is not a date (YYYY-MM-DD) or an RFC 3339 instant with a zone`)}},
		{"time_future", areaFile(areaFeature(areaSquare, `"technology":"4g","observed_at":"2025-01-02"`)), format.Options{},
			[]geo.Problem{areaProb(0, "observed_at", "time_future", `observed_at 2025-01-02T00:00:00+07:00 is after the time of upload 2025-01-01T00:00:00Z`)}},
		{"rsrp_range", areaFile(areaFeature(areaSquare, areaProps+`,"min_rsrp_dbm":-20`)), format.Options{},
			[]geo.Problem{areaProb(0, "min_rsrp_dbm", "rsrp_range", "min_rsrp_dbm -20 is outside -160…-30")}},
		{"dl_negative", areaFile(areaFeature(areaSquare, areaProps+`,"min_dl_mbps":-1`)), format.Options{},
			[]geo.Problem{areaProb(0, "min_dl_mbps", "dl_negative", "min_dl_mbps -1 is below 0")}},
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
