package collector

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/geo"
)

// The refresh after an upload runs off the request path, in one goroutine per Runner, and
// coalesces: however many uploads arrive while a refresh runs, one more refresh follows, which
// sees all of them. A burst of 20 uploads thus costs one or two national re-evaluations, not 20,
// and an upload's latency depends on its file, not on the size of the registry.
//
// An upload that the villages it touched cannot reflect exactly at the snapshot's instant (see
// refreshTouched), and a carrier's plans, owe a whole computation. It runs at once when the last
// whole computation ended at least MinFullRefresh ago, else when that interval is over: a
// carrier sending a file dated "now" every few seconds costs at most one whole computation per
// interval, not one per file, and no stream of uploads can postpone the owed one (its time is
// fixed by the last whole computation, not by the newest upload). Meanwhile the snapshot keeps
// its instant and says that a computation is owed (geo.Snapshot's PendingSince and PendingDue).

// refreshLevel says how much of the snapshot an upload made stale.
type refreshLevel int

const (
	refreshNone    refreshLevel = iota
	refreshUploads              // a rejected or duplicate upload: only the upload figures
	refreshTouched              // accepted observations: the villages they touched
	refreshOwed                 // accepted plans: the villages touched, and a whole computation owed
	refreshAll                  // an accepted registry, assignments or crosswalk: everything, at once
)

// refresher is the Runner's coalescing refresh queue.
type refresher struct {
	once   sync.Once
	kick   chan struct{} // capacity 1: a pending wake-up
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	stopped bool          // Shutdown ran: requests are dropped, nobody waits
	level   refreshLevel  // the pending request, refreshNone when there is none
	asked   uint64        // requests so far
	served  uint64        // requests covered by a finished refresh
	handled uint64        // requests taken up: served, or owing a whole computation
	changed chan struct{} // closed (and replaced) when served or handled grows

	// A whole computation owed to the requests up to owedUpTo (0: none owed), since owedSince;
	// lastWhole is when the last whole computation ended (zero: none yet).
	owedUpTo  uint64
	owedSince time.Time
	lastWhole time.Time
}

// startRefresher starts the refresh goroutine once; Shutdown stops it.
func (r *Runner) startRefresher() {
	q := &r.refresh
	q.once.Do(func() {
		q.kick = make(chan struct{}, 1)
		q.changed = make(chan struct{})
		ctx, cancel := context.WithCancel(Background(context.Background()))
		q.cancel = cancel
		q.wg.Add(1)
		go func() {
			defer q.wg.Done()
			r.refreshLoop(ctx)
		}()
	})
}

// requestRefresh asks for a refresh of at least level and returns at once.
func (r *Runner) requestRefresh(level refreshLevel) {
	r.startRefresher()
	q := &r.refresh
	q.mu.Lock()
	if q.stopped {
		q.mu.Unlock()
		return
	}
	q.level = max(q.level, level)
	q.asked++
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default: // a wake-up is already pending; it will see this request
	}
}

func (r *Runner) refreshLoop(ctx context.Context) {
	q := &r.refresh
	var timer clockwork.Timer // the owed whole computation's, nil when none is armed
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	var timerC <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.kick:
		case <-timerC:
			timer, timerC = nil, nil
		}
		q.mu.Lock()
		level, asked := q.level, q.asked
		q.level = refreshNone
		q.mu.Unlock()
		var err error
		switch level {
		case refreshAll:
			err = r.Refresh(ctx)
		case refreshTouched, refreshOwed:
			err = r.refreshTouched(ctx, asked, level == refreshOwed)
		case refreshUploads:
			err = r.refreshUploads(ctx)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			// Logged here, once. Uploads whose refresh failed owe a whole computation: the
			// figures do not count them and say so (never persisted as if they did).
			r.logger().Error("refresh after upload", "err", err)
			if level >= refreshTouched {
				r.refreshFailed(asked)
			}
		}
		// An owed whole computation runs when due, or is waited for; one that failed is tried
		// again when the interval is over (with no interval, at the next upload or the
		// scheduled refresh).
		if due, owed := r.owedDue(); owed && !due.After(r.now()) {
			if err := r.Refresh(ctx); err != nil && !errors.Is(err, context.Canceled) {
				r.logger().Error("refresh owed to uploads", "err", err)
			}
		}
		if due, owed := r.owedDue(); owed && due.After(r.now()) {
			if timer != nil {
				timer.Stop()
			}
			timer = r.clock().NewTimer(due.Sub(r.now()))
			timerC = timer.Chan()
		}
		q.mu.Lock()
		q.handled = max(q.handled, asked)
		if q.owedUpTo == 0 {
			q.served = max(q.served, asked)
		}
		q.broadcast()
		q.mu.Unlock()
	}
}

