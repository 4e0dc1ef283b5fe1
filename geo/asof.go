package geo

import (
	"errors"
	"fmt"
	"time"
)

// ErrFuture is wrapped by ParseAsOf's error for an instant after now.
var ErrFuture = errors.New("in the future")

// ParseAsOf reads the date a status, summary or history is asked "as of" — a date (00:00 in
// Vietnam) or an RFC 3339 instant — and refuses an instant after now. covmon says what was
// known at a date; it does not forecast: a status "as of" next year would only restate today's
// reports with a later clock, making villages look overdue that may well be covered by then.
// The command line (--as-of) and the API (?as_of=) both read it here, so they accept the same.
func ParseAsOf(s string, now time.Time) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", s, Vietnam)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return time.Time{}, fmt.Errorf("want YYYY-MM-DD or an RFC 3339 instant, got %q", s)
		}
	}
	if t.After(now) {
		return time.Time{}, fmt.Errorf("%s is %w (now is %s): covmon reports what is known as of a past date and does not forecast",
			s, ErrFuture, now.In(Vietnam).Format("2006-01-02 15:04 UTC+7"))
	}
	return t, nil
}
