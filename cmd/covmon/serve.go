package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/collector/metrics"
	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := m.flagSet("serve", "", `
Run covmon as a service: the HTTP API (carrier uploads, villages, summary), /metrics for
Prometheus, and the scheduled collector (drop folder, pulled feeds, status refresh).
Stops cleanly on SIGINT/SIGTERM: HTTP first, then the jobs, then the database; uploads,
drop-folder files and feed pulls being stored are waited for up to 60 s after the signal,
then cancelled (each stored whole or not at all; docs/deployment.md).`)
	listen := fs.String("listen", "", "HTTP listen `address` (default from config, 127.0.0.1:8080)")
	seed := fs.Bool("seed", false, "load the embedded SYNTHETIC demo data before serving (idempotent)")
	inbox := fs.String("inbox", "", "drop folder `dir` (overrides collector.inbox)")
	checkConfig := fs.Bool("check-config", false, "validate the configuration and exit")
	logFormat := fs.String("log-format", "text", "log `format`: text or json")
	logLevel := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := m.loadConfig(); err != nil {
		return err
	}
	// Flags win over the file.
	if *listen != "" {
		m.Config.Server.Listen = *listen
	}
	if *inbox != "" {
		m.Config.Collector.Inbox = *inbox
	}
	if err := m.Config.Validate(); err != nil {
		return err
	}
	if *checkConfig {
		fmt.Fprintln(m.Stdout, "configuration OK")
		return nil
	}
	logger, err := newLogger(m.Stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	started := time.Now()
	if limit, from := applyMemoryLimit(m.Config.Server.MemoryLimit, m.Getenv); limit > 0 {
		logger.Info("memory limit", "bytes", limit, "from", from)
	}
	if m.Config.Debug.Pprof != "" {
		stop, err := servePprof(m.Config.Debug.Pprof, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	logger.Info("database open", "took", time.Since(started).Round(time.Millisecond))
	if *seed {
		if err := m.loadSeeds(ctx); err != nil {
			return err
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cc := m.Config.Collector
	feeds := make([]collector.Feed, 0, len(cc.Feeds))
	for _, f := range cc.Feeds {
		feeds = append(feeds, collector.Feed{Name: f.Name, URL: f.URL, Carrier: f.Carrier, Kind: geo.UploadKind(f.Kind), RedirectHosts: f.RedirectHosts})
	}
	clock := m.Clock
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	runner := &collector.Runner{
		Ingester: m.ingester(), Store: m.DB, Figures: m.DB, Programs: m.Config.GeoPrograms(), Policy: m.Config.GeoPolicy(), Logger: logger,
		Inbox: collector.Inbox{Dir: cc.Inbox, Settle: cc.Settle, MaxBytes: m.Config.Server.MaxUnzippedBytes}, Feeds: feeds, Fetcher: &collector.Fetcher{Net: cc.NetPolicy(), Timeout: cc.FeedTimeout},
		InboxEvery: cc.InboxEvery, FeedEvery: cc.FeedEvery, RefreshEvery: cc.RefreshEvery, MinFullRefresh: cc.MinFullRefreshInterval,
		Clock: clock, Monitor: metrics.NewJobMonitor(reg),
	}
	if cc.WarmStartMaxAge > 0 {
		runner.Warm, runner.WarmMaxAge = m.DB, cc.WarmStartMaxAge
	}
	feedNames := make([]string, len(feeds))
	for i, f := range feeds {
		feedNames[i] = f.Name
	}
	runner.FeedResult = metrics.NewFeedMonitor(reg, feedNames).Record
	// The drop folder's files and the feeds' bodies being stored are counted, so that a
	// shutdown waits for them as for the API's uploads.
	jobIngests := newInFlight(logger)
	runner.WrapJobIngest = jobIngests.wrapJob
	if m.serveRunner != nil {
		m.serveRunner(runner)
	}
	// On PostgreSQL several instances may share the database: one of them, elected by an
	// advisory lock, runs the drop folder, the feeds, the backfill and the alert evaluation
	// and delivery; every instance refreshes its snapshot and serves (docs/deployment.md).
	var elector *postgres.Elector
	if pg, ok := m.DB.(*postgres.DB); ok {
		elector = postgres.NewElector(pg.URL(), "covmon-jobs")
		defer elector.Close() // after the jobs and alert loops have stopped (deferred later)
		runner.Elector = elector
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "covmon_instance_leader",
			Help: "1 when this instance leads the instances sharing the PostgreSQL database (it runs the drop folder, feeds, backfill and alerts), else 0.",
		}, func() float64 {
			if elector.Leading() {
				return 1
			}
			return 0
		}))
	}
	mc := metrics.NewCollector(runner.Snapshot)
	mc.MaxVillageSeries = m.Config.Metrics.MaxVillageSeries
	reg.MustRegister(mc)
	// The jobs and alert loops outlive the signal until HTTP has stopped: shutdown is HTTP
	// first (uploads in flight finish), then the jobs, then the database.
	// Their reads are the background's: served by the store's connections for them, so a
	// request never waits behind a job's long read (collector.Background).
	jobsCtx, stopJobs := context.WithCancel(collector.Background(context.WithoutCancel(ctx)))
	defer stopJobs()
	// alerts: evaluate every new snapshot and on a schedule, deliver through the outbox.
	alertSvc, err := m.newAlertService(runner.Snapshot, reg, m.Clock, logger)
	if err != nil {
		return err
	}
	if elector != nil {
		alertSvc.Elector = elector
	}
	runner.OnSnapshot = func(context.Context, *geo.Snapshot) { alertSvc.Kick() }
	if err := alertSvc.Open(jobsCtx); err != nil {
		return err
	}
	defer alertSvc.Close()
	// What the store reads once per registry for the pages of villages (collector/sqlite: the
	// registry's last change, a whole read of the villages, 0.5-2 s at 1M) is read now, beside
	// the first snapshot, rather than by the first request.
	primed := make(chan struct{})
	go func() {
		defer close(primed)
		primeVillagePages(ctx, m.DB, logger)
	}()
	evalStart := time.Now()
	// A warm start serves the snapshot the last run persisted when nothing it was computed
	// from has changed since (the same day in Vietnam), and computes it again in the
	// background; else the first snapshot is computed before serving.
	warm, err := runner.WarmStart(ctx)
	if err != nil {
		return err
	}
	if warm {
		logger.Info("snapshot loaded", "took", time.Since(evalStart).Round(time.Millisecond), "as_of", runner.Snapshot().AsOf)
	} else {
		if err := runner.Refresh(ctx); err != nil {
			return fmt.Errorf("first status evaluation: %w", err)
		}
		logger.Info("snapshot built", "took", time.Since(evalStart).Round(time.Millisecond), "villages", runner.VillagesEvaluated())
	}
	if err := runner.Start(jobsCtx); err != nil {
		return err
	}
	defer runner.Shutdown()

	<-primed
	sc := m.Config.Server
	uploads := newInFlight(logger)
	srv := &httpapi.Server{
		Addr: sc.Listen, Store: m.DB, Ingest: uploads.wrap(runner.Ingest), Snapshot: runner.Snapshot,
		Programs: m.Config.GeoPrograms(), Policy: m.Config.GeoPolicy(), Logger: logger, Now: clock.Now, Forecast: alertSvc.Forecast,
		ForecastAsKnown: func(ctx context.Context, prog geo.Program, asOf time.Time) (wire.Forecast, error) {
			pol := m.Config.GeoPolicy()
			return alerts.ForecastAsKnown(ctx, m.DB, prog, &pol, asOf, m.Config.Alerts.ForecastWeeks)
		},
		PublicRead: sc.PublicRead, MaxBodyBytes: sc.MaxBodyBytes, MaxUnzippedBytes: sc.MaxUnzippedBytes, RequestTimeout: sc.RequestTimeout,
		MaxConcurrentUploads: sc.MaxConcurrentUploads, MaxUploadsPerUploader: sc.MaxUploadsPerUploader, MaxPendingPerUploader: sc.MaxPendingPerUploader,
		MinUploadRate: sc.MinUploadRate, UploadIdleTimeout: sc.UploadIdleTimeout,
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError), ErrorHandling: promhttp.ContinueOnError,
			Registry: reg, EnableOpenMetrics: true, Timeout: 10 * time.Second, MaxRequestsInFlight: 4,
		}),
	}
	if err := srv.Open(); err != nil {
		return fmt.Errorf("listen on %s: %w", sc.Listen, err)
	}
	url := srv.URL()
	logger.Info("covmon serving", "ready_after", time.Since(started).Round(time.Millisecond), "url", url, "db", displayDatabase(m.Config.Database), "inbox", cc.Inbox, "feeds", len(feeds))
	if snap := runner.Snapshot(); snap != nil && snap.Demo {
		logger.Warn("the database holds SYNTHETIC DEMO DATA (covmon seed): not real villages or carrier reports")
	}
	fmt.Fprintf(m.Stdout, `covmon is serving on %[1]s
  summary:   %[1]s/api/v1/summary
  dead zones (GeoJSON): %[1]s/api/v1/villages?status=dead_zone
  metrics:   %[1]s/metrics
  health:    %[1]s/healthz, %[1]s/readyz
  uploads:   POST %[1]s/api/v1/uploads (token: covmon token create --carrier viettel)
Grafana: see grafana/README.md. Stop with Ctrl-C.
`, url)
	if m.serveReady != nil {
		m.serveReady(url)
	}
	<-ctx.Done()

	logger.Info("shutting down")
	m.shutdown(srv, uploads, runner, jobIngests, stopJobs, logger)
	stopJobs()
	if err := runner.Shutdown(); err != nil {
		logger.Error("jobs shutdown", "err", err)
	}
	alertSvc.Close()
	return nil
}

