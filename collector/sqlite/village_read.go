package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
)

// knownCache holds the registry's village IDs as of the newest accepted villages upload.
type knownCache struct {
	mu  sync.Mutex
	key int64               // the ID of that upload (0: none yet)
	ids map[string]struct{} // never changed once stored: readers share it
}

// KnownVillages returns a membership test over the IDs of every village stored at the time of
// the call (a snapshot: villages committed later are unknown to it). It is meant for
// validating an upload before committing it.
//
// Every change to the registry is an accepted villages upload, so the IDs are loaded once per
// such upload and kept: validating a small file costs one indexed look-up, not a read of the
// whole registry (100k villages: about 100 ms of CPU per upload otherwise).
func (db *DB) KnownVillages(ctx context.Context) (func(id string) bool, error) {
	var key int64
	if err := db.reader(ctx).QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM uploads WHERE kind = 'villages' AND result = 'accepted'`).Scan(&key); err != nil {
		return nil, fmt.Errorf("known villages: %w", err)
	}
	c := &db.known
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil || c.key != key {
		// Read after the key: a registry committed in between is in the set and, its upload
		// being newer than key, makes the next call read again.
		ids, err := db.loadVillageIDs(ctx)
		if err != nil {
			return nil, err
		}
		c.key, c.ids = key, ids
	}
	ids := c.ids
	return func(id string) bool {
		_, ok := ids[id]
		return ok
	}, nil
}

func (db *DB) loadVillageIDs(ctx context.Context) (map[string]struct{}, error) {
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT id FROM villages`)
	if err != nil {
		return nil, fmt.Errorf("known villages: %w", err)
	}
	defer rows.Close()
	ids := make(map[string]struct{})
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("known villages: %w", err)
		}
		ids[id] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("known villages: %w", err)
	}
	return ids, nil
}

// Villages lists the villages matching f ordered by ID, each with its Programs (sorted).
func (db *DB) Villages(ctx context.Context, f geo.VillageFilter) ([]geo.Village, error) {
	tx, err := db.reader(ctx).BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list villages: %w", err)
	}
	defer tx.Rollback()
	vs, err := queryVillages(ctx, tx, f)
	if err != nil {
		return nil, fmt.Errorf("list villages: %w", err)
	}
	return vs, nil
}

// Village returns the village with the given ID as it is stored today, retired or not (then
// with RetiredAt), or an error wrapping geo.ErrNotFound.
func (db *DB) Village(ctx context.Context, id string) (*geo.Village, error) {
	tx, err := db.reader(ctx).BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("village %q: %w", id, err)
	}
	defer tx.Rollback()
	vs, err := currentVersions(ctx, tx, geo.VillageFilter{IDs: []string{id}})
	if err != nil {
		return nil, fmt.Errorf("village %q: %w", id, err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("village %q: %w", id, geo.ErrNotFound)
	}
	v := vs[0].Village
	if vs[0].Retired {
		v.RetiredAt = vs[0].ValidTo
	}
	return &v, nil
}

// Successions returns the retirements in village id's lineage: every succession leading to it
// (its predecessors, theirs, and so on) and those that retired it (its successors), ordered by
// effective instant, predecessor and successor.
func (db *DB) Successions(ctx context.Context, id string) ([]geo.Succession, error) {
	out, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanSuccession, `WITH RECURSIVE ancestors (vid) AS (
			SELECT ?
			UNION
			SELECT s.predecessor FROM village_successions s JOIN ancestors a ON s.successor = a.vid
		)
		SELECT predecessor, successor, effective, upload_id FROM village_successions
		WHERE successor IN (SELECT vid FROM ancestors) OR predecessor = ?
		ORDER BY effective, predecessor, successor`, id, id)
	if err != nil {
		return nil, fmt.Errorf("successions of %q: %w", id, err)
	}
	return out, nil
}

