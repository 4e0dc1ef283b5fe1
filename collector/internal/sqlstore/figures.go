package sqlstore

import (
	"time"

	"github.com/covmon/covmon/geo"
)

// ScanUploadStat reads carrier, role, result, count, max(received_at), min(received_at).
func ScanUploadStat(s Row) (geo.UploadStat, error) {
	var (
		st          geo.UploadStat
		last, first int64
	)
	if err := s.Scan(&st.Carrier, &st.Role, &st.Result, &st.Count, &last, &first); err != nil {
		return geo.UploadStat{}, err
	}
	st.LastAt, st.FirstAt = Time(last), Time(first)
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
