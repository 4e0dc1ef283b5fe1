package alerts

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/covmon/covmon/geo"
)

// National is the province label value of a program-wide forecast.
const National = "all"

// Week is the spacing of the history points.
const Week = 7 * 24 * time.Hour

// HistoryStore is what the weekly history is computed from (collector/sqlite and
// collector/postgres implement it).
type HistoryStore interface {
	// EachVillage calls fn for every village matching f, in ID order, without its settled
	// area, streaming (fn may keep the village).
	EachVillage(ctx context.Context, f geo.VillageFilter, fn func(v *geo.Village) error) error
	// EachVillageHistory calls fn for every village matching f (today's registry), in ID
	// order, with its whole history (carrier claims and independent measurements, by series,
	// each ordered by observed_at then ID), streaming: h belongs to fn only during the call.
	// Each observation carries at least what geo.StatusTimeline reads (ID, VillageID,
	// Carrier, Technology, Source, ObservedAt, HasSignal, RSRPdBm).
	EachVillageHistory(ctx context.Context, f geo.VillageFilter, fn func(v *geo.Village, h []geo.Observation) error) error
}

// Point is the number of open villages of a program at one instant: villages in its scope at
// At (geo.InScope: in the program, known, powered for a powered-only program) without signal
// that counts — dead zones and villages no carrier reported alike, as the summary's open
// figure counts them (geo.VillageStatus.Open), so not reporting a village does not take it
// out of the forecast.
type Point struct {
	At time.Time
	// Open is the national count; ByProvince counts per province code.
	Open       int
	ByProvince map[string]int
}

