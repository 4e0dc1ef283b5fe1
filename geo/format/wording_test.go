package format_test

import (
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// TestWording_SameForEveryFormat feeds the same defect to each decoder that can meet it and
// wants the same field, rule and reason from all of them: one wording per rule.
func TestWording_SameForEveryFormat(t *testing.T) {
	areas := func(geom, props, top string) []geo.Problem {
		in := `{"type":"FeatureCollection",` + top + `"features":[{"type":"Feature","geometry":` + geom +
			`,"properties":{` + props + `}}]}`
		err := format.StreamAreas(strings.NewReader(in), format.Options{File: testFile, Now: areaNow},
			func(int, *geo.CoverageArea) error { return nil })
		return problemsOf(t, err)
	}
	villages := func(in string) []geo.Problem {
		_, err := decodeVillages(in, format.Options{File: testFile})
		return problemsOf(t, err)
	}
	observations := func(in string) []geo.Problem {
		_, err := decodeObservations(in, format.Options{File: testFile, Now: areaNow})
		return problemsOf(t, err)
	}
	same := func(name string, want geo.Problem, got ...[]geo.Problem) {
		t.Helper()
		for i, ps := range got {
			found := false
			for _, p := range ps {
				if p.Field == want.Field && p.Rule == want.Rule && p.Reason == want.Reason {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: decoder %d: no %s/%s %q in\n%s", name, i, want.Field, want.Rule, want.Reason, fmtProblems(ps))
			}
		}
	}
	const areaProps = `"carrier":"viettel","technology":"4g","observed_at":"2024-06-01"`

	// A polygon drawn with latitude first.
	swapped := `{"type":"Polygon","coordinates":[[[21.0,105.0],[21.0,105.1],[21.1,105.1],[21.0,105.0]]]}`
	same("swapped polygon", geo.Problem{Field: "geometry.coordinates", Rule: geo.RulePositionSwapped,
		Reason: "ring 0 position 0: latitude 105.0 and longitude 21.0 look swapped: [21.0, 105.0] lies in Vietnam as [105.0, 21.0] (and 3 more positions)"},
		villages(fc(village(swapped))), areas(swapped, areaProps, ""))

	// A ring that does not close, and one too short.
	open := `{"type":"Polygon","coordinates":[[[105.0,21.0],[105.1,21.0],[105.1,21.1],[105.0,21.1]]]}`
	same("open ring", geo.Problem{Field: "geometry.coordinates", Rule: geo.RuleRingUnclosed,
		Reason: "ring 0 is not closed: first position [105.0, 21.0] and last [105.0, 21.1] differ"},
		villages(fc(village(open))), areas(open, areaProps, ""))
	short := `{"type":"Polygon","coordinates":[[[105.0,21.0],[105.1,21.0],[105.0,21.0]]]}`
	same("short ring", geo.Problem{Field: "geometry.coordinates", Rule: geo.RuleRingShort,
		Reason: "ring 0 has 3 positions; a closed ring needs at least 4"},
		villages(fc(village(short))), areas(short, areaProps, ""))

	// A projected crs.
	crs := `"crs":{"type":"name","properties":{"name":"EPSG:3405"}},`
	same("crs", geo.Problem{Feature: -1, Field: "crs", Rule: geo.RuleCRS,
		Reason: `not WGS84 longitude/latitude (reproject to EPSG:4326): "EPSG:3405"`},
		observations(`{"type":"FeatureCollection",`+crs+`"features":[]}`), areas(polygonGeom, areaProps, crs))

	// Carriers, technologies and instants.
	same("unknown carrier", geo.Problem{Field: "carrier", Rule: geo.RuleUnknownCarrier,
		Reason: `unknown carrier "sfone"; want viettel, vinaphone, mobifone or vietnamobile`},
		observations(fc(observation(pointGeom, "carrier", `"sfone"`))),
		areas(polygonGeom, `"carrier":"sfone","technology":"4g","observed_at":"2024-06-01"`, ""))
	same("unknown technology", geo.Problem{Field: "technology", Rule: geo.RuleUnknownTechnology,
		Reason: `unknown technology "lte"; want 2g, 3g, 4g or 5g`},
		observations(fc(observation(pointGeom, "technology", `"lte"`))),
		areas(polygonGeom, `"carrier":"viettel","technology":"lte","observed_at":"2024-06-01"`, ""))
	same("future", geo.Problem{Field: "observed_at", Rule: geo.RuleTimeFuture,
		Reason: `after the upload time 2025-01-01T00:00:00Z (plus 10m0s for clock skew): "2025-03-01"`},
		observations(fc(observation(pointGeom, "observed_at", `"2025-03-01"`))),
		areas(polygonGeom, `"carrier":"viettel","technology":"4g","observed_at":"2025-03-01"`, ""))
	same("no time zone", geo.Problem{Field: "observed_at", Rule: geo.RuleTimeUnparsable,
		Reason: `instant without a time zone (add Z or an offset such as +07:00): "2024-06-01T08:00:00"`},
		observations(fc(observation(pointGeom, "observed_at", `"2024-06-01T08:00:00"`))),
		areas(polygonGeom, `"carrier":"viettel","technology":"4g","observed_at":"2024-06-01T08:00:00"`, ""))
	same("wrong type", geo.Problem{Field: "technology", Rule: geo.RuleFieldType, Reason: "want a string, got number 4"},
		observations(fc(observation(pointGeom, "technology", `4`))),
		areas(polygonGeom, `"carrier":"viettel","technology":4,"observed_at":"2024-06-01"`, ""))
}

// TestWording_HugeNumbers: a position far out of range is named briefly, not in 400 digits.
func TestWording_HugeNumbers(t *testing.T) {
	geom := `{"type":"Polygon","coordinates":[[[1e400,21.0],[105.1,21.0],[105.1,21.1],[1e400,21.0]]]}`
	in := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + geom +
		`,"properties":{"carrier":"viettel","technology":"4g","observed_at":"2024-06-01"}}]}`
	err := format.StreamAreas(strings.NewReader(in), format.Options{File: testFile, Now: areaNow},
		func(int, *geo.CoverageArea) error { return nil })
	ps := problemsOf(t, err)
	want := "ring 0 position 0: longitude +Inf outside -180..180: [+Inf, 21.0] (and 1 more position)"
	if len(ps) != 1 || ps[0].Rule != geo.RulePositionRange || ps[0].Reason != want {
		t.Errorf("got\n%s\nwant one position_range %q", fmtProblems(ps), want)
	}
}
