package format_test

import (
	"errors"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// TestDecode_Variants checks that the real-world variants docs/formats.md accepts decode to the
// same values as the plain form.
func TestDecode_Variants(t *testing.T) {
	plain := fc(village(pointGeom))
	want, err := format.DecodeVillages(strings.NewReader(plain), format.Options{File: testFile})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
	}{
		{"BOM", "\xEF\xBB\xBF" + plain},
		{"CRS84", withTop(`"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}}`, plain)},
		{"EPSG4326", withTop(`"crs":{"type":"name","properties":{"name":"EPSG:4326"}}`, plain)},
		{"URNEPSG4326", withTop(`"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4326"}}`, plain)},
		{"CRSNull", withTop(`"crs":null`, plain)},
		{"BBox", withTop(`"bbox":[103,22,104,23]`, plain)},
		{"Schema", withTop(`"covmon_schema":"villages/v1"`, plain)},
		{"Altitude", fc(village(`{"type":"Point","coordinates":[103.912,22.401,1250.5]}`))},
		{"NumericID", fc(strings.Replace(village(pointGeom), `{"type":"Feature"`, `{"type":"Feature","id":17`, 1))},
		{"StringID", fc(strings.Replace(village(pointGeom), `{"type":"Feature"`, `{"type":"Feature","id":"LC-0001"`, 1))},
		{"ForeignMembers", withTop(`"source":{"agency":"MIC","rows":[1,2]},"carrier":"viettel"`, fc(
			strings.Replace(village(`{"type":"Point","coordinates":[103.912,22.401],"accuracy_m":5}`, "surveyor", `{"name":"A"}`),
				`{"type":"Feature"`, `{"type":"Feature","bbox":[1,2,3,4],"style":{"color":"red"}`, 1)))},
		{"FeaturesFirst", `{"features":[` + village(pointGeom) + `],"type":"FeatureCollection"}`},
		{"PropertiesFirst", fc(`{"properties":{"grid_power":true,"province_code":"15","commune_code":"02710","name":"Bản Khoang",` +
			`"village_id":"LC-0001"},"geometry":` + pointGeom + `,"type":"Feature"}`)},
		{"Whitespace", "\n\t " + strings.ReplaceAll(plain, ",", " ,\n ") + "\n\n"},
		{"Escapes", fc(village(pointGeom, "name", `"B\u1ea3n Khoang"`, "village_id", `"LC\u002d0001"`))},
		{"NullOptionals", fc(village(pointGeom, "commune_name", "null", "households", "null", "programs", "null", "baseline", "null"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := format.DecodeVillages(strings.NewReader(tc.in), format.Options{File: testFile})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestDecodeVillages_Values(t *testing.T) {
	in := fc(
		village(pointGeom, "commune_name", `"Xã Tả Van"`, "legacy_district_code", `"082"`, "legacy_commune_code", `"02710"`,
			"grid_power_since", `"2019-06-01"`, "households", "84", "programs", `["vls-2024"]`, "deadline", `"2025-06-30T17:00:00Z"`),
		village(polygonGeom, "village_id", `"LC-0002"`, "found_at", `"2025-03-01"`),
		village(polygonGeom, "village_id", `"LC-0003"`, "center", "[104.01,22.005]", "baseline", "false"),
	)
	got, err := format.DecodeVillages(strings.NewReader(in), format.Options{File: testFile})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(got), 3; got != want {
		t.Fatalf("len=%d, want %d", got, want)
	}
	v := got[0]
	if want := (geo.Village{
		ID: "LC-0001", Name: "Bản Khoang", CommuneCode: "02710", CommuneName: "Xã Tả Van", ProvinceCode: "15",
		LegacyDistrictCode: "082", LegacyCommuneCode: "02710", Center: orb.Point{103.912, 22.401},
		GridPower: true, GridPowerSince: time.Date(2019, 6, 1, 0, 0, 0, 0, geo.Vietnam), Households: 84,
		Programs: []string{"vls-2024"}, Baseline: true, Deadline: time.Date(2025, 6, 30, 17, 0, 0, 0, time.UTC),
	}); !reflect.DeepEqual(v, want) {
		t.Errorf("village 0:\n got %+v\nwant %+v", v, want)
	}
	v = got[1]
	if got, want := v.Baseline, false; got != want {
		t.Errorf("found_at village: Baseline=%v, want %v", got, want)
	}
	if got, want := v.FoundAt, time.Date(2025, 3, 1, 0, 0, 0, 0, geo.Vietnam); !got.Equal(want) {
		t.Errorf("FoundAt=%v, want %v", got, want)
	}
	// A polygon village without center gets the area's centroid: for a triangle, the mean
	// of its corners.
	want := orb.Point{(104 + 104.02 + 104.02) / 3, (22 + 22 + 22.02) / 3}
	if got := v.Center; math.Abs(got[0]-want[0]) > 1e-9 || math.Abs(got[1]-want[1]) > 1e-9 {
		t.Errorf("Center=%v, want the area centroid %v", got, want)
	}
	if _, ok := v.Area.(orb.Polygon); !ok {
		t.Errorf("Area=%T, want orb.Polygon", v.Area)
	}
	v = got[2]
	if got, want := v.Center, (orb.Point{104.01, 22.005}); got != want {
		t.Errorf("Center=%v, want the center property %v", got, want)
	}
	if got, want := v.Baseline, false; got != want {
		t.Errorf("Baseline=%v, want %v", got, want)
	}
}

func TestDecodeObservations_Values(t *testing.T) {
	in := `{"features":[` +
		observation("null", "carrier", "", "technology", `"4G"`, "rsrp_dbm", "-98.5", "dl_mbps", "24.1", "method", `"drive_test"`) + "," +
		observation(pointGeom, "carrier", `"VinaPhone"`, "observed_at", `"2024-05-01T08:30:00.5+07:00"`, "has_signal", "false") +
		`],"carrier":"Vinaphone","type":"FeatureCollection"}`
	got, err := format.DecodeObservations(strings.NewReader(in), format.Options{Now: obsNow})
	if err != nil {
		t.Fatal(err)
	}
	rsrp, dl := -98.5, 24.1
	want := []geo.Observation{
		{VillageID: "LC-0001", Carrier: "vinaphone", Technology: geo.Tech4G, HasSignal: true, RSRPdBm: &rsrp, DLMbps: &dl,
			ObservedAt: time.Date(2023, 3, 14, 0, 0, 0, 0, geo.Vietnam), Method: "drive_test"},
		{VillageID: "LC-0001", Carrier: "vinaphone", Technology: geo.Tech4G,
			ObservedAt: time.Date(2024, 5, 1, 1, 30, 0, 5e8, time.UTC), Method: "on_air_report"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d observations, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.ObservedAt.Equal(w.ObservedAt) {
			t.Errorf("%d: ObservedAt=%v, want %v", i, g.ObservedAt, w.ObservedAt)
		}
		g.ObservedAt, w.ObservedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// TestDecode_ManyProblems checks that every problem of a file is reported, with its feature
// index, file-level problems first.
func TestDecode_ManyProblems(t *testing.T) {
	in := `{"features":[` + strings.Join([]string{
		observation("null"),
		observation("null", "technology", `"6g"`, "rsrp_dbm", "0"),
		observation("null", "village_id", `"LC-0002"`),
		observation(`{"type":"Point","coordinates":[21.0,105.8]}`, "observed_at", `"soon"`),
	}, ",") + `],"crs":{"type":"name","properties":{"name":"EPSG:3405"}}}`
	_, err := format.DecodeObservations(strings.NewReader(in), format.Options{File: testFile})
	want := []geo.Problem{
		prob(-1, "", "crs", geo.RuleCRS, `not WGS84 longitude/latitude (reproject to EPSG:4326): "EPSG:3405"`),
		prob(-1, "", "type", geo.RuleNotGeoJSON, `missing "type": "FeatureCollection"`),
		prob(1, "LC-0001", "technology", geo.RuleUnknownTechnology, `unknown technology "6g"; want 2g, 3g, 4g or 5g`),
		prob(1, "LC-0001", "rsrp_dbm", geo.RuleRSRPRange, "outside -160..-30 dBm: 0"),
		prob(3, "LC-0001", "geometry.coordinates", geo.RulePositionSwapped,
			"latitude 105.8 and longitude 21.0 look swapped: [21.0, 105.8] lies in Vietnam as [105.8, 21.0]"),
		prob(3, "LC-0001", "observed_at", geo.RuleTimeUnparsable, `not a date or RFC 3339 instant: "soon"`),
	}
	if got := problemsOf(t, err); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", fmtProblems(got), fmtProblems(want))
	}
}

func TestDecode_MaxProblems(t *testing.T) {
	bad := observation("null", "technology", `"6g"`)
	in := fc(bad, bad, bad, bad, bad)
	_, err := format.DecodeObservations(strings.NewReader(in), format.Options{File: testFile, MaxProblems: 3})
	var ve *geo.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err=%v, want *geo.ValidationError", err)
	}
	if got, want := len(ve.Problems), 4; got != want {
		t.Errorf("len(Problems)=%d, want %d (3 and the summary)", got, want)
	}
	if got, want := ve.Problems[len(ve.Problems)-1].Rule, geo.RuleTooManyProblems; got != want {
		t.Errorf("last rule %q, want %q", got, want)
	}
	if got, want := ve.Truncated, true; got != want {
		t.Errorf("Truncated=%v, want %v", got, want)
	}
	if got, want := strings.SplitN(ve.Error(), "\n", 2)[0], "t.geojson: 3 problems (more not shown)"; got != want {
		t.Errorf("Error()=%q, want %q", got, want)
	}
}

// TestDecode_WrongSchema checks that a file of the wrong kind yields the schema problem alone,
// not one problem per feature judged against the wrong format.
func TestDecode_WrongSchema(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[` + observation("null") + `],"covmon_schema":"observations/v1"}`
	_, err := format.DecodeVillages(strings.NewReader(in), format.Options{File: testFile})
	want := []geo.Problem{prob(-1, "", "covmon_schema", geo.RuleSchema, `a "observations/v1" file where villages/v1 is expected`)}
	if got := problemsOf(t, err); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", fmtProblems(got), fmtProblems(want))
	}
}

func TestDecode_BOMOffset(t *testing.T) {
	_, err := format.DecodeVillages(strings.NewReader("\xEF\xBB\xBF{x"), format.Options{File: testFile})
	want := []geo.Problem{prob(-1, "", "", geo.RuleNotJSON, "invalid JSON at byte 4: invalid character 'x'")}
	if got := problemsOf(t, err); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", fmtProblems(got), fmtProblems(want))
	}
}

// TestDecode_ReadError checks that a failing reader is an error, not a validation problem.
func TestDecode_ReadError(t *testing.T) {
	errDisk := errors.New("disk on fire")
	for _, in := range []string{"", `{"type":"FeatureCollection","features":[` + observation("null")} {
		r := io.MultiReader(strings.NewReader(in), iotest.ErrReader(errDisk))
		_, err := format.DecodeObservations(r, format.Options{File: "obs.geojson"})
		if !errors.Is(err, errDisk) {
			t.Fatalf("err=%v, want it to wrap %v", err, errDisk)
		}
		var ve *geo.ValidationError
		if errors.As(err, &ve) {
			t.Errorf("err is a ValidationError: %v", err)
		}
		if got, want := err.Error(), "read obs.geojson: disk on fire"; got != want {
			t.Errorf("Error()=%q, want %q", got, want)
		}
	}
}

func TestDecode_InvalidOptions(t *testing.T) {
	_, err := format.DecodeObservations(strings.NewReader(fc()), format.Options{Carrier: "gtel"})
	if !errors.Is(err, format.ErrInvalidOptions) {
		t.Fatalf("err=%v, want ErrInvalidOptions", err)
	}
}

// TestRules_MatchDocs checks that geo.Rules is exactly the rule table of docs/formats.md, in order.
func TestRules_MatchDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/formats.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "| rule | when |")
	if !ok {
		t.Fatal("docs/formats.md has no rule table")
	}
	var got []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(table, -1) {
		got = append(got, m[1])
	}
	if !slices.Equal(got, geo.Rules) {
		t.Errorf("docs/formats.md rules:\n%v\ngeo.Rules:\n%v", got, geo.Rules)
	}
}

// TestOptions_OneMeaning pins that every format reads Options alike: an uploader carrier that
// is not allowed is a caller bug for each decoder, and a zero Now is the time of decoding, so
// a date in the future is refused even when the caller forgot the clock.
func TestOptions_OneMeaning(t *testing.T) {
	bad := format.Options{Carrier: "gtel"}
	if _, err := format.DecodeVillages(strings.NewReader(fc()), bad); !errors.Is(err, format.ErrInvalidOptions) {
		t.Errorf("DecodeVillages: err=%v, want ErrInvalidOptions", err)
	}
	err := format.StreamAreas(strings.NewReader(`{"type":"FeatureCollection","features":[]}`), bad,
		func(int, *geo.CoverageArea) error { return nil })
	if !errors.Is(err, format.ErrInvalidOptions) {
		t.Errorf("StreamAreas: err=%v, want ErrInvalidOptions", err)
	}

	future := time.Now().AddDate(1, 0, 0).Format(time.RFC3339)
	in := fc(observation(`{"type":"Point","coordinates":[105.8,21.0]}`, "observed_at", `"`+future+`"`))
	_, err = format.DecodeObservations(strings.NewReader(in), format.Options{File: testFile})
	if ps := problemsOf(t, err); len(ps) != 1 || ps[0].Rule != geo.RuleTimeFuture {
		t.Errorf("observations/v1 with zero Now: %v, want one time_future", ps)
	}
	area := `{"type":"FeatureCollection","covmon_schema":"areas/v1","carrier":"viettel","features":[` +
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[105,21],[105.1,21],[105.1,21.1],[105,21]]]},` +
		`"properties":{"technology":"4g","observed_at":"` + future + `"}}]}`
	err = format.StreamAreas(strings.NewReader(area), format.Options{File: testFile}, func(int, *geo.CoverageArea) error { return nil })
	if ps := problemsOf(t, err); len(ps) != 1 || ps[0].Rule != geo.RuleTimeFuture {
		t.Errorf("areas/v1 with zero Now: %v, want one time_future", ps)
	}
}
