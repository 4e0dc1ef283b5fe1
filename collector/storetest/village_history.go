package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// commitAt commits vs as a registry upload effective at eff (zero: its receipt).
func commitAt(t *testing.T, db Store, eff time.Time, vs ...geo.Village) (*geo.Upload, error) {
	t.Helper()
	u := newUpload(geo.KindVillages, "")
	u.Features = len(vs)
	u.Effective = eff
	return u, db.CommitVillages(context.Background(), u, vs)
}

// idsAsOf lists the IDs of the registry as of at, each with its province.
func idsAsOf(t *testing.T, db Store, at time.Time, f geo.VillageFilter) string {
	t.Helper()
	f.AsOf = at
	vs, err := db.Villages(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range vs {
		out = append(out, v.ID+"@"+v.ProvinceCode+strings.Join(v.Programs, "+"))
	}
	return fmt.Sprint(out)
}

// contractRegistryHistory: a change keeps the old version until the effective instant; as-of
// reads (including their province, program and name filters) see each village as it was;
// today's read leaves retired villages out; VillageVersions lists every version.
func contractRegistryHistory(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	if err := db.UpsertProgram(ctx, geo.Program{ID: "p2", Name: "P2"}); err != nil {
		t.Fatal(err)
	}
	vs := testVillages(3) // V000 (15, vls-2024), V001 (10), V002 (15)
	mustCommitVillages(t, db, vs...)
	d := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, geo.Vietnam) }

	// V000 moves to province 10 and into p2 on 2025-07-01.
	v := vs[0]
	v.ProvinceCode, v.CommuneCode, v.Programs = "10", "03001", []string{"p2", "vls-2024"}
	if u, err := commitAt(t, db, d(2025, 7, 1), v); err != nil || u.Inserted != 1 {
		t.Fatalf("move: %v %+v", err, u)
	}
	for _, c := range []struct {
		at   time.Time
		f    geo.VillageFilter
		want string
	}{
		{d(2025, 6, 30), geo.VillageFilter{}, "[V000@15vls-2024 V001@10 V002@15]"},
		{d(2025, 7, 1), geo.VillageFilter{}, "[V000@10p2+vls-2024 V001@10 V002@15]"},
		{d(2025, 6, 30), geo.VillageFilter{ProvinceCode: "15"}, "[V000@15vls-2024 V002@15]"},
		{d(2025, 7, 2), geo.VillageFilter{ProvinceCode: "15"}, "[V002@15]"},
		{d(2025, 6, 30), geo.VillageFilter{ProgramID: "p2"}, "[]"},
		{d(2025, 7, 2), geo.VillageFilter{ProgramID: "p2"}, "[V000@10p2+vls-2024]"},
		{d(2025, 6, 30), geo.VillageFilter{IDs: []string{"V000"}}, "[V000@15vls-2024]"},
		{d(2025, 6, 30), geo.VillageFilter{Name: "ban 0"}, "[V000@15vls-2024]"},
	} {
		if got := idsAsOf(t, db, c.at, c.f); got != c.want {
			t.Errorf("as of %s %+v: %s, want %s", c.at.Format(time.DateOnly), c.f, got, c.want)
		}
	}

	// A change of programs alone is a version too.
	v2 := vs[2]
	v2.Programs = []string{"p2"}
	if u, err := commitAt(t, db, d(2025, 8, 1), v2); err != nil || u.Inserted != 1 {
		t.Fatalf("programs: %v %+v", err, u)
	}
	if got, want := idsAsOf(t, db, d(2025, 7, 31), geo.VillageFilter{IDs: []string{"V002"}}), "[V002@15]"; got != want {
		t.Errorf("V002 before joining p2: %s, want %s", got, want)
	}
	if got, want := idsAsOf(t, db, d(2025, 8, 1), geo.VillageFilter{ProgramID: "p2"}), "[V000@10p2+vls-2024 V002@15p2]"; got != want {
		t.Errorf("p2 after V002 joined: %s, want %s", got, want)
	}

	// A change dated before the village's current version is refused; nothing is written.
	v.Households = 40
	if _, err := commitAt(t, db, d(2025, 1, 1), v); !errors.Is(err, geo.ErrConflict) || !strings.Contains(err.Error(), `"V000"`) {
		t.Errorf("out-of-order change: err=%v, want a conflict naming V000", err)
	}

	// Split: V001 splits into V001a and V001b on 2025-09-01 (both name it).
	a, b := vs[1], vs[1]
	a.ID, a.Predecessors = "V001a", []string{"V001"}
	b.ID, b.Predecessors = "V001b", []string{"V001"}
	if u, err := commitAt(t, db, d(2025, 9, 1), a, b); err != nil || u.Inserted != 3 {
		t.Fatalf("split: %v %+v", err, u)
	}
	if got, want := idsAsOf(t, db, d(2025, 8, 31), geo.VillageFilter{ProvinceCode: "10"}), "[V000@10p2+vls-2024 V001@10]"; got != want {
		t.Errorf("before the split: %s, want %s", got, want)
	}
	if got, want := idsAsOf(t, db, d(2025, 9, 1), geo.VillageFilter{ProvinceCode: "10"}), "[V000@10p2+vls-2024 V001a@10 V001b@10]"; got != want {
		t.Errorf("after the split: %s, want %s", got, want)
	}
	cur, err := db.Villages(ctx, geo.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(villageIDs(cur)), "[V000 V001a V001b V002]"; got != want {
		t.Errorf("today: %s, want %s", got, want)
	}
	// The retired village stays readable by ID, with its retirement; its lineage names its
	// successors, theirs their predecessor.
	if rv, err := db.Village(ctx, "V001"); err != nil || !rv.RetiredAt.Equal(d(2025, 9, 1)) {
		t.Errorf("retired V001: %+v %v", rv, err)
	}
	if lv, err := db.Village(ctx, "V000"); err != nil || !lv.RetiredAt.IsZero() {
		t.Errorf("V000: %+v %v", lv, err)
	}
	for _, id := range []string{"V001", "V001a"} {
		ss, err := db.Successions(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range ss {
			got = append(got, s.Predecessor+">"+s.Successor+"@"+ymd(s.Effective))
		}
		want := map[string]string{"V001": "[V001>V001a@2025-09-01 V001>V001b@2025-09-01]", "V001a": "[V001>V001a@2025-09-01]"}[id]
		if fmt.Sprint(got) != want {
			t.Errorf("successions of %s: %v, want %s", id, got, want)
		}
	}

	// A retired village cannot change, nor be retired again into another successor.
	old := vs[1]
	old.Households = 7
	if _, err := commitAt(t, db, time.Time{}, old); !errors.Is(err, geo.ErrConflict) || !strings.Contains(err.Error(), "retired") {
		t.Errorf("change to a retired village: err=%v", err)
	}
	c := vs[2]
	c.ID, c.Predecessors = "V00X", []string{"V001"}
	if _, err := commitAt(t, db, time.Time{}, c); !errors.Is(err, geo.ErrConflict) {
		t.Errorf("retiring a retired village again: err=%v", err)
	}
	// The split again (the registry re-imported whole) changes nothing.
	if u, err := commitAt(t, db, d(2025, 10, 1), a, b); err != nil || u.Inserted != 0 {
		t.Errorf("split again: %v %+v", err, u)
	}
	// An unknown predecessor is refused.
	c.Predecessors = []string{"NOPE"}
	if _, err := commitAt(t, db, time.Time{}, c); !errors.Is(err, geo.ErrNotFound) {
		t.Errorf("unknown predecessor: err=%v", err)
	}
	// A retired village cannot become a successor: V001 (retired into V001a) naming V001a
	// would retire V001a into a village in no figure, and make the lineage a cycle.
	cyc := vs[1]
	cyc.Predecessors = []string{"V001a"}
	if _, err := commitAt(t, db, d(2025, 10, 1), cyc); !errors.Is(err, geo.ErrConflict) || !strings.Contains(err.Error(), `"V001"`) {
		t.Errorf("a retired village as successor: err=%v, want a conflict naming V001", err)
	}
	// Nor can a succession be dated before its successor's current version: V001a exists
	// from 2025-09-01, so V002 retired into it on 2025-08-15 would be in no figure for 17 days.
	early := a
	early.Predecessors = []string{"V002"}
	if _, err := commitAt(t, db, d(2025, 8, 15), early); !errors.Is(err, geo.ErrConflict) || !strings.Contains(err.Error(), `"V001a"`) {
		t.Errorf("a succession before its successor existed: err=%v, want a conflict naming V001a", err)
	}
	// The refused uploads wrote nothing.
	if got, want := idsAsOf(t, db, time.Now(), geo.VillageFilter{}), "[V000@10p2+vls-2024 V001a@10 V001b@10 V002@15p2]"; got != want {
		t.Errorf("after refusals: %s, want %s", got, want)
	}
	// The walk the API and status take (EachVillage) reads the registry as of an instant as
	// the list does: as of an instant before a change (the registry's versions) and after the
	// last one (today's registry, which the stores read instead).
	for _, at := range []time.Time{d(2025, 6, 30), d(2025, 8, 31), d(2025, 9, 1), time.Now()} {
		for _, f := range []geo.VillageFilter{{}, {ProvinceCode: "10"}, {ProgramID: "p2"}, {ProgramID: "vls-2024"}} {
			var walked []string
			f.AsOf = at
			if err := db.EachVillage(ctx, f, func(v *geo.Village) error {
				walked = append(walked, v.ID+"@"+v.ProvinceCode+strings.Join(v.Programs, "+"))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprint(walked), idsAsOf(t, db, at, f); got != want {
				t.Errorf("walk as of %s %+v: %s, want %s", at.Format(time.DateOnly), f, got, want)
			}
		}
	}
	vers, err := db.VillageVersions(ctx, geo.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vers {
		got = append(got, fmt.Sprintf("%s:%s..%s:%s:%t", v.ID, ymd(v.ValidFrom), ymd(v.ValidTo), v.ProvinceCode, v.Retired))
	}
	if want := "[V000:..2025-07-01:15:false V000:2025-07-01..:10:false V001:..2025-09-01:10:true V001a:2025-09-01..:10:false V001b:2025-09-01..:10:false V002:..2025-08-01:15:false V002:2025-08-01..:15:false]"; fmt.Sprint(got) != want {
		t.Errorf("versions:\n got %v\nwant %s", got, want)
	}
	// Filtered by today's province or programs: only those villages' versions.
	for _, c := range []struct {
		f    geo.VillageFilter
		want string
	}{
		{geo.VillageFilter{ProvinceCode: "15"}, "[V002:..2025-08-01:15 V002:2025-08-01..:15]"},
		{geo.VillageFilter{ProgramID: "p2"}, "[V000:..2025-07-01:15 V000:2025-07-01..:10 V002:..2025-08-01:15 V002:2025-08-01..:15]"},
	} {
		vers, err := db.VillageVersions(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vers {
			got = append(got, fmt.Sprintf("%s:%s..%s:%s", v.ID, ymd(v.ValidFrom), ymd(v.ValidTo), v.ProvinceCode))
		}
		if fmt.Sprint(got) != c.want {
			t.Errorf("versions of %+v:\n got %v\nwant %s", c.f, got, c.want)
		}
	}
}

func ymd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(geo.Vietnam).Format(time.DateOnly)
}
