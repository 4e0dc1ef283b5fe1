package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/alerts/alertmanager"
	"github.com/covmon/covmon/alerts/webhook"
	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

var (
	_ alerts.Store        = (*sqlite.DB)(nil)
	_ alerts.HistoryStore = (*sqlite.DB)(nil)
)

// AlertsConfig is the alerts: section of the configuration.
type AlertsConfig struct {
	// AlertmanagerURL is an Alertmanager to post alerts to (API v2), e.g. http://127.0.0.1:9093.
	AlertmanagerURL string `yaml:"alertmanager_url"`
	// Webhooks receive the generic JSON payload (alerts/webhook).
	Webhooks []WebhookConfig `yaml:"webhooks"`
	// EvaluateEvery is how often alerts are evaluated (also after every snapshot refresh).
	EvaluateEvery time.Duration `yaml:"evaluate_every"`
	// ResendEvery is how often active alerts are re-posted to Alertmanager.
	ResendEvery time.Duration `yaml:"resend_every"`
	// ReminderDays are the deadline reminder offsets in days.
	ReminderDays []int `yaml:"reminder_days"`
	// StaleDays is how long a carrier may go without an accepted upload.
	StaleDays int `yaml:"stale_days"`
	// RejectedWindow is how long a rejected upload's alert fires.
	RejectedWindow time.Duration `yaml:"rejected_window"`
	// ForecastWeeks is how many weekly counts the forecast trend is fitted on.
	ForecastWeeks int `yaml:"forecast_weeks"`
}

// WebhookConfig is one webhook receiver.
type WebhookConfig struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// DefaultAlertsConfig returns the alerts defaults: no receivers (alerts go to the log),
// evaluation and Alertmanager re-post every minute, reminders 90/30/7/1 days before a deadline,
// stale after 30 days, rejected uploads alert for 24h, forecasts over 12 weeks.
func DefaultAlertsConfig() AlertsConfig {
	return AlertsConfig{
		EvaluateEvery: time.Minute, ResendEvery: time.Minute,
		ReminderDays: slices.Clone(alerts.DefaultReminderDays), StaleDays: 30,
		RejectedWindow: 24 * time.Hour, ForecastWeeks: 12,
	}
}

func httpURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func (a *AlertsConfig) validate() error {
	if a.AlertmanagerURL != "" && !httpURL(a.AlertmanagerURL) {
		return &ConfigError{"alerts.alertmanager_url", a.AlertmanagerURL, fmt.Errorf("%w: want an http or https URL", ErrInvalidValue)}
	}
	var names []string
	for i, w := range a.Webhooks {
		field := fmt.Sprintf("alerts.webhooks[%d]", i)
		switch {
		case w.Name == "":
			return &ConfigError{field + ".name", w.Name, ErrRequired}
		case w.Name == "alertmanager" || w.Name == "log" || slices.Contains(names, w.Name):
			return &ConfigError{field + ".name", w.Name, fmt.Errorf("%w: repeated or reserved (alertmanager, log)", ErrInvalidValue)}
		case !httpURL(w.URL):
			return &ConfigError{field + ".url", w.URL, fmt.Errorf("%w: want an http or https URL", ErrInvalidValue)}
		}
		names = append(names, w.Name)
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"alerts.evaluate_every", a.EvaluateEvery}, {"alerts.resend_every", a.ResendEvery}, {"alerts.rejected_window", a.RejectedWindow}} {
		if d.v < time.Second {
			return &ConfigError{d.field, d.v, fmt.Errorf("%w: want at least 1s", ErrInvalidValue)}
		}
	}
	for i, d := range a.ReminderDays {
		if d < 1 {
			return &ConfigError{fmt.Sprintf("alerts.reminder_days[%d]", i), d, fmt.Errorf("%w: want a positive number of days", ErrInvalidValue)}
		}
	}
	if a.StaleDays < 1 {
		return &ConfigError{"alerts.stale_days", a.StaleDays, fmt.Errorf("%w: want at least 1", ErrInvalidValue)}
	}
	if a.ForecastWeeks < alerts.MinForecastPoints || a.ForecastWeeks > 520 {
		return &ConfigError{"alerts.forecast_weeks", a.ForecastWeeks, fmt.Errorf("%w: want %d..520", ErrInvalidValue, alerts.MinForecastPoints)}
	}
	return nil
}

