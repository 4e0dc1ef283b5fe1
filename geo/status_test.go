package geo_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, geo.Vietnam)
	if err != nil {
		panic(err)
	}
	return t
}

func f64(v float64) *float64 { return &v }

func obs(carrier string, tech geo.Technology, signal bool, at string) geo.Observation {
	return geo.Observation{VillageID: "V1", Carrier: carrier, Technology: tech, HasSignal: signal, ObservedAt: day(at), Method: "drive_test"}
}

func TestAssess(t *testing.T) {
	powered := geo.Village{ID: "V1", GridPower: true, Baseline: true}
	unpowered := geo.Village{ID: "V1", GridPower: false, Baseline: true}
	poweredLater := geo.Village{ID: "V1", GridPower: true, GridPowerSince: day("2023-01-01"), Baseline: true}
	p := geo.DefaultPolicy()
	p4g := geo.DefaultPolicy()
	p4g.MinTechnology = geo.Tech4G
	weak := obs("viettel", geo.Tech4G, true, "2022-01-01")
	weak.RSRPdBm = f64(-125)
	fast := obs("viettel", geo.Tech4G, true, "2022-01-01")
	fast.DLMbps = f64(25)
	slow := obs("mobifone", geo.Tech4G, true, "2022-01-01")
	slow.DLMbps = f64(3)

	for _, tt := range []struct {
		name     string
		v        geo.Village
		latest   []geo.Observation
		policy   *geo.Policy
		asOf     string
		status   geo.Status
		level    geo.Level
		carriers []string
	}{
		{"NoObservations", powered, nil, &p, "2024-01-01", geo.StatusNoData, geo.LevelNone, nil},
		{"NoObservationsUnpowered", unpowered, nil, &p, "2024-01-01", geo.StatusNoData, geo.LevelNone, nil},
		{"DarkPowered", powered, []geo.Observation{obs("viettel", geo.Tech4G, false, "2022-01-01")}, &p, "2024-01-01", geo.StatusDeadZone, geo.LevelNone, nil},
		{"DarkUnpowered", unpowered, []geo.Observation{obs("viettel", geo.Tech4G, false, "2022-01-01")}, &p, "2024-01-01", geo.StatusNoPower, geo.LevelNone, nil},
		{"DarkBeforePower", poweredLater, []geo.Observation{obs("viettel", geo.Tech2G, false, "2022-01-01")}, &p, "2022-06-01", geo.StatusNoPower, geo.LevelNone, nil},
		{"DarkAfterPower", poweredLater, []geo.Observation{obs("viettel", geo.Tech2G, false, "2022-01-01")}, &p, "2023-01-01", geo.StatusDeadZone, geo.LevelNone, nil},
		{"Voice", powered, []geo.Observation{obs("viettel", geo.Tech2G, true, "2022-01-01"), obs("viettel", geo.Tech4G, false, "2022-01-01")}, &p, "2024-01-01", geo.StatusCovered, geo.LevelVoice, []string{"viettel"}},
		{"VoiceOnlyUnder4GPolicy", powered, []geo.Observation{obs("viettel", geo.Tech3G, true, "2022-01-01")}, &p4g, "2024-01-01", geo.StatusDeadZone, geo.LevelNone, nil},
		{"WeakRSRPDoesNotCount", powered, []geo.Observation{weak}, &p, "2024-01-01", geo.StatusDeadZone, geo.LevelNone, nil},
		{"FourGUnmeasured", powered, []geo.Observation{obs("vinaphone", geo.Tech4G, true, "2022-01-01")}, &p, "2024-01-01", geo.StatusCovered, geo.Level4G, []string{"vinaphone"}},
		{"FourGFastAndSlow", powered, []geo.Observation{slow, fast}, &p, "2024-01-01", geo.StatusCovered, geo.Level4GFast, []string{"mobifone", "viettel"}},
		{"SignalUnpowered", unpowered, []geo.Observation{obs("viettel", geo.Tech2G, true, "2022-01-01")}, &p, "2024-01-01", geo.StatusCovered, geo.LevelVoice, []string{"viettel"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := geo.Assess(&tt.v, tt.latest, tt.policy, day(tt.asOf))
			if got, want := a.Status, tt.status; got != want {
				t.Errorf("Status=%v, want %v", got, want)
			}
			if got, want := a.Level, tt.level; got != want {
				t.Errorf("Level=%v, want %v", got, want)
			}
			if got, want := a.CarriersWithSignal, tt.carriers; !slices.Equal(got, want) {
				t.Errorf("CarriersWithSignal=%v, want %v", got, want)
			}
		})
	}
}

