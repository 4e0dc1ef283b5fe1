// Package postgres is covmon's store on PostgreSQL with PostGIS, through jackc/pgx v5. It
// implements the same store interfaces as collector/sqlite and keeps the same contract
// (collector/storetest): the same upload gives the same villages, observations, as-of
// answers, alerts and ledger in both.
//
// The schema mirrors SQLite's table by table (instants as unix milliseconds), so `covmon
// migrate` copies a database row by row and the ledger, whose entries hash the rows' contents,
// verifies on both. Villages also carry PostGIS geometry (geom: the centre, area_geom: the
// settled area; SRID 4326, GiST indexes) for GIS users; covmon's coverage join stays in Go.
//
// Every write method is one transaction. Writers are serialised by a transaction-level
// advisory lock, as SQLite's single writer serialises them: the ledger is one chain, and an
// upload's duplicate check and its insert must see no other upload in between — also when
// several covmon instances share the database. Large uploads are written with COPY into a
// temporary table inside the upload's transaction, then inserted in one statement.
//
// Errors wrap a short operation phrase around the cause; callers test for geo.ErrNotFound and
// geo.ErrDuplicateUpload with errors.Is.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// Advisory lock keys (pg_advisory_xact_lock): one for every write, one for migrations.
const (
	writeLockKey   = 0x636f766d6f6e01 // "covmon" 01
	migrateLockKey = 0x636f766d6f6e02
)

// DB is the PostgreSQL store. Create it with NewDB, set optional fields, then call Open.
type DB struct {
	// Now returns the current time; it stamps uploads received without a ReceivedAt.
	// Defaults to time.Now; tests replace it.
	Now func() time.Time
	// MaxConns bounds the connection pool (default 8).
	MaxConns int32

	url  string
	pool *pgxpool.Pool

	known     knownCache
	regChange sqlstore.RegistryChange // the registry's last change (see todaysRegistry)

	// stageSlots bounds the uploads staging while their files are read (StageObservations):
	// one at a time, so that an instance holds at most two stages in the server's memory
	// (that one, and the one filled under the write lock by an upload that found the slot
	// taken), and the reads an ingest needs meanwhile always find a session.
	stageSlots chan struct{}
	staged     atomic.Int64 // uploads stored by StageObservations (tests)
}

// NewDB returns a DB for the database at url (postgres://… or postgresql://…, or a key=value
// connection string).
func NewDB(url string) *DB {
	return &DB{Now: time.Now, MaxConns: 8, url: url}
}

// IsURL reports whether s names a PostgreSQL database rather than an SQLite file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// URL returns the database URL given to NewDB.
func (db *DB) URL() string { return db.url }

// Open connects and applies any pending migrations.
func (db *DB) Open(ctx context.Context) (err error) {
	cfg, err := pgxpool.ParseConfig(db.url)
	if err != nil {
		return fmt.Errorf("open db: %w", err)
	}
	if db.MaxConns > 0 {
		cfg.MaxConns = db.MaxConns
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "covmon"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// No JIT: covmon's big reads stream every village or series once through index scans and
	// merge joins, where JIT compilation is pure cost (1.2 s of a 3 s status read at 100k
	// villages, paid again by every such statement), and a URL may still turn it on.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	// An upload stages its rows in a temporary table (1M observations ≈ 115 MB): with the
	// default 8 MB of local buffers every pass over the stage reads it back from the kernel.
	// The buffers are allocated as a session uses them, and only uploads use temporary tables;
	// PostgreSQL keeps them until the session ends, so an upload that filled more than the
	// default 8 MB ends its session (beginOwn).
	cfg.ConnConfig.RuntimeParams["temp_buffers"] = "256MB"
	db.stageSlots = make(chan struct{}, min(1, cfg.MaxConns/2))
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open db: %w", err)
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("open db: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		return fmt.Errorf("open db: %w", err)
	}
	return nil
}

// Close closes the pool. It is safe to call twice and on a DB that failed to open.
func (db *DB) Close() error {
	if db.pool != nil {
		db.pool.Close()
		db.pool = nil
	}
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// Pool returns the connection pool (leader election and tests use it).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// migrate applies the embedded migration files not yet recorded in schema_migrations, in name
// order, each in its own transaction, under an advisory lock so that instances starting
// together migrate once.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLockKey)); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrateLockKey))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migration/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	if err := refuseNewer(ctx, conn.Conn(), names); err != nil {
		return err
	}
	for _, name := range names {
		if err := db.migrateFile(ctx, conn.Conn(), name); err != nil {
			return fmt.Errorf("migration %s: %w", path.Base(name), err)
		}
	}
	return nil
}

