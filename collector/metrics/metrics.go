// Package metrics exposes covmon's state to Prometheus: a custom Collector that emits constant
// metrics from the latest snapshot at scrape time, and a gocron Monitor that counts job runs.
// Names and labels are documented in docs/metrics.md.
//
// Per-village series exist only for villages that are not covered, and for at most
// Collector.MaxVillageSeries of them (the most overdue first), so a scrape stays small at any
// registry size; the aggregates are always complete.
package metrics

import (
	"cmp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/covmon/covmon/geo"
)

var (
	villageOpen = prometheus.NewDesc("covmon_village_open",
		"A village that is not covered (1 per village); status is overdue, dead_zone, no_power or no_data; carriers_reported counts the carriers that reported on it; responsible_carrier is the carrier assigned to it (unassigned for none). For maps.",
		[]string{"program", "village_id", "name", "commune", "province", "province_code", "lat", "lon", "status", "carriers_reported", "responsible_carrier"}, nil)
	villageDeadline = prometheus.NewDesc("covmon_village_deadline_timestamp_seconds",
		"The village's own deadline in the program, for an open in-scope village (dead zone or no data).", []string{"program", "village_id"}, nil)
	villageRegressed = prometheus.NewDesc("covmon_village_regressed",
		"An open village that had signal before (covered, then dark again).", []string{"program", "village_id"}, nil)

	villages = prometheus.NewDesc("covmon_villages",
		"Villages by status (covered, dead_zone, no_power, no_data) per province.", []string{"program", "province_code", "province", "status"}, nil)
	villagesOverdue = prometheus.NewDesc("covmon_villages_overdue",
		"In-scope villages without signal past their own deadline (reported or not), per province.", []string{"program", "province_code", "province"}, nil)
	programTarget = prometheus.NewDesc("covmon_program_target_villages",
		"Villages on the program's baseline list.", []string{"program"}, nil)
	programCovered = prometheus.NewDesc("covmon_program_covered_villages",
		"Baseline villages covered now.", []string{"program"}, nil)
	programFoundLater = prometheus.NewDesc("covmon_program_found_later_villages",
		"Villages added to the program after the baseline.", []string{"program"}, nil)
	programNotSpots = prometheus.NewDesc("covmon_program_not_spots",
		"Not-spots: kind=total (powered villages that carriers reported, none with signal that counts).", []string{"program", "kind"}, nil)
	programSignalCarriers = prometheus.NewDesc("covmon_program_signal_carriers_villages",
		"Powered in-scope villages by the number of carriers with signal that counts (carriers=0…number of configured carriers; never-reported villages are in 0).", []string{"program", "carriers"}, nil)
	programResponsible = prometheus.NewDesc("covmon_program_responsible_villages",
		"Villages in scope per responsible carrier (carrier=unassigned for none): figure=open (no signal that counts) or overdue. Each village is under one carrier; the rows add up to the program's figure.", []string{"program", "carrier", "figure"}, nil)
	programLifecycle = prometheus.NewDesc("covmon_program_lifecycle_villages",
		"In-scope villages per lifecycle step: flagged, assigned, planned, built, on_air, verified (docs/figures.md#lifecycle).", []string{"program", "step"}, nil)
	plansLate = prometheus.NewDesc("covmon_plans_late",
		"Open villages late against their responsible carrier's own plan (its target on-air date has passed without signal that counts), per responsible carrier.", []string{"program", "carrier"}, nil)
	plansTargetSlips = prometheus.NewDesc("covmon_plans_target_slips",
		"In-scope villages whose responsible carrier moved a target on-air date after it had passed (re-planned a missed target), per responsible carrier; covered or not, once per village (docs/figures.md#lifecycle).", []string{"program", "carrier"}, nil)
	programPartialArea = prometheus.NewDesc("covmon_program_partial_area_villages",
		"Lõm sóng villages: covered at the centre, but no carrier covering the whole settled area (from coverage-area uploads).", []string{"program"}, nil)
	discrepancies = prometheus.NewDesc("covmon_discrepancies",
		"Villages where the latest independent measurement contradicts the carrier's claim in force when it was measured and the carrier has not conceded since (a re-claim of the same keeps the flag), either way: claims signal and measured none, or the reverse; per carrier whose claim it is; one village counts once per carrier.", []string{"program", "carrier"}, nil)
	programTrust = prometheus.NewDesc("covmon_program_trust_info",
		"1 for the trust rule the program's figures count carrier claims under: trust=claims (a claim of signal counts) or verified (once an independent measurement confirms it).", []string{"program", "trust"}, nil)
	programDeadline = prometheus.NewDesc("covmon_program_deadline_timestamp_seconds",
		"The program deadline.", []string{"program"}, nil)
	programRegressed = prometheus.NewDesc("covmon_program_regressed_villages",
		"Open villages that had signal before.", []string{"program"}, nil)
	programHistory = prometheus.NewDesc("covmon_program_history_villages",
		"A program's figures on the first day of each month since the first observation (burn-down history): figure is dead_zone, overdue or baseline_covered; month is YYYY-MM.",
		[]string{"program", "month", "figure"}, nil)
	carrierCovered = prometheus.NewDesc("covmon_carrier_covered_villages",
		"Villages where the carrier's latest report on the technology shows signal that counts.", []string{"carrier", "technology"}, nil)
	demoData = prometheus.NewDesc("covmon_demo_data",
		"1 when the database holds the SYNTHETIC demo seed data (not real villages or reports).", nil, nil)
	snapshotTime = prometheus.NewDesc("covmon_snapshot_timestamp_seconds",
		"When the figures were last computed (whole, or the villages an upload touched).", nil, nil)
	snapshotAsOf = prometheus.NewDesc("covmon_snapshot_as_of_timestamp_seconds",
		"The instant the figures describe (their as_of): an upload's villages are evaluated again at it.", nil, nil)
	refreshPending = prometheus.NewDesc("covmon_refresh_pending",
		"1 while uploads taken up are not all counted in the figures (observed after their as_of, more than 100,000 rows, or plans) and a whole computation is owed; 0 otherwise.", nil, nil)
	refreshDue = prometheus.NewDesc("covmon_refresh_due_timestamp_seconds",
		"When the whole computation owed to uploads starts at the latest (collector.min_full_refresh_interval after the last one ended); only while covmon_refresh_pending is 1.", nil, nil)
	refreshSince = prometheus.NewDesc("covmon_refresh_pending_since_timestamp_seconds",
		"Since when the whole computation owed to uploads is owed (the first upload the figures do not count yet was taken up); only while covmon_refresh_pending is 1.", nil, nil)

	villageSeriesMax = prometheus.NewDesc("covmon_village_series_max_villages",
		"The most open villages given per-village series (covmon_village_open and the rest) in a scrape, over all programs: metrics.max_village_series.", nil, nil)
	villageSeriesOmitted = prometheus.NewDesc("covmon_village_series_omitted_villages",
		"Open villages of the program left without per-village series by metrics.max_village_series (the least overdue); the aggregates still count them.", []string{"program"}, nil)

	uploads = prometheus.NewDesc("covmon_uploads_total",
		"Uploads recorded in the database, by carrier (registry for uploads naming no single carrier: the village registry, files of several carriers), role it was sent in (carrier, inspector, ministry) and result (accepted, rejected, duplicate); counted from the database, so it survives restarts.", []string{"carrier", "role", "result"}, nil)
	lastUpload = prometheus.NewDesc("covmon_last_upload_timestamp_seconds",
		"When the newest upload of the carrier in the role with the result was received (role=\"inspector\": measurements of the carrier, not its reports).", []string{"carrier", "role", "result"}, nil)
	lastReport = prometheus.NewDesc("covmon_last_report_timestamp_seconds",
		"The newest instant the carrier's accepted observations and coverage-area uploads in the role report: their newest observed_at (at most their receipt), not when they arrived; a re-sent old file does not move it. A carrier's data freshness is role=\"carrier\" (what CovmonCarrierDataStale judges).", []string{"carrier", "role"}, nil)
	problems = prometheus.NewDesc("covmon_validation_problems_total",
		"Validation problems in rejected uploads, by rule code; counted from the database, so it survives restarts.", []string{"rule"}, nil)
)

