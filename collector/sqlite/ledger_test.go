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

// TestDB_LedgerBackfillBeforeRoleAndEffective: the ledger's migration (0013) runs before the
// uploads table has its role (0036) and effective instant (0030): the backfill reads only the
// columns it had and chains them in format 1 (it read the role and failed, "no such column:
// role", on a database from before the ledger). Those later columns added, the chain
// verifies, and migration 0040's entries then fix the instants.
func TestDB_LedgerBackfillBeforeRoleAndEffective(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ledgerHistory(t, db)
	mustExec(t, db, `DELETE FROM ledger`)
	mustExec(t, db, `DROP INDEX uploads_carrier_role_sha256_accepted`)
	mustExec(t, db, `ALTER TABLE uploads DROP COLUMN role`)
	mustExec(t, db, `ALTER TABLE uploads DROP COLUMN effective`)
	if err := db.BackfillLedger(ctx); err != nil {
		t.Fatalf("backfill on the uploads table of migration 0013: %v", err)
	}
	var uploads []string
	if err := db.LedgerEntries(ctx, func(e geo.LedgerEntry) error {
		if e.Kind == geo.LedgerUpload {
			uploads = append(uploads, e.Content)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range uploads {
		if geo.LedgerUploadFormat(c) != geo.LedgerUploadV1 || !strings.HasSuffix(c, `,"notes_sha256":null}`) {
			t.Errorf("backfilled upload entry %s, want format 1", c)
		}
	}
	if len(uploads) != 3 {
		t.Fatalf("%d upload entries, want 3", len(uploads))
	}
	mustExec(t, db, `ALTER TABLE uploads ADD COLUMN effective INTEGER`)
	mustExec(t, db, `ALTER TABLE uploads ADD COLUMN role TEXT NOT NULL DEFAULT 'carrier'`)
	if rep := mustVerify(t, db); rep.Break != nil || rep.Entries != 6 {
		t.Fatalf("after the backfill: %+v %v, want 6 entries intact", rep, rep.Break)
	}
	if err := db.SealEffective(ctx); err != nil {
		t.Fatal(err)
	}
	if rep := mustVerify(t, db); rep.Break != nil || rep.Entries != 9 {
		t.Fatalf("after migration 0040's step: %+v %v, want 9 entries intact", rep, rep.Break)
	}
	mustExec(t, db, `UPDATE uploads SET effective = 1 WHERE id = 2`)
	if rep := mustVerify(t, db); rep.Break == nil || rep.Break.EntryID != 8 || !strings.Contains(rep.Break.Reason, `uploads row 2`) {
		t.Fatalf("upload 2's instant edited: %v, want entry 8", rep.Break)
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
