package geo

import (
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
	Overdue  int

	// TotalNotSpot: no carrier has signal (dead zone, no power or no data);
	// PartialNotSpot: covered by some but not all carriers of the policy.
	TotalNotSpot   int
	PartialNotSpot int

	// PartialArea counts covered villages that are lõm sóng (Assessment.PartialArea): signal
	// at the centre, part of the settled area dark. Dead zones (DeadZone) are trắng sóng.
	PartialArea int
}

func (c *Counts) add(vs *VillageStatus, carriers int) {
	c.Villages++
	if vs.Village.Baseline {
		c.Baseline++
		if vs.Status == StatusCovered {
			c.BaselineCovered++
		}
	} else {
		c.FoundLater++
	}
	switch vs.Status {
	case StatusCovered:
		c.Covered++
		if len(vs.CarriersWithSignal) < carriers {
			c.PartialNotSpot++
		}
		if vs.PartialArea {
			c.PartialArea++
		}
	case StatusDeadZone:
		c.DeadZone++
	case StatusNoPower:
		c.NoPower++
	case StatusNoData:
		c.NoData++
	}
	if vs.Status != StatusCovered {
		c.TotalNotSpot++
	}
	if vs.Overdue {
		c.Overdue++
	}
}

// ProvinceCounts is Counts for one province.
type ProvinceCounts struct {
	ProvinceCode string
	ProvinceName string
	Counts
}

// Summary is the headline figures at an instant.
type Summary struct {
	AsOf     time.Time
	Program  *Program
	National Counts
	// Provinces is sorted by remaining dead zones (most first), then by code.
	Provinces []ProvinceCounts
}

// Summarize tallies statuses nationally and per province. Villages not yet known at asOf
// (found later) are left out.
func Summarize(statuses []VillageStatus, prog *Program, p *Policy, asOf time.Time) Summary {
	s := Summary{AsOf: asOf, Program: prog}
	byCode := map[string]*ProvinceCounts{}
	n := len(p.Carriers)
	for i := range statuses {
		vs := &statuses[i]
		if !vs.Village.KnownAt(asOf) {
			continue
		}
		s.National.add(vs, n)
		pc := byCode[vs.Village.ProvinceCode]
		if pc == nil {
			pc = &ProvinceCounts{ProvinceCode: vs.Village.ProvinceCode, ProvinceName: vs.Village.ProvinceName}
			byCode[vs.Village.ProvinceCode] = pc
		}
		pc.add(vs, n)
	}
	for _, pc := range byCode {
		s.Provinces = append(s.Provinces, *pc)
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
		c.add(vs, len(p.Carriers))
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
	c.Overdue += o.Overdue
	c.TotalNotSpot += o.TotalNotSpot
	c.PartialNotSpot += o.PartialNotSpot
	c.PartialArea += o.PartialArea
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
// history (histories[id], ordered by observed_at), under program prog, and calls fn with each
// status. It walks each history once for all the instants (see LatestAt).
func EvaluateAt(vs []Village, histories map[string][]Observation, prog *Program, p *Policy, ats []time.Time, fn func(i int, st *VillageStatus)) {
	for k := range vs {
		v := vs[k : k+1]
		LatestAt(histories[v[0].ID], ats, func(i int, latest []Observation) {
			st := Evaluate(v, map[string][]Observation{v[0].ID: latest}, prog, p, ats[i])
			fn(i, &st[0])
		})
	}
}
