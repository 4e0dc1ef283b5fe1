package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// CommitVillages stores a registry upload held in memory: CommitVillageStream with vs as one
// batch.
func (db *DB) CommitVillages(ctx context.Context, u *geo.Upload, vs []geo.Village) error {
	return db.CommitVillageStream(ctx, u, func(yield func([]geo.Village, error) bool) { yield(vs, nil) })
}

// CommitVillageStream stores a registry upload in one transaction: it records u as accepted
// and creates or updates every village of every batch by ID, with its program memberships
// (which replace the stored ones). Batches are written as they come and not retained, so a
// registry of any size is written in bounded memory; a batch may be reused by the caller once
// the next one is asked for. When batches yields an error (the source failed), nothing is
// written and the error is returned wrapped. On success it sets u.ID, u.Result and u.Inserted,
// the number of villages that were new or changed. Every program a village names must already
// exist (UpsertProgram); otherwise the error wraps geo.ErrNotFound and nothing is written.
//
// A village's row is compared with the stored one in SQL (the upsert's WHERE), so that a
// re-import that changes nothing writes nothing but the upload record.
//
// The registry keeps its history: when a village changes, the trigger villages_history copies
// its stored version to village_versions, valid until the upload's effective instant
// (u.Effective, else u.ReceivedAt), and the new content is valid from then on. A village's
// first version is valid since always, except a successor's (one naming Predecessors), which
// starts at the effective instant, when its predecessors are retired. A change dated before
// the village's current version, a change to a retired village, or a predecessor already
// retired into another successor is an error wrapping geo.ErrConflict (an unknown
// predecessor: geo.ErrNotFound), and nothing is written; u.Inserted counts retirements too.
//
// If bytes with u.SHA256 were already accepted, nothing is written, u.Result becomes
// geo.ResultDuplicate, u.DuplicateOf is set, and the error wraps geo.ErrDuplicateUpload; the
// caller may then store the duplicate with RecordUpload.
//
// The first import into an empty registry takes a bulk path (beginRegistry): foreign keys are
// not checked row by row (every reference is to a row the upload itself writes, or to a
// program checked in Go) and the secondary indexes of villages and village_programs are
// built once at the end instead of row by row; the rows stored are the same.
func (db *DB) CommitVillageStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Village, error]) error {
	conn, tx, first, err := db.beginRegistry(ctx)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	defer db.endRegistry(conn, tx, first)
	var indexes []string
	if first {
		if indexes, err = dropIndexes(ctx, tx, "villages", "village_programs"); err != nil {
			return fmt.Errorf("commit villages: %w", err)
		}
	}

	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	effective := u.Effective
	if effective.IsZero() {
		effective = u.ReceivedAt
	}
	effective = time.UnixMilli(effective.UnixMilli()).In(geo.Vietnam)
	if _, err := tx.ExecContext(ctx, `UPDATE uploads SET effective = ? WHERE id = ?`, effective.UnixMilli(), id); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	w, err := newVillageWriter(ctx, tx, id, effective)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	defer w.close()
	for batch, err := range batches {
		if err != nil {
			return fmt.Errorf("commit villages: %w", err)
		}
		if err := w.write(ctx, batch); err != nil {
			return fmt.Errorf("commit villages: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	if err := w.retire(ctx); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	for _, q := range indexes {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("commit villages: rebuild index: %w", err)
		}
	}
	if err := finishAccepted(ctx, tx, id, w.changed); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit villages: commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, w.changed, 0
	u.Effective = effective
	return nil
}

// beginRegistry begins a registry upload's transaction on the writer's connection, and says
// whether the registry is empty (no village at all, retired ones included): then foreign keys
// are off on the connection for the transaction (PRAGMA foreign_keys cannot change inside
// one), and endRegistry turns them on again. Emptiness is checked again inside the
// transaction, which holds the write lock: had another writer added villages in between,
// the transaction starts over, with foreign keys on.
func (db *DB) beginRegistry(ctx context.Context) (*sql.Conn, *sql.Tx, bool, error) {
	conn, err := db.rw.Conn(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	empty := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) (bool, error) {
		var some bool
		err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM villages)`).Scan(&some)
		return !some, err
	}
	first, err := empty(conn)
	if err == nil && first {
		_, err = conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`)
	}
	if err != nil {
		db.releaseConn(conn, false)
		return nil, nil, false, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err == nil && first {
		var still bool
		if still, err = empty(tx); err == nil && !still {
			tx.Rollback()
			db.releaseConn(conn, true)
			if conn, err = db.rw.Conn(ctx); err != nil {
				return nil, nil, false, err
			}
			first = false
			tx, err = conn.BeginTx(ctx, nil)
		}
	}
	if err != nil {
		if tx != nil {
			tx.Rollback()
		}
		db.releaseConn(conn, first)
		return nil, nil, false, err
	}
	return conn, tx, first, nil
}

