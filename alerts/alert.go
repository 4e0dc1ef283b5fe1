// Package alerts turns covmon's picture of the villages into deadline alerts and delivers them.
//
// The Evaluator is pure: given an Input (the open villages of each program, the upload record
// and the weekly history of dead zones) and an instant, it returns the set of alerts that fire
// and the forecast of each program and province. The Engine keeps that set in a Store through
// an outbox: every evaluation is diffed against the stored active alerts, and each transition
// (firing, resolved) is written, in the same transaction, as one outbox row per receiver. A
// drain loop per receiver sends the rows with retries and exponential backoff, so an alert is
// delivered at least once, a restart neither loses nor repeats one, and a dead receiver delays
// only its own rows.
//
// The Service runs it all: it owns the evaluation loop (a ticker on its clock, plus Kick after
// each new snapshot), the Engine's delivery loops, and the weekly history the forecast is
// fitted on. ToWire gives an alert's one public JSON shape (wire.Alert).
//
// alerts imports geo (and wire, for the JSON shape) only: it reads the collector's snapshot as
// a geo.Snapshot, the SQLite store (collector/sqlite) implements ServiceStore, and cmd/covmon
// wires them. Transports live in subpackages (alerts/webhook, alerts/alertmanager).
package alerts

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"time"
)

// Kinds of alert.
const (
	KindOverdue           = "overdue"
	KindDeadlineReminder  = "deadline_reminder"
	KindForecastMiss      = "forecast_miss"
	KindStaleData         = "stale_data"
	KindRegression        = "regression"
	KindUploadRejected    = "upload_rejected"
	KindPlanLate          = "plan_late"
	KindClaimContradicted = "claim_contradicted"
)

// Kinds lists every kind, for metrics that must show zeros.
var Kinds = []string{KindOverdue, KindDeadlineReminder, KindForecastMiss, KindStaleData, KindRegression, KindUploadRejected, KindPlanLate, KindClaimContradicted}

// alertNames maps a kind to its alertname label.
var alertNames = map[string]string{
	KindOverdue:           "CovmonOverdue",
	KindDeadlineReminder:  "CovmonDeadlineReminder",
	KindForecastMiss:      "CovmonForecastMiss",
	KindStaleData:         "CovmonCarrierDataStale",
	KindRegression:        "CovmonVillageRegressed",
	KindUploadRejected:    "CovmonUploadRejected",
	KindPlanLate:          "CovmonPlanLate",
	KindClaimContradicted: "CovmonClaimContradicted",
}

// RunbooksURL is where the runbooks of every covmon alert live (docs/runbooks.md), one
// section per alert name.
const RunbooksURL = "https://github.com/covmon/covmon/blob/main/docs/runbooks.md"

// RunbookURL returns the runbook of the alert named alertname: its section of docs/runbooks.md,
// whose anchor is the name in lower case (the heading "## CovmonOverdue" is #covmonoverdue).
// covmon's engine alerts and the Prometheus rules carry it as the runbook_url annotation.
func RunbookURL(alertname string) string { return RunbooksURL + "#" + strings.ToLower(alertname) }

// AlertName returns the alertname label of a kind ("" for an unknown kind).
func AlertName(kind string) string { return alertNames[kind] }

// Transitions an alert goes through.
const (
	Firing   = "firing"
	Resolved = "resolved"
)

// ErrUnknownKind is returned for an alert whose Kind is not one of Kinds.
var ErrUnknownKind = errors.New("alerts: unknown kind")

// Alert is one alert instance. Labels identify it (the same labels are the same alert for
// Alertmanager); Annotations describe it and may change while it fires.
type Alert struct {
	// Key is stable for the same kind and identifying labels (see MakeKey).
	Key         string
	Kind        string
	Labels      map[string]string
	Annotations map[string]string
	// StartsAt is when it started firing; EndsAt is zero while it fires and the instant it
	// resolved afterwards.
	StartsAt time.Time
	EndsAt   time.Time
	// EvaluatedAt, for an alert read from the store (ActiveAlerts), is the instant of the last
	// evaluation that found it firing (or resolved it); zero in an evaluation's own output.
	EvaluatedAt time.Time
}

// Resolved reports whether the alert has ended.
func (a *Alert) Resolved() bool { return !a.EndsAt.IsZero() }

// Status returns Firing or Resolved.
func (a *Alert) Status() string {
	if a.Resolved() {
		return Resolved
	}
	return Firing
}

// Clone returns a deep copy of a.
func (a Alert) Clone() Alert {
	a.Labels = maps.Clone(a.Labels)
	a.Annotations = maps.Clone(a.Annotations)
	return a
}

// identifying lists, per kind, the labels that tell two alerts of that kind apart, in key order.
var identifying = map[string][]string{
	KindOverdue:           {"program", "province_code", "carrier"},
	KindDeadlineReminder:  {"program", "days_before"},
	KindForecastMiss:      {"program", "province_code"},
	KindStaleData:         {"carrier"},
	KindRegression:        {"program", "province_code", "carrier"},
	KindUploadRejected:    {"carrier", "upload_id"},
	KindPlanLate:          {"program", "carrier"},
	KindClaimContradicted: {"program", "carrier"},
}

// MakeKey returns the stable key of an alert of kind with labels: the kind and the values of its
// identifying labels, e.g. "overdue/vls-2024/14/viettel". Values are escaped so that a "/" in a
// value cannot make two alerts collide.
func MakeKey(kind string, labels map[string]string) string {
	parts := []string{kind}
	for _, l := range identifying[kind] {
		parts = append(parts, strings.ReplaceAll(strings.ReplaceAll(labels[l], "%", "%25"), "/", "%2F"))
	}
	return strings.Join(parts, "/")
}

// Superseded reports whether a stored alert has a shape this version no longer raises: an
// unknown kind, or a key its kind's identifying labels do not give (the per-village
// CovmonVillageRegressed alerts of versions before regressions were grouped by province and
// responsible carrier). Such an alert can never fire again; the stores resolve it once, and
// withdraw its firing notification where it was never delivered (see Store.ApplyEvaluation).
func Superseded(a Alert) bool {
	_, ok := identifying[a.Kind]
	return !ok || MakeKey(a.Kind, a.Labels) != a.Key
}

// newAlert builds an alert of kind with the common labels set and its key computed.
func newAlert(kind, severity string, labels, annotations map[string]string, startsAt time.Time) Alert {
	l := map[string]string{"alertname": alertNames[kind], "severity": severity, "source": "covmon"}
	maps.Copy(l, labels)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations["runbook_url"] = RunbookURL(alertNames[kind])
	return Alert{Key: MakeKey(kind, l), Kind: kind, Labels: l, Annotations: annotations, StartsAt: startsAt}
}

// SortAlerts orders alerts by key.
func SortAlerts(as []Alert) {
	slices.SortFunc(as, func(a, b Alert) int { return strings.Compare(a.Key, b.Key) })
}
