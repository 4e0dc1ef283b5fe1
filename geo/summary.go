package geo

import (
	"slices"
	"sort"
	"time"
)

// Counts tallies villages by status and standing.
type Counts struct {
	// Villages is every village counted.
	Villages int
	// Baseline is the villages on the program's original list (the "832"); BaselineCovered
	// how many of those are covered (the "477").
	Baseline        int
	BaselineCovered int
	// FoundLater is villages added after the baseline.
	FoundLater int

	Covered  int
	DeadZone int
	NoPower  int
	NoData   int
	// Open counts the villages in the program's scope without signal that counts (reported or
	// not); Overdue those of them past their own deadline, and the Overdue* fields split
	// Overdue by reason (they add up to Overdue).
	Open                 int
	Overdue              int
	OverdueNeverReported int
	OverdueNoSignal      int
	OverdueDarkCentre    int
	OverdueContradicted  int
	OverdueUnconfirmed   int
	// Discrepancies counts the villages with at least one discrepancy (a carrier's claim
	// contradicted by a newer independent measurement, either way), covered or not.
	Discrepancies int

	// TotalNotSpot (Ofcom's "total not-spot") counts powered villages that carriers reported
	// and none of them has signal that counts: the dead zones. Villages never reported are not
	// in it (they are in NoData).
	TotalNotSpot int
	// WithSignal[k] counts the powered in-scope villages where exactly k configured carriers
	// have signal that counts (k = 0 … number of carriers); villages never reported are in
	// WithSignal[0] and also in PoweredNoData.
	WithSignal    []int
	PoweredNoData int

	// PartialArea counts covered villages that are lõm sóng (Assessment.PartialArea): signal
	// at the centre, part of the settled area dark. Dead zones (DeadZone) are trắng sóng.
	PartialArea int

	// Steps counts the villages per lifecycle step (VillageStatus.Lifecycle), in the order of
	// the package's Steps; villages without a step (out of scope) are in none. Late counts the
	// open villages late against their responsible carrier's own plan. TargetSlips counts the
	// villages whose responsible carrier moved a target on-air date after it had passed
	// (Lifecycle.MissedTarget set), covered or not: a record of the carrier's planning, once per
	// village however often re-dated (docs/figures.md#lifecycle).
	Steps       [NumSteps]int
	Late        int
	TargetSlips int
}

func (c *Counts) add(vs *VillageStatus, carriers int, asOf time.Time) { c.addN(vs, carriers, asOf, 1) }

// addN adds vs to c d times (d = -1 takes it out again).
func (c *Counts) addN(vs *VillageStatus, carriers int, asOf time.Time, d int) {
	c.Villages += d
	if i := vs.Lifecycle.Step.index(); i >= 0 {
		c.Steps[i] += d
	}
	if vs.Lifecycle.Late {
		c.Late += d
	}
	if !vs.Lifecycle.MissedTarget.IsZero() {
		c.TargetSlips += d
	}
	if vs.Village.Baseline {
		c.Baseline += d
		if vs.Status == StatusCovered {
			c.BaselineCovered += d
		}
	} else {
		c.FoundLater += d
	}
	switch vs.Status {
	case StatusCovered:
		c.Covered += d
		if vs.PartialArea {
			c.PartialArea += d
		}
	case StatusDeadZone:
		c.DeadZone += d
		c.TotalNotSpot += d
	case StatusNoPower:
		c.NoPower += d
	case StatusNoData:
		c.NoData += d
	}
	if vs.InScope && vs.Village.PoweredAt(asOf) {
		if len(c.WithSignal) < carriers+1 {
			c.WithSignal = append(c.WithSignal, make([]int, carriers+1-len(c.WithSignal))...)
		}
		c.WithSignal[min(len(vs.CarriersWithSignal), carriers)] += d
		if vs.Status == StatusNoData {
			c.PoweredNoData += d
		}
	}
	if vs.Open {
		c.Open += d
	}
	if vs.Overdue {
		c.Overdue += d
		switch vs.Reason {
		case ReasonNeverReported:
			c.OverdueNeverReported += d
		case ReasonNoSignal:
			c.OverdueNoSignal += d
		case ReasonDarkCentre:
			c.OverdueDarkCentre += d
		case ReasonContradicted:
			c.OverdueContradicted += d
		case ReasonUnconfirmed:
			c.OverdueUnconfirmed += d
		}
	}
	if len(vs.Discrepancies) > 0 {
		c.Discrepancies += d
	}
}

// ResponsibleCounts is Counts for the villages one carrier is responsible for (Carrier is the
// carrier, or Unassigned).
type ResponsibleCounts struct {
	Carrier string
	Counts
}

// ProvinceCounts is Counts for one province.
type ProvinceCounts struct {
	ProvinceCode string
	ProvinceName string
	Counts
}