// endRegistry rolls tx back unless it was committed and hands the connection back, foreign
// keys on again after a first import.
func (db *DB) endRegistry(conn *sql.Conn, tx *sql.Tx, first bool) {
	tx.Rollback()
	db.releaseConn(conn, first)
}

// releaseConn returns a writer connection to the pool, with foreign keys turned on again
// when fkOff; a connection on which that fails is discarded, never reused with them off.
func (db *DB) releaseConn(conn *sql.Conn, fkOff bool) {
	if fkOff {
		ctx := context.Background()
		var on bool
		_, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`)
		if err == nil {
			err = conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on)
		}
		if err != nil || !on {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
	conn.Close()
}

// dropIndexes drops the secondary indexes of tables (those with an SQL definition: not the
// primary keys' automatic ones) and returns the statements that create them again, to be
// run in the same transaction once the rows are in: building an index from the table is a
// sort, maintaining it row by row a B-tree seek per row.
func dropIndexes(ctx context.Context, tx *sql.Tx, tables ...string) ([]string, error) {
	return sqlstore.DropIndexes(ctx, sq(tx), func(name string) string {
		return `DROP INDEX "` + strings.ReplaceAll(name, `"`, `""`) + `"`
	}, secondaryIndexes, jsonIDs(tables))
}

// villageColumns are the columns a registry upload writes, in the order of villageArgs.
const villageColumns = `id, name, commune_code, commune_name, province_code, province_name,
	legacy_district_code, legacy_commune_code, lon, lat, area, grid_power, grid_power_since,
	households, baseline, found_at, deadline, deadlines, upload_id, search_key, valid_from`

// villageParams is the number of villageColumns.
const villageParams = 21

// contentColumns are the content columns of a village row, the same in villages and
// village_versions: what a version is.
const contentColumns = `name, commune_code, commune_name, province_code, province_name,
	legacy_district_code, legacy_commune_code, lon, lat, area, grid_power, grid_power_since,
	households, baseline, found_at, deadline, deadlines`

// villageConflict updates a stored village only when a column differs, so that RETURNING
// names exactly the villages that were new or changed; the new content is valid from the
// upload's effective instant (the trigger villages_history keeps the old version). A retired
// village, or one whose current version starts after the effective instant, is never updated
// here: villageWriter.conflicts refuses such a change before.
const villageConflict = ` ON CONFLICT (id) DO UPDATE SET
	name = excluded.name, commune_code = excluded.commune_code,
	commune_name = excluded.commune_name, province_code = excluded.province_code,
	province_name = excluded.province_name, legacy_district_code = excluded.legacy_district_code,
	legacy_commune_code = excluded.legacy_commune_code, lon = excluded.lon, lat = excluded.lat,
	area = excluded.area, grid_power = excluded.grid_power,
	grid_power_since = excluded.grid_power_since, households = excluded.households,
	baseline = excluded.baseline, found_at = excluded.found_at, deadline = excluded.deadline,
	deadlines = excluded.deadlines, upload_id = excluded.upload_id, search_key = excluded.search_key,
	valid_from = (SELECT effective FROM uploads WHERE id = excluded.upload_id)
WHERE retired_at IS NULL
	AND (valid_from IS NULL OR valid_from <= (SELECT effective FROM uploads WHERE id = excluded.upload_id))
	AND (name, commune_code, commune_name, province_code, province_name, legacy_district_code,
	legacy_commune_code, lon, lat, area, grid_power, grid_power_since, households, baseline,
	found_at, deadline, deadlines)
IS NOT (excluded.name, excluded.commune_code, excluded.commune_name, excluded.province_code,
	excluded.province_name, excluded.legacy_district_code, excluded.legacy_commune_code,
	excluded.lon, excluded.lat, excluded.area, excluded.grid_power, excluded.grid_power_since,
	excluded.households, excluded.baseline, excluded.found_at, excluded.deadline, excluded.deadlines)
RETURNING id`

// villageBatch is the number of villages written by one multi-row statement: a statement per
// village costs more in the driver than SQLite spends storing the row (20 parameters each,
// 4000 per statement, well under SQLite's limit of 32766).
const villageBatch = 200

