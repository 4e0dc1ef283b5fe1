package alerts

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/covmon/covmon/geo"
)

// DemoNotice is added as the "notice" annotation of every alert when the database holds the
// synthetic seed data.
const DemoNotice = "SYNTHETIC DEMO DATA (covmon seed): not real villages or carrier reports"

// NoCarrier is the carrier label of overdue villages no carrier is responsible for.
const NoCarrier = geo.Unassigned

// Input is everything an evaluation reads. The Service builds it from a geo.Snapshot
// and the store.
type Input struct {
	// Now is the evaluation instant.
	Now      time.Time
	Programs []ProgramInput
	// Carriers is the configured carrier list (stale-data alerts are per carrier).
	Carriers []string
	// LastReport is, per carrier, the newest instant its own accepted observations and areas
	// uploads report (geo.UploadStat.LastReport: their newest observed_at, not when they were
	// received); a carrier missing from the map never sent one. Staleness is judged on it: a
	// carrier re-sending old observations with a changed byte reports nothing new
	// (docs/alerts.md).
	LastReport map[string]time.Time
	// LastAccepted is when each carrier's newest accepted upload of its own, of any kind, was
	// received: shown beside the last report (a carrier that sends files reporting nothing
	// new), not judged.
	LastAccepted map[string]time.Time
	// DataSince is when covmon accepted its first upload of any kind (zero: never). A carrier
	// that never uploaded is stale from DataSince + StaleAfter: staleness is judged on the
	// data's timestamps, so an empty or freshly seeded database raises nothing.
	DataSince time.Time
	// Rejected lists recent rejected uploads (older ones than the window are ignored).
	Rejected []geo.Upload
	// Demo is true when the database holds the synthetic seed data.
	Demo bool
}

// ProgramInput is one program's state.
type ProgramInput struct {
	Program geo.Program
	// Open lists the program's villages that are known and not covered at Now.
	Open []geo.VillageStatus
	// Regressed lists the IDs of open villages that had signal before.
	Regressed []string
	// DarkSince says, for regressed villages, when each went dark (DarkSince); a village
	// without an entry regressed at an instant its history does not give, and its group
	// starts when covmon first notices it.
	DarkSince map[string]time.Time
	// History is the weekly counts of open villages, oldest first (see WeeklyHistory); it may be empty.
	History []Point
	// Discrepant lists the program's known villages with a discrepancy (a carrier's claim
	// contradicted by an independent measurement, not conceded since), covered or not.
	Discrepant []geo.VillageStatus
}

// Evaluator decides which alerts fire. Zero fields take the defaults shown.
type Evaluator struct {
	// ReminderDays are the offsets before a deadline at which reminders start (default
	// 90, 30, 7, 1). Each reminder fires from deadline−offset until the deadline while dead
	// zones remain.
	ReminderDays []int
	// StaleAfter is how long a carrier's newest report may be old (default 30 days): how long
	// it may go without an accepted upload reporting an instant after its last report.
	StaleAfter time.Duration
	// RejectedWindow is how long a rejected upload keeps its alert firing (default 24h).
	RejectedWindow time.Duration
	// MaxListed caps the villages named in an annotation (default 20).
	MaxListed int
}

// DefaultReminderDays are the default reminder offsets in days.
var DefaultReminderDays = []int{90, 30, 7, 1}

func (e *Evaluator) reminderDays() []int {
	if len(e.ReminderDays) == 0 {
		return DefaultReminderDays
	}
	return e.ReminderDays
}

func (e *Evaluator) staleAfter() time.Duration {
	if e.StaleAfter <= 0 {
		return 30 * 24 * time.Hour
	}
	return e.StaleAfter
}

func (e *Evaluator) rejectedWindow() time.Duration {
	if e.RejectedWindow <= 0 {
		return 24 * time.Hour
	}
	return e.RejectedWindow
}

func (e *Evaluator) maxListed() int {
	if e.MaxListed <= 0 {
		return 20
	}
	return e.MaxListed
}

// Result is an evaluation's outcome.
type Result struct {
	// Alerts is the firing set, sorted by key; StartsAt is when the condition began where that
	// is known (the Engine keeps the stored start of an alert that was already firing).
	Alerts []Alert
	// Projections holds each program's national and per-province forecast (for metrics).
	Projections []Projection
}