// Collector emits covmon's state from the latest snapshot. It implements prometheus.Collector.
//
// A snapshot never changes once built, so the metrics made from it are built once and reused
// by every scrape until the next snapshot.
type Collector struct {
	// MaxVillageSeries caps the open villages given per-village series, over all programs
	// (default DefaultMaxVillageSeries; 0: none). Set it before the first scrape.
	MaxVillageSeries int

	snapshot func() *geo.Snapshot

	mu        sync.Mutex
	cachedFor *geo.Snapshot
	cached    []prometheus.Metric
}

// NewCollector returns a Collector reading snapshots from snap (nil snapshots emit nothing
// but the absence of data).
func NewCollector(snap func() *geo.Snapshot) *Collector {
	return &Collector{snapshot: snap, MaxVillageSeries: DefaultMaxVillageSeries}
}

// DefaultMaxVillageSeries is the default cap on villages with per-village series: about
// 6000 series, some 0.6 MB a scrape.
const DefaultMaxVillageSeries = 2000

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{villageOpen, villageDeadline, villageRegressed,
		villages, villagesOverdue, programTarget, programCovered, programFoundLater, programNotSpots, programSignalCarriers, programResponsible, programLifecycle, plansLate, plansTargetSlips, programPartialArea, discrepancies, programTrust, programDeadline,
		programRegressed, programHistory, carrierCovered, demoData, snapshotTime, snapshotAsOf, refreshPending, refreshDue, refreshSince, villageSeriesMax, villageSeriesOmitted, uploads, lastUpload, lastReport, problems} {
		ch <- d
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, lv ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// coord formats a coordinate with a fixed 5 decimals (about 1 m) so a series never churns.
func coord(v float64) string { return strconv.FormatFloat(v, 'f', 5, 64) }

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot()
	if s == nil {
		return
	}
	c.mu.Lock()
	if c.cachedFor != s {
		c.cached, c.cachedFor = build(s, c.MaxVillageSeries), s
	}
	ms := c.cached
	c.mu.Unlock()
	for _, m := range ms {
		ch <- m
	}
}

