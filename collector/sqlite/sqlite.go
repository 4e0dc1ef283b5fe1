// Package sqlite is covmon's store on SQLite, through the pure-Go modernc.org/sqlite driver so
// that CGO_ENABLED=0 builds work.
//
// A DB keeps two connection pools on one database file: a single writer connection whose
// transactions begin IMMEDIATE (so writers queue on busy_timeout instead of failing with
// SQLITE_BUSY when a read transaction upgrades), and a read-only pool for queries. The database
// runs in WAL mode, so readers see a consistent snapshot while a write is in progress.
//
// Every write method is one transaction: either all of it is stored or nothing is. Instants and
// dates are stored as unix milliseconds, so sub-millisecond precision is dropped; times are
// returned in geo.Vietnam (compare them with time.Time.Equal). A zero time.Time is stored as
// NULL and read back as zero. Errors wrap a short operation phrase around the cause; callers
// test for geo.ErrNotFound and geo.ErrDuplicateUpload with errors.Is.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// DB is the SQLite store. Create it with NewDB, set optional fields, then call Open.
type DB struct {
	// Now returns the current time; it stamps uploads received without a ReceivedAt.
	// Defaults to time.Now; tests replace it.
	Now func() time.Time
	// BusyTimeout is how long a connection waits for a lock before failing (default 10s).
	BusyTimeout time.Duration
	// ReadConns bounds the read-only pool (default 4); BackgroundConns the read-only pool of
	// the background jobs (default 3): a read under a context marked by collector.Background
	// takes a connection of the second, so that the jobs' long reads never hold the
	// connections of the API's requests.
	ReadConns       int
	BackgroundConns int
	// Synchronous is the writer's PRAGMA synchronous: "FULL" (the default) or "NORMAL". In
	// WAL mode FULL syncs the WAL at every commit, so an upload answered 201 survives a power
	// loss; NORMAL syncs only at checkpoints, and a power loss may roll back the last commits
	// (kill -9 cannot: the WAL is in the OS's cache). docs/security.md has the measured cost.
	Synchronous string

	// WriterCacheKiB and ReaderCacheKiB bound SQLite's page cache of the writer and of each
	// reader connection (defaults 65536 and 16384). A one-shot command may lower them to keep
	// its memory small; a long-running server keeps them.
	WriterCacheKiB int
	ReaderCacheKiB int

	path string
	rw   *sql.DB // single writer connection, BEGIN IMMEDIATE
	ro   *sql.DB // read-only pool
	bg   *sql.DB // read-only pool of the background jobs

	known     knownCache              // the registry's IDs, for validating uploads (see KnownVillages)
	regChange sqlstore.RegistryChange // the registry's last change (see todaysRegistry)
}

// NewDB returns a DB for the database file at path. The file and its directory are created by
// Open when missing. path must name a file: ":memory:" is not supported because the writer and
// reader pools must share one database.
func NewDB(path string) *DB {
	return &DB{
		Now:         time.Now,
		BusyTimeout: 10 * time.Second,
		ReadConns:   4,
		path:        path,

		BackgroundConns: 3,

		WriterCacheKiB: 65536,
		ReaderCacheKiB: 16384,
	}
}

// Path returns the database file path given to NewDB.
func (db *DB) Path() string { return db.path }

