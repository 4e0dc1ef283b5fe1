package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

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
// If bytes with u.SHA256 were already accepted, nothing is written, u.Result becomes
// geo.ResultDuplicate, u.DuplicateOf is set, and the error wraps geo.ErrDuplicateUpload; the
// caller may then store the duplicate with RecordUpload.
func (db *DB) CommitVillageStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Village, error]) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	defer tx.Rollback()

	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	w, err := newVillageWriter(ctx, tx, id)
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
	if err := finishAccepted(ctx, tx, id, w.changed); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit villages: commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, w.changed, 0
	return nil
}

// villageColumns are the columns a registry upload writes, in the order of villageArgs.
const villageColumns = `id, name, commune_code, commune_name, province_code, province_name,
	legacy_district_code, legacy_commune_code, lon, lat, area, grid_power, grid_power_since,
	households, baseline, found_at, deadline, deadlines, upload_id, search_key`

// villageParams is the number of villageColumns.
const villageParams = 20

// villageConflict updates a stored village only when a column differs, so that RETURNING
// names exactly the villages that were new or changed.
const villageConflict = ` ON CONFLICT (id) DO UPDATE SET
	name = excluded.name, commune_code = excluded.commune_code,
	commune_name = excluded.commune_name, province_code = excluded.province_code,
	province_name = excluded.province_name, legacy_district_code = excluded.legacy_district_code,
	legacy_commune_code = excluded.legacy_commune_code, lon = excluded.lon, lat = excluded.lat,
	area = excluded.area, grid_power = excluded.grid_power,
	grid_power_since = excluded.grid_power_since, households = excluded.households,
	baseline = excluded.baseline, found_at = excluded.found_at, deadline = excluded.deadline,
	deadlines = excluded.deadlines, upload_id = excluded.upload_id, search_key = excluded.search_key
WHERE (name, commune_code, commune_name, province_code, province_name, legacy_district_code,
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
	uploadID int64
	programs map[string]bool
	upsert   *sql.Stmt // villageBatch rows
	tx       *sql.Tx
	current  *sql.Stmt // the stored programs of a JSON array of village IDs
	delete   *sql.Stmt // the programs of a JSON array of village IDs
	touch    *sql.Stmt // upload_id of a JSON array of village IDs
	// programStmts insert n (village, program) pairs, by n
	programStmts map[int]*sql.Stmt
	changed      int

	args    []any
	pending []*geo.Village // the villages of the statement being built, one ID each
	ids     map[string]bool
}

func newVillageWriter(ctx context.Context, tx *sql.Tx, uploadID int64) (*villageWriter, error) {
	w := &villageWriter{uploadID: uploadID, tx: tx, ids: map[string]bool{}}
	var err error
	if w.programs, err = programIDs(ctx, tx); err != nil {
		return nil, err
	}
	if w.upsert, err = tx.PrepareContext(ctx, villageUpsertSQL(villageBatch)); err != nil {
		w.close()
		return nil, fmt.Errorf("prepare village upsert: %w", err)
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
	if w.touch, err = tx.PrepareContext(ctx, `UPDATE villages SET upload_id = ?
		WHERE id IN (SELECT value FROM json_each(?))`); err != nil {
		w.close()
		return nil, fmt.Errorf("prepare village programs: %w", err)
	}
	return w, nil
}

func (w *villageWriter) close() {
	for _, s := range []*sql.Stmt{w.upsert, w.current, w.delete, w.touch} {
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
		w.args = append(w.args, v.ID, v.Name, v.CommuneCode, v.CommuneName,
			v.ProvinceCode, v.ProvinceName, v.LegacyDistrictCode, v.LegacyCommuneCode,
			v.Center.Lon(), v.Center.Lat(), area, v.GridPower, nullMillis(v.GridPowerSince),
			v.Households, v.Baseline, nullMillis(v.FoundAt), nullMillis(v.Deadline), marshalDeadlines(v.Deadlines), w.uploadID,
			geo.SearchKey(v.Name, v.CommuneName))
	}
	var rows *sql.Rows
	var err error
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
	progChanged, err := w.syncPrograms(ctx)
	if err != nil {
		return err
	}
	var touch []string
	for _, id := range progChanged {
		if !changed[id] {
			changed[id] = true
			touch = append(touch, id)
		}
	}
	if len(touch) > 0 {
		if _, err := w.touch.ExecContext(ctx, w.uploadID, jsonIDs(touch)); err != nil {
			return fmt.Errorf("village programs: %w", err)
		}
	}
	w.changed += len(changed)
	return nil
}

// syncPrograms makes the pending villages' program memberships equal to what they name and
// returns the IDs of the villages whose memberships changed.
func (w *villageWriter) syncPrograms(ctx context.Context) ([]string, error) {
	ids := make([]string, len(w.pending))
	for i, v := range w.pending {
		ids[i] = v.ID
	}
	rows, err := w.current.QueryContext(ctx, jsonIDs(ids))
	if err != nil {
		return nil, fmt.Errorf("read village programs: %w", err)
	}
	have := map[string][]string{}
	for rows.Next() {
		var v, p string
		if err := rows.Scan(&v, &p); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read village programs: %w", err)
		}
		have[v] = append(have[v], p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read village programs: %w", err)
	}
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
	if len(differ) == 0 {
		return nil, nil
	}
	if _, err := w.delete.ExecContext(ctx, jsonIDs(differ)); err != nil {
		return nil, fmt.Errorf("replace village programs: %w", err)
	}
	for len(pairs) > 0 {
		n := min(len(pairs), 2*villageBatch)
		ins, err := w.insertPrograms(ctx, n/2)
		if err != nil {
			return nil, err
		}
		if _, err := ins.ExecContext(ctx, pairs[:n]...); err != nil {
			return nil, fmt.Errorf("replace village programs: %w", err)
		}
		pairs = pairs[n:]
	}
	return differ, nil
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
// to f, and their arguments. The conditions are empty when f does not filter.
func villageFilter(col string, f geo.VillageFilter) (string, []any, error) {
	var (
		conds []string
		args  []any
	)
	if f.ProvinceCode != "" {
		conds = append(conds, col+` IN (SELECT id FROM villages WHERE province_code = ?)`)
		args = append(args, f.ProvinceCode)
	}
	if f.ProgramID != "" {
		conds = append(conds, col+` IN (SELECT village_id FROM village_programs WHERE program_id = ?)`)
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
func (db *DB) fillSearchKeys(ctx context.Context) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("fill search keys: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, name, commune_name FROM villages WHERE search_key IS NULL`)
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
	rows, err := tx.QueryContext(ctx, `SELECT id FROM programs`)
	if err != nil {
		return nil, fmt.Errorf("read programs: %w", err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read programs: %w", err)
		}
		ids[id] = true
	}
	return ids, rows.Err()
}
