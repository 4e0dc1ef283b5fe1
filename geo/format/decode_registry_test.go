package format_test

import (
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

func regFeature(id, extra string) string {
	return `{"type":"Feature","geometry":{"type":"Point","coordinates":[103.9,22.4]},"properties":{"village_id":"` + id +
		`","name":"Bản","commune_code":"02710","province_code":"15","grid_power":true` + extra + `}}`
}

// TestDecodeRegistry_History: the top-level effective and the per-village predecessors.
func TestDecodeRegistry_History(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, geo.Vietnam)
	known := func(id string) bool { return id == "A" || id == "B" || id == "C" }
	opt := format.Options{File: "r.geojson", Now: now, KnownVillage: known}
	file := func(top string, fs ...string) string {
		return `{"type":"FeatureCollection","covmon_schema":"villages/v1"` + top + `,"features":[` + strings.Join(fs, ",") + `]}`
	}

	reg, err := format.DecodeRegistry(strings.NewReader(file(`,"effective":"2026-02-01"`, regFeature("AB", `,"predecessors":["A","B"]`))), opt)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 2, 1, 0, 0, 0, 0, geo.Vietnam); !reg.Effective.Equal(want) || len(reg.Villages) != 1 ||
		strings.Join(reg.Villages[0].Predecessors, ",") != "A,B" {
		t.Errorf("got effective %v, villages %+v", reg.Effective, reg.Villages)
	}
	// No effective: zero (the upload's time applies); old files read as before.
	if reg, err := format.DecodeRegistry(strings.NewReader(file("", regFeature("A", ""))), opt); err != nil || !reg.Effective.IsZero() {
		t.Errorf("no effective: %v %v", reg.Effective, err)
	}

	for _, c := range []struct {
		name, in         string
		field, rule, why string
	}{
		{"EffectiveFuture", file(`,"effective":"2026-04-01"`, regFeature("A", "")), "effective", geo.RuleTimeFuture, "after the upload time"},
		{"EffectiveBad", file(`,"effective":"1 July"`, regFeature("A", "")), "effective", geo.RuleTimeUnparsable, "1 July"},
		{"Self", file("", regFeature("A", `,"predecessors":["A"]`)), "predecessors", geo.RuleFieldInvalid, "itself"},
		{"Unknown", file("", regFeature("D", `,"predecessors":["Z"]`)), "predecessors", geo.RuleUnknownVillage, `"Z"`},
		{"Twice", file("", regFeature("D", `,"predecessors":["A","A"]`)), "predecessors", geo.RuleDuplicateRow, "twice"},
		{"NotArray", file("", regFeature("D", `,"predecessors":"A"`)), "predecessors", geo.RuleFieldType, "array"},
		{"AlsoListed", file("", regFeature("D", `,"predecessors":["A"]`), regFeature("A", "")), "predecessors", geo.RuleFieldInvalid, "also listed as feature 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := format.DecodeRegistry(strings.NewReader(c.in), opt)
			ve, ok := err.(*geo.ValidationError)
			if !ok || len(ve.Problems) != 1 {
				t.Fatalf("err=%v, want one problem", err)
			}
			p := ve.Problems[0]
			if p.Field != c.field || p.Rule != c.rule || !strings.Contains(p.Reason, c.why) || p.File != "r.geojson" {
				t.Errorf("problem %+v, want %s %s …%s…", p, c.field, c.rule, c.why)
			}
		})
	}
}
