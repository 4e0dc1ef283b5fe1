package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// queries are this store's statements for the logic it shares with collector/sqlite.
var queries = &sqlstore.Queries{
	LedgerHead:   `SELECT id, hash FROM ledger ORDER BY id DESC LIMIT 1`,
	LedgerInsert: `INSERT INTO ledger (id, kind, ref, content, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6)`,
	LedgerAll:    `SELECT id, kind, ref, content, prev_hash, hash FROM ledger ORDER BY id`,

	UploadRow: `SELECT id, kind, carrier, file_name, size, sha256, source, token_id,
		received_at, result, features, inserted, duplicate_of, problems, extent, marked_dark, notes
		FROM uploads WHERE id = $1`,
	TokenRow:       `SELECT id, name, role, carrier, secret_hash, created_at FROM tokens WHERE id = $1`,
	TokenRevokedAt: `SELECT revoked_at FROM tokens WHERE id = $1`,
	ProgramRow:     `SELECT id, name, deadline, powered_only FROM programs WHERE id = $1`,
	ProgramRef:     `SELECT ref FROM programs WHERE id = $1`, // programs are keyed by text; the ledger refers to rows by number
	ProgramIDs:     `SELECT id FROM programs ORDER BY id`,
	UploadIDs:      `SELECT id FROM uploads ORDER BY id`,
	TokenIDs:       `SELECT id FROM tokens ORDER BY id`,
	RevokedIDs:     `SELECT id FROM tokens WHERE revoked_at IS NOT NULL ORDER BY id`,

	UploadAccepted: `SELECT id FROM uploads WHERE carrier = $1 AND sha256 = $2 AND result = 'accepted'`,
	UploadInserted: `UPDATE uploads SET inserted = $1 WHERE id = $2`,

	TokenRevoke: `UPDATE tokens SET revoked_at = $1 WHERE id = $2`,
	ProgramUpsert: `INSERT INTO programs (id, name, deadline, powered_only)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name,
			deadline = excluded.deadline,
			powered_only = excluded.powered_only`,
}

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
