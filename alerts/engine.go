package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
)

// Engine stores evaluations and delivers their transitions through the outbox. Create it with
// NewEngine, set optional fields, call Start, and Close when done. Apply may be called before
// Start (rows wait in the outbox) and from any goroutine.
type Engine struct {
	Store     Store
	Notifiers []Notifier
	Logger    *slog.Logger
	// Clock is "now" for evaluations, retries and the resend period (default: real clock).
	Clock clockwork.Clock

	// ResendEvery is how often active alerts are re-posted to Resenders (default 1m).
	ResendEvery time.Duration
	// PollEvery is how often each receiver's loop looks for rows due for a retry (default 10s);
	// Apply wakes the loops at once.
	PollEvery time.Duration
	// SendTimeout bounds one Notify call (default 10s).
	SendTimeout time.Duration
	// MinBackoff and MaxBackoff bound the retry delay, which doubles per failed attempt
	// (defaults 5s and 10m).
	MinBackoff, MaxBackoff time.Duration
	// BatchSize is the most rows sent in one Notify call (default 100).
	BatchSize int
	// Elector, when set, says whether this instance leads (several instances on one
	// database): the delivery and resend loops skip their turn on the others. Drain and
	// Resend called directly do not ask.
	Elector Elector

	metrics *engineMetrics
	kicks   map[string]chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// NewEngine returns an Engine over store delivering to notifiers, with its metrics registered
// on reg (nil: not registered). Notifier names must be unique.
func NewEngine(store Store, notifiers []Notifier, reg prometheus.Registerer) (*Engine, error) {
	names := make([]string, 0, len(notifiers))
	kicks := make(map[string]chan struct{}, len(notifiers))
	for _, n := range notifiers {
		if _, dup := kicks[n.Name()]; dup || n.Name() == "" {
			return nil, fmt.Errorf("alerts: receiver name %q empty or repeated", n.Name())
		}
		kicks[n.Name()] = make(chan struct{}, 1)
		names = append(names, n.Name())
	}
	return &Engine{
		Store: store, Notifiers: notifiers, Clock: clockwork.NewRealClock(),
		ResendEvery: time.Minute, PollEvery: 10 * time.Second, SendTimeout: 10 * time.Second,
		MinBackoff: 5 * time.Second, MaxBackoff: 10 * time.Minute, BatchSize: 100,
		metrics: newEngineMetrics(reg, names), kicks: kicks,
	}, nil
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

func (e *Engine) receivers() []string {
	out := make([]string, len(e.Notifiers))
	for i, n := range e.Notifiers {
		out[i] = n.Name()
	}
	return out
}

// Apply stores the evaluation r at the engine's now, queues its transitions for every receiver,
// updates the metrics and wakes the delivery loops. It never waits for a receiver.
func (e *Engine) Apply(ctx context.Context, r Result) ([]Transition, error) {
	now := e.Clock.Now()
	trs, err := e.Store.ApplyEvaluation(ctx, now, r.Alerts, e.receivers())
	if err != nil {
		return nil, fmt.Errorf("apply evaluation: %w", err)
	}
	e.metrics.setFiring(r.Alerts)
	e.metrics.setProjections(r.Projections)
	for _, t := range trs {
		e.logger().Debug("alert "+t.Status, "key", t.Alert.Key, "summary", t.Alert.Annotations["summary"])
	}
	if len(trs) > 0 {
		for _, k := range e.kicks {
			select {
			case k <- struct{}{}:
			default:
			}
		}
	}
	e.updatePending(ctx)
	return trs, nil
}

func (e *Engine) updatePending(ctx context.Context) {
	n, err := e.Store.PendingDeliveries(ctx)
	if err != nil {
		e.logger().Warn("count pending alert deliveries", "err", err)
		return
	}
	for _, r := range e.receivers() {
		e.metrics.pending.WithLabelValues(r).Set(float64(n[r]))
	}
}

// Start runs one delivery loop per receiver and, when a receiver is a Resender, the resend loop,
// until ctx ends or Close is called. It returns at once.
func (e *Engine) Start(ctx context.Context) {
	ctx, e.cancel = context.WithCancel(ctx)
	for _, n := range e.Notifiers {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.deliverLoop(ctx, n)
		}()
		if r, ok := n.(Resender); ok && r.Resend() {
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				e.resendLoop(ctx, r)
			}()
		}
	}
}

// Close stops the loops and waits for them. Undelivered rows stay in the outbox.
func (e *Engine) Close() {
	if e.cancel != nil {
		e.cancel()
	}
	e.wg.Wait()
}

func (e *Engine) deliverLoop(ctx context.Context, n Notifier) {
	every := e.PollEvery
	if every <= 0 {
		every = 10 * time.Second
	}
	for {
		if e.leads(ctx) { // otherwise another instance delivers
			if err := e.Drain(ctx, n); err != nil && ctx.Err() == nil {
				e.logger().Warn("alert delivery", "receiver", n.Name(), "err", err)
			}
		}
		t := e.Clock.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-e.kicks[n.Name()]:
		case <-t.Chan():
		}
		t.Stop()
	}
}

