package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// RecordUpload stores an upload that wrote no data: a rejected file (with its Problems) or a
// duplicate (with DuplicateOf). A zero ReceivedAt is set from db.Now, and ReceivedAt is set to
// the instant as stored (milliseconds, geo.Vietnam). It sets u.ID.
// Recording an accepted upload whose SHA256 was already accepted returns an error wrapping
// geo.ErrDuplicateUpload.
func (db *DB) RecordUpload(ctx context.Context, u *geo.Upload) error {
	switch u.Result {
	case geo.ResultAccepted, geo.ResultRejected, geo.ResultDuplicate:
	default:
		return fmt.Errorf("record upload: invalid result %q", u.Result)
	}
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record upload: %w", err)
	}
	defer tx.Rollback()

	db.stamp(u)
	id, err := insertUpload(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("record upload: %w", err)
	}
	if err := ledgerUpload(ctx, tx, id); err != nil {
		return fmt.Errorf("record upload: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record upload: commit: %w", err)
	}
	u.ID = id
	return nil
}

// beginAccepted starts the write transaction of an accepted upload: it refuses bytes already
// accepted (setting u.Result to duplicate and u.DuplicateOf, and returning an error wrapping
// geo.ErrDuplicateUpload), then inserts u as accepted and returns its new ID. Inserted is
// filled in by finishAccepted.
func (db *DB) beginAccepted(ctx context.Context, tx *sql.Tx, u *geo.Upload) (int64, error) {
	return queries.BeginAccepted(ctx, sq(tx), u, db.now(), func(rec *geo.Upload) (int64, error) {
		return insertUpload(ctx, tx, rec)
	})
}

// stamp sets a zero u.ReceivedAt from db.Now, then rounds it as it is stored (unix
// milliseconds, in geo.Vietnam), so the upload a caller reports at once (the API's response to
// a POST) says the same instant, to the same digits, as every later read of it.
func (db *DB) stamp(u *geo.Upload) { sqlstore.Stamp(u, db.now()) }

// finishAccepted records how many rows an accepted upload added or changed, and appends the
// upload, as now stored, to the ledger (in the upload's transaction: both or neither).
func finishAccepted(ctx context.Context, tx *sql.Tx, id int64, inserted int) error {
	return queries.FinishAccepted(ctx, sq(tx), id, inserted)
}

func insertUpload(ctx context.Context, tx *sql.Tx, u *geo.Upload) (int64, error) {
	vals, err := sqlstore.UploadValues(u)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO uploads
		(kind, carrier, file_name, size, sha256, source, received_at, result,
		 features, inserted, duplicate_of, problems, extent, marked_dark, notes, token_id, role, effective)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, vals...)
	if err != nil {
		if isUniqueViolation(err) {
			return 0, fmt.Errorf("insert upload: %w", geo.ErrDuplicateUpload)
		}
		if isForeignKeyViolation(err) {
			return 0, fmt.Errorf("insert upload: duplicate_of %d: %w", u.DuplicateOf, geo.ErrNotFound)
		}
		return 0, fmt.Errorf("insert upload: %w", err)
	}
	return res.LastInsertId()
}

// AcceptedUploadByHash returns the accepted upload of carrier ("" for registry files) sent in
// role with the given SHA-256, or an error wrapping geo.ErrNotFound: duplicates are judged
// by carrier, role and bytes. Duplicates are judged per carrier.
func (db *DB) AcceptedUploadByHash(ctx context.Context, carrier, role, sha256hex string) (*geo.Upload, error) {
	row := db.reader(ctx).QueryRowContext(ctx, `SELECT `+sqlstore.UploadColumns+` FROM uploads
		WHERE carrier = ? AND role = ? AND sha256 = ? AND result = 'accepted'`, carrier, role, sha256hex)
	u, err := sqlstore.ScanUpload(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("upload by hash %s: %w", sha256hex, geo.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("upload by hash: %w", err)
	}
	return &u, nil
}

// RegistryVersion returns the ID of the latest accepted registry upload (0 before the
// first): every change of the villages table is one, in one transaction with its upload row,
// so the version changes whenever the registry does and with nothing else.
func (db *DB) RegistryVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.reader(ctx).QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM uploads WHERE kind = 'villages' AND result = 'accepted'`).Scan(&v); err != nil {
		return 0, fmt.Errorf("registry version: %w", err)
	}
	return v, nil
}

// Upload returns the upload with the given ID, Problems included, or an error wrapping
// geo.ErrNotFound.
func (db *DB) Upload(ctx context.Context, id int64) (*geo.Upload, error) {
	row := db.reader(ctx).QueryRowContext(ctx, `SELECT `+sqlstore.UploadColumns+` FROM uploads WHERE id = ?`, id)
	u, err := sqlstore.ScanUpload(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("upload %d: %w", id, geo.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("upload %d: %w", id, err)
	}
	return &u, nil
}

// Uploads lists uploads newest first, narrowed by f. A positive f.Limit caps the count.
func (db *DB) Uploads(ctx context.Context, f geo.UploadFilter) ([]geo.Upload, error) {
	var (
		where []string
		args  []any
	)
	if f.Carrier != "" {
		where = append(where, "carrier = ?")
		args = append(args, f.Carrier)
	}
	if f.Role != "" {
		where = append(where, "role = ?")
		args = append(args, f.Role)
	}
	if f.TokenID != 0 {
		where = append(where, "token_id = ?")
		args = append(args, f.TokenID)
	}
	if f.Result != "" {
		where = append(where, "result = ?")
		args = append(args, string(f.Result))
	}
	if f.BeforeID > 0 {
		where = append(where, "id < ?")
		args = append(args, f.BeforeID)
	}
	q := `SELECT ` + sqlstore.UploadColumns + ` FROM uploads`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := db.reader(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list uploads: %w", err)
	}
	defer rows.Close()
	var out []geo.Upload
	for rows.Next() {
		u, err := sqlstore.ScanUpload(rows)
		if err != nil {
			return nil, fmt.Errorf("list uploads: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list uploads: %w", err)
	}
	return out, nil
}
