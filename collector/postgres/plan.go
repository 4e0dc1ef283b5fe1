package postgres

import (
	"context"
	"fmt"

	"github.com/covmon/covmon/geo"
)

// CommitPlans stores a plans upload in one transaction: it records u as accepted and adds every
// plan of ps to the history (earlier plans are kept: figures as of a past instant use the plan
// known then). On success it sets u.ID, u.Result and u.Inserted. Duplicates of accepted bytes
// behave as in CommitVillages.
func (db *DB) CommitPlans(ctx context.Context, u *geo.Upload, ps []geo.Plan) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return fmt.Errorf("commit plans: %w", err)
	}
	defer tx.Rollback(ctx)
	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("commit plans: %w", err)
	}
	const insertPlan = `INSERT INTO plans (village_id, program_id, carrier, site_id, target_on_air,
		progress, planned_at, built_at, on_air_at, upload_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	for i := range ps {
		p := &ps[i]
		if _, err := tx.Exec(ctx, insertPlan, p.VillageID, p.ProgramID, p.Carrier, p.SiteID, p.TargetOnAir.UnixMilli(),
			string(p.Progress), p.PlannedAt.UnixMilli(), nullMillis(p.BuiltAt), nullMillis(p.OnAirAt), id); err != nil {
			return fmt.Errorf("commit plans: village %q program %q: %w", p.VillageID, p.ProgramID, err)
		}
	}
	if err := finishAccepted(ctx, tx, id, len(ps)); err != nil {
		return fmt.Errorf("commit plans: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit plans: commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, len(ps), 0
	return nil
}

// Plans returns every plan uploaded (every program and carrier) with its upload's ID and
// received_at, ordered by program, village and upload.
func (db *DB) Plans(ctx context.Context) ([]geo.Plan, error) {
	rows, err := db.pool.Query(ctx, `SELECT p.village_id, p.program_id, p.carrier, p.site_id, p.target_on_air,
		p.progress, p.planned_at, p.built_at, p.on_air_at, p.upload_id, u.received_at
		FROM plans p JOIN uploads u ON u.id = p.upload_id
		ORDER BY p.program_id, p.village_id, p.upload_id`)
	if err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	defer rows.Close()
	var out []geo.Plan
	for rows.Next() {
		var (
			p                                       geo.Plan
			progress                                string
			target, planned, built, onAir, received *int64
		)
		if err := rows.Scan(&p.VillageID, &p.ProgramID, &p.Carrier, &p.SiteID, &target, &progress, &planned, &built, &onAir,
			&p.UploadID, &received); err != nil {
			return nil, fmt.Errorf("plans: %w", err)
		}
		p.Progress = geo.Progress(progress)
		p.TargetOnAir, p.PlannedAt, p.BuiltAt, p.OnAirAt = fromMillis(target), fromMillis(planned), fromMillis(built), fromMillis(onAir)
		p.ReceivedAt = fromMillis(received)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	return out, nil
}
