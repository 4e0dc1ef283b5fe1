package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

// snapshot is the dataset evaluated by covmon's own rules at one instant.
type snapshot struct {
	AsOf   time.Time
	Counts geo.Counts
	// Responsible is Counts per responsible carrier (unassigned last).
	Responsible []geo.ResponsibleCounts
	Statuses    []geo.VillageStatus
	Latest      map[string][]geo.Observation
	// BaselineDead is the baseline villages in dead_zone (powered, no signal): the burn-down.
	BaselineDead int
	// Discrepancies counts the inspected claims contradicted, per carrier; Confirmed the
	// claims of signal an inspection confirms; VerifiedCovered the baseline villages covered
	// under trust: verified.
	Discrepancies   []geo.DiscrepancyCount
	Confirmed       int
	VerifiedCovered int
}

// figures are the story's numbers: the four key instants and the first of every month.
type figures struct {
	Start, Report, Deadline, End snapshot
	Monthly                      []snapshot
	// Regressions are villages covered at the first of some month but not at the end.
	Regressions int
}

// evaluate runs geo.Evaluate and geo.Summarize under the default policy and program at asOf.
func (d *dataset) evaluate(h history, asOf time.Time) snapshot {
	pol, prog := geo.DefaultPolicy(), geo.DefaultProgram()
	latest, measured := h.latest(asOf), d.measuredAt(asOf)
	for id, ms := range measured {
		measured[id] = geo.WithClaimsInForce(h[id], ms) // the claim each measurement judges
	}
	st := geo.EvaluateEvidence(d.Villages, latest, measured, &prog, &pol, geo.NewAssignments(d.Assignments), asOf)
	sum := geo.Summarize(st, &prog, &pol, asOf)
	s := snapshot{AsOf: asOf, Counts: sum.National, Responsible: sum.Responsible, Statuses: st, Latest: latest, Discrepancies: sum.Discrepancies}
	for _, vs := range st {
		for _, c := range vs.Claims {
			if c.Confirmation != nil {
				s.Confirmed++
			}
		}
	}
	if len(measured) > 0 {
		verified := prog
		verified.Trust = geo.TrustVerified
		vst := geo.EvaluateEvidence(d.Villages, latest, measured, &verified, &pol, nil, asOf)
		s.VerifiedCovered = geo.Summarize(vst, &verified, &pol, asOf).National.BaselineCovered
	}
	for _, vs := range st {
		if vs.Village.Baseline && vs.Status == geo.StatusDeadZone {
			s.BaselineDead++
		}
	}
	return s
}

// measure evaluates the dataset at the key instants and monthly.
func (d *dataset) measure() *figures {
	h := d.history()
	f := &figures{
		Start:    d.evaluate(h, dayStart),
		Report:   d.evaluate(h, dayReport),
		Deadline: d.evaluate(h, dayDeadline),
		End:      d.evaluate(h, dayEnd),
	}
	everCovered := map[string]bool{}
	for m := dayStart; !m.After(dayEnd); m = m.AddDate(0, 1, 0) {
		s := d.evaluate(h, m)
		for _, vs := range s.Statuses {
			if vs.Status == geo.StatusCovered {
				everCovered[vs.Village.ID] = true
			}
		}
		s.Statuses, s.Latest = nil, nil
		f.Monthly = append(f.Monthly, s)
	}
	for _, vs := range f.End.Statuses {
		if vs.Status != geo.StatusCovered && everCovered[vs.Village.ID] {
			f.Regressions++
		}
	}
	return f
}

