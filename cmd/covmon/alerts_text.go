package main

import (
	"fmt"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector/i18n"
	"github.com/covmon/covmon/geo"
)

// severityWord names an alert's severity in lang: the label's value in English (what
// Alertmanager routes on), a word for people in Vietnamese.
func severityWord(s string, lang i18n.Lang) string {
	if lang == i18n.En {
		return s
	}
	if l, ok := i18n.Lookup("cli.severity." + s); ok {
		return l.Vi
	}
	return s
}

// alertSummary is an alert's summary for people in lang. In English it is the alert's own
// summary annotation, word for word what the receivers got; in Vietnamese it is said again
// from the alert's labels and annotations (collector/i18n's cli.alert.<kind> formats), so the
// alerts package keeps one language and the label table the other. An alert of a kind this
// version does not know keeps its stored summary.
func alertSummary(a *alerts.Alert, lang i18n.Lang) string {
	if lang == i18n.En {
		return a.Annotations["summary"]
	}
	tr := func(key string) string { return i18n.Text(key, lang) }
	l, an := a.Labels, a.Annotations
	where := func() string {
		if l["province_code"] == alerts.National {
			return tr("cli.alert.nationwide")
		}
		if l["province"] == "" || l["province"] == l["province_code"] {
			return fmt.Sprintf(tr("cli.alert.province"), l["province_code"])
		}
		return l["province"]
	}
	who := func() string { return fmt.Sprintf(tr("cli.alert.responsible"), bucketWord(l["carrier"], lang)) }
	date := func(rfc3339 string) string {
		t, err := time.Parse(time.RFC3339, rfc3339)
		if err != nil {
			return rfc3339
		}
		return t.In(geo.Vietnam).Format(time.DateOnly)
	}
	switch a.Kind {
	case alerts.KindOverdue:
		return fmt.Sprintf(tr("cli.alert.overdue"), an["village_count"], where(), l["program"], who())
	case alerts.KindRegression:
		return fmt.Sprintf(tr("cli.alert.regression"), an["village_count"], where(), l["program"], who())
	case alerts.KindDeadlineReminder:
		dl, err := time.Parse(time.RFC3339, an["deadline"])
		if err != nil || a.EvaluatedAt.IsZero() {
			break
		}
		s := fmt.Sprintf(tr("cli.alert.reminder"), l["program"], timeLeft(dl.Sub(a.EvaluatedAt), lang),
			an["open_count"], an["never_reported_count"])
		if n := an["later_deadline_count"]; n != "" && n != "0" {
			s += fmt.Sprintf(tr("cli.alert.reminder_later"), n)
		}
		return s
	case alerts.KindForecastMiss:
		when := tr("cli.forecast_never")
		if z := an["projected_zero"]; z != "+Inf" {
			when = date(z)
		}
		return fmt.Sprintf(tr("cli.alert.forecast_miss"), l["program"], date(an["deadline"]), where(),
			an["open_count"], an["never_reported_count"], when)
	case alerts.KindStaleData:
		last, err := time.Parse(time.RFC3339, an["last_report"])
		if err != nil {
			return fmt.Sprintf(tr("cli.alert.stale_never"), l["carrier"])
		}
		return fmt.Sprintf(tr("cli.alert.stale"), l["carrier"], int(a.EvaluatedAt.Sub(last)/(24*time.Hour)),
			last.In(geo.Vietnam).Format(time.DateOnly))
	case alerts.KindUploadRejected:
		from := l["carrier"]
		switch {
		case from == alerts.SenderInspector && an["measured_carrier"] != "":
			from = fmt.Sprintf(tr("cli.alert.inspector_of"), an["measured_carrier"])
		case from == alerts.SenderInspector:
			from = tr("cli.alert.inspector")
		case from == alerts.SenderRegistry:
			from = tr("cli.alert.registry")
		}
		return fmt.Sprintf(tr("cli.alert.rejected"), l["upload_id"], an["file"], from, an["problem_count"])
	case alerts.KindPlanLate:
		return fmt.Sprintf(tr("cli.alert.plan_late"), an["village_count"], l["carrier"], l["program"])
	case alerts.KindClaimContradicted:
		return fmt.Sprintf(tr("cli.alert.contradicted"), l["carrier"], an["village_count"], l["program"])
	}
	return an["summary"]
}

// timeLeft says a time left before a deadline in lang as the reminder's own summary says it
// (alerts.TimeLeft).
func timeLeft(d time.Duration, lang i18n.Lang) string {
	n, days := alerts.TimeLeft(d)
	if days {
		return fmt.Sprintf(i18n.Text("cli.alert.days", lang), n)
	}
	return fmt.Sprintf(i18n.Text("cli.alert.hours", lang), max(0, n))
}
