package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

const tokenColumns = `id, name, role, carrier, secret_hash, created_at, revoked_at, last_used_at`

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
	c, err := tokenContent(ctx, tx, id)
	if err == nil {
		err = appendLedger(ctx, tx, geo.LedgerTokenCreated, id, c)
	}
	if err == nil && !t.RevokedAt.IsZero() {
		if c, err = revokeContent(ctx, tx, id); err == nil {
			err = appendLedger(ctx, tx, geo.LedgerTokenRevoked, id, c)
		}
	}
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create token: commit: %w", err)
	}
	t.ID = id
	return nil
}

func scanToken(s rowScanner) (*geo.Token, error) {
	var (
		t       geo.Token
		created int64
		revoked sql.NullInt64
		used    sql.NullInt64
	)
	if err := s.Scan(&t.ID, &t.Name, &t.Role, &t.Carrier, &t.SecretHash, &created, &revoked, &used); err != nil {
		return nil, err
	}
	t.CreatedAt = time.UnixMilli(created).In(geo.Vietnam)
	t.RevokedAt = fromMillis(revoked)
	t.LastUsedAt = fromMillis(used)
	return &t, nil
}

// Token returns the token with the given ID, revoked or not; an error wrapping
// geo.ErrNotFound when there is none.
func (db *DB) Token(ctx context.Context, id int64) (*geo.Token, error) {
	t, err := scanToken(db.ro.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token %d: %w", id, geo.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("token %d: %w", id, err)
	}
	return t, nil
}

// Tokens lists every token, oldest first.
func (db *DB) Tokens(ctx context.Context) ([]geo.Token, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []geo.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
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
	var revoked sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT revoked_at FROM tokens WHERE id = ?`, id).Scan(&revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("revoke token %d: %w", id, geo.ErrNotFound)
	case err != nil:
		return fmt.Errorf("revoke token %d: %w", id, err)
	case revoked.Valid:
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ?`, at.UnixMilli(), id); err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	c, err := revokeContent(ctx, tx, id)
	if err == nil {
		err = appendLedger(ctx, tx, geo.LedgerTokenRevoked, id, c)
	}
	if err != nil {
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
