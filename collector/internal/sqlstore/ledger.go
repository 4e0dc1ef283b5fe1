package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/covmon/covmon/geo"
)

// AppendLedger appends an entry recording kind/ref with the given content to the chain, in
// tx: the entry and what it records are committed together or not at all. tx must be the
// store's writer (SQLite's single IMMEDIATE writer, PostgreSQL's write lock), so no other
// append interleaves.
func (qs *Queries) AppendLedger(ctx context.Context, tx Querier, kind string, ref int64, content string) error {
	var prev *geo.LedgerEntry
	var p geo.LedgerEntry
	err := tx.QueryRow(ctx, qs.LedgerHead).Scan(&p.ID, &p.Hash)
	switch {
	case err == nil:
		prev = &p
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("ledger head: %w", err)
	}
	e := geo.NextLedgerEntry(prev, kind, ref, content)
	if err := tx.Exec(ctx, qs.LedgerInsert, e.ID, e.Kind, e.Ref, e.Content, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("append ledger: %w", err)
	}
	return nil
}

// LedgerUpload appends upload id, as stored in tx, to the ledger.
func (qs *Queries) LedgerUpload(ctx context.Context, tx Querier, id int64) error {
	c, err := qs.uploadContent(ctx, tx, id, geo.LedgerUploadLatest)
	if err != nil {
		return fmt.Errorf("ledger upload %d: %w", id, err)
	}
	return qs.AppendLedger(ctx, tx, geo.LedgerUpload, id, c)
}

// BackfillRecord appends the stored record of kind id, as read through tx, to the ledger as
// the ledger's migration (0013) does: an upload in format 1, the columns the uploads table had
// then (its role and effective instant came later, by migrations 0036 and 0030).
func (qs *Queries) BackfillRecord(ctx context.Context, tx Querier, kind string, id int64) error {
	c, err := qs.recordContent(ctx, tx, kind, id, geo.LedgerUploadV1)
	if err != nil {
		return err
	}
	return qs.AppendLedger(ctx, tx, kind, id, c)
}

// LedgerRecord appends the stored record of kind (an upload, a token's creation or its
// revocation) id, as read through tx, to the ledger.
func (qs *Queries) LedgerRecord(ctx context.Context, tx Querier, kind string, id int64) error {
	c, err := qs.RecordContent(ctx, tx, kind, id)
	if err != nil {
		return err
	}
	return qs.AppendLedger(ctx, tx, kind, id, c)
}

// uploadContent encodes an upload as stored in the uploads table, read through q (the
// transaction that wrote it, or the read transaction when verifying), in the given content
// format (geo.LedgerUploadFormat: 3 with the role and the effective instant, 2 with the role
// only, 1 with neither, as entries appended before migrations 0040 and 0036 recorded them).
func (qs *Queries) uploadContent(ctx context.Context, q Querier, id int64, format int) (string, error) {
	var (
		c               geo.LedgerUploadContent
		problems, notes *string
		role            string
		effective       *int64
	)
	query, dest := qs.UploadRow, []any{
		&c.UploadID, &c.Kind, &c.Carrier, &c.FileName, &c.Size, &c.SHA256, &c.Source, &c.TokenID,
		&c.ReceivedAtMS, &c.Result, &c.Features, &c.Inserted, &c.DuplicateOf, &problems, &c.Extent, &c.MarkedDark, &notes, &role,
		&effective}
	if format < geo.LedgerUploadV2 {
		// Only the columns format 1 records: those the uploads table had when the ledger was
		// added (migration 0013, whose backfill encodes them before role and effective exist).
		query, dest = qs.UploadRowV1, dest[:len(dest)-2]
	}
	if err := q.QueryRow(ctx, query, id).Scan(dest...); err != nil {
		return "", err
	}
	if format >= geo.LedgerUploadV2 {
		c.Role = &role
	}
	if format >= geo.LedgerUploadV3 {
		c.EffectiveMS = json.RawMessage("null")
		if effective != nil {
			c.EffectiveMS = json.RawMessage(strconv.FormatInt(*effective, 10))
		}
	}
	c.ProblemsSHA256 = nullSHA256(problems)
	c.NotesSHA256 = nullSHA256(notes)
	return geo.LedgerContent(c)
}

