package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// contractEachVillageLatest checks the streaming walk against Villages and LatestObservations on
// a hand-made history: the same villages (without their area), in ID order, each with exactly
// the latest observations LatestObservations gives it, under every kind of filter.
func contractEachVillageLatest(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(6)...)
	mustCommitObservations(t, db,
		obsAt("V000", "viettel", geo.Tech4G, true, day(1)),
		obsAt("V000", "viettel", geo.Tech4G, false, day(5)),
		obsAt("V000", "mobifone", geo.Tech2G, true, day(3)),
		obsAt("V002", "viettel", geo.Tech4G, true, day(2)),
		obsAt("V005", "vinaphone", geo.Tech3G, false, day(6)),
	)
	mustCommitObservations(t, db, obsAt("V002", "viettel", geo.Tech4G, false, day(2))) // a tie, stored later
	for _, asOf := range []time.Time{day(0), day(2), day(4), day(30)} {
		for _, f := range []geo.VillageFilter{{}, {ProvinceCode: "10"}, {ProgramID: "vls-2024"}, {IDs: []string{"V002", "V005", "nope"}}, {ProgramID: "none"}} {
			vs, err := db.Villages(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			latest, err := db.LatestObservations(ctx, asOf, f)
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			err = db.EachVillageLatest(ctx, asOf, 0, f, func(v *geo.Village, got []geo.Observation) error {
				if i >= len(vs) {
					t.Fatalf("%v %+v: extra village %s", asOf, f, v.ID)
				}
				want := vs[i]
				want.Area = nil
				if !reflect.DeepEqual(*v, want) {
					t.Errorf("%v %+v: village\n got %+v\nwant %+v", asOf, f, *v, want)
				}
				if len(got) != len(latest[v.ID]) || (len(got) > 0 && !reflect.DeepEqual(got, latest[v.ID])) {
					t.Errorf("%v %+v: %s latest\n got %+v\nwant %+v", asOf, f, v.ID, got, latest[v.ID])
				}
				i++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if i != len(vs) {
				t.Errorf("%v %+v: %d villages, want %d", asOf, f, i, len(vs))
			}
		}
	}

	var ids []string
	if err := db.EachVillage(ctx, geo.VillageFilter{ProvinceCode: "10"}, func(v *geo.Village) error {
		ids = append(ids, v.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	vs, err := db.Villages(ctx, geo.VillageFilter{ProvinceCode: "10"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(vs) || len(ids) == 0 {
		t.Errorf("EachVillage in province 10: %v, want the %d of Villages", ids, len(vs))
	}
	for i := range min(len(ids), len(vs)) {
		if ids[i] != vs[i].ID {
			t.Errorf("EachVillage: village %d is %s, want %s", i, ids[i], vs[i].ID)
		}
	}

	stop := errors.New("stop")
	n := 0
	err = db.EachVillageLatest(ctx, day(30), 0, geo.VillageFilter{}, func(*geo.Village, []geo.Observation) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("an error from fn: got %v after %d calls, want it returned after 1", err, n)
	}
}

// contractSignalAmong checks SignalAmong against SignalBefore: the same answer, restricted to
// the villages asked about, under policies that count and do not count each observation.
func contractSignalAmong(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(5)...)
	weak := obsAt("V003", "viettel", geo.Tech4G, true, day(2))
	rsrp := -125.0
	weak.RSRPdBm = &rsrp
	mustCommitObservations(t, db,
		obsAt("V000", "viettel", geo.Tech4G, true, day(1)),
		obsAt("V000", "viettel", geo.Tech4G, false, day(5)),
		obsAt("V001", "mobifone", geo.Tech2G, true, day(3)),
		obsAt("V002", "viettel", geo.Tech4G, false, day(2)),
		weak,
	)
	ids := []string{"V000", "V001", "V002", "V003", "V004", "unknown"}
	for _, asOf := range []time.Time{day(0), day(1), day(3), day(30)} {
		for _, p := range []geo.Policy{geo.DefaultPolicy(), {MinTechnology: geo.Tech4G, MinRSRPdBm: -130}} {
			all, err := db.SignalBefore(ctx, asOf, &p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.SignalAmong(ctx, asOf, &p, ids[1:])
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, id := range ids[1:] {
				if all[id] {
					want[id] = true
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%v %+v: got %v, want %v", asOf, p, got, want)
			}
		}
	}
}

// contractObservationsSince checks the marks an upload's refresh relies on: the villages
// touched since a mark, the new mark, the latest observed_at among them, the limit, and that
// EachVillageLatest bounded by a mark sees the observations as they were at the mark.
func contractObservationsSince(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(5)...)
	m0, err := db.ObservationMark(ctx)
	if err != nil || m0 != 0 {
		t.Fatalf("mark of an empty store: %d %v, want 0", m0, err)
	}
	mustCommitObservations(t, db,
		obsAt("V000", "viettel", geo.Tech4G, false, day(1)),
		obsAt("V001", "viettel", geo.Tech4G, false, day(1)))
	m1, err := db.ObservationMark(ctx)
	if err != nil || m1 <= m0 {
		t.Fatalf("mark after an upload: %d %v, want more than %d", m1, err, m0)
	}
	mustCommitObservations(t, db,
		obsAt("V003", "mobifone", geo.Tech2G, true, day(4)),
		obsAt("V001", "viettel", geo.Tech4G, true, day(2)),
		obsAt("V001", "viettel", geo.Tech3G, true, day(3)))
	ids, m2, latest, ok, err := db.ObservationsSince(ctx, m1, 10)
	if err != nil || !ok {
		t.Fatalf("since %d: %v %v", m1, ok, err)
	}
	if fmt.Sprint(ids) != "[V001 V003]" || !latest.Equal(day(4)) || m2 <= m1 {
		t.Errorf("since %d: %v, latest %v, mark %d; want [V001 V003], %v, more than %d", m1, ids, latest, m2, day(4), m1)
	}
	if mark, err := db.ObservationMark(ctx); err != nil || mark != m2 {
		t.Errorf("mark %d %v, want %d", mark, err, m2)
	}
	if _, next, _, ok, err := db.ObservationsSince(ctx, m1, 2); err != nil || ok || next != m2 {
		t.Errorf("3 observations since, limit 2: ok=%v next=%d %v; want false, %d", ok, next, err, m2)
	}
	if ids, next, _, ok, err := db.ObservationsSince(ctx, m2, 10); err != nil || !ok || len(ids) != 0 || next != m2 {
		t.Errorf("nothing since the newest mark: %v %d %v %v", ids, next, ok, err)
	}
	// Bounded by m1, V001 has only its day-1 report and V003 none.
	got := map[string]int{}
	if err := db.EachVillageLatest(ctx, day(30), -1, geo.VillageFilter{}, func(v *geo.Village, latest []geo.Observation) error {
		if len(latest) > 0 {
			t.Errorf("bounded by -1 (a store without observations), %s has %d", v.ID, len(latest))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, upTo := range []int64{m1, m2} {
		if err := db.EachVillageLatest(ctx, day(30), upTo, geo.VillageFilter{IDs: []string{"V001", "V003"}}, func(v *geo.Village, latest []geo.Observation) error {
			got[fmt.Sprintf("%v %s", upTo == m1, v.ID)] = len(latest)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if want := map[string]int{"true V001": 1, "true V003": 0, "false V001": 2, "false V003": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("latest per village bounded by a mark: %v, want %v", got, want)
	}
}
