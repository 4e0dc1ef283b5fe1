package sqlite_test

import (
	"context"
	"testing"
)

// TestCommitVillages_FirstImport pins the bulk path of a first import (foreign keys off for
// its transaction, secondary indexes built at the end): the writer checks foreign keys again
// afterwards, the indexes are back, and a village named twice in the upload is stored as the
// comparing path stores it (its second content, the first kept as a version).
func TestCommitVillages_FirstImport(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	vs := testVillages(450) // more than one multi-row statement
	again := vs[3]
	again.Name = "Bản 3 (renamed)"
	u := mustCommitVillages(t, db, append(vs, again)...)
	if u.Inserted != 451 {
		t.Errorf("Inserted = %d, want 451 (450 new, then one of them changed)", u.Inserted)
	}
	if got, err := db.Village(ctx, "V003"); err != nil || got.Name != "Bản 3 (renamed)" {
		t.Errorf("V003 = %+v, %v; want the second content", got, err)
	}
	if n := rawQueryInt(t, db, `SELECT count(*) FROM village_versions WHERE village_id = 'V003'`); n != 1 {
		t.Errorf("V003 versions = %d, want 1", n)
	}
	if n := rawQueryInt(t, db, `SELECT count(*) FROM village_programs`); n != 150 {
		t.Errorf("program memberships = %d, want 150", n)
	}
	if n := rawQueryInt(t, db, `SELECT count(*) FROM sqlite_master WHERE type = 'index'
		AND name IN ('villages_province', 'village_programs_program')`); n != 2 {
		t.Errorf("secondary indexes after a first import: %d, want 2", n)
	}
	if n := rawQueryInt(t, db, `SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'`); n != 0 {
		t.Errorf("integrity check: %d problems", n)
	}
	// Foreign keys are checked again on the writer.
	if _, err := db.Exec(ctx, `INSERT INTO village_programs (village_id, program_id) VALUES ('V999', 'vls-2024')`); err == nil {
		t.Error("a membership of an unknown village was stored after a first import: foreign keys are off")
	}
	// A second import takes the comparing path: only V003 changes (back).
	u = mustCommitVillages(t, db, vs...)
	if u.Inserted != 1 {
		t.Errorf("re-import: Inserted = %d, want 1", u.Inserted)
	}
}
