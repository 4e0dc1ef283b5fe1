package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/covmon/covmon/geo"
)

// TokenColumns are the columns ScanToken reads, in order.
const TokenColumns = `id, name, role, carrier, secret_hash, created_at, revoked_at, last_used_at`

// ScanToken reads a token's TokenColumns.
func ScanToken(s Row) (geo.Token, error) {
	var (
		t             geo.Token
		created       int64
		revoked, used *int64
	)
	if err := s.Scan(&t.ID, &t.Name, &t.Role, &t.Carrier, &t.SecretHash, &created, &revoked, &used); err != nil {
		return geo.Token{}, err
	}
	t.CreatedAt = Time(created)
	t.RevokedAt = NullTime(revoked)
	t.LastUsedAt = NullTime(used)
	return t, nil
}

// LedgerToken appends the creation of token id, as stored in tx, to the ledger, and its
// revocation when it was created revoked.
func (qs *Queries) LedgerToken(ctx context.Context, tx Querier, id int64, revoked bool) error {
	if err := qs.LedgerRecord(ctx, tx, geo.LedgerTokenCreated, id); err != nil {
		return err
	}
	if revoked {
		return qs.LedgerRecord(ctx, tx, geo.LedgerTokenRevoked, id)
	}
	return nil
}

// RevokeToken marks token id revoked at the given instant and appends the revocation to the
// ledger, in tx; an error wrapping geo.ErrNotFound when there is no such token. A token
// revoked already keeps its first instant (and its first entry).
func (qs *Queries) RevokeToken(ctx context.Context, tx Querier, id int64, at time.Time) error {
	var revoked *int64
	err := tx.QueryRow(ctx, qs.TokenRevokedAt, id).Scan(&revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return geo.ErrNotFound
	case err != nil:
		return err
	case revoked != nil:
		return nil
	}
	if err := tx.Exec(ctx, qs.TokenRevoke, at.UnixMilli(), id); err != nil {
		return err
	}
	return qs.LedgerRecord(ctx, tx, geo.LedgerTokenRevoked, id)
}
