package alerts

import (
	"context"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// ToWire returns a's public JSON form, the one shape the command line and the webhooks print.
func ToWire(a Alert) wire.Alert {
	w := wire.Alert{Key: a.Key, Kind: a.Kind, Status: a.Status(), Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt}
	if w.Labels == nil {
		w.Labels = map[string]string{}
	}
	if w.Annotations == nil {
		w.Annotations = map[string]string{}
	}
	if a.Resolved() {
		end := a.EndsAt
		w.EndsAt = &end
	}
	return w
}

// ToWireList returns the public JSON form of as, [] (not null) when empty.
func ToWireList(as []Alert) []wire.Alert {
	out := make([]wire.Alert, 0, len(as))
	for _, a := range as {
		out = append(out, ToWire(a))
	}
	return out
}

// ForecastWire converts a national projection (Project's result over weeks weekly points, the
// newest at at) to the API's forecast.
func ForecastWire(p Projection, ok bool, weeks int, at, deadline time.Time) wire.Forecast {
	return wire.NewForecast(ok, p.Remaining, p.SlopePerWeek, p.Points, weeks, p.ZeroAt, at, deadline)
}

// Forecast computes prog's national completion forecast as of at the way the Service does for
// the metric covmon_program_forecast_zero_timestamp_seconds: WeeklyHistory over weeks weekly
// points ending at at, then Project. covmon status uses it; it reads every village's history.
func Forecast(ctx context.Context, s HistoryStore, prog geo.Program, p *geo.Policy, at time.Time, weeks int) (wire.Forecast, error) {
	pts, err := WeeklyHistory(ctx, s, prog, p, at, weeks)
	if err != nil {
		return wire.Forecast{}, err
	}
	proj, ok := Project(pts, National)
	return ForecastWire(proj, ok, weeks, at, prog.Deadline), nil
}

// ForecastAsKnown is Forecast in the audit view: the trend of WeeklyHistoryAsKnown's points as
// of at, each week as covmon knew it then, so claims received after a week, however dated,
// cannot move its point; the same instant gives the same forecast whenever it is asked. Its
// View is "as_known". covmon status --as-known and the summary with as_known=true use it.
func ForecastAsKnown(ctx context.Context, s HistoryStore, prog geo.Program, p *geo.Policy, at time.Time, weeks int) (wire.Forecast, error) {
	pts, late, err := weeklyAsKnown(ctx, s, prog, p, at, weeks)
	if err != nil {
		return wire.Forecast{}, err
	}
	proj, ok := Project(pts, National)
	f := ForecastWire(proj, ok, weeks, at, prog.Deadline)
	f.View, f.Method = wire.ViewAsKnown, wire.ForecastMethodAsKnown(weeks)
	if !ok {
		f.Points = len(pts)
	}
	// The same points in the current view, and the late reports that make the difference.
	cproj, cok := Project(late.Current, National)
	cur := ForecastWire(cproj, cok, weeks, at, prog.Deadline)
	f.Late = &wire.ForecastLate{Current: wire.ForecastTrend{Status: cur.Status, ZeroAt: cur.ZeroAt, SlopePerWeek: cur.SlopePerWeek},
		ClaimsByCarrier: late.Claims, Measurements: late.Measurements}
	// A point left out as known then (no village received by then) differs: the current view
	// counts the registry since always.
	left := len(late.Current) - len(pts)
	f.Late.PointsDiffer = left
	for i := range pts {
		if pts[i].Open != late.Current[left+i].Open {
			f.Late.PointsDiffer++
		}
	}
	return f, nil
}
