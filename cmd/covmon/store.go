package main

import (
	"context"
	"net/url"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// Store is what covmon's commands need of a database: every consumer's interface plus the
// administration (programs, tokens, the ledger). collector/sqlite and collector/postgres
// implement it; the database setting chooses (a postgres:// URL or a file path).
type Store interface {
	collector.Store
	collector.SnapshotStore
	collector.FiguresStore
	collector.WarmStore
	httpapi.Store
	alerts.ServiceStore

	UpsertProgram(ctx context.Context, p geo.Program) error
	CreateToken(ctx context.Context, t *geo.Token) error
	Tokens(ctx context.Context) ([]geo.Token, error)
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	LedgerEntries(ctx context.Context, fn func(geo.LedgerEntry) error) error
	VerifyLedger(ctx context.Context) (*geo.LedgerReport, error)
	Close() error
}

var (
	_ Store = (*sqlite.DB)(nil)
	_ Store = (*postgres.DB)(nil)
)

// newStore returns the store for a database setting: PostgreSQL for a postgres:// or
// postgresql:// URL, otherwise the SQLite file at that path. It is not open yet.
func newStore(database string, now func() time.Time) interface {
	Store
	Open(context.Context) error
} {
	if postgres.IsURL(database) {
		db := postgres.NewDB(database)
		db.Now = now
		return db
	}
	db := sqlite.NewDB(database)
	db.Now = now
	return db
}

// displayDatabase is the database setting as it may be shown and logged: a URL's password is
// replaced by "xxxxx".
func displayDatabase(database string) string {
	if !postgres.IsURL(database) {
		return database
	}
	u, err := url.Parse(database)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}
