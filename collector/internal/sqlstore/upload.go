package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

// UploadColumns are the columns ScanUpload reads, in order.
const UploadColumns = `id, kind, carrier, file_name, size, sha256, source, received_at, result,
	features, inserted, duplicate_of, problems, extent, marked_dark, notes, token_id, role`

// ScanUpload reads an upload's UploadColumns.
func ScanUpload(s Row) (geo.Upload, error) {
	var (
		u               geo.Upload
		kind, result    string
		received        int64
		dup, token      *int64
		problems, notes *string
	)
	if err := s.Scan(&u.ID, &kind, &u.Carrier, &u.FileName, &u.Size, &u.SHA256, &u.Source,
		&received, &result, &u.Features, &u.Inserted, &dup, &problems, &u.Extent, &u.MarkedDark, &notes, &token, &u.Role); err != nil {
		return geo.Upload{}, err
	}
	if notes != nil && *notes != "" {
		if err := json.Unmarshal([]byte(*notes), &u.Notes); err != nil {
			return geo.Upload{}, fmt.Errorf("decode notes of upload %d: %w", u.ID, err)
		}
	}
	u.Kind = geo.UploadKind(kind)
	u.Result = geo.UploadResult(result)
	u.ReceivedAt = Time(received)
	if dup != nil {
		u.DuplicateOf = *dup
	}
	if token != nil {
		u.TokenID = *token
	}
	if problems != nil && *problems != "" {
		if err := json.Unmarshal([]byte(*problems), &u.Problems); err != nil {
			return geo.Upload{}, fmt.Errorf("decode problems of upload %d: %w", u.ID, err)
		}
	}
	return u, nil
}

// UploadValues are the values of u's uploads row, in the order of the stores' inserts: kind,
// carrier, file_name, size, sha256, source, received_at, result, features, inserted,
// duplicate_of, problems, extent, marked_dark, notes, token_id, role, effective. Problems and
// notes are JSON, NULL when empty, as are a zero duplicate_of, token_id and effective.
func UploadValues(u *geo.Upload) ([]any, error) {
	var problems, notes any
	if len(u.Problems) > 0 {
		b, err := json.Marshal(u.Problems)
		if err != nil {
			return nil, fmt.Errorf("encode problems: %w", err)
		}
		problems = string(b)
	}
	if len(u.Notes) > 0 {
		b, err := json.Marshal(u.Notes)
		if err != nil {
			return nil, fmt.Errorf("encode notes: %w", err)
		}
		notes = string(b)
	}
	return []any{string(u.Kind), u.Carrier, u.FileName, u.Size, u.SHA256, u.Source,
		u.ReceivedAt.UnixMilli(), string(u.Result), u.Features, u.Inserted, NullID(u.DuplicateOf), problems,
		u.Extent, u.MarkedDark, notes, NullID(u.TokenID), u.Role, NullMillis(u.Effective)}, nil
}

// NullID is an optional row ID to store: nil (NULL) for 0.
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Stamp sets a zero u.ReceivedAt to now, then rounds it as it is stored (unix milliseconds,
// in geo.Vietnam), so the upload a caller reports at once (the API's response to a POST)
// says the same instant, to the same digits, as every later read of it. An empty u.Role
// becomes the role of its kind sent by no inspector (geo.UploadRole).
func Stamp(u *geo.Upload, now time.Time) {
	if u.Role == "" {
		u.Role = geo.UploadRole(u.Kind, false, "")
	}
	if u.ReceivedAt.IsZero() {
		u.ReceivedAt = now
	}
	u.ReceivedAt = Time(u.ReceivedAt.UnixMilli())
}

// BeginAccepted starts the write of an accepted upload in tx: it refuses bytes already
// accepted from the same carrier in the same role (setting u.Result to duplicate and u.DuplicateOf, and returning an error wrapping
// geo.ErrDuplicateUpload), then stamps u (now for a zero ReceivedAt) and inserts it as
// accepted with the store's insert, returning its new ID. Inserted is filled in by
// FinishAccepted. tx is the store's writer, so no other upload of the same bytes can slip in
// between.
func (qs *Queries) BeginAccepted(ctx context.Context, tx Querier, u *geo.Upload, now time.Time, insert func(*geo.Upload) (int64, error)) (int64, error) {
	var prev int64
	if u.Role == "" {
		u.Role = geo.UploadRole(u.Kind, false, "")
	}
	err := tx.QueryRow(ctx, qs.UploadAccepted, u.Carrier, u.Role, u.SHA256).Scan(&prev)
	switch {
	case err == nil:
		u.Result = geo.ResultDuplicate
		u.DuplicateOf = prev
		return 0, fmt.Errorf("same bytes as upload %d: %w", prev, geo.ErrDuplicateUpload)
	case !errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("check duplicate: %w", err)
	}
	Stamp(u, now)
	rec := *u
	rec.Result = geo.ResultAccepted
	rec.Inserted = 0
	rec.DuplicateOf = 0
	rec.Problems = nil
	return insert(&rec)
}

// FinishAccepted records how many rows an accepted upload added or changed, and appends the
// upload, as now stored, to the ledger (in the upload's transaction: both or neither).
func (qs *Queries) FinishAccepted(ctx context.Context, tx Querier, id int64, inserted int) error {
	if err := tx.Exec(ctx, qs.UploadInserted, inserted, id); err != nil {
		return fmt.Errorf("update upload: %w", err)
	}
	return qs.LedgerUpload(ctx, tx, id)
}
