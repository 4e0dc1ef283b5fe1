package sqlstore

import (
	"context"
	"time"
)

// Group runs query through q and returns its rows, scanned by scan, grouped by key; each
// group keeps the rows' order.
func Group[T any](ctx context.Context, q Querier, scan func(Row) (T, error), key func(*T) string, query string, args ...any) (map[string][]T, error) {
	out := map[string][]T{}
	err := Each(ctx, q, func(r Row) error {
		v, err := scan(r)
		if err != nil {
			return err
		}
		k := key(&v)
		out[k] = append(out[k], v)
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ObservationsSince returns, as read through tx (one read transaction), the villages with an
// observation stored after mark, sorted, the new mark (the newest observation's ID) and the
// latest observed_at among those observations. When more than limit observations were stored
// after mark it returns only the new mark and ok false, without reading them.
func (qs *Queries) ObservationsSince(ctx context.Context, tx Querier, mark int64, limit int) (ids []string, next int64, latest time.Time, ok bool, err error) {
	if err := tx.QueryRow(ctx, qs.ObservationMark).Scan(&next); err != nil {
		return nil, 0, time.Time{}, false, err
	}
	var n int
	if err := tx.QueryRow(ctx, qs.ObservationsCount, mark, next, limit+1).Scan(&n); err != nil {
		return nil, 0, time.Time{}, false, err
	}
	if n > limit {
		return nil, next, time.Time{}, false, nil
	}
	var last int64
	err = Each(ctx, tx, func(r Row) error {
		var (
			id string
			at int64
		)
		if err := r.Scan(&id, &at); err != nil {
			return err
		}
		ids = append(ids, id)
		last = max(last, at)
		return nil
	}, qs.ObservedSince, mark, next)
	if err != nil {
		return nil, 0, time.Time{}, false, err
	}
	if len(ids) > 0 {
		latest = Time(last)
	}
	return ids, next, latest, true, nil
}
