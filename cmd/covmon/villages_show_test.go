package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestMain_VillagesShow: after a move and a merge, covmon villages show prints a village's
// registry versions, its lineage, and its predecessors' observations marked as theirs; a
// retired village is shown with its retirement.
func TestMain_VillagesShow(t *testing.T) {
	db := t.TempDir() + "/v.db"
	feature := func(id, province, commune, extra string) string {
		return `{"type":"Feature","geometry":{"type":"Point","coordinates":[103.91,22.40]},"properties":{"village_id":"` + id +
			`","name":"Bản ` + id + `","commune_code":"` + commune + `","province_code":"` + province + `","grid_power":true` + extra + `}}`
	}
	registry := func(effective string, fs ...string) string {
		return `{"type":"FeatureCollection","covmon_schema":"villages/v1","effective":"` + effective + `","features":[` + strings.Join(fs, ",") + `]}`
	}
	mustRun(t, db, "villages", "import", writeFile(t, "r0.geojson", registry("2025-01-01", feature("T-1", "15", "02710", ""), feature("T-2", "15", "02710", ""))))
	mustRun(t, db, "ingest", "--carrier", "viettel", writeFile(t, "o.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"4g","has_signal":false,"observed_at":"2025-03-01"}}]}`))
	mustRun(t, db, "villages", "import", writeFile(t, "r1.geojson", registry("2025-06-01", feature("T-12", "15", "02710", `,"predecessors":["T-1","T-2"]`))))
	mustRun(t, db, "villages", "import", writeFile(t, "r2.geojson", registry("2025-09-01", feature("T-12", "08", "08101", ""))))

	out := mustRun(t, db, "villages", "show", "T-12")
	for _, want := range []string{
		"Village T-12 Bản T-12 (08101 , 08 )",
		"2025-06-01 00:00  2025-09-01 00:00", // the first version, in province 15
		"2025-09-01 00:00  now",
		"T-1 → T-12 on 2025-06-01 00:00",
		"T-2 → T-12 on 2025-06-01 00:00",
		"T-1 (predecessor)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("villages show T-12: no %q in\n%s", want, out)
		}
	}
	// Each observation says when its upload was received, beside when it was observed: a
	// report sent late counts from what it describes (docs/figures.md, "As of a past instant").
	if !regexp.MustCompile(`OBSERVED +CARRIER +TECH +SIGNAL +SOURCE +UPLOAD +RECEIVED`).MatchString(out) ||
		!regexp.MustCompile(`2025-03-01 00:00 +viettel +4g +false +carrier +2 +20\d\d-\d\d-\d\d \d\d:\d\d +T-1 \(predecessor\)`).MatchString(out) {
		t.Errorf("villages show T-12: the observation's receipt is not shown:\n%s", out)
	}
	out = mustRun(t, db, "villages", "show", "T-1")
	for _, want := range []string{"Retired on 2025-06-01 00:00.", "Status as of 2025-05-31 23:59: dead_zone", "always", "(retired)", "T-1 → T-12"} {
		if !strings.Contains(out, want) {
			t.Errorf("villages show T-1: no %q in\n%s", want, out)
		}
	}
	if _, _, err := run(t, db, "villages", "show", "NOPE"); err == nil || !strings.Contains(err.Error(), `no village "NOPE"`) {
		t.Errorf("unknown village: %v", err)
	}
}