// villageWriter writes a registry upload's villages in multi-row statements.
type villageWriter struct {
	uploadID  int64
	effective time.Time
	programs  map[string]bool
	suspect   *sql.Stmt // of a JSON array of IDs, those retired or with a version after effective
	differs   *sql.Stmt // whether a village's stored content differs from the given one

	successions []geo.Succession // named by the villages written, applied by retire
	upsert      *sql.Stmt        // villageBatch rows
	insert      *sql.Stmt        // villageBatch rows, plain (see insertNew)
	bulk        bool             // whether the next batch tries insertNew first
	tx          *sql.Tx
	current     *sql.Stmt // the stored programs of a JSON array of village IDs
	delete      *sql.Stmt // the programs of a JSON array of village IDs
	touch       *sql.Stmt // upload_id of a JSON array of village IDs
	// programStmts insert n (village, program) pairs, by n
	programStmts map[int]*sql.Stmt
	changed      int

	args    []any
	pending []*geo.Village // the villages of the statement being built, one ID each
	ids     map[string]bool
}

func newVillageWriter(ctx context.Context, tx *sql.Tx, uploadID int64, effective time.Time) (*villageWriter, error) {
	w := &villageWriter{uploadID: uploadID, effective: effective, tx: tx, ids: map[string]bool{}, bulk: true}
	var err error
	if w.suspect, err = tx.PrepareContext(ctx, `SELECT id, valid_from, retired_at FROM villages
		WHERE id IN (SELECT value FROM json_each(?)) AND (retired_at IS NOT NULL OR valid_from > ?)`); err != nil {
		return nil, fmt.Errorf("prepare village history check: %w", err)
	}
	n := strings.Count(contentColumns, ",") + 1
	if w.differs, err = tx.PrepareContext(ctx, `SELECT (`+contentColumns+`) IS NOT (`+
		strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+`) FROM villages WHERE id = ?`); err != nil {
		w.close()
		return nil, fmt.Errorf("prepare village history check: %w", err)
	}
	if w.programs, err = programIDs(ctx, tx); err != nil {
		return nil, err
	}
	if w.upsert, err = tx.PrepareContext(ctx, villageUpsertSQL(villageBatch)); err != nil {
		w.close()
		return nil, fmt.Errorf("prepare village upsert: %w", err)
	}
	if w.insert, err = tx.PrepareContext(ctx, villageInsertSQL(villageBatch)); err != nil {
		w.close()
		return nil, fmt.Errorf("prepare village insert: %w", err)
	}
	if w.current, err = tx.PrepareContext(ctx, `SELECT village_id, program_id FROM village_programs
		WHERE village_id IN (SELECT value FROM json_each(?)) ORDER BY village_id, program_id`); err != nil {
		w.close()
		return nil, fmt.Errorf("prepare village programs: %w", err)
	}
	if w.delete, err = tx.PrepareContext(ctx, `DELETE FROM village_programs
		WHERE village_id IN (SELECT value FROM json_each(?))`); err != nil {
		w.close()
		return nil, fmt.Errorf("prepare village programs: %w", err)
	}
	if w.touch, err = tx.PrepareContext(ctx, `UPDATE villages SET upload_id = ?, valid_from = ?
		WHERE id IN (SELECT value FROM json_each(?))`); err != nil {
		w.close()
		return nil, fmt.Errorf("prepare village programs: %w", err)
	}
	return w, nil
}

func (w *villageWriter) close() {
	for _, s := range []*sql.Stmt{w.upsert, w.insert, w.current, w.delete, w.touch, w.suspect, w.differs} {
		if s != nil {
			s.Close()
		}
	}
	for _, s := range w.programStmts {
		s.Close()
	}
}

// villageUpsertSQL is the upsert of n villages.
func villageUpsertSQL(n int) string {
	return `INSERT INTO villages (` + villageColumns + `) VALUES ` + placeholders(n, villageParams) + villageConflict
}

// villageInsertSQL is the plain insert of n new villages.
func villageInsertSQL(n int) string {
	return `INSERT INTO villages (` + villageColumns + `) VALUES ` + placeholders(n, villageParams)
}

// placeholders returns n rows of k parameters: (?, ?), (?, ?).
func placeholders(n, k int) string {
	row := "(" + strings.Repeat("?, ", k-1) + "?)"
	return strings.Repeat(row+", ", n-1) + row
}

