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

// logBatchLines is the most alerts a batch may hold for one log line each; a larger batch
// (the first evaluation of a database, say) is summed up in one line per alert name and
// state, with the alerts themselves at debug level.
const logBatchLines = 5

// Notify logs one line per alert, or a summary of a large batch.
func (n *LogNotifier) Notify(ctx context.Context, as []Alert) error {
	summarise := len(as) > logBatchLines
	type group struct{ name, status string }
	counts := map[group]int{}
	var order []group
	for _, a := range as {
		lv := slog.LevelWarn
		if a.Resolved() {
			lv = slog.LevelInfo
		}
		if summarise {
			g := group{a.Labels["alertname"], a.Status()}
			if counts[g] == 0 {
				order = append(order, g)
			}
			counts[g]++
			lv = slog.LevelDebug
		}
		n.Logger.LogAttrs(ctx, lv, "alert "+a.Status(),
			slog.String("alertname", a.Labels["alertname"]), slog.String("key", a.Key),
			slog.String("summary", a.Annotations["summary"]), slog.Time("starts_at", a.StartsAt))
	}
	for _, g := range order {
		lv := slog.LevelWarn
		if g.status != "firing" {
			lv = slog.LevelInfo
		}
		n.Logger.LogAttrs(ctx, lv, "alerts "+g.status, slog.String("alertname", g.name), slog.Int("count", counts[g]),
			slog.String("hint", "list them with: covmon alerts"))
	}
	return nil
}
