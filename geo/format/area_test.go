package format_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// areaNow is the upload time of every decoder test.
var areaNow = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

const areaSquare = `{"type":"Polygon","coordinates":[[[105,21],[105.1,21],[105.1,21.1],[105,21.1],[105,21]]]}`

// areaFeature is a valid feature with geometry geom and properties props (a JSON object body).
func areaFeature(geom, props string) string {
	return `{"type":"Feature","geometry":` + geom + `,"properties":{` + props + `}}`
}

const areaProps = `"technology":"4g","observed_at":"2024-06-01"`

// areaFile wraps features in an areas/v1 collection of carrier viettel.
func areaFile(features ...string) string {
	return `{"type":"FeatureCollection","covmon_schema":"areas/v1","carrier":"viettel","features":[` +
		strings.Join(features, ",") + `]}`
}

// areaStream decodes in with the test options, returning the valid areas and the problems.
func areaStream(t *testing.T, in string, opt format.Options) ([]geo.CoverageArea, []geo.Problem) {
	t.Helper()
	opt.File = "a.geojson"
	if opt.Now.IsZero() {
		opt.Now = areaNow
	}
	var got []geo.CoverageArea
	err := format.StreamAreas(strings.NewReader(in), opt, func(_ int, a *geo.CoverageArea) error {
		got = append(got, *a)
		return nil
	})
	if err == nil {
		return got, nil
	}
	var ve *geo.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("StreamAreas: %v, want a *ValidationError", err)
	}
	if ve.File != "a.geojson" {
		t.Errorf("ValidationError.File = %q", ve.File)
	}
	return got, ve.Problems
}

func areaProb(feature int, field, rule, reason string) geo.Problem {
	return geo.Problem{File: "a.geojson", Feature: feature, Field: field, Rule: rule, Reason: reason}
}

// TestStreamAreas_Valid checks what a valid file decodes to.
func TestStreamAreas_Valid(t *testing.T) {
	in := "\xEF\xBB\xBF" + `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4326"}},` +
		`"bbox":[1,2,3,4],"x-tool":{"a":[1,{"b":null}]},"carrier":"viettel","features":[` +
		areaFeature(areaSquare, areaProps+`,"min_rsrp_dbm":-110,"extra":[1,2]`) + `,` +
		`{"id":7,"properties":{"carrier":"Viettel","technology":"5G","observed_at":"2024-06-01T08:30:00+07:00","method":"drive_test","min_dl_mbps":20},` +
		`"geometry":{"coordinates":[[[[105,21,12.5],[105.1,21,0],[105,21.1,0],[105,21,0]]],[[[106,21],[106.1,21],[106,21.1],[106,21]],[[106.01,21.01],[106.02,21.01],[106.01,21.02],[106.01,21.01]]]],"type":"MultiPolygon"},"type":"Feature"}` +
		`],"covmon_schema":"areas/v1"}` + "\n"
	got, probs := areaStream(t, in, format.Options{})
	if probs != nil {
		t.Fatalf("problems: %v", probs)
	}
	if len(got) != 2 {
		t.Fatalf("got %d areas, want 2", len(got))
	}
	a, b := got[0], got[1]
	if a.Carrier != "viettel" || a.Technology != geo.Tech4G || a.Method != "model" ||
		!a.ObservedAt.Equal(time.Date(2024, 6, 1, 0, 0, 0, 0, geo.Vietnam)) ||
		a.MinRSRPdBm == nil || *a.MinRSRPdBm != -110 || a.MinDLMbps != nil {
		t.Errorf("area 0 = %+v", a)
	}
	if got, want := fmt.Sprint(a.Geometry), "[[[[105 21] [105.1 21] [105.1 21.1] [105 21.1] [105 21]]]]"; got != want {
		t.Errorf("area 0 geometry = %s, want %s", got, want)
	}
	if b.Carrier != "viettel" || b.Technology != geo.Tech5G || b.Method != "drive_test" ||
		!b.ObservedAt.Equal(time.Date(2024, 6, 1, 1, 30, 0, 0, time.UTC)) || b.MinDLMbps == nil || *b.MinDLMbps != 20 {
		t.Errorf("area 1 = %+v", b)
	}
	if len(b.Geometry) != 2 || len(b.Geometry[1]) != 2 || b.Geometry[0][0][0] != [2]float64{105, 21} {
		t.Errorf("area 1 geometry = %v", b.Geometry)
	}
}

// TestStreamAreas_Numbers checks the number parser against strconv on awkward spellings.
func TestStreamAreas_Numbers(t *testing.T) {
	tests := []struct {
		name string
		lon  string
		want float64
	}{
		{"integer", "105", 105},
		{"fraction", "105.123456789012", 105.123456789012},
		{"17 digits", "105.12345678901234", 105.12345678901234},
		{"exponent", "1.05e2", 105},
		{"negative exponent", "10500e-2", 105},
		{"leading zeros in fraction", "105.000000000000000000001", 105.000000000000000000001},
		{"many digits", "105.99999999999999999999999", 105.99999999999999999999999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			geom := `{"type":"Polygon","coordinates":[[[` + tt.lon + `,21],[105.5,21],[105.5,21.5],[` + tt.lon + `,21]]]}`
			got, probs := areaStream(t, areaFile(areaFeature(geom, areaProps)), format.Options{})
			if probs != nil {
				t.Fatal(probs)
			}
			if g := got[0].Geometry[0][0][0][0]; g != tt.want {
				t.Errorf("got %v, want %v", g, tt.want)
			}
		})
	}
}

// TestStreamAreas_FnError checks that an error from fn stops the stream and is returned.
func TestStreamAreas_FnError(t *testing.T) {
	stop := errors.New("stop")
	var fs []string
	for range 5000 {
		fs = append(fs, areaFeature(areaSquare, areaProps))
	}
	calls := 0
	err := format.StreamAreas(strings.NewReader(areaFile(fs...)), format.Options{Now: areaNow}, func(i int, _ *geo.CoverageArea) error {
		if i != calls {
			t.Fatalf("index %d, want %d", i, calls)
		}
		calls++
		if i == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 11 {
		t.Errorf("got %v after %d calls, want stop after 11", err, calls)
	}
}

// TestStreamAreas_MaxProblems checks the cap and Truncated.
func TestStreamAreas_MaxProblems(t *testing.T) {
	var fs []string
	for range 20 {
		fs = append(fs, areaFeature(areaSquare, `"technology":"9g","observed_at":"2024-06-01"`))
	}
	err := format.StreamAreas(strings.NewReader(areaFile(fs...)), format.Options{Now: areaNow, MaxProblems: 5}, func(int, *geo.CoverageArea) error { return nil })
	var ve *geo.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 6 || !ve.Truncated {
		t.Fatalf("got %v", err)
	}
	last := ve.Problems[5]
	if last.Rule != geo.RuleTooManyProblems || last.Reason != "… and 15 more problems (the report keeps 5 problems and 256 KiB)" {
		t.Errorf("summary %+v", last)
	}
}
