package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// testVillages returns n villages V000…: even ones in province 15, odd ones in 10; every
// third one in program vls-2024.
func testVillages(n int) []geo.Village {
	vs := make([]geo.Village, n)
	for i := range vs {
		v := geo.Village{
			ID:           fmt.Sprintf("V%03d", i),
			Name:         fmt.Sprintf("Bản %d", i),
			CommuneCode:  "02710",
			ProvinceCode: "15",
			ProvinceName: "Lào Cai",
			Center:       orb.Point{103.9 + float64(i)/1000, 22.4},
			GridPower:    true,
			Baseline:     true,
		}
		if i%2 == 1 {
			v.ProvinceCode, v.ProvinceName = "10", "Lai Châu"
		}
		if i%3 == 0 {
			v.Programs = []string{"vls-2024"}
		}
		vs[i] = v
	}
	return vs
}

// mustCommitVillages creates the default program and commits vs in a new upload.
func mustCommitVillages(tb testing.TB, db *sqlite.DB, vs ...geo.Village) *geo.Upload {
	tb.Helper()
	ctx := context.Background()
	if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		tb.Fatal(err)
	}
	u := newUpload(geo.KindVillages, "")
	u.Features = len(vs)
	if err := db.CommitVillages(ctx, u, vs); err != nil {
		tb.Fatal(err)
	}
	return u
}
