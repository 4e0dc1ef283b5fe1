package main

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// record is an observation with the place it was measured at (nil when the carrier gave none).
type record struct {
	geo.Observation
	At *orb.Point
}

// observe turns the plans into observations, one slice per carrier (indexed like
// geo.DefaultCarriers), each ordered by village ID, then day, then technology.
func observe(rng *rand.Rand, villages []geo.Village, plans []plan) [4][]record {
	var out [4][]record
	for i := range villages {
		v := &villages[i]
		for c := range plans[i].Carriers {
			p := &plans[i].Carriers[c]
			if !p.Reports {
				continue
			}
			for _, t := range reportDays(rng, p) {
				for _, tech := range p.Techs {
					out[c] = append(out[c], measure(rng, v, geo.DefaultCarriers[c], p, tech, t))
				}
			}
		}
	}
	return out
}

// reportDays returns the days carrier plan p reports on, sorted and distinct: its start, the
// days signal arrives and goes, and a periodic report every 10–18 months in between.
func reportDays(rng *rand.Rand, p *carrierPlan) []time.Time {
	forced := []time.Time{p.Start}
	for _, t := range []time.Time{p.From, p.Until} {
		if !t.IsZero() {
			forced = append(forced, t)
		}
	}
	days := slices.Clone(forced)
	for t := p.Start; ; {
		t = nudge(t.AddDate(0, 0, 300+rng.IntN(241)))
		if t.After(lastObs) {
			break
		}
		near := false
		for _, f := range forced {
			if d := t.Sub(f); d > -21*24*time.Hour && d < 21*24*time.Hour {
				near = true
			}
		}
		if !near {
			days = append(days, t)
		}
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	return slices.Compact(days)
}

// measure makes carrier's observation of v on tech at day t.
func measure(rng *rand.Rand, v *geo.Village, carrier string, p *carrierPlan, tech geo.Technology, t time.Time) record {
	active := !p.From.IsZero() && !t.Before(p.From) && (p.Until.IsZero() || t.Before(p.Until))
	r := record{Observation: geo.Observation{
		VillageID:  v.ID,
		Carrier:    carrier,
		Technology: tech,
		HasSignal:  active || p.Weak,
		ObservedAt: t,
	}}
	switch {
	case p.Weak || t.Equal(p.Until):
		r.Method = pick(rng, []string{"drive_test", "crowd"})
	case t.Equal(p.From):
		r.Method = "on_air_report"
	case t.Equal(dayStart):
		r.Method = pick(rng, []string{"model", "on_air_report"})
	default:
		r.Method = methods[weighted(rng, []int{25, 10, 20, 45})]
	}
	measured := r.Method == "drive_test" || r.Method == "crowd"
	switch {
	case tech >= geo.Tech4G && p.Weak:
		r.RSRPdBm = ptr(round1(uniform(rng, -125, -121)))
	case tech >= geo.Tech4G && active && measured:
		rsrp := round1(uniform(rng, -118, -72))
		r.RSRPdBm = &rsrp
		r.DLMbps = ptr(round1(max(0.5, (rsrp+125)*uniform(rng, 0.4, 1.5))))
	case tech >= geo.Tech4G && active && r.Method == "model":
		r.RSRPdBm = ptr(round1(uniform(rng, -115, -80)))
	case tech >= geo.Tech4G && measured:
		r.RSRPdBm = ptr(round1(uniform(rng, -125, -121)))
	case tech == geo.Tech3G && active && measured:
		r.DLMbps = ptr(round1(uniform(rng, 0.5, 4)))
	}
	if measured {
		const offset = 0.006 // degrees, under a kilometre
		r.At = &orb.Point{
			round5(v.Center[0] + uniform(rng, -offset, offset)),
			round5(v.Center[1] + uniform(rng, -offset, offset)),
		}
	}
	return r
}

// methods are the observation methods of docs/formats.md.
var methods = []string{"drive_test", "model", "crowd", "on_air_report"}

func ptr[T any](x T) *T { return &x }
