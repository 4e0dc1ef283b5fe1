package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// contractCommitVillages_FirstImport pins that a first import (an empty registry: the stores'
// bulk paths, which skip the comparison and build the secondary indexes once at the end)
// stores the same rows as the comparing path of an import into a registry that already holds
// a village: the same villages with their programs, areas and deadlines, the same versions
// and successions, the same count. Once with every village new, once with a village named a
// second time in a later batch (the rest of that upload then compares), with a successor and
// its predecessor in the same file either way.
func contractCommitVillages_FirstImport(t *testing.T, h *Harness) {
	ctx := context.Background()
	upload := func(twice bool) []geo.Village {
		vs := testVillages(450)
		vs[2].Area = orb.Polygon{{{103.9, 22.4}, {103.91, 22.4}, {103.91, 22.41}, {103.9, 22.4}}}
		vs[4].Deadlines = map[string]time.Time{"vls-2024": day(20)}
		vs[5].Households, vs[5].GridPowerSince, vs[5].CommuneName = 120, day(3), "Xã Tả Van"
		vs[6].Baseline, vs[6].FoundAt = false, day(4)
		vs[8].Programs = []string{"vls-2024", "vls-2024"} // a repeat is one membership
		succ := vs[9]
		succ.ID, succ.Name, succ.Predecessors = "V900", "Bản 1 mới", []string{"V001"}
		vs = append(vs, succ)
		if twice {
			again := vs[3]
			again.Name, again.Programs = "Bản 3 (đổi tên)", []string{"vls-2024"}
			vs = append(vs, again)
		}
		return vs
	}
	type result struct {
		inserted   int
		villages   []geo.Village
		versions   []geo.VillageVersion
		successors []geo.Succession
	}
	commit := func(t *testing.T, db Store, vs []geo.Village) result {
		t.Helper()
		u := newUpload(geo.KindVillages, "")
		if err := db.CommitVillageStream(ctx, u, batchesOf(vs, 100)); err != nil {
			t.Fatal(err)
		}
		var r result
		r.inserted = u.Inserted
		all, err := db.Villages(ctx, geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range all {
			if v.ID != "X000" {
				r.villages = append(r.villages, v)
			}
		}
		if r.versions, err = db.VillageVersions(ctx, geo.VillageFilter{}); err != nil {
			t.Fatal(err)
		}
		kept := r.versions[:0]
		for _, v := range r.versions {
			if v.ID == "X000" {
				continue
			}
			if v.UploadID != u.ID {
				t.Errorf("version of %s from upload %d, want %d", v.ID, v.UploadID, u.ID)
			}
			v.UploadID = 0
			kept = append(kept, v)
		}
		r.versions = kept
		if r.successors, err = db.Successions(ctx, "V900"); err != nil {
			t.Fatal(err)
		}
		for i := range r.successors {
			if r.successors[i].UploadID != u.ID {
				t.Errorf("succession from upload %d, want %d", r.successors[i].UploadID, u.ID)
			}
			r.successors[i].UploadID = 0
		}
		return r
	}
	for _, twice := range []bool{false, true} {
		t.Run(fmt.Sprintf("NamedTwice=%t", twice), func(t *testing.T) {
			first := h.Open(t)
			if err := first.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
				t.Fatal(err)
			}
			got := commit(t, first, upload(twice))

			compared := h.Open(t)
			mustCommitVillages(t, compared, geo.Village{ID: "X000", Name: "Bản khác", Center: orb.Point{104, 22}})
			want := commit(t, compared, upload(twice))

			wantInserted := 452 // 451 new villages and V001's retirement
			if twice {
				wantInserted++ // V003 changed by its second write
			}
			if got.inserted != wantInserted || want.inserted != wantInserted {
				t.Errorf("Inserted: first import %d, comparing path %d; want %d", got.inserted, want.inserted, wantInserted)
			}
			if len(got.villages) != 450 { // V001 retired
				t.Errorf("first import: %d villages today, want 450", len(got.villages))
			}
			if !reflect.DeepEqual(got.villages, want.villages) {
				t.Errorf("villages differ:\nfirst import   %+v\ncomparing path %+v", got.villages[:6], want.villages[:6])
			}
			if !reflect.DeepEqual(got.versions, want.versions) {
				t.Errorf("versions differ:\nfirst import   %+v\ncomparing path %+v", got.versions, want.versions)
			}
			if len(got.successors) != 1 || !reflect.DeepEqual(got.successors, want.successors) {
				t.Errorf("successions: first import %+v, comparing path %+v; want V001 → V900", got.successors, want.successors)
			}
			v3, err := first.Village(ctx, "V003")
			if err != nil {
				t.Fatal(err)
			}
			if twice && (v3.Name != "Bản 3 (đổi tên)" || fmt.Sprint(v3.Programs) != "[vls-2024]") {
				t.Errorf("V003 = %+v, want its second write", v3)
			}
			if n := h.QueryInt(t, first, `SELECT count(*) FROM village_programs`); n != 150+2 {
				t.Errorf("memberships after the first import: %d, want 152 (V008 once, V900 as V009)", n)
			}

			// A re-import of the same file compares: nothing changes (the file's second
			// V003, if any, writes it back and forth again).
			u := newUpload(geo.KindVillages, "")
			if err := first.CommitVillageStream(ctx, u, batchesOf(upload(twice), 100)); err != nil {
				t.Fatal(err)
			}
			if wantAgain := map[bool]int{false: 0, true: 2}[twice]; u.Inserted != wantAgain {
				t.Errorf("re-import: Inserted = %d, want %d", u.Inserted, wantAgain)
			}
		})
	}
}
