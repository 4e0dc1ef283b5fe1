package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/covmon/covmon/geo"
)

// PlanColumns are the plans columns PlanValues gives, in order.
const PlanColumns = `village_id, program_id, carrier, site_id, target_on_air, progress, planned_at, built_at, on_air_at, upload_id`

// PlanValues are plan p's values for PlanColumns, stored by upload id.
func PlanValues(p *geo.Plan, id int64) []any {
	return []any{p.VillageID, p.ProgramID, p.Carrier, p.SiteID, p.TargetOnAir.UnixMilli(),
		string(p.Progress), p.PlannedAt.UnixMilli(), NullMillis(p.BuiltAt), NullMillis(p.OnAirAt), id}
}

// ScanPlan reads a plan's PlanColumns followed by its upload's received_at.
func ScanPlan(s Row) (geo.Plan, error) {
	var (
		p                                       geo.Plan
		progress                                string
		target, planned, built, onAir, received *int64
	)
	if err := s.Scan(&p.VillageID, &p.ProgramID, &p.Carrier, &p.SiteID, &target, &progress, &planned, &built, &onAir,
		&p.UploadID, &received); err != nil {
		return geo.Plan{}, err
	}
	p.Progress = geo.Progress(progress)
	p.TargetOnAir, p.PlannedAt, p.BuiltAt, p.OnAirAt = NullTime(target), NullTime(planned), NullTime(built), NullTime(onAir)
	p.ReceivedAt = NullTime(received)
	return p, nil
}

// AssignmentColumns are the assignments columns AssignmentValues gives and ScanAssignment
// reads, in order.
const AssignmentColumns = `village_id, program_id, carrier, assigned_at, upload_id`

// AssignmentValues are assignment a's values for AssignmentColumns, stored by upload id; an
// empty carrier is NULL.
func AssignmentValues(a *geo.Assignment, id int64) []any {
	var carrier any
	if a.Carrier != "" {
		carrier = a.Carrier
	}
	return []any{a.VillageID, a.ProgramID, carrier, a.AssignedAt.UnixMilli(), id}
}

// ScanAssignment reads an assignment's AssignmentColumns.
func ScanAssignment(s Row) (geo.Assignment, error) {
	var (
		a       geo.Assignment
		carrier *string
		at      *int64
	)
	if err := s.Scan(&a.VillageID, &a.ProgramID, &carrier, &at, &a.UploadID); err != nil {
		return geo.Assignment{}, err
	}
	if carrier != nil {
		a.Carrier = *carrier
	}
	a.AssignedAt = NullTime(at)
	return a, nil
}

// AssignmentReceipts sets the ReceivedAt of each assignment of as from its upload's, read by
// query (Queries.AssignmentUploads: the assignments uploads' id and received_at, a few rows
// beside the assignments, so the history is not joined row by row).
func AssignmentReceipts(ctx context.Context, q Querier, query string, as []geo.Assignment) error {
	if len(as) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	received := map[int64]time.Time{}
	for rows.Next() {
		var (
			id int64
			at *int64
		)
		if err := rows.Scan(&id, &at); err != nil {
			return err
		}
		received[id] = NullTime(at)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range as {
		at, ok := received[as[i].UploadID]
		if !ok {
			return fmt.Errorf("assignment of %q in %q: upload %d not found", as[i].VillageID, as[i].ProgramID, as[i].UploadID)
		}
		as[i].ReceivedAt = at
	}
	return nil
}

// ReceivedBy is the condition, in either store's SQL, that the upload ID in column col names
// an upload received at or before t (the audit view, geo.VillageFilter.AsKnown): col is not
// one of the uploads received after t. The subquery does not depend on the row, so each store
// reads it once per statement (SQLite's IN list, PostgreSQL's hashed subplan); a column that
// may be NULL needs its own "col IS NULL OR".
func ReceivedBy(col string, t time.Time) string {
	return col + " NOT IN (SELECT id FROM uploads WHERE received_at > " + strconv.FormatInt(t.UnixMilli(), 10) + ")"
}

// AndKnown is, in the audit view (f.AsKnown), " AND " and the condition that the upload ID in
// column col was received by f.KnownBy(asOf) (ReceivedBy); "" otherwise: one more condition
// on the observations a read as of asOf seeks.
func AndKnown(f geo.VillageFilter, asOf time.Time, col string) string {
	if !f.AsKnown {
		return ""
	}
	return " AND " + ReceivedBy(col, f.KnownBy(asOf))
}

// KnownOrNull is ReceivedBy for a column that may be NULL: a NULL counts as received.
func KnownOrNull(col string, t time.Time) string {
	return "(" + col + " IS NULL OR " + ReceivedBy(col, t) + ")"
}

// NotRetiredBy is the condition that village col has no succession effective at or before
// eff (an SQL expression: the store's placeholder or a literal) recorded by an upload
// received by t: the village is in the registry as known at t (the audit view).
func NotRetiredBy(col, eff string, t time.Time) string {
	return `NOT EXISTS (SELECT 1 FROM village_successions s WHERE s.predecessor = ` + col + `
				AND s.effective <= ` + eff + ` AND ` + ReceivedBy("s.upload_id", t) + `)`
}

// CrosswalkColumns are the crosswalk columns CrosswalkValues gives (then upload_id) and
// ScanCrosswalkRow reads, in order.
const CrosswalkColumns = `level, effective, old_code, new_code, old_name, new_name, old_province, new_province, share`

// CrosswalkValues are row r's values for CrosswalkColumns and upload_id; a zero share is NULL.
func CrosswalkValues(r *geo.CrosswalkRow, id int64) []any {
	var share any
	if r.Share > 0 {
		share = r.Share
	}
	return []any{r.Level, r.Effective.UnixMilli(), r.OldCode, r.NewCode,
		r.OldName, r.NewName, r.OldProvince, r.NewProvince, share, id}
}

// ScanCrosswalkRow reads a row's CrosswalkColumns.
func ScanCrosswalkRow(s Row) (geo.CrosswalkRow, error) {
	var (
		r     geo.CrosswalkRow
		eff   *int64
		share *float64
	)
	if err := s.Scan(&r.Level, &eff, &r.OldCode, &r.NewCode, &r.OldName, &r.NewName,
		&r.OldProvince, &r.NewProvince, &share); err != nil {
		return geo.CrosswalkRow{}, err
	}
	r.Effective = NullTime(eff)
	if share != nil {
		r.Share = *share
	}
	return r, nil
}
