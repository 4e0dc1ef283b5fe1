package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/covmon/covmon/geo"
)

const tokenColumns = `id, name, role, carrier, secret_hash, created_at, revoked_at, last_used_at`

// CreateToken stores t, appends its creation (and revocation, when t.RevokedAt is set) to
// the ledger in the same transaction, and sets t.ID.
func (db *DB) CreateToken(ctx context.Context, t *geo.Token) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	defer tx.Rollback(ctx)
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO tokens (name, role, carrier, secret_hash, created_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, t.Name, t.Role, t.Carrier, t.SecretHash, t.CreatedAt.UnixMilli(),
		nullMillis(t.RevokedAt)).Scan(&id); err != nil {
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
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("create token: commit: %w", err)
	}
	t.ID = id
	return nil
}

func scanToken(s pgx.Row) (*geo.Token, error) {
	var (
		t       geo.Token
		created int64
		revoked *int64
		used    *int64
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
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("token %d: %w", id, geo.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("token %d: %w", id, err)
	}
	return t, nil
}

// Tokens lists every token, oldest first.
func (db *DB) Tokens(ctx context.Context) ([]geo.Token, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY id`)
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
	tx, err := db.begin(ctx)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	defer tx.Rollback(ctx)
	var revoked *int64
	err = tx.QueryRow(ctx, `SELECT revoked_at FROM tokens WHERE id = $1`, id).Scan(&revoked)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("revoke token %d: %w", id, geo.ErrNotFound)
	case err != nil:
		return fmt.Errorf("revoke token %d: %w", id, err)
	case revoked != nil:
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = $1 WHERE id = $2`, at.UnixMilli(), id); err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	c, err := revokeContent(ctx, tx, id)
	if err == nil {
		err = appendLedger(ctx, tx, geo.LedgerTokenRevoked, id, c)
	}
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("revoke token %d: commit: %w", id, err)
	}
	return nil
}

// TouchToken records that token id authenticated a request at the given instant. It writes
// only when the stored last use is older than a minute, so a busy client costs one write a
// minute, not one per request.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	ms := at.UnixMilli()
	if _, err := db.pool.Exec(ctx, `UPDATE tokens SET last_used_at = $1
		WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)`, ms, id, ms-60_000); err != nil {
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}
