package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/geo"
)

// Shutdown bounds of covmon serve: HTTP stops taking requests and waits httpShutdown for the
// running ones; uploads still being stored then — through the API, and the drop-folder files
// and feed bodies being ingested — are waited for until uploadShutdown after the signal in all
// (the API's clients get their answers: the connections stay open meanwhile), and cancelled
// after that — each is stored whole or not at all. Together they stay under systemd's default
// stop timeout of 90 s (docs/deployment.md).
const (
	httpShutdown   = 15 * time.Second
	uploadShutdown = 60 * time.Second
	// uploadAnswerWait bounds, after the uploads, the wait for their answers to be written
	// (stored) or for their cancellation to end (a rollback; cut off).
	uploadAnswerWait = 5 * time.Second
)

// inFlight counts the uploads covmon serve is storing — one for the API's, one for the drop
// folder's and the feeds' —, so that a shutdown can wait for them and the log says what became
// of each one that ends after the shutdown began: stored (upload ID, sender, file name, source)
// — an API client may have had no answer —, or not.
type inFlight struct {
	logger *slog.Logger

	mu       sync.Mutex
	n        int
	stopping bool
	ended    chan struct{} // a token each time an upload ends
}

func newInFlight(logger *slog.Logger) *inFlight {
	return &inFlight{logger: logger, ended: make(chan struct{}, 1)}
}

// wrap returns ingest counted.
func (a *inFlight) wrap(ingest httpapi.IngestFunc) httpapi.IngestFunc {
	return httpapi.IngestFunc(a.wrapJob(collector.IngestFunc(ingest)))
}

// wrapJob returns ingest counted (collector.Runner.WrapJobIngest).
func (a *inFlight) wrapJob(ingest collector.IngestFunc) collector.IngestFunc {
	return func(ctx context.Context, f collector.File, r io.Reader) (*geo.Upload, error) {
		a.mu.Lock()
		a.n++
		a.mu.Unlock()
		u, err := ingest(ctx, f, r)
		a.done(f, u, err)
		return u, err
	}
}

func (a *inFlight) done(f collector.File, u *geo.Upload, err error) {
	a.mu.Lock()
	a.n--
	stopping := a.stopping
	a.mu.Unlock()
	select {
	case a.ended <- struct{}{}:
	default:
	}
	if !stopping || f.DryRun || (u == nil && err == nil) { // nil, nil: a feed unchanged (304)
		return
	}
	switch {
	case err != nil:
		a.logger.Warn("upload ended during shutdown: not stored", "file", f.Name, "carrier", f.Carrier, "token_id", f.TokenID, "source", f.Source, "err", err)
	case u.Result == geo.ResultDuplicate:
		a.logger.Warn("upload ended during shutdown: a duplicate, nothing stored", "file", f.Name, "carrier", u.Carrier, "role", u.Role, "token_id", u.TokenID, "duplicate_of", u.DuplicateOf, "source", f.Source)
	default:
		a.logger.Warn("upload stored during shutdown", "upload_id", u.ID, "result", u.Result, "file", u.FileName, "carrier", u.Carrier, "role", u.Role, "token_id", u.TokenID, "source", f.Source)
	}
}

// stop marks the shutdown's start: from now on each upload that ends is logged.
func (a *inFlight) stop() {
	a.mu.Lock()
	a.stopping = true
	a.mu.Unlock()
}

// wait waits until no upload is in flight or until deadline; it reports whether none is.
func (a *inFlight) wait(deadline time.Time) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for a.count() > 0 {
		select {
		case <-a.ended:
		case <-t.C:
			return a.count() == 0
		}
	}
	return true
}

// count returns the uploads in flight.
func (a *inFlight) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}
