package sqlite

import (
	"context"
	"database/sql"

	"github.com/covmon/covmon/collector/internal/sqlstore"
)

// sqlQuerier is what *sql.DB and *sql.Tx share.
type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// sq adapts a transaction or a pool to the shared store logic (collector/internal/sqlstore).
func sq(q sqlQuerier) sqlstore.Querier { return querier{q} }

type querier struct{ q sqlQuerier }

func (a querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := a.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (a querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return a.q.QueryRowContext(ctx, query, args...)
}

func (a querier) Exec(ctx context.Context, query string, args ...any) error {
	_, err := a.q.ExecContext(ctx, query, args...)
	return err
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// rowScanner is a row or the current row of rows.
type rowScanner interface{ Scan(dest ...any) error }

func (a querier) Prepare(ctx context.Context, query string) (sqlstore.Stmt, error) {
	st, err := a.q.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt{st}, nil
}

type stmt struct{ st *sql.Stmt }

func (s stmt) Exec(ctx context.Context, args ...any) (int64, error) {
	res, err := s.st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s stmt) Close() { s.st.Close() }