// Elector tells whether this instance leads among several sharing one database (gocron's
// Elector has the same method; collector/postgres.Elector implements both).
type Elector interface {
	// IsLeader returns nil when this instance leads.
	IsLeader(ctx context.Context) error
}

// leads reports whether this instance should run its loops' work now: always without an
// Elector.
func (e *Engine) leads(ctx context.Context) bool {
	return e.Elector == nil || e.Elector.IsLeader(ctx) == nil
}

// errReceiver wraps a failed Notify; Drain returns it after scheduling the retry.
var errReceiver = errors.New("receiver failed")

// Drain sends n's due outbox rows, oldest first, in batches of one transition. A failed batch
// is rescheduled with exponential backoff and ends the pass (later rows wait, so the receiver
// sees transitions in order). It returns the first error.
func (e *Engine) Drain(ctx context.Context, n Notifier) error {
	defer e.updatePending(context.WithoutCancel(ctx))
	batch := e.BatchSize
	if batch <= 0 {
		batch = 100
	}
	for ctx.Err() == nil {
		now := e.Clock.Now()
		rows, err := e.Store.DueDeliveries(ctx, n.Name(), now, batch)
		if err != nil {
			return fmt.Errorf("load outbox: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		for len(rows) > 0 {
			j := 1
			for j < len(rows) && rows[j].Status == rows[0].Status {
				j++
			}
			if err := e.send(ctx, n, rows[:j]); err != nil {
				return err
			}
			rows = rows[j:]
		}
	}
	return ctx.Err()
}

func (e *Engine) send(ctx context.Context, n Notifier, rows []Delivery) error {
	as := make([]Alert, len(rows))
	ids := make([]int64, len(rows))
	attempts := 0
	for i, r := range rows {
		as[i], ids[i] = r.Alert, r.ID
		attempts = max(attempts, r.Attempts)
	}
	timeout := e.SendTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	err := n.Notify(sctx, as)
	cancel()
	// Bookkeeping must happen even when ctx was cancelled during the send.
	bctx := context.WithoutCancel(ctx)
	if err == nil {
		e.metrics.deliveries.WithLabelValues(n.Name(), "success").Add(float64(len(rows)))
		if merr := e.Store.MarkSent(bctx, ids, e.Clock.Now()); merr != nil {
			return fmt.Errorf("mark sent: %w", merr)
		}
		return nil
	}
	if errors.Is(err, ErrPermanent) {
		e.metrics.deliveries.WithLabelValues(n.Name(), "dropped").Add(float64(len(rows)))
		e.logger().Error("alert delivery dropped: the receiver refuses it for good", "receiver", n.Name(),
			"alerts", len(rows), "status", rows[0].Status, "err", err)
		if merr := e.Store.MarkDropped(bctx, ids, e.Clock.Now(), err.Error()); merr != nil {
			return fmt.Errorf("mark dropped: %w", merr)
		}
		return nil
	}
	e.metrics.deliveries.WithLabelValues(n.Name(), "failure").Add(float64(len(rows)))
	next := e.Clock.Now().Add(e.backoff(attempts))
	if merr := e.Store.MarkFailed(bctx, ids, next, err.Error()); merr != nil {
		return fmt.Errorf("mark failed: %w", merr)
	}
	return fmt.Errorf("%w: %s: %d %s alert(s), attempt %d, next at %s: %w", errReceiver, n.Name(), len(rows), rows[0].Status,
		attempts+1, next.Format(time.RFC3339), err)
}

// backoff returns the delay after the given number of earlier failed attempts:
// MinBackoff·2^attempts, at most MaxBackoff.
func (e *Engine) backoff(attempts int) time.Duration {
	lo, hi := e.MinBackoff, e.MaxBackoff
	if lo <= 0 {
		lo = 5 * time.Second
	}
	if hi < lo {
		hi = max(lo, 10*time.Minute)
	}
	d := lo
	for range attempts {
		if d >= hi/2 {
			return hi
		}
		d *= 2
	}
	return min(d, hi)
}

func (e *Engine) resendLoop(ctx context.Context, r Resender) {
	every := e.ResendEvery
	if every <= 0 {
		every = time.Minute
	}
	t := e.Clock.NewTicker(every)
	defer t.Stop()
	for {
		if e.leads(ctx) { // otherwise another instance re-posts
			if err := e.Resend(ctx, r); err != nil && ctx.Err() == nil {
				e.logger().Warn("alert resend", "receiver", r.Name(), "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
	}
}

// Resend posts every active alert to n once (the periodic re-post for Alertmanager).
func (e *Engine) Resend(ctx context.Context, n Notifier) error {
	active, err := e.Store.ActiveAlerts(ctx)
	if err != nil {
		return fmt.Errorf("load active alerts: %w", err)
	}
	if len(active) == 0 {
		return nil
	}
	timeout := e.SendTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := n.Notify(sctx, active); err != nil {
		e.metrics.deliveries.WithLabelValues(n.Name(), "failure").Add(float64(len(active)))
		return fmt.Errorf("%w: %s: resend %d alert(s): %w", errReceiver, n.Name(), len(active), err)
	}
	e.metrics.deliveries.WithLabelValues(n.Name(), "success").Add(float64(len(active)))
	return nil
}
