package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// CommitObservations stores a carrier upload held in memory: CommitObservationStream with obs
// as one batch.
func (db *DB) CommitObservations(ctx context.Context, u *geo.Upload, obs []geo.Observation) error {
	return db.CommitObservationStream(ctx, u, func(yield func([]geo.Observation, error) bool) { yield(obs, nil) })
}

// CommitObservationStream stores a carrier upload in one transaction: it records u as
// accepted and inserts the observations of every batch, in order (a batch is not retained and
// may be reused by the caller once the next is asked for). An observation identical to one
// already stored (same village, carrier, technology, observed_at, method, has_signal, RSRP,
// download speed and area share) is skipped. When batches yields an error (the source
// failed), nothing is written and the error is returned wrapped. On success it sets u.ID,
// u.Result and u.Inserted, the number of observations actually added.
//
// If bytes with u.SHA256 were already accepted, nothing is written, u.Result becomes
// geo.ResultDuplicate, u.DuplicateOf is set, and the error wraps geo.ErrDuplicateUpload. An
// observation naming an unknown village fails the whole upload with an error wrapping
// geo.ErrNotFound; callers are expected to validate village IDs first (KnownVillages).
func (db *DB) CommitObservationStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Observation, error]) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit observations: %w", err)
	}
	defer tx.Rollback()

	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("commit observations: %w", err)
	}
	ins, err := prepareObservationInsert(ctx, tx, id, true)
	if err != nil {
		return fmt.Errorf("commit observations: %w", err)
	}
	defer ins.close()
	inserted, seen := 0, 0
	for batch, err := range batches {
		if err != nil {
			return fmt.Errorf("commit observations: %w", err)
		}
		n, err := ins.insertKnown(ctx, seen, batch)
		if err != nil {
			return fmt.Errorf("commit observations: %w", err)
		}
		inserted += n
		seen += len(batch)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit observations: %w", err)
	}
	if err := finishAccepted(ctx, tx, id, inserted); err != nil {
		return fmt.Errorf("commit observations: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit observations: commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, inserted, 0
	return nil
}

// observationInsert is a prepared insert of one upload's observations.
type observationInsert struct {
	stmt     *sql.Stmt
	uploadID int64
	tx       *sql.Tx
	rows     *sql.Stmt // observationRows rows at once, prepared when first used
	known    *sql.Stmt // observationRows rows at once, unless known (insertKnownRows)
	args     []any
}

// prepareObservationInsert prepares the insert of one upload's observations. With skipKnown,
// an observation equal to the latest one of its series at its instant is already known and
// skipped; anything else is inserted, so a correction (even back to an earlier value at the
// same instant) becomes the latest. NULL-safe comparison with IS.
func prepareObservationInsert(ctx context.Context, tx *sql.Tx, uploadID int64, skipKnown bool) (*observationInsert, error) {
	q := `INSERT INTO observations
		(village_id, carrier, technology, has_signal, rsrp_dbm, dl_mbps, observed_at, method, area_share, upload_id,
		 source_role, inspector)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12`
	if skipKnown {
		q += `
		WHERE NOT EXISTS (SELECT 1 FROM (
			SELECT has_signal, rsrp_dbm, dl_mbps, method, area_share, inspector FROM observations
			WHERE village_id = ?1 AND carrier = ?2 AND technology = ?3 AND source_role = ?11 AND observed_at = ?7
			ORDER BY id DESC LIMIT 1) l
			WHERE l.has_signal = ?4 AND l.rsrp_dbm IS ?5 AND l.dl_mbps IS ?6 AND l.method = ?8 AND l.area_share IS ?9
				AND l.inspector = ?12)`
	}
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare observation insert: %w", err)
	}
	return &observationInsert{stmt: stmt, uploadID: uploadID, tx: tx}, nil
}

func (ins *observationInsert) close() {
	ins.stmt.Close()
	for _, s := range []*sql.Stmt{ins.rows, ins.known} {
		if s != nil {
			s.Close()
		}
	}
}

