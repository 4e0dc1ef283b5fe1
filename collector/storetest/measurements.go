package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// contractLatestMeasurements_Filters: the latest independent measurement per village × carrier ×
// technology at an instant, never a carrier claim; and the claims never an independent row.
func contractLatestMeasurements_Filters(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(4)...) // V000 (15, vls), V001 (10), V002 (15), V003 (10, vls)

	o := func(label, village, carrier string, signal bool, at time.Time, independent bool) geo.Observation {
		ob := obsAt(village, carrier, geo.Tech4G, signal, at)
		ob.Method = "m-" + label
		if independent {
			ob.Source, ob.Inspector = geo.SourceIndependent, "Sở TTTT"
		}
		return ob
	}
	mustCommitObservations(t, db,
		o("c1", "V000", "viettel", true, day(1), false),
		o("c2", "V000", "viettel", true, day(20), false), // the carrier claims again after the inspection
		o("c3", "V001", "viettel", true, day(1), false),
	)
	mustCommitObservations(t, db,
		o("i1", "V000", "viettel", false, day(5), true),
		o("i2", "V000", "viettel", true, day(10), true),
		o("i3", "V000", "mobifone", false, day(7), true),
		o("i4", "V003", "viettel", false, day(3), true),
	)
	mustCommitObservations(t, db, o("i2tie", "V000", "viettel", false, day(10), true)) // stored later: wins the tie

	labels := func(m map[string][]geo.Observation) map[string][]string {
		got := map[string][]string{}
		for vid, os := range m {
			for _, ob := range os {
				if ob.VillageID != vid || ob.UploadID == 0 {
					t.Fatalf("bad observation %+v under %s", ob, vid)
				}
				got[vid] = append(got[vid], ob.Method[2:])
			}
		}
		return got
	}
	for _, tt := range []struct {
		name   string
		asOf   time.Time
		filter geo.VillageFilter
		want   map[string][]string
	}{
		{"BeforeAny", day(2), geo.VillageFilter{}, map[string][]string{}},
		{"AsOfInThePast", day(6), geo.VillageFilter{}, map[string][]string{"V000": {"i1"}, "V003": {"i4"}}},
		{"Tie", day(30), geo.VillageFilter{}, map[string][]string{"V000": {"i3", "i2tie"}, "V003": {"i4"}}},
		{"IDs", day(30), geo.VillageFilter{IDs: []string{"V003"}}, map[string][]string{"V003": {"i4"}}},
		{"Program", day(30), geo.VillageFilter{ProgramID: "vls-2024"}, map[string][]string{"V000": {"i3", "i2tie"}, "V003": {"i4"}}},
		{"Province", day(30), geo.VillageFilter{ProvinceCode: "15"}, map[string][]string{"V000": {"i3", "i2tie"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := db.LatestMeasurements(ctx, tt.asOf, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			for _, os := range m {
				for _, ob := range os {
					if !ob.Independent() || ob.Inspector != "Sở TTTT" || ob.ObservedAt.After(tt.asOf) {
						t.Fatalf("measurement %+v: want independent, with its inspector, at or before %v", ob, tt.asOf)
					}
				}
			}
			if got := labels(m); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	claims, err := db.LatestObservations(ctx, day(30), geo.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := labels(claims), map[string][]string{"V000": {"c2"}, "V001": {"c3"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("claims = %v, want %v (no independent row)", got, want)
	}
}

// contractObservationHistories_BothRoles: a village's history holds its carrier claims and its
// independent measurements, told apart by Source, in observed_at order (the burn-down backfill
// applies the trust rule from it).
func contractObservationHistories_BothRoles(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(1)...)
	c := obsAt("V000", "viettel", geo.Tech4G, true, day(1))
	m := obsAt("V000", "viettel", geo.Tech4G, false, day(2))
	m.Source, m.Inspector = geo.SourceIndependent, "Sở TTTT"
	mustCommitObservations(t, db, c)
	mustCommitObservations(t, db, m)
	hist, err := db.ObservationHistories(ctx, geo.VillageFilter{IDs: []string{"V000"}})
	if err != nil {
		t.Fatal(err)
	}
	got := hist["V000"]
	if len(got) != 2 || got[0].Independent() || !got[1].Independent() || got[1].Inspector != "Sở TTTT" {
		t.Fatalf("history %+v: want the claim, then the independent measurement with its inspector", got)
	}
}

// contractLatestMeasurements_ClaimInForce: each latest independent measurement carries the
// carrier claim of its series in force at its instant (the newest observed at or before it,
// the one stored last among equals), which the discrepancy rule judges (geo.FindDiscrepancies);
// a claim made after the measurement is not it, nor is a claim of another technology or
// carrier, nor a claim stored after the measurement and dated at or before it. It equals geo.ClaimInForceAt on the village's whole history.
func contractLatestMeasurements_ClaimInForce(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(5)...)
	ind := func(village, carrier string, tech geo.Technology, signal bool, at time.Time) geo.Observation {
		o := obsAt(village, carrier, tech, signal, at)
		o.Source, o.Inspector = geo.SourceIndependent, "Sở TT&TT Lào Cai"
		return o
	}
	covered := obsAt("V000", "viettel", geo.Tech4G, true, day(1))
	covered.RSRPdBm = ptr(-90.5)
	// V000: claim covered (day 1), inspection dark (day 3), re-claim covered (day 5); a
	// mobifone claim, and an inspection of viettel's 3G, which viettel never claimed.
	c1 := mustCommitObservations(t, db, covered, obsAt("V000", "mobifone", geo.Tech4G, true, day(1)))
	mustCommitObservations(t, db, ind("V000", "viettel", geo.Tech4G, false, day(3)), ind("V000", "viettel", geo.Tech3G, false, day(3)))
	mustCommitObservations(t, db, obsAt("V000", "viettel", geo.Tech4G, true, day(5)))
	// V001: two claims at the inspection's very instant, the later stored one lit.
	mustCommitObservations(t, db, obsAt("V001", "viettel", geo.Tech4G, false, day(4)))
	c4 := mustCommitObservations(t, db, obsAt("V001", "viettel", geo.Tech4G, true, day(4)))
	mustCommitObservations(t, db, ind("V001", "viettel", geo.Tech4G, false, day(4)))
	// V002: inspected before the carrier claimed anything.
	mustCommitObservations(t, db, ind("V002", "viettel", geo.Tech4G, false, day(2)))
	mustCommitObservations(t, db, obsAt("V002", "viettel", geo.Tech4G, true, day(6)))
	// V003: claim covered (day 1), inspection dark (day 3), then, stored after the inspection,
	// a backdated concession (dark, dated day 3) and a correction of the day-1 claim to dark:
	// neither replaces the claim the inspection judged (the carrier could otherwise erase the
	// flag and re-claim signal).
	c5 := mustCommitObservations(t, db, obsAt("V003", "viettel", geo.Tech4G, true, day(1)))
	mustCommitObservations(t, db, ind("V003", "viettel", geo.Tech4G, false, day(3)))
	mustCommitObservations(t, db, obsAt("V003", "viettel", geo.Tech4G, false, day(3)))
	mustCommitObservations(t, db, obsAt("V003", "viettel", geo.Tech4G, false, day(1)))
	// V004: inspected (day 3) before the carrier put any claim of that time on record; its
	// first upload (covered days 1 and 2) is judged, not a later dark claim dated day 3.
	mustCommitObservations(t, db, ind("V004", "viettel", geo.Tech4G, false, day(3)))
	c6 := mustCommitObservations(t, db, obsAt("V004", "viettel", geo.Tech4G, true, day(1)), obsAt("V004", "viettel", geo.Tech4G, true, day(2)))
	mustCommitObservations(t, db, obsAt("V004", "viettel", geo.Tech4G, false, day(3)))

	type key struct {
		village string
		tech    geo.Technology
	}
	for _, tt := range []struct {
		asOf time.Time
		want map[key]string // the claim in force: "day N upload U", "" for none
	}{
		{day(2), map[key]string{{"V002", geo.Tech4G}: ""}},
		{day(10), map[key]string{
			{"V000", geo.Tech4G}: fmt.Sprintf("day 1 upload %d", c1.ID),
			{"V000", geo.Tech3G}: "",
			{"V001", geo.Tech4G}: fmt.Sprintf("day 4 upload %d", c4.ID),
			{"V002", geo.Tech4G}: "",
			{"V003", geo.Tech4G}: fmt.Sprintf("day 1 upload %d", c5.ID),
			{"V004", geo.Tech4G}: fmt.Sprintf("day 2 upload %d", c6.ID),
		}},
	} {
		m, err := db.LatestMeasurements(ctx, tt.asOf, geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[key]string{}
		for id, ms := range m {
			hist, err := db.Observations(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var claims []geo.Observation
			for _, o := range hist {
				if !o.Independent() {
					claims = append(claims, o)
				}
			}
			for _, o := range ms {
				s := ""
				if c := o.ClaimInForce; c != nil {
					s = fmt.Sprintf("day %d upload %d", c.ObservedAt.Day(), c.UploadID)
					ref := geo.ClaimInForceAt(claims, &o)
					if ref == nil || c.ID != ref.ID || c.HasSignal != ref.HasSignal || !reflect.DeepEqual(c.RSRPdBm, ref.RSRPdBm) ||
						c.Method != ref.Method || c.Carrier != o.Carrier || c.Technology != o.Technology || c.VillageID != id || c.Independent() {
						t.Errorf("as of %v: %s %s %s: claim in force %+v, want %+v", tt.asOf, id, o.Carrier, o.Technology, c, ref)
					}
				}
				got[key{id, o.Technology}] = s
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("as of %v: claims in force %v, want %v", tt.asOf, got, tt.want)
		}
	}
	// The claim carries its reading: the discrepancy shows both sides.
	m, err := db.LatestMeasurements(ctx, day(10), geo.VillageFilter{IDs: []string{"V000"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range m["V000"] {
		if o.Technology == geo.Tech4G && (o.ClaimInForce == nil || o.ClaimInForce.RSRPdBm == nil || *o.ClaimInForce.RSRPdBm != -90.5 || !o.ClaimInForce.HasSignal) {
			t.Errorf("V000 4g claim in force %+v, want the day-1 claim at −90.5 dBm", o.ClaimInForce)
		}
	}
	if len(m) != 1 {
		t.Errorf("filtered to V000: %d villages", len(m))
	}
}