// effectiveContent encodes the instant upload id speaks as of, as stored (an upload_effective
// entry's content).
func (qs *Queries) effectiveContent(ctx context.Context, q Querier, id int64) (string, error) {
	c := geo.LedgerEffectiveContent{UploadID: id}
	if err := q.QueryRow(ctx, qs.UploadEffective, id).Scan(&c.EffectiveMS); err != nil {
		return "", err
	}
	return geo.LedgerContent(c)
}

// SealEffective appends an upload_effective entry for every upload stored (in ID order), in
// tx, the store's writer: migration 0040's step, so that the instant an upload speaks as of
// (uploads.effective), which the upload entries appended before it do not record, is fixed
// by the chain from the migration on. A store with no uploads appends nothing.
func (qs *Queries) SealEffective(ctx context.Context, tx Querier) error {
	ids, err := Column[int64](ctx, tx, qs.UploadIDs)
	if err != nil {
		return fmt.Errorf("seal effective: %w", err)
	}
	for _, id := range ids {
		c, err := qs.effectiveContent(ctx, tx, id)
		if err == nil {
			err = qs.AppendLedger(ctx, tx, geo.LedgerUploadEffective, id, c)
		}
		if err != nil {
			return fmt.Errorf("seal effective of upload %d: %w", id, err)
		}
	}
	return nil
}

// tokenContent encodes a token's creation as stored in the tokens table.
func (qs *Queries) tokenContent(ctx context.Context, q Querier, id int64) (string, error) {
	var c geo.LedgerTokenContent
	err := q.QueryRow(ctx, qs.TokenRow, id).Scan(
		&c.TokenID, &c.Name, &c.Role, &c.Carrier, &c.SecretHash, &c.CreatedAtMS)
	if err != nil {
		return "", err
	}
	return geo.LedgerContent(c)
}

// revokeContent encodes a token's revocation as stored in the tokens table.
func (qs *Queries) revokeContent(ctx context.Context, q Querier, id int64) (string, error) {
	var (
		c       = geo.LedgerRevokeContent{TokenID: id}
		revoked *int64
	)
	if err := q.QueryRow(ctx, qs.TokenRevokedAt, id).Scan(&revoked); err != nil {
		return "", err
	}
	if revoked != nil {
		c.RevokedAtMS = *revoked
	}
	return geo.LedgerContent(c)
}

// ProgramContent encodes a program as stored.
func (qs *Queries) ProgramContent(ctx context.Context, q Querier, id string) (string, error) {
	var c geo.LedgerProgramContent
	err := q.QueryRow(ctx, qs.ProgramRow, id).Scan(&c.ProgramID, &c.Name, &c.DeadlineMS, &c.PoweredOnly)
	if err != nil {
		return "", err
	}
	return geo.LedgerContent(c)
}

// programRef is the number the ledger refers to program id by (programs are keyed by text;
// the ledger refers to rows by number); 0 when it cannot be read.
func (qs *Queries) programRef(ctx context.Context, q Querier, id string) int64 {
	var ref int64
	_ = q.QueryRow(ctx, qs.ProgramRef, id).Scan(&ref)
	return ref
}

// RecordContent encodes the stored record an entry of kind refers to, as a new entry records
// it. Kinds the stores do not know return ErrUnknownKind: their content is checked by the
// chain only.
func (qs *Queries) RecordContent(ctx context.Context, q Querier, kind string, id int64) (string, error) {
	return qs.recordContent(ctx, q, kind, id, geo.LedgerUploadLatest)
}

// recordContent is RecordContent in an upload entry's content format (see uploadContent).
func (qs *Queries) recordContent(ctx context.Context, q Querier, kind string, id int64, format int) (string, error) {
	switch kind {
	case geo.LedgerUpload:
		return qs.uploadContent(ctx, q, id, format)
	case geo.LedgerTokenCreated:
		return qs.tokenContent(ctx, q, id)
	case geo.LedgerTokenRevoked:
		return qs.revokeContent(ctx, q, id)
	case geo.LedgerUploadEffective:
		return qs.effectiveContent(ctx, q, id)
	}
	return "", ErrUnknownKind
}

// ErrUnknownKind is RecordContent's answer for a kind with no table check.
var ErrUnknownKind = errors.New("sqlstore: no table check for this kind")

