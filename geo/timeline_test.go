package geo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// timelineStatuses returns StatusTimeline's statuses of v at ats from h.
func timelineStatuses(prog *Program, p *Policy, ats []time.Time, v *Village, h []Observation) []Status {
	out := make([]Status, len(ats))
	NewStatusTimeline(prog, p, ats).Eval(v, h, func(i int, s Status) { out[i] = s })
	return out
}

// evaluateAtStatuses returns the statuses EvaluateAt's full assessment gives (h ordered by
// observed_at, then ID, as the stores' ObservationHistories give it).
func evaluateAtStatuses(prog *Program, p *Policy, ats []time.Time, v *Village, h []Observation) []Status {
	out := make([]Status, len(ats))
	EvaluateAt([]Village{*v}, map[string][]Observation{v.ID: h}, prog, p, nil, ats, func(i int, st *VillageStatus) { out[i] = st.Status })
	return out
}

// TestStatusTimeline_HandMade pins the timeline on hand-made histories: a correction back to
// an earlier value at the same instant (the later stored row wins), a claim after an instant
// not counting at it, an independent measurement confirming or not under TrustVerified, a
// policy raised between two instants, grid power arriving, and a village never reported.
func TestStatusTimeline_HandMade(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	ats := []time.Time{day(5), day(10), day(15), day(20), day(25)}
	rsrp := func(x float64) *float64 { return &x }
	v := &Village{ID: "V", GridPower: true, Programs: []string{"P"}}
	prog := &Program{ID: "P"}
	def := DefaultPolicy()
	claim := func(id int64, d int, tech Technology, signal bool) Observation {
		return Observation{ID: id, VillageID: "V", Carrier: "viettel", Technology: tech, HasSignal: signal, ObservedAt: day(d), Source: SourceCarrier}
	}
	measure := func(id int64, d int, signal bool) Observation {
		o := claim(id, d, Tech4G, signal)
		o.Source = SourceIndependent
		return o
	}
	for _, c := range []struct {
		name string
		prog *Program
		v    *Village
		h    []Observation
		want []Status
	}{
		{"never reported", prog, v, nil, []Status{StatusNoData, StatusNoData, StatusNoData, StatusNoData, StatusNoData}},
		{"signal from day 8", prog, v, []Observation{claim(1, 8, Tech4G, true)},
			[]Status{StatusNoData, StatusCovered, StatusCovered, StatusCovered, StatusCovered}},
		{"correction back to no signal at the same instant: the later stored row wins", prog, v,
			[]Observation{claim(1, 8, Tech4G, false), claim(2, 12, Tech4G, true), claim(3, 12, Tech4G, false)},
			[]Status{StatusNoData, StatusDeadZone, StatusDeadZone, StatusDeadZone, StatusDeadZone}},
		{"the correction stored first loses to the one stored after it", prog, v,
			[]Observation{claim(1, 8, Tech4G, false), claim(3, 12, Tech4G, true), claim(2, 12, Tech4G, false)},
			[]Status{StatusNoData, StatusDeadZone, StatusCovered, StatusCovered, StatusCovered}},
		{"signal lost on day 18 in one series, kept in another", prog, v,
			[]Observation{claim(1, 8, Tech4G, true), claim(2, 18, Tech4G, false), claim(3, 22, Tech2G, true)},
			[]Status{StatusNoData, StatusCovered, StatusCovered, StatusDeadZone, StatusCovered}},
		{"grid power from day 12: no power, then dead zone", prog,
			&Village{ID: "V", GridPower: true, GridPowerSince: day(12), Programs: []string{"P"}},
			[]Observation{claim(1, 3, Tech4G, false)},
			[]Status{StatusNoPower, StatusNoPower, StatusDeadZone, StatusDeadZone, StatusDeadZone}},
		{"a measurement alone is no report", prog, v, []Observation{measure(1, 3, true)},
			[]Status{StatusNoData, StatusNoData, StatusNoData, StatusNoData, StatusNoData}},
		{"verified: a claim counts once a measurement at or after it confirms it", &Program{ID: "P", Trust: TrustVerified}, v,
			[]Observation{claim(1, 3, Tech4G, true), measure(2, 12, true), claim(3, 18, Tech4G, true), measure(4, 22, false)},
			[]Status{StatusDeadZone, StatusDeadZone, StatusCovered, StatusDeadZone, StatusDeadZone}},
		{"a policy raised to 4G on day 15 stops a 2G claim counting", &Program{ID: "P", Policies: []PolicyVersion{
			{Policy: def}, {Effective: day(15), Policy: Policy{MinTechnology: Tech4G, MinRSRPdBm: -120}}}}, v,
			[]Observation{claim(1, 3, Tech2G, true)},
			[]Status{StatusCovered, StatusCovered, StatusDeadZone, StatusDeadZone, StatusDeadZone}},
		{"a policy raising the RSRP floor on day 15", &Program{ID: "P", Policies: []PolicyVersion{
			{Policy: def}, {Effective: day(15), Policy: Policy{MinTechnology: Tech2G, MinRSRPdBm: -100}}}}, v,
			[]Observation{func() Observation { o := claim(1, 3, Tech4G, true); o.RSRPdBm = rsrp(-110); return o }()},
			[]Status{StatusCovered, StatusCovered, StatusDeadZone, StatusDeadZone, StatusDeadZone}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := timelineStatuses(c.prog, &def, ats, c.v, c.h)
			if !slices.Equal(got, c.want) {
				t.Errorf("timeline %v, want %v", got, c.want)
			}
			// EvaluateAt reads the history ordered by observed_at, then ID.
			h := slices.Clone(c.h)
			slices.SortStableFunc(h, func(a, b Observation) int {
				if c := a.ObservedAt.Compare(b.ObservedAt); c != 0 {
					return c
				}
				return int(a.ID - b.ID)
			})
			if old := evaluateAtStatuses(c.prog, &def, ats, c.v, h); !slices.Equal(old, c.want) {
				t.Errorf("EvaluateAt %v, want %v", old, c.want)
			}
		})
	}
}

