package collector_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/geo/wire"
)

// forecastWeeks is the weekly points of the forecasts below.
const forecastWeeks = 6

// points returns the open villages of the weekly points of the program as of asOf, in the
// current view or each week as known at its own instant.
func (w *asKnownWorld) points(asOf time.Time, asKnown bool) []int {
	w.t.Helper()
	hist := alerts.WeeklyHistory
	if asKnown {
		hist = alerts.WeeklyHistoryAsKnown
	}
	pts, err := hist(context.Background(), w.db, w.r.Programs[0], &w.r.Policy, asOf, forecastWeeks)
	if err != nil {
		w.t.Fatal(err)
	}
	out := make([]int, len(pts))
	for i, p := range pts {
		if want := asOf.Add(-time.Duration(len(pts)-1-i) * alerts.Week); !p.At.Equal(want) {
			w.t.Errorf("point %d at %s, want %s", i, p.At, want)
		}
		out[i] = p.Open
	}
	return out
}

// forecast returns the program's forecast as of asOf in either view, and its JSON.
func (w *asKnownWorld) forecast(asOf time.Time, asKnown bool) (wire.Forecast, string) {
	w.t.Helper()
	fc := alerts.Forecast
	if asKnown {
		fc = alerts.ForecastAsKnown
	}
	f, err := fc(context.Background(), w.db, w.r.Programs[0], &w.r.Policy, asOf, forecastWeeks)
	if err != nil {
		w.t.Fatal(err)
	}
	b, err := json.Marshal(f)
	if err != nil {
		w.t.Fatal(err)
	}
	return f, string(b)
}

// near reports whether a projected instant is within a minute of want (the projection is
// in floating point, kept to the second).
func near(got, want time.Time) bool { return got.Sub(want).Abs() < time.Minute }

// week returns the instant of weekly point i (0 … forecastWeeks-1) of a forecast as of t,
// as an RFC 3339 string shifted by d (the clock and the claims take strings).
func week(t time.Time, i int, d time.Duration) string {
	return t.Add(-time.Duration(forecastWeeks-1-i)*alerts.Week + d).Format(time.RFC3339)
}

