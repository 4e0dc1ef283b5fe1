package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// CommitObservations stores a carrier upload in one transaction: it records u as accepted and
// inserts obs, skipping an observation equal to the latest one of its series (village ×
// carrier × technology × source role) at its instant, so re-sending known rows adds nothing
// and a correction (even back to an earlier value) becomes the latest. On success it sets
// u.ID, u.Result and u.Inserted.
//
// The rows go to a temporary table with COPY, then into observations with one INSERT …
// SELECT in file order, all inside the upload's transaction. Duplicates of accepted bytes and
// unknown villages behave as in the SQLite store (geo.ErrDuplicateUpload, geo.ErrNotFound
// naming the first unknown village).
func (db *DB) CommitObservations(ctx context.Context, u *geo.Upload, obs []geo.Observation) error {
	return db.CommitObservationStream(ctx, u, func(yield func([]geo.Observation, error) bool) { yield(obs, nil) })
}

// CommitObservationStream stores an upload like CommitObservations from batches read in order
// (each COPYed into the stage as it comes, none retained); when batches yields an error (the
// source failed) nothing is written and the error is returned wrapped.
func (db *DB) CommitObservationStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Observation, error]) error {
	return db.commitStaged(ctx, "commit observations", u, true, func(ctx context.Context, st *stage) error {
		for batch, err := range batches {
			if err != nil {
				return err
			}
			if err := st.copy(ctx, batch); err != nil {
				return err
			}
		}
		return ctx.Err()
	})
}

// CommitChangedObservations stores an upload like CommitObservations but inserts an
// observation only when it changes its series: when the latest carrier claim stored for its
// village × carrier × technology at or before its ObservedAt is missing or says something
// else (geo.Observation.SameResult). Batches are applied in order, each compared with what
// the earlier ones wrote; all observations of one batch must share carrier, technology and
// observed_at and name each village at most once.
func (db *DB) CommitChangedObservations(ctx context.Context, u *geo.Upload, batches iter.Seq[[]geo.Observation]) error {
	return db.commitStaged(ctx, "commit changed observations", u, false, func(ctx context.Context, st *stage) error {
		for batch := range batches {
			if err := st.changed(ctx, batch); err != nil {
				return err
			}
		}
		return ctx.Err()
	})
}

