package alerts

import (
	"context"
	"log/slog"
)

// Notifier delivers alerts to one receiver. Notify gets alerts of one transition at a time
// (all firing, or all resolved with EndsAt set) and returns an error when the receiver did not
// take them; the Engine then retries the whole batch later. Notify must honour ctx.
type Notifier interface {
	// Name identifies the receiver in the outbox and in metrics; it must be stable across
	// restarts and unique within an Engine.
	Name() string
	Notify(ctx context.Context, alerts []Alert) error
}

// Resender is a Notifier that wants every active alert re-sent periodically, as Prometheus does
// for Alertmanager: an alert it stops hearing about resolves by itself after its endsAt.
type Resender interface {
	Notifier
	// Resend reports whether the Engine should re-post the active alerts every ResendEvery.
	Resend() bool
}

// LogNotifier writes each alert to a slog.Logger: the fallback receiver when nothing else is
// configured. It never fails.
type LogNotifier struct {
	Logger *slog.Logger
}

// NewLogNotifier returns a LogNotifier writing to logger.
func NewLogNotifier(logger *slog.Logger) *LogNotifier { return &LogNotifier{Logger: logger} }

// Name returns "log".
func (n *LogNotifier) Name() string { return "log" }

// Notify logs one line per alert.
func (n *LogNotifier) Notify(ctx context.Context, as []Alert) error {
	for _, a := range as {
		lv := slog.LevelWarn
		if a.Resolved() {
			lv = slog.LevelInfo
		}
		n.Logger.LogAttrs(ctx, lv, "alert "+a.Status(),
			slog.String("alertname", a.Labels["alertname"]), slog.String("key", a.Key),
			slog.String("summary", a.Annotations["summary"]), slog.Time("starts_at", a.StartsAt))
	}
	return nil
}
