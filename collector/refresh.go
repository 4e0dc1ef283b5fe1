package collector

import (
	"context"
	"errors"
	"sync"
)

// The refresh after an upload runs off the request path, in one goroutine per Runner, and
// coalesces: however many uploads arrive while a refresh runs, one more refresh follows, which
// sees all of them. A burst of 20 uploads thus costs one or two national re-evaluations, not 20,
// and an upload's latency depends on its file, not on the size of the registry.

// refreshLevel says how much of the snapshot an upload made stale.
type refreshLevel int

const (
	refreshNone    refreshLevel = iota
	refreshUploads              // a rejected or duplicate upload: only the upload figures
	refreshTouched              // accepted observations: the villages they touched
	refreshAll                  // an accepted registry, assignments or crosswalk: everything
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
	changed chan struct{} // closed (and replaced) when served grows
}

// startRefresher starts the refresh goroutine once; Shutdown stops it.
func (r *Runner) startRefresher() {
	q := &r.refresh
	q.once.Do(func() {
		q.kick = make(chan struct{}, 1)
		q.changed = make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
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
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.kick:
		}
		q.mu.Lock()
		level, asked := q.level, q.asked
		q.level = refreshNone
		q.mu.Unlock()
		var err error
		switch level {
		case refreshAll:
			err = r.Refresh(ctx)
		case refreshTouched:
			err = r.refreshTouched(ctx)
		case refreshUploads:
			err = r.refreshUploads(ctx)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			// Logged here, once; the next upload or the scheduled refresh tries again.
			r.logger().Error("refresh after upload", "err", err)
		}
		q.mu.Lock()
		q.served = asked
		close(q.changed)
		q.changed = make(chan struct{})
		q.mu.Unlock()
	}
}

// WaitRefreshed waits until the snapshot reflects every upload ingested through the Runner
// before the call (the refreshes they asked for have run, successfully or not), the Runner is
// shut down, or ctx ends.
func (r *Runner) WaitRefreshed(ctx context.Context) error {
	q := &r.refresh
	q.mu.Lock()
	if q.changed == nil { // nothing was ever asked
		q.mu.Unlock()
		return nil
	}
	want := q.asked
	for q.served < want && !q.stopped {
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
		close(q.changed)
		q.changed = make(chan struct{})
	}
	q.mu.Unlock()
}