// alertService evaluates alerts from the collector's snapshots and hands them to the engine.
type alertService struct {
	Engine    *alerts.Engine
	Evaluator alerts.Evaluator
	DB        *sqlite.DB
	Programs  []geo.Program
	Policy    geo.Policy
	Weeks     int
	Clock     clockwork.Clock
	Logger    *slog.Logger
	// Snapshot returns the latest snapshot (the runner's).
	Snapshot func() *geo.Snapshot

	mu      sync.Mutex // one evaluation at a time
	history struct {
		asOf   time.Time
		points map[string][]alerts.Point
	}
	closeOnce sync.Once
	sched     gocron.Scheduler
	job       gocron.Job
}

// notifiers builds the configured receivers; with none configured, alerts go to the log.
// Alertmanager alerts link (generatorURL) to covmon's summary at serverURL, when known.
func (a *AlertsConfig) notifiers(logger *slog.Logger, serverURL string) []alerts.Notifier {
	var ns []alerts.Notifier
	if a.AlertmanagerURL != "" {
		am := alertmanager.New(a.AlertmanagerURL)
		am.TTL = 4 * a.ResendEvery
		if serverURL != "" {
			am.GeneratorURL = strings.TrimRight(serverURL, "/") + "/api/v1/summary"
		}
		ns = append(ns, am)
	}
	for _, w := range a.Webhooks {
		ns = append(ns, webhook.New(w.Name, w.URL))
	}
	if len(ns) == 0 {
		ns = append(ns, alerts.NewLogNotifier(logger))
	}
	return ns
}

// newAlertService builds the alert engine on m.DB with the configured receivers and registers
// its metrics on reg. clock nil means the real clock.
func (m *Main) newAlertService(reg prometheus.Registerer, clock clockwork.Clock, logger *slog.Logger) (*alertService, error) {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	ac := m.Config.Alerts
	e, err := alerts.NewEngine(m.DB, ac.notifiers(logger, m.Config.Server.URL()), reg)
	if err != nil {
		return nil, err
	}
	e.Clock, e.Logger, e.ResendEvery = clock, logger, ac.ResendEvery
	return &alertService{
		Engine: e, DB: m.DB, Programs: m.Config.GeoPrograms(), Policy: m.Config.GeoPolicy(),
		Evaluator: alerts.Evaluator{ReminderDays: ac.ReminderDays, StaleAfter: time.Duration(ac.StaleDays) * 24 * time.Hour,
			RejectedWindow: ac.RejectedWindow},
		Weeks: ac.ForecastWeeks, Clock: clock, Logger: logger,
	}, nil
}

// startAlerts builds the alert service for covmon serve, hooks it to the runner's snapshots and
// starts the delivery loops and the evaluation job. Close it before the runner shuts down.
func (m *Main) startAlerts(ctx context.Context, runner *collector.Runner, reg prometheus.Registerer, logger *slog.Logger) (*alertService, error) {
	s, err := m.newAlertService(reg, runner.Clock, logger)
	if err != nil {
		return nil, err
	}
	s.Snapshot = runner.Snapshot
	sched, err := gocron.NewScheduler(gocron.WithClock(s.Clock), gocron.WithLocation(geo.Vietnam), gocron.WithLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("alerts scheduler: %w", err)
	}
	s.job, err = sched.NewJob(gocron.DurationJob(m.Config.Alerts.EvaluateEvery),
		gocron.NewTask(func(ctx context.Context) {
			if snap := s.Snapshot(); snap != nil {
				if _, err := s.Evaluate(ctx, snap); err != nil && !errors.Is(err, context.Canceled) {
					logger.Error("alert evaluation", "err", err)
				}
			}
		}),
		gocron.WithName("alerts"), gocron.WithContext(ctx), gocron.WithSingletonMode(gocron.LimitModeReschedule))
	if err != nil {
		return nil, fmt.Errorf("schedule alerts: %w", err)
	}
	s.sched = sched
	// A new snapshot (schedule or accepted upload) is evaluated at once, off the ingest path.
	runner.OnSnapshot = func(context.Context, *geo.Snapshot) { _ = s.job.RunNow() }
	s.Engine.Start(ctx)
	sched.Start()
	return s, nil
}

