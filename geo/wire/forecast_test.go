package wire

import (
	"testing"
	"time"
)

// TestNewForecast: each case of a fitted trend, by hand. Worked example: 35 open villages left,
// falling 0.5 a week, newest point 2026-11-30 07:00 +07:00: 70 weeks to zero: 2028-04-03, after a
// 2024-12-01 deadline, so misses_deadline.
func TestNewForecast(t *testing.T) {
	vn := time.FixedZone("UTC+7", 7*3600)
	at := time.Date(2026, 11, 30, 7, 0, 0, 0, vn)
	deadline := time.Date(2024, 12, 1, 0, 0, 0, 0, vn)
	zero := at.Add(time.Duration(70 * 7 * 24 * float64(time.Hour))).Add(300 * time.Millisecond)
	for _, tc := range []struct {
		name      string
		ok        bool
		remaining int
		slope     float64
		zeroAt    time.Time
		deadline  time.Time
		status    string
		zero      string
		misses    bool
	}{
		{"Converging", true, 35, -0.5, zero, deadline, ForecastConverging, "2028-04-03T07:00:00+07:00", true},
		{"ConvergingInTime", true, 35, -0.5, zero, time.Date(2030, 1, 1, 0, 0, 0, 0, vn), ForecastConverging, "2028-04-03T07:00:00+07:00", false},
		{"Flat", true, 35, 0, time.Time{}, deadline, ForecastNotConverging, "", true},
		{"Rising", true, 35, 1.5, time.Time{}, deadline, ForecastNotConverging, "", true},
		{"Done", true, 0, 0, at, deadline, ForecastDone, "2026-11-30T07:00:00+07:00", false},
		{"TooFewPoints", false, 0, 0, time.Time{}, deadline, ForecastInsufficient, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewForecast(tc.ok, tc.remaining, tc.slope, 12, 12, tc.zeroAt.UTC(), at.UTC(), tc.deadline)
			got := ""
			if f.ZeroAt != nil {
				got = f.ZeroAt.Format(time.RFC3339Nano)
			}
			if f.Status != tc.status || got != tc.zero || f.MissesDeadline != tc.misses || f.Method == "" {
				t.Errorf("got %s zero_at=%q misses=%v, want %s %q %v", f.Status, got, f.MissesDeadline, tc.status, tc.zero, tc.misses)
			}
		})
	}
}
