package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/covmon/covmon/alerts"
)

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

// AlertColumns are the alerts columns ScanAlert reads, in order.
const AlertColumns = `key, kind, labels, annotations, starts_at, ends_at, updated_at`

// ScanAlert reads an alert's AlertColumns.
func ScanAlert(s Row) (alerts.Alert, error) {
	var (
		a           alerts.Alert
		labels, ann string
		start, upd  int64
		end         *int64
	)
	if err := s.Scan(&a.Key, &a.Kind, &labels, &ann, &start, &end, &upd); err != nil {
		return alerts.Alert{}, err
	}
	if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
		return alerts.Alert{}, fmt.Errorf("alert %s: labels: %w", a.Key, err)
	}
	if err := json.Unmarshal([]byte(ann), &a.Annotations); err != nil {
		return alerts.Alert{}, fmt.Errorf("alert %s: annotations: %w", a.Key, err)
	}
	a.StartsAt, a.EndsAt, a.EvaluatedAt = Time(start), NullTime(end), Time(upd)
	return a, nil
}

// ScanDelivery reads an outbox row of receiver: id, transition, alert, attempts, created_at.
func ScanDelivery(receiver string) func(Row) (alerts.Delivery, error) {
	return func(s Row) (alerts.Delivery, error) {
		var (
			d       alerts.Delivery
			body    string
			created int64
			js      alertJSON
		)
		if err := s.Scan(&d.ID, &d.Status, &body, &d.Attempts, &created); err != nil {
			return alerts.Delivery{}, err
		}
		if err := json.Unmarshal([]byte(body), &js); err != nil {
			return alerts.Delivery{}, fmt.Errorf("row %d: %w", d.ID, err)
		}
		d.Receiver, d.CreatedAt = receiver, Time(created)
		d.Alert = alerts.Alert{Key: js.Key, Kind: js.Kind, Labels: js.Labels, Annotations: js.Annotations, StartsAt: Time(js.StartsAt)}
		if js.EndsAt != 0 {
			d.Alert.EndsAt = Time(js.EndsAt)
		}
		return d, nil
	}
}

