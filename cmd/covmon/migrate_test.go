package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/covmon/covmon/collector/postgres/pgtest"
	"github.com/covmon/covmon/geo"
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

// TestMain_MigrateLedgerBefore0040: a database whose upload entries were appended before they
// recorded uploads.effective (format 2) is upgraded by its next command (migration 0040 appends
// an upload_effective entry per upload); an edit of an old upload's instant is then reported,
// naming the upload, in SQLite and in its PostgreSQL copy made by covmon migrate.
func TestMain_MigrateLedgerBefore0040(t *testing.T) {
	ctx := context.Background()
	db := seededDB(t)
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Back to the chain before 0040: the same entries, their uploads' without effective_ms.
	rows, err := raw.Query(`SELECT id, kind, ref, content FROM ledger ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var entries []geo.LedgerEntry
	for rows.Next() {
		var e geo.LedgerEntry
		if err := rows.Scan(&e.ID, &e.Kind, &e.Ref, &e.Content); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	effective := regexp.MustCompile(`,"effective_ms":(null|[0-9]+)}$`)
	var prev *geo.LedgerEntry
	uploads := 0
	stmts := []string{`DELETE FROM ledger`, `DELETE FROM schema_migrations WHERE name LIKE '%0040_ledger_effective.sql'`}
	for _, e := range entries {
		if e.Kind == geo.LedgerUpload {
			e.Content = effective.ReplaceAllString(e.Content, "}")
			uploads++
		}
		n := geo.NextLedgerEntry(prev, e.Kind, e.Ref, e.Content)
		prev = &n
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO ledger (id, kind, ref, content, prev_hash, hash) VALUES (%d, '%s', %d, '%s', '%s', '%s')`,
			n.ID, n.Kind, n.Ref, strings.ReplaceAll(n.Content, "'", "''"), n.PrevHash, n.Hash))
	}
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if uploads < 5 {
		t.Fatalf("%d uploads in the seeds' ledger", uploads)
	}
	want := fmt.Sprintf("ledger intact: %d entries", len(entries)+uploads)
	if out := mustRun(t, db, "audit", "verify"); !strings.HasPrefix(out, want) {
		t.Fatalf("the upgraded database: %q, want %q", out, want)
	}
	// Upload 4 (observations) claimed fresh: moved to its receipt.
	tamper := func(exec func(string) error, q string) {
		t.Helper()
		if err := exec(q); err != nil {
			t.Fatal(err)
		}
	}
	onSQLite := func(q string) error { _, err := raw.Exec(q); return err }
	tamper(onSQLite, `UPDATE uploads SET effective = received_at WHERE id = 4`)
	out, _, err := run(t, db, "audit", "verify")
	if !errors.Is(err, errReported) || !strings.Contains(out, "ledger BROKEN") || !strings.Contains(out, `uploads row 4 differs`) || !strings.Contains(out, `field "effective_ms"`) {
		t.Fatalf("SQLite, upload 4's effective edited: err=%v\n%s", err, out)
	}
	var was int64
	if err := raw.QueryRow(`SELECT json_extract(content, '$.effective_ms') FROM ledger WHERE kind = 'upload_effective' AND ref = 4`).Scan(&was); err != nil {
		t.Fatal(err)
	}
	tamper(onSQLite, fmt.Sprintf(`UPDATE uploads SET effective = %d WHERE id = 4`, was))

	pg := pgtest.NewDatabase(t)
	if out := mustRun(t, "", "migrate", "--from", db, "--to", pg); !strings.Contains(out, "row counts equal, ledger intact") {
		t.Fatalf("migrate: %s", out)
	}
	if a, b := mustRun(t, db, "audit", "verify"), mustRun(t, pg, "audit", "verify"); a != b || !strings.HasPrefix(b, want) {
		t.Fatalf("audit verify: sqlite %q, postgres %q", a, b)
	}
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	onPostgres := func(q string) error { _, err := conn.Exec(ctx, q); return err }
	tamper(onPostgres, `UPDATE uploads SET effective = received_at WHERE id = 4`)
	out, _, err = run(t, pg, "audit", "verify")
	if !errors.Is(err, errReported) || !strings.Contains(out, `uploads row 4 differs`) || !strings.Contains(out, `field "effective_ms"`) {
		t.Fatalf("PostgreSQL, upload 4's effective edited: err=%v\n%s", err, out)
	}
	// A new upload on the copy records its instant in its own entry.
	tamper(onPostgres, fmt.Sprintf(`UPDATE uploads SET effective = %d WHERE id = 4`, was))
	mustRun(t, pg, "ingest", "--carrier", "viettel", writeFile(t, "new.geojson", goodObs))
	tamper(onPostgres, `UPDATE uploads SET effective = effective - 86400000 WHERE id = (SELECT max(id) FROM uploads)`)
	out, _, err = run(t, pg, "audit", "verify")
	if !errors.Is(err, errReported) || !strings.Contains(out, fmt.Sprintf("ledger entry %d: uploads row", len(entries)+uploads+1)) || !strings.Contains(out, `field "effective_ms"`) {
		t.Fatalf("PostgreSQL, the new upload's effective edited: err=%v\n%s", err, out)
	}
}
