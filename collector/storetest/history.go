package storetest

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/covmon/covmon/geo"
)

// contractEachVillageHistory: the walk with whole histories lists the villages Villages lists
// (today's registry: a retired village left out; filtered by program, province and IDs), each
// with its programs, and with every observation of its history — carrier claims and
// independent measurements, a correction stored later at the same instant, a repeated report —
// as ObservationHistories has them, ordered by series (carrier, technology, claims before
// measurements), then observed_at, then ID, each with the fields a status at an instant rests
// on (ID, village, carrier, technology, role, observed_at, signal, RSRP) and the others zero.
func contractEachVillageHistory(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(7)...)
	ind := func(o geo.Observation) geo.Observation {
		o.Source, o.Inspector = geo.SourceIndependent, "Sở TTTT"
		return o
	}
	rsrp := obsAt("V000", "viettel", geo.Tech4G, true, day(1))
	rsrp.RSRPdBm = ptr(-101.5)
	mustCommitObservations(t, db,
		rsrp,
		obsAt("V000", "viettel", geo.Tech4G, false, day(5)),
		obsAt("V000", "mobifone", geo.Tech2G, true, day(3)),
		ind(obsAt("V000", "viettel", geo.Tech4G, false, day(2))),
		obsAt("V003", "viettel", geo.Tech4G, true, day(2)),
		obsAt("V005", "vinaphone", geo.Tech3G, false, day(6)),
		obsAt("V006", "viettel", geo.Tech4G, true, day(6)),
	)
	mustCommitObservations(t, db, obsAt("V003", "viettel", geo.Tech4G, false, day(2)))     // a correction at the same instant
	mustCommitObservations(t, db, obsAt("V003", "viettel", geo.Tech4G, true, day(2)))      // and back, stored later still
	mustCommitObservations(t, db, ind(obsAt("V003", "viettel", geo.Tech4G, true, day(1)))) // a measurement before the claims
	// V006 is retired: its successor takes over.
	succ := testVillages(7)[6]
	succ.ID, succ.Predecessors = "V006b", []string{"V006"}
	mustCommitVillages(t, db, succ)

	for _, f := range []geo.VillageFilter{{}, {ProgramID: "vls-2024"}, {ProvinceCode: "15"}, {IDs: []string{"V003", "V005", "V006", "nope"}}, {ProgramID: "none"}} {
		vs, err := db.Villages(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(vs))
		for i := range vs {
			ids[i] = vs[i].ID
		}
		hist, err := db.ObservationHistories(ctx, geo.VillageFilter{IDs: ids})
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		err = db.EachVillageHistory(ctx, f, func(v *geo.Village, got []geo.Observation) error {
			if i >= len(vs) {
				t.Fatalf("%+v: extra village %s", f, v.ID)
			}
			want := vs[i]
			want.Area = nil
			if !reflect.DeepEqual(*v, want) {
				t.Errorf("%+v: village\n got %+v\nwant %+v", f, *v, want)
			}
			w := slices.Clone(hist[v.ID])
			for k, o := range w { // what the walk carries (StatusTimeline's fields)
				w[k] = geo.Observation{ID: o.ID, VillageID: o.VillageID, Carrier: o.Carrier, Technology: o.Technology,
					Source: o.Source, ObservedAt: o.ObservedAt, HasSignal: o.HasSignal, RSRPdBm: o.RSRPdBm}
			}
			slices.SortFunc(w, func(a, b geo.Observation) int {
				return cmp.Or(cmp.Compare(a.Carrier, b.Carrier), cmp.Compare(a.Technology, b.Technology),
					cmp.Compare(a.Source, b.Source), a.ObservedAt.Compare(b.ObservedAt), cmp.Compare(a.ID, b.ID))
			})
			if len(got) != len(w) || (len(w) > 0 && !reflect.DeepEqual(got, w)) {
				t.Errorf("%+v: %s history\n got %+v\nwant %+v", f, v.ID, got, w)
			}
			i++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if i != len(vs) {
			t.Errorf("%+v: %d villages, want %d", f, i, len(vs))
		}
	}
	// The hand-made history is all there: V000's four rows, V003's three claims and its
	// measurement, V005's row; the retired V006's report on no village listed.
	var n, rows int
	if err := db.EachVillageHistory(ctx, geo.VillageFilter{}, func(v *geo.Village, h []geo.Observation) error {
		n++
		rows += len(h)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 7 || rows != 9 {
		t.Errorf("the whole registry: %d villages with %d observations, want 7 with 9", n, rows)
	}

	// The history walk and the latest walk one after the other, again and again: each reuses the
	// store's pooled sessions, so a session that streamed one walk streams the other next (on
	// PostgreSQL both walks' cursors once shared a name, and a session that had fetched the
	// latest walk's 13 columns failed the history walk's 8: "bind message has 13 result formats
	// but query has 8 columns").
	for k := range 24 {
		var n, rows int
		count := func(_ *geo.Village, h []geo.Observation) error { n++; rows += len(h); return nil }
		if k%2 == 0 {
			err := db.EachVillageLatest(ctx, day(30), 0, geo.VillageFilter{}, count)
			if err != nil || n != 7 {
				t.Fatalf("round %d, the latest walk: %d villages, %v", k, n, err)
			}
			continue
		}
		if err := db.EachVillageHistory(ctx, geo.VillageFilter{}, count); err != nil || n != 7 || rows != 9 {
			t.Fatalf("round %d, the history walk after the latest walk: %d villages with %d observations, %v; want 7 with 9", k, n, rows, err)
		}
	}

	stop := errors.New("stop")
	calls := 0
	err := db.EachVillageHistory(ctx, geo.VillageFilter{}, func(*geo.Village, []geo.Observation) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("an error from fn: got %v after %d calls, want it returned after 1", err, calls)
	}
}
