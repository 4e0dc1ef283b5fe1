package sqlite_test

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/collector/storetest"
	"github.com/covmon/covmon/geo"
)

var dump = flag.Bool("dump", false, "keep the test database files and log their paths")

// now is the fixed clock of every test DB.
var now = storetest.Now

// MustOpenDB opens a fresh database file under a temporary directory (kept with -dump) and
// closes it when the test ends.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	dir := tb.TempDir()
	if *dump {
		var err error
		if dir, err = os.MkdirTemp("", "covmon-sqlite-"); err != nil {
			tb.Fatal(err)
		}
	}
	db := sqlite.NewDB(filepath.Join(dir, "db", "covmon.db"))
	db.Now = func() time.Time { return now }
	if err := db.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
		if *dump {
			tb.Logf("database kept at %s", db.Path())
		}
	})
	return db
}

// The store contract's fixtures (collector/storetest), by the short names these tests use.
var (
	testVillages           = storetest.Villages
	mustCommitVillages     = storetest.MustCommitVillages
	newUpload              = storetest.NewUpload
	obsAt                  = storetest.ObsAt
	day                    = storetest.Day
	mustCommitObservations = storetest.MustCommitObservations
	ledgerHistory          = storetest.LedgerHistory
	mustVerify             = storetest.MustVerify
)

func ptr(f float64) *float64 { return &f }

// rawQueryInt runs a counting query on a separate connection to the database file.
func rawQueryInt(tb testing.TB, db *sqlite.DB, q string, args ...any) int {
	tb.Helper()
	raw, err := sql.Open("sqlite", db.Path())
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow(q, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestDB_Open(t *testing.T) {
	t.Run("MigrationsIdempotent", func(t *testing.T) {
		db := MustOpenDB(t)
		ctx := context.Background()
		if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
			t.Fatal(err)
		}
		want := rawQueryInt(t, db, `SELECT count(*) FROM schema_migrations`)
		if want == 0 {
			t.Fatal("no migration recorded")
		}
		for range 2 {
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if err := db.Open(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := rawQueryInt(t, db, `SELECT count(*) FROM schema_migrations`); got != want {
			t.Fatalf("migrations=%d, want %d", got, want)
		}
		if _, err := db.Program(ctx, "vls-2024"); err != nil {
			t.Fatalf("program lost on reopen: %v", err)
		}
	})

	t.Run("AwkwardPath", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a dir?x#y%20", "covmon.db")
		db := sqlite.NewDB(path)
		if err := db.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("database not at %q: %v", path, err)
		}
		if got, want := db.Path(), path; got != want {
			t.Fatalf("Path()=%q, want %q", got, want)
		}
	})

	t.Run("ErrMemory", func(t *testing.T) {
		db := sqlite.NewDB(":memory:")
		if err := db.Open(context.Background()); err == nil {
			db.Close()
			t.Fatal("expected an error for :memory:")
		}
	})
}

// TestOpen_PageSize: a new database gets 16 KiB pages; a database made with another page size
// keeps it and opens, migrates and stores as before.
func TestOpen_PageSize(t *testing.T) {
	ctx := context.Background()
	pageSize := func(t *testing.T, path string) int {
		t.Helper()
		raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var n int
		if err := raw.QueryRowContext(ctx, "PRAGMA page_size").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	db := MustOpenDB(t)
	if got := pageSize(t, db.Path()); got != 16384 {
		t.Errorf("new database: page_size %d, want 16384", got)
	}

	old := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE x (a); DROP TABLE x"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	odb := sqlite.NewDB(old)
	odb.Now = func() time.Time { return now }
	if err := odb.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer odb.Close()
	mustCommitVillages(t, odb, testVillages(2)...)
	mustCommitObservations(t, odb, obsAt("V000", "viettel", geo.Tech4G, true, day(1)))
	if got := pageSize(t, old); got != 4096 {
		t.Errorf("existing database: page_size %d, want its own 4096", got)
	}
}