// broadcast wakes whoever waits for served or handled (with mu held).
func (q *refresher) broadcast() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// minFullRefresh is the least time between the end of a whole computation and the start of
// one owed to uploads.
func (r *Runner) minFullRefresh() time.Duration { return max(r.MinFullRefresh, 0) }

// owe records that the requests up to asked owe a whole computation (with refreshMu held);
// the snapshot stored next says so (markPending).
func (r *Runner) owe(asked uint64) {
	q := &r.refresh
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.owedUpTo == 0 {
		q.owedSince = r.now()
	}
	q.owedUpTo = max(q.owedUpTo, asked)
}

// refreshFailed records that the requests up to asked, whose refresh failed, owe a whole
// computation, run when the interval is over (or at once when it is): until then the snapshot
// says so (its pending fields), WaitRefreshed waits for it, and no partial snapshot is
// persisted under a data version whose uploads it does not count.
func (r *Runner) refreshFailed(asked uint64) {
	r.refreshMu.Lock()
	defer r.refreshMu.Unlock()
	r.owe(asked)
	if cur := r.snap.Load(); cur != nil {
		next := *cur
		r.markPending(&next)
		r.snap.Store(&next)
	}
}

// markPending sets s's pending fields: whether it owes a whole computation, since when and
// when it is due.
func (r *Runner) markPending(s *geo.Snapshot) {
	since, due, ok := r.RefreshPending()
	if !ok {
		since, due = time.Time{}, time.Time{}
	}
	s.PendingSince, s.PendingDue = since, due
}

// owedDue returns when the whole computation owed is due, if one is.
func (r *Runner) owedDue() (time.Time, bool) {
	q := &r.refresh
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.lastWhole.Add(r.minFullRefresh()), q.owedUpTo != 0
}

// wholeStarts is called by a whole computation before it reads anything (with refreshMu held):
// it returns the requests whose data it will see.
func (r *Runner) wholeStarts() uint64 {
	q := &r.refresh
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.asked
}

// wholeEnded is called when a whole computation that saw the requests up to asked ended
// (with refreshMu held), ok when it succeeded: those requests are served, and what they owed
// is paid.
func (r *Runner) wholeEnded(asked uint64, ok bool) {
	q := &r.refresh
	q.mu.Lock()
	defer q.mu.Unlock()
	q.lastWhole = r.now()
	if !ok {
		return
	}
	r.wholes.Add(1)
	if q.owedUpTo != 0 && q.owedUpTo <= asked {
		q.owedUpTo, q.owedSince = 0, time.Time{}
	}
	if q.owedUpTo == 0 && asked > q.served {
		q.served = asked
		if q.changed != nil {
			q.broadcast()
		}
	}
}

// RefreshPending reports whether the figures owe a whole computation to uploads they do not
// count yet, since when, and when it is due to start.
func (r *Runner) RefreshPending() (since, due time.Time, pending bool) {
	q := &r.refresh
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.owedSince, q.lastWhole.Add(r.minFullRefresh()), q.owedUpTo != 0
}

// WholeRefreshes returns how many whole computations of the snapshot have finished.
func (r *Runner) WholeRefreshes() uint64 { return r.wholes.Load() }

// WaitHandled waits until the refresh loop has taken up every request made before the call:
// the snapshot reflects it, or a whole computation it owes is pending (RefreshPending). It
// returns early when the Runner is shut down or ctx ends.
func (r *Runner) WaitHandled(ctx context.Context) error {
	return r.waitFor(ctx, func(q *refresher) uint64 { return q.handled })
}

// WaitRefreshed waits until the snapshot reflects every upload ingested through the Runner
// before the call (the refreshes they asked for have run, successfully or not, including a
// whole computation they owe, which may wait for MinFullRefresh), the Runner is shut down, or
// ctx ends.
func (r *Runner) WaitRefreshed(ctx context.Context) error {
	return r.waitFor(ctx, func(q *refresher) uint64 { return q.served })
}

// waitFor waits until count(q) reaches the requests made before the call.
func (r *Runner) waitFor(ctx context.Context, count func(*refresher) uint64) error {
	q := &r.refresh
	q.mu.Lock()
	if q.changed == nil { // nothing was ever asked
		q.mu.Unlock()
		return nil
	}
	want := q.asked
	for count(q) < want && !q.stopped {
		ch := q.changed
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		q.mu.Lock()
	}
	q.mu.Unlock()
	return nil
}

// stopRefresher stops the refresh goroutine (cancelling a running refresh) and waits for it.
func (r *Runner) stopRefresher() {
	q := &r.refresh
	q.once.Do(func() {}) // no goroutine may start after this
	if q.cancel != nil {
		q.cancel()
		q.wg.Wait()
	}
	// Nothing will serve the requests left: release whoever waits for them.
	q.mu.Lock()
	q.stopped = true
	if q.changed != nil {
		q.broadcast()
	}
	q.mu.Unlock()
}
