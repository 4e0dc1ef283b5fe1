package sqlite_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

var dump = flag.Bool("dump", false, "keep the test database files and log their paths")

// now is the fixed clock of every test DB.
var now = time.Date(2025, 3, 1, 12, 0, 0, 0, geo.Vietnam)

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

var uploadSeq atomic.Int64

// newUpload returns an upload with a unique SHA-256.
func newUpload(kind geo.UploadKind, carrier string) *geo.Upload {
	n := uploadSeq.Add(1)
	sum := sha256.Sum256(fmt.Appendf(nil, "upload %d", n))
	return &geo.Upload{
		Kind:     kind,
		Carrier:  carrier,
		FileName: fmt.Sprintf("file-%d.geojson", n),
		Size:     100 + n,
		SHA256:   hex.EncodeToString(sum[:]),
		Source:   "cli",
	}
}

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

// TestDB_Concurrent commits from several goroutines while others read; run with -race. Half
// of the writers go through a second DB on the same file, as another process would. Every
// call must succeed: writers queue on the single writer connection, and across DBs on
// BEGIN IMMEDIATE and busy_timeout, so none sees SQLITE_BUSY.
func TestDB_Concurrent(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(20)...)
	other := sqlite.NewDB(db.Path())
	if err := other.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	dbs := []*sqlite.DB{db, other}

	const writers, readers, uploads = 4, 4, 10
	var (
		wg      sync.WaitGroup
		done    = make(chan struct{})
		errs    = make(chan error, writers*uploads+readers)
		written atomic.Int64
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range uploads {
				var obs []geo.Observation
				for v := range 20 {
					obs = append(obs, obsAt(fmt.Sprintf("V%03d", v), "viettel", geo.Tech4G, true,
						now.Add(-time.Duration(w*uploads+i)*time.Hour)))
				}
				u := newUpload(geo.KindObservations, "viettel")
				if err := dbs[w%2].CommitObservations(ctx, u, obs); err != nil {
					errs <- err
					return
				}
				written.Add(int64(u.Inserted))
			}
		}()
	}
	var rwg sync.WaitGroup
	for r := range readers {
		rwg.Add(1)
		db := dbs[r%2]
		go func() {
			defer rwg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := db.LatestObservations(ctx, now, geo.VillageFilter{}); err != nil {
					errs <- err
					return
				}
				if _, err := db.Villages(ctx, geo.VillageFilter{ProvinceCode: "15"}); err != nil {
					errs <- err
					return
				}
				if _, err := db.Uploads(ctx, geo.UploadFilter{Limit: 5}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	rwg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := written.Load(), int64(writers*uploads*20); got != want {
		t.Fatalf("inserted=%d, want %d", got, want)
	}
	ups, err := db.Uploads(ctx, geo.UploadFilter{Carrier: "viettel"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(ups), writers*uploads; got != want {
		t.Fatalf("uploads=%d, want %d", got, want)
	}
}

func TestDB_ErrorsAreSentinels(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	if _, err := db.Village(ctx, "nope"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("Village: err=%v, want ErrNotFound", err)
	}
	if _, err := db.Program(ctx, "nope"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("Program: err=%v, want ErrNotFound", err)
	}
	if _, err := db.Upload(ctx, 42); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("Upload: err=%v, want ErrNotFound", err)
	}
	if _, err := db.AcceptedUploadByHash(ctx, "", "00"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("AcceptedUploadByHash: err=%v, want ErrNotFound", err)
	}
	if _, err := db.Observations(ctx, "nope"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("Observations: err=%v, want ErrNotFound", err)
	}
}
