// Package sqlstore is the Go that covmon's SQL stores share: the row scanners and the logic
// between their queries (the ledger's chain and its verification, token revocation, program
// changes), written once for collector/sqlite (database/sql) and collector/postgres (pgx).
//
// The SQL stays in each store, in its dialect: a store hands its statements over in a
// Queries value, and its transactions and pools through a Querier adapter. Instants are unix
// milliseconds in both stores' schemas; nullable columns are scanned into pointers, which
// database/sql and pgx both fill (nil for NULL), and written as nil or a value.
package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

// Row is one row of a query: *sql.Row, pgx.Row, or the current row of Rows.
type Row interface {
	Scan(dest ...any) error
}

// Rows are a query's rows: pgx.Rows, or *sql.Rows through an adapter (its Close returns an
// error nobody reads).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Querier runs a store's statements: a transaction or a pool, through the store's adapter.
// QueryRow's Scan reports a missing row with an error wrapping database/sql's ErrNoRows (pgx
// v5's ErrNoRows wraps it too).
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	Exec(ctx context.Context, query string, args ...any) error
	// Prepare readies query to be run many times in the transaction (SQLite prepares it;
	// pgx prepares and caches every statement itself).
	Prepare(ctx context.Context, query string) (Stmt, error)
}

// Stmt is a prepared statement; Exec returns how many rows it changed.
type Stmt interface {
	Exec(ctx context.Context, args ...any) (int64, error)
	Close()
}

// ExecEach runs stmt in tx n times, with the values args(i) gives, and returns how many runs
// changed a row. A failure is named by what(i).
func ExecEach(ctx context.Context, tx Querier, stmt string, n int, args func(i int) []any, what func(i int) string) (int, error) {
	st, err := tx.Prepare(ctx, stmt)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	changed := 0
	for i := range n {
		k, err := st.Exec(ctx, args(i)...)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", what(i), err)
		}
		if k > 0 {
			changed++
		}
	}
	return changed, nil
}

// Collect runs query through q and scans every row with scan.
func Collect[T any](ctx context.Context, q Querier, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Set runs query through q and returns the set of its rows' first column.
func Set[K comparable](ctx context.Context, q Querier, query string, args ...any) (map[K]bool, error) {
	out := map[K]bool{}
	if err := AddSet(ctx, q, out, query, args...); err != nil {
		return nil, err
	}
	return out, nil
}

// AddSet adds the first column of query's rows to set.
func AddSet[K comparable](ctx context.Context, q Querier, set map[K]bool, query string, args ...any) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k K
		if err := rows.Scan(&k); err != nil {
			return err
		}
		set[k] = true
	}
	return rows.Err()
}

// Column runs query through q and returns its rows' first column.
func Column[T any](ctx context.Context, q Querier, query string, args ...any) ([]T, error) {
	return Collect(ctx, q, func(r Row) (T, error) {
		var v T
		err := r.Scan(&v)
		return v, err
	}, query, args...)
}

// Time reads a unix-milliseconds column.
func Time(ms int64) time.Time { return time.UnixMilli(ms).In(geo.Vietnam) }

// NullTime reads a nullable unix-milliseconds column: zero for NULL.
func NullTime(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return Time(*ms)
}

// NullMillis is t as unix milliseconds to store, nil (NULL) when t is zero.
func NullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// Each runs query through q and calls fn with each row, stopping at fn's first error.
func Each(ctx context.Context, q Querier, fn func(Row) error, query string, args ...any) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// errStop ends an Each early without an error of the database's.
var errStop = errors.New("sqlstore: stop")
