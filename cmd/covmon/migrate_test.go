package main

import (
	"strings"
	"testing"

	"github.com/covmon/covmon/collector/postgres/pgtest"
)

// TestMain_Migrate copies the seeded SQLite database (with a token, a revocation and a
// rejected upload in the ledger) into PostgreSQL: every table's row count matches, the ledger
// verifies on the copy, and the copy answers status and uploads exactly as the original.
// A second copy into the now non-empty database is refused.
func TestMain_Migrate(t *testing.T) {
	db := seededDB(t)
	mustRun(t, db, "token", "create", "--carrier", "viettel")
	mustRun(t, db, "token", "revoke", "1")
	if _, _, err := run(t, db, "ingest", "--carrier", "viettel", writeFile(t, "bad.geojson", `{"type":"FeatureCollection","features":[{}]}`)); err == nil {
		t.Fatal("a broken file was accepted")
	}
	pg := pgtest.NewDatabase(t)

	out := mustRun(t, "", "migrate", "--from", db, "--to", pg)
	if !strings.Contains(out, "row counts equal, ledger intact") {
		t.Fatalf("migrate: %s", out)
	}
	for _, table := range []string{"villages", "observations", "uploads", "ledger", "tokens", "assignments", "crosswalk"} {
		var line string
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) == 3 && f[0] == table {
				line = l
				if f[1] != f[2] || f[1] == "0" {
					t.Errorf("%s: source %s, postgres %s (want equal and non-zero)", table, f[1], f[2])
				}
			}
		}
		if line == "" {
			t.Errorf("no count for table %s in:\n%s", table, out)
		}
	}

	// The copy verifies as the original does, to the same head.
	orig := mustRun(t, db, "audit", "verify")
	copied := mustRun(t, pg, "audit", "verify")
	if orig != copied || !strings.HasPrefix(copied, "ledger intact: ") {
		t.Errorf("audit verify: sqlite %q, postgres %q", orig, copied)
	}
	// Same figures, as of now and as of a past date; same upload list.
	for _, args := range [][]string{
		{"status", "--format", "json"},
		{"status", "--format", "json", "--as-of", "2022-08-01"},
		{"uploads", "--format", "json"},
	} {
		if a, b := mustRun(t, db, args...), mustRun(t, pg, args...); a != b {
			t.Errorf("covmon %s differs between SQLite and the copy:\nsqlite:   %.300s\npostgres: %.300s", strings.Join(args, " "), a, b)
		}
	}
	// New rows continue after the copied IDs.
	mustRun(t, pg, "token", "create", "--carrier", "mobifone")
	if out := mustRun(t, pg, "audit", "verify"); !strings.HasPrefix(out, "ledger intact: ") {
		t.Errorf("after a new token on the copy: %s", out)
	}

	if _, _, err := run(t, "", "migrate", "--from", db, "--to", pg); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second migrate into the same database: err=%v, want refused (not empty)", err)
	}
}
