package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// contractLatestClaims checks the walk of today's figures, which a store may answer from the
// latest claim of each series kept by its write path (issue 16), against the as-of query of
// the whole history (LatestObservations, itself checked against a naive reading) and against
// the same walk bounded by the newest mark (which must read the history): a hand-made history
// around the store's clock with corrections back to an earlier value, a duplicate upload, a
// late report of an earlier instant, an independent measurement newer than every claim, a
// claim observed after the instant asked for, the area path's changed-only writes and a
// retired village.
func contractLatestClaims(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	hour := func(n float64) time.Time { return Now.Add(time.Duration(n * float64(time.Hour))) }
	mustCommitVillages(t, db, testVillages(6)...)
	var marks []int64 // marks taken along the history
	mustCommitObservations(t, db,
		obsAt("V000", "viettel", geo.Tech4G, true, hour(-3)),
		obsAt("V000", "viettel", geo.Tech4G, false, hour(-1)),
		obsAt("V001", "viettel", geo.Tech4G, true, hour(-2)),
		obsAt("V002", "viettel", geo.Tech3G, true, hour(-1)),
		obsAt("V003", "viettel", geo.Tech4G, true, hour(-4)),
		obsAt("V004", "mobifone", geo.Tech2G, true, hour(-2)),
		obsAt("V005", "viettel", geo.Tech4G, false, hour(1)), // a carrier's clock ahead of ours
		obsAt("V005", "viettel", geo.Tech3G, true, day(3)),
	)
	m1, err := db.ObservationMark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	marks = append(marks, m1)
	// V001: corrected to no signal at the same instant, then back to signal.
	mustCommitObservations(t, db, obsAt("V001", "viettel", geo.Tech4G, false, hour(-2)))
	back := mustCommitObservations(t, db, obsAt("V001", "viettel", geo.Tech4G, true, hour(-2)))
	if back.Inserted != 1 {
		t.Fatalf("correction back to an earlier value: %d inserted, want 1", back.Inserted)
	}
	// The same file again (new bytes, same content): nothing new, the correction stays latest.
	if u := mustCommitObservations(t, db, obsAt("V001", "viettel", geo.Tech4G, true, hour(-2))); u.Inserted != 0 {
		t.Fatalf("a repeated observation: %d inserted, want 0", u.Inserted)
	}
	m2, err := db.ObservationMark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	marks = append(marks, m2-1) // between the correction and the correction back
	// V002: a report of an earlier instant arriving later does not become the latest.
	mustCommitObservations(t, db, obsAt("V002", "viettel", geo.Tech3G, false, hour(-5)))
	// V003: an inspector's measurement is not a claim, however new.
	m := obsAt("V003", "viettel", geo.Tech4G, false, hour(-0.5))
	m.Source, m.Inspector = geo.SourceIndependent, "Sở TTTT"
	mustCommitObservations(t, db, m)
	// V003: the area path writes only changes.
	for _, signal := range []bool{true, true, false} {
		u := newUpload(geo.KindAreas, "vinaphone")
		o := obsAt("V003", "vinaphone", geo.Tech4G, signal, hour(-6))
		if !signal {
			o.ObservedAt = hour(-0.25)
		}
		o.Method = "coverage_area"
		share := 1.0
		o.AreaShare = &share
		if err := db.CommitChangedObservations(ctx, u, slices.Values([][]geo.Observation{{o}})); err != nil {
			t.Fatal(err)
		}
	}
	// V004 is retired at Now: V004b takes over.
	succ := testVillages(5)[4]
	succ.ID, succ.Predecessors = "V004b", []string{"V004"}
	if _, err := commitAt(t, db, Now, succ); err != nil {
		t.Fatal(err)
	}
	mark, err := db.ObservationMark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	marks = append(marks, mark)

	// naive is the walk's answer read off each village's whole history: per carrier ×
	// technology, the carrier claim with the greatest (observed_at, id) observed at or before
	// asOf and stored up to the mark upTo.
	naive := func(asOf time.Time, upTo int64, ids []string) map[string][]geo.Observation {
		t.Helper()
		out := map[string][]geo.Observation{}
		for _, id := range ids {
			hist, err := db.Observations(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			best := map[geo.ObservationKey]geo.Observation{}
			for _, o := range hist {
				if o.Independent() || o.ObservedAt.After(asOf) || o.ID > upTo {
					continue
				}
				b, ok := best[o.Key()]
				if !ok || o.ObservedAt.After(b.ObservedAt) || (o.ObservedAt.Equal(b.ObservedAt) && o.ID > b.ID) {
					best[o.Key()] = o
				}
			}
			for _, o := range best {
				out[id] = append(out[id], o)
			}
			slices.SortFunc(out[id], func(a, b geo.Observation) int {
				if a.Carrier != b.Carrier {
					return strings.Compare(a.Carrier, b.Carrier)
				}
				return int(a.Technology) - int(b.Technology)
			})
		}
		return out
	}

	type walked struct {
		IDs    []string
		Latest map[string][]geo.Observation
	}
	walk := func(asOf time.Time, upTo int64, f geo.VillageFilter) walked {
		t.Helper()
		w := walked{Latest: map[string][]geo.Observation{}}
		if err := db.EachVillageLatest(ctx, asOf, upTo, f, func(v *geo.Village, latest []geo.Observation) error {
			w.IDs = append(w.IDs, v.ID)
			if len(latest) > 0 {
				w.Latest[v.ID] = slices.Clone(latest)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return w
	}
	for _, asOf := range []time.Time{hour(-1.5), hour(-0.5), Now, hour(2), day(30)} {
		for _, f := range []geo.VillageFilter{{}, {WithRetired: true}, {ProvinceCode: "15"}, {IDs: []string{"V001", "V005"}},
			{ProgramID: "vls-2024"}, {ProgramID: "vls-2024", ProvinceCode: "10"}, {ProgramID: "vls-2024", IDs: []string{"V000", "V001"}}} {
			vs, err := db.Villages(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			latest, err := db.LatestObservations(ctx, asOf, f)
			if err != nil {
				t.Fatal(err)
			}
			want := walked{IDs: villageIDs(vs), Latest: map[string][]geo.Observation{}}
			for _, id := range want.IDs {
				if len(latest[id]) > 0 {
					want.Latest[id] = latest[id]
				}
			}
			if got := walk(asOf, 0, f); !reflect.DeepEqual(got, want) {
				t.Errorf("as of %v %+v:\n got %+v\nwant %+v", asOf, f, got, want)
			}
			for _, m := range marks {
				want := walked{IDs: want.IDs, Latest: naive(asOf, m, want.IDs)}
				if got := walk(asOf, m, f); !reflect.DeepEqual(got, want) {
					t.Errorf("as of %v %+v, bounded by mark %d:\n got %+v\nwant %+v", asOf, f, m, got, want)
				}
			}
		}
	}

	// Now, spelled out.
	got := walk(Now, 0, geo.VillageFilter{WithRetired: true})
	say := func(id string) string {
		var out []string
		for _, o := range got.Latest[id] {
			out = append(out, fmt.Sprintf("%s/%v:%t@%s", o.Carrier, o.Technology, o.HasSignal, o.ObservedAt.Sub(Now)))
		}
		return fmt.Sprint(out)
	}
	for id, want := range map[string]string{
		"V000": "[viettel/4g:false@-1h0m0s]",
		"V001": "[viettel/4g:true@-2h0m0s]",
		"V002": "[viettel/3g:true@-1h0m0s]",
		"V003": "[viettel/4g:true@-4h0m0s vinaphone/4g:false@-15m0s]",
		"V004": "[mobifone/2g:true@-2h0m0s]",
		"V005": "[viettel/3g:true@" + day(3).Sub(Now).String() + "]",
	} {
		if s := say(id); s != want {
			t.Errorf("%s at Now: %s, want %s", id, s, want)
		}
	}
	if l := got.Latest["V001"]; len(l) != 1 || l[0].UploadID != back.ID {
		t.Errorf("V001 at Now: %+v, want the correction back to signal (upload %d)", l, back.ID)
	}
}
