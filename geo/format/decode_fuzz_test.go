package format_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// fuzzSeeds adds the golden inputs and a few edge cases to the corpus.
func fuzzSeeds(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.geojson")
	hostile, _ := filepath.Glob("../../cmd/covmon/testdata/hostile/*.geojson") // the hostile corpus of TestHostile
	for _, p := range append(paths, hostile...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "\xEF\xBB\xBF", "null", "[]", "{", `{"features":{}}`, `{"features":[[],{},null,1,"x"]}`,
		fc(observation(`{"type":"Point","coordinates":[[1]]}`)),
		fc(village(`{"type":"MultiPolygon","coordinates":[[[]],[[[1e400,2]]]]}`)),
		fc(observation("null", "observed_at", `"2024-05-01T8:30:00Z"`, "rsrp_dbm", "-1e309")),
		`{"type":"FeatureCollection","features":[` + strings.Repeat(" ", 5000) + fc(observation("null")) + `],"features":[]}`,
		fc(village(polygonGeom, "name", `"a\u202eb"`, "Name", `"x"`, "center", "[117,23]")),
	} {
		f.Add([]byte(s))
	}
}

// checkFuzzResult asserts what must hold for any input: either results, or a ValidationError
// with at most MaxProblems problems, each with a known rule and a reason.
func checkFuzzResult(t *testing.T, n int, err error) {
	if err == nil {
		return
	}
	var ve *geo.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err=%v (%T), want *geo.ValidationError for in-memory input", err, err)
	}
	if n != 0 {
		t.Errorf("%d results with an error", n)
	}
	if len(ve.Problems) == 0 || len(ve.Problems) > 50 {
		t.Errorf("%d problems, want 1..50", len(ve.Problems))
	}
	for _, p := range ve.Problems {
		if !slices.Contains(geo.Rules, p.Rule) || p.Reason == "" || p.Feature < -1 || p.File != "fuzz.geojson" {
			t.Errorf("bad problem %+v", p)
		}
	}
}

func FuzzDecodeObservations(f *testing.F) {
	fuzzSeeds(f)
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, geo.Vietnam)
	f.Fuzz(func(t *testing.T, in []byte) {
		opt := format.Options{File: "fuzz.geojson", Now: now, MaxProblems: 50, KnownVillage: knownLC}
		os, err := format.DecodeObservations(bytes.NewReader(in), opt)
		checkFuzzResult(t, len(os), err)
	})
}

func FuzzDecodeVillages(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		vs, err := format.DecodeVillages(bytes.NewReader(in), format.Options{File: "fuzz.geojson", MaxProblems: 50})
		checkFuzzResult(t, len(vs), err)
	})
}
