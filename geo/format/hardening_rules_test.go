package format_test

import (
	"strings"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// Rule cases of the hardening rules (issue 15): one parsing rule for every format, bounded
// text, time bounds, geometry sanity and the capped report. They run with the other rule cases
// (TestDecodeVillages_Rules, TestDecodeObservations_Rules) and count for TestDecode_RuleCoverage.

const (
	// bowTieGeom crosses itself: segment 0 meets segment 2.
	bowTieGeom = `{"type":"Polygon","coordinates":[[[104.0,22.0],[104.02,22.02],[104.02,22.0],[104.0,22.01],[104.0,22.0]]]}`
	// pointRingGeom is one position repeated: a polygon with no area.
	pointRingGeom = `{"type":"Polygon","coordinates":[[[104.0,22.0],[104.0,22.0],[104.0,22.0],[104.0,22.0]]]}`
	// lineRingGeom has three positions on a line.
	lineRingGeom = `{"type":"Polygon","coordinates":[[[104.0,22.0],[104.01,22.0],[104.02,22.0],[104.0,22.0]]]}`
)

const dupReasonTechnology = `member "technology" appears more than once in one object (names are exact and may appear once)`

var hardeningVillageCases = []ruleCase{
	{name: "DuplicateKey/Coordinates", in: fc(village(`{"type":"Polygon","coordinates":[[[104.0,22.0],[104.02,22.0],[104.02,22.02],[104.0,22.0]]],` +
		`"coordinates":[[[104.0,22.0],[104.01,22.0],[104.01,22.01],[104.0,22.0]]]}`)),
		want: []geo.Problem{prob(0, "LC-0001", "", geo.RuleDuplicateKey,
			`member "coordinates" appears more than once in one object (names are exact and may appear once)`)}},
	{name: "DuplicateKey/Nested", in: fc(village(pointGeom, "extra", `{"a":{"b":1,"b":2}}`)),
		want: []geo.Problem{prob(0, "LC-0001", "", geo.RuleDuplicateKey,
			`member "b" appears more than once in one object (names are exact and may appear once)`)}},
	{name: "ExactKeys/Name", in: fc(village(pointGeom, "name", "", "Name", `"Bản Khoang"`)),
		want: []geo.Problem{prob(0, "LC-0001", "name", geo.RuleFieldMissing, "required property is missing")}},
	{name: "ExactKeys/GeometryType", in: fc(village(`{"Type":"Point","coordinates":[103.912,22.401]}`)),
		want: []geo.Problem{prob(0, "LC-0001", "geometry", geo.RuleGeometryType, `geometry has no "type"; want Point, Polygon or MultiPolygon`)}},
	{name: "TextTooLong/Name", in: fc(village(pointGeom, "name", `"`+strings.Repeat("ả", 101)+`"`)),
		want: []geo.Problem{prob(0, "LC-0001", "name", geo.RuleTextTooLong,
			`longer than 100 characters (101): "`+strings.Repeat("ả", 13)+`…"`)}},
	{name: "TextTooLong/NameAtLimit", in: fc(village(pointGeom, "name", `"`+strings.Repeat("ả", 100)+`"`))},
	{name: "TextTooLong/Program", in: fc(village(pointGeom, "programs", `["`+strings.Repeat("p", 257)+`"]`)),
		want: []geo.Problem{prob(0, "LC-0001", "programs", geo.RuleTextTooLong,
			`program ID at index 0 longer than 256 bytes: "`+strings.Repeat("p", 40)+`…"`)}},
	{name: "TextControl/Newline", in: fc(village(pointGeom, "name", `"Bản\nKhoang"`)),
		want: []geo.Problem{prob(0, "LC-0001", "name", geo.RuleTextControl,
			`U+000A at byte 5 (control characters are refused): "Bản\nKhoang"`)}},
	{name: "TextControl/TerminalEscape", in: fc(village(pointGeom, "commune_name", `"\u001b[2J\u001b[31mX"`)),
		want: []geo.Problem{prob(0, "LC-0001", "commune_name", geo.RuleTextControl,
			`U+001B at byte 0 (control characters are refused): "\x1b[2J\x1b[31mX"`)}},
	{name: "TextControl/BidiOverride", in: fc(village(pointGeom, "province_name", `"Lào Cai\u202e"`)),
		want: []geo.Problem{prob(0, "LC-0001", "province_name", geo.RuleTextControl,
			`U+202E at byte 8 (control characters are refused): "Lào Cai\u202e"`)}},
	{name: "TimeTooOld/FoundAt", in: fc(village(pointGeom, "found_at", `"1999-12-31"`)),
		want: []geo.Problem{prob(0, "LC-0001", "found_at", geo.RuleTimeTooOld, `before 2000-01-01, the earliest date covmon accepts: "1999-12-31"`)}},
	{name: "RingDegenerate/OnePoint", in: fc(village(pointRingGeom)),
		want: []geo.Problem{prob(0, "LC-0001", "geometry.coordinates", geo.RuleRingDegenerate,
			"ring 0: ring has 1 distinct position; a ring needs at least 3")}},
	{name: "RingDegenerate/Line", in: fc(village(lineRingGeom)),
		want: []geo.Problem{prob(0, "LC-0001", "geometry.coordinates", geo.RuleRingDegenerate,
			"ring 0: ring encloses no area (0 square degrees): its positions lie on a line")}},
	{name: "RingSelfIntersection/BowTie", in: fc(village(bowTieGeom)),
		want: []geo.Problem{prob(0, "LC-0001", "geometry.coordinates", geo.RuleRingSelfIntersect,
			"ring 0: ring crosses itself: segment 0 [104.0, 22.0]–[104.02, 22.02] meets segment 2 [104.02, 22.0]–[104.0, 22.01] (a bow-tie; split it into two polygons)")}},
	{name: "CenterFar/Given", in: fc(village(polygonGeom, "center", "[105.2,22.01]")),
		want: []geo.Problem{prob(0, "LC-0001", "center", geo.RuleCenterFar,
			"center [105.2, 22.01] lies 121.8 km from the village's area; it must lie inside it or within 5 km of its edge")}},
	{name: "CenterFar/Near", in: fc(village(polygonGeom, "center", "[104.06,22.01]"))},
	{name: "TooManyProblems", in: fc(village(pointGeom, "grid_power", "1"), village(pointGeom, "village_id", `"LC-0002"`, "grid_power", "1")),
		opt: format.Options{MaxProblems: 1},
		want: []geo.Problem{
			prob(0, "LC-0001", "grid_power", geo.RuleFieldType, "want a boolean, got number 1"),
			prob(-1, "", "", geo.RuleTooManyProblems, "… and more problems: checking stopped after 2 problems (the report keeps 1 problem and 256 KiB)"),
		}},
}

var hardeningObservationCases = []ruleCase{
	{name: "DuplicateKey/Property", in: fc(`{"type":"Feature","geometry":null,"properties":{"village_id":"LC-0001","carrier":"viettel",` +
		`"technology":"4g","technology":"5g","has_signal":true,"observed_at":"2023-03-14"}}`),
		want: []geo.Problem{prob(0, "LC-0001", "", geo.RuleDuplicateKey, dupReasonTechnology)}},
	{name: "DuplicateKey/TopLevel", in: `{"type":"FeatureCollection","carrier":"viettel","carrier":"mobifone","features":[` +
		observation("null") + `]}`,
		want: []geo.Problem{prob(-1, "", "carrier", geo.RuleDuplicateKey,
			`member "carrier" appears more than once in one object (names are exact and may appear once)`)}},
	{name: "ExactKeys/Technology", in: fc(observation("null", "technology", "", "Technology", `"4g"`)),
		want: []geo.Problem{prob(0, "LC-0001", "technology", geo.RuleFieldMissing, "required property is missing")}},
	{name: "ExactKeys/FeatureType", in: fc(`{"TYPE":"Feature","geometry":null,"properties":{"village_id":"LC-0001","carrier":"viettel",` +
		`"technology":"4g","has_signal":true,"observed_at":"2023-03-14"}}`),
		want: []geo.Problem{prob(0, "LC-0001", "type", geo.RuleNotGeoJSON, `missing "type": "Feature"`)}},
	{name: "TextControl/Carrier", in: fc(observation("null", "carrier", `"viettel\r\n"`)),
		want: []geo.Problem{prob(0, "LC-0001", "carrier", geo.RuleTextControl,
			`U+000D at byte 7 (control characters are refused): "viettel\r\n"`)}},
	{name: "TextTooLong/Method", in: fc(observation("null", "method", `"`+strings.Repeat("m", 300)+`"`)),
		want: []geo.Problem{prob(0, "LC-0001", "method", geo.RuleTextTooLong,
			`longer than 256 bytes (300): "`+strings.Repeat("m", 40)+`…"`)}},
}

func init() {
	villageRuleCases = append(villageRuleCases, hardeningVillageCases...)
	observationRuleCases = append(observationRuleCases, hardeningObservationCases...)
}
