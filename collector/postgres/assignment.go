package postgres

import (
	"context"
	"fmt"

	"github.com/covmon/covmon/geo"
)

// CommitAssignments stores an assignments upload in one transaction: it records u as accepted
// and adds every assignment of as to the dated history (earlier assignments are kept, so
// figures as of a past instant use the assignment in force then). On success it sets u.ID,
// u.Result and u.Inserted. Duplicates of accepted bytes behave as in CommitVillages.
func (db *DB) CommitAssignments(ctx context.Context, u *geo.Upload, as []geo.Assignment) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return fmt.Errorf("commit assignments: %w", err)
	}
	defer tx.Rollback(ctx)
	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("commit assignments: %w", err)
	}
	const insertAssignment = `INSERT INTO assignments (village_id, program_id, carrier, assigned_at, upload_id)
		VALUES ($1, $2, $3, $4, $5)`
	for i := range as {
		a := &as[i]
		var carrier *string
		if a.Carrier != "" {
			carrier = &a.Carrier
		}
		if _, err := tx.Exec(ctx, insertAssignment, a.VillageID, a.ProgramID, carrier, a.AssignedAt.UnixMilli(), id); err != nil {
			return fmt.Errorf("commit assignments: village %q program %q: %w", a.VillageID, a.ProgramID, err)
		}
	}
	if err := finishAccepted(ctx, tx, id, len(as)); err != nil {
		return fmt.Errorf("commit assignments: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit assignments: commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, len(as), 0
	return nil
}

// Assignments returns the whole assignment history (every program), ordered by program,
// village, assigned_at and upload.
func (db *DB) Assignments(ctx context.Context) ([]geo.Assignment, error) {
	rows, err := db.pool.Query(ctx, `SELECT village_id, program_id, carrier, assigned_at, upload_id
		FROM assignments ORDER BY program_id, village_id, assigned_at, upload_id`)
	if err != nil {
		return nil, fmt.Errorf("assignments: %w", err)
	}
	defer rows.Close()
	var out []geo.Assignment
	for rows.Next() {
		var (
			a       geo.Assignment
			carrier *string
			at      *int64
		)
		if err := rows.Scan(&a.VillageID, &a.ProgramID, &carrier, &at, &a.UploadID); err != nil {
			return nil, fmt.Errorf("assignments: %w", err)
		}
		if carrier != nil {
			a.Carrier = *carrier
		}
		a.AssignedAt = fromMillis(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("assignments: %w", err)
	}
	return out, nil
}
