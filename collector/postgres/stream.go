package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// fetchSize is how many rows a cursor fetches at a time.
const fetchSize = 2000

// cursor reads a server-side cursor a chunk at a time, so that several can be merged on one
// connection (pgx reads one result at a time per connection).
type cursor[T any] struct {
	tx   pgx.Tx
	name string
	scan func(pgx.Rows, *T) error
	buf  []T
	pos  int
	done bool
}

func openCursor[T any](ctx context.Context, tx pgx.Tx, name, q string, a args, scan func(pgx.Rows, *T) error) (*cursor[T], error) {
	if _, err := tx.Exec(ctx, `DECLARE `+name+` NO SCROLL CURSOR FOR `+q, a...); err != nil {
		return nil, err
	}
	return &cursor[T]{tx: tx, name: name, scan: scan}, nil
}

// next returns the next row, or nil at the end.
func (c *cursor[T]) next(ctx context.Context) (*T, error) {
	if c.pos == len(c.buf) {
		if c.done {
			return nil, nil
		}
		c.buf, c.pos = c.buf[:0], 0
		// The FETCH is described each time, not taken from the session's statement cache: its
		// text is the same for every cursor of one name, but the cursors of one name have
		// several shapes (the history walk's 8 columns, the as-of walk's 13), and a cached
		// description of one failed the other on the same session ("bind message has 13 result
		// formats but query has 8 columns"). One more round trip per fetchSize rows.
		rows, err := c.tx.Query(ctx, fmt.Sprintf(`FETCH %d FROM %s`, fetchSize, c.name), pgx.QueryExecModeDescribeExec)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var t T
			if err := c.scan(rows, &t); err != nil {
				rows.Close()
				return nil, err
			}
			c.buf = append(c.buf, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(c.buf) < fetchSize {
			c.done = true
		}
		if len(c.buf) == 0 {
			return nil, nil
		}
	}
	c.pos++
	return &c.buf[c.pos-1], nil
}

// EachVillageLatest calls fn for every village matching f, in ID order, with its programs
// (sorted) and its latest carrier claims at asOf (as LatestObservations returns them). The
// village comes without its settled area. Villages, programs and observations are read in
// one read transaction through three server-side cursors merged as they go, so memory stays
// that of a few thousand rows whatever the size of the registry. fn may keep the village;
// latest belongs to fn only during the call. upTo, when not 0, leaves out every observation
// stored after the one with that ID (ObservationMark; negative: every observation).
func (db *DB) EachVillageLatest(ctx context.Context, asOf time.Time, upTo int64, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error {
	// latest_claims answers for instants after every stored observation; the window keeps the
	// look-ups of its rows observed after asOf few.
	// The audit view (f.AsKnown) seeks every series: latest_claims holds the latest stored,
	// whenever received.
	useLatest := upTo >= 0 && !f.AsKnown && !asOf.Before(db.now().Add(-latestClaimsWindow))
	if err := db.eachVillage(ctx, &asOf, upTo, useLatest, false, f, fn); err != nil {
		return fmt.Errorf("village states: %w", err)
	}
	return nil
}

// EachVillage calls fn for every village matching f, in ID order, with its programs (sorted)
// and without its settled area, streaming as EachVillageLatest does.
func (db *DB) EachVillage(ctx context.Context, f geo.VillageFilter, fn func(v *geo.Village) error) error {
	err := db.eachVillage(ctx, nil, 0, false, false, f, func(v *geo.Village, _ []geo.Observation) error { return fn(v) })
	if err != nil {
		return fmt.Errorf("list villages: %w", err)
	}
	return nil
}

// EachVillageHistory calls fn for every village matching f (today's registry), in ID order,
// with its programs (sorted), without its settled area, and with its whole history: carrier
// claims and independent measurements, by series (carrier, technology, claims before
// measurements), each series ordered by observed_at, then ID. Each observation carries what a
// status at an instant rests on (geo.StatusTimeline): ID, VillageID, Carrier, Technology,
// Source, ObservedAt, HasSignal and RSRPdBm; its other fields are zero (observations_latest
// holds these columns: the walk may read the index alone). It streams as EachVillageLatest
// does (the history one more cursor, in the order of observations_latest): memory is a few
// thousand rows, whatever the size of the registry. fn may keep the village; h belongs to fn
// only during the call.
//
// With f.AsKnown (the audit view; f.AsOf required) the villages are the registry as known at
// f.AsOf (each village's version then, from the registry uploads received by then) and the
// history is the observations of the uploads received by f.AsOf, each with its ReceivedAt
// (a lookup of its upload per row: the audit view's forecast, not the default path's walk).
func (db *DB) EachVillageHistory(ctx context.Context, f geo.VillageFilter, fn func(v *geo.Village, h []geo.Observation) error) error {
	if f.AsKnown && f.AsOf.IsZero() {
		return errors.New("village histories: the audit view needs the instant it is as known at")
	}
	if !f.AsKnown {
		f.AsOf = time.Time{}
	}
	if err := db.eachVillage(ctx, nil, 0, false, true, f, fn); err != nil {
		return fmt.Errorf("village histories: %w", err)
	}
	return nil
}

type membership struct{ village, program string }

// todaysRegistry returns f without its AsOf when the registry as it was at f.AsOf is today's
// registry: no village was created (valid_from), retired or superseded (a version's valid_to)
// after that instant. The API asks for the registry as of now on every request; read as of
// an instant, the registry is the union of the current rows and the superseded versions,
// sorted whole before the first row, where today's registry streams in key order (see the
// SQLite store's todaysRegistry). The registry's last change is read once per accepted
// villages upload (sqlstore.RegistryChange), not per call: with no change after f.AsOf the check read
// every row of villages.
func (db *DB) todaysRegistry(ctx context.Context, tx pgx.Tx, f geo.VillageFilter) (geo.VillageFilter, error) {
	if f.AsOf.IsZero() || f.WithRetired || f.AsKnown {
		return f, nil // the registry as known then: registryAsOf reads it
	}
	last, err := db.regChange.Last(func() (key int64, err error) {
		err = tx.QueryRow(ctx, sqlstore.LastAcceptedVillagesUpload).Scan(&key)
		return key, err
	}, func() (change int64, err error) {
		err = tx.QueryRow(ctx, `SELECT greatest(
		(SELECT coalesce(greatest(max(valid_from), max(retired_at)), 0) FROM villages),
		(SELECT coalesce(max(valid_to), 0) FROM village_versions))`).Scan(&change)
		return change, err
	})
	if err != nil {
		return f, fmt.Errorf("registry changes after %s: %w", f.AsOf.Format(time.RFC3339), err)
	}
	if last <= f.AsOf.UnixMilli() {
		f.AsOf = time.Time{}
	}
	return f, nil
}

// historyColumns are the columns of an observation the history walk reads: those a status at
// an instant rests on (geo.StatusTimeline: the series, its role, the instant and ID that order
// it, the signal and RSRP that decide whether it counts). observations_latest holds them all
// (migration 0038: has_signal and rsrp_dbm included), so the walk may read the index alone.
const historyColumns = `o.id, o.village_id, o.carrier, o.technology, o.has_signal, o.rsrp_dbm,
	o.observed_at, o.source_role`

// scanHistoryObservation scans a row of historyColumns into o (its other fields left as they
// are: zero).
func scanHistoryObservation(s pgx.Row, o *geo.Observation) error {
	var (
		tech     int16
		observed int64
	)
	if err := s.Scan(&o.ID, &o.VillageID, &o.Carrier, &tech, &o.HasSignal, &o.RSRPdBm, &observed, &o.Source); err != nil {
		return err
	}
	if o.Source == geo.SourceCarrier {
		o.Source = "" // a carrier claim, as geo.Observation spells it
	}
	o.Technology = geo.Technology(tech)
	o.ObservedAt = msTime(observed)
	return nil
}

// scanKnownHistoryObservation scans a row of historyColumns then its upload's received_at
// (the history walk in the audit view).
func scanKnownHistoryObservation(s pgx.Row, o *geo.Observation) error {
	var (
		tech               int16
		observed, received int64
	)
	if err := s.Scan(&o.ID, &o.VillageID, &o.Carrier, &tech, &o.HasSignal, &o.RSRPdBm, &observed, &o.Source, &received); err != nil {
		return err
	}
	if o.Source == geo.SourceCarrier {
		o.Source = ""
	}
	o.Technology = geo.Technology(tech)
	o.ObservedAt = msTime(observed)
	o.ReceivedAt = msTime(received)
	return nil
}

// latestClaimsWindow is how far before now an as-of instant may lie for EachVillageLatest to
// read latest_claims: its rows observed after the instant are looked up one by one, and
// within a day of now those are the few series reported on since.
const latestClaimsWindow = 24 * time.Hour

// eachVillage is EachVillageLatest, without observations when asOf is nil, reading the latest
// claims from latest_claims when useLatest; with history (asOf nil), EachVillageHistory.
func (db *DB) eachVillage(ctx context.Context, asOf *time.Time, upTo int64, useLatest, history bool, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error {
	tx, err := db.readTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if f, err = db.todaysRegistry(ctx, tx, f); err != nil {
		return err
	}

	// The villages: today's registry (retired villages only with f.WithRetired), or with f.AsOf
	// the registry as it was then (a superseded version brings its own programs).
	var a args
	src := registrySource(f, &a)
	rf := f
	rf.AsOf = time.Time{}
	vc, err := openCursor(ctx, tx, "villages_c", `SELECT r.id, r.name, r.commune_code, r.commune_name,
		r.province_code, r.province_name, r.legacy_district_code, r.legacy_commune_code, r.lon, r.lat,
		r.grid_power, r.grid_power_since, r.households, r.baseline, r.found_at, r.deadline, r.deadlines,
		r.cur, r.programs
		FROM (`+src+`) r WHERE `+versionFilter(rf, &a)+` ORDER BY r.id`, a, scanStreamVillage)
	if err != nil {
		return err
	}
	// The programs of today's rows (a superset when f.AsOf is set: matched by ID below).
	a = nil
	cf := f
	cf.AsOf = time.Time{}
	where := villageFilter("village_id", cf, &a)
	if where != "" {
		where = " WHERE " + where
	}
	pc, err := openCursor(ctx, tx, "programs_c", `SELECT village_id, program_id FROM village_programs`+
		where+` ORDER BY village_id, program_id`, a, func(r pgx.Rows, m *membership) error { return r.Scan(&m.village, &m.program) })
	if err != nil {
		return fmt.Errorf("read programs: %w", err)
	}
	var oc *cursor[geo.Observation]
	if history && f.AsKnown {
		// The audit view: the villages of the registry as known at f.AsOf (villageFilter's
		// registry read), the rows of the uploads received by then with their receipt. A
		// cursor name of its own: one more column than history_c.
		a = args{f.KnownBy(f.AsOf).UnixMilli()}
		where = villageFilter("o.village_id", f, &a)
		if where != "" {
			where = " AND " + where
		}
		oc, err = openCursor(ctx, tx, "history_known_c", `SELECT `+historyColumns+`, u.received_at FROM observations o
		JOIN uploads u ON u.id = o.upload_id
		WHERE u.received_at <= $1`+where+`
		ORDER BY o.village_id, o.carrier, o.technology, o.source_role, o.observed_at, o.id`, a,
			func(r pgx.Rows, o *geo.Observation) error { return scanKnownHistoryObservation(r, o) })
		if err != nil {
			return fmt.Errorf("read observations: %w", err)
		}
	} else if history {
		a = nil
		where = villageFilter("o.village_id", f, &a)
		if where != "" {
			where = " WHERE " + where
		}
		// Its own cursor name: pgx caches a statement's result description by its text, and
		// "FETCH n FROM observations_c" of the latest walk returns other columns.
		oc, err = openCursor(ctx, tx, "history_c", `SELECT `+historyColumns+` FROM observations o`+where+`
		ORDER BY o.village_id, o.carrier, o.technology, o.source_role, o.observed_at, o.id`, a,
			func(r pgx.Rows, o *geo.Observation) error { return scanHistoryObservation(r, o) })
		if err != nil {
			return fmt.Errorf("read observations: %w", err)
		}
	} else if asOf != nil {
		a = args{asOf.UnixMilli()}
		bound := ""
		if upTo != 0 {
			bound = " AND x.id <= " + strconv.FormatInt(upTo, 10)
		}
		bound += sqlstore.AndKnown(f, *asOf, "x.upload_id")
		q := `SELECT ` + observationColumns + `
		FROM latest_claims s
		JOIN LATERAL (
			SELECT * FROM observations x
			WHERE x.village_id = s.village_id AND x.carrier = s.carrier
				AND x.technology = s.technology AND x.source_role = 'carrier' AND x.observed_at <= $1` + bound + `
			ORDER BY x.observed_at DESC, x.id DESC
			LIMIT 1) o ON true`
		if useLatest {
			// The latest claim of every series, inline in latest_claims; a row observed after
			// asOf (possible only for an asOf in the last latestClaimsWindow) or stored after
			// the mark upTo gives way to the seek of the as-of query.
			fresh := "s.observed_at <= $1"
			if upTo > 0 {
				fresh += " AND s.id <= " + strconv.FormatInt(upTo, 10)
			}
			q = `SELECT ` + observationColumns + `
		FROM latest_claims s
		JOIN LATERAL (
			SELECT s.id, s.village_id, s.carrier, s.technology, s.has_signal, s.rsrp_dbm, s.dl_mbps,
				s.observed_at, s.method, s.area_share, s.upload_id, 'carrier' AS source_role, s.inspector
			WHERE ` + fresh + `
			UNION ALL
			(SELECT x.id, x.village_id, x.carrier, x.technology, x.has_signal, x.rsrp_dbm, x.dl_mbps,
				x.observed_at, x.method, x.area_share, x.upload_id, x.source_role, x.inspector
			FROM observations x
			WHERE NOT (` + fresh + `) AND x.village_id = s.village_id AND x.carrier = s.carrier
				AND x.technology = s.technology AND x.source_role = 'carrier' AND x.observed_at <= $1` + bound + `
			ORDER BY x.observed_at DESC, x.id DESC
			LIMIT 1)) o ON true`
		}
		where = villageFilter("s.village_id", f, &a)
		if where != "" {
			where = " WHERE " + where
		}
		oc, err = openCursor(ctx, tx, "observations_c", q+where+`
		ORDER BY s.village_id, s.carrier, s.technology`, a, func(r pgx.Rows, o *geo.Observation) error { return scanObservation(r, o) })
		if err != nil {
			return fmt.Errorf("read observations: %w", err)
		}
	}

	p, err := pc.next(ctx)
	if err != nil {
		return fmt.Errorf("read programs: %w", err)
	}
	var o *geo.Observation
	if oc != nil {
		if o, err = oc.next(ctx); err != nil {
			return fmt.Errorf("read observations: %w", err)
		}
	}
	var latest []geo.Observation
	for {
		row, err := vc.next(ctx)
		if err != nil {
			return err
		}
		if row == nil {
			return nil
		}
		v := row.Village // a new village per call: fn may keep it
		for p != nil && p.village <= v.ID {
			if p.village == v.ID && row.cur {
				v.Programs = append(v.Programs, p.program)
			}
			if p, err = pc.next(ctx); err != nil {
				return fmt.Errorf("read programs: %w", err)
			}
		}
		latest = latest[:0]
		for o != nil && o.VillageID <= v.ID {
			if o.VillageID == v.ID {
				latest = append(latest, *o)
			}
			if o, err = oc.next(ctx); err != nil {
				return fmt.Errorf("read observations: %w", err)
			}
		}
		if err := fn(&v, latest); err != nil {
			return err
		}
	}
}

// streamVillage is one row of the villages cursor: a village, whether it is a current row
// (its programs come from the programs cursor) or a superseded version (with its own).
type streamVillage struct {
	geo.Village
	cur bool
}

func scanStreamVillage(rows pgx.Rows, sv *streamVillage) error {
	var (
		lon, lat               float64
		since, found, deadline *int64
		deadlines, programs    *string
	)
	v := &sv.Village
	if err := rows.Scan(&v.ID, &v.Name, &v.CommuneCode, &v.CommuneName, &v.ProvinceCode,
		&v.ProvinceName, &v.LegacyDistrictCode, &v.LegacyCommuneCode, &lon, &lat,
		&v.GridPower, &since, &v.Households, &v.Baseline, &found, &deadline, &deadlines, &sv.cur, &programs); err != nil {
		return err
	}
	var err error
	if !sv.cur {
		if v.Programs, err = decodePrograms(programs); err != nil {
			return fmt.Errorf("village %q: %w", v.ID, err)
		}
	}
	if v.Deadlines, err = unmarshalDeadlines(deadlines); err != nil {
		return fmt.Errorf("village %q: %w", v.ID, err)
	}
	v.Center = orb.Point{lon, lat}
	v.GridPowerSince, v.FoundAt, v.Deadline = fromMillis(since), fromMillis(found), fromMillis(deadline)
	return nil
}

// SignalAmong returns which of the villages ids have at least one carrier claim at or before
// asOf whose signal counts under p (the SQL mirrors geo.Policy.Counts), seeking each village's
// observations by index.
func (db *DB) SignalAmong(ctx context.Context, asOf time.Time, p *geo.Policy, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	const chunk = 10000
	for start := 0; start < len(ids); start += chunk {
		rows, err := db.pool.Query(ctx, `SELECT v FROM unnest($1::text[]) v
			WHERE EXISTS (SELECT 1 FROM observations
				WHERE village_id = v AND has_signal AND source_role = 'carrier'
					AND technology >= $2 AND observed_at <= $3
					AND (technology < $4 OR rsrp_dbm IS NULL OR rsrp_dbm >= $5))`,
			ids[start:min(start+chunk, len(ids))], int(p.MinTechnology), asOf.UnixMilli(), int(geo.Tech4G), p.MinRSRPdBm)
		if err != nil {
			return nil, fmt.Errorf("signal history: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("signal history: %w", err)
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("signal history: %w", err)
		}
	}
	return out, nil
}

// ObservationMark returns the ID of the newest observation stored (0 for none). Every write
// holds the write lock, so observation IDs grow in commit order and the observations stored
// after a mark are exactly those with a greater ID.
func (db *DB) ObservationMark(ctx context.Context) (int64, error) {
	var mark int64
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM observations`).Scan(&mark); err != nil {
		return 0, fmt.Errorf("observation mark: %w", err)
	}
	return mark, nil
}

// ObservationsSince returns the villages with an observation stored after mark, sorted, the
// new mark and the latest observed_at among those observations; ok is false (only next set)
// when more than limit observations were stored after mark.
func (db *DB) ObservationsSince(ctx context.Context, mark int64, limit int) (ids []string, next int64, latest time.Time, ok bool, err error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, 0, time.Time{}, false, fmt.Errorf("observations since %d: %w", mark, err)
	}
	defer tx.Rollback(ctx)
	ids, next, latest, ok, err = queries.ObservationsSince(ctx, sq(tx), mark, limit)
	if err != nil {
		return nil, 0, time.Time{}, false, fmt.Errorf("observations since %d: %w", mark, err)
	}
	return ids, next, latest, ok, nil
}
