package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
)

// CommitVillages stores a registry upload held in memory: CommitVillageStream with vs as one
// batch.
func (db *DB) CommitVillages(ctx context.Context, u *geo.Upload, vs []geo.Village) error {
	return db.CommitVillageStream(ctx, u, func(yield func([]geo.Village, error) bool) { yield(vs, nil) })
}

// CommitVillageStream stores a registry upload in one transaction: it records u as accepted
// and creates or updates every village of every batch by ID, with its program memberships
// (which replace the stored ones). Each batch is copied (COPY) into a temporary table and
// upserted from it in one statement, which changes a stored village only when a column
// differs; batches are not retained. When batches yields an error, nothing is written and the
// error is returned wrapped. On success it sets u.ID, u.Result and u.Inserted, the number of
// villages that were new or changed. Every program a village names must already exist;
// otherwise the error wraps geo.ErrNotFound and nothing is written. Duplicates of accepted
// bytes: nothing is written, u.Result becomes geo.ResultDuplicate, u.DuplicateOf is set and
// the error wraps geo.ErrDuplicateUpload.
//
// The registry keeps its history as in the SQLite store (see its CommitVillageStream): the
// trigger villages_history keeps each replaced version, valid until the upload's effective
// instant; successors start then and retire their predecessors; a change to a retired village
// or dated before a village's current version is geo.ErrConflict.
func (db *DB) CommitVillageStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Village, error]) error {
	tx, end, err := db.beginOwn(ctx)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	// The session ends with an upload that staged more than it keeps by default, or failed
	// (beginOwn).
	var w *villageWriter
	defer func() {
		if tx != nil {
			tx.Rollback(ctx)
			end(w != nil)
		}
	}()

	first, err := firstImport(ctx, tx)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
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
	if _, err := tx.Exec(ctx, `UPDATE uploads SET effective = $1 WHERE id = $2`, effective.UnixMilli(), id); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	programs, err := programIDs(ctx, tx)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE village_stage (LIKE villages INCLUDING DEFAULTS) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("commit villages: stage: %w", err)
	}
	w = &villageWriter{uploadID: id, effective: effective, programs: programs, bulk: first}
	if first {
		w.seen = map[uint64]struct{}{}
	}
	changed := 0
	for batch, err := range batches {
		if err != nil {
			return fmt.Errorf("commit villages: %w", err)
		}
		n, err := w.upsertVillages(ctx, tx, batch)
		if err != nil {
			return fmt.Errorf("commit villages: %w", err)
		}
		changed += n
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	n, err := w.retire(ctx, tx)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	changed += n
	for _, q := range indexes {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("commit villages: rebuild index: %w", err)
		}
	}
	if err := finishAccepted(ctx, tx, id, changed); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit villages: commit: %w", err)
	}
	tx = nil
	end(w.spent)
	db.analyzeAfter(ctx, changed, "villages", "village_programs", "village_versions")
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, changed, 0
	u.Effective = effective
	return nil
}

// villageCopyColumns are the columns a registry upload writes.
var villageCopyColumns = []string{"id", "name", "commune_code", "commune_name", "province_code", "province_name",
	"legacy_district_code", "legacy_commune_code", "lon", "lat", "area", "grid_power", "grid_power_since",
	"households", "baseline", "found_at", "deadline", "deadlines", "upload_id", "search_key", "valid_from"}

// upsertFromStage upserts the staged villages, changing a stored one only when a column
// differs, and returns the IDs it inserted or changed.
const upsertFromStage = `INSERT INTO villages AS v (id, name, commune_code, commune_name,
	province_code, province_name, legacy_district_code, legacy_commune_code, lon, lat, area,
	grid_power, grid_power_since, households, baseline, found_at, deadline, deadlines, upload_id, search_key, valid_from)
SELECT id, name, commune_code, commune_name, province_code, province_name, legacy_district_code,
	legacy_commune_code, lon, lat, area, grid_power, grid_power_since, households, baseline, found_at,
	deadline, deadlines, upload_id, search_key, valid_from
FROM village_stage
ON CONFLICT (id) DO UPDATE SET
	name = excluded.name, commune_code = excluded.commune_code,
	commune_name = excluded.commune_name, province_code = excluded.province_code,
	province_name = excluded.province_name, legacy_district_code = excluded.legacy_district_code,
	legacy_commune_code = excluded.legacy_commune_code, lon = excluded.lon, lat = excluded.lat,
	area = excluded.area, grid_power = excluded.grid_power,
	grid_power_since = excluded.grid_power_since, households = excluded.households,
	baseline = excluded.baseline, found_at = excluded.found_at, deadline = excluded.deadline,
	deadlines = excluded.deadlines, upload_id = excluded.upload_id, search_key = excluded.search_key,
	valid_from = $1
WHERE v.retired_at IS NULL AND (v.valid_from IS NULL OR v.valid_from <= $1) AND (v.name, v.commune_code, v.commune_name, v.province_code, v.province_name, v.legacy_district_code,
	v.legacy_commune_code, v.lon, v.lat, v.area, v.grid_power, v.grid_power_since, v.households, v.baseline,
	v.found_at, v.deadline, v.deadlines)
IS DISTINCT FROM (excluded.name, excluded.commune_code, excluded.commune_name, excluded.province_code,
	excluded.province_name, excluded.legacy_district_code, excluded.legacy_commune_code,
	excluded.lon, excluded.lat, excluded.area, excluded.grid_power, excluded.grid_power_since,
	excluded.households, excluded.baseline, excluded.found_at, excluded.deadline, excluded.deadlines)
RETURNING v.id`