// write adds a batch of villages, writing every full statement's worth.
func (w *villageWriter) write(ctx context.Context, batch []geo.Village) error {
	for i := range batch {
		v := &batch[i]
		if w.ids[v.ID] {
			// The same village twice: the first must be stored before the second is compared.
			if err := w.flush(ctx); err != nil {
				return err
			}
		}
		w.ids[v.ID] = true
		w.pending = append(w.pending, v)
		if len(w.pending) == villageBatch {
			if err := w.flush(ctx); err != nil {
				return err
			}
		}
	}
	// The batch may be reused by the caller once write returns.
	return w.flush(ctx)
}

// flush writes the pending villages.
func (w *villageWriter) flush(ctx context.Context) error {
	if len(w.pending) == 0 {
		return nil
	}
	defer func() {
		w.pending = w.pending[:0]
		clear(w.ids)
	}()
	eff := w.effective.UnixMilli()
	w.args = w.args[:0]
	for _, v := range w.pending {
		for _, p := range v.Programs {
			if !w.programs[p] {
				return fmt.Errorf("village %q: program %q: %w", v.ID, p, geo.ErrNotFound)
			}
		}
		area, err := marshalArea(v.Area)
		if err != nil {
			return fmt.Errorf("village %q: %w", v.ID, err)
		}
		var validFrom any // a new village: since always (the first registry describes the past too)
		if len(v.Predecessors) > 0 {
			validFrom = eff // a successor exists from its predecessors' retirement on
			for _, p := range v.Predecessors {
				w.successions = append(w.successions, geo.Succession{Predecessor: p, Successor: v.ID, Effective: w.effective, UploadID: w.uploadID})
			}
		}
		w.args = append(w.args, v.ID, v.Name, v.CommuneCode, v.CommuneName,
			v.ProvinceCode, v.ProvinceName, v.LegacyDistrictCode, v.LegacyCommuneCode,
			v.Center.Lon(), v.Center.Lat(), area, v.GridPower, nullMillis(v.GridPowerSince),
			v.Households, v.Baseline, nullMillis(v.FoundAt), nullMillis(v.Deadline), marshalDeadlines(v.Deadlines), w.uploadID,
			geo.SearchKey(v.Name, v.CommuneName), validFrom)
	}
	if w.bulk {
		ok, err := w.insertNew(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		// A village of the batch is stored already: this batch and the rest of the upload
		// take the comparing path.
		w.bulk = false
	}
	have, err := w.storedPrograms(ctx)
	if err != nil {
		return err
	}
	if err := w.conflicts(ctx, have); err != nil {
		return err
	}
	var rows *sql.Rows
	if len(w.pending) == villageBatch {
		rows, err = w.upsert.QueryContext(ctx, w.args...)
	} else {
		rows, err = w.tx.QueryContext(ctx, villageUpsertSQL(len(w.pending)), w.args...)
	}
	if err != nil {
		return fmt.Errorf("upsert villages: %w", err)
	}
	changed := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("upsert villages: %w", err)
		}
		changed[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("upsert villages: %w", err)
	}
	differ, pairs := w.programDiff(have)
	var touch []string
	for _, id := range differ {
		if !changed[id] {
			changed[id] = true
			touch = append(touch, id)
		}
	}
	if len(touch) > 0 {
		// A change of programs alone is a new version too: the trigger keeps the old one
		// (village_programs still holds its programs).
		if _, err := w.touch.ExecContext(ctx, w.uploadID, eff, jsonIDs(touch)); err != nil {
			return fmt.Errorf("village programs: %w", err)
		}
	}
	if err := w.replacePrograms(ctx, differ, pairs); err != nil {
		return err
	}
	w.changed += len(changed)
	return nil
}

// insertNew writes the pending villages (their arguments in w.args) and their programs
// with plain INSERTs, the path of a first import or of new villages: nothing to compare, no
// stored programs to replace, no history to keep (a new village has no stored version). It
// reports false, having written nothing, when one of them is stored already (a re-import,
// or a village named twice by the upload): the INSERT fails on the primary key and SQLite
// undoes that statement alone, so the caller compares the batch instead.
func (w *villageWriter) insertNew(ctx context.Context) (bool, error) {
	var err error
	if len(w.pending) == villageBatch {
		_, err = w.insert.ExecContext(ctx, w.args...)
	} else {
		_, err = w.tx.ExecContext(ctx, villageInsertSQL(len(w.pending)), w.args...)
	}
	switch code := sqliteCode(err); {
	case code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || code == sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("insert villages: %w", err)
	}
	var pairs []any
	for _, v := range w.pending {
		for _, p := range slices.Compact(slices.Sorted(slices.Values(v.Programs))) {
			pairs = append(pairs, v.ID, p)
		}
	}
	if err := w.insertPairs(ctx, pairs); err != nil {
		return false, err
	}
	w.changed += len(w.pending)
	return true, nil
}

