package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/covmon/covmon/geo"
)

// CommitVillages stores a registry upload in one transaction: it records u as accepted and
// creates or updates every village in vs by ID, with its program memberships (which replace
// the stored ones). On success it sets u.ID, u.Result and u.Inserted, the number of villages
// that were new or changed. Every program a village names must already exist (UpsertProgram);
// otherwise the error wraps geo.ErrNotFound and nothing is written.
//
// If bytes with u.SHA256 were already accepted, nothing is written, u.Result becomes
// geo.ResultDuplicate, u.DuplicateOf is set, and the error wraps geo.ErrDuplicateUpload; the
// caller may then store the duplicate with RecordUpload.
func (db *DB) CommitVillages(ctx context.Context, u *geo.Upload, vs []geo.Village) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	defer tx.Rollback()

	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	changed, err := upsertVillages(ctx, tx, id, vs)
	if err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	if err := finishAccepted(ctx, tx, id, changed); err != nil {
		return fmt.Errorf("commit villages: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit villages: commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, changed, 0
	return nil
}

// upsertVillage inserts a village, or updates it only when a column differs, so that
// RowsAffected tells whether anything changed.
const upsertVillage = `INSERT INTO villages (id, name, commune_code, commune_name,
	province_code, province_name, legacy_district_code, legacy_commune_code, lon, lat, area,
	grid_power, grid_power_since, households, baseline, found_at, deadline, deadlines, upload_id, search_key)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
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
	excluded.households, excluded.baseline, excluded.found_at, excluded.deadline, excluded.deadlines)`

func upsertVillages(ctx context.Context, tx *sql.Tx, uploadID int64, vs []geo.Village) (int, error) {
	programs, err := programIDs(ctx, tx)
	if err != nil {
		return 0, err
	}
	upsert, err := tx.PrepareContext(ctx, upsertVillage)
	if err != nil {
		return 0, fmt.Errorf("prepare village upsert: %w", err)
	}
	defer upsert.Close()
	current, err := tx.PrepareContext(ctx,
		`SELECT program_id FROM village_programs WHERE village_id = ? ORDER BY program_id`)
	if err != nil {
		return 0, fmt.Errorf("prepare village programs: %w", err)
	}
	defer current.Close()

	changed := 0
	for i := range vs {
		v := &vs[i]
		want := slices.Compact(slices.Sorted(slices.Values(v.Programs)))
		for _, p := range want {
			if !programs[p] {
				return 0, fmt.Errorf("village %q: program %q: %w", v.ID, p, geo.ErrNotFound)
			}
		}
		area, err := marshalArea(v.Area)
		if err != nil {
			return 0, fmt.Errorf("village %q: %w", v.ID, err)
		}
		res, err := upsert.ExecContext(ctx, v.ID, v.Name, v.CommuneCode, v.CommuneName,
			v.ProvinceCode, v.ProvinceName, v.LegacyDistrictCode, v.LegacyCommuneCode,
			v.Center.Lon(), v.Center.Lat(), area, v.GridPower, nullMillis(v.GridPowerSince),
			v.Households, v.Baseline, nullMillis(v.FoundAt), nullMillis(v.Deadline), marshalDeadlines(v.Deadlines), uploadID,
			geo.SearchKey(v.Name, v.CommuneName))
		if err != nil {
			return 0, fmt.Errorf("village %q: upsert: %w", v.ID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("village %q: upsert: %w", v.ID, err)
		}
		progChanged, err := syncVillagePrograms(ctx, tx, current, v.ID, want)
		if err != nil {
			return 0, fmt.Errorf("village %q: %w", v.ID, err)
		}
		if progChanged && n == 0 {
			if _, err := tx.ExecContext(ctx,
				`UPDATE villages SET upload_id = ? WHERE id = ?`, uploadID, v.ID); err != nil {
				return 0, fmt.Errorf("village %q: %w", v.ID, err)
			}
		}
		if n > 0 || progChanged {
			changed++
		}
	}
	return changed, nil
}

// syncVillagePrograms makes the village's program memberships equal want (sorted, unique) and
// reports whether they changed.
func syncVillagePrograms(ctx context.Context, tx *sql.Tx, current *sql.Stmt, villageID string, want []string) (bool, error) {
	rows, err := current.QueryContext(ctx, villageID)
	if err != nil {
		return false, fmt.Errorf("read programs: %w", err)
	}
	var have []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return false, fmt.Errorf("read programs: %w", err)
		}
		have = append(have, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read programs: %w", err)
	}
	if slices.Equal(have, want) {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx,
		`DELETE FROM village_programs WHERE village_id = ?`, villageID); err != nil {
		return false, fmt.Errorf("replace programs: %w", err)
	}
	for _, p := range want {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO village_programs (village_id, program_id) VALUES (?, ?)`,
			villageID, p); err != nil {
			return false, fmt.Errorf("replace programs: %w", err)
		}
	}
	return true, nil
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