// Summary is the headline figures at an instant.
type Summary struct {
	AsOf    time.Time
	Program *Program
	// Policy is the signal policy the figures were computed under: the program's in force at
	// AsOf (or today's, when Program.PolicyRecomputed).
	Policy   PolicyVersion
	National Counts
	// Provinces is sorted by remaining dead zones (most first), then by code.
	Provinces []ProvinceCounts
	// Responsible splits the figures by responsible carrier: one row per configured carrier
	// (in configuration order), then any other assigned carrier, then Unassigned. Each village
	// is in exactly one row, so the rows add up to National.
	Responsible []ResponsibleCounts
	// Trust is the trust rule the figures were computed under; Discrepancies counts, per
	// carrier whose claim it is, the villages whose claim a newer measurement contradicts.
	Trust         Trust
	Discrepancies []DiscrepancyCount
}

// Summarize tallies statuses nationally and per province. Villages not yet known at asOf
// (found later) are left out.
func Summarize(statuses []VillageStatus, prog *Program, p *Policy, asOf time.Time) Summary {
	b := NewSummaryBuilder(prog, p, asOf)
	for i := range statuses {
		b.Add(&statuses[i])
	}
	return b.Summary()
}

// SummaryBuilder tallies statuses one at a time, as Summarize does for a slice: its memory is
// one Counts per province and carrier, whatever the number of villages.
type SummaryBuilder struct {
	s         Summary
	carriers  []string
	byCode    map[string]*ProvinceCounts
	byCarrier map[string]*ResponsibleCounts
	disc      *discrepancyTally
}

// NewSummaryBuilder starts the summary of program prog (nil for none) at asOf.
func NewSummaryBuilder(prog *Program, p *Policy, asOf time.Time) *SummaryBuilder {
	p = policyFor(prog, p, asOf)
	b := &SummaryBuilder{
		s:         Summary{AsOf: asOf, Program: prog, Policy: PolicyVersion{Policy: *p}, Trust: TrustOf(prog)},
		carriers:  p.Carriers,
		byCode:    map[string]*ProvinceCounts{},
		byCarrier: map[string]*ResponsibleCounts{},
		disc:      newDiscrepancyTally(p.Carriers),
	}
	if prog != nil && len(prog.Policies) > 0 {
		b.s.Policy = prog.PolicyVersionAt(asOf)
	}
	for _, c := range p.Carriers {
		b.byCarrier[c] = &ResponsibleCounts{Carrier: c}
	}
	b.byCarrier[Unassigned] = &ResponsibleCounts{Carrier: Unassigned}
	return b
}

// Add tallies vs; a village not yet known at the instant is left out.
func (b *SummaryBuilder) Add(vs *VillageStatus) {
	asOf, n := b.s.AsOf, len(b.carriers)
	if !vs.Village.KnownAt(asOf) {
		return
	}
	b.s.National.add(vs, n, asOf)
	pc := b.byCode[vs.Village.ProvinceCode]
	if pc == nil {
		pc = &ProvinceCounts{ProvinceCode: vs.Village.ProvinceCode, ProvinceName: vs.Village.ProvinceName}
		b.byCode[vs.Village.ProvinceCode] = pc
	}
	pc.add(vs, n, asOf)
	c := Bucket(vs.Responsible)
	rc := b.byCarrier[c]
	if rc == nil {
		rc = &ResponsibleCounts{Carrier: c}
		b.byCarrier[c] = rc
	}
	rc.add(vs, n, asOf)
	b.disc.addN(vs, 1)
}

// Remove takes back a status Add tallied (the village's earlier status, when it is evaluated
// again): Add(old), Remove(old), Add(new) tallies what Add(new) alone would. It returns false,
// changing nothing, when vs cannot have been added (its province or carrier was never seen).
func (b *SummaryBuilder) Remove(vs *VillageStatus) bool {
	asOf, n := b.s.AsOf, len(b.carriers)
	if !vs.Village.KnownAt(asOf) {
		return true
	}
	pc, rc := b.byCode[vs.Village.ProvinceCode], b.byCarrier[Bucket(vs.Responsible)]
	if pc == nil || rc == nil || pc.Villages == 0 || rc.Villages == 0 {
		return false
	}
	b.s.National.addN(vs, n, asOf, -1)
	pc.addN(vs, n, asOf, -1)
	rc.addN(vs, n, asOf, -1)
	b.disc.addN(vs, -1)
	return true
}

// Summary returns the figures tallied so far.
func (b *SummaryBuilder) Summary() Summary {
	s := b.s
	s.National.WithSignal = slices.Clone(s.National.WithSignal)
	s.Responsible = nil
	for _, c := range b.carriers {
		s.Responsible = append(s.Responsible, b.byCarrier[c].clone())
	}
	var others []string
	for c := range b.byCarrier {
		if c != Unassigned && !slices.Contains(b.carriers, c) {
			others = append(others, c)
		}
	}
	sort.Strings(others)
	for _, c := range others {
		s.Responsible = append(s.Responsible, b.byCarrier[c].clone())
	}
	s.Responsible = append(s.Responsible, b.byCarrier[Unassigned].clone())
	s.Discrepancies = b.disc.counts()
	s.Provinces = nil
	for _, pc := range b.byCode {
		c := *pc
		c.WithSignal = slices.Clone(c.WithSignal)
		s.Provinces = append(s.Provinces, c)
	}
	sort.Slice(s.Provinces, func(i, j int) bool {
		a, b := &s.Provinces[i], &s.Provinces[j]
		if a.DeadZone != b.DeadZone {
			return a.DeadZone > b.DeadZone
		}
		return a.ProvinceCode < b.ProvinceCode
	})
	return s
}

