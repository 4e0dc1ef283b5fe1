package geo

import (
	"cmp"
	"slices"
	"time"
)

// StatusTimeline gives villages' statuses at a fixed list of instants from their whole
// histories, keeping only what decides a status: per carrier × technology, the latest claim
// and the latest independent measurement at each instant. The status is the one EvaluateAt's
// assessment gives (the latest claims at the instant, under the policy in force then, each
// claim of signal confirmed by the series' latest measurement under TrustVerified; grid power
// at the instant), without the rest of the assessment, without maps and without a copy of the
// history: for a forecast or a count over a whole registry, where EvaluateAt's full assessment
// per village and instant is most of the cost. Not for concurrent use: it reuses its buffers.
type StatusTimeline struct {
	ats   []time.Time
	pols  []*Policy // the policy in force at each instant
	trust Trust

	order    []int // the history's rows in series order (when it does not come in it)
	anyClaim []bool
	covered  []bool
}

// NewStatusTimeline returns a timeline of the instants ats (ascending) under program prog
// (nil for none: TrustClaims and p) with p the policy when prog has no versions.
func NewStatusTimeline(prog *Program, p *Policy, ats []time.Time) *StatusTimeline {
	t := &StatusTimeline{ats: ats, trust: TrustOf(prog), pols: make([]*Policy, len(ats)),
		anyClaim: make([]bool, len(ats)), covered: make([]bool, len(ats))}
	for i, at := range ats {
		t.pols[i] = policyFor(prog, p, at)
	}
	return t
}

// seriesOrder orders a history by series (carrier, technology, carrier claims before
// independent measurements), then observed_at, then ID: the order the stores' history walk
// gives (EachVillageHistory), in which a series' latest row at an instant is the last of its
// run observed at or before it. Rows equal in all of these (hand-made histories without IDs)
// keep their order, the later one winning as in LatestAt.
func seriesOrder(a, b *Observation) int {
	if c := cmp.Compare(a.Carrier, b.Carrier); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Technology, b.Technology); c != 0 {
		return c
	}
	if ai, bi := a.Independent(), b.Independent(); ai != bi {
		if bi {
			return -1
		}
		return 1
	}
	if c := a.ObservedAt.Compare(b.ObservedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// Eval calls fn with v's status at each instant of the timeline, oldest first, from h, v's
// whole history (carrier claims and independent measurements, in any order; it is read in
// series order, which the stores' history walk gives; other orders are sorted first). h is
// not modified.
func (t *StatusTimeline) Eval(v *Village, h []Observation, fn func(i int, s Status)) {
	row := func(k int) *Observation { return &h[k] }
	sorted := true
	for k := 1; k < len(h) && sorted; k++ {
		sorted = seriesOrder(&h[k-1], &h[k]) <= 0
	}
	if !sorted {
		t.order = t.order[:0]
		for k := range h {
			t.order = append(t.order, k)
		}
		slices.SortStableFunc(t.order, func(a, b int) int { return seriesOrder(&h[a], &h[b]) })
		row = func(k int) *Observation { return &h[t.order[k]] }
	}
	clear(t.anyClaim)
	clear(t.covered)
	for k := 0; k < len(h); {
		// One carrier × technology: its claims [k, m), then its measurements [m, e).
		first := row(k)
		m := k
		for m < len(h) && sameSeries(row(m), first) && !row(m).Independent() {
			m++
		}
		e := m
		for e < len(h) && sameSeries(row(e), first) {
			e++
		}
		c, ms := k-1, m-1 // the latest claim and measurement at the instant (none: before the run)
		for i, at := range t.ats {
			for c+1 < m && !row(c+1).ObservedAt.After(at) {
				c++
			}
			for ms+1 < e && !row(ms+1).ObservedAt.After(at) {
				ms++
			}
			if c < k {
				continue
			}
			t.anyClaim[i] = true
			if t.covered[i] {
				continue
			}
			claim, p := row(c), t.pols[i]
			if !p.Counts(claim) {
				continue
			}
			// Confirmed: the series' latest measurement at the instant was observed at or
			// after the claim and shows signal that counts.
			if t.trust != TrustVerified || (ms >= m && !row(ms).ObservedAt.Before(claim.ObservedAt) && p.Counts(row(ms))) {
				t.covered[i] = true
			}
		}
		k = e
	}
	for i, at := range t.ats {
		switch {
		case !t.anyClaim[i]:
			fn(i, StatusNoData)
		case t.covered[i]:
			fn(i, StatusCovered)
		case v.PoweredAt(at):
			fn(i, StatusDeadZone)
		default:
			fn(i, StatusNoPower)
		}
	}
}

func sameSeries(a, b *Observation) bool {
	return a.Carrier == b.Carrier && a.Technology == b.Technology
}