// Evaluate returns the alerts firing at in.Now. It does no I/O.
func (e *Evaluator) Evaluate(in Input) Result {
	var r Result
	for i := range in.Programs {
		pi := &in.Programs[i]
		r.Alerts = append(r.Alerts, e.overdue(in.Now, pi)...)
		r.Alerts = append(r.Alerts, e.reminders(in.Now, pi)...)
		r.Alerts = append(r.Alerts, e.regressions(pi)...)
		r.Alerts = append(r.Alerts, e.plansLate(pi)...)
		r.Alerts = append(r.Alerts, e.contradicted(pi)...)
		fa, projs := e.forecasts(in.Now, pi)
		r.Alerts = append(r.Alerts, fa...)
		r.Projections = append(r.Projections, projs...)
	}
	r.Alerts = append(r.Alerts, e.stale(in)...)
	r.Alerts = append(r.Alerts, e.rejected(in)...)
	if in.Demo {
		for i := range r.Alerts {
			r.Alerts[i].Annotations["notice"] = DemoNotice
		}
	}
	SortAlerts(r.Alerts)
	return r
}

// overdue groups the overdue villages by province × responsible carrier (the carrier assigned
// to the village in the program, or "unassigned"): each village is in exactly one group,
// whoever reported on it.
func (e *Evaluator) overdue(now time.Time, pi *ProgramInput) []Alert {
	var out []Alert
	for _, g := range byProvinceCarrier(pi.Open, func(vs *geo.VillageStatus) bool { return vs.Overdue }) {
		ids := make([]string, len(g.vs))
		names := make([]string, len(g.vs))
		maxDays, deadline, since := 0, g.vs[0].Deadline, time.Time{}
		reasons := map[geo.Reason]int{}
		for i, vs := range g.vs {
			reasons[vs.Reason]++
			ids[i] = vs.Village.ID
			names[i] = vs.Village.Name + " (" + vs.Village.ID + ")"
			maxDays = max(maxDays, vs.DaysOverdue)
			if vs.Deadline.Before(deadline) {
				deadline = vs.Deadline
			}
			// The group's condition began when one of its villages was overdue under this
			// carrier: its deadline, or when the carrier became responsible, if later.
			start := vs.Deadline
			if g.carrier != NoCarrier && vs.ResponsibleSince.After(start) {
				start = vs.ResponsibleSince
			}
			if since.IsZero() || start.Before(since) {
				since = start
			}
		}
		var why []string
		for _, r := range geo.Reasons {
			if reasons[r] > 0 {
				why = append(why, fmt.Sprintf("%s %d", r, reasons[r]))
			}
		}
		out = append(out, newAlert(KindOverdue, "critical", map[string]string{
			"program": pi.Program.ID, "province_code": g.code, "province": g.label(), "carrier": g.carrier,
		}, map[string]string{
			"summary": fmt.Sprintf("%d village(s) in %s still without signal past their %s deadline (%s)",
				len(g.vs), g.where(), pi.Program.ID, g.who()),
			"description": fmt.Sprintf("In-scope villages without signal past their own deadline (earliest %s), up to %d days overdue (%s): %s",
				deadline.In(geo.Vietnam).Format(time.DateOnly), maxDays, strings.Join(why, ", "), e.list(names)),
			"reasons":          strings.Join(why, ", "),
			"village_count":    strconv.Itoa(len(g.vs)),
			"village_ids":      e.list(ids),
			"max_days_overdue": strconv.Itoa(maxDays),
			"deadline":         deadline.In(geo.Vietnam).Format(time.RFC3339),
		}, since))
	}
	return out
}

// provinceGroup is the open villages of one province with one responsible carrier (NoCarrier
// when none is assigned), in village ID order: the unit of the overdue and regression alerts.
type provinceGroup struct {
	code, name, carrier string
	vs                  []*geo.VillageStatus
}

// label is the group's province label: its name, or its code when the registry gives no name
// (province_name is optional), as the forecast alert's.
func (g *provinceGroup) label() string {
	if g.name == "" {
		return g.code
	}
	return g.name
}

// where names the group's province in an alert's summary.
func (g *provinceGroup) where() string {
	if g.name == "" {
		return "province " + g.code
	}
	return g.name
}

// who names the group's responsible carrier in an alert's summary.
func (g *provinceGroup) who() string {
	if g.carrier == NoCarrier {
		return "no responsible carrier: " + geo.UnassignedLabel
	}
	return "responsible carrier " + g.carrier
}