func (r *ResponsibleCounts) clone() ResponsibleCounts {
	c := *r
	c.WithSignal = slices.Clone(c.WithSignal)
	return c
}

// DailyFigure is a program's headline figures on one day, for burn-down charts.
type DailyFigure struct {
	// Day is the date (00:00 in Vietnam).
	Day       time.Time
	ProgramID string
	Counts    Counts
	// Backfilled is true for days before covmon ran, computed afterwards from the stored
	// observations (what is known now about that day, not what was known then).
	Backfilled bool
}

// Tally counts vs into c as Summarize does: villages not yet known at asOf are left out.
func (c *Counts) Tally(vs *VillageStatus, p *Policy, asOf time.Time) {
	if vs.Village.KnownAt(asOf) {
		c.add(vs, len(p.Carriers), asOf)
	}
}

// Add adds o's counts to c.
func (c *Counts) Add(o Counts) {
	c.Villages += o.Villages
	c.Baseline += o.Baseline
	c.BaselineCovered += o.BaselineCovered
	c.FoundLater += o.FoundLater
	c.Covered += o.Covered
	c.DeadZone += o.DeadZone
	c.NoPower += o.NoPower
	c.NoData += o.NoData
	c.Open += o.Open
	c.Overdue += o.Overdue
	c.OverdueNeverReported += o.OverdueNeverReported
	c.OverdueNoSignal += o.OverdueNoSignal
	c.OverdueDarkCentre += o.OverdueDarkCentre
	c.OverdueContradicted += o.OverdueContradicted
	c.OverdueUnconfirmed += o.OverdueUnconfirmed
	c.Discrepancies += o.Discrepancies
	c.TotalNotSpot += o.TotalNotSpot
	if len(c.WithSignal) < len(o.WithSignal) {
		c.WithSignal = append(c.WithSignal, make([]int, len(o.WithSignal)-len(c.WithSignal))...)
	}
	for k, n := range o.WithSignal {
		c.WithSignal[k] += n
	}
	c.PoweredNoData += o.PoweredNoData
	c.PartialArea += o.PartialArea
	for i, n := range o.Steps {
		c.Steps[i] += n
	}
	c.Late += o.Late
	c.TargetSlips += o.TargetSlips
}

// LatestAt calls fn for each instant of ats (ascending) with the latest observation per
// carrier × technology observed at or before it, taken from history (ordered by observed_at).
// It walks the history once, so evaluating a village at many instants costs little more than
// at one.
func LatestAt(history []Observation, ats []time.Time, fn func(i int, latest []Observation)) {
	type key struct {
		carrier string
		tech    Technology
	}
	cur := map[key]Observation{}
	var latest []Observation
	j := 0
	for i, at := range ats {
		for j < len(history) && !history[j].ObservedAt.After(at) {
			o := history[j]
			cur[key{o.Carrier, o.Technology}] = o
			j++
		}
		latest = latest[:0]
		for _, o := range cur {
			latest = append(latest, o)
		}
		fn(i, latest)
	}
}

// EvaluateAt evaluates every village of vs at each instant of ats (ascending) from its whole
// history (histories[id], ordered by observed_at: carrier claims and independent measurements,
// told apart by Source), under program prog with the responsible carriers of as, and calls fn
// with each status. It walks each history once for all the instants (see LatestAt).
func EvaluateAt(vs []Village, histories map[string][]Observation, prog *Program, p *Policy, as *Assignments, ats []time.Time, fn func(i int, st *VillageStatus)) {
	for k := range vs {
		v := vs[k : k+1]
		claims, measured := splitSources(histories[v[0].ID])
		measured = WithClaimsInForce(claims, measured)
		var measuredAt [][]Observation // the latest measurements per instant; nil without any
		if len(measured) > 0 {
			measuredAt = make([][]Observation, len(ats))
			LatestAt(measured, ats, func(i int, latest []Observation) { measuredAt[i] = slices.Clone(latest) })
		}
		LatestAt(claims, ats, func(i int, latest []Observation) {
			var m map[string][]Observation
			if measuredAt != nil {
				m = map[string][]Observation{v[0].ID: measuredAt[i]}
			}
			st := EvaluateEvidence(v, map[string][]Observation{v[0].ID: latest}, m, prog, p, as, ats[i])
			fn(i, &st[0])
		})
	}
}

// splitSources splits a history into carrier claims and independent measurements, each in
// its original order. Without measurements, claims is h itself.
func splitSources(h []Observation) (claims, measured []Observation) {
	if !slices.ContainsFunc(h, func(o Observation) bool { return o.Independent() }) {
		return h, nil
	}
	for _, o := range h {
		if o.Independent() {
			measured = append(measured, o)
		} else {
			claims = append(claims, o)
		}
	}
	return claims, measured
}
