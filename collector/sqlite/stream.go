package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// EachVillageLatest calls fn for every village matching f, in ID order, with its programs
// (sorted) and its latest carrier claims at asOf (as LatestObservations returns them; empty for
// a village without any). The village comes without its settled area (Area is nil): status
// never reads it. Villages, programs and observations are read in one read transaction, so fn
// sees one consistent state of the database, and three cursors are merged as they go: memory
// stays that of one village, whatever the size of the registry. Each call gets a new village,
// which fn may keep; latest belongs to fn only during the call (the next call reuses its
// array). An error from fn stops the walk and is returned.
//
// upTo, when not 0, leaves out every observation stored after the one with that ID (see
// ObservationMark): the state as it was when the mark was read, for the observations. A
// negative upTo leaves out every observation (the mark of a store that had none).
func (db *DB) EachVillageLatest(ctx context.Context, asOf time.Time, upTo int64, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error {
	tx, err := db.reader(ctx).BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("village states: %w", err)
	}
	defer tx.Rollback()
	if f, err = db.todaysRegistry(ctx, tx, f); err != nil {
		return fmt.Errorf("village states: %w", err)
	}
	// latest_claims answers for instants after every stored observation; the window keeps the
	// look-ups of its rows observed after asOf few (as a mark does for rows stored after it).
	// The audit view (f.AsKnown) seeks every series: latest_claims holds the latest stored,
	// whenever received.
	useLatest := upTo >= 0 && !f.AsKnown && !asOf.Before(db.now().Add(-latestClaimsWindow))
	if err := eachVillage(ctx, tx, &asOf, upTo, useLatest, false, f, fn); err != nil {
		return fmt.Errorf("village states: %w", err)
	}
	return nil
}

// EachVillage calls fn for every village matching f, in ID order, with its programs (sorted)
// and without its settled area, streaming as EachVillageLatest does but without observations.
func (db *DB) EachVillage(ctx context.Context, f geo.VillageFilter, fn func(v *geo.Village) error) error {
	tx, err := db.reader(ctx).BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("list villages: %w", err)
	}
	defer tx.Rollback()
	if f, err = db.todaysRegistry(ctx, tx, f); err != nil {
		return fmt.Errorf("list villages: %w", err)
	}
	err = eachVillage(ctx, tx, nil, 0, false, false, f, func(v *geo.Village, _ []geo.Observation) error { return fn(v) })
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
// Source, ObservedAt, HasSignal and RSRPdBm; its other fields are zero. It streams as
// EachVillageLatest does, the history being one ordered scan of the observations_latest index,
// which holds every column read (for a program, of its members' rows, driven by
// village_programs): memory is one village's history, whatever the size of the registry. fn
// may keep the village; h belongs to fn only during the call.
//
// With f.AsKnown (the audit view; f.AsOf required) the villages are the registry as known at
// f.AsOf (each village's version then, from the registry uploads received by then) and the
// history is the observations of the uploads received by f.AsOf, each with its ReceivedAt
// (a lookup of its upload per row: the audit view's forecast, not the default path's walk).
func (db *DB) EachVillageHistory(ctx context.Context, f geo.VillageFilter, fn func(v *geo.Village, h []geo.Observation) error) error {
	if f.AsKnown && f.AsOf.IsZero() {
		return errors.New("village histories: the audit view needs the instant it is as known at")
	}
	tx, err := db.reader(ctx).BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("village histories: %w", err)
	}
	defer tx.Rollback()
	if !f.AsKnown {
		f.AsOf = time.Time{}
	}
	if err := eachVillage(ctx, tx, nil, 0, false, true, f, fn); err != nil {
		return fmt.Errorf("village histories: %w", err)
	}
	return nil
}

