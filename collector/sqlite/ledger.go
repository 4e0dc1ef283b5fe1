package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/covmon/covmon/geo"
)

// appendLedger appends an entry recording kind/ref with the given content to the chain, in
// tx: the entry and what it records are committed together or not at all. The writer
// connection is single and its transactions are IMMEDIATE, so no other append interleaves.
func appendLedger(ctx context.Context, tx *sql.Tx, kind string, ref int64, content string) error {
	var prev *geo.LedgerEntry
	var p geo.LedgerEntry
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM ledger ORDER BY id DESC LIMIT 1`).Scan(&p.ID, &p.Hash)
	switch {
	case err == nil:
		prev = &p
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("ledger head: %w", err)
	}
	e := geo.NextLedgerEntry(prev, kind, ref, content)
	if _, err := tx.ExecContext(ctx, `INSERT INTO ledger (id, kind, ref, content, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?)`, e.ID, e.Kind, e.Ref, e.Content, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("append ledger: %w", err)
	}
	return nil
}

// AppendLedger appends an admin action (kind, the ID of what it acted on, and its content as
// made by geo.LedgerContent) to the chain in tx. Stores of later admin records (assignments,
// policies) call it inside their own transaction.
func AppendLedger(ctx context.Context, tx *sql.Tx, kind string, ref int64, content string) error {
	return appendLedger(ctx, tx, kind, ref, content)
}

// uploadContent encodes an upload as stored in the uploads table, read through q (the
// transaction that wrote it, or the read pool when verifying).
func uploadContent(ctx context.Context, q rowQueryer, id int64) (string, error) {
	var (
		c        geo.LedgerUploadContent
		token    sql.NullInt64
		dup      sql.NullInt64
		problems sql.NullString
		notes    sql.NullString
	)
	err := q.QueryRowContext(ctx, `SELECT id, kind, carrier, file_name, size, sha256, source, token_id,
		received_at, result, features, inserted, duplicate_of, problems, extent, marked_dark, notes
		FROM uploads WHERE id = ?`, id).Scan(
		&c.UploadID, &c.Kind, &c.Carrier, &c.FileName, &c.Size, &c.SHA256, &c.Source, &token,
		&c.ReceivedAtMS, &c.Result, &c.Features, &c.Inserted, &dup, &problems, &c.Extent, &c.MarkedDark, &notes)
	if err != nil {
		return "", err
	}
	if token.Valid {
		c.TokenID = &token.Int64
	}
	if dup.Valid {
		c.DuplicateOf = &dup.Int64
	}
	c.ProblemsSHA256 = nullSHA256(problems)
	c.NotesSHA256 = nullSHA256(notes)
	return geo.LedgerContent(c)
}

// tokenContent encodes a token's creation as stored in the tokens table.
func tokenContent(ctx context.Context, q rowQueryer, id int64) (string, error) {
	var c geo.LedgerTokenContent
	err := q.QueryRowContext(ctx, `SELECT id, name, role, carrier, secret_hash, created_at FROM tokens WHERE id = ?`, id).Scan(
		&c.TokenID, &c.Name, &c.Role, &c.Carrier, &c.SecretHash, &c.CreatedAtMS)
	if err != nil {
		return "", err
	}
	return geo.LedgerContent(c)
}

// revokeContent encodes a token's revocation as stored in the tokens table.
func revokeContent(ctx context.Context, q rowQueryer, id int64) (string, error) {
	var (
		c       = geo.LedgerRevokeContent{TokenID: id}
		revoked sql.NullInt64
	)
	if err := q.QueryRowContext(ctx, `SELECT revoked_at FROM tokens WHERE id = ?`, id).Scan(&revoked); err != nil {
		return "", err
	}
	c.RevokedAtMS = revoked.Int64
	return geo.LedgerContent(c)
}

// rowQueryer is a transaction or a pool.
type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ledgerUpload appends upload id, as stored in tx, to the ledger.
func ledgerUpload(ctx context.Context, tx *sql.Tx, id int64) error {
	c, err := uploadContent(ctx, tx, id)
	if err != nil {
		return fmt.Errorf("ledger upload %d: %w", id, err)
	}
	return appendLedger(ctx, tx, geo.LedgerUpload, id, c)
}

// backfillLedger chains the uploads and tokens that existed before the ledger did, in the
// migration's transaction: uploads and token creations in ID order, then revocations.
func backfillLedger(ctx context.Context, tx *sql.Tx) error {
	type rec struct {
		kind string
		id   int64
	}
	var recs []rec
	collect := func(kind, q string) error {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			recs = append(recs, rec{kind, id})
		}
		return rows.Err()
	}
	if err := collect(geo.LedgerProgramSet, `SELECT rowid FROM programs ORDER BY rowid`); err != nil {
		return fmt.Errorf("backfill ledger: %w", err)
	}
	if err := collect(geo.LedgerTokenCreated, `SELECT id FROM tokens ORDER BY id`); err != nil {
		return fmt.Errorf("backfill ledger: %w", err)
	}
	if err := collect(geo.LedgerUpload, `SELECT id FROM uploads ORDER BY id`); err != nil {
		return fmt.Errorf("backfill ledger: %w", err)
	}
	if err := collect(geo.LedgerTokenRevoked, `SELECT id FROM tokens WHERE revoked_at IS NOT NULL ORDER BY id`); err != nil {
		return fmt.Errorf("backfill ledger: %w", err)
	}
	for _, r := range recs {
		var c string
		var err error
		if r.kind == geo.LedgerProgramSet {
			var id string
			if err = tx.QueryRowContext(ctx, `SELECT id FROM programs WHERE rowid = ?`, r.id).Scan(&id); err == nil {
				c, err = programContent(ctx, tx, id)
			}
		} else {
			c, err = recordContent(ctx, tx, r.kind, r.id)
		}
		if err != nil {
			return fmt.Errorf("backfill ledger: %s %d: %w", r.kind, r.id, err)
		}
		if err := appendLedger(ctx, tx, r.kind, r.id, c); err != nil {
			return fmt.Errorf("backfill ledger: %w", err)
		}
	}
	return nil
}

// recordContent encodes the stored record an entry of kind refers to. Kinds this store does
// not know return errUnknownKind: their content is checked by the chain only.
func recordContent(ctx context.Context, q rowQueryer, kind string, id int64) (string, error) {
	switch kind {
	case geo.LedgerUpload:
		return uploadContent(ctx, q, id)
	case geo.LedgerTokenCreated:
		return tokenContent(ctx, q, id)
	case geo.LedgerTokenRevoked:
		return revokeContent(ctx, q, id)
	}
	return "", errUnknownKind
}

var errUnknownKind = errors.New("no table check for this kind")

// LedgerEntries calls fn with every ledger entry in ID order, stopping at fn's first error.
func (db *DB) LedgerEntries(ctx context.Context, fn func(geo.LedgerEntry) error) error {
	rows, err := db.ro.QueryContext(ctx, `SELECT id, kind, ref, content, prev_hash, hash FROM ledger ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e geo.LedgerEntry
		if err := rows.Scan(&e.ID, &e.Kind, &e.Ref, &e.Content, &e.PrevHash, &e.Hash); err != nil {
			return fmt.Errorf("read ledger: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read ledger: %w", err)
	}
	return nil
}

