package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

// StatusStore is what status evaluation needs from storage.
type StatusStore interface {
	Villages(ctx context.Context, f geo.VillageFilter) ([]geo.Village, error)
	LatestObservations(ctx context.Context, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error)
	// Assignments returns the whole dated history of responsible carriers.
	Assignments(ctx context.Context) ([]geo.Assignment, error)
}

// Status evaluates the villages matching f at asOf under program prog (nil for none). Villages
// found after asOf are included with their status; geo.Summarize leaves them out of the counts.
func Status(ctx context.Context, s StatusStore, f geo.VillageFilter, prog *geo.Program, p *geo.Policy, asOf time.Time) ([]geo.VillageStatus, error) {
	vs, err := s.Villages(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("load villages: %w", err)
	}
	latest, err := s.LatestObservations(ctx, asOf, f)
	if err != nil {
		return nil, fmt.Errorf("load observations: %w", err)
	}
	as, err := s.Assignments(ctx)
	if err != nil {
		return nil, fmt.Errorf("load assignments: %w", err)
	}
	return geo.Evaluate(vs, latest, prog, p, geo.NewAssignments(as), asOf), nil
}