// TestStatusTimeline_MatchesEvaluateAt compares the timeline with EvaluateAt's full assessment
// on generated histories: two carriers, three technologies, claims and measurements on a few
// shared days (many ties, corrections at the same instant), RSRP around the thresholds, grid
// power arriving, programs trusting claims or only verified ones, a policy version raised
// mid-way, histories given in series order (as the stores walk them) and shuffled.
func TestStatusTimeline_MatchesEvaluateAt(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 6))
	day := func(d int) time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	var ats []time.Time
	for d := 0; d <= 84; d += 7 {
		ats = append(ats, day(d))
	}
	def := DefaultPolicy()
	progs := []*Program{
		{ID: "P"},
		{ID: "P", Trust: TrustVerified},
		{ID: "P", Policies: []PolicyVersion{{Policy: def}, {Effective: day(40), Policy: Policy{MinTechnology: Tech4G, MinRSRPdBm: -105}}}},
		{ID: "P", Trust: TrustVerified, Policies: []PolicyVersion{{Policy: Policy{MinTechnology: Tech3G, MinRSRPdBm: -115}},
			{Effective: day(30), Policy: def}, {Effective: day(60), Policy: Policy{MinTechnology: Tech4G, MinRSRPdBm: -100}}}},
	}
	counts := map[Status]int{}
	for n := range 4000 {
		v := &Village{ID: "V", GridPower: r.IntN(5) > 0, Programs: []string{"P"}}
		if r.IntN(3) == 0 {
			v.GridPowerSince = day(r.IntN(90) - 5)
		}
		var h []Observation
		for k := range r.IntN(12) {
			o := Observation{ID: int64(r.IntN(1000)*16 + k), VillageID: "V", Carrier: []string{"viettel", "mobifone"}[r.IntN(2)],
				Technology: Tech2G + Technology(r.IntN(3)), HasSignal: r.IntN(3) > 0,
				ObservedAt: day(r.IntN(12) * 8), Source: []string{SourceCarrier, "", SourceIndependent}[r.IntN(3)]}
			if o.Technology >= Tech4G && r.IntN(2) == 0 {
				x := float64(-125 + r.IntN(30))
				o.RSRPdBm = &x
			}
			h = append(h, o)
		}
		prog := progs[n%len(progs)]
		// As the stores give it to EvaluateAt: observed_at, then ID.
		byTime := slices.Clone(h)
		slices.SortFunc(byTime, func(a, b Observation) int {
			if c := a.ObservedAt.Compare(b.ObservedAt); c != 0 {
				return c
			}
			return int(a.ID - b.ID)
		})
		want := evaluateAtStatuses(prog, &def, ats, v, byTime)
		bySeries := slices.Clone(h)
		slices.SortFunc(bySeries, func(a, b Observation) int { return seriesOrder(&a, &b) })
		for name, in := range map[string][]Observation{"series order": bySeries, "shuffled": h, "time order": byTime} {
			if got := timelineStatuses(prog, &def, ats, v, in); !slices.Equal(got, want) {
				t.Fatalf("case %d (%s, trust %q, %d policies), village %+v:\ntimeline  %v\nEvaluateAt %v\nhistory %s",
					n, name, prog.Trust, len(prog.Policies), v, got, want, dump(byTime))
			}
		}
		for _, s := range want {
			counts[s]++
		}
	}
	for _, s := range Statuses {
		if counts[s] < 1000 {
			t.Errorf("only %d %s points among the generated ones: the comparison does not exercise it", counts[s], s)
		}
	}
}

func dump(h []Observation) string {
	s := ""
	for _, o := range h {
		r := "-"
		if o.RSRPdBm != nil {
			r = fmt.Sprint(*o.RSRPdBm)
		}
		s += fmt.Sprintf("\n  id %d %s %s %s signal %v rsrp %s source %q", o.ID, o.ObservedAt.Format(time.DateOnly), o.Carrier, o.Technology, o.HasSignal, r, o.Source)
	}
	return s
}
