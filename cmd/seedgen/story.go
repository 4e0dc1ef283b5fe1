package main

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/covmon/covmon/geo"
)

// The story's key instants, all 00:00 in Vietnam (UTC+7).
var (
	dayStart    = date(2021, 1, 1)              // first observations: the initial survey
	dayReport   = date(2022, 8, 1)              // the ministry's 477-of-832 report
	dayDeadline = geo.DefaultProgram().Deadline // the Prime Minister's deadline
	dayEnd      = date(2026, 11, 1)             // "now" for the seed data
	lastObs     = date(2026, 10, 31)            // no observation is later
)

// role is what happens to a village over the story.
type role int

const (
	rolePost          role = iota // first covered after the report
	roleNoData                    // never reported by any carrier
	roleNoPower                   // no grid power, never covered
	roleDark                      // grid power, never covered
	roleRegressedPre              // covered before the report, dark again in the latest reports
	roleRegressedPost             // covered after the report, dark again in the latest reports
	roleStart                     // covered from the initial survey on 2021-01-01
	rolePre                       // first covered between the survey and the report
	roleFoundCovered              // found later, then covered by a carrier
)

// baselineRoles fixes how many baseline villages play each role; the remaining ones are
// rolePost. 260 + 214 + the 3 regressions covered before the report make the report's 477.
var baselineRoles = []struct {
	Role role
	N    int
}{
	{roleNoData, 4}, {roleNoPower, 13}, {roleDark, 22}, {roleRegressedPre, 3}, {roleRegressedPost, 3}, {roleStart, 260}, {rolePre, 214},
}

// foundLaterRoles are the roles of the villages found later, in the order they are dealt:
// most are still dark at the end.
var foundLaterRoles = []role{roleDark, roleDark, roleFoundCovered, roleDark, roleNoPower, roleDark,
	roleDark, roleFoundCovered, roleNoData, roleDark, roleFoundCovered, roleDark}

// Counts of grid-power adjustments among the baseline villages.
const (
	unpoweredCovered = 51 // no grid power but covered (solar-powered sites)
	latePowerDark    = 3  // never covered, power arrived 2023–2025
	latePowerCovered = 7  // covered, power arrived 2023–2025
	weakClaims       = 5  // dark villages where one carrier claims signal below −120 dBm
)

// plan is the story of one village.
type plan struct {
	Role role
	// Carriers is indexed like geo.DefaultCarriers.
	Carriers [4]carrierPlan
}

// carrierPlan is what one carrier reports about one village.
type carrierPlan struct {
	Reports bool
	// Start is the first report; From the first report with signal (zero: never) and Until
	// the first report without it again (zero: never).
	Start, From, Until time.Time
	Techs              []geo.Technology
	// Weak reports claim 4G signal but measure it below the policy's −120 dBm.
	Weak bool
}

// story deals roles, sets grid power and found-later dates on villages, and returns one plan
// per village (same order).
func story(rng *rand.Rand, villages []geo.Village) []plan {
	plans := make([]plan, len(villages))
	var baseline, found []int
	for i := range villages {
		if villages[i].Baseline {
			baseline = append(baseline, i)
		} else {
			found = append(found, i)
		}
	}
	// Deal roles in a random order so each role spreads over the provinces.
	rng.Shuffle(len(baseline), func(i, j int) { baseline[i], baseline[j] = baseline[j], baseline[i] })
	k := 0
	for _, r := range baselineRoles {
		for range r.N {
			plans[baseline[k]].Role = r.Role
			k++
		}
	}
	for j, i := range found {
		plans[i].Role = foundLaterRoles[j%len(foundLaterRoles)]
		villages[i].FoundAt = nudge(randomDay(rng, date(2023, 2, 1), date(2025, 9, 30)))
	}
	setPower(rng, villages, plans, baseline, found)
	weak := 0
	for _, i := range baseline {
		plans[i].Carriers = carriers(rng, &villages[i], plans[i].Role, plans[i].Role == roleDark && weak < weakClaims)
		if plans[i].Role == roleDark {
			weak++
		}
	}
	for _, i := range found {
		plans[i].Carriers = carriers(rng, &villages[i], plans[i].Role, false)
	}
	return plans
}

// setPower decides grid power, visiting the baseline villages in a fresh random order so the
// unpowered and late-powered ones spread over the covered roles.
func setPower(rng *rand.Rand, villages []geo.Village, plans []plan, baseline, found []int) {
	order := slices.Clone(baseline)
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	unpowered, lateDark, lateCovered := 0, 0, 0
	for _, i := range order {
		v := &villages[i]
		switch r := plans[i].Role; {
		case r == roleNoPower:
			v.GridPower = false
		case r == roleDark && lateDark < latePowerDark:
			v.GridPowerSince = nudge(randomDay(rng, date(2023, 1, 15), date(2025, 6, 30)))
			lateDark++
		case (r == roleStart || r == rolePre || r == rolePost) && unpowered < unpoweredCovered:
			v.GridPower = false
			unpowered++
		case (r == roleStart || r == rolePre || r == rolePost) && lateCovered < latePowerCovered:
			v.GridPowerSince = nudge(randomDay(rng, date(2023, 1, 15), date(2025, 6, 30)))
			lateCovered++
		}
		if v.GridPower && v.GridPowerSince.IsZero() && rng.IntN(100) < 60 {
			v.GridPowerSince = randomDay(rng, date(2005, 1, 1), date(2020, 12, 31))
		}
	}
	for _, i := range found {
		v := &villages[i]
		v.GridPower = plans[i].Role != roleNoPower
		if v.GridPower && rng.IntN(2) == 0 {
			v.GridPowerSince = randomDay(rng, date(2012, 1, 1), v.FoundAt.AddDate(0, -6, 0))
		}
	}
}

// date returns y-m-d 00:00 in Vietnam.
func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, geo.Vietnam) }

// randomDay returns a uniformly random day in [a, b] (both 00:00 in Vietnam).
func randomDay(rng *rand.Rand, a, b time.Time) time.Time {
	days := int(b.Sub(a).Hours()/24+0.5) + 1
	return a.AddDate(0, 0, rng.IntN(days))
}

// nudge moves a day that falls within two days of the report or the deadline to three days
// after it, so the figures at those instants do not hinge on how a reader rounds a date.
func nudge(t time.Time) time.Time {
	for _, key := range []time.Time{dayReport, dayDeadline} {
		if t.After(key.AddDate(0, 0, -3)) && t.Before(key.AddDate(0, 0, 3)) {
			return key.AddDate(0, 0, 3)
		}
	}
	return t
}
