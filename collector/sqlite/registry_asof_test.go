package sqlite_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/storetest"
	"github.com/covmon/covmon/geo"
)

// The API reads the registry as of now on every request. When nothing in the registry changed
// after that instant, the store reads today's registry instead (streamed in key order, a
// program's villages driving the read) rather than the union of current rows and superseded
// versions, sorted whole before the first row: a page of villages paid for the registry. Each
// kind of change after the instant keeps the as-of read, and the villages listed are those
// in force at the instant either way.
func TestTodaysRegistry(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	u := storetest.MustCommitVillages(t, db, storetest.Villages(6)...)
	ms := func(d time.Duration) int64 { return now.Add(d).UnixMilli() }
	ids := func(f geo.VillageFilter) []string {
		t.Helper()
		var out []string
		if err := db.EachVillage(ctx, f, func(v *geo.Village) error { out = append(out, v.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	check := func(name string, asOf time.Time, today bool, want ...string) {
		t.Helper()
		db.ForgetRegistryChange() // changed by SQL below, without a villages upload
		for _, prog := range []string{"", "vls-2024"} {
			f := geo.VillageFilter{AsOf: asOf, ProgramID: prog}
			got, err := db.TodaysRegistry(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if got.AsOf.IsZero() != today {
				t.Errorf("%s, program %q: read as today's registry %v, want %v", name, prog, got.AsOf.IsZero(), today)
			}
			w := want
			if prog != "" { // storetest.Villages: every third one is in vls-2024
				w = slices.DeleteFunc(slices.Clone(want), func(id string) bool { return id != "V000" && id != "V003" })
			}
			if g := ids(f); !slices.Equal(g, w) {
				t.Errorf("%s, program %q: villages %v, want %v", name, prog, g, w)
			}
		}
	}
	all := []string{"V000", "V001", "V002", "V003", "V004", "V005"}
	check("unchanged", now, true, all...)

	// V001 retired an hour ago: today's registry as of now, not as of two hours ago.
	mustExec(t, db, `UPDATE villages SET retired_at = ? WHERE id = 'V001'`, ms(-time.Hour))
	check("retired before", now, true, "V000", "V002", "V003", "V004", "V005")
	check("retired after", now.Add(-2*time.Hour), false, all...)

	// V002 created half an hour ago (a successor): not yet in force an hour ago.
	mustExec(t, db, `UPDATE villages SET valid_from = ? WHERE id = 'V002'`, ms(-30*time.Minute))
	check("created before", now, true, "V000", "V002", "V003", "V004", "V005")
	check("created after", now.Add(-time.Hour), false, "V000", "V003", "V004", "V005")

	// V003's previous version was superseded ten minutes ago: twenty minutes ago it was that
	// version (in the program, as its programs say) that was in force, the current row since.
	mustExec(t, db, `INSERT INTO village_versions (village_id, valid_to, name, lon, lat, grid_power, baseline, programs, superseded_by)
		VALUES ('V003', ?, 'Bản 3 cũ', 103.9, 22.4, 1, 1, '["vls-2024"]', ?)`, ms(-10*time.Minute), u.ID)
	mustExec(t, db, `UPDATE villages SET valid_from = ? WHERE id = 'V003'`, ms(-10*time.Minute))
	check("superseded before", now, true, "V000", "V002", "V003", "V004", "V005")
	check("superseded after", now.Add(-20*time.Minute), false, "V000", "V002", "V003", "V004", "V005")

	// With the retired villages asked for, the filter is left as it is.
	if got, err := db.TodaysRegistry(ctx, geo.VillageFilter{AsOf: now, WithRetired: true}); err != nil || got.AsOf.IsZero() {
		t.Errorf("WithRetired: AsOf %v (err %v), want it kept", got.AsOf, err)
	}
}

// The registry's last change is read once per accepted villages upload (a whole read of
// villages, 0.6-2 s at 1M, was paid twice per page of villages): a new registry upload that
// supersedes a version is seen at the next call, and a rejected one changes nothing.
func TestTodaysRegistry_NextRegistryUpload(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	vs := storetest.Villages(3)
	storetest.MustCommitVillages(t, db, vs...)
	before := now.Add(-time.Hour)
	f := geo.VillageFilter{AsOf: before}
	if got, err := db.TodaysRegistry(ctx, f); err != nil || !got.AsOf.IsZero() {
		t.Fatalf("first registry: AsOf %v (err %v), want today's registry", got.AsOf, err)
	}
	// A rejected registry upload changes nothing.
	rej := storetest.NewUpload(geo.KindVillages, "")
	rej.Result = geo.ResultRejected
	if err := db.RecordUpload(ctx, rej); err != nil {
		t.Fatal(err)
	}
	if got, err := db.TodaysRegistry(ctx, f); err != nil || !got.AsOf.IsZero() {
		t.Fatalf("after a rejected upload: AsOf %v (err %v), want today's registry", got.AsOf, err)
	}
	// V001 renamed by the next registry: the version an hour ago is not today's.
	vs[1].Name = "Bản 1 mới"
	storetest.MustCommitVillages(t, db, vs...)
	if got, err := db.TodaysRegistry(ctx, f); err != nil || got.AsOf.IsZero() {
		t.Fatalf("after a new registry: AsOf %v (err %v), want the registry as of an hour ago", got.AsOf, err)
	}
	var name string
	if err := db.EachVillage(ctx, f, func(v *geo.Village) error {
		if v.ID == "V001" {
			name = v.Name
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if name != "Bản 1" {
		t.Errorf("V001 an hour ago named %q, want Bản 1", name)
	}
}
