package sqlstore

import (
	"time"

	"github.com/covmon/covmon/geo"
)

// UploadStatsQuery counts uploads per carrier, role and result in either store's SQL: the
// columns ScanUploadStat reads. The last report of an accepted observations or areas upload is
// its effective instant (its newest observed_at), or its receipt when it was recorded before
// covmon kept that (effective NULL); other kinds and results report nothing (NULL).
const UploadStatsQuery = `SELECT carrier, role, result, count(*), max(received_at), min(received_at),
		max(CASE WHEN result = 'accepted' AND kind IN ('observations', 'areas')
			THEN coalesce(effective, received_at) END)
	FROM uploads GROUP BY carrier, role, result ORDER BY carrier, role, result`

// ScanUploadStat reads carrier, role, result, count, max(received_at), min(received_at) and
// the last report (NULL: none), as UploadStatsQuery selects them.
func ScanUploadStat(s Row) (geo.UploadStat, error) {
	var (
		st          geo.UploadStat
		last, first int64
		report      *int64
	)
	if err := s.Scan(&st.Carrier, &st.Role, &st.Result, &st.Count, &last, &first, &report); err != nil {
		return geo.UploadStat{}, err
	}
	st.LastAt, st.FirstAt, st.LastReport = Time(last), Time(first), NullTime(report)
	return st, nil
}

// ScanRuleCount reads rule, count.
func ScanRuleCount(s Row) (geo.RuleCount, error) {
	var c geo.RuleCount
	err := s.Scan(&c.Rule, &c.Count)
	return c, err
}

// DailyFigureColumns are the columns ScanDailyFigure reads, in order.
const DailyFigureColumns = `day, baseline, baseline_covered, covered, dead_zone, no_power,
			no_data, overdue, found_later, backfilled`

// ScanDailyFigure reads a figure's DailyFigureColumns; the caller sets its ProgramID.
func ScanDailyFigure(s Row) (geo.DailyFigure, error) {
	var (
		f   geo.DailyFigure
		day string
		c   = &f.Counts
	)
	if err := s.Scan(&day, &c.Baseline, &c.BaselineCovered, &c.Covered, &c.DeadZone, &c.NoPower,
		&c.NoData, &c.Overdue, &c.FoundLater, &f.Backfilled); err != nil {
		return geo.DailyFigure{}, err
	}
	var err error
	f.Day, err = time.ParseInLocation(time.DateOnly, day, geo.Vietnam)
	return f, err
}

// DailyFigureValues are f's values in the order of the stores' upserts: day, program_id,
// baseline, baseline_covered, covered, dead_zone, no_power, no_data, overdue, found_later,
// backfilled, computed_at.
func DailyFigureValues(f geo.DailyFigure, computedAt time.Time) []any {
	c := f.Counts
	return []any{Day(f.Day), f.ProgramID, c.Baseline, c.BaselineCovered,
		c.Covered, c.DeadZone, c.NoPower, c.NoData, c.Overdue, c.FoundLater, f.Backfilled, computedAt.UnixMilli()}
}

// Day is the date of t in Vietnam, as the stores keep days (YYYY-MM-DD).
func Day(t time.Time) string { return t.In(geo.Vietnam).Format(time.DateOnly) }