// storedPrograms reads the stored program memberships of the pending villages, sorted.
func (w *villageWriter) storedPrograms(ctx context.Context) (map[string][]string, error) {
	ids := make([]string, len(w.pending))
	for i, v := range w.pending {
		ids[i] = v.ID
	}
	rows, err := w.current.QueryContext(ctx, jsonIDs(ids))
	if err != nil {
		return nil, fmt.Errorf("read village programs: %w", err)
	}
	defer rows.Close()
	have := map[string][]string{}
	for rows.Next() {
		var v, p string
		if err := rows.Scan(&v, &p); err != nil {
			return nil, fmt.Errorf("read village programs: %w", err)
		}
		have[v] = append(have[v], p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read village programs: %w", err)
	}
	return have, nil
}

// conflicts refuses a change the registry's history cannot take: to a retired village, or
// dated before the village's current version. One indexed query per batch finds the suspects
// (normally none); only those are compared with what the file says.
func (w *villageWriter) conflicts(ctx context.Context, have map[string][]string) error {
	ids := make([]string, len(w.pending))
	byID := make(map[string]int, len(w.pending))
	for i, v := range w.pending {
		ids[i] = v.ID
		byID[v.ID] = i
	}
	eff := w.effective.UnixMilli()
	rows, err := w.suspect.QueryContext(ctx, jsonIDs(ids), eff)
	if err != nil {
		return fmt.Errorf("check village history: %w", err)
	}
	type suspect struct {
		id            string
		from, retired sql.NullInt64
	}
	var sus []suspect
	for rows.Next() {
		var s suspect
		if err := rows.Scan(&s.id, &s.from, &s.retired); err != nil {
			rows.Close()
			return fmt.Errorf("check village history: %w", err)
		}
		sus = append(sus, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check village history: %w", err)
	}
	when := func(ms int64) string { return time.UnixMilli(ms).In(geo.Vietnam).Format(time.RFC3339) }
	for _, s := range sus {
		i := byID[s.id]
		v := w.pending[i]
		// This village's content parameters in w.args: after its ID, before upload_id.
		content := w.args[i*villageParams+1 : i*villageParams+18]
		var differs bool
		if err := w.differs.QueryRowContext(ctx, append(slices.Clip(content), s.id)...).Scan(&differs); err != nil {
			return fmt.Errorf("check village history: %w", err)
		}
		if !differs && slices.Equal(have[s.id], slices.Compact(slices.Sorted(slices.Values(v.Programs)))) {
			continue // the same village again: nothing to record
		}
		if s.retired.Valid {
			return fmt.Errorf("village %q was retired at %s; a retired village cannot change (leave it out of the file): %w",
				s.id, when(s.retired.Int64), geo.ErrConflict)
		}
		return fmt.Errorf("village %q: the registry's effective instant %s is before the village's current version (valid from %s); changes are recorded in effective order: %w",
			s.id, when(eff), when(s.from.Int64), geo.ErrConflict)
	}
	return nil
}

// programDiff returns the pending villages whose program memberships differ from have, and
// the (village, program) pairs they should have.
func (w *villageWriter) programDiff(have map[string][]string) ([]string, []any) {
	var differ []string
	var pairs []any
	for _, v := range w.pending {
		want := slices.Compact(slices.Sorted(slices.Values(v.Programs)))
		if slices.Equal(have[v.ID], want) {
			continue
		}
		differ = append(differ, v.ID)
		for _, p := range want {
			pairs = append(pairs, v.ID, p)
		}
	}
	return differ, pairs
}

// replacePrograms makes the memberships of the villages differ equal pairs.
func (w *villageWriter) replacePrograms(ctx context.Context, differ []string, pairs []any) error {
	if len(differ) == 0 {
		return nil
	}
	if _, err := w.delete.ExecContext(ctx, jsonIDs(differ)); err != nil {
		return fmt.Errorf("replace village programs: %w", err)
	}
	return w.insertPairs(ctx, pairs)
}

// insertPairs inserts (village, program) pairs, flattened, in multi-row statements.
func (w *villageWriter) insertPairs(ctx context.Context, pairs []any) error {
	for len(pairs) > 0 {
		n := min(len(pairs), 2*villageBatch)
		ins, err := w.insertPrograms(ctx, n/2)
		if err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, pairs[:n]...); err != nil {
			return fmt.Errorf("replace village programs: %w", err)
		}
		pairs = pairs[n:]
	}
	return nil
}

// retire applies the successions the upload's villages named: each predecessor is retired at
// the effective instant. A succession already recorded (the same file re-exported, or the
// registry re-imported whole) changes nothing; a predecessor may be named by several
// successors of one upload (a split).
func (w *villageWriter) retire(ctx context.Context) error {
	eff := w.effective.UnixMilli()
	for _, s := range w.successions {
		var n int
		if err := w.tx.QueryRowContext(ctx, `SELECT count(*) FROM village_successions WHERE predecessor = ? AND successor = ?`,
			s.Predecessor, s.Successor).Scan(&n); err != nil {
			return fmt.Errorf("village %q: predecessor %q: %w", s.Successor, s.Predecessor, err)
		}
		if n > 0 {
			continue
		}
		day := func(ms int64) string { return time.UnixMilli(ms).In(geo.Vietnam).Format(time.RFC3339) }
		// The successor must be in the registry at the effective instant: a retired one (a
		// cycle in the lineage) or one whose current version starts later would leave the
		// predecessor in no figure.
		var sFrom, sRetired sql.NullInt64
		if err := w.tx.QueryRowContext(ctx, `SELECT valid_from, retired_at FROM villages WHERE id = ?`, s.Successor).Scan(&sFrom, &sRetired); err != nil {
			return fmt.Errorf("village %q: %w", s.Successor, err)
		}
		if err := successorConflict(s.Successor, eff, sFrom, sRetired, day); err != nil {
			return err
		}
		var (
			from, retired sql.NullInt64
		)
		err := w.tx.QueryRowContext(ctx, `SELECT valid_from, retired_at FROM villages WHERE id = ?`, s.Predecessor).Scan(&from, &retired)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("village %q: predecessor %q: %w", s.Successor, s.Predecessor, geo.ErrNotFound)
		case err != nil:
			return fmt.Errorf("village %q: predecessor %q: %w", s.Successor, s.Predecessor, err)
		}
		switch {
		case retired.Valid && retired.Int64 == eff:
			// retired by another successor of this upload, or of one with the same instant
		case retired.Valid:
			return fmt.Errorf("village %q: predecessor %q was already retired at %s: %w", s.Successor, s.Predecessor, day(retired.Int64), geo.ErrConflict)
		case from.Valid && from.Int64 > eff:
			return fmt.Errorf("village %q: predecessor %q: the effective instant %s is before its current version (valid from %s): %w",
				s.Successor, s.Predecessor, day(eff), day(from.Int64), geo.ErrConflict)
		default:
			if _, err := w.tx.ExecContext(ctx, `UPDATE villages SET retired_at = ? WHERE id = ?`, eff, s.Predecessor); err != nil {
				return fmt.Errorf("village %q: retire predecessor %q: %w", s.Successor, s.Predecessor, err)
			}
			w.changed++
		}
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO village_successions (predecessor, successor, effective, upload_id) VALUES (?, ?, ?, ?)`,
			s.Predecessor, s.Successor, eff, w.uploadID); err != nil {
			return fmt.Errorf("village %q: record predecessor %q: %w", s.Successor, s.Predecessor, err)
		}
	}
	return nil
}

// successorConflict is the geo.ErrConflict for a successor that is not in the registry at
// the succession's effective instant eff: retired (at any time), or valid only from later.
func successorConflict(id string, eff int64, from, retired sql.NullInt64, day func(int64) string) error {
	switch {
	case retired.Valid:
		return fmt.Errorf("village %q was retired at %s; a retired village cannot be a successor: %w", id, day(retired.Int64), geo.ErrConflict)
	case from.Valid && from.Int64 > eff:
		return fmt.Errorf("village %q: the effective instant %s is before its current version (valid from %s); a succession is recorded in effective order: %w",
			id, day(eff), day(from.Int64), geo.ErrConflict)
	}
	return nil
}

// insertPrograms returns the statement inserting n (village, program) pairs, prepared once
// per n.
func (w *villageWriter) insertPrograms(ctx context.Context, n int) (*sql.Stmt, error) {
	if s := w.programStmts[n]; s != nil {
		return s, nil
	}
	s, err := w.tx.PrepareContext(ctx, `INSERT INTO village_programs (village_id, program_id) VALUES `+placeholders(n, 2))
	if err != nil {
		return nil, fmt.Errorf("prepare village programs: %w", err)
	}
	if w.programStmts == nil {
		w.programStmts = map[int]*sql.Stmt{}
	}
	w.programStmts[n] = s
	return s, nil
}

// jsonIDs encodes IDs as a JSON array, one parameter for json_each.
func jsonIDs(ids []string) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// marshalArea encodes a settled area as WKB; nil stays NULL.
func marshalArea(g orb.Geometry) (any, error) {
	if g == nil {
		return nil, nil
	}
	b, err := wkb.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("encode area: %w", err)
	}
	return b, nil
}

// villageFilter returns SQL conditions, joined with AND, restricting the village ID column col
// to f, and their arguments. The conditions are empty when f does not filter. With f.AsOf set,
// province, program and name match the version of each village in force then.
// col must name its table (villages.id, not id): inside the correlated EXISTS conditions an
// unqualified name would be the subquery's own column, and the condition always true.
func villageFilter(col string, f geo.VillageFilter) (string, []any, error) {
	if !f.AsOf.IsZero() && (f.ProvinceCode != "" || f.ProgramID != "" || f.Name != "") {
		reg, regArgs := registryAsOf(f)
		rf := f
		rf.AsOf = time.Time{}
		where, args, err := versionFilter(rf)
		if err != nil {
			return "", nil, err
		}
		return col + ` IN (SELECT r.id FROM (` + reg + `) r WHERE ` + where + `)`, append(regArgs, args...), nil
	}
	var (
		conds []string
		args  []any
	)
	// Correlated EXISTS rather than IN (subquery): IN builds the whole set of matching IDs
	// before the first row, EXISTS probes the primary key per row, so a walk that stops early
	// (a page of villages) costs its rows, not the registry.
	if f.ProvinceCode != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM villages fv WHERE fv.id = `+col+` AND fv.province_code = ?)`)
		args = append(args, f.ProvinceCode)
	}
	if f.ProgramID != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM village_programs fp WHERE fp.village_id = `+col+` AND fp.program_id = ?)`)
		args = append(args, f.ProgramID)
	}
	if words := strings.Fields(geo.Fold(f.Name)); len(words) > 0 {
		// Folded words hold only letters, digits and no LIKE wildcards.
		like := make([]string, len(words))
		for i, w := range words {
			like[i] = "search_key LIKE ?"
			args = append(args, "%"+w+"%")
		}
		conds = append(conds, col+` IN (SELECT id FROM villages WHERE `+strings.Join(like, " AND ")+`)`)
	}
	if len(f.IDs) > 0 {
		// One JSON array parameter instead of one placeholder per ID.
		b, err := json.Marshal(f.IDs)
		if err != nil {
			return "", nil, fmt.Errorf("encode village ids: %w", err)
		}
		conds = append(conds, col+` IN (SELECT value FROM json_each(?))`)
		args = append(args, string(b))
	}
	return strings.Join(conds, " AND "), args, nil
}

// registryAsOf returns a query of the registry as it was at instant f.AsOf, and its arguments:
// one row per village then in force, with the columns id, cur (1 for the current row in
// villages, 0 for a superseded version), contentColumns, search_key, programs (the version's
// JSON array; NULL for a current row, whose programs are in village_programs) and upload_id.
// Retired villages are left out from their retirement on, successors before their creation.
//
// With f.AsKnown it is the registry as known at f.AsOf: of each village, the version made by
// the newest registry upload received by then (a version counts while the upload that
// superseded it was not yet received, whatever its effective date), villages first imported
// later left out, and a village retired only by a succession received by then.
func registryAsOf(f geo.VillageFilter) (string, []any) {
	t := f.AsOf
	ms := t.UnixMilli()
	if f.AsKnown {
		k := f.KnownBy(t) // received by: the instant asked, for a retired village's last instant
		known := func(col string) string { return sqlstore.KnownOrNull(col, k) }
		live := func(col string) string { return sqlstore.NotRetiredBy(col, "?", k) }
		return `SELECT id, 1 AS cur, ` + contentColumns + `, search_key, NULL AS programs, upload_id FROM villages
		WHERE (valid_from IS NULL OR valid_from <= ?) AND ` + known("villages.upload_id") + ` AND ` + live("villages.id") + `
		UNION ALL
		SELECT village_id, 0, ` + contentColumns + `, search_key, programs, upload_id FROM village_versions
		WHERE (valid_from IS NULL OR valid_from <= ?) AND ` + known("village_versions.upload_id") + `
			AND (valid_to > ? OR NOT ` + sqlstore.ReceivedBy("village_versions.superseded_by", k) + `)
			AND ` + live("village_versions.village_id"), []any{ms, ms, ms, ms, ms}
	}
	return `SELECT id, 1 AS cur, ` + contentColumns + `, search_key, NULL AS programs, upload_id FROM villages
		WHERE (valid_from IS NULL OR valid_from <= ?) AND (retired_at IS NULL OR retired_at > ?)
		UNION ALL
		SELECT village_id, 0, ` + contentColumns + `, search_key, programs, upload_id FROM village_versions
		WHERE valid_to > ? AND (valid_from IS NULL OR valid_from <= ?)`, []any{ms, ms, ms, ms}
}

// versionFilter returns the conditions, joined with AND (1 when none), that restrict rows r of
// registryAsOf to f, on the rows' own columns.
func versionFilter(f geo.VillageFilter) (string, []any, error) {
	conds := []string{"1"}
	var args []any
	if f.ProvinceCode != "" {
		conds = append(conds, `r.province_code = ?`)
		args = append(args, f.ProvinceCode)
	}
	if f.ProgramID != "" {
		conds = append(conds, `(r.cur = 1 AND r.id IN (SELECT village_id FROM village_programs WHERE program_id = ?)
			OR r.cur = 0 AND EXISTS (SELECT 1 FROM json_each(r.programs) WHERE value = ?))`)
		args = append(args, f.ProgramID, f.ProgramID)
	}
	for _, w := range strings.Fields(geo.Fold(f.Name)) {
		conds = append(conds, "r.search_key LIKE ?")
		args = append(args, "%"+w+"%")
	}
	if len(f.IDs) > 0 {
		b, err := json.Marshal(f.IDs)
		if err != nil {
			return "", nil, fmt.Errorf("encode village ids: %w", err)
		}
		conds = append(conds, `r.id IN (SELECT value FROM json_each(?))`)
		args = append(args, string(b))
	}
	return strings.Join(conds, " AND "), args, nil
}

// marshalDeadlines encodes per-program deadlines as a JSON object of Unix milliseconds (keys
// sorted, so equal maps encode equally); nil for none.
func marshalDeadlines(m map[string]time.Time) any {
	if len(m) == 0 {
		return nil
	}
	ms := make(map[string]int64, len(m))
	for k, t := range m {
		ms[k] = t.UnixMilli()
	}
	b, _ := json.Marshal(ms)
	return string(b)
}

// unmarshalDeadlines decodes marshalDeadlines's encoding.
func unmarshalDeadlines(s sql.NullString) (map[string]time.Time, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	var ms map[string]int64
	if err := json.Unmarshal([]byte(s.String), &ms); err != nil {
		return nil, fmt.Errorf("decode deadlines: %w", err)
	}
	out := make(map[string]time.Time, len(ms))
	for k, v := range ms {
		out[k] = time.UnixMilli(v).In(geo.Vietnam)
	}
	return out, nil
}

// fillSearchKeys computes the search key of the villages stored before it existed (NULL), in
// one transaction; a no-op once every village has one.
// missingSearchKeys reads the villages without a search key, through the partial index
// villages_search_key_missing (migration 0038): at every open, so not a scan of the registry.
const missingSearchKeys = `SELECT id, name, commune_name FROM villages WHERE search_key IS NULL`

func (db *DB) fillSearchKeys(ctx context.Context) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("fill search keys: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, missingSearchKeys)
	if err != nil {
		return fmt.Errorf("fill search keys: %w", err)
	}
	var keys [][2]string
	for rows.Next() {
		var id, name, commune string
		if err := rows.Scan(&id, &name, &commune); err != nil {
			rows.Close()
			return fmt.Errorf("fill search keys: %w", err)
		}
		keys = append(keys, [2]string{id, geo.SearchKey(name, commune)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("fill search keys: %w", err)
	}
	if len(keys) == 0 {
		return nil
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `UPDATE villages SET search_key = ? WHERE id = ?`, k[1], k[0]); err != nil {
			return fmt.Errorf("fill search keys: %w", err)
		}
	}
	return tx.Commit()
}

func programIDs(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	ids, err := sqlstore.Set[string](ctx, sq(tx), `SELECT id FROM programs`)
	if err != nil {
		return nil, fmt.Errorf("read programs: %w", err)
	}
	return ids, nil
}
