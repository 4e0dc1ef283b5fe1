package postgres_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/collector/postgres/pgtest"
	"github.com/covmon/covmon/collector/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// mustOpen opens the store at url with the suite's clock; closed when t ends.
func mustOpen(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db := postgres.NewDB(url)
	db.Now = func() time.Time { return storetest.Now }
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dollars rewrites '?' placeholders as $1, $2, ….
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func raw(t testing.TB, db storetest.Store) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), db.(*postgres.DB).URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestContract runs the store contract (collector/storetest) on a throwaway PostgreSQL +
// PostGIS cluster, one database per test.
func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(t testing.TB) storetest.Store { return mustOpen(t, pgtest.NewDatabase(t)) },
		Reopen: func(t testing.TB, db storetest.Store) storetest.Store {
			return mustOpen(t, db.(*postgres.DB).URL())
		},
		Exec: func(t testing.TB, db storetest.Store, q string, args ...any) {
			t.Helper()
			if _, err := raw(t, db).Exec(context.Background(), dollars(q), args...); err != nil {
				t.Fatal(err)
			}
		},
		QueryInt: func(t testing.TB, db storetest.Store, q string, args ...any) int {
			t.Helper()
			var n int
			if err := raw(t, db).QueryRow(context.Background(), dollars(q), args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		},
	})
}
