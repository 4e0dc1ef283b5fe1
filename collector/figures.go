package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

// FiguresStore keeps the daily headline figures (the burn-down history).
type FiguresStore interface {
	SaveDailyFigures(ctx context.Context, fs []geo.DailyFigure) error
	DailyFigures(ctx context.Context, programID string, from, to time.Time) ([]geo.DailyFigure, error)
	FirstObservation(ctx context.Context) (time.Time, error)
}

// dayOf returns 00:00 in Vietnam of t's day.
func dayOf(t time.Time) time.Time {
	y, m, d := t.In(geo.Vietnam).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, geo.Vietnam)
}

// recordDay stores today's figures of every program from snapshot s: the daily snapshot. Each
// refresh replaces the day's row, so the row of a past day holds its last figures of that day.
func (r *Runner) recordDay(ctx context.Context, s *Snapshot) error {
	if r.Figures == nil {
		return nil
	}
	fs := make([]geo.DailyFigure, 0, len(s.Programs))
	for _, ps := range s.Programs {
		fs = append(fs, geo.DailyFigure{Day: dayOf(s.AsOf), ProgramID: ps.Program.ID, Counts: ps.Summary.National})
	}
	return r.Figures.SaveDailyFigures(ctx, fs)
}

// Backfill computes, from the stored observations, the figures of the first day of every month
// from the month of the oldest observation to today, for days without a recorded figure, so a
// burn-down chart has history from before covmon ran. Backfilled figures never replace recorded
// ones.
func (r *Runner) Backfill(ctx context.Context) error {
	if r.Figures == nil {
		return nil
	}
	first, err := r.Figures.FirstObservation(ctx)
	if err != nil || first.IsZero() {
		return err
	}
	now := r.now()
	vs, err := r.Store.Villages(ctx, geo.VillageFilter{})
	if err != nil {
		return fmt.Errorf("backfill: %w", err)
	}
	y, m, _ := first.In(geo.Vietnam).Date()
	var out []geo.DailyFigure
	for day := time.Date(y, m, 1, 0, 0, 0, 0, geo.Vietnam); !day.After(now); day = day.AddDate(0, 1, 0) {
		latest, err := r.Store.LatestObservations(ctx, day, geo.VillageFilter{})
		if err != nil {
			return fmt.Errorf("backfill %s: %w", day.Format(time.DateOnly), err)
		}
		for i := range r.Programs {
			prog := &r.Programs[i]
			sts := geo.Evaluate(inProgram(vs, prog.ID), latest, prog, &r.Policy, day)
			out = append(out, geo.DailyFigure{Day: day, ProgramID: prog.ID, Counts: geo.Summarize(sts, prog, &r.Policy, day).National, Backfilled: true})
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return r.Figures.SaveDailyFigures(ctx, out)
}

// inProgram returns the villages that belong to program id.
func inProgram(vs []geo.Village, id string) []geo.Village {
	var out []geo.Village
	for _, v := range vs {
		for _, p := range v.Programs {
			if p == id {
				out = append(out, v)
				break
			}
		}
	}
	return out
}