// LedgerEntries calls fn with every ledger entry in ID order, stopping at fn's first error.
func (qs *Queries) LedgerEntries(ctx context.Context, q Querier, fn func(geo.LedgerEntry) error) error {
	rows, err := q.Query(ctx, qs.LedgerAll)
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

// VerifyLedger walks the chain as read through tx (one read transaction) and returns the
// first broken link: an entry that does not link to the one before it, whose hash does not
// match its content, or whose content differs from the row it records (an upload or token
// edited in its table, or deleted); then a record with no entry (an upload or token row
// inserted by hand, or its entry deleted). The error is non-nil only when the database could
// not be read.
func (qs *Queries) VerifyLedger(ctx context.Context, tx Querier) (*geo.LedgerReport, error) {
	var entries []geo.LedgerEntry
	if err := qs.LedgerEntries(ctx, tx, func(e geo.LedgerEntry) error {
		entries = append(entries, e)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("verify ledger: %w", err)
	}
	rep, err := geo.LedgerWalk{
		CheckRecord: func(e geo.LedgerEntry) (*geo.LedgerBreak, error) { return qs.checkRecord(ctx, tx, e) },
		CheckPrograms: func(latest map[string]geo.LedgerEntry) (*geo.LedgerBreak, error) {
			return qs.checkPrograms(ctx, tx, latest)
		},
		Unchained: func(seen map[string]map[int64]bool) (*geo.LedgerBreak, error) { return qs.unchained(ctx, tx, seen) },
	}.Verify(entries)
	if err != nil {
		return nil, fmt.Errorf("verify ledger: %w", err)
	}
	return rep, nil
}

// checkRecord compares entry e with the row it records, as stored now.
func (qs *Queries) checkRecord(ctx context.Context, q Querier, e geo.LedgerEntry) (*geo.LedgerBreak, error) {
	format := geo.LedgerUploadLatest
	if e.Kind == geo.LedgerUpload {
		format = geo.LedgerUploadFormat(e.Content)
	}
	now, err := qs.recordContent(ctx, q, e.Kind, e.Ref, format)
	switch {
	case errors.Is(err, ErrUnknownKind):
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
	case geo.LedgerUpload, geo.LedgerUploadEffective:
		return "uploads"
	case geo.LedgerTokenCreated, geo.LedgerTokenRevoked:
		return "tokens"
	}
	return kind
}

// unchained returns a break naming the first upload, token or revocation with no entry.
func (qs *Queries) unchained(ctx context.Context, tx Querier, seen map[string]map[int64]bool) (*geo.LedgerBreak, error) {
	checks := []struct{ kind, q, what string }{
		{geo.LedgerUpload, qs.UploadIDs, "upload %d has no ledger entry (inserted outside covmon, or its entry was deleted)"},
		{geo.LedgerTokenCreated, qs.TokenIDs, "token %d has no ledger entry for its creation"},
		{geo.LedgerTokenRevoked, qs.RevokedIDs, "token %d is revoked but the ledger has no revocation"},
	}
	for _, ch := range checks {
		var missing int64
		err := Each(ctx, tx, func(r Row) error {
			var id int64
			if err := r.Scan(&id); err != nil {
				return err
			}
			if !seen[ch.kind][id] {
				missing = id
				return errStop
			}
			return nil
		}, ch.q)
		switch {
		case errors.Is(err, errStop):
			return &geo.LedgerBreak{Reason: fmt.Sprintf(ch.what, missing)}, nil
		case err != nil:
			return nil, err
		}
	}
	return nil, nil
}

// checkPrograms compares each program with its latest program_set entry: a program changed
// in the table by hand, or with no entry, is a break.
func (qs *Queries) checkPrograms(ctx context.Context, tx Querier, latest map[string]geo.LedgerEntry) (*geo.LedgerBreak, error) {
	ids, err := Column[string](ctx, tx, qs.ProgramIDs)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		e, ok := latest[id]
		if !ok {
			return &geo.LedgerBreak{Reason: fmt.Sprintf("program %q has no ledger entry (created outside covmon, or its entry was deleted)", id)}, nil
		}
		now, err := qs.ProgramContent(ctx, tx, id)
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
func nullSHA256(v *string) *string {
	if v == nil {
		return nil
	}
	s := sha256.Sum256([]byte(*v))
	h := hex.EncodeToString(s[:])
	return &h
}