// The back-dating lever, closed in the audit view (docs/figures.md, "Honest terms"): V1…V4
// covered by viettel since January, V5 and V6 dark, so the open villages are 2 every week and
// the forecast as of T says never. After T viettel sends dark claims for V1…V4 dated before
// the first weekly point and claims of signal dated week by week since: the current view's
// points as of T become 6 5 4 3 3 2 and its forecast converges (the trend steepened by claims
// received after every week they describe); the forecast as known then, as of T, is the same
// JSON before and after, and as of a week later the attack counts only at the newest point.
func TestForecast_AsKnownResistsBackDating(t *testing.T) {
	w := newAsKnownWorld(t)
	w.registry("2024-01-02", "V1", "V2", "V3", "V4", "V5", "V6")
	w.claims("2024-01-10", "viettel", strings.Join([]string{claim("V1", true, "2024-01-09"), claim("V2", true, "2024-01-09"),
		claim("V3", true, "2024-01-09"), claim("V4", true, "2024-01-09"), claim("V5", false, "2024-01-09"), claim("V6", false, "2024-01-09")}, ","))
	T := w.parse("2024-09-02")

	flat := []int{2, 2, 2, 2, 2, 2}
	if got := w.points(T, false); !reflect.DeepEqual(got, flat) {
		t.Errorf("current view as of T, before: %v, want %v", got, flat)
	}
	if got := w.points(T, true); !reflect.DeepEqual(got, flat) {
		t.Errorf("as known as of T, before: %v, want %v", got, flat)
	}
	curBefore, _ := w.forecast(T, false)
	knownBefore, knownJSON := w.forecast(T, true)
	if curBefore.Status != wire.ForecastNotConverging || curBefore.View != wire.ViewCurrent {
		t.Errorf("current forecast as of T, before: %+v, want not_converging, current", curBefore)
	}
	if knownBefore.Status != wire.ForecastNotConverging || knownBefore.View != wire.ViewAsKnown || knownBefore.Points != forecastWeeks || knownBefore.Remaining != 2 {
		t.Errorf("forecast as known as of T: %+v, want not_converging, as_known, %d points, 2 open", knownBefore, forecastWeeks)
	}
	// Its newest point is the audit view's open figure at T.
	if s, _ := w.summary(T, true); s.National.Open != knownBefore.Remaining {
		t.Errorf("as known at T: open %d, the forecast's remaining %d", s.National.Open, knownBefore.Remaining)
	}

	// The attack, received the day after T.
	w.claims("2024-09-03", "viettel", strings.Join([]string{
		claim("V1", false, week(T, 0, -time.Hour)), claim("V2", false, week(T, 0, -time.Hour)),
		claim("V3", false, week(T, 0, -time.Hour)), claim("V4", false, week(T, 0, -time.Hour)),
		claim("V1", true, week(T, 1, -time.Hour)), claim("V2", true, week(T, 2, -time.Hour)),
		claim("V3", true, week(T, 3, -time.Hour)), claim("V4", true, week(T, 5, -time.Hour)),
	}, ","))

	if got, want := w.points(T, false), []int{6, 5, 4, 3, 3, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("current view as of T, after: %v, want %v", got, want)
	}
	curAfter, _ := w.forecast(T, false)
	if curAfter.Status != wire.ForecastConverging || curAfter.SlopePerWeek != -0.8 || curAfter.ZeroAt == nil || !near(*curAfter.ZeroAt, w.parse("2024-09-19").Add(-9*time.Hour)) {
		t.Errorf("current forecast as of T, after: %+v, want converging at -0.8 a week to 2024-09-19 00:00 (the attack steepened it)", curAfter)
	}
	if got := w.points(T, true); !reflect.DeepEqual(got, flat) {
		t.Errorf("as known as of T, after: %v, want %v", got, flat)
	}
	if _, after := w.forecast(T, true); after != knownJSON {
		t.Errorf("the forecast as known as of T moved:\nbefore %s\nafter  %s", knownJSON, after)
	}
	// A week later: the points before the attack's receipt as they were; at the newest V1…V4
	// have signal (2 open, as the audit view of that instant says).
	later := T.Add(alerts.Week)
	if got := w.points(later, true); !reflect.DeepEqual(got, flat) {
		t.Errorf("as known a week after T: %v, want %v", got, flat)
	}
	if got, want := w.points(later, false), []int{5, 4, 3, 3, 2, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("current view a week after T: %v, want %v", got, want)
	}
	// The lever made visible: as known a week after T, the forecast says the current view of
	// the same instant counts 4 of its 6 points otherwise (5 4 3 3 2 2: converging), from 7
	// claims viettel sent after the weeks they describe (V1's dark claim, superseded by its
	// signal before the first of these points, counts at none); as of T, before the attack was
	// received, nothing was late.
	f, _ := w.forecast(later, true)
	if l := f.Late; l == nil || l.PointsDiffer != 4 || l.Current.Status != wire.ForecastConverging || l.Current.SlopePerWeek != -0.6 ||
		!reflect.DeepEqual(l.ClaimsByCarrier, map[string]int{"viettel": 7}) || l.Measurements != 0 || f.Status != wire.ForecastNotConverging {
		t.Errorf("as known a week after T: %+v late %+v; want never, 4 points differ, current converging at -0.6, viettel 7 claims", f, f.Late)
	}
	if l := knownBefore.Late; l == nil || l.PointsDiffer != 0 || len(l.ClaimsByCarrier) != 0 || l.Current.Status != wire.ForecastNotConverging {
		t.Errorf("as known at T: late %+v, want nothing late (the current view of T then said never too)", l)
	}
}

