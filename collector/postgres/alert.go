package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/jackc/pgx/v5"
)

var _ alerts.Store = (*DB)(nil)

// Retention of delivered outbox rows and of resolved alert rows, counted from the evaluation
// instant. Resolved rows outlive the outbox rows so that a new episode of a key always starts
// after the last one whose outbox rows still exist.
const (
	outboxRetention   = 30 * 24 * time.Hour
	resolvedRetention = 90 * 24 * time.Hour
)

// alertJSON is an alert as stored in alert_outbox.alert.
type alertJSON struct {
	Key         string            `json:"key"`
	Kind        string            `json:"kind"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    int64             `json:"starts_at"`
	EndsAt      int64             `json:"ends_at,omitempty"`
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return string(b)
}

// ApplyEvaluation implements alerts.Store: it diffs firing against the active alerts and writes
// the new states and one outbox row per receiver and transition, all in one transaction.
func (db *DB) ApplyEvaluation(ctx context.Context, now time.Time, firing []alerts.Alert, receivers []string) ([]alerts.Transition, error) {
	now = msTime(now.UnixMilli())
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply evaluation: %w", err)
	}
	defer tx.Rollback(ctx)

	active, err := queryAlerts(ctx, tx, `WHERE state = 'firing'`)
	if err != nil {
		return nil, fmt.Errorf("apply evaluation: %w", err)
	}
	byKey := make(map[string]*alerts.Alert, len(active))
	for i := range active {
		byKey[active[i].Key] = &active[i]
	}
	var trs []alerts.Transition
	seen := make(map[string]bool, len(firing))
	for _, a := range firing {
		if a.Key == "" || seen[a.Key] {
			continue
		}
		seen[a.Key] = true
		if cur := byKey[a.Key]; cur != nil {
			if _, err := tx.Exec(ctx, `UPDATE alerts SET labels = $1, annotations = $2, updated_at = $3 WHERE key = $4`,
				mustJSON(a.Labels), mustJSON(a.Annotations), now.UnixMilli(), a.Key); err != nil {
				return nil, fmt.Errorf("apply evaluation: update %s: %w", a.Key, err)
			}
			continue
		}
		start, err := episodeStart(ctx, tx, a, now)
		if err != nil {
			return nil, fmt.Errorf("apply evaluation: %s: %w", a.Key, err)
		}
		a = a.Clone()
		a.StartsAt, a.EndsAt = start, time.Time{}
		if _, err := tx.Exec(ctx, `INSERT INTO alerts
			(key, kind, labels, annotations, state, starts_at, ends_at, updated_at)
			VALUES ($1, $2, $3, $4, 'firing', $5, NULL, $6)
			ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, labels = excluded.labels,
				annotations = excluded.annotations, state = 'firing', starts_at = excluded.starts_at,
				ends_at = NULL, updated_at = excluded.updated_at`,
			a.Key, a.Kind, mustJSON(a.Labels), mustJSON(a.Annotations), start.UnixMilli(), now.UnixMilli()); err != nil {
			return nil, fmt.Errorf("apply evaluation: insert %s: %w", a.Key, err)
		}
		trs = append(trs, alerts.Transition{Status: alerts.Firing, Alert: a})
	}
	for _, a := range active {
		if seen[a.Key] {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE alerts SET state = 'resolved', ends_at = $1, updated_at = $2 WHERE key = $3`,
			now.UnixMilli(), now.UnixMilli(), a.Key); err != nil {
			return nil, fmt.Errorf("apply evaluation: resolve %s: %w", a.Key, err)
		}
		a.EndsAt = now
		trs = append(trs, alerts.Transition{Status: alerts.Resolved, Alert: a})
	}
	if err := enqueue(ctx, tx, now, trs, receivers); err != nil {
		return nil, fmt.Errorf("apply evaluation: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM alert_outbox WHERE sent_at IS NOT NULL AND sent_at < $1`,
		now.Add(-outboxRetention).UnixMilli()); err != nil {
		return nil, fmt.Errorf("apply evaluation: prune outbox: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM alerts WHERE state = 'resolved' AND ends_at < $1`,
		now.Add(-resolvedRetention).UnixMilli()); err != nil {
		return nil, fmt.Errorf("apply evaluation: prune alerts: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("apply evaluation: commit: %w", err)
	}
	return trs, nil
}

// episodeStart returns when a new episode of a starts: its own StartsAt when set, not in the
// future and after the previous episode's end; otherwise now (and always after that end).
func episodeStart(ctx context.Context, tx pgx.Tx, a alerts.Alert, now time.Time) (time.Time, error) {
	var prevEnd *int64
	err := tx.QueryRow(ctx, `SELECT ends_at FROM alerts WHERE key = $1`, a.Key).Scan(&prevEnd)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, err
	}
	start := msTime(a.StartsAt.UnixMilli())
	if a.StartsAt.IsZero() || start.After(now) {
		start = now
	}
	if prevEnd != nil && start.UnixMilli() <= *prevEnd {
		start = msTime(max(now.UnixMilli(), *prevEnd+1))
	}
	return start, nil
}

func enqueue(ctx context.Context, tx pgx.Tx, now time.Time, trs []alerts.Transition, receivers []string) error {
	if len(trs) == 0 || len(receivers) == 0 {
		return nil
	}
	const insert = `INSERT INTO alert_outbox
		(receiver, alert_key, transition, starts_at, alert, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT DO NOTHING`
	for _, t := range trs {
		a := t.Alert
		body := alertJSON{Key: a.Key, Kind: a.Kind, Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt.UnixMilli()}
		if !a.EndsAt.IsZero() {
			body.EndsAt = a.EndsAt.UnixMilli()
		}
		js := mustJSON(body)
		for _, r := range receivers {
			if _, err := tx.Exec(ctx, insert, r, a.Key, t.Status, a.StartsAt.UnixMilli(), js, now.UnixMilli(), now.UnixMilli()); err != nil {
				return fmt.Errorf("queue %s %s for %s: %w", a.Key, t.Status, r, err)
			}
		}
	}
	return nil
}

type queryer interface {
	Query(ctx context.Context, query string, args ...any) (pgx.Rows, error)
}

func queryAlerts(ctx context.Context, q queryer, where string, args ...any) ([]alerts.Alert, error) {
	rows, err := q.Query(ctx, `SELECT key, kind, labels, annotations, starts_at, ends_at
		FROM alerts `+where+` ORDER BY key`, args...)
	if err != nil {
		return nil, fmt.Errorf("query alerts: %w", err)
	}
	defer rows.Close()
	var out []alerts.Alert
	for rows.Next() {
		var (
			a           alerts.Alert
			labels, ann string
			start       int64
			end         *int64
		)
		if err := rows.Scan(&a.Key, &a.Kind, &labels, &ann, &start, &end); err != nil {
			return nil, fmt.Errorf("query alerts: %w", err)
		}
		if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
			return nil, fmt.Errorf("alert %s: labels: %w", a.Key, err)
		}
		if err := json.Unmarshal([]byte(ann), &a.Annotations); err != nil {
			return nil, fmt.Errorf("alert %s: annotations: %w", a.Key, err)
		}
		a.StartsAt, a.EndsAt = msTime(start), fromMillis(end)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ActiveAlerts returns the alerts firing now, sorted by key.
func (db *DB) ActiveAlerts(ctx context.Context) ([]alerts.Alert, error) {
	as, err := queryAlerts(ctx, db.pool, `WHERE state = 'firing'`)
	if err != nil {
		return nil, fmt.Errorf("active alerts: %w", err)
	}
	return as, nil
}

// DueDeliveries returns up to limit undelivered outbox rows of receiver due at now, oldest first,
// and claims them: rows are locked with FOR UPDATE SKIP LOCKED and their next attempt moved to
// now + ClaimLease, so another instance asking at the same time gets none of them, and none
// until MarkSent, MarkFailed or MarkDropped settles them — or, when the instance that claimed
// them dies first, until the lease ends (delivery stays at least once). Rows queued after an
// undelivered row that is waiting for its retry (or claimed) are held back too, so a receiver
// sees the transitions in the order they happened.
func (db *DB) DueDeliveries(ctx context.Context, receiver string, now time.Time, limit int) ([]alerts.Delivery, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.pool.Query(ctx, `WITH due AS (
			SELECT id FROM alert_outbox
			WHERE receiver = $1 AND sent_at IS NULL AND next_attempt_at <= $2
				AND id < coalesce((SELECT min(id) FROM alert_outbox
					WHERE receiver = $1 AND sent_at IS NULL AND next_attempt_at > $2), 9223372036854775807)
			ORDER BY id LIMIT $3
			FOR UPDATE SKIP LOCKED)
		UPDATE alert_outbox o SET next_attempt_at = $4 FROM due WHERE o.id = due.id
		RETURNING o.id, o.transition, o.alert, o.attempts, o.created_at`,
		receiver, now.UnixMilli(), limit, now.Add(ClaimLease).UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	defer rows.Close()
	var out []alerts.Delivery
	for rows.Next() {
		var (
			d       alerts.Delivery
			body    string
			created int64
			js      alertJSON
		)
		if err := rows.Scan(&d.ID, &d.Status, &body, &d.Attempts, &created); err != nil {
			return nil, fmt.Errorf("due deliveries: %w", err)
		}
		if err := json.Unmarshal([]byte(body), &js); err != nil {
			return nil, fmt.Errorf("due deliveries: row %d: %w", d.ID, err)
		}
		d.Receiver, d.CreatedAt = receiver, msTime(created)
		d.Alert = alerts.Alert{Key: js.Key, Kind: js.Kind, Labels: js.Labels, Annotations: js.Annotations, StartsAt: msTime(js.StartsAt)}
		if js.EndsAt != 0 {
			d.Alert.EndsAt = msTime(js.EndsAt)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b alerts.Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ClaimLease is how long rows returned by DueDeliveries stay claimed by the instance that
// asked, unless it settles them sooner.
const ClaimLease = 5 * time.Minute

// MarkSent marks outbox rows delivered at at.
func (db *DB) MarkSent(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE alert_outbox SET sent_at = $1, last_error = NULL WHERE id = ANY($2)`,
		at.UnixMilli(), ids); err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	return nil
}

// MarkFailed counts a failed attempt on outbox rows and schedules the next at next.
func (db *DB) MarkFailed(ctx context.Context, ids []int64, next time.Time, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2
		WHERE id = ANY($3)`, next.UnixMilli(), reason, ids); err != nil {
		return fmt.Errorf("mark failed: %w", err)
	}
	return nil
}

// MarkDropped gives up on outbox rows: they count as done at at (sent_at) and keep why in
// last_error, prefixed "dropped: ".
func (db *DB) MarkDropped(ctx context.Context, ids []int64, at time.Time, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE alert_outbox SET sent_at = $1, attempts = attempts + 1, last_error = $2
		WHERE id = ANY($3)`, at.UnixMilli(), "dropped: "+reason, ids); err != nil {
		return fmt.Errorf("mark dropped: %w", err)
	}
	return nil
}

// PendingDeliveries counts undelivered outbox rows per receiver.
func (db *DB) PendingDeliveries(ctx context.Context) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT receiver, count(*) FROM alert_outbox WHERE sent_at IS NULL GROUP BY receiver`)
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			r string
			n int
		)
		if err := rows.Scan(&r, &n); err != nil {
			return nil, fmt.Errorf("pending deliveries: %w", err)
		}
		out[r] = n
	}
	return out, rows.Err()
}
