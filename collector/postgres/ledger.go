package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/covmon/covmon/geo"
)

// appendLedger appends an entry recording kind/ref with the given content to the chain, in
// tx: the entry and what it records are committed together or not at all. tx holds the write
// lock (begin), so no other append interleaves.
func appendLedger(ctx context.Context, tx pgx.Tx, kind string, ref int64, content string) error {
	return queries.AppendLedger(ctx, sq(tx), kind, ref, content)
}

// AppendLedger appends an admin action (kind, the ID of what it acted on, and its content as
// made by geo.LedgerContent) to the chain in tx. Stores of later admin records (assignments,
// policies) call it inside their own transaction.
func AppendLedger(ctx context.Context, tx pgx.Tx, kind string, ref int64, content string) error {
	return appendLedger(ctx, tx, kind, ref, content)
}

// ledgerUpload appends upload id, as stored in tx, to the ledger.
func ledgerUpload(ctx context.Context, tx pgx.Tx, id int64) error {
	return queries.LedgerUpload(ctx, sq(tx), id)
}

// sealEffective is migration 0040's step: an upload_effective entry for every upload stored
// (sqlstore.Queries.SealEffective), under the write lock like every append: an instance of
// an older covmon still running on the database may be appending meanwhile.
func sealEffective(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(writeLockKey)); err != nil {
		return fmt.Errorf("write lock: %w", err)
	}
	return queries.SealEffective(ctx, sq(tx))
}

// LedgerEntries calls fn with every ledger entry in ID order, stopping at fn's first error.
func (db *DB) LedgerEntries(ctx context.Context, fn func(geo.LedgerEntry) error) error {
	return queries.LedgerEntries(ctx, sq(db.pool), fn)
}

// VerifyLedger walks the chain in one read transaction and returns the first broken link
// (sqlstore.Queries.VerifyLedger says which). The error is non-nil only when the database
// could not be read.
func (db *DB) VerifyLedger(ctx context.Context) (*geo.LedgerReport, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify ledger: %w", err)
	}
	defer tx.Rollback(ctx)
	return queries.VerifyLedger(ctx, sq(tx))
}
