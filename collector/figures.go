package collector

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/covmon/covmon/geo"
)

// FiguresStore keeps the daily headline figures (the burn-down history).
type FiguresStore interface {
	SaveDailyFigures(ctx context.Context, fs []geo.DailyFigure) error
	DailyFigures(ctx context.Context, programID string, from, to time.Time) ([]geo.DailyFigure, error)
	FirstObservation(ctx context.Context) (time.Time, error)
	// ObservationHistories returns the villages' whole histories (carrier claims and
	// independent measurements), each ordered by observed_at.
	ObservationHistories(ctx context.Context, f geo.VillageFilter) (map[string][]geo.Observation, error)
	// VillageVersions returns every version of the villages matching f (on their current
	// rows), retired villages included, ordered by village ID then ValidFrom.
	VillageVersions(ctx context.Context, f geo.VillageFilter) ([]geo.VillageVersion, error)
}

// dayOf returns 00:00 in Vietnam of t's day.
func dayOf(t time.Time) time.Time {
	y, m, d := t.In(geo.Vietnam).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, geo.Vietnam)
}

// recordDay stores today's figures of every program from snapshot s: the daily snapshot. Each
// refresh replaces the day's row, so the row of a past day holds its last figures of that day.
func (r *Runner) recordDay(ctx context.Context, s *geo.Snapshot) error {
	if r.Figures == nil {
		return nil
	}
	fs := make([]geo.DailyFigure, 0, len(s.Programs))
	for _, ps := range s.Programs {
		fs = append(fs, geo.DailyFigure{Day: dayOf(s.AsOf), ProgramID: ps.Program.ID, Counts: ps.Summary.National})
	}
	return r.Figures.SaveDailyFigures(ctx, fs)
}

// loadHistory fills each program's History with its figures on the first of every month.
func (r *Runner) loadHistory(ctx context.Context, s *geo.Snapshot) error {
	if r.Figures == nil {
		return nil
	}
	for i := range s.Programs {
		ps := &s.Programs[i]
		fs, err := r.Figures.DailyFigures(ctx, ps.Program.ID, time.Time{}, s.AsOf)
		if err != nil {
			return fmt.Errorf("load history: %w", err)
		}
		for _, f := range fs {
			if f.Day.Day() == 1 {
				ps.History = append(ps.History, f)
			}
		}
	}
	return nil
}

// Backfill computes, from the stored observations, the figures of the first day of every month
// from the month of the oldest observation to today, so a burn-down chart has history from
// before covmon ran. Backfilled figures never replace recorded ones. It reads the history a
// chunk of villages at a time and walks each village's history once for all the days.
func (r *Runner) Backfill(ctx context.Context) error {
	if r.Figures == nil {
		return nil
	}
	first, err := r.Figures.FirstObservation(ctx)
	if err != nil || first.IsZero() {
		return err
	}
	now, started := r.now(), time.Now()
	y, m, _ := first.In(geo.Vietnam).Date()
	var days []time.Time
	for day := time.Date(y, m, 1, 0, 0, 0, 0, geo.Vietnam); !day.After(now); day = day.AddDate(0, 1, 0) {
		days = append(days, day)
	}
	as, err := r.Store.Assignments(ctx)
	if err != nil {
		return fmt.Errorf("backfill: %w", err)
	}
	book := geo.NewAssignments(as)
	counts := make([][]geo.Counts, len(r.Programs)) // program × day
	for i := range counts {
		counts[i] = make([]geo.Counts, len(days))
	}
	// The registry streams by; a chunk of villages at a time is held with its histories. Each
	// day counts the registry as it was that day: every version of a village (retired villages
	// included) is evaluated on the days it was in force only, so a village that moved counts
	// where it was, and a merged pair counts twice before the merge and its successor once
	// after.
	// A chunk of 1000: at 1M villages a chunk of 5000 held 130 MB while it was evaluated
	// (its histories and the statuses of every month), beside the snapshot.
	const chunk = 1000
	ids := make([]string, 0, chunk)
	flush := func() error {
		vs, err := r.Figures.VillageVersions(ctx, geo.VillageFilter{IDs: ids})
		if err != nil {
			return err
		}
		hist, err := r.Figures.ObservationHistories(ctx, geo.VillageFilter{IDs: ids})
		if err != nil {
			return err
		}
		for i := range vs {
			ver := &vs[i]
			lo, hi := versionDays(ver, days)
			if lo >= hi {
				continue
			}
			one := []geo.Village{ver.Village}
			for pi := range r.Programs {
				prog := &r.Programs[pi]
				if !slices.Contains(ver.Programs, prog.ID) {
					continue
				}
				geo.EvaluateAt(one, hist, prog, &r.Policy, book, days[lo:hi], func(d int, st *geo.VillageStatus) {
					counts[pi][lo+d].Tally(st, &r.Policy, days[lo+d])
				})
			}
		}
		ids = ids[:0]
		return ctx.Err()
	}
	err = r.Store.EachVillage(ctx, geo.VillageFilter{WithRetired: true}, func(v *geo.Village) error {
		if ids = append(ids, v.ID); len(ids) == chunk {
			return flush()
		}
		return nil
	})
	if err == nil && len(ids) > 0 {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("backfill: %w", err)
	}
	var out []geo.DailyFigure
	for pi := range r.Programs {
		for d, day := range days {
			out = append(out, geo.DailyFigure{Day: day, ProgramID: r.Programs[pi].ID, Counts: counts[pi][d], Backfilled: true})
		}
	}
	if err := r.Figures.SaveDailyFigures(ctx, out); err != nil {
		return err
	}
	r.logger().Info("monthly figures backfilled", "took", time.Since(started).Round(time.Millisecond), "months", len(days))
	// Publish the history at once rather than at the next scheduled refresh: the snapshot's
	// figures are unchanged, so only its history is read again (no second evaluation).
	return r.refreshHistory(ctx)
}

// refreshHistory replaces the history of the current snapshot (a whole refresh when there is
// none yet).
func (r *Runner) refreshHistory(ctx context.Context) error {
	r.refreshMu.Lock()
	cur := r.snap.Load()
	if cur == nil {
		r.refreshMu.Unlock()
		return r.Refresh(ctx)
	}
	defer r.refreshMu.Unlock()
	next := *cur
	next.Programs = slices.Clone(cur.Programs)
	for i := range next.Programs {
		next.Programs[i].History = nil
	}
	if err := r.loadHistory(ctx, &next); err != nil {
		return err
	}
	r.snap.Store(&next)
	if r.OnSnapshot != nil {
		r.OnSnapshot(ctx, &next)
	}
	return nil
}

// versionDays returns the range [lo, hi) of the ascending days on which version v was in force.
func versionDays(v *geo.VillageVersion, days []time.Time) (lo, hi int) {
	if !v.ValidFrom.IsZero() {
		lo, _ = slices.BinarySearchFunc(days, v.ValidFrom, time.Time.Compare)
	}
	hi = len(days)
	if !v.ValidTo.IsZero() {
		hi, _ = slices.BinarySearchFunc(days, v.ValidTo, time.Time.Compare)
	}
	return lo, hi
}