// upsertVillages writes one batch and returns how many writes of its villages were new or
// changed, in columns or in programs. A village named twice (a file cannot: duplicate_row) is
// written twice in order, as if the villages were written one by one.
func (w *villageWriter) upsertVillages(ctx context.Context, tx pgx.Tx, batch []geo.Village) (int, error) {
	if w.bulk {
		ok, err := w.copyNew(ctx, tx, batch)
		if err != nil || ok {
			return len(batch), err
		}
		// A village of the batch may be written already: this batch and the rest of the
		// upload take the comparing path.
		w.bulk = false
		w.seen = nil
	}
	changed, start := 0, 0
	seen := make(map[string]bool, len(batch))
	for i := range batch {
		if seen[batch[i].ID] {
			n, err := w.upsertSegment(ctx, tx, batch[start:i])
			if err != nil {
				return 0, err
			}
			changed, start = changed+n, i
			clear(seen)
		}
		seen[batch[i].ID] = true
	}
	n, err := w.upsertSegment(ctx, tx, batch[start:])
	return changed + n, err
}

// upsertSegment writes villages with distinct IDs.
func (w *villageWriter) upsertSegment(ctx context.Context, tx pgx.Tx, batch []geo.Village) (int, error) {
	uploadID, programs, eff := w.uploadID, w.programs, w.effective.UnixMilli()
	ids := make([]string, 0, len(batch))
	want := make(map[string][]string, len(batch))
	rows := make([][]any, 0, len(batch))
	for i := range batch {
		v := &batch[i]
		ps := slices.Compact(slices.Sorted(slices.Values(v.Programs)))
		for _, p := range ps {
			if !programs[p] {
				return 0, fmt.Errorf("village %q: program %q: %w", v.ID, p, geo.ErrNotFound)
			}
		}
		area, err := marshalArea(v.Area)
		if err != nil {
			return 0, fmt.Errorf("village %q: %w", v.ID, err)
		}
		ids = append(ids, v.ID)
		want[v.ID] = ps
		var validFrom *int64 // a new village: since always
		if len(v.Predecessors) > 0 {
			validFrom = &eff // a successor: from its predecessors' retirement on
			for _, p := range v.Predecessors {
				w.successions = append(w.successions, geo.Succession{Predecessor: p, Successor: v.ID, Effective: w.effective, UploadID: uploadID})
			}
		}
		rows = append(rows, []any{v.ID, v.Name, v.CommuneCode, v.CommuneName,
			v.ProvinceCode, v.ProvinceName, v.LegacyDistrictCode, v.LegacyCommuneCode,
			v.Center.Lon(), v.Center.Lat(), area, v.GridPower, nullMillis(v.GridPowerSince),
			int64(v.Households), v.Baseline, nullMillis(v.FoundAt), nullMillis(v.Deadline), marshalDeadlines(v.Deadlines), uploadID,
			geo.SearchKey(v.Name, v.CommuneName), validFrom})
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if _, err := tx.Exec(ctx, `TRUNCATE village_stage`); err != nil {
		return 0, fmt.Errorf("stage villages: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"village_stage"}, villageCopyColumns, pgx.CopyFromRows(rows)); err != nil {
		return 0, fmt.Errorf("stage villages: %w", err)
	}
	if !w.spent {
		var err error
		if w.spent, err = stageSpent(ctx, tx, "village_stage"); err != nil {
			return 0, err
		}
	}
	// Program memberships: read the stored ones of the batch before anything changes them.
	have := map[string][]string{}
	prows, err := tx.Query(ctx, `SELECT village_id, program_id FROM village_programs
		WHERE village_id = ANY($1) ORDER BY village_id, program_id`, ids)
	if err != nil {
		return 0, fmt.Errorf("read programs: %w", err)
	}
	for prows.Next() {
		var v, p string
		if err := prows.Scan(&v, &p); err != nil {
			prows.Close()
			return 0, fmt.Errorf("read programs: %w", err)
		}
		have[v] = append(have[v], p)
	}
	prows.Close()
	if err := prows.Err(); err != nil {
		return 0, fmt.Errorf("read programs: %w", err)
	}
	if err := w.conflicts(ctx, tx, have, want); err != nil {
		return 0, err
	}

	changed := make(map[string]bool, len(ids))
	crows, err := tx.Query(ctx, upsertFromStage, eff)
	if err != nil {
		return 0, fmt.Errorf("upsert villages: %w", err)
	}
	for crows.Next() {
		var id string
		if err := crows.Scan(&id); err != nil {
			crows.Close()
			return 0, fmt.Errorf("upsert villages: %w", err)
		}
		changed[id] = true
	}
	crows.Close()
	if err := crows.Err(); err != nil {
		return 0, fmt.Errorf("upsert villages: %w", err)
	}

	var redo, touch []string
	var members [][]any
	for _, id := range ids {
		if slices.Equal(have[id], want[id]) {
			continue
		}
		redo = append(redo, id)
		for _, p := range want[id] {
			members = append(members, []any{id, p})
		}
		if !changed[id] {
			touch = append(touch, id)
			changed[id] = true
		}
	}
	if len(touch) > 0 {
		// A change of programs alone is a new version: the trigger keeps the old one, whose
		// programs are still stored.
		if _, err := tx.Exec(ctx, `UPDATE villages SET upload_id = $1, valid_from = $2 WHERE id = ANY($3)`, uploadID, eff, touch); err != nil {
			return 0, fmt.Errorf("replace programs: %w", err)
		}
	}
	if len(redo) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM village_programs WHERE village_id = ANY($1)`, redo); err != nil {
			return 0, fmt.Errorf("replace programs: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"village_programs"}, []string{"village_id", "program_id"}, pgx.CopyFromRows(members)); err != nil {
			return 0, fmt.Errorf("replace programs: %w", err)
		}
	}
	return len(changed), nil
}

// villageWriter carries one registry upload's state across its batches.
type villageWriter struct {
	uploadID    int64
	effective   time.Time
	programs    map[string]bool
	successions []geo.Succession // named by the villages written, applied by retire

	// bulk: the registry was empty and every village written so far was new (copyNew).
	bulk bool
	seen map[uint64]struct{} // the hashes of the IDs copyNew wrote

	// spent: the stage has grown past the local buffers a session keeps by default (see
	// beginOwn).
	spent bool
}

// idSeed hashes village IDs for villageWriter.seen.
var idSeed = maphash.MakeSeed()

// copyNew is the path of a first import: the registry was empty when the upload began, so a
// village not written earlier by the upload is new, with nothing to compare, no stored
// programs to replace and no version to keep. It copies the batch straight into villages and
// its memberships into village_programs (COPY; the secondary indexes are rebuilt at the end of
// the upload, see dropIndexes) and reports true. When an ID of the batch may have been
// written already (named twice by the upload; a hash, so a rare collision says so too) it
// writes nothing and reports false, and the caller compares instead.
func (w *villageWriter) copyNew(ctx context.Context, tx pgx.Tx, batch []geo.Village) (bool, error) {
	hashes := make([]uint64, len(batch))
	for i := range batch {
		hashes[i] = maphash.String(idSeed, batch[i].ID)
		if _, dup := w.seen[hashes[i]]; dup {
			return false, nil
		}
		w.seen[hashes[i]] = struct{}{}
	}
	eff := w.effective.UnixMilli()
	rows := make([][]any, 0, len(batch))
	var members [][]any
	for i := range batch {
		v := &batch[i]
		ps := slices.Compact(slices.Sorted(slices.Values(v.Programs)))
		for _, p := range ps {
			if !w.programs[p] {
				return false, fmt.Errorf("village %q: program %q: %w", v.ID, p, geo.ErrNotFound)
			}
			members = append(members, []any{v.ID, p})
		}
		area, err := marshalArea(v.Area)
		if err != nil {
			return false, fmt.Errorf("village %q: %w", v.ID, err)
		}
		var validFrom *int64 // a new village: since always
		if len(v.Predecessors) > 0 {
			validFrom = &eff // a successor: from its predecessors' retirement on
			for _, p := range v.Predecessors {
				w.successions = append(w.successions, geo.Succession{Predecessor: p, Successor: v.ID, Effective: w.effective, UploadID: w.uploadID})
			}
		}
		rows = append(rows, []any{v.ID, v.Name, v.CommuneCode, v.CommuneName,
			v.ProvinceCode, v.ProvinceName, v.LegacyDistrictCode, v.LegacyCommuneCode,
			v.Center.Lon(), v.Center.Lat(), area, v.GridPower, nullMillis(v.GridPowerSince),
			int64(v.Households), v.Baseline, nullMillis(v.FoundAt), nullMillis(v.Deadline), marshalDeadlines(v.Deadlines), w.uploadID,
			geo.SearchKey(v.Name, v.CommuneName), validFrom})
	}
	if len(rows) == 0 {
		return true, nil
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"villages"}, villageCopyColumns, pgx.CopyFromRows(rows)); err != nil {
		return false, fmt.Errorf("insert villages: %w", err)
	}
	if len(members) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"village_programs"}, []string{"village_id", "program_id"}, pgx.CopyFromRows(members)); err != nil {
			return false, fmt.Errorf("insert village programs: %w", err)
		}
	}
	return true, nil
}

// firstImport reports whether the registry is empty (no village at all, retired ones
// included), the case of a first import. The write lock (begin) keeps other writers out until
// the transaction ends, so the registry stays empty but for this upload.
func firstImport(ctx context.Context, tx pgx.Tx) (bool, error) {
	var some bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM villages)`).Scan(&some); err != nil {
		return false, fmt.Errorf("read registry: %w", err)
	}
	return !some, nil
}

// dropIndexes drops the indexes of tables that back no constraint (not the primary keys,
// which the foreign keys and the upsert use; the GiST indexes included) and returns the
// statements that create them again from their stored definitions, to be run in the same
// transaction once the rows are in: building an index from the table is one sort (GiST
// included: PostGIS sorts the geometries), keeping it row by row a descent per row. Only the
// indexes of tables covmon's role owns (or acts as the owner of) can be dropped: a database
// whose tables belong to another role keeps its indexes and is written row by row. Dropping
// an index locks its table until the transaction ends: readers of the registry wait for the
// first import, which they would find empty before it.
func dropIndexes(ctx context.Context, tx pgx.Tx, tables ...string) ([]string, error) {
	// name is regclass's output: quoted and schema-qualified as needed.
	defs, err := sqlstore.DropIndexes(ctx, sq(tx), func(name string) string { return `DROP INDEX ` + name },
		secondaryIndexes, tables)
	if err != nil {
		return nil, err
	}
	if len(defs) > 0 {
		// The sorts of the rebuild, in memory.
		if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			return nil, fmt.Errorf("drop indexes: %w", err)
		}
	}
	return defs, nil
}