// Open creates the database directory if needed, opens the writer and reader pools and
// applies any pending migrations.
func (db *DB) Open(ctx context.Context) (err error) {
	if db.path == "" || db.path == ":memory:" {
		return fmt.Errorf("open db: path must name a file, got %q", db.path)
	}
	abs, err := filepath.Abs(db.path)
	if err != nil {
		return fmt.Errorf("open db: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return fmt.Errorf("open db: create directory: %w", err)
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()

	busy := db.BusyTimeout.Milliseconds()
	if busy <= 0 {
		busy = 10000
	}
	sync := "FULL"
	switch strings.ToUpper(db.Synchronous) {
	case "", "FULL":
	case "NORMAL":
		sync = "NORMAL"
	default:
		return fmt.Errorf("open db: synchronous: want FULL or NORMAL, got %q", db.Synchronous)
	}
	uri := "file:" + escapePath(abs)
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)", busy)

	// The writer gets a 64 MiB page cache: index maintenance of a 100k-row upload is about
	// 2.5x faster than with SQLite's 2 MiB default (BenchmarkCommitObservations).
	// temp_store(MEMORY): a multi-row or conflict-handling statement keeps a statement journal
	// (the pages it changed, to undo the statement alone); on disk, writing it was a tenth of
	// a large registry import's time. It holds one statement's pages, not the transaction's.
	// mmap_size(256 MiB): the writer reads the first 256 MiB of the file through a memory map
	// instead of copying each page into its cache. The pure-Go SQLite allocates every cached
	// page on its own and gives each back to the kernel one madvise at a time when the
	// connection closes; for an areas upload into a database of 1.2M observations that close
	// was a quarter of the process's CPU, and the upload's CPU halved with the map (4.5 ->
	// 2.1 s; docs/benchmarks.md). Writes still go through the WAL; the mapped pages are the
	// kernel's file cache and count in RSS, at most 256 MiB.
	if err := createPages(ctx, abs, uri); err != nil {
		return fmt.Errorf("open db: %w", err)
	}
	db.rw, err = sql.Open("sqlite", uri+"?"+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous("+sync+")&_pragma=temp_store(MEMORY)"+fmt.Sprintf("&_pragma=cache_size(-%d)", positive(db.WriterCacheKiB, 65536))+
		"&_pragma=mmap_size(268435456)&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("open db: %w", err)
	}
	db.rw.SetMaxOpenConns(1)
	db.rw.SetMaxIdleConns(1)
	db.rw.SetConnMaxIdleTime(0)
	db.rw.SetConnMaxLifetime(0)
	if err := db.rw.PingContext(ctx); err != nil {
		return fmt.Errorf("open db: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		return fmt.Errorf("open db: %w", err)
	}
	if err := db.fillSearchKeys(ctx); err != nil {
		return fmt.Errorf("open db: %w", err)
	}

	// The reader opens after the writer so the file exists and is already in WAL mode.
	db.ro, err = sql.Open("sqlite", uri+"?mode=ro&"+fmt.Sprintf("_pragma=cache_size(-%d)&", positive(db.ReaderCacheKiB, 16384))+common)
	if err != nil {
		return fmt.Errorf("open db: read pool: %w", err)
	}
	n := db.ReadConns
	if n <= 0 {
		n = 4
	}
	db.ro.SetMaxOpenConns(n)
	db.ro.SetMaxIdleConns(n)
	if err := db.ro.PingContext(ctx); err != nil {
		return fmt.Errorf("open db: read pool: %w", err)
	}
	// The background jobs' pool: its connections open when a job first reads.
	db.bg, err = sql.Open("sqlite", uri+"?mode=ro&"+fmt.Sprintf("_pragma=cache_size(-%d)&", positive(db.ReaderCacheKiB, 16384))+common)
	if err != nil {
		return fmt.Errorf("open db: background read pool: %w", err)
	}
	n = db.BackgroundConns
	if n <= 0 {
		n = 3
	}
	db.bg.SetMaxOpenConns(n)
	db.bg.SetMaxIdleConns(n)
	return nil
}

// reader returns the read-only pool for ctx: the background jobs' for a context marked by
// collector.Background, else the requests'.
func (db *DB) reader(ctx context.Context) *sql.DB {
	if sqlstore.IsBackground(ctx) {
		return db.bg
	}
	return db.ro
}

// pageSize is the page size of a database this store creates: 16 KiB, not SQLite's default
// 4 KiB. Every areas layer adds one entry per village to the trees keyed by village
// (observations_latest, latest_claims, observation_series), between the earlier layers'
// entries, so it reads, rewrites, logs in the WAL and checkpoints every page of them; with a
// quarter of the pages each of those steps costs less per byte. The first upload of 12 layers
// at 1M villages took 290 s of CPU instead of 419 s, its twelfth layer 23 s instead of 56 s
// (docs/benchmarks.md). A database that exists keeps its page size.
const pageSize = 16384

// createPages gives a database file that does not exist yet (or is empty) pageSize pages and
// WAL mode. The page size must be set before the first write, and the writer's
// journal_mode(WAL) in its connection string would write the file first with 4 KiB pages.
func createPages(ctx context.Context, abs, uri string) error {
	if fi, err := os.Stat(abs); err == nil && fi.Size() > 0 {
		return nil
	}
	c, err := sql.Open("sqlite", uri+fmt.Sprintf("?_pragma=page_size(%d)", pageSize))
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	return c.Close()
}

// Close closes both pools. It is safe to call on a DB that failed to open.
func (db *DB) Close() error {
	var errs []error
	if db.bg != nil {
		errs = append(errs, db.bg.Close())
		db.bg = nil
	}
	if db.ro != nil {
		errs = append(errs, db.ro.Close())
		db.ro = nil
	}
	if db.rw != nil {
		// Let SQLite refresh its planner statistics where they are stale; cheap when not.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, _ = db.rw.ExecContext(ctx, "PRAGMA optimize")
		cancel()
		errs = append(errs, db.rw.Close())
		db.rw = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close db: %w", err)
	}
	return nil
}

// migrate applies the embedded migration files not yet recorded in schema_migrations, in name
// order, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.rw.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migration/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	if err := db.refuseNewer(ctx, names); err != nil {
		return err
	}
	// A migration that builds an index sorts every row of its table: with temp_store(MEMORY)
	// the sorter's spill went to memory too (migration 0038 at 100k villages peaked at 547 MiB,
	// about ten times that at 1M). Migrations spill to temporary files; the writer's other
	// statements keep their statement journals in memory (see Open).
	if _, err := db.rw.ExecContext(ctx, `PRAGMA temp_store = FILE`); err != nil {
		return fmt.Errorf("temp_store for migrations: %w", err)
	}
	defer db.rw.ExecContext(context.WithoutCancel(ctx), `PRAGMA temp_store = MEMORY`)
	for _, name := range names {
		if err := db.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", filepath.Base(name), err)
		}
	}
	return nil
}

