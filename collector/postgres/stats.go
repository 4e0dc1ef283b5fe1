package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// UploadStats counts uploads per carrier, role and result, with the newest one's receipt
// time and, for accepted observations and areas uploads, the newest instant they report
// (geo.UploadStat.LastReport). Registry uploads have the carrier "".
func (db *DB) UploadStats(ctx context.Context) ([]geo.UploadStat, error) {
	out, err := sqlstore.Collect(ctx, sq(db.pool), sqlstore.ScanUploadStat, sqlstore.UploadStatsQuery)
	if err != nil {
		return nil, fmt.Errorf("upload stats: %w", err)
	}
	return out, nil
}

// ProblemCounts counts the problems of rejected uploads by rule.
func (db *DB) ProblemCounts(ctx context.Context) ([]geo.RuleCount, error) {
	out, err := sqlstore.Collect(ctx, sq(db.pool), sqlstore.ScanRuleCount, `SELECT p.value ->> 'rule' AS rule, count(*)
		FROM uploads u, jsonb_array_elements(u.problems::jsonb) p(value)
		WHERE u.result = 'rejected' AND u.problems IS NOT NULL
		GROUP BY rule ORDER BY rule`)
	if err != nil {
		return nil, fmt.Errorf("problem counts: %w", err)
	}
	return out, nil
}

// SignalBefore returns the villages with at least one carrier claim at or before asOf whose
// signal counts under p (the SQL mirrors geo.Policy.Counts).
func (db *DB) SignalBefore(ctx context.Context, asOf time.Time, p *geo.Policy) (map[string]bool, error) {
	out, err := sqlstore.Set[string](ctx, sq(db.pool), `SELECT DISTINCT village_id FROM observations
		WHERE has_signal AND source_role = 'carrier' AND technology >= $1 AND observed_at <= $2
			AND (technology < $3 OR rsrp_dbm IS NULL OR rsrp_dbm >= $4)`,
		int(p.MinTechnology), asOf.UnixMilli(), int(geo.Tech4G), p.MinRSRPdBm)
	if err != nil {
		return nil, fmt.Errorf("signal history: %w", err)
	}
	return out, nil
}

// HasSource reports whether an accepted upload came from source (e.g. "seed").
func (db *DB) HasSource(ctx context.Context, source string) (bool, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM uploads
		WHERE result = 'accepted' AND source = $1 LIMIT 1) s`, source).Scan(&n); err != nil {
		return false, fmt.Errorf("look up source: %w", err)
	}
	return n > 0, nil
}