// shutdown stops the API and the drop folder's and feeds' ingests within bounds: HTTP stops
// taking requests and waits httpShutdown for the running ones, and the jobs begin no ingest
// (collector.Runner.Drain); the uploads still being stored then — the API's, and the drop-folder
// files and feed bodies being ingested — are waited for until uploadShutdown after the start
// (the API's clients get their answers), then cancelled (each is stored whole or not at all;
// stopJobs cancels the jobs' context). The log says what became of each upload that ends
// meanwhile (inFlight) and of those cut off.
func (m *Main) shutdown(srv *httpapi.Server, uploads *inFlight, runner *collector.Runner, jobs *inFlight, stopJobs func(), logger *slog.Logger) {
	start := time.Now()
	httpFor, uploadsFor := httpShutdown, uploadShutdown
	if m.shutdownHTTP > 0 {
		httpFor = m.shutdownHTTP
	}
	if m.shutdownUploads > 0 {
		uploadsFor = m.shutdownUploads
	}
	uploads.stop()
	jobs.stop()
	runner.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), httpFor)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("http shutdown", "err", err, "uploads_being_stored", uploads.count())
	}
	apiDone, jobsDone := true, true
	if n := uploads.count(); n > 0 {
		logger.Warn("waiting for the uploads being stored", "uploads", n, "at_most", (uploadsFor - time.Since(start)).Round(time.Second))
		if m.serveUploadsWaiting != nil {
			m.serveUploadsWaiting(n)
		}
		if apiDone = uploads.wait(start.Add(uploadsFor)); apiDone {
			// Their answers go out: the requests end, and their connections close.
			actx, cancel := context.WithTimeout(context.Background(), uploadAnswerWait)
			defer cancel()
			srv.Shutdown(actx)
		}
	}
	if n := jobs.count(); n > 0 {
		logger.Warn("waiting for the drop-folder and feed ingests being stored", "ingests", n, "at_most", (uploadsFor - time.Since(start)).Round(time.Second))
		if m.serveIngestsWaiting != nil {
			m.serveIngestsWaiting(n)
		}
		jobsDone = jobs.wait(start.Add(uploadsFor))
	}
	if !apiDone {
		logger.Error("uploads still being stored at the shutdown's bound: cancelled, each is stored whole or not at all (covmon uploads lists what was)",
			"uploads", uploads.count(), "after", time.Since(start).Round(time.Second))
		srv.Close()
	}
	if !jobsDone {
		logger.Error("drop-folder and feed ingests still being stored at the shutdown's bound: cancelled, each is stored whole or not at all (a drop-folder file stays for the next start; a feed is pulled again)",
			"ingests", jobs.count(), "after", time.Since(start).Round(time.Second))
		stopJobs()
	}
	if !apiDone || !jobsDone {
		end := time.Now().Add(uploadAnswerWait)
		uploads.wait(end)
		jobs.wait(end)
	}
	srv.Close() // requests still receiving their bodies, idle connections
}

