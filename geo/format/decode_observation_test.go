package format_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// obsNow is the upload time of the observation rule cases.
var obsNow = time.Date(2026, 11, 23, 12, 0, 0, 0, geo.Vietnam)

// knownLC reports the registry of the rule cases: LC-0001 and LC-0002.
func knownLC(id string) bool { return id == "LC-0001" || id == "LC-0002" }

// withTop adds top-level members (raw JSON, e.g. `"carrier":"viettel"`) to a collection.
func withTop(members, collection string) string {
	return strings.Replace(collection, "{", "{"+members+",", 1)
}

// observationRuleCases cover every rule of observations/v1.
var observationRuleCases = []ruleCase{
	{name: "OK", in: fc(observation("null"), observation(pointGeom, "technology", `"5G"`))},
	{name: "OKTopCarrier", in: withTop(`"carrier":"mobifone"`, fc(observation("null", "carrier", "")))},
	{name: "OKUploaderCarrier", in: fc(observation("null", "carrier", "")), opt: format.Options{Carrier: "viettel"}},
	{name: "OKNoGeometry", in: fc(`{"type":"Feature","properties":` +
		strings.TrimSuffix(strings.TrimPrefix(observation("null"), `{"type":"Feature","geometry":null,"properties":`), "}") + `}`)},

	{name: "GeometryType/Polygon", in: fc(observation(polygonGeom)),
		want: []geo.Problem{prob(0, "LC-0001", "geometry", geo.RuleGeometryType, "Polygon not allowed; want Point or null")}},
	{name: "PositionSwapped", in: fc(observation(`{"type":"Point","coordinates":[22.401,103.912,950]}`)),
		want: []geo.Problem{prob(0, "LC-0001", "geometry.coordinates", geo.RulePositionSwapped,
			"latitude 103.912 and longitude 22.401 look swapped: [22.401, 103.912] lies in Vietnam as [103.912, 22.401]")}},

	{name: "FieldMissing/Technology", in: fc(observation("null", "technology", "")),
		want: []geo.Problem{prob(0, "LC-0001", "technology", geo.RuleFieldMissing, "required property is missing")}},
	{name: "FieldMissing/Carrier", in: fc(observation("null", "carrier", "null")),
		want: []geo.Problem{prob(0, "LC-0001", "carrier", geo.RuleFieldMissing,
			`required property is missing (the file has no top-level "carrier" either)`)}},
	{name: "FieldType/HasSignal", in: fc(observation("null", "has_signal", `"yes"`)),
		want: []geo.Problem{prob(0, "LC-0001", "has_signal", geo.RuleFieldType, `want a boolean, got string "yes"`)}},
	{name: "FieldType/RSRP", in: fc(observation("null", "rsrp_dbm", `"-98"`)),
		want: []geo.Problem{prob(0, "LC-0001", "rsrp_dbm", geo.RuleFieldType, `want a number, got string "-98"`)}},
	{name: "FieldType/TopCarrier", in: withTop(`"carrier":["viettel"]`, fc(observation("null", "carrier", ""))),
		want: []geo.Problem{prob(-1, "", "carrier", geo.RuleFieldType, "want a string, got array")}},
	{name: "FieldInvalid/VillageID", in: fc(observation("null", "village_id", `"`+strings.Repeat("x", 65)+`"`)),
		want: []geo.Problem{prob(0, "", "village_id", geo.RuleFieldInvalid,
			`not 1-64 characters of A-Z a-z 0-9 . _ -: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"`)}},

	{name: "UnknownCarrier", in: fc(observation("null", "carrier", `"viettell"`)),
		want: []geo.Problem{prob(0, "LC-0001", "carrier", geo.RuleUnknownCarrier,
			`unknown carrier "viettell"; want viettel, vinaphone, mobifone or vietnamobile`)}},
	{name: "UnknownCarrier/Configured", in: fc(observation("null")), opt: format.Options{Carriers: []string{"reddi"}},
		want: []geo.Problem{prob(0, "LC-0001", "carrier", geo.RuleUnknownCarrier, `unknown carrier "viettel"; want reddi`)}},
	{name: "UnknownCarrier/Top", in: withTop(`"carrier":"gtel"`, fc(observation("null", "carrier", ""))),
		want: []geo.Problem{prob(-1, "", "carrier", geo.RuleUnknownCarrier,
			`unknown carrier "gtel"; want viettel, vinaphone, mobifone or vietnamobile`)}},
	{name: "CarrierMismatch/Uploader", in: fc(observation("null", "carrier", `"MobiFone"`)), opt: format.Options{Carrier: "viettel"},
		want: []geo.Problem{prob(0, "LC-0001", "carrier", geo.RuleCarrierMismatch, `carrier "mobifone" but the uploader is "viettel"`)}},
	{name: "CarrierMismatch/TopUploader", in: withTop(`"carrier":"vinaphone"`, fc(observation("null", "carrier", ""))),
		opt:  format.Options{Carrier: "viettel"},
		want: []geo.Problem{prob(-1, "", "carrier", geo.RuleCarrierMismatch, `the file names carrier "vinaphone" but the uploader is "viettel"`)}},
	{name: "CarrierMismatch/Top", in: withTop(`"carrier":"vinaphone"`, fc(observation("null"))),
		want: []geo.Problem{prob(0, "LC-0001", "carrier", geo.RuleCarrierMismatch,
			`carrier "viettel" differs from the file's top-level carrier "vinaphone"`)}},

	{name: "UnknownTechnology", in: fc(observation("null", "technology", `"lte"`)),
		want: []geo.Problem{prob(0, "LC-0001", "technology", geo.RuleUnknownTechnology, `unknown technology "lte"; want 2g, 3g, 4g or 5g`)}},
	{name: "UnknownMethod", in: fc(observation("null", "method", `"guess"`)),
		want: []geo.Problem{prob(0, "LC-0001", "method", geo.RuleUnknownMethod,
			`unknown method "guess"; want drive_test, model, crowd or on_air_report`)}},
	{name: "UnknownVillage", in: fc(observation("null", "village_id", `"LC-0009"`)), opt: format.Options{KnownVillage: knownLC},
		want: []geo.Problem{prob(0, "LC-0009", "village_id", geo.RuleUnknownVillage, `not in the registry: "LC-0009"`)}},
	{name: "DuplicateRow/SameInstant", in: fc(
		observation("null", "observed_at", `"2023-03-14T08:00:00+07:00"`),
		observation("null", "observed_at", `"2023-03-14T01:00:00Z"`, "technology", `"4G"`, "has_signal", "false")),
		want: []geo.Problem{prob(1, "LC-0001", "", geo.RuleDuplicateRow, "same village_id, carrier, technology and observed_at as feature 0")}},
	{name: "DuplicateRow/TopCarrier", in: withTop(`"carrier":"viettel"`, fc(observation("null", "carrier", ""), observation("null"))),
		want: []geo.Problem{prob(1, "LC-0001", "", geo.RuleDuplicateRow, "same village_id, carrier, technology and observed_at as feature 0")}},
	{name: "TimeUnparsable", in: fc(observation("null", "observed_at", `"yesterday"`)),
		want: []geo.Problem{prob(0, "LC-0001", "observed_at", geo.RuleTimeUnparsable, `not a date or RFC 3339 instant: "yesterday"`)}},
	{name: "TimeFuture", in: fc(observation("null", "observed_at", `"2026-11-23T12:10:01+07:00"`)), opt: format.Options{Now: obsNow},
		want: []geo.Problem{prob(0, "LC-0001", "observed_at", geo.RuleTimeFuture,
			`after the upload time 2026-11-23T12:00:00+07:00 (plus 10m0s for clock skew): "2026-11-23T12:10:01+07:00"`)}},
	{name: "TimeFuture/WithinSkew", in: fc(observation("null", "observed_at", `"2026-11-23T12:10:00+07:00"`)), opt: format.Options{Now: obsNow}},
	{name: "TimeTooOld/YearOne", in: fc(observation("null", "observed_at", `"0001-01-01T00:00:00Z"`)),
		want: []geo.Problem{prob(0, "LC-0001", "observed_at", geo.RuleTimeTooOld,
			`before 2000-01-01, the earliest date covmon accepts: "0001-01-01T00:00:00Z"`)}},
	{name: "TimeTooOld/Configured", in: fc(observation("null", "observed_at", `"2009-12-31"`)),
		opt: format.Options{MinTime: time.Date(2010, 1, 1, 0, 0, 0, 0, geo.Vietnam)},
		want: []geo.Problem{prob(0, "LC-0001", "observed_at", geo.RuleTimeTooOld,
			`before 2010-01-01, the earliest date covmon accepts: "2009-12-31"`)}},
	{name: "TimeUnparsable/OneDigitHour", in: fc(observation("null", "observed_at", `"2023-03-14T8:00:00Z"`)),
		want: []geo.Problem{prob(0, "LC-0001", "observed_at", geo.RuleTimeUnparsable, `not a date or RFC 3339 instant: "2023-03-14T8:00:00Z"`)}},
	{name: "RSRPRange/High", in: fc(observation("null", "rsrp_dbm", "-20")),
		want: []geo.Problem{prob(0, "LC-0001", "rsrp_dbm", geo.RuleRSRPRange, "outside -160..-30 dBm: -20")}},
	{name: "RSRPRange/Low", in: fc(observation("null", "rsrp_dbm", "-160.5")),
		want: []geo.Problem{prob(0, "LC-0001", "rsrp_dbm", geo.RuleRSRPRange, "outside -160..-30 dBm: -160.5")}},
	{name: "DLNegative", in: fc(observation("null", "dl_mbps", "-0.1")),
		want: []geo.Problem{prob(0, "LC-0001", "dl_mbps", geo.RuleDLNegative, "below 0: -0.1")}},
	{name: "SourceRole/CarrierDeclaresIndependent", opt: format.Options{Carrier: "viettel"},
		in: `{"type":"FeatureCollection","source_role":"independent","features":[` + observation("null") + `]}`,
		want: []geo.Problem{prob(-1, "", "source_role", geo.RuleSourceRole,
			`a carrier's token may not upload independent measurements: they come from an inspector's token (the carrier's own drive tests are its claims: drop "source_role")`)}},
	{name: "SourceRole/InspectorDeclaresCarrier", opt: format.Options{Inspector: true},
		in: `{"type":"FeatureCollection","source_role":"carrier","features":[` + observation("null") + `]}`,
		want: []geo.Problem{prob(-1, "", "source_role", geo.RuleSourceRole,
			`an inspector's token uploads independent measurements, not carrier claims: drop "source_role" or send the file with the carrier's token`)}},
	{name: "SourceRole/InspectorOnAClaim", in: fc(observation("null", "inspector", `"Sở TT&TT Lào Cai"`)),
		want: []geo.Problem{prob(0, "LC-0001", "inspector", geo.RuleSourceRole,
			`"inspector" names who made an independent measurement; this file is the carrier's own claims (no "source_role": "independent")`)}},
	{name: "SourceRole/Unknown",
		in:   `{"type":"FeatureCollection","source_role":"ministry","features":[` + observation("null") + `]}`,
		want: []geo.Problem{prob(-1, "", "source_role", geo.RuleFieldInvalid, `want "carrier" or "independent", got "ministry"`)}},
	{name: "SourceRole/Independent", in: `{"type":"FeatureCollection","source_role":"independent","features":[` +
		observation("null", "inspector", `"Cục Viễn thông"`) + `]}`},
	{name: "SourceRole/InspectorToken", opt: format.Options{Inspector: true}, in: fc(observation("null"))},
}

