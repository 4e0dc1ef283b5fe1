package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// SaveDailyFigures stores figures, replacing those of the same program and day — except that a
// backfilled figure never replaces one recorded on the day itself.
func (db *DB) SaveDailyFigures(ctx context.Context, fs []geo.DailyFigure) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save daily figures: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO daily_figures (day, program_id, baseline, baseline_covered,
			covered, dead_zone, no_power, no_data, overdue, found_later, backfilled, computed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (program_id, day) DO UPDATE SET baseline = excluded.baseline,
			baseline_covered = excluded.baseline_covered, covered = excluded.covered,
			dead_zone = excluded.dead_zone, no_power = excluded.no_power, no_data = excluded.no_data,
			overdue = excluded.overdue, found_later = excluded.found_later,
			backfilled = excluded.backfilled, computed_at = excluded.computed_at
		WHERE excluded.backfilled = 0 OR daily_figures.backfilled = 1`)
	if err != nil {
		return fmt.Errorf("save daily figures: %w", err)
	}
	defer st.Close()
	now := db.now()
	for _, f := range fs {
		if _, err := st.ExecContext(ctx, sqlstore.DailyFigureValues(f, now)...); err != nil {
			return fmt.Errorf("save daily figures: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save daily figures: %w", err)
	}
	return nil
}

// DailyFigures returns a program's figures from day from to day to (inclusive), oldest first.
func (db *DB) DailyFigures(ctx context.Context, programID string, from, to time.Time) ([]geo.DailyFigure, error) {
	out, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanDailyFigure, `SELECT `+sqlstore.DailyFigureColumns+`
		FROM daily_figures WHERE program_id = ? AND day BETWEEN ? AND ? ORDER BY day`,
		programID, sqlstore.Day(from), sqlstore.Day(to))
	if err != nil {
		return nil, fmt.Errorf("daily figures: %w", err)
	}
	for i := range out {
		out[i].ProgramID = programID
	}
	return out, nil
}

// FirstObservation returns the instant of the oldest observation; zero when there is none.
func (db *DB) FirstObservation(ctx context.Context) (time.Time, error) {
	var ms *int64
	if err := db.reader(ctx).QueryRowContext(ctx, `SELECT min(observed_at) FROM observations`).Scan(&ms); err != nil {
		return time.Time{}, fmt.Errorf("first observation: %w", err)
	}
	return sqlstore.NullTime(ms), nil
}