// byProvinceCarrier groups the open villages keep accepts by province × responsible carrier:
// each village is in exactly one group, whoever reported on it.
func byProvinceCarrier(open []geo.VillageStatus, keep func(*geo.VillageStatus) bool) map[[2]string]*provinceGroup {
	groups := map[[2]string]*provinceGroup{}
	for i := range open {
		vs := &open[i]
		if !keep(vs) {
			continue
		}
		c := geo.Bucket(vs.Responsible)
		k := [2]string{vs.Village.ProvinceCode, c}
		g := groups[k]
		if g == nil {
			g = &provinceGroup{code: vs.Village.ProvinceCode, name: vs.Village.ProvinceName, carrier: c}
			groups[k] = g
		}
		g.vs = append(g.vs, vs)
	}
	for _, g := range groups {
		sort.Slice(g.vs, func(i, j int) bool { return g.vs[i].Village.ID < g.vs[j].Village.ID })
	}
	return groups
}

// plansLate raises one alert per program × responsible carrier with open villages late
// against that carrier's own plan (the target on-air date passed without signal that counts;
// docs/figures.md#lifecycle). It starts at the earliest day after a missed target.
func (e *Evaluator) plansLate(pi *ProgramInput) []Alert {
	byCarrier := map[string][]*geo.VillageStatus{}
	for i := range pi.Open {
		vs := &pi.Open[i]
		if vs.Lifecycle.Late && vs.Lifecycle.Plan != nil && vs.Responsible != "" {
			byCarrier[vs.Responsible] = append(byCarrier[vs.Responsible], vs)
		}
	}
	var out []Alert
	for carrier, vss := range byCarrier {
		sort.Slice(vss, func(i, j int) bool { return vss[i].Village.ID < vss[j].Village.ID })
		ids := make([]string, len(vss))
		names := make([]string, len(vss))
		maxDays, since := 0, time.Time{}
		for i, vs := range vss {
			p := vs.Lifecycle.Plan
			ids[i] = vs.Village.ID
			names[i] = fmt.Sprintf("%s (%s, site %s, target %s)", vs.Village.Name, vs.Village.ID, p.SiteID, p.TargetOnAir.In(geo.Vietnam).Format(time.DateOnly))
			maxDays = max(maxDays, vs.Lifecycle.DaysLate)
			if due := p.TargetOnAir.AddDate(0, 0, 1); since.IsZero() || due.Before(since) {
				since = due
			}
		}
		out = append(out, newAlert(KindPlanLate, "warning", map[string]string{
			"program": pi.Program.ID, "carrier": carrier,
		}, map[string]string{
			"summary": fmt.Sprintf("%d village(s) of %s in %s late against the carrier's own plan (target on-air date passed, no signal)",
				len(vss), carrier, pi.Program.ID),
			"description": fmt.Sprintf("Villages whose plan's target on-air date has passed without signal that counts, up to %d days late: %s",
				maxDays, e.list(names)),
			"village_count": strconv.Itoa(len(vss)),
			"village_ids":   e.list(ids),
			"max_days_late": strconv.Itoa(maxDays),
		}, since))
	}
	return out
}