func TestEvaluate_Overdue(t *testing.T) {
	prog := geo.DefaultProgram()
	p := geo.DefaultPolicy()
	vs := []geo.Village{
		{ID: "A", GridPower: true, Baseline: true, Programs: []string{prog.ID}},
		{ID: "B", GridPower: true, Baseline: true, Programs: []string{prog.ID}, Deadline: day("2025-06-30")},
		{ID: "C", GridPower: true, Baseline: true}, // in no program: never overdue
		{ID: "D", GridPower: false, Baseline: true, Programs: []string{prog.ID}},
	}
	dark := func(id string) []geo.Observation {
		o := obs("viettel", geo.Tech4G, false, "2022-01-01")
		o.VillageID = id
		return []geo.Observation{o}
	}
	latest := map[string][]geo.Observation{"A": dark("A"), "B": dark("B"), "C": dark("C"), "D": dark("D")}

	for _, tt := range []struct {
		name    string
		asOf    time.Time
		overdue map[string]int // village → days overdue; absent means not overdue
	}{
		{"BeforeDeadline", day("2024-11-30"), map[string]int{}},
		{"AtDeadline", prog.Deadline, map[string]int{"A": 0}},
		{"TenDaysLate", day("2024-12-11").Add(time.Hour), map[string]int{"A": 10}},
		{"PastOverride", day("2025-07-02"), map[string]int{"A": 213, "B": 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]int{}
			for _, s := range geo.Evaluate(vs, latest, &prog, &p, nil, tt.asOf) {
				if s.Overdue {
					got[s.Village.ID] = s.DaysOverdue
				}
			}
			if len(got) != len(tt.overdue) {
				t.Fatalf("overdue=%v, want %v", got, tt.overdue)
			}
			for id, d := range tt.overdue {
				if got[id] != d {
					t.Errorf("overdue=%v, want %v", got, tt.overdue)
				}
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	prog := geo.DefaultProgram()
	p := geo.DefaultPolicy()
	in := []string{prog.ID}
	vs := []geo.Village{
		{ID: "A", ProvinceCode: "15", GridPower: true, Baseline: true, Programs: in},
		{ID: "B", ProvinceCode: "15", GridPower: true, Baseline: true, Programs: in},
		{ID: "C", ProvinceCode: "12", GridPower: false, Baseline: true, Programs: in},
		{ID: "D", ProvinceCode: "12", GridPower: true, Baseline: true, Programs: in},
		{ID: "E", ProvinceCode: "12", GridPower: true, FoundAt: day("2025-01-01"), Programs: in},
	}
	sig := func(id, carrier string, s bool) geo.Observation {
		o := obs(carrier, geo.Tech4G, s, "2022-01-01")
		o.VillageID = id
		return o
	}
	latest := map[string][]geo.Observation{
		"A": {sig("A", "viettel", true), sig("A", "mobifone", true), sig("A", "vinaphone", true), sig("A", "vietnamobile", true)},
		"B": {sig("B", "viettel", true), sig("B", "mobifone", false)},
		"C": {sig("C", "viettel", false)},
		"E": {sig("E", "viettel", false)},
	}
	asOf := day("2026-01-01")
	s := geo.Summarize(geo.Evaluate(vs, latest, &prog, &p, nil, asOf), &prog, &p, asOf)
	// D (powered, never reported) is overdue too: not reporting does not keep it out. E was
	// found on 2025-01-01, so its own deadline is a year later: overdue from 2026-01-01.
	want := geo.Counts{Villages: 5, Baseline: 4, BaselineCovered: 2, FoundLater: 1, Covered: 2, DeadZone: 1, NoPower: 1, NoData: 1,
		Open: 2, Overdue: 2, OverdueNeverReported: 1, OverdueNoSignal: 1, TotalNotSpot: 1, WithSignal: []int{2, 1, 0, 0, 1}, PoweredNoData: 1}
	if got := s.National; !reflect.DeepEqual(got, want) {
		t.Errorf("National=%+v\nwant     %+v", got, want)
	}
	if got, want := len(s.Provinces), 2; got != want {
		t.Fatalf("len(Provinces)=%d, want %d", got, want)
	}
	// Province 12 has the dead zone (E), so it sorts first.
	if got, want := s.Provinces[0].ProvinceCode, "12"; got != want {
		t.Errorf("Provinces[0]=%s, want %s", got, want)
	}
	// Before E was found it is not counted.
	early := day("2024-06-01")
	s = geo.Summarize(geo.Evaluate(vs, latest, &prog, &p, nil, early), &prog, &p, early)
	if got, want := s.National.Villages, 4; got != want {
		t.Errorf("Villages before E was found=%d, want %d", got, want)
	}
}
