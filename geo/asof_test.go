package geo_test

import (
	"errors"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

func TestParseAsOf(t *testing.T) {
	now := time.Date(2026, 11, 30, 6, 0, 0, 0, geo.Vietnam)
	for _, tc := range []struct {
		in     string
		want   time.Time
		future bool
		bad    bool
	}{
		{in: "2024-12-01", want: time.Date(2024, 12, 1, 0, 0, 0, 0, geo.Vietnam)},
		{in: "2026-11-30", want: time.Date(2026, 11, 30, 0, 0, 0, 0, geo.Vietnam)}, // today, 00:00
		{in: "2026-11-29T22:59:00Z", want: time.Date(2026, 11, 30, 5, 59, 0, 0, geo.Vietnam)},
		{in: "2026-11-30T06:00:00+07:00", want: now}, // now itself is not the future
		{in: "2026-12-01", future: true},
		{in: "2099-01-01", future: true},
		{in: "2026-11-29T23:00:01Z", future: true},
		{in: "yesterday", bad: true},
		{in: "30/11/2026", bad: true},
	} {
		got, err := geo.ParseAsOf(tc.in, now)
		switch {
		case tc.future:
			if !errors.Is(err, geo.ErrFuture) {
				t.Errorf("%s: err=%v, want ErrFuture", tc.in, err)
			}
		case tc.bad:
			if err == nil || errors.Is(err, geo.ErrFuture) {
				t.Errorf("%s: err=%v, want a format error", tc.in, err)
			}
		case err != nil || !got.Equal(tc.want):
			t.Errorf("%s: %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
