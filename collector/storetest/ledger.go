package storetest

import (
	"context"
	"errors"
	"fmt"
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
		for _, want := range []string{`"sha256":"` + u.SHA256 + `"`, `"token_id":1`, `"result":"accepted"`, `"inserted":1`,
			fmt.Sprintf(`,"effective_ms":%d}`, Day(2).UnixMilli())} {
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

	// The instant an upload speaks as of decides the staleness alerts: moved forward, an old
	// report would pass for a fresh one. It is chained (format 3).
	t.Run("UploadEffectiveEdited", func(t *testing.T) {
		db := h.Open(t)
		u := ledgerHistory(t, db)
		h.Exec(t, db, `UPDATE uploads SET effective = ? WHERE id = ?`, now.UnixMilli(), u.ID)
		rep := mustVerify(t, db)
		want := fmt.Sprintf(`uploads row 2 differs from what the ledger recorded: field "effective_ms" is %d in the table, %d in the ledger`, now.UnixMilli(), Day(2).UnixMilli())
		if rep.Break == nil || rep.Break.EntryID != 4 || rep.Break.Reason != want {
			t.Fatalf("break %v, want entry 4: %s", rep.Break, want)
		}
		// An upload with no instant (rejected: NULL) given one is caught too.
		h.Exec(t, db, `UPDATE uploads SET effective = NULL WHERE id = ?`, u.ID)
		rep = mustVerify(t, db)
		if rep.Break == nil || rep.Break.EntryID != 4 || !strings.Contains(rep.Break.Reason, `field "effective_ms" is null in the table`) {
			t.Fatalf("effective set to NULL: break %v, want entry 4", rep.Break)
		}
		h.Exec(t, db, `UPDATE uploads SET effective = ? WHERE id = ?`, Day(2).UnixMilli(), u.ID)
		h.Exec(t, db, `UPDATE uploads SET effective = ? WHERE result = 'rejected'`, now.UnixMilli())
		rep = mustVerify(t, db)
		if rep.Break == nil || rep.Break.EntryID != 5 || !strings.Contains(rep.Break.Reason, `uploads row 3`) || !strings.Contains(rep.Break.Reason, `field "effective_ms"`) {
			t.Fatalf("a rejected upload given an instant: break %v, want entry 5", rep.Break)
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

// roleField is the last field of an upload entry's content in format 2, the two last in
// format 3.
var roleField = regexp.MustCompile(`,"role":"[a-z]*"(,"effective_ms":(null|-?[0-9]+))?}$`)

// effectiveField is the last field of an upload entry's content in format 3.
var effectiveField = regexp.MustCompile(`,"effective_ms":(null|-?[0-9]+)}$`)

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
	if last.Ref != c.ID || !strings.HasSuffix(last.Content, `,"role":"carrier","effective_ms":null}`) || geo.LedgerUploadFormat(last.Content) != geo.LedgerUploadLatest {
		t.Fatalf("the new entry %s, want upload %d with its role", last.Content, c.ID)
	}

	// Edits are caught in old rows (format 1) and in the role of new ones (format 3).
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

// contractLedgerBefore0040: a database whose upload entries were appended before they recorded
// the instant an upload speaks as of (format 2, no effective_ms) still verifies as it is; the
// migration then appends an upload_effective entry per upload, recording its instant, so an
// edit of uploads.effective is found in an old upload (at that entry) as in a new one (at its
// own entry, format 3). docs/audit.md, "Content formats".
func contractLedgerBefore0040(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	old := LedgerHistory(t, db) // uploads 1 (registry), 2 (accepted, effective Day(2)), 3 (rejected)
	var entries []geo.LedgerEntry
	if err := db.LedgerEntries(ctx, func(e geo.LedgerEntry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	// Back to the chain before 0040: the same entries without effective_ms.
	h.Exec(t, db, `DELETE FROM ledger`)
	var prev *geo.LedgerEntry
	for _, e := range entries {
		c := e.Content
		if e.Kind == geo.LedgerUpload {
			if c = effectiveField.ReplaceAllString(c, "}"); c == e.Content || geo.LedgerUploadFormat(c) != geo.LedgerUploadV2 {
				t.Fatalf("entry %d: no instant to take out, or not format 2 after: %s", e.ID, c)
			}
		}
		n := geo.NextLedgerEntry(prev, e.Kind, e.Ref, c)
		h.Exec(t, db, `INSERT INTO ledger (id, kind, ref, content, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)`, n.ID, n.Kind, n.Ref, n.Content, n.PrevHash, n.Hash)
		prev = &n
	}
	// An old chain verifies as it is, and an edit of the instant is not seen in it.
	if rep := MustVerify(t, db); rep.Break != nil || rep.Entries != len(entries) {
		t.Fatalf("the format-2 chain: %+v %v, want %d entries intact", rep, rep.Break, len(entries))
	}
	h.Exec(t, db, `UPDATE uploads SET effective = effective + 1 WHERE id = ?`, old.ID)
	if rep := MustVerify(t, db); rep.Break != nil {
		t.Fatalf("format 2 does not record the instant, yet: %v", rep.Break)
	}
	h.Exec(t, db, `UPDATE uploads SET effective = effective - 1 WHERE id = ?`, old.ID)
	h.Exec(t, db, `DELETE FROM schema_migrations WHERE name LIKE '%0040_ledger_effective.sql'`)

	db = h.Reopen(t, db) // migrates: one upload_effective entry per upload
	var seals []geo.LedgerEntry
	if err := db.LedgerEntries(ctx, func(e geo.LedgerEntry) error {
		if e.Kind == geo.LedgerUploadEffective {
			seals = append(seals, e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	registry, err := db.Upload(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantSeals := []string{
		fmt.Sprintf(`{"upload_id":1,"effective_ms":%d}`, registry.ReceivedAt.UnixMilli()), // a registry upload without "effective": its receipt
		fmt.Sprintf(`{"upload_id":2,"effective_ms":%d}`, Day(2).UnixMilli()),
		`{"upload_id":3,"effective_ms":null}`, // rejected: speaks as of nothing
	}
	if len(seals) != len(wantSeals) {
		t.Fatalf("%d upload_effective entries after the migration, want %d", len(seals), len(wantSeals))
	}
	for i, w := range wantSeals {
		if seals[i].Content != w || seals[i].Ref != int64(i+1) || seals[i].ID != int64(len(entries)+i+1) {
			t.Errorf("entry %d: upload_effective %d %s, want ref %d %s", seals[i].ID, seals[i].Ref, seals[i].Content, i+1, w)
		}
	}
	if rep := MustVerify(t, db); rep.Break != nil || rep.Entries != len(entries)+len(seals) {
		t.Fatalf("after the migration: %+v %v, want %d entries intact", rep, rep.Break, len(entries)+len(seals))
	}
	// Opened again: nothing more is appended.
	db = h.Reopen(t, db)
	if rep := MustVerify(t, db); rep.Break != nil || rep.Entries != len(entries)+len(seals) {
		t.Fatalf("reopened: %+v %v, want %d entries intact", rep, rep.Break, len(entries)+len(seals))
	}

	// A new upload records its instant in its own entry (format 3).
	c := NewUpload(geo.KindObservations, "viettel")
	c.Effective = Day(4)
	if err := db.CommitObservations(ctx, c, []geo.Observation{ObsAt("V001", "viettel", geo.Tech4G, true, Day(4))}); err != nil {
		t.Fatal(err)
	}
	var last geo.LedgerEntry
	if err := db.LedgerEntries(ctx, func(e geo.LedgerEntry) error { last = e; return nil }); err != nil {
		t.Fatal(err)
	}
	if last.Ref != c.ID || last.Kind != geo.LedgerUpload || geo.LedgerUploadFormat(last.Content) != geo.LedgerUploadV3 ||
		!strings.HasSuffix(last.Content, fmt.Sprintf(`,"effective_ms":%d}`, Day(4).UnixMilli())) {
		t.Fatalf("the new entry %d %s, want upload %d in format 3", last.ID, last.Content, c.ID)
	}

	// The instant moved forward in an old upload, a NULL one given an instant, a new one moved:
	// each is found, at the entry that fixes it, naming the upload.
	for _, tt := range []struct {
		id    int64
		to    any
		entry int64
	}{
		{old.ID, now.UnixMilli(), seals[1].ID},
		{3, now.UnixMilli(), seals[2].ID},
		{1, nil, seals[0].ID},
		{c.ID, now.UnixMilli(), last.ID},
	} {
		var before *int64
		if n := h.QueryInt(t, db, `SELECT count(*) FROM uploads WHERE id = ? AND effective IS NOT NULL`, tt.id); n == 1 {
			v := int64(h.QueryInt(t, db, `SELECT effective FROM uploads WHERE id = ?`, tt.id))
			before = &v
		}
		h.Exec(t, db, `UPDATE uploads SET effective = ? WHERE id = ?`, tt.to, tt.id)
		rep := MustVerify(t, db)
		if rep.Break == nil || rep.Break.EntryID != tt.entry ||
			!strings.Contains(rep.Break.Reason, fmt.Sprintf("uploads row %d differs", tt.id)) || !strings.Contains(rep.Break.Reason, `field "effective_ms"`) {
			t.Fatalf("upload %d's effective set to %v: break %v, want entry %d naming the upload and effective_ms", tt.id, tt.to, rep.Break, tt.entry)
		}
		if before == nil {
			h.Exec(t, db, `UPDATE uploads SET effective = NULL WHERE id = ?`, tt.id)
		} else {
			h.Exec(t, db, `UPDATE uploads SET effective = ? WHERE id = ?`, *before, tt.id)
		}
		if rep := MustVerify(t, db); rep.Break != nil {
			t.Fatalf("after undoing the edit of upload %d: %v", tt.id, rep.Break)
		}
	}
}
