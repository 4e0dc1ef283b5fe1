package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/alerts/alertmanager"
	"github.com/covmon/covmon/alerts/webhook"
	"github.com/covmon/covmon/collector/i18n"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

var _ alerts.ServiceStore = (*sqlite.DB)(nil)

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

// newAlertService builds the alert service on m.DB with the configured receivers, reading
// snapshot, and registers its metrics on reg. clock nil means the real clock.
func (m *Main) newAlertService(snapshot func() *geo.Snapshot, reg prometheus.Registerer, clock clockwork.Clock, logger *slog.Logger) (*alerts.Service, error) {
	ac := m.Config.Alerts
	s, err := alerts.NewService(m.DB, snapshot, ac.notifiers(logger, m.Config.Server.URL()), reg)
	if err != nil {
		return nil, err
	}
	if clock != nil {
		s.Clock = clock
	}
	s.Logger, s.Engine.ResendEvery, s.EvaluateEvery, s.ForecastWeeks = logger, ac.ResendEvery, ac.EvaluateEvery, ac.ForecastWeeks
	s.Programs, s.Policy = m.Config.GeoPrograms(), m.Config.GeoPolicy()
	s.Evaluator = alerts.Evaluator{ReminderDays: ac.ReminderDays, StaleAfter: time.Duration(ac.StaleDays) * 24 * time.Hour,
		RejectedWindow: ac.RejectedWindow}
	return s, nil
}

func (m *Main) runAlerts(ctx context.Context, args []string) error {
	fs := m.flagSet("alerts", "", `
List the active alerts as of the last evaluation by covmon serve (the table says when that
was), with the outbox backlog: in Vietnamese by default, --lang en for the alerts' own English
summaries.
Alerts are evaluated and delivered by covmon serve; see docs/metrics.md and the alerts: section
of the configuration.`)
	format := fs.String("format", "table", "output `format`: table or json")
	langS := fs.String("lang", "vi", "table format: `language` of the headers, severities and summaries: vi (tiếng Việt) or en (the alerts' own English summaries); JSON keeps the alerts as delivered")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format: want table or json, got %q", *format)
	}
	lang, ok := i18n.ParseLang(*langS)
	if !ok {
		return fmt.Errorf("--lang: want vi or en, got %q", *langS)
	}
	tr := func(key string) string { return i18n.Text(key, lang) }
	if err := m.open(ctx); err != nil {
		return err
	}
	active, err := m.DB.ActiveAlerts(ctx)
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(m.Stdout, alerts.ToWireList(active))
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, tr("cli.alerts_header"))
	demo := false
	for i := range active {
		a := &active[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Labels["alertname"], severityWord(a.Labels["severity"], lang),
			a.StartsAt.In(geo.Vietnam).Format("2006-01-02 15:04"), a.Key, alertSummary(a, lang))
		demo = demo || a.Annotations["notice"] != ""
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, tr("cli.alerts_count")+"\n", len(active))
	// The alerts are what covmon serve's last evaluation left in the database: say when that
	// was (a serve stopped a week ago left them as they were then).
	var evaluated time.Time
	for _, a := range active {
		if a.EvaluatedAt.After(evaluated) {
			evaluated = a.EvaluatedAt
		}
	}
	if !evaluated.IsZero() {
		fmt.Fprintf(m.Stdout, tr("cli.alerts_as_of")+"\n", evaluated.In(geo.Vietnam).Format("2006-01-02 15:04"))
	}
	pend, err := m.DB.PendingDeliveries(ctx)
	if err != nil {
		return err
	}
	for _, r := range slices.Sorted(maps.Keys(pend)) {
		if pend[r] > 0 {
			fmt.Fprintf(m.Stdout, tr("cli.alerts_undelivered")+"\n", r, pend[r])
		}
	}
	if demo {
		// In Vietnamese, the Vietnamese notice and then the English one, as covmon status.
		if lang == i18n.Vi {
			fmt.Fprintln(m.Stdout, tr("cli.demo"))
		}
		fmt.Fprintln(m.Stdout, "NOTE: "+alerts.DemoNotice)
	}
	return nil
}