// insert stores o (the i-th of its upload, for errors) and returns 1, or 0 when the latest
// observation of its series at its instant is identical.
func (ins *observationInsert) insert(ctx context.Context, i int, o *geo.Observation) (int, error) {
	res, err := ins.stmt.ExecContext(ctx, o.VillageID, o.Carrier, int64(o.Technology), o.HasSignal,
		nullFloat(o.RSRPdBm), nullFloat(o.DLMbps), o.ObservedAt.UnixMilli(), o.Method, nullFloat(o.AreaShare), ins.uploadID,
		sourceRole(o), o.Inspector)
	if err != nil {
		if isForeignKeyViolation(err) {
			return 0, fmt.Errorf("observation %d: village %q: %w", i, o.VillageID, geo.ErrNotFound)
		}
		return 0, fmt.Errorf("observation %d: %w", i, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("observation %d: %w", i, err)
	}
	return int(n), nil
}

// seriesInstant is what an observation is compared on by the known-observation check: its
// series (village, carrier, technology, source role) and instant.
type seriesInstant struct {
	village, carrier, role string
	tech                   geo.Technology
	at                     int64
}

// insertKnown stores the observations of batch (the first is the upload's first-th, for
// errors) that are not already known, like insert, observationRows at a time in multi-row
// statements, and returns how many it stored. The rows of one statement are compared with
// what was stored before it (SQLite evaluates the whole SELECT before inserting, because it
// reads the table it writes), so a statement never holds two rows of the same series and
// instant: a repeat goes into the next one, compared with the first as insert would.
func (ins *observationInsert) insertKnown(ctx context.Context, first int, batch []geo.Observation) (int, error) {
	inserted, start := 0, 0
	keys := make(map[seriesInstant]bool, observationRows)
	flush := func(end int) error {
		if start == end {
			return nil
		}
		n, err := ins.insertKnownRows(ctx, first+start, batch[start:end])
		inserted += n
		start = end
		clear(keys)
		return err
	}
	for i := range batch {
		o := &batch[i]
		k := seriesInstant{o.VillageID, o.Carrier, sourceRole(o), o.Technology, o.ObservedAt.UnixMilli()}
		if keys[k] || i-start == observationRows {
			if err := flush(i); err != nil {
				return inserted, err
			}
		}
		keys[k] = true
	}
	return inserted, flush(len(batch))
}

// knownRowsSQL is the multi-row form of prepareObservationInsert's statement with
// skipKnown, for n rows.
func knownRowsSQL(n int) string {
	return `INSERT INTO observations (village_id, carrier, technology, has_signal, rsrp_dbm, dl_mbps,
		observed_at, method, area_share, upload_id, source_role, inspector)
	SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8,
		v.column9, v.column10, v.column11, v.column12
	FROM (VALUES ` + placeholders(n, 12) + `) v
	WHERE NOT EXISTS (SELECT 1 FROM observations l
		WHERE l.id = (SELECT x.id FROM observations x
			WHERE x.village_id = v.column1 AND x.carrier = v.column2 AND x.technology = v.column3
				AND x.source_role = v.column11 AND x.observed_at = v.column7
			ORDER BY x.id DESC LIMIT 1)
		AND l.has_signal = v.column4 AND l.rsrp_dbm IS v.column5 AND l.dl_mbps IS v.column6
		AND l.method = v.column8 AND l.area_share IS v.column9 AND l.inspector = v.column12)`
}

// insertKnownRows stores the rows of obs (at most observationRows, no two of the same series
// and instant; the first is the upload's first-th) that are not already known, in one
// statement.
func (ins *observationInsert) insertKnownRows(ctx context.Context, first int, obs []geo.Observation) (int, error) {
	ins.args = ins.args[:0]
	for i := range obs {
		o := &obs[i]
		ins.args = append(ins.args, o.VillageID, o.Carrier, int64(o.Technology), o.HasSignal,
			nullFloat(o.RSRPdBm), nullFloat(o.DLMbps), o.ObservedAt.UnixMilli(), o.Method, nullFloat(o.AreaShare), ins.uploadID,
			sourceRole(o), o.Inspector)
	}
	var (
		res sql.Result
		err error
	)
	if len(obs) == observationRows {
		if ins.known == nil {
			if ins.known, err = ins.tx.PrepareContext(ctx, knownRowsSQL(observationRows)); err != nil {
				return 0, fmt.Errorf("prepare observation insert: %w", err)
			}
		}
		res, err = ins.known.ExecContext(ctx, ins.args...)
	} else {
		res, err = ins.tx.ExecContext(ctx, knownRowsSQL(len(obs)), ins.args...)
	}
	if err != nil {
		if isForeignKeyViolation(err) {
			// The statement was undone as a whole: insert its rows one by one to name the one.
			for i := range obs {
				if _, err := ins.insert(ctx, first+i, &obs[i]); err != nil {
					return 0, err
				}
			}
		}
		return 0, fmt.Errorf("observations %d to %d: %w", first, first+len(obs)-1, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("observations %d to %d: %w", first, first+len(obs)-1, err)
	}
	return int(n), nil
}

// CommitChangedObservations stores an upload in one transaction, like CommitObservations,
// but inserts an observation only when it changes its series: when the latest observation
// stored for its village × carrier × technology at or before its ObservedAt is missing or
// says something else (geo.Observation.SameResult). So re-sending what is already known
// writes nothing but the upload record. Batches are applied in order, each compared with
// what the earlier ones wrote; all observations of one batch must share carrier,
// technology and observed_at and name each village at most once. u.Inserted is the number
// of observations written. Errors are as for CommitObservations.
func (db *DB) CommitChangedObservations(ctx context.Context, u *geo.Upload, batches iter.Seq[[]geo.Observation]) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit changed observations: %w", err)
	}
	defer tx.Rollback()

	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("commit changed observations: %w", err)
	}
	// Each observation was already compared with the latest of its series (below): insert it
	// without checking again.
	ins, err := prepareObservationInsert(ctx, tx, id, false)
	if err != nil {
		return fmt.Errorf("commit changed observations: %w", err)
	}
	defer ins.close()
	latest, err := tx.PrepareContext(ctx, `SELECT o.village_id, o.has_signal, o.rsrp_dbm, o.dl_mbps, o.area_share
		FROM json_each(?) j
		JOIN observations o ON o.id = (
			SELECT x.id FROM observations x
			WHERE x.village_id = j.value AND x.carrier = ? AND x.technology = ? AND x.source_role = 'carrier'
				AND x.observed_at <= ?
			ORDER BY x.observed_at DESC, x.id DESC
			LIMIT 1)`)
	if err != nil {
		return fmt.Errorf("commit changed observations: prepare latest: %w", err)
	}
	defer latest.Close()

	cc := &changedCompare{latest: latest, tx: tx, stored: map[seriesKey]bool{}, written: map[seriesKey]*seriesWritten{}}
	inserted, seen := 0, 0
	for batch := range batches {
		n, err := cc.insertChanged(ctx, ins, seen, batch)
		if err != nil {
			return fmt.Errorf("commit changed observations: %w", err)
		}
		inserted += n
		seen += len(batch)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit changed observations: %w", err)
	}
	if err := finishAccepted(ctx, tx, id, inserted); err != nil {
		return fmt.Errorf("commit changed observations: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit changed observations: commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, inserted, 0
	return nil
}

// seriesKey is a carrier × technology.
type seriesKey struct {
	carrier string
	tech    geo.Technology
}

// changedCompare compares an upload's batches with the latest stored observation of each
// village's series.
type changedCompare struct {
	latest *sql.Stmt
	tx     *sql.Tx
	// stored says, per carrier × technology, whether any observation of it may be stored: a
	// layer never uploaded before has nothing to compare with, which one query tells, instead
	// of an index seek per village (the first upload of a layer at national scale). Set once
	// stored before this upload (this upload's own rows are in written).
	stored map[seriesKey]bool
	// written is what this upload wrote per carrier × technology so far, so that a layer
	// stored for the first time is not compared, batch after batch, with its own earlier
	// batches: one seek per village into a growing observations_latest, a twelfth of the
	// first upload of 12 layers (issue 16).
	written map[seriesKey]*seriesWritten
}

// seriesWritten is what one upload wrote of a carrier × technology: rows observed at one
// instant only (at; mixed once a second instant is written) whose greatest village ID is last.
type seriesWritten struct {
	at    int64
	last  string
	mixed bool
}

// fresh reports whether batch (all of o0's series and instant, each village once) can have no
// stored row to compare with: nothing of its carrier × technology was stored before this upload,
// and what this upload wrote of it is of the same instant and only of villages before the
// batch's first (layers are written in village ID order, so this holds batch after batch).
func (w *seriesWritten) fresh(at int64, minVillage string) bool {
	return w == nil || (!w.mixed && w.at == at && w.last < minVillage)
}

// wrote records that rows of instant at for villages up to maxVillage were written.
func (c *changedCompare) wrote(k seriesKey, at int64, maxVillage string) {
	w := c.written[k]
	switch {
	case w == nil:
		c.written[k] = &seriesWritten{at: at, last: maxVillage}
	case w.at != at:
		w.mixed = true
	case maxVillage > w.last:
		w.last = maxVillage
	}
}

// insertChanged inserts the observations of one batch (the first has index first in the
// upload) that differ from the latest stored one of their series.
func (c *changedCompare) insertChanged(ctx context.Context, ins *observationInsert, first int, batch []geo.Observation) (int, error) {
	if len(batch) == 0 {
		return 0, nil
	}
	o0 := &batch[0]
	ids := make([]string, len(batch))
	minV, maxV := o0.VillageID, o0.VillageID
	for i := range batch {
		o := &batch[i]
		if o.Carrier != o0.Carrier || o.Technology != o0.Technology || !o.ObservedAt.Equal(o0.ObservedAt) {
			return 0, fmt.Errorf("observation %d: batch mixes series keys", first+i)
		}
		ids[i] = o.VillageID
		minV, maxV = min(minV, o.VillageID), max(maxV, o.VillageID)
	}
	k := seriesKey{o0.Carrier, o0.Technology}
	at := o0.ObservedAt.UnixMilli()
	stored, ok := c.stored[k]
	if !ok {
		// observation_series holds every village × carrier × technology with any observation
		// (claims and measurements alike: a measurement only means the seeks below are made).
		if err := c.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM observation_series WHERE carrier = ? AND technology = ?)`,
			k.carrier, int64(k.tech)).Scan(&stored); err != nil {
			return 0, fmt.Errorf("series stored: %w", err)
		}
		c.stored[k] = stored
	}
	prev := make(map[string]geo.Observation, len(batch))
	if stored || !c.written[k].fresh(at, minV) {
		if err := c.latestOf(ctx, o0, ids, prev); err != nil {
			return 0, err
		}
	}
	changed := make([]int, 0, len(batch))
	for i := range batch {
		o := &batch[i]
		if p, ok := prev[o.VillageID]; ok && p.SameResult(o) {
			continue
		}
		changed = append(changed, i)
	}
	inserted := len(changed)
	if inserted > 0 {
		c.wrote(k, at, maxV)
	}
	for len(changed) > 0 {
		n := min(len(changed), observationRows)
		if err := ins.insertRows(ctx, first, batch, changed[:n]); err != nil {
			return 0, err
		}
		changed = changed[n:]
	}
	return inserted, nil
}

// latestOf puts into prev the latest carrier claim of each village of ids in o0's series at
// or before o0's instant.
func (c *changedCompare) latestOf(ctx context.Context, o0 *geo.Observation, ids []string, prev map[string]geo.Observation) error {
	idJSON, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	rows, err := c.latest.QueryContext(ctx, string(idJSON), o0.Carrier, int64(o0.Technology), o0.ObservedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("latest of batch: %w", err)
	}
	for rows.Next() {
		var (
			p               geo.Observation
			rsrp, dl, share sql.NullFloat64
		)
		if err := rows.Scan(&p.VillageID, &p.HasSignal, &rsrp, &dl, &share); err != nil {
			rows.Close()
			return fmt.Errorf("latest of batch: %w", err)
		}
		p.RSRPdBm, p.DLMbps, p.AreaShare = fromNullFloat(rsrp), fromNullFloat(dl), fromNullFloat(share)
		prev[p.VillageID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("latest of batch: %w", err)
	}
	return nil
}

// observationRows is the number of observations one multi-row insert writes: a statement per
// row costs more in the driver than SQLite spends storing it (12 parameters each).
const observationRows = 200

// insertRows inserts batch[i] for each i in idx (at most observationRows; the batch's first
// observation is the upload's first-th, for errors) in one statement, without the check
// against the latest stored one.
func (ins *observationInsert) insertRows(ctx context.Context, first int, batch []geo.Observation, idx []int) error {
	ins.args = ins.args[:0]
	for _, i := range idx {
		o := &batch[i]
		ins.args = append(ins.args, o.VillageID, o.Carrier, int64(o.Technology), o.HasSignal,
			nullFloat(o.RSRPdBm), nullFloat(o.DLMbps), o.ObservedAt.UnixMilli(), o.Method, nullFloat(o.AreaShare), ins.uploadID,
			sourceRole(o), o.Inspector)
	}
	q := `INSERT INTO observations (village_id, carrier, technology, has_signal, rsrp_dbm, dl_mbps,
		observed_at, method, area_share, upload_id, source_role, inspector) VALUES ` + placeholders(len(idx), 12)
	var err error
	if len(idx) == observationRows {
		if ins.rows == nil {
			if ins.rows, err = ins.tx.PrepareContext(ctx, q); err != nil {
				return fmt.Errorf("prepare observation insert: %w", err)
			}
		}
		_, err = ins.rows.ExecContext(ctx, ins.args...)
	} else {
		_, err = ins.tx.ExecContext(ctx, q, ins.args...)
	}
	if err == nil {
		return nil
	}
	if isForeignKeyViolation(err) {
		// The statement was undone as a whole: insert its rows one by one to name the one.
		for _, i := range idx {
			if _, err := ins.insert(ctx, first+i, &batch[i]); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("observations %d to %d: %w", first+idx[0], first+idx[len(idx)-1], err)
}

const observationColumns = `o.id, o.village_id, o.carrier, o.technology, o.has_signal,
	o.rsrp_dbm, o.dl_mbps, o.observed_at, o.method, o.area_share, o.upload_id, o.source_role, o.inspector`

func scanObservation(s rowScanner, o *geo.Observation) error {
	var (
		tech     int64
		observed int64
		rsrp, dl sql.NullFloat64
		share    sql.NullFloat64
	)
	if err := s.Scan(&o.ID, &o.VillageID, &o.Carrier, &tech, &o.HasSignal, &rsrp, &dl,
		&observed, &o.Method, &share, &o.UploadID, &o.Source, &o.Inspector); err != nil {
		return err
	}
	if o.Source == geo.SourceCarrier {
		o.Source = "" // a carrier claim, as geo.Observation spells it
	}
	o.Technology = geo.Technology(tech)
	o.RSRPdBm, o.DLMbps, o.AreaShare = fromNullFloat(rsrp), fromNullFloat(dl), fromNullFloat(share)
	o.ObservedAt = time.UnixMilli(observed).In(geo.Vietnam)
	return nil
}

// LatestObservations returns, for each village matching f that has any carrier claim at or
// before asOf, the latest carrier claim (independent measurements are not claims: see
// LatestMeasurements) of each carrier × technology observed at or before
// asOf. When two share the latest instant, the one stored last (highest ID) wins. Each slice
// is ordered by carrier, then technology; villages without such observations are absent.
func (db *DB) LatestObservations(ctx context.Context, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error) {
	return db.latestOf(ctx, geo.SourceCarrier, asOf, f)
}

// latestOf returns the latest observation of source role role per village × carrier ×
// technology observed at or before asOf. For independent measurements each row also carries
// the carrier claim of its series in force at its instant (geo.Observation.ClaimInForce).
func (db *DB) latestOf(ctx context.Context, role string, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error) {
	tx, err := db.reader(ctx).BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("latest observations: %w", err)
	}
	defer tx.Rollback()
	if f, err = db.todaysRegistry(ctx, tx, f); err != nil {
		return nil, fmt.Errorf("latest observations: %w", err)
	}
	where, args, err := villageFilter("s.village_id", f)
	if err != nil {
		return nil, fmt.Errorf("latest observations: %w", err)
	}
	if where != "" {
		where = " WHERE " + where
	}
	measured := role == geo.SourceIndependent
	// The audit view counts only the rows of uploads received by asOf: the latest, the claim
	// in force and the first claim's upload alike.
	known := func(alias string) string { return sqlstore.AndKnown(f, asOf, alias+".upload_id") }
	cols, join := observationColumns, ""
	if measured {
		// The claim in force at the measurement's instant: one more seek on the same index,
		// paid only by the series that have a measurement.
		cols += ", " + claimInForceColumns
		join = `
		LEFT JOIN observations c ON c.id = (
			SELECT y.id FROM observations y
			WHERE y.village_id = o.village_id AND y.carrier = o.carrier
				AND y.technology = o.technology AND y.source_role = 'carrier' AND y.observed_at <= o.observed_at` + known("y") + `
				AND (y.id < o.id OR y.upload_id = (` + firstClaimUpload(known("z")) + `))
			ORDER BY y.observed_at DESC, y.id DESC
			LIMIT 1)`
	}
	// The series: every series for claims; for independent measurements (a sample) only those
	// that have one (the partial index observations_independent).
	series := "observation_series"
	if role == geo.SourceIndependent {
		series = "(SELECT DISTINCT village_id, carrier, technology FROM observations INDEXED BY observations_independent WHERE source_role = 'independent')"
	}
	// One index seek per series (observations_latest) instead of a scan of the whole history.
	q := `SELECT ` + cols + `
		FROM ` + series + ` s
		JOIN observations o ON o.id = (
			SELECT x.id FROM observations x
			WHERE x.village_id = s.village_id AND x.carrier = s.carrier
				AND x.technology = s.technology AND x.source_role = ? AND x.observed_at <= ?` + known("x") + `
			ORDER BY x.observed_at DESC, x.id DESC
			LIMIT 1)` + join + where + `
		ORDER BY s.village_id, s.carrier, s.technology`
	rows, err := tx.QueryContext(ctx, q, append([]any{role, asOf.UnixMilli()}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("latest observations: %w", err)
	}
	defer rows.Close()
	out := map[string][]geo.Observation{}
	for rows.Next() {
		var o geo.Observation
		if measured {
			err = scanMeasurement(rows, &o)
		} else {
			err = scanObservation(rows, &o)
		}
		if err != nil {
			return nil, fmt.Errorf("latest observations: %w", err)
		}
		out[o.VillageID] = append(out[o.VillageID], o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("latest observations: %w", err)
	}
	return out, nil
}

// firstClaimUpload is the upload of the first stored claim of measurement o's series observed
// at or before it. The claim in force that o judges is the newest such claim stored before o
// (IDs grow in commit order) or, when the carrier had none on record then, of that first upload
// (geo.ClaimInForceAt): a claim stored after the measurement and dated at or before it (a
// backdated concession, a corrected old claim) never replaces the claim the measurement judged.
// cond, when not empty, is one more condition on z (" AND ...").
func firstClaimUpload(cond string) string {
	return `SELECT z.upload_id FROM observations z
					WHERE z.village_id = o.village_id AND z.carrier = o.carrier
						AND z.technology = o.technology AND z.source_role = 'carrier' AND z.observed_at <= o.observed_at` + cond + `
					ORDER BY z.id LIMIT 1`
}

// claimInForceColumns are the columns of c, the claim in force at a measurement's instant
// (NULL when there is none); its village, carrier and technology are the measurement's.
const claimInForceColumns = `c.id, c.has_signal, c.rsrp_dbm, c.dl_mbps, c.observed_at, c.method, c.area_share, c.upload_id`

// scanMeasurement scans observationColumns, then claimInForceColumns into o.ClaimInForce.
func scanMeasurement(s rowScanner, o *geo.Observation) error {
	var (
		tech, observed          int64
		rsrp, dl, share         sql.NullFloat64
		cID, cObserved, cUpload sql.NullInt64
		cSignal                 sql.NullBool
		cRSRP, cDL, cShare      sql.NullFloat64
		cMethod                 sql.NullString
	)
	if err := s.Scan(&o.ID, &o.VillageID, &o.Carrier, &tech, &o.HasSignal, &rsrp, &dl,
		&observed, &o.Method, &share, &o.UploadID, &o.Source, &o.Inspector,
		&cID, &cSignal, &cRSRP, &cDL, &cObserved, &cMethod, &cShare, &cUpload); err != nil {
		return err
	}
	o.Technology = geo.Technology(tech)
	o.RSRPdBm, o.DLMbps, o.AreaShare = fromNullFloat(rsrp), fromNullFloat(dl), fromNullFloat(share)
	o.ObservedAt = time.UnixMilli(observed).In(geo.Vietnam)
	if cID.Valid {
		o.ClaimInForce = &geo.Observation{ID: cID.Int64, VillageID: o.VillageID, Carrier: o.Carrier, Technology: o.Technology,
			HasSignal: cSignal.Bool, RSRPdBm: fromNullFloat(cRSRP), DLMbps: fromNullFloat(cDL),
			ObservedAt: time.UnixMilli(cObserved.Int64).In(geo.Vietnam), Method: cMethod.String,
			AreaShare: fromNullFloat(cShare), UploadID: cUpload.Int64}
	}
	return nil
}

// LatestMeasurements returns, like LatestObservations, the latest independent measurement of
// each carrier × technology observed at or before asOf, per village matching f, each with the
// carrier claim of its series in force at its instant (geo.Observation.ClaimInForce: the
// newest claim observed at or before it, the one stored last among equals; nil for none).
func (db *DB) LatestMeasurements(ctx context.Context, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error) {
	return db.latestOf(ctx, geo.SourceIndependent, asOf, f)
}

// Observations returns the full history of a village, each with its UploadID, ordered by
// observed_at then ID. It returns an error wrapping geo.ErrNotFound for an unknown village.
func (db *DB) Observations(ctx context.Context, villageID string) ([]geo.Observation, error) {
	tx, err := db.reader(ctx).BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("observations of %q: %w", villageID, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM villages WHERE id = ?`, villageID).Scan(&n); err != nil {
		return nil, fmt.Errorf("observations of %q: %w", villageID, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("observations of %q: %w", villageID, geo.ErrNotFound)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+observationColumns+` FROM observations o
		WHERE o.village_id = ? ORDER BY o.observed_at, o.id`, villageID)
	if err != nil {
		return nil, fmt.Errorf("observations of %q: %w", villageID, err)
	}
	defer rows.Close()
	var out []geo.Observation
	for rows.Next() {
		var o geo.Observation
		if err := scanObservation(rows, &o); err != nil {
			return nil, fmt.Errorf("observations of %q: %w", villageID, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("observations of %q: %w", villageID, err)
	}
	return out, nil
}

// sourceRole is the stored role of o: "independent", or "carrier" for anything else.
func sourceRole(o *geo.Observation) string {
	if o.Independent() {
		return geo.SourceIndependent
	}
	return geo.SourceCarrier
}
