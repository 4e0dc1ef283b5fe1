package postgres

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
	tx, err := db.begin(ctx)
	if err != nil {
		return fmt.Errorf("save daily figures: %w", err)
	}
	defer tx.Rollback(ctx)
	const upsertFigure = `INSERT INTO daily_figures (day, program_id, baseline, baseline_covered,
			covered, dead_zone, no_power, no_data, overdue, found_later, backfilled, computed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (program_id, day) DO UPDATE SET baseline = excluded.baseline,
			baseline_covered = excluded.baseline_covered, covered = excluded.covered,
			dead_zone = excluded.dead_zone, no_power = excluded.no_power, no_data = excluded.no_data,
			overdue = excluded.overdue, found_later = excluded.found_later,
			backfilled = excluded.backfilled, computed_at = excluded.computed_at
		WHERE NOT excluded.backfilled OR daily_figures.backfilled`
	now := db.now()
	for _, f := range fs {
		if _, err := tx.Exec(ctx, upsertFigure, sqlstore.DailyFigureValues(f, now)...); err != nil {
			return fmt.Errorf("save daily figures: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("save daily figures: %w", err)
	}
	return nil
}

// DailyFigures returns a program's figures from day from to day to (inclusive), oldest first.
func (db *DB) DailyFigures(ctx context.Context, programID string, from, to time.Time) ([]geo.DailyFigure, error) {
	out, err := sqlstore.Collect(ctx, sq(db.pool), sqlstore.ScanDailyFigure, `SELECT `+sqlstore.DailyFigureColumns+`
		FROM daily_figures WHERE program_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day`,
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
	if err := db.pool.QueryRow(ctx, `SELECT min(observed_at) FROM observations`).Scan(&ms); err != nil {
		return time.Time{}, fmt.Errorf("first observation: %w", err)
	}
	return sqlstore.NullTime(ms), nil
}
