package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/geo"
)

// Runner runs covmon's scheduled work with gocron: it scans the drop folder, pulls feeds, and
// keeps the snapshot that metrics, the API and alerts read up to date. Every job runs in
// singleton mode, so a slow run is never overlapped by the next.
//
// Set the exported fields, then call Start; Shutdown stops the jobs (cancelling a running one's
// context) and waits for them.
type Runner struct {
	Ingester *Ingester
	Store    SnapshotStore
	Programs []geo.Program
	Policy   geo.Policy
	Logger   *slog.Logger

	// Figures, when set, receives the daily figures (see recordDay) and the backfill.
	Figures FiguresStore

	// Inbox is the drop folder (empty: none); see ScanInbox.
	Inbox Inbox
	// Feeds are URLs pulled on FeedEvery.
	Feeds   []Feed
	Fetcher *Fetcher

	InboxEvery   time.Duration // default 1 minute
	FeedEvery    time.Duration // default 15 minutes
	RefreshEvery time.Duration // default 5 minutes
	// MinFullRefresh is the least time from the end of one whole computation to the start of
	// a whole computation that uploads owe (see refresher): 0, none (it runs at once). covmon
	// serve's default is DefaultMinFullRefresh.
	MinFullRefresh time.Duration

	// Clock drives the schedule and "now" (default: the real clock). Tests pass a fake one.
	Clock clockwork.Clock
	// Monitor receives job outcomes (e.g. the Prometheus adapter in collector/metrics).
	Monitor gocron.Monitor
	// WrapJobIngest, when set, wraps the ingest of each drop-folder file and each feed pull,
	// from its request on (covmon serve counts them, so that its shutdown waits for them; see
	// Drain). A pull of an unchanged feed (304) returns no upload and no error.
	WrapJobIngest func(IngestFunc) IngestFunc
	// FeedResult, when set, is told after each feed pull whether it failed (a pull error or a
	// rejected file; an unchanged feed, 304, counts as the pull before it), e.g.
	// metrics.FeedMonitor.Record.
	FeedResult func(feed string, failed bool)
	// OnSnapshot, when set, is called after each new snapshot (alerts evaluate there).
	OnSnapshot func(ctx context.Context, s *geo.Snapshot)
	// Elector, when set, elects one instance among several sharing a database (e.g.
	// collector/postgres.Elector): the drop folder, the feeds and the backfill run on the
	// leader only, through a scheduler of their own with gocron's distributed elector. The
	// refresh runs on every instance, since each serves the API and /metrics from its own
	// snapshot of the shared data (the daily figures it records are keyed by program and day,
	// so two instances recording the same day store one row).
	Elector gocron.Elector

	// Warm, when set, keeps the snapshot of each whole computation for a warm start of the
	// next process (see WarmStart); WarmMaxAge bounds the age of one served (default
	// DefaultWarmMaxAge).
	Warm       WarmStore
	WarmMaxAge time.Duration

	sched     gocron.Scheduler
	lead      gocron.Scheduler // the leader-only jobs' scheduler when Elector is set
	snap      atomic.Pointer[geo.Snapshot]
	refreshMu sync.Mutex
	refresh   refresher
	// live is what the current snapshot was tallied from (guarded by refreshMu; nil when an
	// update failed halfway): refreshTouched updates it for the villages an upload touched.
	live *tally
	// evaluated counts the villages evaluated by refreshes, whole or touched; wholes the
	// whole computations finished.
	evaluated atomic.Uint64
	wholes    atomic.Uint64
	// warm is set when the snapshot was served by WarmStart (Start then computes it again at
	// once), guarded by refreshMu. A snapshot is persisted off the refresh (persistAsync,
	// persistQ); persistMu guards saved, what the one persisted last was computed from.
	warm       bool
	persistQ   persistQueue
	persistMu  sync.Mutex
	saved      savedKey
	persisting sync.WaitGroup

	shutdownOnce sync.Once
	shutdownErr  error
	// feedNext is, per carrier, the index among its feeds of the one its next feeds run
	// begins with (PullFeeds), guarded by feedMu.
	feedMu   sync.Mutex
	feedNext map[string]int
	// draining is set by Drain: the drop folder and the feeds begin no ingest.
	draining atomic.Bool
}

