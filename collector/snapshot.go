package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

// SnapshotStore is what a snapshot is built from.
type SnapshotStore interface {
	StatusStore
	UploadStats(ctx context.Context) ([]geo.UploadStat, error)
	ProblemCounts(ctx context.Context) ([]geo.RuleCount, error)
	// SignalBefore returns the villages that had, at some instant at or before asOf, an
	// observation showing signal that counts under p (used to tell regressions).
	SignalBefore(ctx context.Context, asOf time.Time, p *geo.Policy) (map[string]bool, error)
	// HasSource reports whether an accepted upload came from source (e.g. "seed").
	HasSource(ctx context.Context, source string) (bool, error)
}

// BuildSnapshot evaluates every program at asOf into a geo.Snapshot.
func BuildSnapshot(ctx context.Context, s SnapshotStore, progs []geo.Program, p *geo.Policy, asOf time.Time) (*geo.Snapshot, error) {
	vs, err := s.Villages(ctx, geo.VillageFilter{})
	if err != nil {
		return nil, fmt.Errorf("load villages: %w", err)
	}
	latest, err := s.LatestObservations(ctx, asOf, geo.VillageFilter{})
	if err != nil {
		return nil, fmt.Errorf("load observations: %w", err)
	}
	as, err := s.Assignments(ctx)
	if err != nil {
		return nil, fmt.Errorf("load assignments: %w", err)
	}
	book := geo.NewAssignments(as)
	snap := &geo.Snapshot{ComputedAt: time.Now(), AsOf: asOf}
	for i := range progs {
		prog := progs[i]
		// A regression is judged under the program's policy in force now: a village that had
		// signal which counts today and has none now.
		ever, err := s.SignalBefore(ctx, asOf, geo.PolicyFor(&prog, p, asOf))
		if err != nil {
			return nil, fmt.Errorf("load signal history: %w", err)
		}
		in := inProgram(vs, prog.ID)
		sts := geo.Evaluate(in, latest, &prog, p, book, asOf)
		ps := geo.ProgramState{Program: prog, Summary: geo.Summarize(sts, &prog, p, asOf)}
		for _, st := range sts {
			if st.Status == geo.StatusCovered || !st.Village.KnownAt(asOf) {
				continue
			}
			ps.Open = append(ps.Open, st)
			if ever[st.Village.ID] {
				ps.Regressed = append(ps.Regressed, st.Village.ID)
			}
		}
		snap.Programs = append(snap.Programs, ps)
	}
	snap.CarrierTech = geo.CountCarrierTech(latest, p)
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
