package postgres

import (
	"context"
	"fmt"

	"github.com/covmon/covmon/collector/internal/sqlstore"
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
	if _, err := sqlstore.ExecEach(ctx, sq(tx), `INSERT INTO assignments (`+sqlstore.AssignmentColumns+`) VALUES ($1, $2, $3, $4, $5)`, len(as),
		func(i int) []any { return sqlstore.AssignmentValues(&as[i], id) },
		func(i int) string { return fmt.Sprintf("village %q program %q", as[i].VillageID, as[i].ProgramID) }); err != nil {
		return fmt.Errorf("commit assignments: %w", err)
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
// village, assigned_at and upload, each with its upload's received_at.
func (db *DB) Assignments(ctx context.Context) ([]geo.Assignment, error) {
	out, err := sqlstore.Collect(ctx, sq(db.pool), sqlstore.ScanAssignment, `SELECT `+sqlstore.AssignmentColumns+`
		FROM assignments ORDER BY program_id, village_id, assigned_at, upload_id`)
	if err == nil {
		// Read after the assignments: an upload is committed with its rows and never deleted,
		// so every assignment read has its upload here.
		err = sqlstore.AssignmentReceipts(ctx, sq(db.pool), queries.AssignmentUploads, out)
	}
	if err != nil {
		return nil, fmt.Errorf("assignments: %w", err)
	}
	return out, nil
}