// conflicts refuses a change the registry's history cannot take: to a retired village, or
// dated before the village's current version (the staged batch against the stored rows).
func (w *villageWriter) conflicts(ctx context.Context, tx pgx.Tx, have, want map[string][]string) error {
	rows, err := tx.Query(ctx, `SELECT v.id, v.valid_from, v.retired_at,
		(v.name, v.commune_code, v.commune_name, v.province_code, v.province_name, v.legacy_district_code,
		v.legacy_commune_code, v.lon, v.lat, v.area, v.grid_power, v.grid_power_since, v.households, v.baseline,
		v.found_at, v.deadline, v.deadlines)
		IS DISTINCT FROM (s.name, s.commune_code, s.commune_name, s.province_code, s.province_name,
		s.legacy_district_code, s.legacy_commune_code, s.lon, s.lat, s.area, s.grid_power, s.grid_power_since,
		s.households, s.baseline, s.found_at, s.deadline, s.deadlines)
		FROM villages v JOIN village_stage s ON s.id = v.id
		WHERE v.retired_at IS NOT NULL OR v.valid_from > $1
		ORDER BY v.id`, w.effective.UnixMilli())
	if err != nil {
		return fmt.Errorf("check village history: %w", err)
	}
	defer rows.Close()
	when := func(ms int64) string { return time.UnixMilli(ms).In(geo.Vietnam).Format(time.RFC3339) }
	for rows.Next() {
		var (
			id            string
			from, retired *int64
			differs       bool
		)
		if err := rows.Scan(&id, &from, &retired, &differs); err != nil {
			return fmt.Errorf("check village history: %w", err)
		}
		if !differs && slices.Equal(have[id], want[id]) {
			continue
		}
		if retired != nil {
			return fmt.Errorf("village %q was retired at %s; a retired village cannot change (leave it out of the file): %w",
				id, when(*retired), geo.ErrConflict)
		}
		return fmt.Errorf("village %q: the registry's effective instant %s is before the village's current version (valid from %s); changes are recorded in effective order: %w",
			id, when(w.effective.UnixMilli()), when(*from), geo.ErrConflict)
	}
	return rows.Err()
}

