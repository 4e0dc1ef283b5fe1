package storetest

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// TestDB_LatestObservations checks as-of selection over a hand-made history. Each observation
// is named by a label carried in Method ("m-<label>"), and a case lists, per village, the
// labels it wants back in carrier × technology order.
func contractLatestObservations(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(4)...) // V000 (15, vls), V001 (10), V002 (15), V003 (10, vls)

	o := func(label, village, carrier string, tech geo.Technology, at time.Time) geo.Observation {
		ob := obsAt(village, carrier, tech, true, at)
		ob.Method = "m-" + label
		return ob
	}
	// Uploads are committed in order, so later uploads get higher IDs.
	mustCommitObservations(t, db,
		o("a1", "V000", "viettel", geo.Tech4G, day(1)),
		o("a2", "V000", "viettel", geo.Tech4G, day(5)),
		o("a3", "V000", "viettel", geo.Tech4G, day(10)),
		o("b1", "V000", "viettel", geo.Tech2G, day(3)),
		o("c1", "V000", "mobifone", geo.Tech4G, day(4)),
		o("d1", "V001", "viettel", geo.Tech4G, day(2)),
		o("e1", "V003", "vinaphone", geo.Tech3G, day(6)),
	)
	// A tie with a2 at day 5: stored later, so it wins.
	mustCommitObservations(t, db, o("a2tie", "V000", "viettel", geo.Tech4G, day(5)))
	// An older observation arriving late does not displace a newer one.
	mustCommitObservations(t, db, o("d0", "V001", "viettel", geo.Tech4G, day(1)))

	for _, tt := range []struct {
		name   string
		asOf   time.Time
		filter geo.VillageFilter
		want   map[string][]string
	}{
		{"BeforeAny", day(1).Add(-time.Millisecond), geo.VillageFilter{}, map[string][]string{}},
		{"ExactlyAtFirst", day(1), geo.VillageFilter{}, map[string][]string{
			"V000": {"a1"}, "V001": {"d0"}}},
		{"Between", day(4).Add(12 * time.Hour), geo.VillageFilter{}, map[string][]string{
			"V000": {"c1", "b1", "a1"}, "V001": {"d1"}}},
		{"Tie", day(5), geo.VillageFilter{}, map[string][]string{
			"V000": {"c1", "b1", "a2tie"}, "V001": {"d1"}}},
		{"After", day(30), geo.VillageFilter{}, map[string][]string{
			"V000": {"c1", "b1", "a3"}, "V001": {"d1"}, "V003": {"e1"}}},
		{"Province", day(30), geo.VillageFilter{ProvinceCode: "10"}, map[string][]string{
			"V001": {"d1"}, "V003": {"e1"}}},
		{"Program", day(30), geo.VillageFilter{ProgramID: "vls-2024"}, map[string][]string{
			"V000": {"c1", "b1", "a3"}, "V003": {"e1"}}},
		{"IDs", day(30), geo.VillageFilter{IDs: []string{"V001", "V002"}}, map[string][]string{
			"V001": {"d1"}}},
		{"UnknownProgram", day(30), geo.VillageFilter{ProgramID: "none"}, map[string][]string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			latest, err := db.LatestObservations(ctx, tt.asOf, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for vid, obs := range latest {
				for _, ob := range obs {
					if ob.VillageID != vid || ob.ID == 0 || ob.UploadID == 0 {
						t.Fatalf("bad observation %+v under %s", ob, vid)
					}
					if ob.ObservedAt.After(tt.asOf) {
						t.Fatalf("observation %+v after asOf %v", ob, tt.asOf)
					}
					got[vid] = append(got[vid], strings.TrimPrefix(ob.Method, "m-"))
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("latest=%v, want %v", got, tt.want)
			}
		})
	}
}

// TestDB_LatestObservations_MatchesNaive compares the store against a scan of the full
// history for every instant at which something changes.
func contractLatestObservations_MatchesNaive(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(3)...)
	var all []geo.Observation
	carriers := []string{"viettel", "mobifone"}
	for i := range 40 {
		ob := obsAt(testVillages(3)[i%3].ID, carriers[i%2], geo.Technologies[i%4], i%5 != 0,
			day(1+i%7).Add(time.Duration(i%3)*time.Hour))
		all = append(all, ob)
	}
	mustCommitObservations(t, db, all[:20]...)
	mustCommitObservations(t, db, all[20:]...)

	var history []geo.Observation
	for _, v := range testVillages(3) {
		obs, err := db.Observations(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		history = append(history, obs...)
	}
	for d := 0; d <= 9; d++ {
		asOf := day(d).Add(time.Hour)
		naive := map[string][]geo.Observation{}
		best := map[geo.ObservationKey]geo.Observation{}
		for _, ob := range history {
			if ob.ObservedAt.After(asOf) {
				continue
			}
			cur, ok := best[ob.Key()]
			if !ok || ob.ObservedAt.After(cur.ObservedAt) ||
				(ob.ObservedAt.Equal(cur.ObservedAt) && ob.ID > cur.ID) {
				best[ob.Key()] = ob
			}
		}
		for k, ob := range best {
			naive[k.VillageID] = append(naive[k.VillageID], ob)
		}
		for _, obs := range naive {
			sort.Slice(obs, func(i, j int) bool {
				if obs[i].Carrier != obs[j].Carrier {
					return obs[i].Carrier < obs[j].Carrier
				}
				return obs[i].Technology < obs[j].Technology
			})
		}
		got, err := db.LatestObservations(ctx, asOf, geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, naive) {
			t.Fatalf("asOf %v:\n got %v\nwant %v", asOf, got, naive)
		}
	}
}