// build makes every metric of snapshot s.
func build(s *geo.Snapshot, maxVillages int) []prometheus.Metric {
	ms := make(chan prometheus.Metric, 256)
	var out []prometheus.Metric
	done := make(chan struct{})
	go func() {
		for m := range ms {
			out = append(out, m)
		}
		close(done)
	}()
	emit(ms, s, maxVillages)
	close(ms)
	<-done
	return out
}

func emit(ch chan<- prometheus.Metric, s *geo.Snapshot, maxVillages int) {
	demo := 0.0
	if s.Demo {
		demo = 1
	}
	gauge(ch, demoData, demo)
	gauge(ch, snapshotTime, unix(s.ComputedAt))
	gauge(ch, snapshotAsOf, unix(s.AsOf))
	pending := 0.0
	if !s.PendingSince.IsZero() {
		pending = 1
		gauge(ch, refreshDue, unix(s.PendingDue))
		gauge(ch, refreshSince, unix(s.PendingSince))
	}
	gauge(ch, refreshPending, pending)
	for i := range s.Programs {
		collectProgram(ch, &s.Programs[i], s.AsOf)
	}
	gauge(ch, villageSeriesMax, float64(maxVillages))
	collectVillages(ch, s, maxVillages)
	for _, ct := range s.CarrierTech {
		gauge(ch, carrierCovered, float64(ct.Villages), ct.Carrier, ct.Technology.String())
	}
	for _, u := range s.Uploads {
		carrier := u.Carrier
		if carrier == "" {
			carrier = "registry" // the ministry's village registry uploads
		}
		ch <- prometheus.MustNewConstMetric(uploads, prometheus.CounterValue, float64(u.Count), carrier, u.Role, string(u.Result))
		gauge(ch, lastUpload, unix(u.LastAt), carrier, u.Role, string(u.Result))
		// A file of several carriers (carrier "") is no one carrier's report.
		if u.Carrier != "" && !u.LastReport.IsZero() {
			gauge(ch, lastReport, unix(u.LastReport), u.Carrier, u.Role)
		}
	}
	for _, p := range s.Problems {
		ch <- prometheus.MustNewConstMetric(problems, prometheus.CounterValue, float64(p.Count), p.Rule)
	}
}