// retire applies the successions the upload's villages named (see the SQLite store) and
// returns the number of villages it retired.
func (w *villageWriter) retire(ctx context.Context, tx pgx.Tx) (int, error) {
	eff := w.effective.UnixMilli()
	when := func(ms int64) string { return time.UnixMilli(ms).In(geo.Vietnam).Format(time.RFC3339) }
	retired := 0
	for _, s := range w.successions {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM village_successions WHERE predecessor = $1 AND successor = $2`,
			s.Predecessor, s.Successor).Scan(&n); err != nil {
			return 0, fmt.Errorf("village %q: predecessor %q: %w", s.Successor, s.Predecessor, err)
		}
		if n > 0 {
			continue
		}
		// The successor must be in the registry at the effective instant: a retired one (a
		// cycle in the lineage) or one whose current version starts later would leave the
		// predecessor in no figure.
		var sFrom, sRet *int64
		if err := tx.QueryRow(ctx, `SELECT valid_from, retired_at FROM villages WHERE id = $1`, s.Successor).Scan(&sFrom, &sRet); err != nil {
			return 0, fmt.Errorf("village %q: %w", s.Successor, err)
		}
		switch {
		case sRet != nil:
			return 0, fmt.Errorf("village %q was retired at %s; a retired village cannot be a successor: %w", s.Successor, when(*sRet), geo.ErrConflict)
		case sFrom != nil && *sFrom > eff:
			return 0, fmt.Errorf("village %q: the effective instant %s is before its current version (valid from %s); a succession is recorded in effective order: %w",
				s.Successor, when(eff), when(*sFrom), geo.ErrConflict)
		}
		var from, ret *int64
		err := tx.QueryRow(ctx, `SELECT valid_from, retired_at FROM villages WHERE id = $1`, s.Predecessor).Scan(&from, &ret)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return 0, fmt.Errorf("village %q: predecessor %q: %w", s.Successor, s.Predecessor, geo.ErrNotFound)
		case err != nil:
			return 0, fmt.Errorf("village %q: predecessor %q: %w", s.Successor, s.Predecessor, err)
		}
		switch {
		case ret != nil && *ret == eff:
			// retired by another successor of this upload (a split)
		case ret != nil:
			return 0, fmt.Errorf("village %q: predecessor %q was already retired at %s: %w", s.Successor, s.Predecessor, when(*ret), geo.ErrConflict)
		case from != nil && *from > eff:
			return 0, fmt.Errorf("village %q: predecessor %q: the effective instant %s is before its current version (valid from %s): %w",
				s.Successor, s.Predecessor, when(eff), when(*from), geo.ErrConflict)
		default:
			if _, err := tx.Exec(ctx, `UPDATE villages SET retired_at = $1 WHERE id = $2`, eff, s.Predecessor); err != nil {
				return 0, fmt.Errorf("village %q: retire predecessor %q: %w", s.Successor, s.Predecessor, err)
			}
			retired++
		}
		if _, err := tx.Exec(ctx, `INSERT INTO village_successions (predecessor, successor, effective, upload_id) VALUES ($1, $2, $3, $4)`,
			s.Predecessor, s.Successor, eff, w.uploadID); err != nil {
			return 0, fmt.Errorf("village %q: record predecessor %q: %w", s.Successor, s.Predecessor, err)
		}
	}
	return retired, nil
}

func programIDs(ctx context.Context, tx pgx.Tx) (map[string]bool, error) {
	ids, err := sqlstore.Set[string](ctx, sq(tx), `SELECT id FROM programs`)
	if err != nil {
		return nil, fmt.Errorf("read programs: %w", err)
	}
	return ids, nil
}

// marshalArea encodes a settled area as WKB; nil stays NULL.
func marshalArea(g orb.Geometry) ([]byte, error) {
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
// to f, adding their arguments to a. The conditions are empty when f does not filter. With
// f.AsOf set, province, program and name match the version of each village in force then.
func villageFilter(col string, f geo.VillageFilter, a *args) string {
	if !f.AsOf.IsZero() && (f.ProvinceCode != "" || f.ProgramID != "" || f.Name != "") {
		src := registrySource(f, a)
		rf := f
		rf.AsOf = time.Time{}
		return col + ` IN (SELECT r.id FROM (` + src + `) r WHERE ` + versionFilter(rf, a) + `)`
	}
	var conds []string
	if f.ProvinceCode != "" {
		conds = append(conds, col+` IN (SELECT id FROM villages WHERE province_code = `+a.add(f.ProvinceCode)+`)`)
	}
	if f.ProgramID != "" {
		conds = append(conds, col+` IN (SELECT village_id FROM village_programs WHERE program_id = `+a.add(f.ProgramID)+`)`)
	}
	if words := strings.Fields(geo.Fold(f.Name)); len(words) > 0 {
		// Folded words hold only letters, digits and no LIKE wildcards.
		like := make([]string, len(words))
		for i, w := range words {
			like[i] = "search_key LIKE " + a.add("%"+w+"%")
		}
		conds = append(conds, col+` IN (SELECT id FROM villages WHERE `+strings.Join(like, " AND ")+`)`)
	}
	if len(f.IDs) > 0 {
		conds = append(conds, col+` = ANY(`+a.add(f.IDs)+`::text[])`)
	}
	return strings.Join(conds, " AND ")
}

// contentColumns are a village row's content columns, the same in villages and
// village_versions.
const contentColumns = `name, commune_code, commune_name, province_code, province_name,
	legacy_district_code, legacy_commune_code, lon, lat, area, grid_power, grid_power_since,
	households, baseline, found_at, deadline, deadlines`

// registrySource returns a query of the registry f reads, with the columns id, cur (true for
// a row of villages, false for a superseded version), contentColumns, search_key and programs
// (a version's JSON array; NULL for a current row, whose programs are in village_programs):
// with f.AsOf zero today's registry (retired villages only with f.WithRetired), else the
// registry as it was at f.AsOf (see the SQLite store's migration 0030).
func registrySource(f geo.VillageFilter, a *args) string {
	if f.AsOf.IsZero() {
		q := `SELECT id, true AS cur, ` + contentColumns + `, search_key, NULL::text AS programs FROM villages`
		if !f.WithRetired {
			q += ` WHERE retired_at IS NULL`
		}
		return q
	}
	t := a.add(f.AsOf.UnixMilli())
	if f.AsKnown {
		// The registry as known at f.AsOf (see the SQLite store's registryAsOf): of each
		// village the version of the newest registry upload received by then, retired only by
		// a succession received by then (f.KnownBy: a retired village's last instant is read as
		// known at the instant asked).
		k := f.KnownBy(f.AsOf)
		known := func(col string) string { return sqlstore.KnownOrNull(col, k) }
		live := func(col string) string { return sqlstore.NotRetiredBy(col, t, k) }
		return `SELECT id, true AS cur, ` + contentColumns + `, search_key, NULL::text AS programs FROM villages
		WHERE (valid_from IS NULL OR valid_from <= ` + t + `) AND ` + known("villages.upload_id") + ` AND ` + live("villages.id") + `
		UNION ALL
		SELECT village_id, false, ` + contentColumns + `, search_key, programs FROM village_versions
		WHERE (valid_from IS NULL OR valid_from <= ` + t + `) AND ` + known("village_versions.upload_id") + `
			AND (valid_to > ` + t + ` OR NOT ` + sqlstore.ReceivedBy("village_versions.superseded_by", k) + `)
			AND ` + live("village_versions.village_id")
	}
	return `SELECT id, true AS cur, ` + contentColumns + `, search_key, NULL::text AS programs FROM villages
		WHERE (valid_from IS NULL OR valid_from <= ` + t + `) AND (retired_at IS NULL OR retired_at > ` + t + `)
		UNION ALL
		SELECT village_id, false, ` + contentColumns + `, search_key, programs FROM village_versions
		WHERE valid_to > ` + t + ` AND (valid_from IS NULL OR valid_from <= ` + t + `)`
}

// versionFilter returns the conditions (true when none) restricting rows r of registrySource
// to f, on the rows' own columns.
func versionFilter(f geo.VillageFilter, a *args) string {
	conds := []string{"true"}
	if f.ProvinceCode != "" {
		conds = append(conds, `r.province_code = `+a.add(f.ProvinceCode))
	}
	if f.ProgramID != "" {
		p := a.add(f.ProgramID)
		// A correlated EXISTS, an index probe per row: IN (subquery) under OR cannot become a
		// semi-join, and beyond work_mem (about 200k members) PostgreSQL rescans the whole
		// membership for every village instead of hashing it (300k villages: 1.4e9 in cost,
		// covmon status on 1M villages did not finish in 10 minutes).
		conds = append(conds, `(r.cur AND EXISTS (SELECT 1 FROM village_programs vp WHERE vp.village_id = r.id AND vp.program_id = `+p+`)
			OR NOT r.cur AND EXISTS (SELECT 1 FROM json_array_elements_text(r.programs::json) e WHERE e = `+p+`))`)
	}
	for _, w := range strings.Fields(geo.Fold(f.Name)) {
		conds = append(conds, "r.search_key LIKE "+a.add("%"+w+"%"))
	}
	if len(f.IDs) > 0 {
		conds = append(conds, `r.id = ANY(`+a.add(f.IDs)+`::text[])`)
	}
	return strings.Join(conds, " AND ")
}

// marshalDeadlines encodes per-program deadlines as a JSON object of Unix milliseconds (keys
// sorted, so equal maps encode equally); nil for none.
func marshalDeadlines(m map[string]time.Time) *string {
	if len(m) == 0 {
		return nil
	}
	ms := make(map[string]int64, len(m))
	for k, t := range m {
		ms[k] = t.UnixMilli()
	}
	b, _ := json.Marshal(ms)
	s := string(b)
	return &s
}

// unmarshalDeadlines decodes marshalDeadlines's encoding.
func unmarshalDeadlines(s *string) (map[string]time.Time, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	var ms map[string]int64
	if err := json.Unmarshal([]byte(*s), &ms); err != nil {
		return nil, fmt.Errorf("decode deadlines: %w", err)
	}
	out := make(map[string]time.Time, len(ms))
	for k, v := range ms {
		out[k] = time.UnixMilli(v).In(geo.Vietnam)
	}
	return out, nil
}

// KnownVillages returns a membership test over the IDs of every village stored at the time of
// the call. The IDs are loaded once per accepted villages upload and kept (see the SQLite
// store).
func (db *DB) KnownVillages(ctx context.Context) (func(id string) bool, error) {
	var key int64
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM uploads WHERE kind = 'villages' AND result = 'accepted'`).Scan(&key); err != nil {
		return nil, fmt.Errorf("known villages: %w", err)
	}
	c := &db.known
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil || c.key != key {
		rows, err := db.pool.Query(ctx, `SELECT id FROM villages`)
		if err != nil {
			return nil, fmt.Errorf("known villages: %w", err)
		}
		ids := make(map[string]struct{})
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("known villages: %w", err)
			}
			ids[id] = struct{}{}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("known villages: %w", err)
		}
		c.key, c.ids = key, ids
	}
	ids := c.ids
	return func(id string) bool {
		_, ok := ids[id]
		return ok
	}, nil
}

