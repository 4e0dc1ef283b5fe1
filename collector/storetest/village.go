package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

func villageIDs(vs []geo.Village) []string {
	ids := []string{}
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	return ids
}

func contractCommitVillages(t *testing.T, h *Harness) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		db := h.Open(t)
		if err := db.UpsertProgram(ctx, geo.Program{ID: "4g-2030", Name: "4G"}); err != nil {
			t.Fatal(err)
		}
		area := orb.MultiPolygon{
			{{{103.90, 22.40}, {103.92, 22.40}, {103.92, 22.42}, {103.90, 22.40}}},
			{{{103.95, 22.45}, {103.96, 22.45}, {103.96, 22.46}, {103.95, 22.45}}},
		}
		want := geo.Village{
			ID: "LC-0001", Name: "Bản Khoang", CommuneCode: "02710", CommuneName: "Xã Tả Van",
			ProvinceCode: "15", ProvinceName: "Lào Cai", LegacyDistrictCode: "082",
			LegacyCommuneCode: "02710", Center: orb.Point{103.912, 22.401}, Area: area,
			GridPower: true, GridPowerSince: time.Date(2019, 6, 1, 0, 0, 0, 0, geo.Vietnam),
			Households: 84, Programs: []string{"4g-2030", "vls-2024"}, Baseline: false,
			FoundAt:  time.Date(2023, 2, 1, 0, 0, 0, 0, geo.Vietnam),
			Deadline: time.Date(2025, 6, 30, 17, 30, 0, 0, time.UTC),
		}
		zero := geo.Village{ID: "LC-0002", Name: "Bản Zero", Center: orb.Point{104, 22}}
		in := want
		in.Programs = []string{"vls-2024", "4g-2030", "vls-2024"} // unsorted, repeated
		u := mustCommitVillages(t, db, in, zero)
		if u.ID == 0 || u.Inserted != 2 || u.Result != geo.ResultAccepted {
			t.Fatalf("upload=%+v, want ID set, Inserted 2, accepted", u)
		}

		got, err := db.Village(ctx, "LC-0001")
		if err != nil {
			t.Fatal(err)
		}
		if !got.Deadline.Equal(want.Deadline) || !got.FoundAt.Equal(want.FoundAt) ||
			!got.GridPowerSince.Equal(want.GridPowerSince) {
			t.Fatalf("times=%v %v %v, want %v %v %v", got.Deadline, got.FoundAt,
				got.GridPowerSince, want.Deadline, want.FoundAt, want.GridPowerSince)
		}
		got.Deadline, got.FoundAt, got.GridPowerSince = want.Deadline, want.FoundAt, want.GridPowerSince
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("village=%+v\nwant    %+v", *got, want)
		}

		gotZero, err := db.Village(ctx, "LC-0002")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*gotZero, zero) {
			t.Fatalf("village=%+v\nwant    %+v", *gotZero, zero)
		}
	})

	t.Run("ReImport", func(t *testing.T) {
		db := h.Open(t)
		vs := testVillages(4)
		mustCommitVillages(t, db, vs...)

		vs[1].Households = 99                 // changed column
		vs[2].Programs = []string{"vls-2024"} // changed membership
		vs[3].Programs = nil                  // membership removed
		extra := geo.Village{ID: "V100", Name: "new", Center: orb.Point{105, 21}}
		u := mustCommitVillages(t, db, append(vs, extra)...)
		if got, want := u.Inserted, 4; got != want {
			t.Fatalf("Inserted=%d, want %d", got, want)
		}
		got, err := db.Villages(ctx, geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if want := append(vs, extra); !reflect.DeepEqual(got, want) {
			t.Fatalf("villages=%+v\nwant     %+v", got, want)
		}

		u = mustCommitVillages(t, db, vs...)
		if got, want := u.Inserted, 0; got != want {
			t.Fatalf("unchanged re-import: Inserted=%d, want %d", got, want)
		}
	})

	t.Run("ErrUnknownProgram", func(t *testing.T) {
		db := h.Open(t)
		vs := testVillages(2)
		vs[1].Programs = []string{"nope"}
		err := db.CommitVillages(ctx, newUpload(geo.KindVillages, ""), vs)
		if !errors.Is(err, geo.ErrNotFound) {
			t.Fatalf("err=%v, want ErrNotFound", err)
		}
		if got, _ := db.Villages(ctx, geo.VillageFilter{}); len(got) != 0 {
			t.Fatalf("villages=%d, want none written", len(got))
		}
		if got, _ := db.Uploads(ctx, geo.UploadFilter{}); len(got) != 0 {
			t.Fatalf("uploads=%d, want none written", len(got))
		}
	})

	t.Run("ErrDuplicateUpload", func(t *testing.T) {
		db := h.Open(t)
		first := mustCommitVillages(t, db, testVillages(2)...)
		u := *first
		u.ID, u.Inserted, u.FileName = 0, 0, "again.geojson"
		err := db.CommitVillages(ctx, &u, testVillages(3))
		if !errors.Is(err, geo.ErrDuplicateUpload) {
			t.Fatalf("err=%v, want ErrDuplicateUpload", err)
		}
		if u.DuplicateOf != first.ID || u.Result != geo.ResultDuplicate || u.ID != 0 {
			t.Fatalf("upload=%+v, want DuplicateOf %d, result duplicate, no ID", u, first.ID)
		}
		if _, err := db.Village(ctx, "V002"); !errors.Is(err, geo.ErrNotFound) {
			t.Fatalf("V002: err=%v, want nothing written", err)
		}
	})
}

