package storetest

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

func contractVerifyLedger(t *testing.T, h *Harness) {
	ctx := context.Background()

	t.Run("Fresh", func(t *testing.T) {
		rep := mustVerify(t, h.Open(t))
		if rep.Break != nil || rep.Entries != 0 || rep.Head != geo.LedgerGenesis {
			t.Fatalf("fresh database: %+v, want intact and empty", rep)
		}
	})

	t.Run("Intact", func(t *testing.T) {
		db := h.Open(t)
		u := ledgerHistory(t, db)
		rep := mustVerify(t, db)
		// program, villages upload, token, observations upload, rejected upload, revocation
		if rep.Break != nil || rep.Entries != 6 {
			t.Fatalf("report %+v, break %v; want 6 entries intact", rep, rep.Break)
		}
		var entry geo.LedgerEntry
		if err := db.LedgerEntries(ctx, func(e geo.LedgerEntry) error {
			if e.Kind == geo.LedgerUpload && e.Ref == u.ID {
				entry = e
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"sha256":"` + u.SHA256 + `"`, `"token_id":1`, `"result":"accepted"`, `"inserted":1`} {
			if !strings.Contains(entry.Content, want) {
				t.Errorf("entry of upload %d: content %s lacks %s", u.ID, entry.Content, want)
			}
		}
		// Revoking again changes nothing and appends nothing.
		if err := db.RevokeToken(ctx, 1, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// An unchanged program is not an admin action; a changed deadline is.
		p := geo.DefaultProgram()
		if err := db.UpsertProgram(ctx, p); err != nil {
			t.Fatal(err)
		}
		if rep := mustVerify(t, db); rep.Entries != 6 {
			t.Fatalf("entries=%d after a repeated revoke and an unchanged program, want 6", rep.Entries)
		}
		p.Deadline = p.Deadline.AddDate(1, 0, 0)
		if err := db.UpsertProgram(ctx, p); err != nil {
			t.Fatal(err)
		}
		if rep := mustVerify(t, db); rep.Entries != 7 || rep.Break != nil {
			t.Fatalf("after a deadline change: %+v %v, want 7 entries intact", rep, rep.Break)
		}
	})

	t.Run("UploadEdited", func(t *testing.T) {
		db := h.Open(t)
		u := ledgerHistory(t, db)
		h.Exec(t, db, `UPDATE uploads SET sha256 = ? WHERE id = ?`, strings.Repeat("0", 64), u.ID)
		rep := mustVerify(t, db)
		if rep.Break == nil || rep.Break.EntryID != 4 {
			t.Fatalf("break %v, want entry 4 (upload %d)", rep.Break, u.ID)
		}
		if msg := rep.Break.Error(); !strings.Contains(msg, `uploads row 2`) || !strings.Contains(msg, `field "sha256"`) || !strings.Contains(msg, u.SHA256) {
			t.Fatalf("break %q does not name the row, the field and the recorded value", msg)
		}
	})

	t.Run("UploadResultEdited", func(t *testing.T) {
		db := h.Open(t)
		ledgerHistory(t, db)
		h.Exec(t, db, `UPDATE uploads SET problems = NULL, result = 'accepted' WHERE result = 'rejected'`)
		rep := mustVerify(t, db)
		if rep.Break == nil || rep.Break.EntryID != 5 || !strings.Contains(rep.Break.Reason, `field "result"`) {
			t.Fatalf("break %v, want entry 5, field result", rep.Break)
		}
	})

	t.Run("TokenEdited", func(t *testing.T) {
		db := h.Open(t)
		ledgerHistory(t, db)
		h.Exec(t, db, `UPDATE tokens SET carrier = 'mobifone'`)
		if rep := mustVerify(t, db); rep.Break == nil || rep.Break.EntryID != 3 || !strings.Contains(rep.Break.Reason, `field "carrier"`) {
			t.Fatalf("break %v, want entry 3, field carrier", rep.Break)
		}
	})

	t.Run("RevocationUndone", func(t *testing.T) {
		db := h.Open(t)
		ledgerHistory(t, db)
		h.Exec(t, db, `UPDATE tokens SET revoked_at = NULL`)
		if rep := mustVerify(t, db); rep.Break == nil || rep.Break.EntryID != 6 {
			t.Fatalf("break %v, want entry 6 (the revocation)", rep.Break)
		}
	})

	t.Run("ProgramEdited", func(t *testing.T) {
		db := h.Open(t)
		ledgerHistory(t, db)
		h.Exec(t, db, `UPDATE programs SET deadline = deadline + 86400000`)
		if rep := mustVerify(t, db); rep.Break == nil || rep.Break.EntryID != 1 || !strings.Contains(rep.Break.Reason, `field "deadline_ms"`) {
			t.Fatalf("break %v, want entry 1, field deadline_ms", rep.Break)
		}
	})

	t.Run("EntryDeleted", func(t *testing.T) {
		db := h.Open(t)
		ledgerHistory(t, db)
		h.Exec(t, db, `DELETE FROM ledger WHERE id = 4`)
		rep := mustVerify(t, db)
		if rep.Break == nil || rep.Break.EntryID != 5 || !strings.Contains(rep.Break.Reason, "entries 4 to 4 are missing") {
			t.Fatalf("break %v, want entry 5 naming the missing entry 4", rep.Break)
		}
	})

	t.Run("LastEntryDeleted", func(t *testing.T) {
		db := h.Open(t)
		ledgerHistory(t, db)
		h.Exec(t, db, `DELETE FROM ledger WHERE id = 5`)
		h.Exec(t, db, `UPDATE ledger SET id = 5 WHERE id = 6`) // even renumbered
		rep := mustVerify(t, db)
		if rep.Break == nil || rep.Break.EntryID != 5 || !strings.Contains(rep.Break.Reason, "prev_hash") {
			t.Fatalf("break %v, want entry 5 whose prev_hash no longer links", rep.Break)
		}
		h.Exec(t, db, `DELETE FROM ledger WHERE id = 5`)
		rep = mustVerify(t, db)
		if rep.Break == nil || !strings.Contains(rep.Break.Reason, "upload 3 has no ledger entry") {
			t.Fatalf("break %v, want upload 3 named as unchained", rep.Break)
		}
	})

	t.Run("EntryRewritten", func(t *testing.T) {
		db := h.Open(t)
		ledgerHistory(t, db)
		// Edit the row and its entry's content together: the entry's hash gives it away.
		h.Exec(t, db, `UPDATE uploads SET file_name = 'x.geojson' WHERE id = 2`)
		h.Exec(t, db, `UPDATE ledger SET content = replace(content, '"file_name":"file-', '"file_name":"x.geojson","old":"') WHERE id = 4`)
		rep := mustVerify(t, db)
		if rep.Break == nil || rep.Break.EntryID != 4 || !strings.Contains(rep.Break.Reason, "does not match its content") {
			t.Fatalf("break %v, want entry 4 whose hash does not match", rep.Break)
		}
	})

	t.Run("UploadInsertedByHand", func(t *testing.T) {
		db := h.Open(t)
		ledgerHistory(t, db)
		h.Exec(t, db, `INSERT INTO uploads (kind, carrier, sha256, received_at, result) VALUES ('observations', 'viettel', 'ff', 0, 'rejected')`)
		if rep := mustVerify(t, db); rep.Break == nil || rep.Break.EntryID != 0 || !strings.Contains(rep.Break.Reason, "upload 4 has no ledger entry") {
			t.Fatalf("break %v, want upload 4 named", rep.Break)
		}
	})
}

func contractTouchToken(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	tok := &geo.Token{Name: "m", Role: geo.RoleMinistry, SecretHash: "00", CreatedAt: now}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	used := now.Add(time.Hour)
	for _, at := range []time.Time{used, used.Add(30 * time.Second)} { // the second is within the minute
		if err := db.TouchToken(ctx, tok.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Token(ctx, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastUsedAt.Equal(used) {
		t.Fatalf("LastUsedAt=%v, want %v", got.LastUsedAt, used)
	}
	if rep := mustVerify(t, db); rep.Break != nil {
		t.Fatalf("a token's use broke the ledger: %v", rep.Break)
	}
}

// roleField is the last field of an upload entry's content in format 2.
var roleField = regexp.MustCompile(`,"role":"[a-z]*"}$`)

// contractLedgerBefore0036: a database whose chain was written before uploads recorded their
// role (format-1 upload entries, no role column, duplicates judged by carrier and bytes) is
// migrated: each old upload gets its role from what is stored (docs/security.md: the
// backfill), the old entries still verify (against their rows without the role), new entries
// record the role and verify, and an edit of an old or a new row is still caught.
func contractLedgerBefore0036(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	LedgerHistory(t, db) // uploads 1 (registry), 2 (accepted, carrier token 1), 3 (rejected, cli)
	insp := &geo.Token{Name: "Sở TT&TT Lào Cai", Role: geo.RoleInspector, SecretHash: strings.Repeat("cd", 32), CreatedAt: now}
	if err := db.CreateToken(ctx, insp); err != nil {
		t.Fatal(err)
	}
	record := func(kind geo.UploadKind, result geo.UploadResult, source string, token, dupOf int64) *geo.Upload {
		u := NewUpload(kind, "viettel")
		u.Result, u.Source, u.TokenID, u.DuplicateOf = result, source, token, dupOf
		if err := db.RecordUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	// 4: independent measurements from the command line (the file declared its role).
	m := ObsAt("V001", "viettel", geo.Tech4G, false, Day(3))
	m.Source, m.Inspector = geo.SourceIndependent, "Sở TT&TT Lào Cai"
	ins := NewUpload(geo.KindObservations, "viettel")
	if err := db.CommitObservations(ctx, ins, []geo.Observation{m}); err != nil {
		t.Fatal(err)
	}
	dup := NewUpload(geo.KindObservations, "viettel") // 5: the same file again, from the command line
	dup.SHA256, dup.Result, dup.DuplicateOf = ins.SHA256, geo.ResultDuplicate, ins.ID
	if err := db.RecordUpload(ctx, dup); err != nil {
		t.Fatal(err)
	}
	record(geo.KindObservations, geo.ResultRejected, "api", insp.ID, 0)       // 6: an inspector's token
	record(geo.KindObservations, geo.ResultRejected, "inbox-inspector", 0, 0) // 7: the inspectors' folder
	record(geo.KindAreas, geo.ResultAccepted, "inbox", 0, 0)                  // 8: a carrier's areas
	empty := record(geo.KindObservations, geo.ResultAccepted, "cli", 0, 0)    // 9: unknowable
	want := []string{"ministry", "carrier", "carrier", "inspector", "inspector", "inspector", "inspector", "carrier", "carrier"}

	// Back to the schema and the chain before 0036.
	var entries []geo.LedgerEntry
	if err := db.LedgerEntries(ctx, func(e geo.LedgerEntry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	h.Exec(t, db, `DELETE FROM ledger`)
	var prev *geo.LedgerEntry
	for _, e := range entries {
		c := e.Content
		if e.Kind == geo.LedgerUpload {
			if c = roleField.ReplaceAllString(c, "}"); c == e.Content {
				t.Fatalf("entry %d has no role to take out: %s", e.ID, c)
			}
		}
		n := geo.NextLedgerEntry(prev, e.Kind, e.Ref, c)
		h.Exec(t, db, `INSERT INTO ledger (id, kind, ref, content, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)`, n.ID, n.Kind, n.Ref, n.Content, n.PrevHash, n.Hash)
		prev = &n
	}
	h.Exec(t, db, `DROP INDEX uploads_carrier_role_sha256_accepted`)
	h.Exec(t, db, `ALTER TABLE uploads DROP COLUMN role`)
	h.Exec(t, db, `CREATE UNIQUE INDEX uploads_carrier_sha256_accepted ON uploads (carrier, sha256) WHERE result = 'accepted'`)
	h.Exec(t, db, `DELETE FROM schema_migrations WHERE name LIKE '%0036_upload_role.sql'`)

	db = h.Reopen(t, db) // migrates
	for i, w := range want {
		if n := h.QueryInt(t, db, `SELECT count(*) FROM uploads WHERE id = ? AND role = ?`, i+1, w); n != 1 {
			got, _ := db.Upload(ctx, int64(i+1))
			t.Errorf("upload %d backfilled as %+v, want role %s", i+1, got, w)
		}
	}
	if rep := MustVerify(t, db); rep.Break != nil || rep.Entries != len(entries) {
		t.Fatalf("the format-1 chain after the migration: %+v %v, want %d entries intact", rep, rep.Break, len(entries))
	}

	// A carrier's claims with the bytes of the old inspection: a new upload, not a duplicate.
	c := NewUpload(geo.KindObservations, "viettel")
	c.SHA256 = ins.SHA256
	if err := db.CommitObservations(ctx, c, []geo.Observation{ObsAt("V001", "viettel", geo.Tech4G, false, Day(3))}); err != nil {
		t.Fatalf("a carrier's file with an old inspection's bytes: %v", err)
	}
	// The same bytes as the old empty upload 9, in its backfilled role: a duplicate of it.
	again := NewUpload(geo.KindObservations, "viettel")
	again.SHA256 = empty.SHA256
	if err := db.CommitObservations(ctx, again, nil); !errors.Is(err, geo.ErrDuplicateUpload) || again.DuplicateOf != empty.ID {
		t.Fatalf("upload 9's bytes again: %v (duplicate_of %d), want a duplicate of %d", err, again.DuplicateOf, empty.ID)
	}
	rep := MustVerify(t, db)
	if rep.Break != nil || rep.Entries != len(entries)+1 {
		t.Fatalf("after a new upload: %+v %v, want %d entries intact", rep, rep.Break, len(entries)+1)
	}
	var last geo.LedgerEntry
	if err := db.LedgerEntries(ctx, func(e geo.LedgerEntry) error { last = e; return nil }); err != nil {
		t.Fatal(err)
	}
	if last.Ref != c.ID || !strings.HasSuffix(last.Content, `,"role":"carrier"}`) || geo.LedgerUploadFormat(last.Content) != 2 {
		t.Fatalf("the new entry %s, want upload %d with its role", last.Content, c.ID)
	}

	// Edits are caught in old rows (format 1) and in the role of new ones (format 2).
	for _, tt := range []struct {
		edit, undo string
		id         int64
		entry      int64
		field      string
	}{
		{`UPDATE uploads SET file_name = 'x.geojson' WHERE id = ?`, ``, 2, 4, `field "file_name"`},
		{`UPDATE uploads SET role = 'ministry' WHERE id = ?`, `UPDATE uploads SET role = 'carrier' WHERE id = ?`, c.ID, last.ID, `field "role"`},
	} {
		var before string
		if tt.undo == "" {
			u, err := db.Upload(ctx, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			before = u.FileName
		}
		h.Exec(t, db, tt.edit, tt.id)
		rep := MustVerify(t, db)
		if rep.Break == nil || rep.Break.EntryID != tt.entry || !strings.Contains(rep.Break.Reason, tt.field) {
			t.Fatalf("after %q on upload %d: break %v, want entry %d naming %s", tt.edit, tt.id, rep.Break, tt.entry, tt.field)
		}
		if tt.undo == "" {
			h.Exec(t, db, `UPDATE uploads SET file_name = ? WHERE id = ?`, before, tt.id)
		} else {
			h.Exec(t, db, tt.undo, tt.id)
		}
	}
	if rep := MustVerify(t, db); rep.Break != nil {
		t.Fatalf("after undoing the edits: %v", rep.Break)
	}
}