// TestDecodeObservations_SourceRole: independent measurements carry their role and inspector;
// a carrier's file (no source_role) is its claims.
func TestDecodeObservations_SourceRole(t *testing.T) {
	in := `{"type":"FeatureCollection","source_role":"independent","features":[` +
		observation("null", "inspector", `"Cục Viễn thông"`) + `]}`
	obs, err := format.DecodeObservations(strings.NewReader(in), format.Options{File: testFile})
	if err != nil {
		t.Fatal(err)
	}
	if !obs[0].Independent() || obs[0].Inspector != "Cục Viễn thông" {
		t.Fatalf("got %+v, want independent by Cục Viễn thông", obs[0])
	}
	obs, err = format.DecodeObservations(strings.NewReader(fc(observation("null"))), format.Options{File: testFile, Inspector: true})
	if err != nil || !obs[0].Independent() {
		t.Fatalf("an inspector's file: %v %+v, want independent", err, obs)
	}
	obs, err = format.DecodeObservations(strings.NewReader(fc(observation("null"))), format.Options{File: testFile})
	if err != nil || obs[0].Independent() {
		t.Fatalf("a carrier's file: %v %+v, want a claim", err, obs)
	}
}

func TestDecodeObservations_Rules(t *testing.T) {
	runRuleCases(t, decodeObservations, observationRuleCases)
}

// TestDecode_RuleCoverage checks that the rule cases exercise every rule code.
func TestDecode_RuleCoverage(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range slices.Concat(villageRuleCases, observationRuleCases, areaExtentRuleCases, planRuleCases) {
		for _, p := range tc.want {
			seen[p.Rule] = true
		}
	}
	for _, r := range geo.Rules {
		if !seen[r] {
			t.Errorf("rule %q has no rule case", r)
		}
	}
	for r := range seen {
		if !slices.Contains(geo.Rules, r) {
			t.Errorf("rule case uses %q, which is not in geo.Rules", r)
		}
	}
}
