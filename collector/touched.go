package collector

import (
	"context"
	"fmt"
	"slices"

	"github.com/covmon/covmon/geo"
)

// maxTouchedRows is the number of observations stored since the snapshot beyond which an
// upload's refresh evaluates the whole registry again rather than the villages it touched
// (each touched village is read twice, so past a share of the registry the whole pass is
// cheaper).
const maxTouchedRows = 100_000

// refreshTouched updates the snapshot for the observations stored since it was computed,
// evaluating again only the villages they touched: k villages touched, k villages evaluated,
// whatever the size of the registry. asked is the last request it serves; owed, that those
// requests owe a whole computation in any case (a carrier's plans).
//
// The snapshot keeps its instant (AsOf): each touched village is evaluated at that instant
// from the observations stored up to the snapshot's mark (what the snapshot counted for it,
// taken back out of the figures) and then from every observation stored since (counted in),
// with its independent measurements as they were and as they are. Every figure thus stays
// exactly what a whole evaluation at AsOf of the same observations gives. An observation
// stored since that was observed after AsOf does not count at AsOf: the villages are updated
// all the same (exact at AsOf), and a whole computation is owed, which counts it at a later
// instant; so it is when more than maxTouchedRows observations arrived (then nothing is
// updated per village until the whole computation) and after a failure. Owed computations run
// at most once per MinFullRefresh (see refresher). Only when there is no snapshot yet, or the
// registry changed under it, is the whole snapshot computed again at once.
func (r *Runner) refreshTouched(ctx context.Context, asked uint64, owed bool) error {
	r.refreshMu.Lock()
	defer r.refreshMu.Unlock()
	cur, t := r.snap.Load(), r.live
	if cur == nil {
		return r.refreshLocked(ctx)
	}
	// owe records what the requests owe and reports whether the whole computation is due
	// already: then it runs here, at once (it counts everything).
	owe := func() bool {
		r.owe(asked)
		due, _ := r.owedDue()
		return !due.After(r.now())
	}
	if (owed || t == nil) && owe() {
		return r.refreshLocked(ctx)
	}
	if t == nil {
		return r.refreshUploadsLocked(ctx)
	}
	ver, persist := r.dataVersion(ctx) // before anything is read (see dataVersion)
	ids, next, latest, ok, err := r.Store.ObservationsSince(ctx, t.mark, maxTouchedRows)
	if err != nil {
		return err
	}
	if !ok {
		if owe() {
			return r.refreshLocked(ctx)
		}
		// Too many to evaluate per village: the figures stay those of the snapshot's mark
		// until the whole computation owed, and so do the next uploads' (no tally to update).
		r.live = nil
		return r.refreshUploadsLocked(ctx)
	}
	if latest.After(t.asOf) && owe() {
		return r.refreshLocked(ctx)
	}
	if len(ids) == 0 { // nothing stored since (an empty filter would read every village)
		return r.refreshUploadsLocked(ctx)
	}
	// The independent measurements of the touched villages at AsOf now: the old evaluation
	// is taken out with those the snapshot counted (t.measured), the new one counted in with
	// these.
	measured, err := r.Store.LatestMeasurements(ctx, t.asOf, geo.VillageFilter{IDs: ids})
	if err != nil {
		return err
	}
	r.live = nil // until the update is complete: a failure halfway leaves the tally unusable
	progs := r.Programs
	f := geo.VillageFilter{IDs: ids}
	// Take the touched villages out of the figures as the snapshot counted them.
	consistent := true
	err = r.Store.EachVillageLatest(ctx, t.asOf, upTo(t.mark), f, func(v *geo.Village, latest []geo.Observation) error {
		t.ct.Remove(latest)
		for i := range progs {
			if slices.Contains(v.Programs, progs[i].ID) {
				st := t.evaluate(progs, i, &r.Policy, v, latest)
				consistent = t.sums[i].Remove(&st) && consistent
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("evaluate touched villages: %w", err)
	}
	if !consistent { // the registry changed under the snapshot: a whole refresh follows it
		return r.refreshLocked(ctx)
	}
	for _, id := range ids {
		if m, ok := measured[id]; ok {
			t.measured[id] = m
		} else {
			delete(t.measured, id)
		}
	}
	// And count them in again with every observation stored since.
	open := make([][]geo.VillageStatus, len(progs))
	discrepant := make([][]geo.VillageStatus, len(progs))
	err = r.Store.EachVillageLatest(ctx, t.asOf, upTo(next), f, func(v *geo.Village, latest []geo.Observation) error {
		r.evaluated.Add(1)
		t.ct.Add(latest)
		for i := range progs {
			if !slices.Contains(v.Programs, progs[i].ID) {
				continue
			}
			st := t.evaluate(progs, i, &r.Policy, v, latest)
			t.sums[i].Add(&st)
			if !v.KnownAt(t.asOf) {
				continue
			}
			st.Compact() // kept: only what its explanation reads
			if len(st.Discrepancies) > 0 {
				discrepant[i] = append(discrepant[i], st)
			}
			if st.Status != geo.StatusCovered {
				open[i] = append(open[i], st)
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("evaluate touched villages: %w", err)
	}
	next2 := *cur
	next2.ComputedAt = r.now()
	next2.CarrierTech = t.ct.Counts()
	next2.Programs = slices.Clone(cur.Programs)
	touched := func(id string) bool { _, found := slices.BinarySearch(ids, id); return found }
	for i := range next2.Programs {
		ps := &next2.Programs[i]
		ps.Summary = t.sums[i].Summary()
		ps.History = nil
		ps.Open = mergeOpen(ps.Open, open[i], touched)
		ps.Discrepant = mergeOpen(ps.Discrepant, discrepant[i], touched)
		reg, err := regressed(ctx, r.Store, &progs[i], &r.Policy, t.asOf, open[i])
		if err != nil {
			return err
		}
		ps.Regressed = mergeIDs(ps.Regressed, reg, touched)
	}
	if err := uploadFigures(ctx, r.Store, &next2); err != nil {
		return err
	}
	if err := r.recordDay(ctx, &next2); err != nil {
		return fmt.Errorf("record daily figures: %w", err)
	}
	if err := r.loadHistory(ctx, &next2); err != nil {
		return err
	}
	t.mark = next
	r.markPending(&next2)
	r.snap.Store(&next2)
	r.live = t
	if r.OnSnapshot != nil {
		r.OnSnapshot(ctx, &next2)
	}
	r.persistPartial(ctx, ver, persist)
	return nil
}

// mergeOpen returns old without the touched villages, merged with fresh (the touched villages
// that are open now), sorted by village ID like both.
func mergeOpen(old, fresh []geo.VillageStatus, touched func(string) bool) []geo.VillageStatus {
	out := make([]geo.VillageStatus, 0, len(old)+len(fresh))
	j := 0
	for i := range old {
		id := old[i].Village.ID
		for j < len(fresh) && fresh[j].Village.ID < id {
			out = append(out, fresh[j])
			j++
		}
		if !touched(id) {
			out = append(out, old[i])
		}
	}
	return append(out, fresh[j:]...)
}

// mergeIDs is mergeOpen for sorted ID lists.
func mergeIDs(old, fresh []string, touched func(string) bool) []string {
	var out []string
	j := 0
	for _, id := range old {
		for j < len(fresh) && fresh[j] < id {
			out = append(out, fresh[j])
			j++
		}
		if !touched(id) {
			out = append(out, id)
		}
	}
	return append(out, fresh[j:]...)
}