// contradicted raises one alert per program × carrier whose claims of signal a newer
// independent measurement contradicts (geo.Overstated discrepancies). The carrier label is the
// carrier whose claim it is, so Alertmanager routes it as it routes that carrier's overdue
// alerts; a village's responsible carrier, when another, is named in the annotations.
// Understated discrepancies (the carrier claims no signal, a measurement found some) raise
// nothing: they ask nothing of the carrier, and show in the figures. The alert resolves when
// no claim of the carrier stands contradicted: a newer confirming inspection, or the carrier
// conceding (claiming no signal); re-claiming signal after the inspection does not resolve it
// (geo.FindDiscrepancies), and the annotation says "re-claimed …, awaiting re-inspection".
func (e *Evaluator) contradicted(pi *ProgramInput) []Alert {
	type item struct {
		vs *geo.VillageStatus
		d  geo.Discrepancy
	}
	by := map[string][]item{}
	for i := range pi.Discrepant {
		vs := &pi.Discrepant[i]
		for _, d := range vs.Discrepancies {
			if d.Kind == geo.Overstated {
				by[d.Carrier] = append(by[d.Carrier], item{vs, d})
			}
		}
	}
	var out []Alert
	for carrier, items := range by {
		sort.Slice(items, func(i, j int) bool {
			if items[i].vs.Village.ID != items[j].vs.Village.ID {
				return items[i].vs.Village.ID < items[j].vs.Village.ID
			}
			return items[i].d.Technology < items[j].d.Technology
		})
		var ids, lines []string
		start := items[0].d.Measurement.ObservedAt
		for _, it := range items {
			if it.d.Measurement.ObservedAt.Before(start) {
				start = it.d.Measurement.ObservedAt
			}
			if len(ids) == 0 || ids[len(ids)-1] != it.vs.Village.ID { // items are sorted by village
				ids = append(ids, it.vs.Village.ID)
			}
			if len(lines) > e.maxListed() { // enough for the annotation; the rest are counted
				lines = append(lines, "")
				continue
			}
			line := fmt.Sprintf("%s (%s) %s: claim %s (upload %d), measured dark %s (upload %d)", it.vs.Village.Name, it.vs.Village.ID,
				it.d.Technology, it.d.Claim.ObservedAt.In(geo.Vietnam).Format(time.DateOnly), it.d.Claim.UploadID,
				it.d.Measurement.ObservedAt.In(geo.Vietnam).Format(time.DateOnly), it.d.Measurement.UploadID)
			if r := it.d.Reclaim; r != nil {
				line += fmt.Sprintf(", re-claimed %s (upload %d), awaiting re-inspection", r.ObservedAt.In(geo.Vietnam).Format(time.DateOnly), r.UploadID)
			}
			if r := it.vs.Responsible; r != carrier {
				line += ", responsible: " + geo.Bucket(r)
			}
			lines = append(lines, line)
		}
		out = append(out, newAlert(KindClaimContradicted, "warning", map[string]string{
			"program": pi.Program.ID, "carrier": carrier,
		}, map[string]string{
			"summary": fmt.Sprintf("%s claims signal in %d village(s) of %s where a newer independent measurement found none",
				carrier, len(ids), pi.Program.ID),
			"description":   "Carrier claims contradicted by a newer inspection: " + e.list(lines),
			"village_count": strconv.Itoa(len(ids)),
			"village_ids":   e.list(ids),
			"trust":         string(geo.TrustOf(&pi.Program)),
		}, start))
	}
	return out
}

// list joins up to MaxListed items and says how many more there are.
func (e *Evaluator) list(items []string) string {
	n := e.maxListed()
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + e.more(len(items))
}

// more is what list appends after MaxListed of total items: " … and N more", or "".
func (e *Evaluator) more(total int) string {
	if n := e.maxListed(); total > n {
		return fmt.Sprintf(" … and %d more", total-n)
	}
	return ""
}

// dueOpen counts the program's open villages (in scope, without signal that counts: dead
// zones and never-reported villages alike) whose own deadline is at or before the program's
// deadline dl — those that will be overdue at dl if nothing changes — and, of those, the
// never-reported ones and the dead zones; later counts the open villages whose own deadline
// is after dl (a late entry's grace, an override), which dl does not make overdue.
func dueOpen(pi *ProgramInput, dl time.Time) (due, never, dead, later int) {
	for i := range pi.Open {
		vs := &pi.Open[i]
		if !vs.Open {
			continue
		}
		if vs.Deadline.After(dl) {
			later++
			continue
		}
		due++
		if vs.Reason == geo.ReasonNeverReported {
			never++
		}
		if vs.Status == geo.StatusDeadZone {
			dead++
		}
	}
	return due, never, dead, later
}

// openNow counts the open villages of pi now in the province code (National: all) that no
// carrier ever reported, and the dead zones among them (the forecast's breakdown).
func openNow(pi *ProgramInput, code string) (never, dead int) {
	for i := range pi.Open {
		vs := &pi.Open[i]
		if !vs.Open || code != National && vs.Village.ProvinceCode != code {
			continue
		}
		if vs.Reason == geo.ReasonNeverReported {
			never++
		}
		if vs.Status == geo.StatusDeadZone {
			dead++
		}
	}
	return never, dead
}