// VerifyLedger walks the chain in one read transaction and returns the first broken link: an
// entry that does not link to the one before it, whose hash does not match its content, or
// whose content differs from the row it records (an upload or token edited in its table, or
// deleted); then a record with no entry (an upload or token row inserted by hand, or its
// entry deleted). The error is non-nil only when the database could not be read.
func (db *DB) VerifyLedger(ctx context.Context) (*geo.LedgerReport, error) {
	tx, err := db.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("verify ledger: %w", err)
	}
	defer tx.Rollback()

	rows, err := tx.QueryContext(ctx, `SELECT id, kind, ref, content, prev_hash, hash FROM ledger ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("verify ledger: %w", err)
	}
	var entries []geo.LedgerEntry
	for rows.Next() {
		var e geo.LedgerEntry
		if err := rows.Scan(&e.ID, &e.Kind, &e.Ref, &e.Content, &e.PrevHash, &e.Hash); err != nil {
			rows.Close()
			return nil, fmt.Errorf("verify ledger: %w", err)
		}
		entries = append(entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify ledger: %w", err)
	}
	rep, err := geo.LedgerWalk{
		CheckRecord: func(e geo.LedgerEntry) (*geo.LedgerBreak, error) { return checkRecord(ctx, tx, e) },
		CheckPrograms: func(latest map[string]geo.LedgerEntry) (*geo.LedgerBreak, error) {
			return checkPrograms(ctx, tx, latest)
		},
		Unchained: func(seen map[string]map[int64]bool) (*geo.LedgerBreak, error) { return unchained(ctx, tx, seen) },
	}.Verify(entries)
	if err != nil {
		return nil, fmt.Errorf("verify ledger: %w", err)
	}
	return rep, nil
}

// checkRecord compares entry e with the row it records, as stored now.
func checkRecord(ctx context.Context, q rowQueryer, e geo.LedgerEntry) (*geo.LedgerBreak, error) {
	now, err := recordContent(ctx, q, e.Kind, e.Ref)
	switch {
	case errors.Is(err, errUnknownKind):
		return nil, nil
	case errors.Is(err, sql.ErrNoRows):
		return &geo.LedgerBreak{EntryID: e.ID, Reason: fmt.Sprintf("records %s %d, which is no longer in the database (deleted)", table(e.Kind), e.Ref)}, nil
	case err != nil:
		return nil, err
	}
	if d := geo.DiffLedgerContent(now, e.Content); d != "" {
		return &geo.LedgerBreak{EntryID: e.ID, Reason: fmt.Sprintf("%s row %d differs from what the ledger recorded: %s", table(e.Kind), e.Ref, d)}, nil
	}
	return nil, nil
}

func table(kind string) string {
	switch kind {
	case geo.LedgerUpload:
		return "uploads"
	case geo.LedgerTokenCreated, geo.LedgerTokenRevoked:
		return "tokens"
	}
	return kind
}

// unchained returns a break naming the first upload, token or revocation with no entry.
func unchained(ctx context.Context, tx *sql.Tx, seen map[string]map[int64]bool) (*geo.LedgerBreak, error) {
	checks := []struct{ kind, q, what string }{
		{geo.LedgerUpload, `SELECT id FROM uploads ORDER BY id`, "upload %d has no ledger entry (inserted outside covmon, or its entry was deleted)"},
		{geo.LedgerTokenCreated, `SELECT id FROM tokens ORDER BY id`, "token %d has no ledger entry for its creation"},
		{geo.LedgerTokenRevoked, `SELECT id FROM tokens WHERE revoked_at IS NOT NULL ORDER BY id`, "token %d is revoked but the ledger has no revocation"},
	}
	for _, ch := range checks {
		rows, err := tx.QueryContext(ctx, ch.q)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			if !seen[ch.kind][id] {
				rows.Close()
				return &geo.LedgerBreak{Reason: fmt.Sprintf(ch.what, id)}, nil
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// programContent encodes a program as stored.
func programContent(ctx context.Context, q rowQueryer, id string) (string, error) {
	var (
		c        geo.LedgerProgramContent
		deadline sql.NullInt64
	)
	err := q.QueryRowContext(ctx, `SELECT id, name, deadline, powered_only FROM programs WHERE id = ?`, id).Scan(
		&c.ProgramID, &c.Name, &deadline, &c.PoweredOnly)
	if err != nil {
		return "", err
	}
	if deadline.Valid {
		c.DeadlineMS = &deadline.Int64
	}
	return geo.LedgerContent(c)
}

// programRef is the rowid of a program (programs are keyed by text; the ledger refers to rows
// by number).
func programRef(ctx context.Context, q rowQueryer, id string) int64 {
	var ref int64
	_ = q.QueryRowContext(ctx, `SELECT rowid FROM programs WHERE id = ?`, id).Scan(&ref)
	return ref
}

// checkPrograms compares each program with its latest program_set entry: a program changed
// in the table by hand, or with no entry, is a break.
func checkPrograms(ctx context.Context, tx *sql.Tx, latest map[string]geo.LedgerEntry) (*geo.LedgerBreak, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM programs ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		e, ok := latest[id]
		if !ok {
			return &geo.LedgerBreak{Reason: fmt.Sprintf("program %q has no ledger entry (created outside covmon, or its entry was deleted)", id)}, nil
		}
		now, err := programContent(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if d := geo.DiffLedgerContent(now, e.Content); d != "" {
			return &geo.LedgerBreak{EntryID: e.ID, Reason: fmt.Sprintf("programs row %q differs from its latest ledger entry: %s", id, d)}, nil
		}
	}
	return nil, nil
}

// nullSHA256 returns the hex SHA-256 of a stored text, nil when NULL.
func nullSHA256(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	s := sha256.Sum256([]byte(v.String))
	h := hex.EncodeToString(s[:])
	return &h
}