// Drain stops the drop folder and the feeds from beginning another ingest: a scan or pull
// running ends after the file or feed it is ingesting, which goes on under its job's context
// (covmon serve's shutdown waits for it, then cancels that context). Scheduled runs after it
// do nothing. It does not stop the refresh.
func (r *Runner) Drain() { r.draining.Store(true) }

// stopping reports whether Drain was called.
func (r *Runner) stopping() bool { return r.draining.Load() }

// DefaultMinFullRefresh is covmon serve's collector.min_full_refresh_interval: at a million
// villages a whole computation is about a minute of CPU, so a stream of uploads dated "now"
// costs at most a third of one core, and such an upload is counted within about three minutes.
const DefaultMinFullRefresh = 2 * time.Minute

// Snapshot returns the latest snapshot, nil before the first refresh.
func (r *Runner) Snapshot() *geo.Snapshot { return r.snap.Load() }

func (r *Runner) now() time.Time {
	if r.Clock == nil {
		return time.Now()
	}
	return r.Clock.Now()
}

func (r *Runner) clock() clockwork.Clock {
	if r.Clock == nil {
		return clockwork.NewRealClock()
	}
	return r.Clock
}

// logWarnings logs at WARN each of u's notes that is a warning (a successor village nobody is
// responsible for, …): an upload taken from the drop folder or a feed has nobody to print
// them to, and its report file is read only when someone looks. At most a few dozen per upload
// (collector's notes are bounded).
func (r *Runner) logWarnings(u *geo.Upload, key, value string) {
	for _, n := range u.Notes {
		if strings.HasPrefix(n, "Warning:") {
			r.logger().Warn("upload note", key, value, "upload", u.ID, "note", n)
		}
	}
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// VillagesEvaluated returns how many villages the refreshes have evaluated so far: the whole
// registry per whole refresh, the villages it touched per upload (see refreshTouched).
func (r *Runner) VillagesEvaluated() uint64 { return r.evaluated.Load() }

// Refresh rebuilds the snapshot now. Concurrent calls are serialised.
func (r *Runner) Refresh(ctx context.Context) error {
	r.refreshMu.Lock()
	defer r.refreshMu.Unlock()
	return r.refreshLocked(ctx)
}

func (r *Runner) refreshLocked(ctx context.Context) (err error) {
	r.live = nil
	asked := r.wholeStarts()
	defer func() { r.wholeEnded(asked, err == nil) }()
	ver, persist := r.dataVersion(ctx)
	s, live, err := buildSnapshot(ctx, r.Store, r.Programs, &r.Policy, r.now(), &r.evaluated)
	if err != nil {
		return err
	}
	s.ComputedAt = r.now()
	if err := r.recordDay(ctx, s); err != nil {
		return fmt.Errorf("record daily figures: %w", err)
	}
	if err := r.loadHistory(ctx, s); err != nil {
		return err
	}
	r.snap.Store(s)
	r.live = live
	r.warm = false
	if r.OnSnapshot != nil {
		r.OnSnapshot(ctx, s)
	}
	if persist {
		r.persistAsync(ctx, s, ver, false)
	}
	return nil
}

// isWarm reports whether the snapshot is still the one WarmStart served.
func (r *Runner) isWarm() bool {
	r.refreshMu.Lock()
	defer r.refreshMu.Unlock()
	return r.warm
}

// Start schedules the jobs and runs each once immediately. It returns at once.
func (r *Runner) Start(ctx context.Context) error {
	// r.Clock is read, not set: a persisting goroutine of the first Refresh may read it already
	// (a real clock has no state, so r.now and r.clock make their own when it is nil).
	clock := r.clock()
	if r.Ingester != nil && r.Ingester.Now == nil {
		r.Ingester.Now = clock.Now
	}
	opts := []gocron.SchedulerOption{gocron.WithClock(clock), gocron.WithLocation(geo.Vietnam), gocron.WithLogger(quietLogger{r.logger()}), gocron.WithStopTimeout(30 * time.Second)}
	if r.Monitor != nil {
		opts = append(opts, gocron.WithMonitor(r.Monitor))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return fmt.Errorf("new scheduler: %w", err)
	}
	lead := s
	if r.Elector != nil {
		if lead, err = gocron.NewScheduler(append(opts, gocron.WithDistributedElector(r.Elector))...); err != nil {
			return fmt.Errorf("new scheduler: %w", err)
		}
	}
	add := func(s gocron.Scheduler, name string, every, def time.Duration, fn func(context.Context) error) error {
		if every <= 0 {
			every = def
		}
		opts := []gocron.JobOption{gocron.WithName(name), gocron.WithContext(ctx),
			gocron.WithSingletonMode(gocron.LimitModeReschedule)}
		// A snapshot built before Start (covmon serve builds one before it listens) is not
		// built again at once: start-up does each full computation once. One served by
		// WarmStart is: it is computed again at once, in the background.
		if name != "refresh" || r.snap.Load() == nil || r.isWarm() {
			opts = append(opts, gocron.WithStartAt(gocron.WithStartImmediately()))
		}
		_, err := s.NewJob(gocron.DurationJob(every), r.task(name, fn), opts...)
		if err != nil {
			return fmt.Errorf("schedule %s: %w", name, err)
		}
		return nil
	}
	if err := add(s, "refresh", r.RefreshEvery, 5*time.Minute, r.Refresh); err != nil {
		return err
	}
	if r.Inbox.Dir != "" {
		if err := add(lead, "inbox", r.InboxEvery, time.Minute, r.ScanInbox); err != nil {
			return err
		}
	}
	if len(r.Feeds) > 0 {
		if err := add(lead, "feeds", r.FeedEvery, DefaultFeedEvery, r.PullFeeds); err != nil {
			return err
		}
	}
	if r.Figures != nil {
		if _, err := lead.NewJob(gocron.OneTimeJob(gocron.OneTimeJobStartImmediately()), r.task("backfill", r.Backfill),
			gocron.WithName("backfill"), gocron.WithContext(ctx)); err != nil {
			return fmt.Errorf("schedule backfill: %w", err)
		}
	}
	r.sched = s
	if lead != s {
		r.lead = lead
	}
	r.startRefresher()
	s.Start()
	if r.lead != nil {
		r.lead.Start()
	}
	return nil
}

// task wraps a job function so that its failures are logged once, here.
func (r *Runner) task(name string, fn func(context.Context) error) gocron.Task {
	return gocron.NewTask(r.job(name, fn))
}

// job wraps fn so that its error is logged once: here, unless it was logged where it
// happened (see logged).
func (r *Runner) job(name string, fn func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		err := fn(ctx)
		var done *loggedError
		if err != nil && !errors.Is(err, context.Canceled) && !errors.As(err, &done) {
			r.logger().Error("job failed", "job", name, "err", err)
		}
		return err
	}
}