func queryVillages(ctx context.Context, tx *sql.Tx, f geo.VillageFilter) ([]geo.Village, error) {
	var (
		q    string
		args []any
	)
	if f.AsOf.IsZero() {
		where, wargs, err := villageFilter("villages.id", f)
		if err != nil {
			return nil, err
		}
		if where != "" {
			where = " AND " + where
		}
		live := "retired_at IS NULL"
		if f.WithRetired {
			live = "1"
		}
		q, args = `SELECT id, 1, `+contentColumns+`, NULL FROM villages WHERE `+live+where+` ORDER BY id`, wargs
	} else {
		reg, regArgs := registryAsOf(f)
		rf := f
		rf.AsOf = time.Time{}
		where, wargs, err := versionFilter(rf)
		if err != nil {
			return nil, err
		}
		q, args = `SELECT r.id, r.cur, `+prefixed("r.", contentColumns)+`, r.programs FROM (`+reg+`) r WHERE `+where+` ORDER BY r.id`, append(regArgs, wargs...)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []geo.Village
	index := map[string]int{} // the villages whose programs are in village_programs
	for rows.Next() {
		var (
			v        geo.Village
			cur      bool
			programs sql.NullString
		)
		if err := scanVillage(rows, &v, []any{&v.ID, &cur}, &programs); err != nil {
			return nil, err
		}
		if cur {
			index[v.ID] = len(vs)
		} else if err := json.Unmarshal([]byte(programs.String), &v.Programs); err != nil {
			return nil, fmt.Errorf("village %q: decode programs: %w", v.ID, err)
		} else if len(v.Programs) == 0 {
			v.Programs = nil
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(index) == 0 {
		return vs, nil
	}

	// The current rows' programs: the current filter reads a superset of them (a village's
	// current row has its current province, programs and name); only indexed ones are kept.
	cf := f
	cf.AsOf = time.Time{}
	where, args, err := villageFilter("village_programs.village_id", cf)
	if err != nil {
		return nil, err
	}
	if where != "" {
		where = " WHERE " + where
	}
	prows, err := tx.QueryContext(ctx, `SELECT village_id, program_id FROM village_programs`+
		where+` ORDER BY village_id, program_id`, args...)
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

// prefixed puts p before every name of a comma-separated column list.
func prefixed(p, columns string) string {
	names := strings.Split(columns, ",")
	for i, n := range names {
		names[i] = p + strings.TrimSpace(n)
	}
	return strings.Join(names, ", ")
}

// VillageShapes returns every village's ID with its centre and settled area, ordered by ID:
// what a coverage join needs, at a fraction of the memory of Villages.
func (db *DB) VillageShapes(ctx context.Context) ([]string, []cover.VillageShape, error) {
	ids, shapes, err := sqlstore.VillageShapes(ctx, sq(db.reader(ctx)), `SELECT id, lon, lat, area FROM villages ORDER BY id`)
	if err != nil {
		return nil, nil, fmt.Errorf("village shapes: %w", err)
	}
	return ids, shapes, nil
}

// VillagePlaces returns every village's ID, province and commune code, ordered by ID (the
// order of VillageShapes).
func (db *DB) VillagePlaces(ctx context.Context) ([]geo.VillagePlace, error) {
	out, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanVillagePlace, `SELECT id, province_code, commune_code FROM villages ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("village places: %w", err)
	}
	return out, nil
}

// VillageVersions returns every version of the villages matching f (on their current rows),
// retired villages included, ordered by village ID then ValidFrom: the registry's whole
// history, what a backfill of past figures evaluates day by day.
func (db *DB) VillageVersions(ctx context.Context, f geo.VillageFilter) ([]geo.VillageVersion, error) {
	tx, err := db.reader(ctx).BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	defer tx.Rollback()
	f.AsOf = time.Time{}
	cur, err := currentVersions(ctx, tx, f)
	if err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	where, args, err := villageFilter("village_versions.village_id", f)
	if err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	if where != "" {
		where = " WHERE " + where
	}
	rows, err := tx.QueryContext(ctx, `SELECT village_id, valid_from, valid_to, upload_id, `+contentColumns+`, programs
		FROM village_versions`+where+` ORDER BY village_id, valid_to`, args...)
	if err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	defer rows.Close()
	past := map[string][]geo.VillageVersion{}
	for rows.Next() {
		var (
			ver      geo.VillageVersion
			from, to sql.NullInt64
			up       sql.NullInt64
			programs sql.NullString
		)
		if err := scanVillage(rows, &ver.Village, []any{&ver.ID, &from, &to, &up}, &programs); err != nil {
			return nil, fmt.Errorf("village versions: %w", err)
		}
		if err := json.Unmarshal([]byte(programs.String), &ver.Programs); err != nil {
			return nil, fmt.Errorf("village versions: %q: decode programs: %w", ver.ID, err)
		}
		if len(ver.Programs) == 0 {
			ver.Programs = nil
		}
		ver.ValidFrom, ver.ValidTo, ver.UploadID = fromMillis(from), fromMillis(to), up.Int64
		past[ver.ID] = append(past[ver.ID], ver)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("village versions: %w", err)
	}
	out := make([]geo.VillageVersion, 0, len(cur))
	for _, c := range cur {
		out = append(out, past[c.ID]...)
		out = append(out, c)
	}
	return out, nil
}

// scanVillage scans a row of the columns head..., contentColumns, tail into v (head's targets
// are the caller's, such as &v.ID).
func scanVillage(rows *sql.Rows, v *geo.Village, head []any, tail ...any) error {
	var (
		lon, lat               float64
		area                   []byte
		since, found, deadline sql.NullInt64
		deadlines              sql.NullString
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

// currentVersions returns the current rows of the villages matching f (f.AsOf zero), retired
// ones included, as versions, with their programs, ordered by ID.
func currentVersions(ctx context.Context, tx *sql.Tx, f geo.VillageFilter) ([]geo.VillageVersion, error) {
	where, args, err := villageFilter("villages.id", f)
	if err != nil {
		return nil, err
	}
	if where != "" {
		where = " WHERE " + where
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, valid_from, retired_at, upload_id, `+contentColumns+` FROM villages`+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []geo.VillageVersion
	index := map[string]int{}
	for rows.Next() {
		var (
			ver      geo.VillageVersion
			from, to sql.NullInt64
			up       sql.NullInt64
		)
		if err := scanVillage(rows, &ver.Village, []any{&ver.ID, &from, &to, &up}); err != nil {
			return nil, err
		}
		ver.ValidFrom, ver.ValidTo, ver.Retired, ver.UploadID = fromMillis(from), fromMillis(to), to.Valid, up.Int64
		index[ver.ID] = len(out)
		out = append(out, ver)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	where, args, err = villageFilter("village_programs.village_id", f)
	if err != nil {
		return nil, err
	}
	if where != "" {
		where = " WHERE " + where
	}
	prows, err := tx.QueryContext(ctx, `SELECT village_id, program_id FROM village_programs`+where+` ORDER BY village_id, program_id`, args...)
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
			out[i].Programs = append(out[i].Programs, pid)
		}
	}
	return out, prows.Err()
}