// WeeklyHistory evaluates prog at now−(weeks−1)w, …, now−1w, now: the status as of each
// instant (the latest observation per series at or before it, under the policy in force then;
// geo.StatusTimeline, the status geo.EvaluateAt gives), and returns the points oldest first.
// The program's villages (today's registry) stream by with their histories in one ordered
// walk (EachVillageHistory), each village evaluated at every instant as it passes: memory is
// one village's history, whatever the size of the program.
func WeeklyHistory(ctx context.Context, s HistoryStore, prog geo.Program, p *geo.Policy, now time.Time, weeks int) ([]Point, error) {
	if weeks <= 0 {
		return nil, nil
	}
	ats, out := weeklyPoints(now, weeks)
	tl := geo.NewStatusTimeline(&prog, p, ats)
	err := s.EachVillageHistory(ctx, geo.VillageFilter{ProgramID: prog.ID}, func(v *geo.Village, h []geo.Observation) error {
		tl.Eval(v, h, func(i int, st geo.Status) { countOpen(out, i, v, &prog, st) })
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", prog.ID, err)
	}
	return out, nil
}

// weeklyPoints returns the instants now−(weeks−1)w, …, now−1w, now and an empty point at each.
func weeklyPoints(now time.Time, weeks int) ([]time.Time, []Point) {
	ats := make([]time.Time, weeks)
	out := make([]Point, weeks)
	for i := range ats {
		ats[i] = now.Add(-time.Duration(weeks-1-i) * Week)
		out[i] = Point{At: ats[i], ByProvince: map[string]int{}}
	}
	return ats, out
}

// countOpen counts village v at pts[i] when its status st there leaves it open and it is in
// prog's scope at that point's instant.
func countOpen(pts []Point, i int, v *geo.Village, prog *geo.Program, st geo.Status) {
	if st != geo.StatusCovered && geo.InScope(v, prog, pts[i].At) {
		pts[i].Open++
		pts[i].ByProvince[v.ProvinceCode]++
	}
}

// Projection is when the open villages of a program (or of one of its provinces) are
// projected to reach zero.
type Projection struct {
	Program      string
	ProvinceCode string // National for the whole program
	ProvinceName string
	// Remaining is the count at the newest point.
	Remaining int
	// SlopePerWeek is the Theil–Sen slope in villages per week (negative when closing).
	SlopePerWeek float64
	// ZeroAt is when the trend line reaches zero. It is zero when the trend is flat or rising
	// (never), and the newest point's instant when nothing remains.
	ZeroAt time.Time
	// Points is the number of weekly points the trend was fitted on.
	Points int
}

// Never reports whether the trend never reaches zero (open villages remain, flat or rising).
func (p *Projection) Never() bool { return p.Remaining > 0 && p.ZeroAt.IsZero() }

// MinForecastPoints is the fewest weekly points a projection is made from.
const MinForecastPoints = 3

// Project fits a robust linear trend to counts and projects when it reaches zero.
//
// Method: the Theil–Sen estimator. The slope is the median of the slopes between every pair of
// points, (yⱼ−yᵢ)/(tⱼ−tᵢ) for i<j, and the intercept is the median of yᵢ−slope·tᵢ, so up to
// about 29% of the points can be outliers (a bulk upload, a week with a backlog) without moving
// the line. The zero crossing is t₀ = −intercept/slope. Time runs in weeks from the newest point.
// With fewer than MinForecastPoints points, ok is false.
func Project(points []Point, province string) (proj Projection, ok bool) {
	if len(points) < MinForecastPoints {
		return Projection{}, false
	}
	last := points[len(points)-1]
	ts := make([]float64, len(points))
	ys := make([]float64, len(points))
	for i, pt := range points {
		ts[i] = pt.At.Sub(last.At).Hours() / Week.Hours()
		ys[i] = float64(countOf(pt, province))
	}
	proj = Projection{ProvinceCode: province, Remaining: int(ys[len(ys)-1]), Points: len(points)}
	slope, intercept := TheilSen(ts, ys)
	proj.SlopePerWeek = slope
	switch {
	case proj.Remaining == 0:
		proj.ZeroAt = last.At
	case slope < 0:
		weeks := -intercept / slope
		proj.ZeroAt = last.At.Add(time.Duration(weeks * float64(Week)))
	}
	return proj, true
}

func countOf(pt Point, province string) int {
	if province == National {
		return pt.Open
	}
	return pt.ByProvince[province]
}

// TheilSen returns the Theil–Sen slope and intercept of the points (xs[i], ys[i]). Pairs with
// equal x are skipped. With fewer than two distinct x it returns slope 0 and the median of ys.
func TheilSen(xs, ys []float64) (slope, intercept float64) {
	var slopes []float64
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			if dx := xs[j] - xs[i]; dx != 0 {
				slopes = append(slopes, (ys[j]-ys[i])/dx)
			}
		}
	}
	if len(slopes) > 0 {
		slope = median(slopes)
	}
	rs := make([]float64, len(xs))
	for i := range xs {
		rs[i] = ys[i] - slope*xs[i]
	}
	return slope, median(rs)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// WeeklyHistoryAsKnown is WeeklyHistory in the audit view (docs/figures.md, "As known then"):
// as of now, each weekly point counts what covmon had received by the point's own instant —
// the status of each village at that instant from the observations (claims and independent
// measurements) of the uploads received by then — so a report received after a point's
// instant, however it is dated, does not move that point, and the points as of a past now
// are the same whenever they are computed. The villages are the registry as known at now (each
// village's version from the registry uploads received by then), counted at every point as
// WeeklyHistory counts today's registry (a merge or split received by now does not move the
// trend). A point at which covmon had received no registry naming a village of the program
// knew no figure at all: it is left out (the returned points may be fewer than weeks, the
// oldest ones missing). Memory is one village's history, as in WeeklyHistory; each village
// is evaluated once per point whose instant precedes the receipt of one of its observations,
// once for the rest.
func WeeklyHistoryAsKnown(ctx context.Context, s HistoryStore, prog geo.Program, p *geo.Policy, now time.Time, weeks int) ([]Point, error) {
	known, _, err := weeklyAsKnown(ctx, s, prog, p, now, weeks)
	return known, err
}

// Lateness is what the reports received after the weeks they describe change in a forecast
// as known then.
type Lateness struct {
	// Current are all the weekly points (weeks of them, the ones left out as known then
	// included) counted the way the current view of now counts them: the registry as known at
	// now, each report received by now from the instant it describes, whenever it was received.
	// At now = the present, they are the current forecast's points.
	Current []Point
	// Claims counts, by carrier, the claims counted at a weekly point of Current (their
	// series' latest there) that had not been received by that point; Measurements the
	// independent measurements alike.
	Claims       map[string]int
	Measurements int
}

