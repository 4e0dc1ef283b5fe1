package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo/cover"
)

func contractVillageShapes(t *testing.T, h *Harness) {
	db := h.Open(t)
	vs := testVillages(3)
	area := orb.Polygon{{{103.9, 22.4}, {103.91, 22.4}, {103.91, 22.41}, {103.9, 22.4}}}
	vs[1].Area = area
	mustCommitVillages(t, db, vs...)

	ids, shapes, err := db.VillageShapes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids, villageIDs(vs); !slices.Equal(got, want) {
		t.Errorf("ids=%v, want %v", got, want)
	}
	for i, s := range shapes {
		if s.Center != vs[i].Center {
			t.Errorf("shape %d centre=%v, want %v", i, s.Center, vs[i].Center)
		}
	}
	if shapes[0].Area != nil || !orb.Equal(shapes[1].Area, area) {
		t.Errorf("areas: %v, %v", shapes[0].Area, shapes[1].Area)
	}
	// The shapes index the same points as the full villages.
	if a, b := cover.NewIndexShapes(shapes), cover.NewIndex(vs); a.Points() != b.Points() || a.Len() != b.Len() {
		t.Errorf("index from shapes: %d points, from villages: %d", a.Points(), b.Points())
	}
}