// reminders fire, for each offset d, from deadline−d days until the deadline while open
// villages due by it remain: a village no carrier reported will be overdue at the deadline
// like a dead zone, so not reporting cannot silence a reminder; a village whose own deadline
// is later (a late entry, an override) is not due then and is only named as such.
func (e *Evaluator) reminders(now time.Time, pi *ProgramInput) []Alert {
	dl := pi.Program.Deadline
	if dl.IsZero() || !now.Before(dl) {
		return nil
	}
	n, never, dead, later := dueOpen(pi, dl)
	if n == 0 {
		return nil
	}
	var out []Alert
	for _, d := range e.reminderDays() {
		start := dl.AddDate(0, 0, -d)
		if now.Before(start) {
			continue
		}
		left := dl.Sub(now)
		summary := fmt.Sprintf("%s deadline in %s: %d village(s) due by then still without signal that counts, %d of them never reported",
			pi.Program.ID, humanDuration(left), n, never)
		if later > 0 {
			summary += fmt.Sprintf(" (%d more without signal have a later deadline of their own)", later)
		}
		out = append(out, newAlert(KindDeadlineReminder, "warning", map[string]string{
			"program": pi.Program.ID, "days_before": strconv.Itoa(d),
		}, map[string]string{
			"summary":              summary,
			"deadline":             dl.In(geo.Vietnam).Format(time.RFC3339),
			"open_count":           strconv.Itoa(n),
			"never_reported_count": strconv.Itoa(never),
			"dead_zone_count":      strconv.Itoa(dead),
			"later_deadline_count": strconv.Itoa(later),
		}, start))
	}
	return out
}

// TimeLeft is a time left before a deadline as a reminder says it: n whole days (days true,
// from 48 hours) or else n hours, rounded up, as covmon status and the page say the days left
// before a deadline.
func TimeLeft(d time.Duration) (n int, days bool) {
	if d >= 48*time.Hour {
		return int((d + 24*time.Hour - 1) / (24 * time.Hour)), true
	}
	return int((d + time.Hour - 1) / time.Hour), false
}

// humanDuration says a time left in English (TimeLeft).
func humanDuration(d time.Duration) string {
	n, days := TimeLeft(d)
	if days {
		return fmt.Sprintf("%d days", n)
	}
	return fmt.Sprintf("%d hours", n)
}

// regressions groups the regressed villages (open now, with signal that counts before) like
// overdue does: one alert per program × province × responsible carrier (the carrier assigned to
// the village in the program, or "unassigned"), each village in exactly one group. The
// annotations carry the count, the statuses and up to MaxListed villages (the province's open
// villages are in the API and the page, each one's history in `covmon villages show`). So a registry of any size raises at most provinces ×
// (carriers + 1) of them per program.
func (e *Evaluator) regressions(pi *ProgramInput) []Alert {
	if len(pi.Regressed) == 0 {
		return nil
	}
	regressed := make(map[string]bool, len(pi.Regressed))
	for _, id := range pi.Regressed {
		regressed[id] = true
	}
	var out []Alert
	for _, g := range byProvinceCarrier(pi.Open, func(vs *geo.VillageStatus) bool { return regressed[vs.Village.ID] }) {
		n := min(len(g.vs), e.maxListed())
		ids := make([]string, 0, n)
		names := make([]string, 0, n)
		statuses := map[geo.Status]int{}
		var since time.Time
		for i, vs := range g.vs {
			statuses[vs.Status]++
			dark := pi.DarkSince[vs.Village.ID]
			if !dark.IsZero() && (since.IsZero() || dark.Before(since)) {
				since = dark
			}
			if i >= n {
				continue
			}
			v := vs.Village
			ids = append(ids, v.ID)
			line := fmt.Sprintf("%s (%s, %s", v.Name, v.ID, vs.Status)
			if len(vs.CarriersReported) > 0 {
				line += ", reported by " + strings.Join(vs.CarriersReported, ", ")
			}
			if !dark.IsZero() {
				line += ", dark since " + dark.In(geo.Vietnam).Format(time.DateOnly)
			}
			names = append(names, line+")")
		}
		var st []string
		for _, s := range slices.Sorted(maps.Keys(statuses)) {
			st = append(st, fmt.Sprintf("%s %d", s, statuses[s]))
		}
		more := e.more(len(g.vs))
		ann := map[string]string{
			"summary": fmt.Sprintf("%d village(s) in %s had signal before and are dark again (%s, %s)",
				len(g.vs), g.where(), pi.Program.ID, g.who()),
			"description": fmt.Sprintf("Open villages that had signal which counts under today's policy at some earlier instant and have none now (%s): %s%s",
				strings.Join(st, ", "), strings.Join(names, ", "), more),
			"statuses":      strings.Join(st, ", "),
			"village_count": strconv.Itoa(len(g.vs)),
			"village_ids":   strings.Join(ids, ", ") + more,
		}
		// Dark since the earliest first report without signal after a covered instant among
		// the group's villages (docs/alerts.md); when no village's history gives one, since
		// is zero and the alert starts when covmon first notices it.
		if !since.IsZero() {
			ann["dark_since"] = since.In(geo.Vietnam).Format(time.RFC3339)
		}
		out = append(out, newAlert(KindRegression, "warning", map[string]string{
			"program": pi.Program.ID, "province_code": g.code, "province": g.label(), "carrier": g.carrier,
		}, ann, since))
	}
	return out
}

