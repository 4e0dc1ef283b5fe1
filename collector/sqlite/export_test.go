package sqlite

import (
	"context"
	"database/sql"

	"github.com/covmon/covmon/geo"
)

// BackfillLedger runs the ledger migration's Go step in its own transaction (tests).
func (db *DB) BackfillLedger(ctx context.Context) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := backfillLedger(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// SealEffective runs migration 0040's Go step in its own transaction (tests).
func (db *DB) SealEffective(ctx context.Context) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := sealEffective(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Exec runs a statement on the writer connection, as a person with the database file could.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.rw.ExecContext(ctx, q, args...)
}

// FloorInsertObservations is the floor a commit of observations is measured against: a plain
// prepared INSERT per row, from Go, into the same schema, in one transaction (benchmarks).
func (db *DB) FloorInsertObservations(ctx context.Context, uploadID int64, obs []geo.Observation) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO observations
		(village_id, carrier, technology, has_signal, rsrp_dbm, dl_mbps, observed_at, method, area_share, upload_id,
		 source_role, inspector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range obs {
		o := &obs[i]
		if _, err := stmt.ExecContext(ctx, o.VillageID, o.Carrier, int64(o.Technology), o.HasSignal,
			nullFloat(o.RSRPdBm), nullFloat(o.DLMbps), o.ObservedAt.UnixMilli(), o.Method, nullFloat(o.AreaShare), uploadID,
			sourceRole(o), o.Inspector); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// ForgetRegistryChange drops the cached last change of the registry (tests that change the
// registry by SQL, without the accepted villages upload every real change comes with).
func (db *DB) ForgetRegistryChange() {
	db.regChange.Forget()
}

// TodaysRegistry is todaysRegistry on the read pool (tests).
func (db *DB) TodaysRegistry(ctx context.Context, f geo.VillageFilter) (geo.VillageFilter, error) {
	return db.todaysRegistry(ctx, db.ro, f)
}

// QueryPlans returns SQLite's EXPLAIN QUERY PLAN of the history walk's read of the villages
// matching f and of the open's look-up of villages without a search key, one line per step.
func (db *DB) QueryPlans(ctx context.Context, f geo.VillageFilter) (history, searchKeys []string, err error) {
	q, args, err := historyQuery(f)
	if err != nil {
		return nil, nil, err
	}
	if history, err = queryPlan(ctx, db.ro, q, args...); err != nil {
		return nil, nil, err
	}
	searchKeys, err = queryPlan(ctx, db.ro, missingSearchKeys)
	return history, searchKeys, err
}

func queryPlan(ctx context.Context, q *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}
