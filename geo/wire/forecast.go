package wire

import (
	"fmt"
	"time"
)

// Forecast statuses.
const (
	// ForecastConverging: the trend reaches zero; ZeroAt says when.
	ForecastConverging = "converging"
	// ForecastNotConverging: open villages remain and the trend is flat or rising: never at this
	// pace (the metric is absent then; the dashboards say "never").
	ForecastNotConverging = "not_converging"
	// ForecastDone: no open village remains; ZeroAt is the newest point's instant.
	ForecastDone = "done"
	// ForecastInsufficient: fewer weekly points than a trend needs.
	ForecastInsufficient = "insufficient_history"
	// ForecastNotEvaluated: covmon serve has not evaluated the forecast since it started.
	ForecastNotEvaluated = "not_evaluated"
)

// Forecast is a program's completion forecast: when its open villages nationwide (in scope,
// without signal that counts: dead zones and never-reported villages alike) reach zero on
// their trend. ZeroAt is the figure the metric covmon_program_forecast_zero_timestamp_seconds
// exports (to the second, shown in +07:00); Method says how it was computed. The summary of
// GET /api/v1/summary (without as_of) and covmon status carry it.
type Forecast struct {
	Status string     `json:"status"`
	ZeroAt *time.Time `json:"zero_at,omitempty"`
	Method string     `json:"method"`
	// View is the view its weekly points were counted in: ViewCurrent (each week from what is
	// stored now, so back-dated claims move the earlier points) or ViewAsKnown (each week as
	// covmon knew it at the week's own instant: docs/figures.md, "As known then").
	View string `json:"view"`
	// Remaining is the open villages' count at the newest weekly point (the summary's open
	// figure at that instant), SlopePerWeek the trend in
	// villages per week (negative when closing), Points the weekly counts it was fitted on.
	Remaining    int     `json:"remaining"`
	SlopePerWeek float64 `json:"slope_per_week"`
	Points       int     `json:"points"`
	// Weeks is the weekly points asked for (alerts.forecast_weeks). In the audit view the
	// points before covmon had received a village of the program are left out, so Points
	// may be fewer (then, with fewer than 3, the status is insufficient_history).
	Weeks int `json:"weeks"`
	// ComputedAt is the instant of the newest weekly point.
	ComputedAt *time.Time `json:"computed_at,omitempty"`
	// MissesDeadline: open villages remain and the trend reaches zero after the program's deadline,
	// or never.
	MissesDeadline bool `json:"misses_deadline"`
	// Late, in the audit view only, is what reports received after the weeks they describe
	// change: the same points in the current view and who sent those reports.
	Late *ForecastLate `json:"late,omitempty"`
}

// ForecastLate compares a forecast as known then (as of T, each weekly point from the uploads
// received by its own instant) with the same weekly points in the current view of T (each
// report received by T counted from the instant it describes): the difference is the reports
// received after the week they describe — late, or back-dated.
type ForecastLate struct {
	// PointsDiffer is how many of the Weeks weekly points the current view counts otherwise (a
	// point left out as known then, when covmon had received no village, included).
	PointsDiffer int `json:"points_differ"`
	// Current is the trend the current view of T fits on all the weekly points (at T = now:
	// the current forecast's).
	Current ForecastTrend `json:"current"`
	// ClaimsByCarrier counts, by carrier, the claims the current view counts at a weekly point
	// (each its series' latest there) that had not been received by that point (observed at
	// or before it, received after it); Measurements counts the independent measurements
	// alike. A late report need not move a
	// point (a dark report of a village already dark): PointsDiffer says what moved.
	ClaimsByCarrier map[string]int `json:"claims_by_carrier"`
	Measurements    int            `json:"measurements"`
}

// ForecastTrend is a forecast's projection alone: its status, zero_at and slope.
type ForecastTrend struct {
	Status       string     `json:"status"`
	ZeroAt       *time.Time `json:"zero_at,omitempty"`
	SlopePerWeek float64    `json:"slope_per_week"`
}

// ForecastMethod describes the forecast's method for a fit over weeks weekly points.
func ForecastMethod(weeks int) string {
	return fmt.Sprintf("Theil–Sen linear trend of the program's open villages (in scope, without signal that counts: dead zones and never-reported villages) nationwide, counted weekly over the last %d weeks; zero_at is where the trend line reaches zero", weeks)
}

// ForecastMethodAsKnown describes the forecast's method in the audit view.
func ForecastMethodAsKnown(weeks int) string {
	return ForecastMethod(weeks) + "; each weekly point as known at its own instant (only the uploads received by then: a report received later, however dated, does not move it), a point at which no village of the program had been received left out"
}

// NewForecast builds a forecast from a fitted trend: ok false when there were too few points.
// zeroAt is zero when the trend never reaches zero; at is the newest point's instant.
func NewForecast(ok bool, remaining int, slope float64, points, weeks int, zeroAt, at, deadline time.Time) Forecast {
	f := Forecast{Method: ForecastMethod(weeks), View: ViewCurrent, Points: points, Weeks: weeks, ComputedAt: opt(at)}
	if !ok {
		f.Status = ForecastInsufficient
		return f
	}
	f.Remaining, f.SlopePerWeek = remaining, slope
	switch {
	case remaining == 0:
		f.Status = ForecastDone
	case zeroAt.IsZero():
		f.Status = ForecastNotConverging
		f.MissesDeadline = true
	default:
		f.Status = ForecastConverging
		f.MissesDeadline = !deadline.IsZero() && zeroAt.After(deadline)
	}
	if !zeroAt.IsZero() {
		f.ZeroAt = opt(time.Unix(zeroAt.Unix(), 0)) // the metric's seconds
	}
	return f
}
