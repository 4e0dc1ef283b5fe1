package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/covmon/covmon/collector/internal/sqlstore"
)

// pgQuerier is what pgx.Tx and *pgxpool.Pool share.
type pgQuerier interface {
	Query(ctx context.Context, query string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) pgx.Row
	Exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error)
}

// sq adapts a transaction or the pool to the shared store logic (collector/internal/sqlstore).
func sq(q pgQuerier) sqlstore.Querier { return querier{q} }

type querier struct{ q pgQuerier }

func (a querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := a.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (a querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return a.q.QueryRow(ctx, query, args...)
}

func (a querier) Exec(ctx context.Context, query string, args ...any) error {
	_, err := a.q.Exec(ctx, query, args...)
	return err
}

// Prepare returns query to run as is: pgx prepares and caches each statement on its
// connection by itself.
func (a querier) Prepare(ctx context.Context, query string) (sqlstore.Stmt, error) {
	return stmt{a.q, query}, nil
}

type stmt struct {
	q     pgQuerier
	query string
}

func (s stmt) Exec(ctx context.Context, args ...any) (int64, error) {
	tag, err := s.q.Exec(ctx, s.query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (s stmt) Close() {}