// Close stops the evaluation job and the delivery loops. Undelivered alerts stay queued.
// Calling it again does nothing (gocron's Shutdown must not be called twice in a row).
func (s *alertService) Close() {
	s.closeOnce.Do(func() {
		if s.sched != nil {
			_ = s.sched.Shutdown()
		}
		s.Engine.Close()
	})
}

// Evaluate evaluates snap at the service clock's now and applies the result.
func (s *alertService) Evaluate(ctx context.Context, snap *geo.Snapshot) ([]alerts.Transition, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.input(ctx, snap)
	if err != nil {
		return nil, err
	}
	return s.Engine.Apply(ctx, s.Evaluator.Evaluate(in))
}

// input assembles the evaluation input: village states from the snapshot, uploads from the
// store, and the weekly history (recomputed only when the snapshot's instant changes).
func (s *alertService) input(ctx context.Context, snap *geo.Snapshot) (alerts.Input, error) {
	in := alerts.Input{Now: s.Clock.Now(), Carriers: s.Policy.Carriers, LastAccepted: map[string]time.Time{}, Demo: snap.Demo}
	if in.Now.Before(snap.AsOf) {
		in.Now = snap.AsOf
	}
	for _, u := range snap.Uploads {
		if u.Result == geo.ResultAccepted && u.Carrier != "" {
			in.LastAccepted[u.Carrier] = u.LastAt
		}
	}
	rej, err := s.DB.Uploads(ctx, geo.UploadFilter{Result: geo.ResultRejected, Limit: 200})
	if err != nil {
		return in, fmt.Errorf("rejected uploads: %w", err)
	}
	in.Rejected = rej
	if !s.history.asOf.Equal(snap.AsOf) || s.history.points == nil {
		s.history.points = map[string][]alerts.Point{}
		for _, p := range s.Programs {
			pts, err := alerts.WeeklyHistory(ctx, s.DB, p, &s.Policy, snap.AsOf, s.Weeks)
			if err != nil {
				return in, err
			}
			s.history.points[p.ID] = pts
		}
		s.history.asOf = snap.AsOf
	}
	for _, ps := range snap.Programs {
		in.Programs = append(in.Programs, alerts.ProgramInput{Program: ps.Program, Open: ps.Open,
			Regressed: ps.Regressed, History: s.history.points[ps.Program.ID]})
	}
	return in, nil
}

func (m *Main) runAlerts(ctx context.Context, args []string) error {
	fs := m.flagSet("alerts", "", `
List the active alerts (as of the last evaluation by covmon serve), with the outbox backlog.
Alerts are evaluated and delivered by covmon serve; see docs/metrics.md and the alerts: section
of the configuration.`)
	format := fs.String("format", "table", "output `format`: table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format: want table or json, got %q", *format)
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	active, err := m.DB.ActiveAlerts(ctx)
	if err != nil {
		return err
	}
	if *format == "json" {
		type out struct {
			Key         string            `json:"key"`
			Kind        string            `json:"kind"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
			StartsAt    time.Time         `json:"startsAt"`
		}
		list := make([]out, 0, len(active))
		for _, a := range active {
			list = append(list, out{a.Key, a.Kind, a.Labels, a.Annotations, a.StartsAt})
		}
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ALERT\tSEVERITY\tSINCE\tKEY\tSUMMARY")
	demo := false
	for _, a := range active {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Labels["alertname"], a.Labels["severity"],
			a.StartsAt.In(geo.Vietnam).Format("2006-01-02 15:04"), a.Key, a.Annotations["summary"])
		demo = demo || a.Annotations["notice"] != ""
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d active alert(s)\n", len(active))
	pend, err := m.DB.PendingDeliveries(ctx)
	if err != nil {
		return err
	}
	for _, r := range slices.Sorted(maps.Keys(pend)) {
		if pend[r] > 0 {
			fmt.Fprintf(m.Stdout, "undelivered to %s: %d\n", r, pend[r])
		}
	}
	if demo {
		fmt.Fprintln(m.Stdout, "NOTE: "+alerts.DemoNotice)
	}
	return nil
}
