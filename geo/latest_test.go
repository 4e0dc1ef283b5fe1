package geo_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

func TestLatestAt(t *testing.T) {
	hist := []geo.Observation{
		obs("viettel", geo.Tech4G, false, "2021-01-01"),
		obs("mobifone", geo.Tech2G, true, "2021-06-01"),
		obs("viettel", geo.Tech4G, true, "2022-01-01"),
		obs("viettel", geo.Tech3G, true, "2022-01-01"),
		obs("viettel", geo.Tech4G, false, "2023-01-01"),
	}
	ats := []time.Time{day("2020-12-31"), day("2021-01-01"), day("2021-12-31"), day("2022-01-01"), day("2024-01-01")}
	want := []string{
		"[]",
		"[viettel/4g/false@2021-01-01]",
		"[mobifone/2g/true@2021-06-01 viettel/4g/false@2021-01-01]",
		"[mobifone/2g/true@2021-06-01 viettel/3g/true@2022-01-01 viettel/4g/true@2022-01-01]",
		"[mobifone/2g/true@2021-06-01 viettel/3g/true@2022-01-01 viettel/4g/false@2023-01-01]",
	}
	var got []string
	geo.LatestAt(hist, ats, func(i int, latest []geo.Observation) {
		var s []string
		for _, o := range latest {
			s = append(s, fmt.Sprintf("%s/%s/%t@%s", o.Carrier, o.Technology, o.HasSignal, o.ObservedAt.Format(time.DateOnly)))
		}
		sort.Strings(s)
		got = append(got, fmt.Sprint(s))
	})
	if !slices.Equal(got, want) {
		t.Errorf("LatestAt:\n got %q\nwant %q", got, want)
	}
}

// TestEvaluateAt checks the one-pass evaluation against geo.Evaluate on the latest
// observations picked naively, on random histories.
func TestEvaluateAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prog := geo.DefaultProgram()
	p := geo.DefaultPolicy()
	carriers := []string{"viettel", "mobifone"}
	var vs []geo.Village
	hist := map[string][]geo.Observation{}
	for i := range 50 {
		v := geo.Village{ID: fmt.Sprintf("V%02d", i), GridPower: i%5 != 0, Baseline: true, Programs: []string{prog.ID}}
		vs = append(vs, v)
		at := day("2021-01-01")
		for range rng.IntN(12) {
			at = at.Add(time.Duration(rng.IntN(120*24)) * time.Hour)
			o := obs(carriers[rng.IntN(2)], geo.Technologies[rng.IntN(3)], rng.IntN(2) == 0, "2021-01-01")
			o.VillageID, o.ObservedAt = v.ID, at
			hist[v.ID] = append(hist[v.ID], o)
		}
	}
	var ats []time.Time
	for d := day("2020-12-01"); d.Before(day("2026-01-01")); d = d.AddDate(0, 3, 0) {
		ats = append(ats, d)
	}
	got := map[string]geo.Status{}
	geo.EvaluateAt(vs, hist, &prog, &p, nil, ats, func(i int, st *geo.VillageStatus) {
		got[fmt.Sprint(i, st.Village.ID)] = st.Status
	})
	for i, at := range ats {
		latest := map[string][]geo.Observation{}
		for id, h := range hist {
			last := map[string]geo.Observation{}
			for _, o := range h {
				if !o.ObservedAt.After(at) {
					last[o.Carrier+o.Technology.String()] = o
				}
			}
			for _, o := range last {
				latest[id] = append(latest[id], o)
			}
		}
		for _, st := range geo.Evaluate(vs, latest, &prog, &p, nil, at) {
			if g := got[fmt.Sprint(i, st.Village.ID)]; g != st.Status {
				t.Fatalf("%s at %s: EvaluateAt=%s, Evaluate=%s", st.Village.ID, at.Format(time.DateOnly), g, st.Status)
			}
		}
	}
}