// weeklyAsKnown is WeeklyHistoryAsKnown, with every point in the current view of now and the
// late reports, from the same walk.
func weeklyAsKnown(ctx context.Context, s HistoryStore, prog geo.Program, p *geo.Policy, now time.Time, weeks int) ([]Point, *Lateness, error) {
	late := &Lateness{Claims: map[string]int{}}
	if weeks <= 0 {
		return nil, late, nil
	}
	ats, out := weeklyPoints(now, weeks)
	_, late.Current = weeklyPoints(now, weeks)
	// The first point at which a village of the program was known: the registry received by
	// an instant only grows with the instant (a retirement received keeps its successors).
	first := weeks
	for i := range ats {
		known, err := anyVillageKnown(ctx, s, prog.ID, ats[i])
		if err != nil {
			return nil, nil, fmt.Errorf("history of %s as known: %w", prog.ID, err)
		}
		if known {
			first = i
			break
		}
	}
	all := geo.NewStatusTimeline(&prog, p, ats)
	one := make([]*geo.StatusTimeline, weeks) // point i alone, for a history not all received by then
	for i := first; i < weeks; i++ {
		one[i] = geo.NewStatusTimeline(&prog, p, ats[i:i+1])
	}
	var known []geo.Observation
	f := geo.VillageFilter{ProgramID: prog.ID, AsOf: now, AsKnown: true}
	err := s.EachVillageHistory(ctx, f, func(v *geo.Village, h []geo.Observation) error {
		var last time.Time // the newest receipt among the village's observations
		for k := range h {
			o := &h[k]
			if o.ReceivedAt.After(last) {
				last = o.ReceivedAt
			}
			// Late: the current view counts it at a point (it is its series' latest there:
			// the first point at or after its instant, before the series' next row) that came
			// before its receipt. The walk gives the history in series order.
			j := sort.Search(weeks, func(i int) bool { return !ats[i].Before(o.ObservedAt) })
			counted := j < weeks
			if n := k + 1; counted && n < len(h) && h[n].Carrier == o.Carrier && h[n].Technology == o.Technology && h[n].Independent() == o.Independent() {
				counted = ats[j].Before(h[n].ObservedAt)
			}
			if counted && ats[j].Before(o.ReceivedAt) {
				if o.Independent() {
					late.Measurements++
				} else {
					late.Claims[o.Carrier]++
				}
			}
		}
		// Points from whole on had received the whole history: one evaluation for them and
		// the current view's; the known points before, one each on what was received by then.
		whole := max(first, sort.Search(weeks, func(i int) bool { return !ats[i].Before(last) }))
		for i := first; i < whole; i++ {
			known = known[:0]
			for k := range h {
				if !h[k].ReceivedAt.After(ats[i]) {
					known = append(known, h[k]) // the walk's series order is kept
				}
			}
			one[i].Eval(v, known, func(_ int, st geo.Status) { countOpen(out, i, v, &prog, st) })
		}
		all.Eval(v, h, func(i int, st geo.Status) {
			countOpen(late.Current, i, v, &prog, st)
			if i >= whole {
				countOpen(out, i, v, &prog, st)
			}
		})
		return ctx.Err()
	})
	if err != nil {
		return nil, nil, fmt.Errorf("history of %s as known: %w", prog.ID, err)
	}
	if first == weeks {
		return nil, late, nil
	}
	return out[first:], late, nil
}

// errFound stops a walk at its first village.
var errFound = errors.New("found")

// anyVillageKnown reports whether the registry as known at t (the registry uploads received
// by then) has a village of program prog.
func anyVillageKnown(ctx context.Context, s HistoryStore, prog string, t time.Time) (bool, error) {
	err := s.EachVillage(ctx, geo.VillageFilter{ProgramID: prog, AsOf: t, AsKnown: true}, func(*geo.Village) error { return errFound })
	if errors.Is(err, errFound) {
		return true, nil
	}
	return false, err
}
