package collector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

// StatusStore is what status evaluation needs from storage.
type StatusStore interface {
	Villages(ctx context.Context, f geo.VillageFilter) ([]geo.Village, error)
	LatestObservations(ctx context.Context, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error)
	// LatestMeasurements is LatestObservations for independent measurements: the latest per
	// village × carrier × technology at or before asOf.
	LatestMeasurements(ctx context.Context, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error)
	// Assignments returns the whole dated history of responsible carriers.
	Assignments(ctx context.Context) ([]geo.Assignment, error)
	// Plans returns every carrier plan uploaded, with its upload's received_at.
	Plans(ctx context.Context) ([]geo.Plan, error)
}

// Status evaluates the villages matching f at asOf under program prog (nil for none), with
// the independent measurements known at asOf (discrepancies, the program's trust rule), each in
// the version the registry had at asOf (villages retired by then, and successors created later,
// are left out; see docs/figures.md). Villages found after asOf are included with their status;
// geo.Summarize leaves them out of the counts. Under a program each village also gets its
// lifecycle step (geo.LifecycleOf).
func Status(ctx context.Context, s StatusStore, f geo.VillageFilter, prog *geo.Program, p *geo.Policy, asOf time.Time) ([]geo.VillageStatus, error) {
	f.AsOf = asOf
	vs, err := s.Villages(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("load villages: %w", err)
	}
	latest, err := s.LatestObservations(ctx, asOf, f)
	if err != nil {
		return nil, fmt.Errorf("load observations: %w", err)
	}
	measured, err := s.LatestMeasurements(ctx, asOf, f)
	if err != nil {
		return nil, fmt.Errorf("load measurements: %w", err)
	}
	as, err := s.Assignments(ctx)
	if err != nil {
		return nil, fmt.Errorf("load assignments: %w", err)
	}
	book := geo.NewAssignments(receivedBy(f, as, asOf, assignmentReceived))
	sts := geo.EvaluateEvidence(vs, latest, measured, prog, p, book, asOf)
	if prog != nil {
		if err := applyLifecycles(ctx, s, sts, latest, measured, book, prog, p, asOf, f); err != nil {
			return nil, err
		}
	}
	return sts, nil
}

// applyLifecycles loads the plans (those received by f.KnownBy(asOf) when f.AsKnown) and sets the
// lifecycle step of every village of sts.
func applyLifecycles(ctx context.Context, s StatusStore, sts []geo.VillageStatus, latest, measured map[string][]geo.Observation,
	book *geo.Assignments, prog *geo.Program, p *geo.Policy, asOf time.Time, f geo.VillageFilter) error {
	ps, err := s.Plans(ctx)
	if err != nil {
		return fmt.Errorf("load plans: %w", err)
	}
	ps = receivedBy(f, ps, asOf, planReceived)
	geo.ApplyLifecycles(sts, latest, measured, geo.NewPlans(ps), book, prog, p, asOf)
	return nil
}

// receivedBy returns, in the audit view (f.AsKnown), the items of xs whose upload was received
// at or before asOf, and xs itself otherwise: the assignments and plans, which the stores
// return whole, are held to what was known then as the observations and the registry are
// read (geo.VillageFilter.AsKnown). A plan counts only from its receipt in either view, so
// for plans this changes nothing at asOf; it keeps the rule in one place.
func receivedBy[T any](f geo.VillageFilter, xs []T, asOf time.Time, received func(*T) time.Time) []T {
	if !f.AsKnown {
		return xs
	}
	known := f.KnownBy(asOf)
	out := make([]T, 0, len(xs))
	for i := range xs {
		if !received(&xs[i]).After(known) {
			out = append(out, xs[i])
		}
	}
	return out
}

func assignmentReceived(a *geo.Assignment) time.Time { return a.ReceivedAt }
func planReceived(p *geo.Plan) time.Time             { return p.ReceivedAt }