// A late but honest report: V2's claim of signal observed an hour before week 3's point and
// received exactly at week 4's (a week late). The current view counts it from week 3 (when it
// was observed), the audit view from week 4 (when covmon knew it; received exactly at a
// point's instant counts); both views agree on the other points and on now.
func TestForecast_AsKnownLateReport(t *testing.T) {
	w := newAsKnownWorld(t)
	w.registry("2024-01-02", "V1", "V2", "V3")
	w.claims("2024-01-10", "viettel", claim("V1", false, "2024-01-09")+","+claim("V2", false, "2024-01-09")+","+claim("V3", false, "2024-01-09"))
	T := w.parse("2024-09-02")
	w.claims(week(T, 2, -time.Hour), "viettel", claim("V1", true, week(T, 2, -2*time.Hour)))
	w.claims(week(T, 4, 0), "viettel", claim("V2", true, week(T, 3, -time.Hour)))
	w.at(T.Format(time.RFC3339))

	if got, want := w.points(T, false), []int{3, 3, 2, 1, 1, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("current view: %v, want %v", got, want)
	}
	if got, want := w.points(T, true), []int{3, 3, 2, 2, 1, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("as known then: %v, want %v", got, want)
	}
	cur, _ := w.forecast(T, false)
	known, _ := w.forecast(T, true)
	// Current: slope -0.5, zero a week after T; as known: slope -0.5, zero 1.5 weeks after.
	if cur.Status != wire.ForecastConverging || known.Status != wire.ForecastConverging || cur.Remaining != 1 || known.Remaining != 1 ||
		!near(*cur.ZeroAt, T.Add(alerts.Week)) || !near(*known.ZeroAt, T.Add(alerts.Week*3/2)) {
		t.Errorf("current %+v\nas known %+v\nwant both converging, 1 open, at 2024-09-09 09:00 and 2024-09-12 21:00", cur, known)
	}
	// One point differs (week 3), from one viettel claim received late; the current trend
	// given beside is the current forecast's.
	if l := known.Late; l == nil || l.PointsDiffer != 1 || !reflect.DeepEqual(l.ClaimsByCarrier, map[string]int{"viettel": 1}) ||
		l.Current.Status != cur.Status || !l.Current.ZeroAt.Equal(*cur.ZeroAt) || l.Current.SlopePerWeek != cur.SlopePerWeek {
		t.Errorf("as known: late %+v, want 1 point, viettel 1, the current trend %+v", l, cur)
	}
}

// Uploads received at once, as covmon seed does: the points before their receipt knew no
// village, so they are left out and the forecast as known then lacks history until three weekly
// points have passed since; the current view fits all six on the reports' own dates.
func TestForecast_AsKnownReceivedAtOnce(t *testing.T) {
	w := newAsKnownWorld(t)
	T := w.parse("2024-09-02")
	w.registry(T.Add(-24*time.Hour).Format(time.RFC3339), "V1", "V2", "V3")
	w.claims(T.Add(-23*time.Hour).Format(time.RFC3339), "viettel", claim("V1", false, "2024-01-09")+","+claim("V2", false, "2024-01-09")+","+
		claim("V1", true, week(T, 1, 0))+","+claim("V2", true, week(T, 3, 0)))

	if got, want := w.points(T, true), []int{1}; !reflect.DeepEqual(got, want) {
		t.Errorf("as known at T: %v, want %v (the newest point alone)", got, want)
	}
	known, _ := w.forecast(T, true)
	if known.Status != wire.ForecastInsufficient || known.Points != 1 || known.Weeks != forecastWeeks || known.View != wire.ViewAsKnown {
		t.Errorf("as known at T: %+v, want insufficient_history, 1 of %d points, as_known", known, forecastWeeks)
	}
	if got, want := w.points(T, false), []int{3, 2, 2, 1, 1, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("current view at T: %v, want %v", got, want)
	}
	// Two weeks on, three points known: a forecast (nothing has changed since: flat, never).
	w.at(T.Add(2 * alerts.Week).Format(time.RFC3339))
	if got, want := w.points(T.Add(2*alerts.Week), true), []int{1, 1, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("as known two weeks after T: %v, want %v", got, want)
	}
	// Beside it, the current view of T (all six points: it counts the registry since always)
	// and the claims it counts at a point before they were received: the four, all received
	// the day before T.
	cur, _ := w.forecast(T, false)
	if l := known.Late; l == nil || l.PointsDiffer != 5 || l.Current.Status != cur.Status || l.Current.SlopePerWeek != cur.SlopePerWeek ||
		!reflect.DeepEqual(l.ClaimsByCarrier, map[string]int{"viettel": 4}) {
		t.Errorf("as known at T: late %+v, want 5 points differ, the current trend %+v, viettel 4", l, cur)
	}
	f, _ := w.forecast(T.Add(2*alerts.Week), true)
	if f.Status == wire.ForecastInsufficient || f.Points != 3 {
		t.Errorf("as known two weeks after T: %+v, want a forecast on 3 points", f)
	}
}