// eachVillage is EachVillageLatest, without observations when asOf is nil, reading the latest
// claims from latest_claims when useLatest; with history (asOf nil), EachVillageHistory.
func eachVillage(ctx context.Context, tx *sql.Tx, asOf *time.Time, upTo int64, useLatest, history bool, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error {
	// The villages: today's registry (retired villages left out unless f.WithRetired), or with
	// f.AsOf the registry as it was then (a superseded version brings its own programs).
	const cols = `name, commune_code, commune_name, province_code, province_name,
		legacy_district_code, legacy_commune_code, lon, lat, grid_power, grid_power_since,
		households, baseline, found_at, deadline, deadlines`
	var (
		q    string
		args []any
	)
	if f.AsOf.IsZero() {
		where, wargs, err := villageFilter("villages.id", f)
		if err != nil {
			return err
		}
		conds := []string{}
		if !f.WithRetired {
			conds = append(conds, "retired_at IS NULL")
		}
		if where != "" {
			conds = append(conds, where)
		}
		q, args = `SELECT id, 1, `+cols+`, NULL FROM villages`, wargs
		if len(conds) > 0 {
			q += ` WHERE ` + strings.Join(conds, " AND ")
		}
		q += ` ORDER BY id`
	} else {
		reg, regArgs := registryAsOf(f)
		rf := f
		rf.AsOf = time.Time{}
		where, wargs, err := versionFilter(rf)
		if err != nil {
			return err
		}
		q, args = `SELECT r.id, r.cur, `+prefixed("r.", cols)+`, r.programs FROM (`+reg+`) r WHERE `+where+` ORDER BY r.id`, append(regArgs, wargs...)
	}
	vrows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer vrows.Close()

	// The programs of today's rows (a superset when f.AsOf is set: matched by ID below).
	cf := f
	cf.AsOf = time.Time{}
	pwhere, pargs, err := villageFilter("village_programs.village_id", cf)
	if err != nil {
		return err
	}
	if pwhere != "" {
		pwhere = " WHERE " + pwhere
	}
	prows, err := tx.QueryContext(ctx, `SELECT village_id, program_id FROM village_programs`+
		pwhere+` ORDER BY village_id, program_id`, pargs...)
	if err != nil {
		return fmt.Errorf("read programs: %w", err)
	}
	defer prows.Close()

	var (
		orows *sql.Rows
		stale *sql.Stmt // with latest_claims: the latest claim of one series at asOf
	)
	if history {
		q, hargs, err := historyQuery(f)
		if err != nil {
			return err
		}
		orows, err = tx.QueryContext(ctx, q, hargs...)
		if err != nil {
			return fmt.Errorf("read observations: %w", err)
		}
		defer orows.Close()
	} else if asOf != nil {
		owhere, oargs, err := villageFilter("s.village_id", f)
		if err != nil {
			return err
		}
		if owhere != "" {
			owhere = " WHERE " + owhere
		}
		if useLatest {
			// The latest claim of every series, inline in latest_claims: one compact row per
			// series in key order. A row observed after asOf (possible only for an asOf in the
			// last latestClaimsWindow) or stored after the mark upTo is replaced below by the
			// seek of the as-of query.
			from, key, lf := `latest_claims l`, "l.village_id", f
			if f.ProgramID != "" && f.AsOf.IsZero() {
				// A program's villages drive the read (village_programs_program): a seek per
				// member village rather than a probe per series of the whole registry.
				from, key = `village_programs fp JOIN latest_claims l ON l.village_id = fp.village_id`, "fp.village_id"
				lf.ProgramID = ""
			}
			lwhere, largs, err := villageFilter(key, lf)
			if err != nil {
				return err
			}
			if from != `latest_claims l` {
				lwhere, largs = strings.TrimSuffix("fp.program_id = ? AND "+lwhere, " AND "), append([]any{f.ProgramID}, largs...)
			}
			if lwhere != "" {
				lwhere = " WHERE " + lwhere
			}
			orows, err = tx.QueryContext(ctx, `SELECT `+latestClaimColumns+` FROM `+from+lwhere+`
				ORDER BY `+key+`, l.carrier, l.technology`, largs...)
			if err != nil {
				return fmt.Errorf("read observations: %w", err)
			}
			defer orows.Close()
			bound := ""
			if upTo > 0 {
				bound = " AND x.id <= " + strconv.FormatInt(upTo, 10)
			}
			stale, err = tx.PrepareContext(ctx, `SELECT `+observationColumns+` FROM observations o
				WHERE o.id = (SELECT x.id FROM observations x
					WHERE x.village_id = ? AND x.carrier = ? AND x.technology = ?
						AND x.source_role = 'carrier' AND x.observed_at <= ?`+bound+`
					ORDER BY x.observed_at DESC, x.id DESC
					LIMIT 1)`)
			if err != nil {
				return fmt.Errorf("read observations: %w", err)
			}
			defer stale.Close()
		} else {
			bound := ""
			if upTo != 0 {
				bound = " AND x.id <= " + strconv.FormatInt(upTo, 10)
			}
			bound += sqlstore.AndKnown(f, *asOf, "x.upload_id")
			// The latest-per-series query of LatestObservations: one index seek per series.
			orows, err = tx.QueryContext(ctx, `SELECT `+observationColumns+`
			FROM observation_series s
			JOIN observations o ON o.id = (
				SELECT x.id FROM observations x
				WHERE x.village_id = s.village_id AND x.carrier = s.carrier
					AND x.technology = s.technology AND x.source_role = 'carrier' AND x.observed_at <= ?`+bound+`
				ORDER BY x.observed_at DESC, x.id DESC
				LIMIT 1)`+owhere+`
			ORDER BY s.village_id, s.carrier, s.technology`, append([]any{asOf.UnixMilli()}, oargs...)...)
			if err != nil {
				return fmt.Errorf("read observations: %w", err)
			}
			defer orows.Close()
		}
	}
	// nextObservation reads the observations cursor's next row into o, false at the end. A
	// latest claim observed after asOf or stored after upTo gives way to the series' latest
	// claim at asOf up to upTo, or to the series' next row when it had none then.
	scan := scanObservation
	switch {
	case history && f.AsKnown:
		scan = scanKnownHistoryObservation
	case history:
		scan = scanHistoryObservation
	}
	nextObservation := func(o *geo.Observation) (bool, error) {
		for orows.Next() {
			*o = geo.Observation{}
			if err := scan(orows, o); err != nil {
				return false, err
			}
			if stale == nil || (!o.ObservedAt.After(*asOf) && (upTo == 0 || o.ID <= upTo)) {
				return true, nil
			}
			err := scanObservation(stale.QueryRowContext(ctx, o.VillageID, o.Carrier, int64(o.Technology), asOf.UnixMilli()), o)
			switch {
			case err == nil:
				return true, nil
			case !errors.Is(err, sql.ErrNoRows):
				return false, err
			}
		}
		return false, orows.Err()
	}

	// Carriers, methods and roles repeat on millions of rows: one string each.
	in := interner{}
	var (
		pid, pprog string // the programs cursor's current row ("" when done)
		pok        = prows.Next()
		o          geo.Observation // the observations cursor's current row
		ook        bool
		latest     []geo.Observation
	)
	if pok {
		if err := prows.Scan(&pid, &pprog); err != nil {
			return fmt.Errorf("read programs: %w", err)
		}
	}
	if orows != nil {
		if ook, err = nextObservation(&o); err != nil {
			return fmt.Errorf("read observations: %w", err)
		}
	}
	for vrows.Next() {
		var (
			v                      geo.Village
			cur                    bool
			lon, lat               float64
			since, found, deadline sql.NullInt64
			deadlines, programs    sql.NullString
		)
		if err := vrows.Scan(&v.ID, &cur, &v.Name, &v.CommuneCode, &v.CommuneName, &v.ProvinceCode,
			&v.ProvinceName, &v.LegacyDistrictCode, &v.LegacyCommuneCode, &lon, &lat,
			&v.GridPower, &since, &v.Households, &v.Baseline, &found, &deadline, &deadlines, &programs); err != nil {
			return err
		}
		if !cur {
			if err := json.Unmarshal([]byte(programs.String), &v.Programs); err != nil {
				return fmt.Errorf("village %q: decode programs: %w", v.ID, err)
			}
			if len(v.Programs) == 0 {
				v.Programs = nil
			}
		}
		if v.Deadlines, err = unmarshalDeadlines(deadlines); err != nil {
			return fmt.Errorf("village %q: %w", v.ID, err)
		}
		v.Center = orb.Point{lon, lat}
		v.GridPowerSince, v.FoundAt, v.Deadline = fromMillis(since), fromMillis(found), fromMillis(deadline)
		v.CommuneCode, v.CommuneName = in.get(v.CommuneCode), in.get(v.CommuneName)
		v.ProvinceCode, v.ProvinceName = in.get(v.ProvinceCode), in.get(v.ProvinceName)
		v.LegacyDistrictCode, v.LegacyCommuneCode = in.get(v.LegacyDistrictCode), in.get(v.LegacyCommuneCode)

		// Rows of the other cursors for villages before this one belong to no listed village.
		for pok && pid <= v.ID {
			if pid == v.ID && cur {
				v.Programs = append(v.Programs, in.get(pprog))
			}
			if pok = prows.Next(); pok {
				if err := prows.Scan(&pid, &pprog); err != nil {
					return fmt.Errorf("read programs: %w", err)
				}
			}
		}
		latest = latest[:0]
		for ook && o.VillageID <= v.ID {
			if o.VillageID == v.ID {
				o.VillageID = v.ID
				o.Carrier, o.Method, o.Source, o.Inspector = in.get(o.Carrier), in.get(o.Method), in.get(o.Source), in.get(o.Inspector)
				latest = append(latest, o)
			}
			if ook, err = nextObservation(&o); err != nil {
				return fmt.Errorf("read observations: %w", err)
			}
		}
		if err := fn(&v, latest); err != nil {
			return err
		}
	}
	if err := vrows.Err(); err != nil {
		return err
	}
	if err := prows.Err(); err != nil {
		return fmt.Errorf("read programs: %w", err)
	}
	return nil
}

// todaysRegistry returns f without its AsOf when the registry as it was at f.AsOf is today's
// registry: no village was created (valid_from), retired or superseded (a version's valid_to)
// after that instant. The API asks for the registry as of now on every request; read as of an
// instant, the registry is the union of the current rows and the superseded versions, sorted
// and filtered whole before the first row (a page of villages paid for the whole registry),
// while today's registry streams in key order and a program's villages drive the read.
//
// The registry's last change is read once per registry (see sqlstore.RegistryChange), not per call:
// with no change after f.AsOf (the usual case) the check read every row of villages, which has
// no index on those columns (at 1M villages 0.6-2 s per call, twice per page of villages).
func (db *DB) todaysRegistry(ctx context.Context, q sqlQuerier, f geo.VillageFilter) (geo.VillageFilter, error) {
	if f.AsOf.IsZero() || f.WithRetired || f.AsKnown {
		return f, nil // the registry as known then: registryAsOf reads it
	}
	last, err := db.regChange.Last(func() (key int64, err error) {
		err = q.QueryRowContext(ctx, sqlstore.LastAcceptedVillagesUpload).Scan(&key)
		return key, err
	}, func() (change int64, err error) {
		err = q.QueryRowContext(ctx, `SELECT max(
		coalesce((SELECT max(max(coalesce(valid_from, 0)), max(coalesce(retired_at, 0))) FROM villages), 0),
		coalesce((SELECT max(valid_to) FROM village_versions), 0))`).Scan(&change)
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

// historyQuery is the history walk's read of the observations of the villages matching f:
// every row in the order of observations_latest, which holds every column read (no sort, no
// lookup of the row). A program's villages drive the read.
//
// In the audit view (f.AsKnown, f.AsOf set) the villages are those of the registry as known
// at f.AsOf (villageFilter's registry read, so a village's programs are those of its version
// then), the rows those of the uploads received by then, each with its upload's received_at.
func historyQuery(f geo.VillageFilter) (string, []any, error) {
	if f.AsKnown {
		where, args, err := villageFilter("o.village_id", f)
		if err != nil {
			return "", nil, err
		}
		if where != "" {
			where = " AND " + where
		}
		return `SELECT ` + historyColumns + `, u.received_at FROM observations o
		JOIN uploads u ON u.id = o.upload_id
		WHERE u.received_at <= ?` + where + `
		ORDER BY o.village_id, o.carrier, o.technology, o.source_role, o.observed_at, o.id`,
			append([]any{f.KnownBy(f.AsOf).UnixMilli()}, args...), nil
	}
	from, key, hf := `observations o`, "o.village_id", f
	if f.ProgramID != "" {
		from, key = `village_programs fp JOIN observations o ON o.village_id = fp.village_id`, "fp.village_id"
		hf.ProgramID = ""
	}
	where, args, err := villageFilter(key, hf)
	if err != nil {
		return "", nil, err
	}
	if f.ProgramID != "" {
		where, args = strings.TrimSuffix("fp.program_id = ? AND "+where, " AND "), append([]any{f.ProgramID}, args...)
	}
	if where != "" {
		where = " WHERE " + where
	}
	return `SELECT ` + historyColumns + ` FROM ` + from + where + `
		ORDER BY ` + key + `, o.carrier, o.technology, o.source_role, o.observed_at, o.id`, args, nil
}

// historyColumns are the columns of an observation the history walk reads: those a status at
// an instant rests on (geo.StatusTimeline: the series, its role, the instant and ID that order
// it, the signal and RSRP that decide whether it counts). observations_latest holds them all
// (migration 0038), so the walk reads the index alone, without a lookup of each row.
const historyColumns = `o.id, o.village_id, o.carrier, o.technology, o.has_signal, o.rsrp_dbm,
	o.observed_at, o.source_role`

// scanHistoryObservation scans a row of historyColumns into o (its other fields left as they
// are: zero).
func scanHistoryObservation(s rowScanner, o *geo.Observation) error {
	var (
		tech, observed int64
		rsrp           sql.NullFloat64
	)
	if err := s.Scan(&o.ID, &o.VillageID, &o.Carrier, &tech, &o.HasSignal, &rsrp, &observed, &o.Source); err != nil {
		return err
	}
	if o.Source == geo.SourceCarrier {
		o.Source = "" // a carrier claim, as geo.Observation spells it
	}
	o.Technology = geo.Technology(tech)
	o.RSRPdBm = fromNullFloat(rsrp)
	o.ObservedAt = time.UnixMilli(observed).In(geo.Vietnam)
	return nil
}

// scanKnownHistoryObservation scans a row of historyColumns then its upload's received_at
// (historyQuery in the audit view).
func scanKnownHistoryObservation(s rowScanner, o *geo.Observation) error {
	var (
		tech, observed, received int64
		rsrp                     sql.NullFloat64
	)
	if err := s.Scan(&o.ID, &o.VillageID, &o.Carrier, &tech, &o.HasSignal, &rsrp, &observed, &o.Source, &received); err != nil {
		return err
	}
	if o.Source == geo.SourceCarrier {
		o.Source = ""
	}
	o.Technology = geo.Technology(tech)
	o.RSRPdBm = fromNullFloat(rsrp)
	o.ObservedAt = time.UnixMilli(observed).In(geo.Vietnam)
	o.ReceivedAt = time.UnixMilli(received).In(geo.Vietnam)
	return nil
}

// latestClaimsWindow is how far before now an as-of instant may lie for EachVillageLatest to
// read latest_claims: its rows observed after the instant (or stored after the mark) are
// looked up one by one, and within a day of now those are the few series reported on since.
const latestClaimsWindow = 24 * time.Hour

// latestClaimColumns are latest_claims' columns in observationColumns' order.
const latestClaimColumns = `l.id, l.village_id, l.carrier, l.technology, l.has_signal, l.rsrp_dbm,
	l.dl_mbps, l.observed_at, l.method, l.area_share, l.upload_id, 'carrier', l.inspector`

// interner returns one copy of each distinct string of a small set (codes, names of provinces
// and communes, carriers): a million villages share a few thousand strings.
type interner map[string]string

// maxInterned bounds the table: past it, strings are returned as they are.
const maxInterned = 1 << 16

func (in interner) get(s string) string {
	if s == "" {
		return ""
	}
	if t, ok := in[s]; ok {
		return t
	}
	if len(in) < maxInterned {
		in[s] = s
	}
	return s
}

// ObservationMark returns the ID of the newest observation stored (0 for none). Observation
// IDs grow in commit order (one writer), so the observations stored after a mark are exactly
// those with a greater ID.
func (db *DB) ObservationMark(ctx context.Context) (int64, error) {
	var mark int64
	if err := db.reader(ctx).QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM observations`).Scan(&mark); err != nil {
		return 0, fmt.Errorf("observation mark: %w", err)
	}
	return mark, nil
}

// ObservationsSince returns the villages with an observation stored after mark, sorted, the
// new mark (the newest observation's ID) and the latest observed_at among those observations.
// When more than limit observations were stored after mark it returns only the new mark and
// ok false, without reading them: the caller re-evaluates everything instead.
func (db *DB) ObservationsSince(ctx context.Context, mark int64, limit int) (ids []string, next int64, latest time.Time, ok bool, err error) {
	tx, err := db.reader(ctx).BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, time.Time{}, false, fmt.Errorf("observations since %d: %w", mark, err)
	}
	defer tx.Rollback()
	ids, next, latest, ok, err = queries.ObservationsSince(ctx, sq(tx), mark, limit)
	if err != nil {
		return nil, 0, time.Time{}, false, fmt.Errorf("observations since %d: %w", mark, err)
	}
	return ids, next, latest, ok, nil
}
