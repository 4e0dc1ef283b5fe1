package collector

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/covmon/covmon/geo"
)

// SnapshotStore is what a snapshot is built from.
type SnapshotStore interface {
	StatusStore
	// EachVillageLatest calls fn for every village matching f, in ID order, with its programs
	// and its latest carrier claims at asOf (as LatestObservations), streaming: the store never
	// holds the registry or the observations in memory. The village has no Area; fn may keep
	// it (a new one per call), but latest only during the call.
	EachVillageLatest(ctx context.Context, asOf time.Time, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error
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
	as, err := s.Assignments(ctx)
	if err != nil {
		return nil, fmt.Errorf("load assignments: %w", err)
	}
	book := geo.NewAssignments(as)
	// Plans and independent measurements are few (a carrier plans its open villages, inspectors
	// measure a sample): held whole, looked up per village for its lifecycle step.
	ps, err := s.Plans(ctx)
	if err != nil {
		return nil, fmt.Errorf("load plans: %w", err)
	}
	plans := geo.NewPlans(ps)
	measured, err := s.LatestMeasurements(ctx, asOf, geo.VillageFilter{})
	if err != nil {
		return nil, fmt.Errorf("load independent measurements: %w", err)
	}
	evals := make([]*geo.Evaluator, len(progs))
	sums := make([]*geo.SummaryBuilder, len(progs))
	open := make([][]geo.VillageStatus, len(progs))
	discrepant := make([][]geo.VillageStatus, len(progs))
	for i := range progs {
		evals[i] = geo.NewEvaluator(&progs[i], p, book, asOf)
		sums[i] = geo.NewSummaryBuilder(&progs[i], p, asOf)
	}
	ct := geo.NewCarrierTechCounter(p)
	err = s.EachVillageLatest(ctx, asOf, geo.VillageFilter{}, func(v *geo.Village, latest []geo.Observation) error {
		ct.Add(latest)
		for i := range progs {
			if !slices.Contains(v.Programs, progs[i].ID) {
				continue
			}
			st := evals[i].EvaluateMeasured(v, latest, measured[v.ID])
			st.Lifecycle = geo.LifecycleOf(&st, latest, measured[v.ID], plans, book, &progs[i], p, asOf)
			sums[i].Add(&st)
			if !v.KnownAt(asOf) {
				continue
			}
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
		return nil, fmt.Errorf("evaluate villages: %w", err)
	}
	snap := &geo.Snapshot{ComputedAt: time.Now(), AsOf: asOf, CarrierTech: ct.Counts()}
	for i := range progs {
		ps := geo.ProgramState{Program: progs[i], Summary: sums[i].Summary(), Open: open[i], Discrepant: discrepant[i]}
		// A regression is judged under the program's policy in force now: a village that had
		// signal which counts today and has none now.
		ids := make([]string, len(open[i]))
		for j := range open[i] {
			ids[j] = open[i][j].Village.ID
		}
		ever, err := s.SignalAmong(ctx, asOf, geo.PolicyFor(&progs[i], p, asOf), ids)
		if err != nil {
			return nil, fmt.Errorf("load signal history: %w", err)
		}
		for _, id := range ids {
			if ever[id] {
				ps.Regressed = append(ps.Regressed, id)
			}
		}
		snap.Programs = append(snap.Programs, ps)
	}
	if snap.Uploads, err = s.UploadStats(ctx); err != nil {
		return nil, fmt.Errorf("upload stats: %w", err)
	}
	if snap.Problems, err = s.ProblemCounts(ctx); err != nil {
		return nil, fmt.Errorf("problem counts: %w", err)
	}
	if snap.Demo, err = s.HasSource(ctx, "seed"); err != nil {
		return nil, fmt.Errorf("look for seed data: %w", err)
	}
	return snap, nil
}
