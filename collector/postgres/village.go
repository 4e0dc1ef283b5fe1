package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

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
func (db *DB) CommitVillageStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Village, error]) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	defer tx.Rollback(ctx)

	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	programs, err := programIDs(ctx, tx)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE village_stage (LIKE villages INCLUDING DEFAULTS) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("commit villages: stage: %w", err)
	}
	changed := 0
	for batch, err := range batches {
		if err != nil {
			return fmt.Errorf("commit villages: %w", err)
		}
		n, err := upsertVillages(ctx, tx, id, programs, batch)
		if err != nil {
			return fmt.Errorf("commit villages: %w", err)
		}
		changed += n
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	if err := finishAccepted(ctx, tx, id, changed); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit villages: commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, changed, 0
	return nil
}

// villageCopyColumns are the columns a registry upload writes.
var villageCopyColumns = []string{"id", "name", "commune_code", "commune_name", "province_code", "province_name",
	"legacy_district_code", "legacy_commune_code", "lon", "lat", "area", "grid_power", "grid_power_since",
	"households", "baseline", "found_at", "deadline", "deadlines", "upload_id", "search_key"}

// upsertFromStage upserts the staged villages, changing a stored one only when a column
// differs, and returns the IDs it inserted or changed.
const upsertFromStage = `INSERT INTO villages AS v (id, name, commune_code, commune_name,
	province_code, province_name, legacy_district_code, legacy_commune_code, lon, lat, area,
	grid_power, grid_power_since, households, baseline, found_at, deadline, deadlines, upload_id, search_key)
SELECT id, name, commune_code, commune_name, province_code, province_name, legacy_district_code,
	legacy_commune_code, lon, lat, area, grid_power, grid_power_since, households, baseline, found_at,
	deadline, deadlines, upload_id, search_key
FROM village_stage
ON CONFLICT (id) DO UPDATE SET
	name = excluded.name, commune_code = excluded.commune_code,
	commune_name = excluded.commune_name, province_code = excluded.province_code,
	province_name = excluded.province_name, legacy_district_code = excluded.legacy_district_code,
	legacy_commune_code = excluded.legacy_commune_code, lon = excluded.lon, lat = excluded.lat,
	area = excluded.area, grid_power = excluded.grid_power,
	grid_power_since = excluded.grid_power_since, households = excluded.households,
	baseline = excluded.baseline, found_at = excluded.found_at, deadline = excluded.deadline,
	deadlines = excluded.deadlines, upload_id = excluded.upload_id, search_key = excluded.search_key
WHERE (v.name, v.commune_code, v.commune_name, v.province_code, v.province_name, v.legacy_district_code,
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
func upsertVillages(ctx context.Context, tx pgx.Tx, uploadID int64, programs map[string]bool, batch []geo.Village) (int, error) {
	changed, start := 0, 0
	seen := make(map[string]bool, len(batch))
	for i := range batch {
		if seen[batch[i].ID] {
			n, err := upsertSegment(ctx, tx, uploadID, programs, batch[start:i])
			if err != nil {
				return 0, err
			}
			changed, start = changed+n, i
			clear(seen)
		}
		seen[batch[i].ID] = true
	}
	n, err := upsertSegment(ctx, tx, uploadID, programs, batch[start:])
	return changed + n, err
}

// upsertSegment writes villages with distinct IDs.
func upsertSegment(ctx context.Context, tx pgx.Tx, uploadID int64, programs map[string]bool, batch []geo.Village) (int, error) {
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
		rows = append(rows, []any{v.ID, v.Name, v.CommuneCode, v.CommuneName,
			v.ProvinceCode, v.ProvinceName, v.LegacyDistrictCode, v.LegacyCommuneCode,
			v.Center.Lon(), v.Center.Lat(), area, v.GridPower, nullMillis(v.GridPowerSince),
			int64(v.Households), v.Baseline, nullMillis(v.FoundAt), nullMillis(v.Deadline), marshalDeadlines(v.Deadlines), uploadID,
			geo.SearchKey(v.Name, v.CommuneName)})
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
	changed := make(map[string]bool, len(ids))
	crows, err := tx.Query(ctx, upsertFromStage)
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

	// Program memberships: read the stored ones of the batch, replace those that differ.
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
	if len(redo) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM village_programs WHERE village_id = ANY($1)`, redo); err != nil {
			return 0, fmt.Errorf("replace programs: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"village_programs"}, []string{"village_id", "program_id"}, pgx.CopyFromRows(members)); err != nil {
			return 0, fmt.Errorf("replace programs: %w", err)
		}
	}
	if len(touch) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE villages SET upload_id = $1 WHERE id = ANY($2)`, uploadID, touch); err != nil {
			return 0, fmt.Errorf("replace programs: %w", err)
		}
	}
	return len(changed), nil
}

func programIDs(ctx context.Context, tx pgx.Tx) (map[string]bool, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM programs`)
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
// to f, adding their arguments to a. The conditions are empty when f does not filter.
func villageFilter(col string, f geo.VillageFilter, a *args) string {
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

// Village returns the village with the given ID, or an error wrapping geo.ErrNotFound.
func (db *DB) Village(ctx context.Context, id string) (*geo.Village, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("village %q: %w", id, err)
	}
	defer tx.Rollback(ctx)
	vs, err := queryVillages(ctx, tx, geo.VillageFilter{IDs: []string{id}})
	if err != nil {
		return nil, fmt.Errorf("village %q: %w", id, err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("village %q: %w", id, geo.ErrNotFound)
	}
	return &vs[0], nil
}

func queryVillages(ctx context.Context, tx pgx.Tx, f geo.VillageFilter) ([]geo.Village, error) {
	var a args
	where := villageFilter("id", f, &a)
	if where != "" {
		where = " WHERE " + where
	}
	rows, err := tx.Query(ctx, `SELECT id, name, commune_code, commune_name,
		province_code, province_name, legacy_district_code, legacy_commune_code, lon, lat, area,
		grid_power, grid_power_since, households, baseline, found_at, deadline, deadlines
		FROM villages`+where+` ORDER BY id`, a...)
	if err != nil {
		return nil, err
	}
	var vs []geo.Village
	index := map[string]int{}
	for rows.Next() {
		var (
			v                      geo.Village
			lon, lat               float64
			area                   []byte
			since, found, deadline *int64
			deadlines              *string
		)
		if err := rows.Scan(&v.ID, &v.Name, &v.CommuneCode, &v.CommuneName, &v.ProvinceCode,
			&v.ProvinceName, &v.LegacyDistrictCode, &v.LegacyCommuneCode, &lon, &lat, &area,
			&v.GridPower, &since, &v.Households, &v.Baseline, &found, &deadline, &deadlines); err != nil {
			rows.Close()
			return nil, err
		}
		if v.Deadlines, err = unmarshalDeadlines(deadlines); err != nil {
			rows.Close()
			return nil, fmt.Errorf("village %q: %w", v.ID, err)
		}
		v.Center = orb.Point{lon, lat}
		if len(area) > 0 {
			if v.Area, err = wkb.Unmarshal(area); err != nil {
				rows.Close()
				return nil, fmt.Errorf("village %q: decode area: %w", v.ID, err)
			}
		}
		v.GridPowerSince, v.FoundAt, v.Deadline = fromMillis(since), fromMillis(found), fromMillis(deadline)
		index[v.ID] = len(vs)
		vs = append(vs, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return vs, nil
	}

	a = nil
	where = villageFilter("village_id", f, &a)
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

// VillageShapes returns every village's ID with its centre and settled area, ordered by ID.
func (db *DB) VillageShapes(ctx context.Context) ([]string, []cover.VillageShape, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, lon, lat, area FROM villages ORDER BY id`)
	if err != nil {
		return nil, nil, fmt.Errorf("village shapes: %w", err)
	}
	defer rows.Close()
	var (
		ids    []string
		shapes []cover.VillageShape
	)
	for rows.Next() {
		var (
			id       string
			lon, lat float64
			area     []byte
		)
		if err := rows.Scan(&id, &lon, &lat, &area); err != nil {
			return nil, nil, fmt.Errorf("village shapes: %w", err)
		}
		s := cover.VillageShape{Center: orb.Point{lon, lat}}
		if len(area) > 0 {
			if s.Area, err = wkb.Unmarshal(area); err != nil {
				return nil, nil, fmt.Errorf("village shapes: %s: area: %w", id, err)
			}
		}
		ids = append(ids, id)
		shapes = append(shapes, s)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("village shapes: %w", err)
	}
	return ids, shapes, nil
}

// VillagePlaces returns every village's ID, province and commune code, ordered by ID.
func (db *DB) VillagePlaces(ctx context.Context) ([]geo.VillagePlace, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, province_code, commune_code FROM villages ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("village places: %w", err)
	}
	defer rows.Close()
	var out []geo.VillagePlace
	for rows.Next() {
		var p geo.VillagePlace
		if err := rows.Scan(&p.ID, &p.ProvinceCode, &p.CommuneCode); err != nil {
			return nil, fmt.Errorf("village places: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("village places: %w", err)
	}
	return out, nil
}