// commitStaged runs an observations upload: the duplicate check, fill (which COPYs rows into
// the stage), then the insert from the stage and the upload's ledger entry.
func (db *DB) commitStaged(ctx context.Context, op string, u *geo.Upload, skipKnown bool, fill func(context.Context, *stage) error) error {
	tx, end, err := db.beginOwn(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	// The session that staged a large upload ends with it (beginOwn), as does one whose
	// upload failed after staging (the stage's size unknown).
	staged := false
	defer func() {
		if tx != nil {
			tx.Rollback(ctx)
			end(staged)
		}
	}()
	id, err := db.beginAccepted(ctx, tx, u)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	st, err := newStage(ctx, tx)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	staged = true
	if err := fill(ctx, st); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	err = db.storeStaged(ctx, st, id, u, skipKnown, stageResolve{})
	tx = nil // storeStaged ended it
	end(err != nil || st.spent)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	db.analyzeAfter(ctx, u.Inserted, "observations", "latest_claims")
	return nil
}

// storeStaged inserts st's rows as upload id (its ledger entry begun), finishes the entry,
// commits st's transaction (rolled back on an error) and sets u's ID, Result and Inserted;
// st.spent says whether the session's stage outgrew the default local buffers.
func (db *DB) storeStaged(ctx context.Context, st *stage, id int64, u *geo.Upload, skipKnown bool, res stageResolve) error {
	tx := st.tx
	defer tx.Rollback(ctx) // a no-op once committed
	var err error
	if st.spent, err = stageSpent(ctx, tx, "obs_stage"); err != nil {
		st.spent = true
		return err
	}
	inserted, err := st.flush(ctx, id, skipKnown, res)
	if err != nil {
		return err
	}
	if err := finishAccepted(ctx, tx, id, inserted); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	u.ID, u.Result, u.Inserted, u.DuplicateOf = id, geo.ResultAccepted, inserted, 0
	return nil
}

// stageResolve completes staged rows as the end of their file decided (format.ObservationFile
// .Resolve), in the insert: a row without a carrier takes Carrier, and with Independent every
// row is an independent measurement. The zero value leaves the rows as staged.
type stageResolve struct {
	Carrier     string
	Independent bool
}

// StageObservations begins an observations upload whose rows are copied in while its file
// is still being read (geo.ObservationStage): one COPY into the upload's stage, fed as the
// rows are decoded, on a session of its own that takes the write lock only at Commit; Commit
// then inserts them as CommitObservationStream does. It returns nil when another upload is
// staging now (one at a time, and never with a pool of one session: see DB.stageSlots); the
// caller then commits with CommitObservationStream.
func (db *DB) StageObservations(ctx context.Context) (geo.ObservationStage, error) {
	select {
	case db.stageSlots <- struct{}{}:
	default:
		return nil, nil
	}
	tx, end, err := db.beginUnlocked(ctx)
	if err != nil {
		<-db.stageSlots
		return nil, fmt.Errorf("stage observations: %w", err)
	}
	st, err := newStage(ctx, tx)
	if err != nil {
		tx.Rollback(ctx)
		end(true)
		<-db.stageSlots
		return nil, fmt.Errorf("stage observations: %w", err)
	}
	s := &obsStage{db: db, ctx: ctx, tx: tx, end: end, st: st,
		batches: make(chan []geo.Observation, stageDepth), stopped: make(chan struct{})}
	go s.run()
	return s, nil
}

// stageDepth is how many batches Add may hand over ahead of the COPY.
const stageDepth = 4

// obsStage is an observations upload being staged (geo.ObservationStage). Its goroutine (run)
// is the only user of the session from StageObservations until Commit or Abort has seen it
// stop.
type obsStage struct {
	db  *DB
	ctx context.Context
	tx  pgx.Tx
	end func(discard bool)
	st  *stage

	batches chan []geo.Observation
	stopped chan struct{} // closed when run has returned
	closed  bool          // batches closed
	ended   bool          // the transaction ended, the slot given back
	err     error         // run's error, read after stopped
}

// run copies the batches handed to Add into the stage, in one COPY.
func (s *obsStage) run() {
	defer close(s.stopped)
	var batch []geo.Observation
	i := 0
	n, err := s.tx.CopyFrom(s.ctx, pgx.Identifier{"obs_stage"}, stageColumns, pgx.CopyFromFunc(func() ([]any, error) {
		for i == len(batch) {
			b, ok := <-s.batches
			if !ok {
				return nil, nil
			}
			s.st.note(b)
			batch, i = b, 0
		}
		i++
		return s.st.row(&batch[i-1]), nil
	}))
	if err == nil && n != s.st.n {
		err = fmt.Errorf("copied %d rows of %d", n, s.st.n)
	}
	if err != nil {
		s.err = fmt.Errorf("copy observations: %w", err)
	}
}

// Add hands rows to run (a copy: the caller may reuse its slice). When the COPY has already
// failed it drops them and returns nil: decoding goes on to the end, and Commit reports the
// failure.
func (s *obsStage) Add(rows []geo.Observation) error {
	if len(rows) == 0 {
		return nil
	}
	b := slices.Clone(rows)
	select {
	case s.batches <- b:
	case <-s.stopped:
	}
	return nil
}

// wait ends the COPY once it has taken every row added, and returns its error.
func (s *obsStage) wait() error {
	if !s.closed {
		close(s.batches)
		s.closed = true
	}
	<-s.stopped
	return s.err
}

// finish ends the transaction (rolled back unless committed) and gives back the slot.
func (s *obsStage) finish(discard bool) {
	if s.ended {
		return
	}
	s.ended = true
	s.tx.Rollback(s.ctx) // a no-op once committed
	s.end(discard)
	<-s.db.stageSlots
}

// Abort drops the stage (geo.ObservationStage).
func (s *obsStage) Abort() {
	if s.ended {
		return
	}
	s.wait()
	s.finish(true) // the stage's size unknown: its session ends
}

// Commit stores the upload (geo.ObservationStage).
func (s *obsStage) Commit(ctx context.Context, u *geo.Upload, carrier string, independent bool) error {
	const op = "commit observations"
	if s.ended {
		return fmt.Errorf("%s: the stage has ended", op)
	}
	err := s.commit(ctx, u, carrier, independent)
	s.finish(err != nil || s.st.spent)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	s.db.staged.Add(1)
	s.db.analyzeAfter(ctx, u.Inserted, "observations", "latest_claims")
	return nil
}

func (s *obsStage) commit(ctx context.Context, u *geo.Upload, carrier string, independent bool) error {
	if err := s.wait(); err != nil {
		return err
	}
	if err := lockWrites(ctx, s.tx); err != nil {
		return err
	}
	id, err := s.db.beginAccepted(ctx, s.tx, u)
	if err != nil {
		return err
	}
	return s.db.storeStaged(ctx, s.st, id, u, true, stageResolve{Carrier: carrier, Independent: independent})
}

// stage is a temporary table of one upload's observations, in file order (ord).
type stage struct {
	tx pgx.Tx
	n  int64 // rows copied so far (the next row's ord)

	// hashes holds a hash of each staged row's village, technology and instant (not its
	// carrier or source role: a staged row may take those from the end of its file, see
	// stageResolve; rows of two carriers at one village and instant only share a hash, like a
	// collision); the insert
	// asks whether two staged rows share one (repeats, which sorts them): only then can a row
	// repeat the one before it in the file, and the insert compare each row with the previous
	// of its key (a sort of the stage by key). A collision of two hashes only takes that path
	// for nothing. 8 bytes a row (a set of them held ~45 bytes a row: 44 MiB for 1M rows and
	// ~160 MiB for the 4M of a 512 MiB file, in the server's heap for each upload in flight);
	// past maxStageHashes rows they are dropped and the stage counts as repeated (the window:
	// exact at any size, the cost before migration 0039).
	seed     maphash.Seed
	hashes   []uint64
	repeated bool

	spent bool // the stage outgrew the session's default local buffers (stageSpent)
}

// maxStageHashes bounds the hashes one upload holds (32 MiB).
const maxStageHashes = 1 << 22

func newStage(ctx context.Context, tx pgx.Tx) (*stage, error) {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE obs_stage (
		ord         BIGINT NOT NULL,
		village_id  TEXT NOT NULL,
		carrier     TEXT NOT NULL,
		technology  SMALLINT NOT NULL,
		has_signal  BOOLEAN NOT NULL,
		rsrp_dbm    DOUBLE PRECISION,
		dl_mbps     DOUBLE PRECISION,
		observed_at BIGINT NOT NULL,
		method      TEXT NOT NULL,
		area_share  DOUBLE PRECISION,
		source_role TEXT NOT NULL,
		inspector   TEXT NOT NULL
	) ON COMMIT DROP`); err != nil {
		return nil, fmt.Errorf("create stage: %w", err)
	}
	return &stage{tx: tx, seed: maphash.MakeSeed()}, nil
}

// note records the hashes of obs's keys in st.hashes (repeats tells whether two share one).
func (st *stage) note(obs []geo.Observation) {
	if st.repeated {
		return
	}
	if len(st.hashes)+len(obs) > maxStageHashes {
		st.repeated, st.hashes = true, nil
		return
	}
	var h maphash.Hash
	h.SetSeed(st.seed)
	for i := range obs {
		o := &obs[i]
		h.Reset()
		h.WriteString(o.VillageID)
		h.WriteByte(0)
		h.WriteByte(byte(o.Technology))
		var at [8]byte
		binary.LittleEndian.PutUint64(at[:], uint64(o.ObservedAt.UnixMilli()))
		h.Write(at[:])
		st.hashes = append(st.hashes, h.Sum64())
	}
}

// repeats reports whether two staged rows share a series, source role and instant (or their
// hashes collide, or the stage outgrew maxStageHashes).
func (st *stage) repeats() bool {
	if !st.repeated {
		slices.Sort(st.hashes)
		for i := 1; i < len(st.hashes); i++ {
			if st.hashes[i] == st.hashes[i-1] {
				st.repeated = true
				break
			}
		}
	}
	st.hashes = nil
	return st.repeated
}

var stageColumns = []string{"ord", "village_id", "carrier", "technology", "has_signal", "rsrp_dbm",
	"dl_mbps", "observed_at", "method", "area_share", "source_role", "inspector"}

// copy appends obs to the stage with COPY.
func (st *stage) copy(ctx context.Context, obs []geo.Observation) error {
	if len(obs) == 0 {
		return nil
	}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(obs) {
			return nil, nil
		}
		i++
		return st.row(&obs[i-1]), nil
	})
	if _, err := st.tx.CopyFrom(ctx, pgx.Identifier{"obs_stage"}, stageColumns, src); err != nil {
		return fmt.Errorf("copy observations: %w", err)
	}
	st.note(obs)
	return nil
}

// row returns o as the stage's next row (its ord the next one) for a COPY.
func (st *stage) row(o *geo.Observation) []any {
	st.n++
	return []any{st.n - 1, o.VillageID, o.Carrier, int16(o.Technology), o.HasSignal, o.RSRPdBm,
		o.DLMbps, o.ObservedAt.UnixMilli(), o.Method, o.AreaShare, sourceRole(o), o.Inspector}
}

// changed stages the observations of batch that differ from the latest carrier claim of
// their series at or before their instant (the earlier batches already flushed count too).
func (st *stage) changed(ctx context.Context, batch []geo.Observation) error {
	if len(batch) == 0 {
		return nil
	}
	o0 := &batch[0]
	ids := make([]string, len(batch))
	for i := range batch {
		o := &batch[i]
		if o.Carrier != o0.Carrier || o.Technology != o0.Technology || !o.ObservedAt.Equal(o0.ObservedAt) {
			return fmt.Errorf("observation %d: batch mixes series keys", st.n+int64(i))
		}
		ids[i] = o.VillageID
	}
	// Rows staged by earlier batches are not in observations yet: the latest is looked up
	// in both (a staged row is newer than any stored one of the same instant).
	rows, err := st.tx.Query(ctx, `SELECT DISTINCT ON (l.village_id) l.village_id, l.has_signal, l.rsrp_dbm, l.dl_mbps, l.area_share
		FROM (
			SELECT o.village_id, o.has_signal, o.rsrp_dbm, o.dl_mbps, o.area_share, o.observed_at, 0 AS staged, o.id AS seq
			FROM unnest($1::text[]) j(id)
			JOIN LATERAL (SELECT * FROM observations x
				WHERE x.village_id = j.id AND x.carrier = $2 AND x.technology = $3 AND x.source_role = 'carrier'
					AND x.observed_at <= $4
				ORDER BY x.observed_at DESC, x.id DESC LIMIT 1) o ON true
			UNION ALL
			SELECT s.village_id, s.has_signal, s.rsrp_dbm, s.dl_mbps, s.area_share, s.observed_at, 1, s.ord
			FROM obs_stage s
			WHERE s.village_id = ANY($1::text[]) AND s.carrier = $2 AND s.technology = $3
				AND s.source_role = 'carrier' AND s.observed_at <= $4
		) l
		ORDER BY l.village_id, l.observed_at DESC, l.staged DESC, l.seq DESC`,
		ids, o0.Carrier, int16(o0.Technology), o0.ObservedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("latest of batch: %w", err)
	}
	prev := make(map[string]geo.Observation, len(batch))
	for rows.Next() {
		var p geo.Observation
		if err := rows.Scan(&p.VillageID, &p.HasSignal, &p.RSRPdBm, &p.DLMbps, &p.AreaShare); err != nil {
			rows.Close()
			return fmt.Errorf("latest of batch: %w", err)
		}
		prev[p.VillageID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("latest of batch: %w", err)
	}
	keep := make([]geo.Observation, 0, len(batch))
	for i := range batch {
		if p, ok := prev[batch[i].VillageID]; ok && p.SameResult(&batch[i]) {
			continue
		}
		keep = append(keep, batch[i])
	}
	return st.copy(ctx, keep)
}

// flush inserts the staged rows into observations in file order and returns how many it
// inserted. With skipKnown, a row equal to the latest of its series at its instant (the row
// before it in the file, or else the latest stored) is skipped. An unknown village fails
// with geo.ErrNotFound naming the first one.
//
// res completes the rows as their file decided (the zero stageResolve leaves them as staged).
func (st *stage) flush(ctx context.Context, uploadID int64, skipKnown bool, res stageResolve) (int, error) {
	if st.n == 0 {
		return 0, nil
	}
	// The insert sorts the stage by file order for the ids (and before, when two staged rows
	// share a series and instant, by those for the comparison) and its rows once more for
	// latest_claims: with the default work_mem (4 MB) each sort of 1M rows spills to disk. JIT compilation costs seconds on this one statement and
	// saves nothing. The planner sees the stage's size and its series (a temporary table is
	// never analyzed by autovacuum).
	for _, q := range []string{`SET LOCAL work_mem = '256MB'`, `SET LOCAL jit = off`, `ANALYZE obs_stage`} {
		if _, err := st.tx.Exec(ctx, q); err != nil {
			return 0, fmt.Errorf("prepare insert: %w", err)
		}
	}
	filter := ""
	if skipKnown {
		filter = `
		WHERE NOT CASE WHEN s.p_ord IS NOT NULL THEN
			s.p_has_signal = s.has_signal AND s.p_rsrp_dbm IS NOT DISTINCT FROM s.rsrp_dbm
			AND s.p_dl_mbps IS NOT DISTINCT FROM s.dl_mbps AND s.p_method = s.method
			AND s.p_area_share IS NOT DISTINCT FROM s.area_share AND s.p_inspector = s.inspector
		WHEN s.known THEN EXISTS (SELECT 1 FROM (
			SELECT has_signal, rsrp_dbm, dl_mbps, method, area_share, inspector FROM observations
			WHERE village_id = s.village_id AND carrier = s.carrier AND technology = s.technology
				AND source_role = s.source_role AND observed_at = s.observed_at
			ORDER BY id DESC LIMIT 1) l
			WHERE l.has_signal = s.has_signal AND l.rsrp_dbm IS NOT DISTINCT FROM s.rsrp_dbm
				AND l.dl_mbps IS NOT DISTINCT FROM s.dl_mbps AND l.method = s.method
				AND l.area_share IS NOT DISTINCT FROM s.area_share AND l.inspector = s.inspector)
		ELSE false END`
	}
	// The inserted claims also update latest_claims, in the same statement: a row becomes its
	// series' latest unless one observed later (or at the same instant with a greater id) is
	// already there. latest_claims names every series with a carrier claim (observation_series
	// is a view over it, migration 0039: one derived row per new series, not two). Only a claim
	// of a series already there can have a stored row to compare with (known): the first
	// upload of a series skips the seek into its history; an independent measurement (an
	// inspector's sample) always seeks. The sorts that only group rows by series compare bytes
	// (COLLATE "C": equal under any deterministic collation, and no strcoll per comparison).

	// The previous row of the same key in the file (p_*): only when two staged rows share
	// one (a window over the stage sorted by key); else there is none.
	prev := `NULL::bigint AS p_ord, NULL::boolean AS p_has_signal, NULL::double precision AS p_rsrp_dbm,
			NULL::double precision AS p_dl_mbps, NULL::text AS p_method,
			NULL::double precision AS p_area_share, NULL::text AS p_inspector`
	known, join, window := "false", "", ""
	if skipKnown {
		known = `s.source_role <> 'carrier' OR k.village_id IS NOT NULL`
		join = `
			LEFT JOIN latest_claims k ON k.village_id = s.village_id AND k.carrier = s.carrier
				AND k.technology = s.technology AND s.source_role = 'carrier'`
	}
	if skipKnown && st.repeats() {
		prev = `lag(s.ord) OVER w AS p_ord, lag(s.has_signal) OVER w AS p_has_signal, lag(s.rsrp_dbm) OVER w AS p_rsrp_dbm,
			lag(s.dl_mbps) OVER w AS p_dl_mbps, lag(s.method) OVER w AS p_method,
			lag(s.area_share) OVER w AS p_area_share, lag(s.inspector) OVER w AS p_inspector`
		window = `
			WINDOW w AS (PARTITION BY s.village_id COLLATE "C", s.carrier COLLATE "C", s.technology, s.source_role COLLATE "C",
				s.observed_at ORDER BY s.ord)`
	}
	// A staged village not in the registry fails the insert (the foreign key): only then is
	// the stage searched for the first one to name (a file's villages were checked as it was
	// read; the search costs a pass over the stage and the registry), after a return to the
	// savepoint before the insert.
	if _, err := st.tx.Exec(ctx, `SAVEPOINT stage_insert`); err != nil {
		return 0, fmt.Errorf("insert observations: %w", err)
	}
	// The staged rows as their file decided ($2, $3: stageResolve).
	stageRows := `(SELECT ord, village_id, CASE WHEN carrier = '' THEN $2::text ELSE carrier END AS carrier,
			technology, has_signal, rsrp_dbm, dl_mbps, observed_at, method, area_share,
			CASE WHEN $3::boolean THEN 'independent' ELSE source_role END AS source_role, inspector
		FROM obs_stage)`
	var n int
	err := st.tx.QueryRow(ctx, `WITH ins AS (INSERT INTO observations
		(village_id, carrier, technology, has_signal, rsrp_dbm, dl_mbps, observed_at, method, area_share,
		 upload_id, source_role, inspector)
		SELECT s.village_id, s.carrier, s.technology, s.has_signal, s.rsrp_dbm, s.dl_mbps, s.observed_at,
			s.method, s.area_share, $1, s.source_role, s.inspector
		FROM (SELECT s.*, `+known+` AS known,
			`+prev+`
			FROM `+stageRows+` s`+join+window+`) s`+filter+`
		ORDER BY s.ord
		RETURNING *),
	latest AS (INSERT INTO latest_claims (village_id, carrier, technology, id, has_signal, rsrp_dbm, dl_mbps,
			observed_at, method, area_share, upload_id, inspector)
		SELECT DISTINCT ON (village_id COLLATE "C", carrier COLLATE "C", technology) village_id, carrier, technology, id,
			has_signal, rsrp_dbm, dl_mbps, observed_at, method, area_share, upload_id, inspector
		FROM ins WHERE source_role = 'carrier'
		ORDER BY village_id COLLATE "C", carrier COLLATE "C", technology, observed_at DESC, id DESC
		ON CONFLICT (village_id, carrier, technology) DO UPDATE SET
			id = excluded.id, has_signal = excluded.has_signal, rsrp_dbm = excluded.rsrp_dbm,
			dl_mbps = excluded.dl_mbps, observed_at = excluded.observed_at, method = excluded.method,
			area_share = excluded.area_share, upload_id = excluded.upload_id, inspector = excluded.inspector
		WHERE (excluded.observed_at, excluded.id) > (latest_claims.observed_at, latest_claims.id))
	SELECT count(*) FROM ins`, uploadID, res.Carrier, res.Independent).Scan(&n)
	if err != nil {
		if isForeignKeyViolation(err) {
			if _, rerr := st.tx.Exec(ctx, `ROLLBACK TO SAVEPOINT stage_insert`); rerr != nil {
				return 0, fmt.Errorf("insert observations: %w", rerr)
			}
			if err := st.unknownVillage(ctx); err != nil {
				return 0, err
			}
			return 0, fmt.Errorf("observations: %w", geo.ErrNotFound)
		}
		return 0, fmt.Errorf("insert observations: %w", err)
	}
	return n, nil
}

// unknownVillage returns the error naming the first staged observation whose village is not
// in the registry, nil when every village is known.
func (st *stage) unknownVillage(ctx context.Context) error {
	var (
		ord     int64
		village string
	)
	err := st.tx.QueryRow(ctx, `SELECT s.ord, s.village_id FROM obs_stage s
		WHERE NOT EXISTS (SELECT 1 FROM villages v WHERE v.id = s.village_id)
		ORDER BY s.ord LIMIT 1`).Scan(&ord, &village)
	switch {
	case err == nil:
		return fmt.Errorf("observation %d: village %q: %w", ord, village, geo.ErrNotFound)
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	default:
		return fmt.Errorf("check villages: %w", err)
	}
}

const observationColumns = `o.id, o.village_id, o.carrier, o.technology, o.has_signal,
	o.rsrp_dbm, o.dl_mbps, o.observed_at, o.method, o.area_share, o.upload_id, o.source_role, o.inspector`

func scanObservation(s pgx.Row, o *geo.Observation) error {
	var (
		tech     int16
		observed int64
	)
	if err := s.Scan(&o.ID, &o.VillageID, &o.Carrier, &tech, &o.HasSignal, &o.RSRPdBm, &o.DLMbps,
		&observed, &o.Method, &o.AreaShare, &o.UploadID, &o.Source, &o.Inspector); err != nil {
		return err
	}
	if o.Source == geo.SourceCarrier {
		o.Source = "" // a carrier claim, as geo.Observation spells it
	}
	o.Technology = geo.Technology(tech)
	o.ObservedAt = msTime(observed)
	return nil
}

// LatestObservations returns, for each village matching f that has any carrier claim at or
// before asOf, the latest carrier claim of each carrier × technology observed at or before
// asOf. When two share the latest instant, the one stored last (highest ID) wins. Each slice
// is ordered by carrier, then technology; villages without such observations are absent.
func (db *DB) LatestObservations(ctx context.Context, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error) {
	return db.latestOf(ctx, geo.SourceCarrier, asOf, f)
}

// latestOf returns the latest observation of source role role per village × carrier ×
// technology observed at or before asOf. For independent measurements each row also carries
// the carrier claim of its series in force at its instant (geo.Observation.ClaimInForce).
func (db *DB) latestOf(ctx context.Context, role string, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("latest observations: %w", err)
	}
	defer tx.Rollback(ctx)
	if f, err = db.todaysRegistry(ctx, tx, f); err != nil {
		return nil, fmt.Errorf("latest observations: %w", err)
	}
	a := args{asOf.UnixMilli(), role}
	where := villageFilter("s.village_id", f, &a)
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
		LEFT JOIN LATERAL (
			SELECT * FROM observations y
			WHERE y.village_id = o.village_id AND y.carrier = o.carrier
				AND y.technology = o.technology AND y.source_role = 'carrier' AND y.observed_at <= o.observed_at` + known("y") + `
				AND (y.id < o.id OR y.upload_id = (` + firstClaimUpload(known("z")) + `))
			ORDER BY y.observed_at DESC, y.id DESC
			LIMIT 1) c ON true`
	}
	// The series: every series with a claim (latest_claims' keys) for claims; for independent
	// measurements (a sample) only those that have one (the partial index
	// observations_independent).
	series := "latest_claims"
	if role == geo.SourceIndependent {
		series = "(SELECT DISTINCT village_id, carrier, technology FROM observations WHERE source_role = 'independent')"
	}
	// One index seek per series (observations_latest) instead of a scan of the whole history.
	q := `SELECT ` + cols + `
		FROM ` + series + ` s
		JOIN LATERAL (
			SELECT * FROM observations x
			WHERE x.village_id = s.village_id AND x.carrier = s.carrier
				AND x.technology = s.technology AND x.source_role = $2 AND x.observed_at <= $1` + known("x") + `
			ORDER BY x.observed_at DESC, x.id DESC
			LIMIT 1) o ON true` + join + where + `
		ORDER BY s.village_id, s.carrier, s.technology`
	rows, err := tx.Query(ctx, q, a...)
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
func scanMeasurement(s pgx.Row, o *geo.Observation) error {
	var (
		tech               int16
		observed           int64
		cID, cObserved     *int64
		cUpload            *int64
		cSignal            *bool
		cRSRP, cDL, cShare *float64
		cMethod            *string
	)
	if err := s.Scan(&o.ID, &o.VillageID, &o.Carrier, &tech, &o.HasSignal, &o.RSRPdBm, &o.DLMbps,
		&observed, &o.Method, &o.AreaShare, &o.UploadID, &o.Source, &o.Inspector,
		&cID, &cSignal, &cRSRP, &cDL, &cObserved, &cMethod, &cShare, &cUpload); err != nil {
		return err
	}
	o.Technology = geo.Technology(tech)
	o.ObservedAt = msTime(observed)
	if cID != nil {
		c := &geo.Observation{ID: *cID, VillageID: o.VillageID, Carrier: o.Carrier, Technology: o.Technology,
			HasSignal: cSignal != nil && *cSignal, RSRPdBm: cRSRP, DLMbps: cDL, AreaShare: cShare}
		if cObserved != nil {
			c.ObservedAt = msTime(*cObserved)
		}
		if cMethod != nil {
			c.Method = *cMethod
		}
		if cUpload != nil {
			c.UploadID = *cUpload
		}
		o.ClaimInForce = c
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
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("observations of %q: %w", villageID, err)
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM villages WHERE id = $1`, villageID).Scan(&n); err != nil {
		return nil, fmt.Errorf("observations of %q: %w", villageID, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("observations of %q: %w", villageID, geo.ErrNotFound)
	}
	rows, err := tx.Query(ctx, `SELECT `+observationColumns+` FROM observations o
		WHERE o.village_id = $1 ORDER BY o.observed_at, o.id`, villageID)
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

// ObservationHistories returns the whole history of the villages matching f, carrier claims
// and independent measurements (Observation.Source tells them apart), per village, each
// ordered by observed_at then ID.
func (db *DB) ObservationHistories(ctx context.Context, f geo.VillageFilter) (map[string][]geo.Observation, error) {
	var a args
	where := villageFilter("o.village_id", f, &a)
	if where != "" {
		where = " AND " + where
	}
	out, err := sqlstore.Group(ctx, sq(db.pool), func(r sqlstore.Row) (geo.Observation, error) {
		var o geo.Observation
		err := scanObservation(r, &o)
		return o, err
	}, func(o *geo.Observation) string { return o.VillageID }, `SELECT `+observationColumns+` FROM observations o WHERE true`+where+
		` ORDER BY o.village_id, o.observed_at, o.id`, a...)
	if err != nil {
		return nil, fmt.Errorf("observation histories: %w", err)
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
