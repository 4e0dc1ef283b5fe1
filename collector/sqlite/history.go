package sqlite

import (
	"context"
	"fmt"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// ObservationHistories returns the whole history of the villages matching f, carrier claims
// and independent measurements (Observation.Source tells them apart), per village, each
// ordered by observed_at then ID. Callers page through a large registry by
// village IDs (f.IDs) to bound memory.
func (db *DB) ObservationHistories(ctx context.Context, f geo.VillageFilter) (map[string][]geo.Observation, error) {
	where, args, err := villageFilter("o.village_id", f)
	if err != nil {
		return nil, fmt.Errorf("observation histories: %w", err)
	}
	if where != "" {
		where = " AND " + where
	}
	out, err := sqlstore.Group(ctx, sq(db.reader(ctx)), func(r sqlstore.Row) (geo.Observation, error) {
		var o geo.Observation
		err := scanObservation(r, &o)
		return o, err
	}, func(o *geo.Observation) string { return o.VillageID }, `SELECT `+observationColumns+` FROM observations o WHERE 1`+where+
		` ORDER BY o.village_id, o.observed_at, o.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("observation histories: %w", err)
	}
	return out, nil
}
