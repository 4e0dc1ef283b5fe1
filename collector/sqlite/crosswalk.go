package sqlite

import (
	"context"
	"fmt"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// CommitCrosswalk stores a crosswalk upload in one transaction: it records u as accepted and
// creates or updates every row (identified by level, effective date, old and new code). It
// sets u.ID, u.Result and u.Inserted (rows new or changed). A duplicate of accepted bytes is
// handled as in CommitVillages.
func (db *DB) CommitCrosswalk(ctx context.Context, u *geo.Upload, rows []geo.CrosswalkRow) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit crosswalk: %w", err)
	}
	defer tx.Rollback()
	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("commit crosswalk: %w", err)
	}
	changed, err := sqlstore.ExecEach(ctx, sq(tx), `INSERT INTO crosswalk (level, effective, old_code, new_code,
		old_name, new_name, old_province, new_province, share, upload_id)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (level, effective, old_code, new_code) DO UPDATE SET
		old_name = excluded.old_name, new_name = excluded.new_name,
		old_province = excluded.old_province, new_province = excluded.new_province,
		share = excluded.share, upload_id = excluded.upload_id
	WHERE (old_name, new_name, old_province, new_province, share)
		IS NOT (excluded.old_name, excluded.new_name, excluded.old_province, excluded.new_province, excluded.share)`, len(rows),
		func(i int) []any { return sqlstore.CrosswalkValues(&rows[i], id) },
		func(i int) string {
			return fmt.Sprintf("%s %s → %s", rows[i].Level, rows[i].OldCode, rows[i].NewCode)
		})
	if err != nil {
		return fmt.Errorf("commit crosswalk: %w", err)
	}
	if err := finishAccepted(ctx, tx, id, changed); err != nil {
		return fmt.Errorf("commit crosswalk: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit crosswalk: commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, changed, 0
	return nil
}

// Crosswalk returns every stored crosswalk row, ordered by level, date and codes.
func (db *DB) Crosswalk(ctx context.Context) ([]geo.CrosswalkRow, error) {
	out, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanCrosswalkRow, `SELECT `+sqlstore.CrosswalkColumns+` FROM crosswalk
		ORDER BY level, effective, old_code, new_code`)
	if err != nil {
		return nil, fmt.Errorf("crosswalk: %w", err)
	}
	return out, nil
}