// StreamStore is what StatusSummary needs from storage.
type StreamStore interface {
	Assignments(ctx context.Context) ([]geo.Assignment, error)
	Plans(ctx context.Context) ([]geo.Plan, error)
	LatestMeasurements(ctx context.Context, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error)
	EachVillageLatest(ctx context.Context, asOf time.Time, upTo int64, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error
}

// EachStatus is Status one village at a time: it calls fn with the status (lifecycle
// included, under a program) of each village matching f, in ID order, as the store streams
// them. fn may keep the status; an error from fn stops the walk and is returned as it is.
func EachStatus(ctx context.Context, s StreamStore, f geo.VillageFilter, prog *geo.Program, p *geo.Policy, asOf time.Time, fn func(st *geo.VillageStatus) error) error {
	f.AsOf = asOf // the registry as it was at asOf, as Status reads it
	as, err := s.Assignments(ctx)
	if err != nil {
		return fmt.Errorf("load assignments: %w", err)
	}
	book := geo.NewAssignments(receivedBy(f, as, asOf, assignmentReceived))
	// The independent measurements (few beside the claims) are loaded whole beforehand.
	measured, err := s.LatestMeasurements(ctx, asOf, f)
	if err != nil {
		return fmt.Errorf("load independent measurements: %w", err)
	}
	var plans *geo.Plans
	if prog != nil {
		ps, err := s.Plans(ctx)
		if err != nil {
			return fmt.Errorf("load plans: %w", err)
		}
		plans = geo.NewPlans(receivedBy(f, ps, asOf, planReceived))
	}
	e := geo.NewEvaluator(prog, p, book, asOf)
	return s.EachVillageLatest(ctx, asOf, 0, f, func(v *geo.Village, latest []geo.Observation) error {
		st := e.EvaluateMeasured(v, latest, measured[v.ID])
		if prog != nil {
			st.Lifecycle = geo.LifecycleOf(&st, latest, measured[v.ID], plans, book, prog, p, asOf)
		}
		if err := fn(&st); err != nil {
			return err
		}
		return ctx.Err()
	})
}

// StatusSummary is Status followed by geo.Summarize, streaming: it evaluates the villages
// matching f one at a time as the store reads them and tallies the summary as it goes, keeping
// only the statuses keep accepts (nil: none). Its memory is that of the summary and the kept
// villages, whatever the size of the registry; the independent measurements (few beside the
// claims) are loaded whole beforehand.
func StatusSummary(ctx context.Context, s StreamStore, f geo.VillageFilter, prog *geo.Program, p *geo.Policy, asOf time.Time, keep func(*geo.VillageStatus) bool) (geo.Summary, []geo.VillageStatus, error) {
	b := geo.NewSummaryBuilder(prog, p, asOf)
	var kept []geo.VillageStatus
	err := EachStatus(ctx, s, f, prog, p, asOf, func(st *geo.VillageStatus) error {
		b.Add(st)
		if keep != nil && keep(st) {
			kept = append(kept, *st)
		}
		return nil
	})
	if err != nil {
		return geo.Summary{}, nil, fmt.Errorf("evaluate villages: %w", err)
	}
	return b.Summary(), kept, nil
}

// UploadReader reads one upload's record.
type UploadReader interface {
	Upload(ctx context.Context, id int64) (*geo.Upload, error)
}

// RetiredAsKnown returns when village id was retired as known at asOf (the audit view): the
// effective instant of the succession that retired it (from lineage, its Successions) when the
// registry upload that recorded it was received by asOf, zero otherwise — a retirement received
// later was not known then, whatever its effective date.
func RetiredAsKnown(ctx context.Context, s UploadReader, id string, lineage []geo.Succession, asOf time.Time) (time.Time, error) {
	for _, sc := range lineage {
		if sc.Predecessor != id {
			continue
		}
		u, err := s.Upload(ctx, sc.UploadID)
		if err != nil {
			return time.Time{}, fmt.Errorf("retirement of %s: %w", id, err)
		}
		if !u.ReceivedAt.After(asOf) {
			return sc.Effective, nil
		}
	}
	return time.Time{}, nil
}

// VillageAt returns the instant to read village v's status at when asked as of asOf, and the
// filter to read it with (v alone; the audit view when asKnown): asOf, or, when v was retired
// by then (in the audit view, by a retirement received by then: RetiredAsKnown), its last
// instant in the registry, read in the audit view as known at asOf (KnownAt), not as known at
// that last instant. lineage is v's successions. Shared by the village API and covmon
// villages show.
func VillageAt(ctx context.Context, s UploadReader, v *geo.Village, lineage []geo.Succession, asOf time.Time, asKnown bool) (time.Time, geo.VillageFilter, error) {
	retired := v.RetiredAt
	if asKnown && !retired.IsZero() {
		var err error
		if retired, err = RetiredAsKnown(ctx, s, v.ID, lineage, asOf); err != nil {
			return time.Time{}, geo.VillageFilter{}, err
		}
	}
	f := geo.VillageFilter{IDs: []string{v.ID}, AsKnown: asKnown}
	if retired.IsZero() || asOf.Before(retired) {
		return asOf, f, nil
	}
	if asKnown {
		f.KnownAt = asOf
	}
	return retired.Add(-time.Millisecond), f, nil
}

// Receipts returns when the upload of each item of xs (upload gives its ID) was received, read
// once per upload: a village's history shows when each observation arrived beside when it was
// observed. An upload not found (or ID 0) is left out.
func Receipts[T any](ctx context.Context, s UploadReader, xs []T, upload func(*T) int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	seen := map[int64]bool{0: true}
	for i := range xs {
		id := upload(&xs[i])
		if seen[id] {
			continue
		}
		seen[id] = true
		u, err := s.Upload(ctx, id)
		switch {
		case errors.Is(err, geo.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("upload %d: %w", id, err)
		default:
			out[id] = u.ReceivedAt
		}
	}
	return out, nil
}