// refuseNewer reads schema_migrations and fails on a migration this binary does not know
// (sqlstore.RefuseNewer): a newer covmon migrated the file.
func (db *DB) refuseNewer(ctx context.Context, known []string) error {
	// A migration renumbered after databases had applied it is recorded under its old name:
	// this covmon's own, not a newer one's.
	for old, current := range renamedMigrations {
		if _, err := db.rw.ExecContext(ctx, `UPDATE schema_migrations SET name = replace(name, ?, ?)
			WHERE name LIKE '%' || ? AND NOT EXISTS (SELECT 1 FROM schema_migrations WHERE name LIKE '%' || ?)`,
			old, current, old, current); err != nil {
			return fmt.Errorf("rename migration %s: %w", old, err)
		}
	}
	applied, err := sqlstore.Column[string](ctx, sq(db.rw), `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	return sqlstore.RefuseNewer(applied, known)
}

// renamedMigrations maps the old name of a renumbered migration to its name now:
// 0011_upload_extent.sql became 0012 when two migrations had landed as 0011 (0c34aa6).
var renamedMigrations = map[string]string{"0011_upload_extent.sql": "0012_upload_extent.sql"}

// postMigrate holds the Go steps of migrations that SQL alone cannot do, run in the
// migration's transaction right after its SQL.
var postMigrate = map[string]func(context.Context, *sql.Tx) error{
	"0013_ledger.sql":           backfillLedger,
	"0040_ledger_effective.sql": sealEffective,
}

func (db *DB) migrateFile(ctx context.Context, name string) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if hook := postMigrate[filepath.Base(name)]; hook != nil {
		if err := hook(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`,
		name, db.now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

func (db *DB) now() time.Time {
	if db.Now == nil {
		return time.Now()
	}
	return db.Now()
}

// positive returns v, or def when v is not positive.
func positive(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// escapePath percent-encodes the characters that end or escape the path part of an SQLite
// file: URI.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(p))
}

// nullMillis stores t as unix milliseconds, or NULL when t is zero.
func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMillis reads a nullable unix-milliseconds column.
func fromMillis(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).In(geo.Vietnam)
}

// nullFloat stores an optional measurement.
func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// fromNullFloat reads an optional measurement.
func fromNullFloat(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}

// sqliteCode returns the extended result code of an SQLite error, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isUniqueViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

func isForeignKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
