package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector/internal/sqlstore"
)

var _ alerts.Store = (*DB)(nil)

// ApplyEvaluation implements alerts.Store: it diffs firing against the active alerts and writes
// the new states and one outbox row per receiver and transition, all in one transaction.
func (db *DB) ApplyEvaluation(ctx context.Context, now time.Time, firing []alerts.Alert, receivers []string) ([]alerts.Transition, error) {
	now = msTime(now.UnixMilli())
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply evaluation: %w", err)
	}
	defer tx.Rollback(ctx)
	trs, err := queries.ApplyEvaluation(ctx, sq(tx), now, firing, receivers)
	if err != nil {
		return nil, fmt.Errorf("apply evaluation: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("apply evaluation: commit: %w", err)
	}
	return trs, nil
}

// ActiveAlerts returns the alerts firing now, sorted by key.
func (db *DB) ActiveAlerts(ctx context.Context) ([]alerts.Alert, error) {
	as, err := sqlstore.Collect(ctx, sq(db.pool), sqlstore.ScanAlert, queries.AlertsFiring)
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
	out, err := sqlstore.Collect(ctx, sq(db.pool), sqlstore.ScanDelivery(receiver), `WITH due AS (
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
	out, err := sqlstore.Counts(ctx, sq(db.pool), `SELECT receiver, count(*) FROM alert_outbox WHERE sent_at IS NULL GROUP BY receiver`)
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", err)
	}
	return out, nil
}
