package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
)

// TestQueryPlans_StatusReads pins the plans migration 0038 gave covmon status's reads (a speed
// bound asserted without a stopwatch): the history walk reads observations_latest alone (a
// covering index: no lookup of each row) in its order (no temporary B-tree, for a program's
// villages neither: village_programs_program is unique), and the open's look-up of villages
// without a search key is a search of the partial index, not a scan of the registry.
func TestQueryPlans_StatusReads(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustCommitVillages(t, db, testVillages(20)...)
	for _, f := range []geo.VillageFilter{{}, {ProgramID: "vls-2024"}, {ProvinceCode: "15"}} {
		history, keys, err := db.QueryPlans(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(history, "\n")
		if !strings.Contains(plan, "COVERING INDEX observations_latest") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%+v: the history walk's plan\n%s\nwant observations_latest as a covering index and no temporary B-tree", f, plan)
		}
		if plan := strings.Join(keys, "\n"); !strings.Contains(plan, "villages_search_key_missing") {
			t.Errorf("villages without a search key: plan\n%s\nwant a search of villages_search_key_missing", plan)
		}
	}
}