// Counts runs query through q and returns its rows as a map of the first column (text) to
// the second (a count).
func Counts(ctx context.Context, q Querier, query string, args ...any) (map[string]int, error) {
	out := map[string]int{}
	err := Each(ctx, q, func(r Row) error {
		var (
			k string
			n int
		)
		if err := r.Scan(&k, &n); err != nil {
			return err
		}
		out[k] = n
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ApplyEvaluation diffs firing against the active alerts and writes, in tx, the new states
// and one outbox row per receiver and transition, then prunes what outlived its retention.
// now is in milliseconds as stored.
func (qs *Queries) ApplyEvaluation(ctx context.Context, tx Querier, now time.Time, firing []alerts.Alert, receivers []string) ([]alerts.Transition, error) {
	active, err := Collect(ctx, tx, ScanAlert, qs.AlertsFiring)
	if err != nil {
		return nil, fmt.Errorf("query alerts: %w", err)
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
			if err := tx.Exec(ctx, qs.AlertRefresh, mustJSON(a.Labels), mustJSON(a.Annotations), now.UnixMilli(), a.Key); err != nil {
				return nil, fmt.Errorf("update %s: %w", a.Key, err)
			}
			continue
		}
		start, err := qs.episodeStart(ctx, tx, a, now)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Key, err)
		}
		a = a.Clone()
		a.StartsAt, a.EndsAt = start, time.Time{}
		if err := tx.Exec(ctx, qs.AlertFire, a.Key, a.Kind, mustJSON(a.Labels), mustJSON(a.Annotations), start.UnixMilli(), now.UnixMilli()); err != nil {
			return nil, fmt.Errorf("insert %s: %w", a.Key, err)
		}
		trs = append(trs, alerts.Transition{Status: alerts.Firing, Alert: a})
	}
	// Every receiver hears every transition, except the end of a superseded alert (a shape this
	// version no longer raises, e.g. the per-village regressions before they were grouped): it
	// resolves once, like any other, but a receiver whose firing row of it was still undelivered
	// never heard of it, so that row is withdrawn and nothing is sent to it; the others hear
	// the resolution. An upgrade then costs the receivers at most what they already heard.
	to := make([][]string, len(trs), len(trs)+len(active))
	for i := range to {
		to[i] = receivers
	}
	var withdraw Stmt
	for _, a := range active {
		if seen[a.Key] {
			continue
		}
		if err := tx.Exec(ctx, qs.AlertResolve, now.UnixMilli(), now.UnixMilli(), a.Key); err != nil {
			return nil, fmt.Errorf("resolve %s: %w", a.Key, err)
		}
		a.EndsAt = now
		trs = append(trs, alerts.Transition{Status: alerts.Resolved, Alert: a})
		if !alerts.Superseded(a) {
			to = append(to, receivers)
			continue
		}
		if withdraw == nil {
			if withdraw, err = tx.Prepare(ctx, qs.OutboxWithdraw); err != nil {
				return nil, fmt.Errorf("prepare outbox withdrawal: %w", err)
			}
			defer withdraw.Close()
		}
		var heard []string
		for _, r := range receivers {
			n, err := withdraw.Exec(ctx, now.UnixMilli(), "dropped: superseded before delivery", r, a.Key, a.StartsAt.UnixMilli())
			if err != nil {
				return nil, fmt.Errorf("withdraw %s for %s: %w", a.Key, r, err)
			}
			if n == 0 {
				heard = append(heard, r)
			}
		}
		to = append(to, heard)
	}
	if err := qs.enqueue(ctx, tx, now, trs, to); err != nil {
		return nil, err
	}
	if err := tx.Exec(ctx, qs.OutboxPrune, now.Add(-outboxRetention).UnixMilli()); err != nil {
		return nil, fmt.Errorf("prune outbox: %w", err)
	}
	if err := tx.Exec(ctx, qs.AlertsPrune, now.Add(-resolvedRetention).UnixMilli()); err != nil {
		return nil, fmt.Errorf("prune alerts: %w", err)
	}
	return trs, nil
}

// episodeStart returns when a new episode of a starts: its own StartsAt when set, not in the
// future and after the previous episode's end; otherwise now (and always after that end).
func (qs *Queries) episodeStart(ctx context.Context, tx Querier, a alerts.Alert, now time.Time) (time.Time, error) {
	var prevEnd *int64
	err := tx.QueryRow(ctx, qs.AlertEndsAt, a.Key).Scan(&prevEnd)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, err
	}
	start := Time(a.StartsAt.UnixMilli())
	if a.StartsAt.IsZero() || start.After(now) {
		start = now
	}
	if prevEnd != nil && start.UnixMilli() <= *prevEnd {
		start = Time(max(now.UnixMilli(), *prevEnd+1))
	}
	return start, nil
}

// enqueue queues each transition trs[i] for the receivers to[i].
func (qs *Queries) enqueue(ctx context.Context, tx Querier, now time.Time, trs []alerts.Transition, to [][]string) error {
	var st Stmt
	for i, t := range trs {
		if len(to[i]) == 0 {
			continue
		}
		if st == nil {
			var err error
			if st, err = tx.Prepare(ctx, qs.OutboxInsert); err != nil {
				return fmt.Errorf("prepare outbox insert: %w", err)
			}
			defer st.Close()
		}
		a := t.Alert
		body := alertJSON{Key: a.Key, Kind: a.Kind, Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt.UnixMilli()}
		if !a.EndsAt.IsZero() {
			body.EndsAt = a.EndsAt.UnixMilli()
		}
		js := mustJSON(body)
		for _, r := range to[i] {
			if _, err := st.Exec(ctx, r, a.Key, t.Status, a.StartsAt.UnixMilli(), js, now.UnixMilli(), now.UnixMilli()); err != nil {
				return fmt.Errorf("queue %s %s for %s: %w", a.Key, t.Status, r, err)
			}
		}
	}
	return nil
}
