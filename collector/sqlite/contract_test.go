package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/collector/storetest"
)

// TestContract runs the store contract (collector/storetest) on SQLite files.
func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(t testing.TB) storetest.Store { return MustOpenDB(t) },
		Reopen: func(t testing.TB, db storetest.Store) storetest.Store {
			other := sqlite.NewDB(db.(*sqlite.DB).Path())
			other.Now = func() time.Time { return now }
			if err := other.Open(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			return other
		},
		Exec: func(t testing.TB, db storetest.Store, q string, args ...any) {
			t.Helper()
			if _, err := db.(*sqlite.DB).Exec(context.Background(), q, args...); err != nil {
				t.Fatal(err)
			}
		},
		QueryInt: func(t testing.TB, db storetest.Store, q string, args ...any) int {
			t.Helper()
			return rawQueryInt(t, db.(*sqlite.DB), q, args...)
		},
	})
}
