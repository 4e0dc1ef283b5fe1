package main

import (
	"math/rand/v2"
	"time"

	"github.com/covmon/covmon/geo"
)

// Carrier weights, indexed like geo.DefaultCarriers (viettel, vinaphone, mobifone,
// vietnamobile): who covers a village first, and how likely each other carrier joins later.
var (
	firstWeights = []int{68, 14, 14, 4}
	joinChance   = []float64{0.70, 0.40, 0.35, 0.10}
)

// techOptions are the technology sets a carrier may run in a village, with weights.
var techOptions = [4][]struct {
	Weight int
	Techs  []geo.Technology
}{
	{{40, []geo.Technology{geo.Tech4G}}, {45, []geo.Technology{geo.Tech2G, geo.Tech4G}}, {15, []geo.Technology{geo.Tech2G}}},
	{{50, []geo.Technology{geo.Tech4G}}, {35, []geo.Technology{geo.Tech3G, geo.Tech4G}}, {15, []geo.Technology{geo.Tech3G}}},
	{{50, []geo.Technology{geo.Tech4G}}, {35, []geo.Technology{geo.Tech3G, geo.Tech4G}}, {15, []geo.Technology{geo.Tech3G}}},
	{{60, []geo.Technology{geo.Tech4G}}, {40, []geo.Technology{geo.Tech2G}}},
}

// carriers plans what each carrier reports about v in role r. weak adds a carrier whose
// reports claim signal that the policy does not count.
func carriers(rng *rand.Rand, v *geo.Village, r role, weak bool) [4]carrierPlan {
	var cp [4]carrierPlan
	for c := range cp {
		cp[c].Techs = pickTechs(rng, c)
	}
	if r == roleNoData {
		return cp
	}
	known := dayStart
	if !v.Baseline {
		known = v.FoundAt.AddDate(0, 0, 3+rng.IntN(43))
	}

	var from time.Time
	switch r {
	case roleStart:
		from = dayStart
	case rolePre:
		from = randomDay(rng, dayStart.AddDate(0, 0, 1), date(2022, 7, 28))
	case roleRegressedPre:
		from = randomDay(rng, dayStart, date(2021, 12, 31))
	case rolePost:
		from = postReportDay(rng)
	case roleRegressedPost:
		from = nudge(randomDay(rng, date(2022, 8, 5), date(2024, 5, 31)))
	case roleFoundCovered:
		from = nudge(known.AddDate(0, 0, 30+rng.IntN(211)))
	}
	if !from.IsZero() {
		first := weighted(rng, firstWeights)
		cp[first].Reports, cp[first].From = true, from
		if r == roleRegressedPre || r == roleRegressedPost {
			dark := nudge(randomDay(rng, date(2025, 2, 1), date(2026, 8, 31)))
			cp[first].Until = dark
			if rng.IntN(2) == 0 {
				c := (first + 1 + rng.IntN(3)) % 4
				cp[c].Reports = true
				cp[c].From = nudge(randomDay(rng, from.AddDate(0, 0, 30), dark.AddDate(0, 0, -120)))
				cp[c].Until = nudge(dark.AddDate(0, 0, -rng.IntN(90)))
			}
		} else {
			for c := range cp {
				if c == first || rng.Float64() >= joinChance[c] {
					continue
				}
				lo, hi := from.AddDate(0, 0, 30), lastObs.AddDate(0, 0, -15)
				if lo.After(hi) {
					continue
				}
				cp[c].Reports, cp[c].From = true, nudge(randomDay(rng, lo, hi))
			}
		}
	}

	// Viettel reports every village; the others some more, without signal.
	cp[0].Reports = true
	for c := 1; c < 4; c++ {
		if !cp[c].Reports && rng.IntN(100) < 30 {
			cp[c].Reports = true
		}
	}
	if from.IsZero() || r == roleRegressedPre || r == roleRegressedPost {
		// A dark village: at least two carriers say so.
		for reporting(cp) < 2 {
			cp[1+rng.IntN(3)].Reports = true
		}
		if weak && reporting(cp) < 4 {
			c := 1 + rng.IntN(3)
			for cp[c].Reports {
				c = 1 + (c % 3)
			}
			cp[c] = carrierPlan{Reports: true, Techs: []geo.Technology{geo.Tech4G}, Weak: true}
		}
	}

	for c := range cp {
		p := &cp[c]
		if !p.Reports {
			continue
		}
		switch {
		case !v.Baseline:
			p.Start = known.AddDate(0, 0, rng.IntN(60))
		case c == 0 || rng.IntN(100) < 60:
			p.Start = dayStart
		default:
			p.Start = nudge(randomDay(rng, date(2021, 2, 1), date(2023, 12, 31)))
		}
		if !p.From.IsZero() && p.From.Before(p.Start) {
			p.Start = p.From
		}
	}
	return cp
}

// postReportDay picks the day a village is first covered after the report: slow in the
// months after it, steepest through 2023 and 2024, flat after the deadline.
func postReportDay(rng *rand.Rand) time.Time {
	var months []time.Time
	var weights []int
	for m := date(2022, 8, 1); m.Before(dayEnd); m = m.AddDate(0, 1, 0) {
		w := 100
		switch {
		case m.Before(date(2023, 1, 1)):
			w = 25
		case !m.Before(dayDeadline):
			w = 6
		}
		months = append(months, m)
		weights = append(weights, w)
	}
	m := months[weighted(rng, weights)]
	d := randomDay(rng, m, m.AddDate(0, 1, -1))
	if d.After(lastObs.AddDate(0, 0, -15)) {
		d = lastObs.AddDate(0, 0, -15)
	}
	return nudge(d)
}

// pickTechs picks carrier c's technologies in a village.
func pickTechs(rng *rand.Rand, c int) []geo.Technology {
	opts := techOptions[c]
	w := make([]int, len(opts))
	for i, o := range opts {
		w[i] = o.Weight
	}
	return opts[weighted(rng, w)].Techs
}

// reporting counts the carriers that report a village.
func reporting(cp [4]carrierPlan) int {
	n := 0
	for _, p := range cp {
		if p.Reports {
			n++
		}
	}
	return n
}

// weighted returns an index into weights, chosen with probability proportional to its weight.
func weighted(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := rng.IntN(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
