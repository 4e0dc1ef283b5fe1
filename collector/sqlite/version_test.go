package sqlite_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/covmon/covmon/collector/sqlite"
	_ "modernc.org/sqlite"
)

// TestOpen_RefusesNewerSchema: a database file migrated by a newer covmon (a migration this
// binary does not know) is refused at Open, naming the migration, rather than served with a
// schema and rules this binary does not know; as collector/postgres does.
func TestOpen_RefusesNewerSchema(t *testing.T) {
	db := MustOpenDB(t)
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES ('migration/9999_from_a_newer_covmon.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	again := sqlite.NewDB(path)
	defer again.Close()
	err = again.Open(context.Background())
	if err == nil {
		t.Fatal("Open of a database migrated by a newer covmon succeeded, want an error")
	}
	for _, want := range []string{"9999_from_a_newer_covmon.sql", "newer covmon"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
