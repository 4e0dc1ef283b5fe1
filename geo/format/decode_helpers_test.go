package format_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// testFile is the file name rule cases decode under.
const testFile = "t.geojson"

// fc wraps features in a FeatureCollection.
func fc(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

// Geometries for test features.
const (
	pointGeom   = `{"type":"Point","coordinates":[103.912,22.401]}`
	polygonGeom = `{"type":"Polygon","coordinates":[[[104.0,22.0],[104.02,22.0],[104.02,22.02],[104.0,22.0]]]}`
)

// villageBase and observationBase are the minimal valid properties, as key, raw JSON pairs.
var (
	villageBase = []string{
		"village_id", `"LC-0001"`, "name", `"Bản Khoang"`, "commune_code", `"02710"`,
		"province_code", `"15"`, "grid_power", "true",
	}
	observationBase = []string{
		"village_id", `"LC-0001"`, "carrier", `"viettel"`, "technology", `"4g"`,
		"has_signal", "true", "observed_at", `"2023-03-14"`,
	}
)

// village returns a villages/v1 feature with geometry geom (raw JSON) and the minimal valid
// properties changed by overrides: key, raw JSON value pairs. An empty value deletes the key; a
// new key is appended.
func village(geom string, overrides ...string) string { return feature(geom, villageBase, overrides) }

// observation is village for observations/v1.
func observation(geom string, overrides ...string) string {
	return feature(geom, observationBase, overrides)
}

func feature(geom string, base, overrides []string) string {
	kv := slices.Clone(base)
	for i := 0; i+1 < len(overrides); i += 2 {
		k, v := overrides[i], overrides[i+1]
		j := 0
		for j < len(kv) && kv[j] != k {
			j += 2
		}
		switch {
		case j == len(kv):
			kv = append(kv, k, v)
		case v == "":
			kv = slices.Delete(kv, j, j+2)
		default:
			kv[j+1] = v
		}
	}
	var b strings.Builder
	b.WriteString(`{"type":"Feature","geometry":` + geom + `,"properties":{`)
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + kv[i] + `":` + kv[i+1])
	}
	b.WriteString("}}")
	return b.String()
}

// prob is a Problem in testFile.
func prob(feature int, villageID, field, rule, reason string) geo.Problem {
	return geo.Problem{File: testFile, Feature: feature, VillageID: villageID, Field: field, Rule: rule, Reason: reason}
}

// ruleCase is one input and the exact problems it must produce (none: the input is valid).
type ruleCase struct {
	name string
	in   string
	opt  format.Options
	want []geo.Problem
}

// decodeFunc is DecodeVillages or DecodeObservations with the result reduced to its length.
type decodeFunc func(in string, opt format.Options) (int, error)

func decodeVillages(in string, opt format.Options) (int, error) {
	vs, err := format.DecodeVillages(strings.NewReader(in), opt)
	return len(vs), err
}

func decodeObservations(in string, opt format.Options) (int, error) {
	os, err := format.DecodeObservations(strings.NewReader(in), opt)
	return len(os), err
}

// problemsOf returns the problems of a *ValidationError, failing the test on any other error.
func problemsOf(t *testing.T, err error) []geo.Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *geo.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err=%v (%T), want *geo.ValidationError", err, err)
	}
	if ve.File != testFile {
		t.Errorf("ValidationError.File=%q, want %q", ve.File, testFile)
	}
	if len(ve.Problems) == 0 {
		t.Error("ValidationError without problems")
	}
	return ve.Problems
}

// runRuleCases decodes every case and compares the problems exactly.
func runRuleCases(t *testing.T, decode decodeFunc, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt := tc.opt
			opt.File = testFile
			n, err := decode(tc.in, opt)
			got := problemsOf(t, err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", fmtProblems(got), fmtProblems(tc.want))
			}
			if err != nil && n != 0 {
				t.Errorf("got %d results with an error, want none", n)
			}
			if err == nil && n == 0 && strings.Contains(tc.in, `"Feature"`) {
				t.Errorf("got no results for a valid file with features")
			}
		})
	}
}

func fmtProblems(ps []geo.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.Rule + " | " + p.String() + "\n")
	}
	if len(ps) == 0 {
		b.WriteString("  (none)\n")
	}
	return b.String()
}