// Shutdown stops the scheduler and the refresh after uploads, and waits for running jobs.
// Calling it again returns the first call's result: gocron's own Shutdown, called a second
// time just after a first, can wait out
// its whole stop timeout (it reads "started" before the first call has cleared it).
func (r *Runner) Shutdown() error {
	r.shutdownOnce.Do(func() {
		if r.sched != nil {
			r.shutdownErr = r.sched.Shutdown()
		}
		if r.lead != nil {
			r.shutdownErr = errors.Join(r.shutdownErr, r.lead.Shutdown())
		}
		r.stopRefresher()
		r.flushPersist()
		r.persisting.Wait()
	})
	return r.shutdownErr
}

// ingested is called after every ingest: an accepted upload asks for a refresh, so metrics
// and alerts see it without waiting for the schedule (of the villages it touched, for
// observations and coverage areas; a whole computation owed, for a carrier's plans, which any
// village's lifecycle step may read; of everything at once, for the ministry's registry,
// assignments and crosswalks); a rejected or duplicate one only for the upload figures, which
// is cheap. None waits for it (see refresher).
func (r *Runner) ingested(u *geo.Upload) {
	switch {
	case u.Result == geo.ResultAccepted && (u.Kind == geo.KindObservations || u.Kind == geo.KindAreas):
		r.requestRefresh(refreshTouched)
	case u.Result == geo.ResultAccepted && u.Kind == geo.KindPlans:
		r.requestRefresh(refreshOwed)
	case u.Result == geo.ResultAccepted:
		r.requestRefresh(refreshAll)
	default:
		r.requestRefresh(refreshUploads)
	}
}

