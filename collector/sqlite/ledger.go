package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// appendLedger appends an entry recording kind/ref with the given content to the chain, in
// tx: the entry and what it records are committed together or not at all. The writer
// connection is single and its transactions are IMMEDIATE, so no other append interleaves.
func appendLedger(ctx context.Context, tx *sql.Tx, kind string, ref int64, content string) error {
	return queries.AppendLedger(ctx, sq(tx), kind, ref, content)
}

// AppendLedger appends an admin action (kind, the ID of what it acted on, and its content as
// made by geo.LedgerContent) to the chain in tx. Stores of later admin records (assignments,
// policies) call it inside their own transaction.
func AppendLedger(ctx context.Context, tx *sql.Tx, kind string, ref int64, content string) error {
	return appendLedger(ctx, tx, kind, ref, content)
}

// ledgerUpload appends upload id, as stored in tx, to the ledger.
func ledgerUpload(ctx context.Context, tx *sql.Tx, id int64) error {
	return queries.LedgerUpload(ctx, sq(tx), id)
}

// backfillLedger chains the uploads and tokens that existed before the ledger did, in the
// migration's transaction: programs, token creations and uploads in ID order, then
// revocations. Uploads are chained in format 1, the columns the table had then: the role and
// the effective instant are added by later migrations (0036 and 0030; 0040 chains the
// instant).
func backfillLedger(ctx context.Context, tx *sql.Tx) error {
	q := sq(tx)
	programs, err := sqlstore.Column[int64](ctx, q, `SELECT rowid FROM programs ORDER BY rowid`)
	if err != nil {
		return fmt.Errorf("backfill ledger: %w", err)
	}
	for _, ref := range programs {
		var id, c string
		err := tx.QueryRowContext(ctx, `SELECT id FROM programs WHERE rowid = ?`, ref).Scan(&id)
		if err == nil {
			c, err = queries.ProgramContent(ctx, q, id)
		}
		if err == nil {
			err = queries.AppendLedger(ctx, q, geo.LedgerProgramSet, ref, c)
		}
		if err != nil {
			return fmt.Errorf("backfill ledger: %s %d: %w", geo.LedgerProgramSet, ref, err)
		}
	}
	for _, kind := range []struct{ kind, ids string }{
		{geo.LedgerTokenCreated, queries.TokenIDs},
		{geo.LedgerUpload, queries.UploadIDs},
		{geo.LedgerTokenRevoked, queries.RevokedIDs},
	} {
		ids, err := sqlstore.Column[int64](ctx, q, kind.ids)
		if err != nil {
			return fmt.Errorf("backfill ledger: %w", err)
		}
		for _, id := range ids {
			if err := queries.BackfillRecord(ctx, q, kind.kind, id); err != nil {
				return fmt.Errorf("backfill ledger: %s %d: %w", kind.kind, id, err)
			}
		}
	}
	return nil
}

// sealEffective is migration 0040's step: an upload_effective entry for every upload stored
// (sqlstore.Queries.SealEffective).
func sealEffective(ctx context.Context, tx *sql.Tx) error {
	return queries.SealEffective(ctx, sq(tx))
}

// LedgerEntries calls fn with every ledger entry in ID order, stopping at fn's first error.
func (db *DB) LedgerEntries(ctx context.Context, fn func(geo.LedgerEntry) error) error {
	return queries.LedgerEntries(ctx, sq(db.reader(ctx)), fn)
}

// VerifyLedger walks the chain in one read transaction and returns the first broken link
// (sqlstore.Queries.VerifyLedger says which). The error is non-nil only when the database
// could not be read.
func (db *DB) VerifyLedger(ctx context.Context) (*geo.LedgerReport, error) {
	tx, err := db.reader(ctx).BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("verify ledger: %w", err)
	}
	defer tx.Rollback()
	return queries.VerifyLedger(ctx, sq(tx))
}