// errPrimed stops primeVillagePages' read at its first village.
var errPrimed = errors.New("primed")

// primeVillagePages reads the first village of a page of villages as of now, as a request
// would: what the store keeps per registry for such reads is read then, not by the first
// request.
func primeVillagePages(ctx context.Context, db collector.StreamStore, logger *slog.Logger) {
	now := time.Now()
	err := db.EachVillageLatest(ctx, now, 0, geo.VillageFilter{AsOf: now}, func(*geo.Village, []geo.Observation) error { return errPrimed })
	if err != nil && !errors.Is(err, errPrimed) && ctx.Err() == nil {
		logger.Warn("first page of villages not prepared", "err", err)
	}
}

// applyMemoryLimit sets the Go runtime's soft memory limit to limit bytes (0: none) unless
// GOMEMLIMIT is set in the environment, which the runtime has applied already. It returns the
// limit in force and where it came from.
func applyMemoryLimit(limit int64, getenv func(string) string) (int64, string) {
	if getenv != nil && getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT"
	}
	if limit <= 0 {
		return 0, ""
	}
	debug.SetMemoryLimit(limit)
	return limit, "server.memory_limit"
}

func newLogger(w interface{ Write([]byte) (int, error) }, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: want text or json, got %q", format)
}

// servePprof serves Go's profiles (net/http/pprof) on addr, a loopback address (checked by
// Config.Validate), until stop is called. Its own mux: nothing else is served there, and the
// API's mux never serves profiles.
func servePprof(addr string, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug.pprof: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed at stop
	logger.Info("profiles served (debug.pprof)", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { srv.Close() }, nil
}
