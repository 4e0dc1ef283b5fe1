package alerts

import (
	"context"
	"time"
)

// Store keeps the alert states and the outbox. collector/sqlite implements it.
type Store interface {
	// ApplyEvaluation records an evaluation at now in one transaction: an alert of firing that
	// is not active starts firing (at its StartsAt when that is set and later than the key's
	// previous end, otherwise at now); an active alert missing from firing resolves with
	// EndsAt = now; an active alert still firing keeps its StartsAt and takes the new labels
	// and annotations. Every transition is queued for each of receivers, de-duplicated on
	// receiver + key + transition + StartsAt, so applying the same evaluation twice queues
	// nothing the second time. An active alert that is Superseded resolves the same way, but
	// a receiver whose firing row of its episode is still undelivered hears nothing of it: that
	// row is settled as dropped ("superseded before delivery") and no resolution is queued for
	// it. It returns the transitions, with the stored StartsAt/EndsAt.
	ApplyEvaluation(ctx context.Context, now time.Time, firing []Alert, receivers []string) ([]Transition, error)
	// ActiveAlerts returns the alerts firing now, sorted by key.
	ActiveAlerts(ctx context.Context) ([]Alert, error)
	// DueDeliveries returns up to limit undelivered outbox rows of receiver whose next attempt
	// is at or before now, oldest first.
	DueDeliveries(ctx context.Context, receiver string, now time.Time, limit int) ([]Delivery, error)
	// MarkSent marks rows delivered at at.
	MarkSent(ctx context.Context, ids []int64, at time.Time) error
	// MarkFailed counts a failed attempt on rows and schedules the next one at next.
	MarkFailed(ctx context.Context, ids []int64, next time.Time, reason string) error
	// MarkDropped gives up on rows at at (a permanent failure): they are no longer due, and
	// keep reason as their last error.
	MarkDropped(ctx context.Context, ids []int64, at time.Time, reason string) error
	// PendingDeliveries counts undelivered rows per receiver.
	PendingDeliveries(ctx context.Context) (map[string]int, error)
}

// Transition is an alert that started firing or resolved in an evaluation.
type Transition struct {
	// Status is Firing or Resolved.
	Status string
	Alert  Alert
}

// Delivery is one outbox row: one transition of one alert for one receiver.
type Delivery struct {
	ID       int64
	Receiver string
	// Status is Firing or Resolved; Alert is the alert as it was at the transition.
	Status    string
	Alert     Alert
	Attempts  int
	CreatedAt time.Time
}
