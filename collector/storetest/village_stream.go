package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/covmon/covmon/geo"
)

// batchesOf yields vs in batches of n, reusing one slice as a streaming reader does.
func batchesOf(vs []geo.Village, n int) func(yield func([]geo.Village, error) bool) {
	return func(yield func([]geo.Village, error) bool) {
		buf := make([]geo.Village, 0, n)
		for i := range vs {
			buf = append(buf, vs[i])
			if len(buf) == n || i == len(vs)-1 {
				if !yield(buf, nil) {
					return
				}
				for j := range buf {
					buf[j] = geo.Village{ID: "CLOBBERED"} // the store must not keep a batch
				}
				buf = buf[:0]
			}
		}
	}
}

func contractCommitVillageStream(t *testing.T, h *Harness) {
	ctx := context.Background()

	t.Run("ManyStatements", func(t *testing.T) {
		// More villages than one multi-row statement holds, in batches that do not line up
		// with it: every village stored once, with its programs; a re-import that changes a
		// few counts exactly those.
		db := h.Open(t)
		if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
			t.Fatal(err)
		}
		vs := testVillages(1037)
		u := newUpload(geo.KindVillages, "")
		if err := db.CommitVillageStream(ctx, u, batchesOf(vs, 333)); err != nil {
			t.Fatal(err)
		}
		if u.Inserted != len(vs) {
			t.Fatalf("Inserted=%d, want %d", u.Inserted, len(vs))
		}
		got, err := db.Villages(ctx, geo.VillageFilter{})
		if err != nil || len(got) != len(vs) {
			t.Fatalf("villages=%d (%v), want %d", len(got), err, len(vs))
		}
		inProgram, err := db.Villages(ctx, geo.VillageFilter{ProgramID: geo.DefaultProgram().ID})
		if err != nil || len(inProgram) != (len(vs)+2)/3 {
			t.Fatalf("villages in the program=%d (%v), want %d", len(inProgram), err, (len(vs)+2)/3)
		}

		vs[5].Name = "Bản Mới"                             // the row changes
		vs[7].Programs = []string{"vls-2024"}              // the programs change (7 had none)
		vs[9].Programs = nil                               // and here (9 had one)
		vs[12].Programs = []string{"vls-2024", "vls-2024"} // a repeat is the same membership
		u2 := newUpload(geo.KindVillages, "")
		if err := db.CommitVillageStream(ctx, u2, batchesOf(vs, 1000)); err != nil {
			t.Fatal(err)
		}
		if u2.Inserted != 3 {
			t.Fatalf("re-import Inserted=%d, want 3 (a name, two memberships)", u2.Inserted)
		}
		for _, id := range []string{"V005", "V007", "V009"} {
			if got := h.QueryInt(t, db, `SELECT upload_id FROM villages WHERE id = ?`, id); int64(got) != u2.ID {
				t.Errorf("%s: upload_id=%d, want the re-import %d", id, got, u2.ID)
			}
		}
		if got := h.QueryInt(t, db, `SELECT upload_id FROM villages WHERE id = ?`, "V012"); int64(got) != u.ID {
			t.Errorf("V012 unchanged: upload_id=%d, want %d", got, u.ID)
		}
	})

	t.Run("SourceFails", func(t *testing.T) {
		// The reader fails after some batches were written: nothing is stored, not even the
		// upload record.
		db := h.Open(t)
		if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
			t.Fatal(err)
		}
		errRead := errors.New("disk on fire")
		vs := testVillages(500)
		err := db.CommitVillageStream(ctx, newUpload(geo.KindVillages, ""), func(yield func([]geo.Village, error) bool) {
			if yield(vs[:250], nil) && yield(vs[250:], nil) {
				yield(nil, errRead)
			}
		})
		if !errors.Is(err, errRead) {
			t.Fatalf("err=%v, want the source's error", err)
		}
		if got, _ := db.Villages(ctx, geo.VillageFilter{}); len(got) != 0 {
			t.Fatalf("villages=%d, want none written", len(got))
		}
		if got, _ := db.Uploads(ctx, geo.UploadFilter{}); len(got) != 0 {
			t.Fatalf("uploads=%d, want none written", len(got))
		}
	})

	t.Run("SameVillageTwice", func(t *testing.T) {
		// A caller that names a village twice (a file cannot: duplicate_row) gets the later
		// one, as if the villages were written one by one: each write that changed it counts.
		db := h.Open(t)
		vs := testVillages(3)
		later := vs[1]
		later.Name = "Bản Sau"
		later.Programs = []string{"vls-2024"}
		u := mustCommitVillages(t, db, append(vs, later)...)
		if u.Inserted != 4 {
			t.Fatalf("Inserted=%d, want 4", u.Inserted)
		}
		v, err := db.Village(ctx, vs[1].ID)
		if err != nil || v.Name != "Bản Sau" || fmt.Sprint(v.Programs) != "[vls-2024]" {
			t.Fatalf("village=%+v (%v), want the later one", v, err)
		}
	})
}

func contractCommitObservationStream(t *testing.T, h *Harness) {
	ctx := context.Background()

	t.Run("Batches", func(t *testing.T) {
		// Batches in order, the slice reused by the source: every observation stored once; a
		// later batch repeating an earlier one's observation adds nothing.
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(300)...)
		var obs []geo.Observation
		for i := range 300 {
			obs = append(obs, obsAt(fmt.Sprintf("V%03d", i), "viettel", geo.Tech4G, i%2 == 0, day(1+i%5)))
		}
		obs = append(obs, obs[7]) // the same observation again, in the last batch
		u := newUpload(geo.KindObservations, "viettel")
		err := db.CommitObservationStream(ctx, u, func(yield func([]geo.Observation, error) bool) {
			buf := make([]geo.Observation, 0, 64)
			for i := range obs {
				buf = append(buf, obs[i])
				if len(buf) == cap(buf) || i == len(obs)-1 {
					if !yield(buf, nil) {
						return
					}
					for j := range buf {
						buf[j] = geo.Observation{VillageID: "CLOBBERED"}
					}
					buf = buf[:0]
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if u.Inserted != 300 {
			t.Fatalf("Inserted=%d, want 300", u.Inserted)
		}
		if n := h.QueryInt(t, db, `SELECT count(*) FROM observations WHERE upload_id = ?`, u.ID); n != 300 {
			t.Fatalf("%d rows stored, want 300", n)
		}
	})

	t.Run("SourceFails", func(t *testing.T) {
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(2)...)
		errRead := errors.New("spill file gone")
		err := db.CommitObservationStream(ctx, newUpload(geo.KindObservations, "viettel"), func(yield func([]geo.Observation, error) bool) {
			if yield([]geo.Observation{obsAt("V000", "viettel", geo.Tech4G, true, day(1))}, nil) {
				yield(nil, errRead)
			}
		})
		if !errors.Is(err, errRead) {
			t.Fatalf("err=%v, want the source's error", err)
		}
		if n := h.QueryInt(t, db, `SELECT count(*) FROM observations`); n != 0 {
			t.Fatalf("%d observations stored, want none", n)
		}
		if n := h.QueryInt(t, db, `SELECT count(*) FROM uploads WHERE kind = 'observations'`); n != 0 {
			t.Fatalf("%d observation uploads stored, want none", n)
		}
	})
}
