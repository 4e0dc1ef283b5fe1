package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// CreateToken stores t, appends its creation (and revocation, when t.RevokedAt is set) to
// the ledger in the same transaction, and sets t.ID.
func (db *DB) CreateToken(ctx context.Context, t *geo.Token) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO tokens (name, role, carrier, secret_hash, created_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?)`, t.Name, t.Role, t.Carrier, t.SecretHash, t.CreatedAt.UnixMilli(), nullMillis(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	err = queries.LedgerToken(ctx, sq(tx), id, !t.RevokedAt.IsZero())
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create token: commit: %w", err)
	}
	t.ID = id
	return nil
}

// Token returns the token with the given ID, revoked or not; an error wrapping
// geo.ErrNotFound when there is none.
func (db *DB) Token(ctx context.Context, id int64) (*geo.Token, error) {
	t, err := sqlstore.ScanToken(db.reader(ctx).QueryRowContext(ctx, `SELECT `+sqlstore.TokenColumns+` FROM tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token %d: %w", id, geo.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("token %d: %w", id, err)
	}
	return &t, nil
}

// Tokens lists every token, oldest first.
func (db *DB) Tokens(ctx context.Context) ([]geo.Token, error) {
	out, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanToken, `SELECT `+sqlstore.TokenColumns+` FROM tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken marks the token revoked at the given instant and appends the revocation to the
// ledger in the same transaction; an error wrapping geo.ErrNotFound when there is no such
// token. Revoking twice keeps the first instant (and the first entry).
func (db *DB) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	defer tx.Rollback()
	if err := queries.RevokeToken(ctx, sq(tx), id, at); err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("revoke token %d: commit: %w", id, err)
	}
	return nil
}

// TouchToken records that token id authenticated a request at the given instant. It writes
// only when the stored last use is older than a minute, so a busy client costs one write a
// minute, not one per request.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	ms := at.UnixMilli()
	if _, err := db.rw.ExecContext(ctx, `UPDATE tokens SET last_used_at = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, ms, id, ms-60_000); err != nil {
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}
