package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// Ping checks that both pools answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.rw.PingContext(ctx); err != nil {
		return fmt.Errorf("ping writer: %w", err)
	}
	if err := db.reader(ctx).PingContext(ctx); err != nil {
		return fmt.Errorf("ping reader: %w", err)
	}
	return nil
}

// UploadStats counts uploads per carrier, role and result, with the newest one's receipt
// time and, for accepted observations and areas uploads, the newest instant they report
// (geo.UploadStat.LastReport). Registry uploads have the carrier "".
func (db *DB) UploadStats(ctx context.Context) ([]geo.UploadStat, error) {
	out, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanUploadStat, sqlstore.UploadStatsQuery)
	if err != nil {
		return nil, fmt.Errorf("upload stats: %w", err)
	}
	return out, nil
}

// ProblemCounts counts the problems of rejected uploads by rule.
func (db *DB) ProblemCounts(ctx context.Context) ([]geo.RuleCount, error) {
	out, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanRuleCount, `SELECT p.value ->> 'rule' AS rule, count(*)
		FROM uploads u, json_each(u.problems) p
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
	out, err := sqlstore.Set[string](ctx, sq(db.reader(ctx)), `SELECT DISTINCT village_id FROM observations
		WHERE has_signal = 1 AND source_role = 'carrier' AND technology >= ? AND observed_at <= ?
			AND (technology < ? OR rsrp_dbm IS NULL OR rsrp_dbm >= ?)`,
		int(p.MinTechnology), asOf.UnixMilli(), int(geo.Tech4G), p.MinRSRPdBm)
	if err != nil {
		return nil, fmt.Errorf("signal history: %w", err)
	}
	return out, nil
}

// SignalAmong returns which of the villages ids have at least one carrier claim at or before
// asOf whose signal counts under p (the SQL mirrors geo.Policy.Counts). It seeks each
// village's observations by index, so its cost follows len(ids), not the whole history.
func (db *DB) SignalAmong(ctx context.Context, asOf time.Time, p *geo.Policy, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	const chunk = 10000
	for start := 0; start < len(ids); start += chunk {
		b, err := json.Marshal(ids[start:min(start+chunk, len(ids))])
		if err != nil {
			return nil, fmt.Errorf("signal history: %w", err)
		}
		if err := sqlstore.AddSet(ctx, sq(db.reader(ctx)), out, `SELECT v.value FROM json_each(?) v
			WHERE EXISTS (SELECT 1 FROM observations
				WHERE village_id = v.value AND has_signal = 1 AND source_role = 'carrier'
					AND technology >= ? AND observed_at <= ?
					AND (technology < ? OR rsrp_dbm IS NULL OR rsrp_dbm >= ?))`,
			string(b), int(p.MinTechnology), asOf.UnixMilli(), int(geo.Tech4G), p.MinRSRPdBm); err != nil {
			return nil, fmt.Errorf("signal history: %w", err)
		}
	}
	return out, nil
}

// HasSource reports whether an accepted upload came from source (e.g. "seed").
func (db *DB) HasSource(ctx context.Context, source string) (bool, error) {
	var n int
	if err := db.reader(ctx).QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM uploads
		WHERE result = 'accepted' AND source = ? LIMIT 1)`, source).Scan(&n); err != nil {
		return false, fmt.Errorf("look up source: %w", err)
	}
	return n > 0, nil
}
