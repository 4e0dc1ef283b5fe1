package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector/internal/sqlstore"
)

var _ alerts.Store = (*DB)(nil)

// ApplyEvaluation implements alerts.Store: it diffs firing against the active alerts and writes
// the new states and one outbox row per receiver and transition, all in one transaction.
func (db *DB) ApplyEvaluation(ctx context.Context, now time.Time, firing []alerts.Alert, receivers []string) ([]alerts.Transition, error) {
	now = sqlstore.Time(now.UnixMilli())
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("apply evaluation: %w", err)
	}
	defer tx.Rollback()
	trs, err := queries.ApplyEvaluation(ctx, sq(tx), now, firing, receivers)
	if err != nil {
		return nil, fmt.Errorf("apply evaluation: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("apply evaluation: commit: %w", err)
	}
	return trs, nil
}

// ActiveAlerts returns the alerts firing now, sorted by key.
func (db *DB) ActiveAlerts(ctx context.Context) ([]alerts.Alert, error) {
	as, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanAlert, queries.AlertsFiring)
	if err != nil {
		return nil, fmt.Errorf("active alerts: %w", err)
	}
	return as, nil
}

// DueDeliveries returns up to limit undelivered outbox rows of receiver due at now, oldest first.
// Rows queued after an undelivered row that is waiting for its retry are held back too, so a
// receiver sees the transitions in the order they happened.
func (db *DB) DueDeliveries(ctx context.Context, receiver string, now time.Time, limit int) ([]alerts.Delivery, error) {
	if limit <= 0 {
		limit = 100
	}
	out, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanDelivery(receiver), `SELECT id, transition, alert, attempts, created_at
		FROM alert_outbox
		WHERE receiver = ?1 AND sent_at IS NULL AND next_attempt_at <= ?2
			AND id < ifnull((SELECT min(id) FROM alert_outbox
				WHERE receiver = ?1 AND sent_at IS NULL AND next_attempt_at > ?2), 9223372036854775807)
		ORDER BY id LIMIT ?3`,
		receiver, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	return out, nil
}

func idList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(ids)), ","), args
}

// MarkSent marks outbox rows delivered at at.
func (db *DB) MarkSent(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	in, args := idList(ids)
	if _, err := db.rw.ExecContext(ctx, `UPDATE alert_outbox SET sent_at = ?, last_error = NULL WHERE id IN (`+in+`)`,
		append([]any{at.UnixMilli()}, args...)...); err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	return nil
}

// MarkFailed counts a failed attempt on outbox rows and schedules the next at next.
func (db *DB) MarkFailed(ctx context.Context, ids []int64, next time.Time, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	in, args := idList(ids)
	if _, err := db.rw.ExecContext(ctx, `UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
		WHERE id IN (`+in+`)`, append([]any{next.UnixMilli(), reason}, args...)...); err != nil {
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
	in, args := idList(ids)
	if _, err := db.rw.ExecContext(ctx, `UPDATE alert_outbox SET sent_at = ?, attempts = attempts + 1, last_error = ?
		WHERE id IN (`+in+`)`, append([]any{at.UnixMilli(), "dropped: " + reason}, args...)...); err != nil {
		return fmt.Errorf("mark dropped: %w", err)
	}
	return nil
}

// PendingDeliveries counts undelivered outbox rows per receiver.
func (db *DB) PendingDeliveries(ctx context.Context) (map[string]int, error) {
	out, err := sqlstore.Counts(ctx, sq(db.reader(ctx)), `SELECT receiver, count(*) FROM alert_outbox WHERE sent_at IS NULL GROUP BY receiver`)
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", err)
	}
	return out, nil
}