// refuseNewer reads schema_migrations and fails on a migration this binary does not know
// (sqlstore.RefuseNewer).
func refuseNewer(ctx context.Context, conn *pgx.Conn, known []string) error {
	rows, err := conn.Query(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	return sqlstore.RefuseNewer(applied, known)
}

// postMigrate holds the Go steps of migrations that SQL alone cannot do, run in the
// migration's transaction right after its SQL (under the migration lock, so no other append
// to the ledger interleaves).
var postMigrate = map[string]func(context.Context, pgx.Tx) error{
	"0040_ledger_effective.sql": sealEffective,
}

func (db *DB) migrateFile(ctx context.Context, conn *pgx.Conn, name string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, path.Base(name)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, string(body)); err != nil {
		return err
	}
	if hook := postMigrate[path.Base(name)]; hook != nil {
		if err := hook(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`,
		path.Base(name), db.now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// beginOwn starts a write transaction as begin does, on a connection acquired for it alone,
// and returns with it end, to be called once the transaction has ended (committed or rolled
// back): end gives the connection back to the pool, or with discard closes it, so that the
// server ends its session. An upload's stage fills the session's local buffers (temp_buffers,
// up to 256 MB) and PostgreSQL keeps them until the session ends: a pool of 8 connections
// that had each staged a large upload would hold 2 GB of the server's memory for as long as
// the pool keeps them (up to an hour), and every instance has its own pool.
func (db *DB) beginOwn(ctx context.Context) (tx pgx.Tx, end func(discard bool), err error) {
	tx, end, err = db.beginUnlocked(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := lockWrites(ctx, tx); err != nil {
		tx.Rollback(ctx)
		end(false)
		return nil, nil, err
	}
	return tx, end, nil
}

// lockWrites takes the write lock for the rest of tx.
func lockWrites(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(writeLockKey)); err != nil {
		return fmt.Errorf("write lock: %w", err)
	}
	return nil
}

// beginUnlocked is beginOwn without the write lock: a transaction that only stages rows in
// its own temporary table takes the lock (lockWrites) when it starts writing shared tables.
func (db *DB) beginUnlocked(ctx context.Context) (tx pgx.Tx, end func(discard bool), err error) {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	if tx, err = c.Begin(ctx); err != nil {
		c.Release()
		return nil, nil, err
	}
	return tx, func(discard bool) {
		if !discard {
			c.Release()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Hijack().Close(ctx)
	}, nil
}

// stageSpent reports whether the temporary table stage has grown past the local buffers a
// session keeps by default (8 MB): the session then holds more of the server's memory than
// it would have, until it ends (see beginOwn).
func stageSpent(ctx context.Context, tx pgx.Tx, stage string) (bool, error) {
	var size int64
	if err := tx.QueryRow(ctx, `SELECT pg_total_relation_size($1::regclass)`, stage).Scan(&size); err != nil {
		return false, fmt.Errorf("stage size: %w", err)
	}
	return size > 8<<20, nil
}

// begin starts a write transaction holding the write lock until it ends.
func (db *DB) begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(writeLockKey)); err != nil {
		tx.Rollback(ctx)
		return nil, fmt.Errorf("write lock: %w", err)
	}
	return tx, nil
}

// readTx starts a read-only transaction with one snapshot (REPEATABLE READ).
func (db *DB) readTx(ctx context.Context) (pgx.Tx, error) {
	return db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
}

// analyzeAfter refreshes the planner's statistics of tables after a write of rows rows to
// them has committed, when rows is large enough to change the plans (a first registry import,
// a big upload): autovacuum would do it only after its next nap, and until then the reads that
// follow (covmon status, serve's first snapshot) are planned for the tables as they were, e.g.
// empty. It is best effort: the write stands, and on a failure (a cancelled context) the
// statistics are left to autovacuum.
func (db *DB) analyzeAfter(ctx context.Context, rows int, tables ...string) {
	if rows < analyzeRows {
		return
	}
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = pgx.Identifier{t}.Sanitize()
	}
	_, _ = db.pool.Exec(ctx, `ANALYZE `+strings.Join(names, ", "))
}

// analyzeRows is the size of a write after which analyzeAfter analyzes (about what ANALYZE
// samples of a big table: below it autovacuum's own thresholds keep up).
const analyzeRows = 10000

func (db *DB) now() time.Time {
	if db.Now == nil {
		return time.Now()
	}
	return db.Now()
}

// nullMillis stores t as unix milliseconds, or NULL when t is zero.
func nullMillis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

// fromMillis reads a nullable unix-milliseconds column.
func fromMillis(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return time.UnixMilli(*v).In(geo.Vietnam)
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).In(geo.Vietnam) }

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isUniqueViolation(err error) bool     { return pgCode(err) == "23505" }
func isForeignKeyViolation(err error) bool { return pgCode(err) == "23503" }

// args builds a positional argument list: add returns the placeholder of a new argument.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// knownCache holds the registry's village IDs as of the newest accepted villages upload.
type knownCache struct {
	mu  sync.Mutex
	key int64
	ids map[string]struct{}
}

// TableCounts returns the number of rows of every table covmon keeps (what `covmon migrate`
// compares between the source and the target).
func (db *DB) TableCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range Tables {
		var n int64
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t}.Sanitize()).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// Tables lists covmon's tables in an order that respects their foreign keys. Those in
// derivedViews are views here (derived from the others) and tables in the SQLite store.
var Tables = []string{"programs", "tokens", "uploads", "villages", "village_programs", "village_versions", "village_successions",
	"observations", "observation_series", "latest_claims", "daily_figures", "alerts", "alert_outbox",
	"assignments", "ledger", "crosswalk", "plans"}

// derivedViews are the names in Tables that this store keeps as views: observation_series
// (migration 0039: the series of latest_claims and those with only independent
// measurements). covmon migrate does not copy them; it checks their counts against the
// source's tables.
var derivedViews = []string{"observation_series"}
