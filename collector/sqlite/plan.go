package sqlite

import (
	"context"
	"fmt"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// CommitPlans stores a plans upload in one transaction: it records u as accepted and adds every
// plan of ps to the history (earlier plans are kept: figures as of a past instant use the plan
// known then). On success it sets u.ID, u.Result and u.Inserted. Duplicates of accepted bytes
// behave as in CommitVillages.
func (db *DB) CommitPlans(ctx context.Context, u *geo.Upload, ps []geo.Plan) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit plans: %w", err)
	}
	defer tx.Rollback()
	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("commit plans: %w", err)
	}
	if _, err := sqlstore.ExecEach(ctx, sq(tx), `INSERT INTO plans (`+sqlstore.PlanColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, len(ps),
		func(i int) []any { return sqlstore.PlanValues(&ps[i], id) },
		func(i int) string { return fmt.Sprintf("village %q program %q", ps[i].VillageID, ps[i].ProgramID) }); err != nil {
		return fmt.Errorf("commit plans: %w", err)
	}
	if err := finishAccepted(ctx, tx, id, len(ps)); err != nil {
		return fmt.Errorf("commit plans: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit plans: commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, len(ps), 0
	return nil
}

// Plans returns every plan uploaded (every program and carrier) with its upload's ID and
// received_at, ordered by program, village and upload.
func (db *DB) Plans(ctx context.Context) ([]geo.Plan, error) {
	out, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanPlan, `SELECT p.village_id, p.program_id, p.carrier, p.site_id, p.target_on_air,
		p.progress, p.planned_at, p.built_at, p.on_air_at, p.upload_id, u.received_at
		FROM plans p JOIN uploads u ON u.id = p.upload_id
		ORDER BY p.program_id, p.village_id, p.upload_id`)
	if err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	return out, nil
}
