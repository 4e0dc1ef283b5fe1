package storetest

import (
	"context"
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