// forecasts projects the program nationally and per province with open villages now, and
// fires for each projection past the deadline while the deadline is still ahead. The counts are
// of open villages, never-reported ones included (Point): a village no carrier reported is as
// far from done as a reported dead zone.
func (e *Evaluator) forecasts(now time.Time, pi *ProgramInput) ([]Alert, []Projection) {
	if len(pi.History) < MinForecastPoints {
		return nil, nil
	}
	names := map[string]string{National: National}
	var codes []string
	for i := range pi.Open {
		v := pi.Open[i].Village
		if _, ok := names[v.ProvinceCode]; !ok {
			names[v.ProvinceCode] = v.ProvinceName
		}
	}
	last := pi.History[len(pi.History)-1]
	for code := range last.ByProvince {
		if last.ByProvince[code] > 0 {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	codes = append([]string{National}, codes...)
	var alerts []Alert
	var projs []Projection
	dl := pi.Program.Deadline
	for _, code := range codes {
		p, ok := Project(pi.History, code)
		if !ok {
			continue
		}
		p.Program, p.ProvinceName = pi.Program.ID, names[code]
		if p.ProvinceName == "" {
			p.ProvinceName = code
		}
		projs = append(projs, p)
		if dl.IsZero() || !now.Before(dl) || p.Remaining == 0 || (!p.Never() && !p.ZeroAt.After(dl)) {
			continue
		}
		when := "never at the current pace (no closures in the trend)"
		if !p.Never() {
			when = p.ZeroAt.In(geo.Vietnam).Format(time.DateOnly)
		}
		where := "in " + p.ProvinceName
		if code == National {
			where = "nationwide"
		}
		zero := "+Inf"
		if !p.Never() {
			zero = p.ZeroAt.In(geo.Vietnam).Format(time.RFC3339)
		}
		never, dead := openNow(pi, code)
		alerts = append(alerts, newAlert(KindForecastMiss, "warning", map[string]string{
			"program": pi.Program.ID, "province_code": code, "province": p.ProvinceName,
		}, map[string]string{
			"summary": fmt.Sprintf("%s will miss the %s deadline %s: %d village(s) without signal that counts left, %d of them never reported; projected zero %s",
				pi.Program.ID, dl.In(geo.Vietnam).Format(time.DateOnly), where, p.Remaining, never, when),
			"description": fmt.Sprintf("Theil–Sen trend over %d weekly counts of open villages (dead zones and never-reported villages): %.2f villages/week",
				p.Points, p.SlopePerWeek),
			"projected_zero":       zero,
			"slope_per_week":       strconv.FormatFloat(p.SlopePerWeek, 'f', 2, 64),
			"open_count":           strconv.Itoa(p.Remaining),
			"never_reported_count": strconv.Itoa(never),
			"dead_zone_count":      strconv.Itoa(dead),
			"deadline":             dl.In(geo.Vietnam).Format(time.RFC3339),
		}, time.Time{}))
	}
	return alerts, projs
}

func (e *Evaluator) stale(in Input) []Alert {
	var out []Alert
	limit := e.staleAfter()
	for _, c := range in.Carriers {
		last, ok := in.LastReport[c]
		if ok && in.Now.Sub(last) < limit {
			continue
		}
		if !ok && (in.DataSince.IsZero() || in.Now.Sub(in.DataSince) < limit) {
			continue // no data yet to be stale against, or not for long
		}
		ann := map[string]string{}
		var start time.Time
		if ok {
			start = last.Add(limit)
			ann["summary"] = fmt.Sprintf("No new report from %s for %d days: its newest report is of %s",
				c, int(in.Now.Sub(last)/(24*time.Hour)), last.In(geo.Vietnam).Format(time.DateOnly))
			ann["last_report"] = last.In(geo.Vietnam).Format(time.RFC3339)
		} else {
			start = in.DataSince.Add(limit)
			ann["summary"] = fmt.Sprintf("No report from %s on record (covmon has had data since %s)", c,
				in.DataSince.In(geo.Vietnam).Format(time.DateOnly))
		}
		if acc, ok := in.LastAccepted[c]; ok {
			ann["last_accepted"] = acc.In(geo.Vietnam).Format(time.RFC3339)
			if in.Now.Sub(acc) < limit {
				ann["description"] = fmt.Sprintf("%s sent an accepted upload on %s, but it reports nothing newer (an older or re-sent file, or no observations)",
					c, acc.In(geo.Vietnam).Format(time.DateOnly))
			}
		}
		out = append(out, newAlert(KindStaleData, "warning", map[string]string{"carrier": c}, ann, start))
	}
	return out
}

func (e *Evaluator) rejected(in Input) []Alert {
	var out []Alert
	w := e.rejectedWindow()
	seen := map[int64]bool{}
	for _, u := range in.Rejected {
		if u.Result != geo.ResultRejected || seen[u.ID] || u.ReceivedAt.After(in.Now) || in.Now.Sub(u.ReceivedAt) >= w {
			continue
		}
		seen[u.ID] = true
		carrier, from := RejectedSender(&u), ""
		switch {
		case u.Role == geo.RoleInspector && u.Carrier != "":
			from = "an inspector (measurements of " + u.Carrier + ")"
		case u.Role == geo.RoleInspector:
			from = "an inspector"
		default:
			from = carrier
		}
		rules := map[string]int{}
		for _, p := range u.Problems {
			rules[p.Rule]++
		}
		ruleList := make([]string, 0, len(rules))
		for r, n := range rules {
			ruleList = append(ruleList, fmt.Sprintf("%s×%d", r, n))
		}
		sort.Strings(ruleList)
		first := ""
		if len(u.Problems) > 0 {
			first = u.Problems[0].String()
		}
		a := newAlert(KindUploadRejected, "warning", map[string]string{
			"carrier": carrier, "upload_id": strconv.FormatInt(u.ID, 10),
		}, map[string]string{
			"summary": fmt.Sprintf("Upload %d (%s) from %s was rejected: %d problem(s)",
				u.ID, u.FileName, from, len(u.Problems)),
			"file":          u.FileName,
			"problem_count": strconv.Itoa(len(u.Problems)),
			"rules":         strings.Join(ruleList, ", "),
			"first_problem": first,
			"received_at":   u.ReceivedAt.In(geo.Vietnam).Format(time.RFC3339),
		}, u.ReceivedAt)
		if u.Role == geo.RoleInspector && u.Carrier != "" {
			a.Annotations["measured_carrier"] = u.Carrier
		}
		out = append(out, a)
	}
	return out
}

// Senders of rejected uploads that are not carriers: the carrier label of CovmonUploadRejected
// for an inspector's file and for the ministry's registry files. The configuration refuses
// both as carrier names (docs/security.md), so no carrier's alerts are mixed with them.
const (
	SenderInspector = "inspector"
	SenderRegistry  = "registry"
)

// RejectedSender is the carrier label of a rejected upload's alert: who sent the file and must
// fix it, not whom it names. An inspector's measurements name the carrier they measured; their
// rejection is the inspectors' to fix (SenderInspector), and would otherwise page that carrier
// about a file it did not send (docs/alerts.md). The ministry's files and files naming no
// carrier are SenderRegistry.
func RejectedSender(u *geo.Upload) string {
	switch {
	case u.Role == geo.RoleInspector:
		return SenderInspector
	case u.Carrier == "":
		return SenderRegistry
	}
	return u.Carrier
}

// Counts tallies alerts by kind, every kind present.
func Counts(as []Alert) map[string]int {
	n := make(map[string]int, len(Kinds))
	for _, k := range Kinds {
		n[k] = 0
	}
	for _, a := range as {
		n[a.Kind]++
	}
	return n
}
