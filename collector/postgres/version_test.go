package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/collector/postgres/pgtest"
)

// TestOpen_RefusesNewerSchema: a database migrated by a newer covmon (a migration this binary
// does not know) is refused at Open, naming the migration, rather than served with a schema and
// rules this binary does not know — several instances on one database must run one version,
// or an older one restarted after an upgrade would lead and act on data it does not understand.
func TestOpen_RefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	db := mustOpen(t, url)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_a_newer_covmon.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	again := postgres.NewDB(url)
	defer again.Close()
	err := again.Open(ctx)
	if err == nil {
		t.Fatal("Open of a database migrated by a newer covmon succeeded, want an error")
	}
	for _, want := range []string{"9999_from_a_newer_covmon.sql", "newer covmon"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