// Villages lists the villages matching f ordered by ID, each with its Programs (sorted).
func (db *DB) Villages(ctx context.Context, f geo.VillageFilter) ([]geo.Village, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("list villages: %w", err)
	}
	defer tx.Rollback(ctx)
	vs, err := queryVillages(ctx, tx, f)
	if err != nil {
		return nil, fmt.Errorf("list villages: %w", err)
	}
	return vs, nil
}

// Village returns the village with the given ID as it is stored today, retired or not (then
// with RetiredAt), or an error wrapping geo.ErrNotFound.
func (db *DB) Village(ctx context.Context, id string) (*geo.Village, error) {
	vs, err := db.VillageVersions(ctx, geo.VillageFilter{IDs: []string{id}})
	if err != nil {
		return nil, fmt.Errorf("village %q: %w", id, err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("village %q: %w", id, geo.ErrNotFound)
	}
	last := vs[len(vs)-1]
	v := last.Village
	if last.Retired {
		v.RetiredAt = last.ValidTo
	}
	return &v, nil
}

func queryVillages(ctx context.Context, tx pgx.Tx, f geo.VillageFilter) ([]geo.Village, error) {
	var a args
	src := registrySource(f, &a)
	rf := f
	rf.AsOf = time.Time{}
	rows, err := tx.Query(ctx, `SELECT r.id, r.cur, `+prefixed("r.", contentColumns)+`, r.programs
		FROM (`+src+`) r WHERE `+versionFilter(rf, &a)+` ORDER BY r.id`, a...)
	if err != nil {
		return nil, err
	}
	var vs []geo.Village
	index := map[string]int{} // the villages whose programs are in village_programs
	for rows.Next() {
		var (
			v        geo.Village
			cur      bool
			programs *string
		)
		if err := scanVillage(rows, &v, []any{&v.ID, &cur}, &programs); err != nil {
			rows.Close()
			return nil, err
		}
		if cur {
			index[v.ID] = len(vs)
		} else if v.Programs, err = decodePrograms(programs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("village %q: %w", v.ID, err)
		}
		vs = append(vs, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(index) == 0 {
		return vs, nil
	}
	// The current rows' programs: the current filter reads a superset of them.
	a = nil
	cf := f
	cf.AsOf = time.Time{}
	where := villageFilter("village_id", cf, &a)
	if where != "" {
		where = " WHERE " + where
	}
	prows, err := tx.Query(ctx, `SELECT village_id, program_id FROM village_programs`+
		where+` ORDER BY village_id, program_id`, a...)
	if err != nil {
		return nil, fmt.Errorf("read programs: %w", err)
	}
	defer prows.Close()
	for prows.Next() {
		var vid, pid string
		if err := prows.Scan(&vid, &pid); err != nil {
			return nil, fmt.Errorf("read programs: %w", err)
		}
		if i, ok := index[vid]; ok {
			vs[i].Programs = append(vs[i].Programs, pid)
		}
	}
	if err := prows.Err(); err != nil {
		return nil, fmt.Errorf("read programs: %w", err)
	}
	return vs, nil
}

// decodePrograms reads a version's JSON array of program IDs (nil for none).
func decodePrograms(s *string) ([]string, error) {
	if s == nil {
		return nil, nil
	}
	var ps []string
	if err := json.Unmarshal([]byte(*s), &ps); err != nil {
		return nil, fmt.Errorf("decode programs: %w", err)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	return ps, nil
}

// prefixed puts p before every name of a comma-separated column list.
func prefixed(p, columns string) string {
	names := strings.Split(columns, ",")
	for i, n := range names {
		names[i] = p + strings.TrimSpace(n)
	}
	return strings.Join(names, ", ")
}

// scanVillage scans a row of the columns head..., contentColumns, tail into v.
func scanVillage(rows pgx.Rows, v *geo.Village, head []any, tail ...any) error {
	var (
		lon, lat               float64
		area                   []byte
		since, found, deadline *int64
		deadlines              *string
	)
	dst := append(head, &v.Name, &v.CommuneCode, &v.CommuneName, &v.ProvinceCode,
		&v.ProvinceName, &v.LegacyDistrictCode, &v.LegacyCommuneCode, &lon, &lat, &area,
		&v.GridPower, &since, &v.Households, &v.Baseline, &found, &deadline, &deadlines)
	if err := rows.Scan(append(dst, tail...)...); err != nil {
		return err
	}
	var err error
	if v.Deadlines, err = unmarshalDeadlines(deadlines); err != nil {
		return fmt.Errorf("village %q: %w", v.ID, err)
	}
	v.Center = orb.Point{lon, lat}
	if len(area) > 0 {
		if v.Area, err = wkb.Unmarshal(area); err != nil {
			return fmt.Errorf("village %q: decode area: %w", v.ID, err)
		}
	}
	v.GridPowerSince, v.FoundAt, v.Deadline = fromMillis(since), fromMillis(found), fromMillis(deadline)
	return nil
}

// VillageVersions returns every version of the villages matching f (on their current rows),
// retired villages included, ordered by village ID then ValidFrom.
func (db *DB) VillageVersions(ctx context.Context, f geo.VillageFilter) ([]geo.VillageVersion, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	defer tx.Rollback(ctx)
	f.AsOf, f.WithRetired = time.Time{}, true
	var a args
	where := villageFilter("id", f, &a)
	if where != "" {
		where = " WHERE " + where
	}
	rows, err := tx.Query(ctx, `SELECT id, valid_from, retired_at, upload_id, `+contentColumns+`
		FROM villages`+where+` ORDER BY id`, a...)
	if err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	var cur []geo.VillageVersion
	index := map[string]int{}
	for rows.Next() {
		var (
			ver      geo.VillageVersion
			from, to *int64
			up       *int64
		)
		if err := scanVillage(rows, &ver.Village, []any{&ver.ID, &from, &to, &up}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("village versions: %w", err)
		}
		ver.ValidFrom, ver.ValidTo, ver.Retired = fromMillis(from), fromMillis(to), to != nil
		if up != nil {
			ver.UploadID = *up
		}
		index[ver.ID] = len(cur)
		cur = append(cur, ver)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	if len(cur) == 0 {
		return cur, nil
	}
	a = nil
	where = villageFilter("village_id", f, &a)
	if where != "" {
		where = " WHERE " + where
	}
	prows, err := tx.Query(ctx, `SELECT village_id, program_id FROM village_programs`+where+` ORDER BY village_id, program_id`, a...)
	if err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	for prows.Next() {
		var vid, pid string
		if err := prows.Scan(&vid, &pid); err != nil {
			prows.Close()
			return nil, fmt.Errorf("village versions: %w", err)
		}
		if i, ok := index[vid]; ok {
			cur[i].Programs = append(cur[i].Programs, pid)
		}
	}
	prows.Close()
	if err := prows.Err(); err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	a = nil
	where = villageFilter("village_id", f, &a)
	if where != "" {
		where = " WHERE " + where
	}
	vrows, err := tx.Query(ctx, `SELECT village_id, valid_from, valid_to, upload_id, `+contentColumns+`, programs
		FROM village_versions`+where+` ORDER BY village_id, valid_to, id`, a...)
	if err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	defer vrows.Close()
	past := map[string][]geo.VillageVersion{}
	for vrows.Next() {
		var (
			ver      geo.VillageVersion
			from, to *int64
			up       *int64
			programs *string
		)
		if err := scanVillage(vrows, &ver.Village, []any{&ver.ID, &from, &to, &up}, &programs); err != nil {
			return nil, fmt.Errorf("village versions: %w", err)
		}
		if ver.Programs, err = decodePrograms(programs); err != nil {
			return nil, fmt.Errorf("village versions: %q: %w", ver.ID, err)
		}
		ver.ValidFrom, ver.ValidTo = fromMillis(from), fromMillis(to)
		if up != nil {
			ver.UploadID = *up
		}
		past[ver.ID] = append(past[ver.ID], ver)
	}
	if err := vrows.Err(); err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	out := make([]geo.VillageVersion, 0, len(cur))
	for _, c := range cur {
		out = append(out, past[c.ID]...)
		out = append(out, c)
	}
	return out, nil
}

// Successions returns the retirements in village id's lineage: every succession leading to it
// and those that retired it, ordered by effective instant, predecessor and successor.
func (db *DB) Successions(ctx context.Context, id string) ([]geo.Succession, error) {
	out, err := sqlstore.Collect(ctx, sq(db.pool), sqlstore.ScanSuccession, `WITH RECURSIVE ancestors (vid) AS (
			SELECT $1::text
			UNION
			SELECT s.predecessor FROM village_successions s JOIN ancestors a ON s.successor = a.vid
		)
		SELECT predecessor, successor, effective, upload_id FROM village_successions
		WHERE successor IN (SELECT vid FROM ancestors) OR predecessor = $1
		ORDER BY effective, predecessor, successor`, id)
	if err != nil {
		return nil, fmt.Errorf("successions of %q: %w", id, err)
	}
	return out, nil
}

// VillageShapes returns every village's ID with its centre and settled area, ordered by ID.
func (db *DB) VillageShapes(ctx context.Context) ([]string, []cover.VillageShape, error) {
	ids, shapes, err := sqlstore.VillageShapes(ctx, sq(db.pool), `SELECT id, lon, lat, area FROM villages ORDER BY id`)
	if err != nil {
		return nil, nil, fmt.Errorf("village shapes: %w", err)
	}
	return ids, shapes, nil
}

// VillagePlaces returns every village's ID, province and commune code, ordered by ID.
func (db *DB) VillagePlaces(ctx context.Context) ([]geo.VillagePlace, error) {
	out, err := sqlstore.Collect(ctx, sq(db.pool), sqlstore.ScanVillagePlace, `SELECT id, province_code, commune_code FROM villages ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("village places: %w", err)
	}
	return out, nil
}
