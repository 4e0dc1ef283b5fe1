package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

const tokenColumns = `id, name, role, carrier, secret_hash, created_at, revoked_at`

// CreateToken stores t and sets t.ID.
func (db *DB) CreateToken(ctx context.Context, t *geo.Token) error {
	res, err := db.rw.ExecContext(ctx, `INSERT INTO tokens (name, role, carrier, secret_hash, created_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?)`, t.Name, t.Role, t.Carrier, t.SecretHash, t.CreatedAt.UnixMilli(), nullMillis(t.RevokedAt))
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

func scanToken(s rowScanner) (*geo.Token, error) {
	var (
		t       geo.Token
		created int64
		revoked sql.NullInt64
	)
	if err := s.Scan(&t.ID, &t.Name, &t.Role, &t.Carrier, &t.SecretHash, &created, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt = time.UnixMilli(created).In(geo.Vietnam)
	t.RevokedAt = fromMillis(revoked)
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

// RevokeToken marks the token revoked at the given instant; an error wrapping geo.ErrNotFound
// when there is no such token. Revoking twice keeps the first instant.
func (db *DB) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	res, err := db.rw.ExecContext(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke token %d: %w", id, geo.ErrNotFound)
	}
	return nil
}