// refreshUploads replaces the upload figures of the current snapshot.
func (r *Runner) refreshUploads(ctx context.Context) error {
	r.refreshMu.Lock()
	defer r.refreshMu.Unlock()
	return r.refreshUploadsLocked(ctx)
}

func (r *Runner) refreshUploadsLocked(ctx context.Context) error {
	cur := r.snap.Load()
	if cur == nil {
		return nil
	}
	ver, persist := r.dataVersion(ctx)
	next := *cur
	var err error
	if next.Uploads, err = r.Store.UploadStats(ctx); err != nil {
		return fmt.Errorf("upload stats: %w", err)
	}
	if next.Problems, err = r.Store.ProblemCounts(ctx); err != nil {
		return fmt.Errorf("problem counts: %w", err)
	}
	r.markPending(&next)
	r.snap.Store(&next)
	r.persistPartial(ctx, ver, persist)
	return nil
}

// Ingest runs in.Ingest and asks for a refresh of the snapshot, which runs after Ingest has
// returned (WaitRefreshed waits for it). The HTTP API calls it so that uploads and scheduled
// ingests share one path. The returned upload says what was stored.
func (r *Runner) Ingest(ctx context.Context, f File, body io.Reader) (*geo.Upload, error) {
	u, err := r.Ingester.Ingest(ctx, f, body)
	if err != nil {
		return nil, err
	}
	if !f.DryRun {
		r.ingested(u)
	}
	return u, nil
}

// IngestFunc ingests one file, as Runner.Ingest does.
type IngestFunc func(ctx context.Context, f File, body io.Reader) (*geo.Upload, error)

// tracked returns fn, the ingest of a drop-folder file or a whole feed pull, wrapped by
// WrapJobIngest.
func (r *Runner) tracked(fn IngestFunc) IngestFunc {
	if r.WrapJobIngest != nil {
		return r.WrapJobIngest(fn)
	}
	return fn
}

// loggedError marks an error that was logged where it happened (e.g. one file of the drop
// folder, one feed): the job still fails, for its metrics, but the error is not logged twice.
type loggedError struct{ err error }

func (e *loggedError) Error() string { return e.err.Error() }
func (e *loggedError) Unwrap() error { return e.err }

// logged marks err as logged already (nil stays nil).
func logged(err error) error {
	if err == nil {
		return nil
	}
	return &loggedError{err}
}

// quietLogger passes gocron's warnings and errors on and drops its routine chatter.
type quietLogger struct{ l *slog.Logger }

func (q quietLogger) Debug(string, ...any)          {}
func (q quietLogger) Info(string, ...any)           {}
func (q quietLogger) Warn(msg string, args ...any)  { q.l.Warn(msg, args...) }
func (q quietLogger) Error(msg string, args ...any) { q.l.Error(msg, args...) }
