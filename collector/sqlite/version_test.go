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

// TestOpen_RenamedMigration: a database migrated before the upload-extent migration was
// renumbered (0011_upload_extent.sql, now 0012: two had landed as 0011) records the old
// name; it is this covmon's own migration, not a newer covmon's, so the file opens, the
// name is brought up to date, and the migration is not applied twice.
func TestOpen_RenamedMigration(t *testing.T) {
	db := MustOpenDB(t)
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	res, err := raw.Exec(`UPDATE schema_migrations SET name = replace(name, '0012_upload_extent.sql', '0011_upload_extent.sql') WHERE name LIKE '%0012_upload_extent.sql'`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("renamed %d rows, want 1", n)
	}
	again := sqlite.NewDB(path)
	if err := again.Open(context.Background()); err != nil {
		t.Fatalf("Open of a database with the migration's old name: %v", err)
	}
	again.Close()
	var old, current int
	if err := raw.QueryRow(`SELECT count(*) FILTER (WHERE name LIKE '%0011_upload_extent.sql'), count(*) FILTER (WHERE name LIKE '%0012_upload_extent.sql') FROM schema_migrations`).Scan(&old, &current); err != nil {
		t.Fatal(err)
	}
	if old != 0 || current != 1 {
		t.Errorf("schema_migrations: %d rows of the old name, %d of the new; want 0 and 1", old, current)
	}
}