func contractVillages(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(10)...)
	for _, tt := range []struct {
		name   string
		filter geo.VillageFilter
		want   []string
	}{
		{"All", geo.VillageFilter{}, []string{"V000", "V001", "V002", "V003", "V004", "V005", "V006", "V007", "V008", "V009"}},
		{"Province", geo.VillageFilter{ProvinceCode: "10"}, []string{"V001", "V003", "V005", "V007", "V009"}},
		{"Program", geo.VillageFilter{ProgramID: "vls-2024"}, []string{"V000", "V003", "V006", "V009"}},
		{"ProvinceAndProgram", geo.VillageFilter{ProvinceCode: "15", ProgramID: "vls-2024"}, []string{"V000", "V006"}},
		{"IDs", geo.VillageFilter{IDs: []string{"V009", "V002", "missing"}}, []string{"V002", "V009"}},
		{"NoMatch", geo.VillageFilter{ProvinceCode: "99"}, []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			vs, err := db.Villages(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := villageIDs(vs); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ids=%v, want %v", got, tt.want)
			}
		})
	}

	t.Run("KnownVillages", func(t *testing.T) {
		known, err := db.KnownVillages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustCommitVillages(t, db, geo.Village{ID: "LATER", Name: "later"})
		for id, want := range map[string]bool{"V000": true, "V009": true, "V010": false, "LATER": false} {
			if got := known(id); got != want {
				t.Errorf("known(%q)=%v, want %v", id, got, want)
			}
		}
	})
}

// TestDB_KnownVillagesFollowsRegistry pins that the cached registry IDs are read again after
// every accepted villages upload, and only then.
func contractKnownVillagesFollowsRegistry(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	known := func() func(string) bool {
		t.Helper()
		k, err := db.KnownVillages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if known()("A") {
		t.Fatal("empty registry knows A")
	}
	vs := testVillages(2)
	mustCommitVillages(t, db, vs[0])
	first := known()
	if !first(vs[0].ID) || first(vs[1].ID) {
		t.Fatalf("after the first registry: %v %v", first(vs[0].ID), first(vs[1].ID))
	}
	mustCommitVillages(t, db, vs[1])
	if k := known(); !k(vs[0].ID) || !k(vs[1].ID) {
		t.Errorf("after the second registry: %v %v", k(vs[0].ID), k(vs[1].ID))
	}
	if first(vs[1].ID) {
		t.Error("an earlier membership test changed under its caller")
	}
}
