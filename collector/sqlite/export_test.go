package sqlite

import (
	"context"
	"database/sql"
)

// BackfillLedger runs the ledger migration's Go step in its own transaction (tests).
func (db *DB) BackfillLedger(ctx context.Context) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := backfillLedger(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Exec runs a statement on the writer connection, as a person with the database file could.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.rw.ExecContext(ctx, q, args...)
}
