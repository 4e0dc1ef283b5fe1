package collector

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/covmon/covmon/geo"
)

// SnapshotStore is what a snapshot is built from.
type SnapshotStore interface {
	StatusStore
	// EachVillageLatest calls fn for every village matching f, in ID order, with its programs
	// and its latest carrier claims at asOf (as LatestObservations), streaming: the store never
	// holds the registry or the observations in memory. The village has no Area; fn may keep
	// it (a new one per call), but latest only during the call. upTo, when not 0, leaves out
	// the observations stored after that mark (ObservationMark; negative: all of them).
	EachVillageLatest(ctx context.Context, asOf time.Time, upTo int64, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error
	// ObservationMark returns the ID of the newest observation stored; IDs grow in commit
	// order, so a mark splits the observations into those stored before and after it.
	ObservationMark(ctx context.Context) (int64, error)
	// ObservationsSince returns the villages (sorted) with observations stored after mark, the
	// new mark, and their latest observed_at; ok is false (and only next is set) when more
	// than limit observations were stored since.
	ObservationsSince(ctx context.Context, mark int64, limit int) (ids []string, next int64, latest time.Time, ok bool, err error)
	// EachVillage is EachVillageLatest without the observations.
	EachVillage(ctx context.Context, f geo.VillageFilter, fn func(v *geo.Village) error) error
	UploadStats(ctx context.Context) ([]geo.UploadStat, error)
	ProblemCounts(ctx context.Context) ([]geo.RuleCount, error)
	// SignalAmong returns which of the villages ids had, at some instant at or before asOf, a
	// carrier claim showing signal that counts under p (used to tell regressions).
	SignalAmong(ctx context.Context, asOf time.Time, p *geo.Policy, ids []string) (map[string]bool, error)
	// HasSource reports whether an accepted upload came from source (e.g. "seed").
	HasSource(ctx context.Context, source string) (bool, error)
}

// BuildSnapshot evaluates every program at asOf into a geo.Snapshot.
//
// It walks the registry once, as the store streams it (EachVillageLatest), evaluating each
// village under every program it belongs to: the figures are tallied as it goes and only the
// open villages are kept, so its memory is bounded by what the snapshot shows (the open
// villages, one Counts per province and carrier), not by the registry or the observations.
func BuildSnapshot(ctx context.Context, s SnapshotStore, progs []geo.Program, p *geo.Policy, asOf time.Time) (*geo.Snapshot, error) {
	snap, _, err := buildSnapshot(ctx, s, progs, p, asOf, nil)
	return snap, err
}

// tally is what a snapshot was computed from and with, kept so that an upload's villages can
// be evaluated again without the others (see Runner.refreshTouched).
type tally struct {
	asOf  time.Time
	mark  int64 // the observations stored up to this ID are in the snapshot
	evals []*geo.Evaluator
	sums  []*geo.SummaryBuilder
	ct    *geo.CarrierTechCounter
	// What each village's lifecycle step is decided from, besides its claims.
	book     *geo.Assignments
	plans    *geo.Plans
	measured map[string][]geo.Observation
}

// evaluate is the evaluation of v under progs[i] that the snapshot counts: its status and its
// lifecycle step.
func (t *tally) evaluate(progs []geo.Program, i int, p *geo.Policy, v *geo.Village, latest []geo.Observation) geo.VillageStatus {
	st := t.evals[i].EvaluateMeasured(v, latest, t.measured[v.ID])
	st.Lifecycle = geo.LifecycleOf(&st, latest, t.measured[v.ID], t.plans, t.book, &progs[i], p, t.asOf)
	return st
}

// buildSnapshot is BuildSnapshot, also returning its tally; evaluated, when set, counts the
// villages evaluated.
func buildSnapshot(ctx context.Context, s SnapshotStore, progs []geo.Program, p *geo.Policy, asOf time.Time, evaluated *atomic.Uint64) (*geo.Snapshot, *tally, error) {
	mark, err := s.ObservationMark(ctx)
	if err != nil {
		return nil, nil, err
	}
	as, err := s.Assignments(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load assignments: %w", err)
	}
	book := geo.NewAssignments(as)
	// Plans and independent measurements are few (a carrier plans its open villages, inspectors
	// measure a sample): held whole, looked up per village for its lifecycle step.
	ps, err := s.Plans(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load plans: %w", err)
	}
	measured, err := s.LatestMeasurements(ctx, asOf, geo.VillageFilter{})
	if err != nil {
		return nil, nil, fmt.Errorf("load independent measurements: %w", err)
	}
	t := &tally{asOf: asOf, mark: mark, evals: make([]*geo.Evaluator, len(progs)), sums: make([]*geo.SummaryBuilder, len(progs)), ct: geo.NewCarrierTechCounter(p),
		book: book, plans: geo.NewPlans(ps), measured: measured}
	open := make([][]geo.VillageStatus, len(progs))
	discrepant := make([][]geo.VillageStatus, len(progs))
	for i := range progs {
		t.evals[i] = geo.NewEvaluator(&progs[i], p, book, asOf)
		t.sums[i] = geo.NewSummaryBuilder(&progs[i], p, asOf)
	}
	err = s.EachVillageLatest(ctx, asOf, upTo(mark), geo.VillageFilter{}, func(v *geo.Village, latest []geo.Observation) error {
		if evaluated != nil {
			evaluated.Add(1)
		}
		t.ct.Add(latest)
		for i := range progs {
			if !slices.Contains(v.Programs, progs[i].ID) {
				continue
			}
			st := t.evaluate(progs, i, p, v, latest)
			t.sums[i].Add(&st)
			if !v.KnownAt(asOf) {
				continue
			}
			st.Compact() // kept: only what its explanation reads
			if len(st.Discrepancies) > 0 {
				discrepant[i] = append(discrepant[i], st)
			}
			if st.Status == geo.StatusCovered {
				continue
			}
			open[i] = append(open[i], st) // keeps v: the store hands out a new one per village
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate villages: %w", err)
	}
	snap := &geo.Snapshot{ComputedAt: time.Now(), AsOf: asOf, CarrierTech: t.ct.Counts()}
	for i := range progs {
		ps := geo.ProgramState{Program: progs[i], Summary: t.sums[i].Summary(), Open: open[i], Discrepant: discrepant[i]}
		// A regression is judged under the program's policy in force now: a village that had
		// signal which counts today and has none now.
		if ps.Regressed, err = regressed(ctx, s, &progs[i], p, asOf, open[i]); err != nil {
			return nil, nil, err
		}
		snap.Programs = append(snap.Programs, ps)
	}
	if err := uploadFigures(ctx, s, snap); err != nil {
		return nil, nil, err
	}
	return snap, t, nil
}

// upTo returns the bound of EachVillageLatest that leaves out what was stored after mark.
func upTo(mark int64) int64 {
	if mark == 0 {
		return -1 // no observation yet: none
	}
	return mark
}

// regressed returns the IDs of the open villages that had signal before: a regression is
// judged under the program's policy in force now, a village that had signal which counts
// today and has none now.
func regressed(ctx context.Context, s SnapshotStore, prog *geo.Program, p *geo.Policy, asOf time.Time, open []geo.VillageStatus) ([]string, error) {
	ids := make([]string, len(open))
	for j := range open {
		ids[j] = open[j].Village.ID
	}
	ever, err := s.SignalAmong(ctx, asOf, geo.PolicyFor(prog, p, asOf), ids)
	if err != nil {
		return nil, fmt.Errorf("load signal history: %w", err)
	}
	var out []string
	for _, id := range ids {
		if ever[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// uploadFigures sets the snapshot's upload and problem figures and its demo flag.
func uploadFigures(ctx context.Context, s SnapshotStore, snap *geo.Snapshot) error {
	var err error
	if snap.Uploads, err = s.UploadStats(ctx); err != nil {
		return fmt.Errorf("upload stats: %w", err)
	}
	if snap.Problems, err = s.ProblemCounts(ctx); err != nil {
		return fmt.Errorf("problem counts: %w", err)
	}
	if snap.Demo, err = s.HasSource(ctx, "seed"); err != nil {
		return fmt.Errorf("look for seed data: %w", err)
	}
	return nil
}