func collectProgram(ch chan<- prometheus.Metric, ps *geo.ProgramState, asOf time.Time) {
	id := ps.Program.ID
	n := &ps.Summary.National
	gauge(ch, programTarget, float64(n.Baseline), id)
	gauge(ch, programCovered, float64(n.BaselineCovered), id)
	gauge(ch, programFoundLater, float64(n.FoundLater), id)
	gauge(ch, programNotSpots, float64(n.TotalNotSpot), id, "total")
	for k, c := range n.WithSignal {
		gauge(ch, programSignalCarriers, float64(c), id, strconv.Itoa(k))
	}
	for _, r := range ps.Summary.Responsible {
		gauge(ch, programResponsible, float64(r.Open), id, r.Carrier, "open")
		gauge(ch, programResponsible, float64(r.Overdue), id, r.Carrier, "overdue")
		if r.Carrier != geo.Unassigned {
			gauge(ch, plansLate, float64(r.Late), id, r.Carrier)
			gauge(ch, plansTargetSlips, float64(r.TargetSlips), id, r.Carrier)
		}
	}
	for i, step := range geo.Steps {
		gauge(ch, programLifecycle, float64(n.Steps[i]), id, string(step))
	}
	gauge(ch, programPartialArea, float64(n.PartialArea), id)
	for _, d := range ps.Summary.Discrepancies {
		gauge(ch, discrepancies, float64(d.Villages), id, d.Carrier)
	}
	gauge(ch, programTrust, 1, id, string(geo.TrustOf(&ps.Program)))
	gauge(ch, programDeadline, unix(ps.Program.Deadline), id)
	gauge(ch, programRegressed, float64(len(ps.Regressed)), id)
	for _, f := range ps.History {
		month := f.Day.Format("2006-01")
		gauge(ch, programHistory, float64(f.Counts.DeadZone), id, month, "dead_zone")
		gauge(ch, programHistory, float64(f.Counts.Overdue), id, month, "overdue")
		gauge(ch, programHistory, float64(f.Counts.BaselineCovered), id, month, "baseline_covered")
	}
	for _, p := range ps.Summary.Provinces {
		for _, st := range geo.Statuses {
			v := map[geo.Status]int{geo.StatusCovered: p.Covered, geo.StatusDeadZone: p.DeadZone, geo.StatusNoPower: p.NoPower, geo.StatusNoData: p.NoData}[st]
			gauge(ch, villages, float64(v), id, p.ProvinceCode, p.ProvinceName, string(st))
		}
		gauge(ch, villagesOverdue, float64(p.Overdue), id, p.ProvinceCode, p.ProvinceName)
	}
}

// openVillage is one program's open village, a candidate for per-village series.
type openVillage struct {
	ps *geo.ProgramState
	vs *geo.VillageStatus
}

// rank orders the open villages for the cap: overdue first, then dead zones, no data, no power;
// within each the earliest deadline first (the most days overdue; no deadline last); then
// program and village ID, so the same villages keep their series from scrape to scrape.
func rank(a, b openVillage) int {
	class := func(vs *geo.VillageStatus) int {
		switch {
		case vs.Overdue:
			return 0
		case vs.Status == geo.StatusDeadZone:
			return 1
		case vs.Status == geo.StatusNoData:
			return 2
		}
		return 3
	}
	deadline := func(vs *geo.VillageStatus) int64 {
		if vs.Deadline.IsZero() {
			return 1<<63 - 1
		}
		return vs.Deadline.Unix()
	}
	return cmp.Or(cmp.Compare(class(a.vs), class(b.vs)), cmp.Compare(deadline(a.vs), deadline(b.vs)),
		cmp.Compare(a.ps.Program.ID, b.ps.Program.ID), cmp.Compare(a.vs.Village.ID, b.vs.Village.ID))
}

// collectVillages emits the per-village series of at most maxVillages open villages over all
// programs, the most overdue first, and per program how many were left out.
func collectVillages(ch chan<- prometheus.Metric, s *geo.Snapshot, maxVillages int) {
	var all []openVillage
	for i := range s.Programs {
		ps := &s.Programs[i]
		for j := range ps.Open {
			all = append(all, openVillage{ps, &ps.Open[j]})
		}
	}
	if len(all) > maxVillages {
		slices.SortFunc(all, rank)
	}
	kept := all[:min(len(all), max(maxVillages, 0))]
	omitted := make(map[string]int, len(s.Programs))
	for i := range s.Programs {
		omitted[s.Programs[i].Program.ID] = 0
	}
	for _, o := range all[len(kept):] {
		omitted[o.ps.Program.ID]++
	}
	for i := range s.Programs {
		id := s.Programs[i].Program.ID
		gauge(ch, villageSeriesOmitted, float64(omitted[id]), id)
	}
	regressed := make(map[*geo.ProgramState]map[string]bool, len(s.Programs))
	for i := range s.Programs {
		ps := &s.Programs[i]
		m := make(map[string]bool, len(ps.Regressed))
		for _, v := range ps.Regressed {
			m[v] = true
		}
		regressed[ps] = m
	}
	for _, o := range kept {
		vs, id := o.vs, o.ps.Program.ID
		v := vs.Village
		status := string(vs.Status)
		if vs.Overdue {
			status = "overdue"
		}
		gauge(ch, villageOpen, 1, id, v.ID, v.Name, v.CommuneName, v.ProvinceName, v.ProvinceCode, coord(v.Center.Lat()), coord(v.Center.Lon()),
			status, strconv.Itoa(len(vs.CarriersReported)), geo.Bucket(vs.Responsible))
		if vs.Open && !vs.Deadline.IsZero() {
			gauge(ch, villageDeadline, unix(vs.Deadline), id, v.ID)
		}
		if regressed[o.ps][v.ID] {
			gauge(ch, villageRegressed, 1, id, v.ID)
		}
	}
}