// verifyStory checks that the figures tell the story the seed data promises (see
// seeds/README.md). It returns every broken promise, joined.
func verifyStory(f *figures) error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	within := func(what string, got, lo, hi int) {
		check(got >= lo && got <= hi, "%s = %d, want %d..%d", what, got, lo, hi)
	}
	r, s, e := f.Report.Counts, f.Start.Counts, f.End.Counts
	// Responsibility: each overdue village under one carrier or unassigned, every carrier
	// with some, a few unassigned.
	sum := 0
	for _, rc := range f.End.Responsible {
		sum += rc.Overdue
		if rc.Carrier != geo.Unassigned {
			check(rc.Overdue > 0, "no overdue village at the end for responsible carrier %s", rc.Carrier)
		}
	}
	check(sum == e.Overdue, "overdue per responsible carrier adds up to %d, want %d", sum, e.Overdue)
	if n := len(f.End.Responsible); n > 0 {
		within("unassigned overdue villages at the end", f.End.Responsible[n-1].Overdue, 1, 8)
	}
	// Inspections: a few claims contradicted (overstated), one understated, a dozen confirmed.
	over, under := 0, 0
	for _, dc := range f.End.Discrepancies {
		over += dc.Overstated
		under += dc.Understated
	}
	within("overstated claims at the end", over, 3, 6)
	within("understated claims at the end", under, 1, 1)
	within("confirmed claims at the end", f.End.Confirmed, 8, 40)
	check(len(f.Report.Discrepancies) == 0 || f.Report.Counts.Discrepancies == 0, "discrepancies on %s, want none (the inspections are of 2026)", day(dayReport))
	check(r.Baseline == 832, "baseline villages = %d, want 832", r.Baseline)
	check(r.BaselineCovered == 477, "baseline covered on %s = %d, want 477", day(dayReport), r.BaselineCovered)
	within("baseline covered on "+day(dayStart), s.BaselineCovered, 200, 300)
	within("dead zones at the end", e.DeadZone, 25, 45)
	check(e.Overdue >= e.DeadZone, "overdue at the end = %d, want at least every dead zone (%d)", e.Overdue, e.DeadZone)
	within("no_power at the end", e.NoPower, 10, 20)
	within("no_data at the end", e.NoData, 3, 6)
	within("regressions", f.Regressions, 4, 8)
	within("villages found later", e.FoundLater, 10, 14)
	check(len(e.WithSignal) == 5 && e.WithSignal[1]+e.WithSignal[2]+e.WithSignal[3] >= 100,
		"villages covered by 1-3 carriers at the end = %v, want at least 100", e.WithSignal)

	provinces := map[string]bool{}
	foundDark := 0
	for _, vs := range f.End.Statuses {
		v := vs.Village
		if !v.Baseline && vs.Status != geo.StatusCovered {
			foundDark++
		}
		if vs.Status == geo.StatusDeadZone {
			provinces[v.ProvinceCode] = true
		}
		if vs.Status != geo.StatusDeadZone && vs.Status != geo.StatusNoPower {
			continue
		}
		saysNo := map[string]bool{}
		for _, o := range f.End.Latest[v.ID] {
			if !o.HasSignal {
				saysNo[o.Carrier] = true
			}
		}
		check(len(saysNo) >= 2, "dark village %s: %d carriers report no signal, want at least 2", v.ID, len(saysNo))
	}
	check(len(provinces) >= 5, "dead zones at the end in %d provinces, want at least 5", len(provinces))
	check(foundDark*2 > e.FoundLater, "found-later villages dark at the end = %d of %d, want most", foundDark, e.FoundLater)

	// The burn-down: fewer dead zones at each key instant, fastest in 2023–2024.
	dz := []snapshot{f.Start, f.Report, f.Deadline, f.End}
	for i := 1; i < len(dz); i++ {
		check(dz[i].BaselineDead < dz[i-1].BaselineDead, "baseline dead zones rose from %d on %s to %d on %s",
			dz[i-1].BaselineDead, day(dz[i-1].AsOf), dz[i].BaselineDead, day(dz[i].AsOf))
	}
	rate := func(a, b snapshot) float64 {
		return float64(a.BaselineDead-b.BaselineDead) / b.AsOf.Sub(a.AsOf).Hours()
	}
	y2023 := f.Monthly[24]
	check(rate(y2023, f.Deadline) > rate(f.Report, y2023) && rate(y2023, f.Deadline) > rate(f.Deadline, f.End),
		"dead zones fall fastest in 2023-2024: want %.3g/day > %.3g/day and > %.3g/day",
		24*rate(y2023, f.Deadline), 24*rate(f.Report, y2023), 24*rate(f.Deadline, f.End))
	for i := 1; i < len(f.Monthly); i++ {
		a, b := f.Monthly[i-1], f.Monthly[i]
		check(b.Counts.BaselineCovered >= a.Counts.BaselineCovered-2, "baseline covered fell from %d to %d in the month to %s",
			a.Counts.BaselineCovered, b.Counts.BaselineCovered, day(b.AsOf))
	}
	return errors.Join(errs...)
}
