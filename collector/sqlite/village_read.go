package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

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
	if err := db.ro.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM uploads WHERE kind = 'villages' AND result = 'accepted'`).Scan(&key); err != nil {
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
	rows, err := db.ro.QueryContext(ctx, `SELECT id FROM villages`)
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
	tx, err := db.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
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

// Village returns the village with the given ID, or an error wrapping geo.ErrNotFound.
func (db *DB) Village(ctx context.Context, id string) (*geo.Village, error) {
	tx, err := db.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("village %q: %w", id, err)
	}
	defer tx.Rollback()
	vs, err := queryVillages(ctx, tx, geo.VillageFilter{IDs: []string{id}})
	if err != nil {
		return nil, fmt.Errorf("village %q: %w", id, err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("village %q: %w", id, geo.ErrNotFound)
	}
	return &vs[0], nil
}

func queryVillages(ctx context.Context, tx *sql.Tx, f geo.VillageFilter) ([]geo.Village, error) {
	where, args, err := villageFilter("id", f)
	if err != nil {
		return nil, err
	}
	if where != "" {
		where = " WHERE " + where
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, name, commune_code, commune_name,
		province_code, province_name, legacy_district_code, legacy_commune_code, lon, lat, area,
		grid_power, grid_power_since, households, baseline, found_at, deadline, deadlines
		FROM villages`+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []geo.Village
	index := map[string]int{}
	for rows.Next() {
		var (
			v                      geo.Village
			lon, lat               float64
			area                   []byte
			since, found, deadline sql.NullInt64
			deadlines              sql.NullString
		)
		if err := rows.Scan(&v.ID, &v.Name, &v.CommuneCode, &v.CommuneName, &v.ProvinceCode,
			&v.ProvinceName, &v.LegacyDistrictCode, &v.LegacyCommuneCode, &lon, &lat, &area,
			&v.GridPower, &since, &v.Households, &v.Baseline, &found, &deadline, &deadlines); err != nil {
			return nil, err
		}
		if v.Deadlines, err = unmarshalDeadlines(deadlines); err != nil {
			return nil, fmt.Errorf("village %q: %w", v.ID, err)
		}
		v.Center = orb.Point{lon, lat}
		if len(area) > 0 {
			if v.Area, err = wkb.Unmarshal(area); err != nil {
				return nil, fmt.Errorf("village %q: decode area: %w", v.ID, err)
			}
		}
		v.GridPowerSince, v.FoundAt, v.Deadline = fromMillis(since), fromMillis(found), fromMillis(deadline)
		index[v.ID] = len(vs)
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(vs) == 0 {
		return vs, nil
	}

	where, args, err = villageFilter("village_id", f)
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

// VillageShapes returns every village's ID with its centre and settled area, ordered by ID:
// what a coverage join needs, at a fraction of the memory of Villages.
func (db *DB) VillageShapes(ctx context.Context) ([]string, []cover.VillageShape, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT id, lon, lat, area FROM villages ORDER BY id`)
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

// VillagePlaces returns every village's ID, province and commune code, ordered by ID (the
// order of VillageShapes).
func (db *DB) VillagePlaces(ctx context.Context) ([]geo.VillagePlace, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT id, province_code, commune_code FROM villages ORDER BY id`)
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
