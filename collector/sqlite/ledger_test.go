package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

func mustExec(t *testing.T, db *sqlite.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}

// TestDB_LedgerAllOrNothing: when the ledger cannot be appended, the upload is not stored.
func TestDB_LedgerAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustCommitVillages(t, db, testVillages(1)...)
	mustExec(t, db, `CREATE TRIGGER ledger_full BEFORE INSERT ON ledger BEGIN SELECT RAISE(ABORT, 'ledger full'); END`)
	u := newUpload(geo.KindObservations, "viettel")
	err := db.CommitObservations(ctx, u, []geo.Observation{obsAt("V000", "viettel", geo.Tech4G, true, day(2))})
	if err == nil || !strings.Contains(err.Error(), "ledger full") {
		t.Fatalf("err=%v, want the ledger's failure", err)
	}
	r := newUpload(geo.KindObservations, "viettel")
	r.Result = geo.ResultRejected
	if err := db.RecordUpload(ctx, r); err == nil {
		t.Fatal("a rejected upload was recorded without its ledger entry")
	}
	if err := db.CreateToken(ctx, &geo.Token{Name: "x", Role: geo.RoleMinistry, SecretHash: "00", CreatedAt: now}); err == nil {
		t.Fatal("a token was created without its ledger entry")
	}
	if n := rawQueryInt(t, db, `SELECT count(*) FROM uploads`); n != 1 {
		t.Fatalf("uploads=%d, want only the registry", n)
	}
	if n := rawQueryInt(t, db, `SELECT count(*) FROM observations`); n != 0 {
		t.Fatalf("observations=%d, want 0", n)
	}
	if n := rawQueryInt(t, db, `SELECT count(*) FROM tokens`); n != 0 {
		t.Fatalf("tokens=%d, want 0", n)
	}
}

// TestDB_LedgerBackfill: a database from before the ledger gets its records chained once,
// by the migration.
func TestDB_LedgerBackfill(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ledgerHistory(t, db)
	mustExec(t, db, `DELETE FROM ledger`)
	if rep := mustVerify(t, db); rep.Break == nil {
		t.Fatal("records without entries verified")
	}
	if err := db.BackfillLedger(ctx); err != nil {
		t.Fatal(err)
	}
	if rep := mustVerify(t, db); rep.Break != nil || rep.Entries != 6 {
		t.Fatalf("after the backfill: %+v %v, want 6 entries intact", rep, rep.Break)
	}
}

// TestDB_TokensRebuiltKeepUploads: the migration that widens the token roles rebuilds the
// tokens table; uploads that refer to tokens keep their reference and the ledger verifies.
func TestDB_TokensRebuiltKeepUploads(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ledgerHistory(t, db)
	mustExec(t, db, `DELETE FROM schema_migrations WHERE name LIKE '%0014_source_roles.sql'`)
	// A file from before 0014 has no latest_claims either (0034 reads source_role).
	mustExec(t, db, `DROP TRIGGER observations_latest_claim`)
	mustExec(t, db, `DROP TABLE latest_claims`)
	mustExec(t, db, `DROP INDEX observations_independent`)
	mustExec(t, db, `DELETE FROM schema_migrations WHERE name LIKE '%0034_latest_claims.sql'`)
	mustExec(t, db, `DROP INDEX observations_latest`)
	mustExec(t, db, `ALTER TABLE observations DROP COLUMN source_role`)
	mustExec(t, db, `ALTER TABLE observations DROP COLUMN inspector`)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rawQueryInt(t, db, `SELECT count(*) FROM uploads WHERE token_id = 1`); n != 1 {
		t.Fatalf("uploads of token 1: %d, want 1", n)
	}
	if n := rawQueryInt(t, db, `SELECT count(*) FROM pragma_foreign_key_check`); n != 0 {
		t.Fatalf("foreign key violations: %d", n)
	}
	if err := db.CreateToken(ctx, &geo.Token{Name: "thanh tra", Role: geo.RoleInspector, SecretHash: "00", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if rep := mustVerify(t, db); rep.Break != nil {
		t.Fatalf("ledger after the rebuild: %v", rep.Break)
	}
}
