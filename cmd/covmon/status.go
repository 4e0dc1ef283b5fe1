package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/i18n"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

func (m *Main) runStatus(ctx context.Context, args []string) error {
	fs := m.flagSet("status", "", `
Show the status of the registry's villages under a program: how many baseline villages are
covered, the dead zones left (powered villages without signal), how many are overdue, the
villages without grid power or without any report, per province. With --as-of, the same as
it stood at a past date, derived from the stored observations.

Statuses: covered (a carrier has signal that counts), dead_zone (grid power, no signal),
no_power (no grid power, no signal), no_data (never reported). A village in the program's
scope (powered, for a powered-only program) without signal that counts is open, whether or
not anyone reported on it; past its own deadline it is overdue, with the reason
(never_reported, no_signal, dark_centre). Overdue villages are counted under the carrier
responsible for them (assignments), or "unassigned" (chưa giao). See docs/figures.md.

With --carrier C --villages: C's work list, the open villages C is responsible for, nearest
deadline first (--carrier unassigned lists those no carrier is responsible for). A dead zone is "trắng sóng" (no signal at the centre); a covered
village is "lõm sóng" when coverage-area uploads show signal at its centre but no carrier
covering its whole settled area (column LOM_SONG; area_coverage "partial" in JSON/GeoJSON).

With --as-known: the audit view, the figures as they stood when known. As of --as-of, only
the uploads covmon had received by then count (observations, measurements, registry imports,
assignments, plans); the default view counts every upload stored now, each observation from
the instant it describes, so a report received later but dated before --as-of changes it.
The completion forecast's weekly points are each as known at their own instant, and a line
under it says what reports received after their week changed in the current view's, and who
sent them. Without --as-of both views' figures are the same (the forecast's earlier points
still as known then). See docs/figures.md, "As known then".`)
	asOfS := fs.String("as-of", "", "evaluate as of `DATE` (YYYY-MM-DD, 00:00 Vietnam time) or RFC 3339 instant; default now")
	asKnown := fs.Bool("as-known", false, "the audit view: count only the uploads received by --as-of (the figures as they stood then), not every upload stored now; the completion forecast's weekly points each as known at its own instant")
	province := fs.String("province", "", "only villages of province `code` (2 digits)")
	program := fs.String("program", "", "program `ID` (default: the configured default program)")
	format := fs.String("format", "table", "output `format`: table, json, geojson or csv (one row per village: the GeoJSON properties plus lon/lat, UTF-8 with BOM)")
	policy := fs.String("policy", "in_force", "signal `policy`: in_force (the program's policy in force at --as-of) or current (today's policy, applied to every date)")
	geography := fs.String("geography", "", "group by the provinces and communes in force on `DATE` (YYYY-MM-DD; 2024-12-01: the 63 provinces before the 2025 merger); default: today's units")
	villages := fs.Bool("villages", false, "table format: also list every village that is not covered, and the lõm sóng ones")
	carrier := fs.String("carrier", "", "only the villages `C` is responsible for (\"unassigned\" for none); with --villages, C's work list")
	forecast := fs.Bool("forecast", true, "table and json formats: the program's completion forecast as of --as-of (reads every village's observation history: --forecast=false skips it)")
	langS := fs.String("lang", "vi", "table format: `language` of the labels, headers and status words: vi (tiếng Việt) or en; JSON, GeoJSON and CSV keep their English keys and values")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("status: unexpected argument %q", fs.Arg(0))
	}
	// The walks allocate a few values per row read (13M rows at 1M villages) and keep almost
	// nothing (a heap of ~7 MB live): at the default GOGC the collector ran every ~7 MB of
	// allocation, hundreds of times, a fifth of status's CPU at 100k villages. A heap allowed to
	// grow to 5x its live size costs a few tens of MiB of RSS. A GOGC set higher (or off) is kept.
	if old := debug.SetGCPercent(statusGCPercent); old < 0 || old > statusGCPercent {
		debug.SetGCPercent(old)
	} else {
		defer debug.SetGCPercent(old)
	}
	asOf := m.Now()
	if *asOfS != "" {
		t, err := parseAsOf(*asOfS, m.Now())
		if err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
		asOf = t
	}
	var geoAt time.Time
	if *geography != "" {
		t, err := time.ParseInLocation("2006-01-02", *geography, geo.Vietnam)
		if err != nil {
			return fmt.Errorf("--geography: want a date YYYY-MM-DD, got %q", *geography)
		}
		geoAt = t
	}
	lang, ok := i18n.ParseLang(*langS)
	if !ok {
		return fmt.Errorf("--lang: want vi or en, got %q", *langS)
	}
	switch *format {
	case "table", "json", "geojson", "csv":
	default:
		return fmt.Errorf("--format: want table, json, geojson or csv, got %q", *format)
	}
	// The walks read each page of the registry once, in key order: a small page cache per
	// reader does as well as the server's 16 MiB (at 100k villages the same CPU, 105 MiB of
	// peak RSS against 170), and SQLite frees a cache page by page when the command closes.
	m.readerCacheKiB = statusReaderCacheKiB
	if err := m.open(ctx); err != nil {
		return err
	}
	prog, err := m.Config.Program(*program)
	if err != nil {
		return err
	}
	switch *policy {
	case "in_force":
	case "current":
		p := prog.UnderPolicyAt(m.Now())
		prog = &p
	default:
		return fmt.Errorf("--policy: want in_force or current, got %q", *policy)
	}
	pol := m.Config.GeoPolicy()
	f := geo.VillageFilter{ProvinceCode: *province, ProgramID: prog.ID, AsKnown: *asKnown}
	if !geoAt.IsZero() {
		f.ProvinceCode = "" // --province names a unit of that geography: filtered below
	}
	if *carrier != "" && *carrier != geo.Unassigned && !slices.Contains(pol.Carriers, *carrier) {
		return fmt.Errorf("--carrier: %q is not a configured carrier (%s) nor %q", *carrier, strings.Join(pol.Carriers, ", "), geo.Unassigned)
	}
	// The completion forecast reads every village's history in a walk of its own (its own read
	// transaction, as it always had): it runs beside the status walk, so a second core shortens
	// the wait; the CPU is the same.
	var (
		fc     *wire.Forecast
		fcErr  error
		fcDone chan struct{}
	)
	// In the audit view, each of the forecast's weekly points as known at its own instant
	// (alerts.ForecastAsKnown), so claims received after a week do not move it.
	if *forecast && *carrier == "" && (*format == "table" || *format == "json") {
		fctx, cancel := context.WithCancel(ctx)
		fcDone = make(chan struct{})
		defer func() { cancel(); <-fcDone }() // on an early return, the walk stops before the store closes
		go func() {
			defer close(fcDone)
			fcast := alerts.Forecast
			if *asKnown {
				fcast = alerts.ForecastAsKnown
			}
			f, err := fcast(fctx, m.DB, *prog, &pol, asOf, m.Config.Alerts.ForecastWeeks)
			if err != nil {
				fcErr = fmt.Errorf("forecast: %w", err)
				return
			}
			fc = &f
		}()
	}
	var (
		sum geo.Summary
		sts []geo.VillageStatus
	)
	if geoAt.IsZero() && (*format == "table" || *carrier != "") {
		// What is printed is the summary and, at most, a list of villages: the registry streams
		// through, evaluated one village at a time, and only the listed villages are kept.
		var keep func(*geo.VillageStatus) bool
		switch {
		case *carrier != "":
			keep = func(st *geo.VillageStatus) bool { return st.Open && geo.Bucket(st.Responsible) == *carrier }
		case *villages:
			keep = func(st *geo.VillageStatus) bool { // the village table, and the discrepancy table
				return (st.Status != geo.StatusCovered || st.PartialArea || len(st.Discrepancies) > 0) && st.Village.KnownAt(asOf)
			}
		}
		if sum, sts, err = collector.StatusSummary(ctx, m.DB, f, prog, &pol, asOf, keep); err != nil {
			return err
		}
	} else {
		if sts, err = collector.Status(ctx, m.DB, f, prog, &pol, asOf); err != nil {
			return err
		}
		if !geoAt.IsZero() {
			rows, err := m.DB.Crosswalk(ctx)
			if err != nil {
				return err
			}
			if len(rows) == 0 {
				return errors.New("--geography: no crosswalk of administrative units in this database (covmon crosswalk import FILE; covmon seed loads the 2025 one)")
			}
			sts = geo.NewCrosswalk(rows).InGeography(sts, geoAt)
			if *province != "" {
				sts = slices.DeleteFunc(sts, func(st geo.VillageStatus) bool { return st.Village.ProvinceCode != *province })
			}
		}
		sum = geo.Summarize(sts, prog, &pol, asOf)
	}
	demo, err := m.demoData(ctx)
	if err != nil {
		return err
	}
	if fcDone != nil {
		<-fcDone
		if fcErr != nil {
			return fcErr
		}
	}
	if *carrier != "" {
		wl := geo.WorkList(sts, *carrier)
		switch *format {
		case "json":
			out := wire.NewWorkList(*carrier, prog, asOf, wl, demo)
			out.View = wire.ViewOf(*asKnown)
			return writeJSON(m.Stdout, out)
		case "geojson":
			fc := wire.FeatureCollection(wl, asOf, demo)
			wire.SetView(fc, *asKnown)
			return writeJSON(m.Stdout, fc)
		}
		m.printWorkList(*carrier, sum, wl, demo, *villages, *asKnown, lang)
		return nil
	}
	switch *format {
	case "json":
		out := wire.NewStatus(sum, sts, demo)
		out.Geography = *geography
		out.View = wire.ViewOf(*asKnown)
		out.Forecast = fc
		return writeJSON(m.Stdout, out)
	case "geojson":
		fc := wire.FeatureCollection(sts, asOf, demo)
		wire.SetView(fc, *asKnown)
		wire.SetGeography(fc, *geography)
		return writeJSON(m.Stdout, fc)
	case "csv":
		if demo {
			fmt.Fprintln(m.Stderr, demoNotice)
		}
		fc := wire.FeatureCollection(sts, asOf, demo)
		wire.SetView(fc, *asKnown)
		wire.SetGeography(fc, *geography)
		return wire.WriteCSV(m.Stdout, fc)
	}
	if *geography != "" {
		fmt.Fprintf(m.Stdout, i18n.Text("cli.geography", lang)+"\n", *geography)
	}
	m.printStatus(sum, sts, demo, *villages, *asKnown, lang, fc)
	return nil
}

// statusReaderCacheKiB is the page cache of each SQLite reader connection of covmon status.
const statusReaderCacheKiB = 2048

// statusGCPercent is the garbage collector's target percentage while covmon status runs.
const statusGCPercent = 400

// demoData reports whether the database holds the synthetic seed data.
func (m *Main) demoData(ctx context.Context) (bool, error) {
	ups, err := m.DB.Uploads(ctx, geo.UploadFilter{})
	if err != nil {
		return false, fmt.Errorf("list uploads: %w", err)
	}
	for _, u := range ups {
		if u.Source == "seed" && u.Result == geo.ResultAccepted {
			return true, nil
		}
	}
	return false, nil
}

const demoNotice = "NOTE: this database holds " + wire.DemoNotice + "."

// printDemo writes the synthetic-data notice: in Vietnamese, the Vietnamese one and then the
// English one (which scripts and tests look for).
func printDemo(w io.Writer, lang i18n.Lang) {
	if lang == i18n.Vi {
		fmt.Fprintln(w, i18n.Text("cli.demo", lang))
	}
	fmt.Fprintln(w, demoNotice)
}

func (m *Main) printStatus(s geo.Summary, sts []geo.VillageStatus, demo, list, asKnown bool, lang i18n.Lang, fc *wire.Forecast) {
	w := m.Stdout
	tr := func(key string) string { return i18n.Text(key, lang) }
	if demo {
		printDemo(w, lang)
	}
	n := &s.National
	fmt.Fprintf(w, "%s %s: %s\n", tr("cli.program"), cell(s.Program.ID), cell(s.Program.Name))
	fmt.Fprintf(w, "%s %s\n", tr("cli.as_of"), s.AsOf.In(geo.Vietnam).Format("2006-01-02 15:04 (UTC+7)"))
	printView(w, asKnown, lang)
	if s.Program.PolicyRecomputed {
		fmt.Fprintf(w, "%s: %s\n", tr("cli.policy_current"), s.Policy)
	} else {
		fmt.Fprintf(w, "%s: %s\n", tr("cli.policy_in_force"), s.Policy)
	}
	fmt.Fprintf(w, "%s: %s\n\n", tr("cli.trust"), tr("cli.trust."+string(geo.TrustOf(s.Program))))
	pct := 0.0
	if n.Baseline > 0 {
		pct = 100 * float64(n.BaselineCovered) / float64(n.Baseline)
	}
	deadline := s.Program.Deadline.In(geo.Vietnam).Format("2006-01-02")
	if d := s.AsOf.Sub(s.Program.Deadline); d >= 0 {
		deadline = fmt.Sprintf(tr("cli.deadline_passed_value"), deadline, int(d.Hours()/24))
	} else {
		// Whole days rounded up (a part of a day left is a day; exactly 30 days is 30), as days
		// overdue are rounded down: both are whole days between the instant and the deadline.
		const day = 24 * time.Hour
		deadline = fmt.Sprintf(tr("cli.deadline_left_value"), deadline, int((-d+day-1)/day))
	}
	open := fmt.Sprintf(tr("cli.open_value"), n.Open, n.Overdue, n.OverdueNeverReported, n.OverdueNoSignal, n.OverdueDarkCentre)
	if geo.TrustOf(s.Program) == geo.TrustVerified {
		// The reasons only the verified rule gives, inside the same parentheses.
		open = strings.TrimSuffix(open, ")") + fmt.Sprintf(tr("cli.open_verified_value"), n.OverdueContradicted, n.OverdueUnconfirmed) + ")"
	}
	rows := [][2]string{
		{"cli.baseline_covered", fmt.Sprintf(tr("cli.baseline_covered_value"), n.BaselineCovered, n.Baseline, pct)},
		{"cli.deadline", deadline},
		{"cli.forecast", forecastText(fc, lang)},
		{"cli.dead_zones", fmt.Sprint(n.DeadZone)},
		{"cli.open", open},
		{"cli.trang_lom", fmt.Sprintf(tr("cli.trang_lom_value"), n.DeadZone, n.PartialArea)},
		{"cli.no_power", fmt.Sprint(n.NoPower)},
		{"cli.no_data", fmt.Sprint(n.NoData)},
		{"cli.found_later", fmt.Sprint(n.FoundLater)},
		{"cli.not_spots", fmt.Sprintf(tr("cli.not_spots_value"), n.TotalNotSpot)},
		{"cli.with_signal", ""}, // a line of its own, not aligned
		{"cli.villages", fmt.Sprintf(tr("cli.villages_value"), n.Villages, n.Covered)},
		{"cli.lifecycle", lifecycleCounts(n.Steps, lang)},
		{"cli.late", fmt.Sprintf(tr("cli.late_value"), n.Late)},
	}
	width := 0
	for _, r := range rows {
		if r[1] != "" {
			width = max(width, utf8.RuneCountInString(tr(r[0])))
		}
	}
	rows = slices.DeleteFunc(rows, func(r [2]string) bool { return r[0] == "cli.forecast" && fc == nil })
	if fc != nil && fc.Late != nil {
		// The audit view's forecast: what the reports received late changed, on a line of its
		// own under it, aligned with the values.
		for i := range rows {
			if rows[i][0] == "cli.forecast" {
				rows[i][1] += "\n" + strings.Repeat(" ", width+3) + lateText(fc, lang)
			}
		}
	}
	for _, r := range rows {
		if r[1] == "" {
			fmt.Fprintf(w, tr(r[0])+"\n", distribution(n.WithSignal), n.PoweredNoData)
			continue
		}
		label := tr(r[0]) + ":"
		fmt.Fprintf(w, "%s%s%s\n", label, strings.Repeat(" ", width+3-utf8.RuneCountInString(label)), r[1])
	}
	fmt.Fprintf(w, tr("cli.discrepancies")+"\n", n.Discrepancies, discrepancyLine(s.Discrepancies, lang))
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, tr("cli.province_header"))
	for _, p := range s.Provinces {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", p.ProvinceCode, cell(p.ProvinceName), p.Villages, p.Covered, p.PartialArea, p.DeadZone, p.Overdue, p.NoPower, p.NoData)
	}
	tw.Flush()
	printResponsible(w, s.Responsible, lang)
	if !list {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, tr("cli.village_header"))
	for _, vs := range sts {
		if (vs.Status == geo.StatusCovered && !vs.PartialArea) || !vs.Village.KnownAt(s.AsOf) {
			continue
		}
		area := "-"
		switch vs.AreaCoverage() {
		case geo.AreaPartial:
			area = "lõm sóng"
		case geo.AreaDark:
			area = "trắng sóng"
		}
		last := "-"
		if !vs.LastObservedAt.IsZero() {
			last = vs.LastObservedAt.In(geo.Vietnam).Format("2006-01-02")
		}
		od := "-"
		if vs.Overdue {
			od = fmt.Sprint(vs.DaysOverdue)
		}
		step, since, late := stepCells(&vs.Lifecycle, lang)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", vs.Village.ID, cell(vs.Village.Name), cell(vs.Village.CommuneName), cell(vs.Village.ProvinceName),
			statusWord(vs.Status, lang), area, od, bucketWord(geo.Bucket(vs.Responsible), lang), step, since, late, strings.Join(vs.CarriersReported, ","), last)
	}
	tw.Flush()
	printDiscrepancies(w, sts, s.AsOf, lang)
}

// discrepancyLine writes the per-carrier discrepancy counts: "viettel 2 (2 overstated, 0
// understated), mobifone 0, …", with "; 1 re-claimed since the inspection, awaiting
// re-inspection" inside the brackets of a carrier that re-claimed.
func discrepancyLine(cs []geo.DiscrepancyCount, lang i18n.Lang) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		p := c.Carrier + " " + strconv.Itoa(c.Villages)
		switch {
		case c.Reclaimed > 0:
			p += fmt.Sprintf(i18n.Text("cli.discrepancy_reclaimed", lang), c.Overstated, c.Understated, c.Reclaimed)
		case c.Villages > 0:
			p += fmt.Sprintf(i18n.Text("cli.discrepancy_kinds", lang), c.Overstated, c.Understated)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// printDiscrepancies lists every discrepancy with both sides and, in words, what it means.
func printDiscrepancies(w io.Writer, sts []geo.VillageStatus, asOf time.Time, lang i18n.Lang) {
	var rows []*geo.VillageStatus
	for i := range sts {
		if len(sts[i].Discrepancies) > 0 && sts[i].Village.KnownAt(asOf) {
			rows = append(rows, &sts[i])
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, i18n.Text("cli.discrepancy_title", lang))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, i18n.Text("cli.discrepancy_header", lang))
	for _, vs := range rows {
		for _, d := range vs.Discrepancies {
			why := i18n.ExplainDiscrepancy(d, vs.Trust).In(lang)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%s\t%s\n", vs.Village.ID, cell(vs.Village.Name), statusWord(vs.Status, lang),
				d.Carrier, d.Technology, d.Kind, d.Claim.ObservedAt.In(geo.Vietnam).Format(time.DateOnly), d.Claim.UploadID,
				d.Measurement.ObservedAt.In(geo.Vietnam).Format(time.DateOnly), d.Measurement.UploadID, cell(d.Measurement.Inspector), why)
		}
	}
	tw.Flush()
}

// forecastText says a forecast in lang: the projected date (Vietnam time) or why there is
// none, with the trend it comes from.
func forecastText(f *wire.Forecast, lang i18n.Lang) string {
	if f == nil {
		return ""
	}
	tr := func(key string) string { return i18n.Text(key, lang) }
	view := "" // the audit view says so, and how many of its weeks had figures then
	if f.View == wire.ViewAsKnown {
		view = " " + fmt.Sprintf(tr("cli.forecast_as_known"), f.Points, f.Weeks)
	}
	var out string
	switch f.Status {
	case wire.ForecastConverging:
		out = f.ZeroAt.Format(time.DateOnly)
		if f.MissesDeadline {
			out += ", " + tr("cli.forecast_late")
		}
	case wire.ForecastNotConverging:
		out = tr("cli.forecast_never")
	case wire.ForecastDone:
		return tr("cli.forecast_done") + view
	default:
		return tr("cli.forecast_insufficient") + view
	}
	return out + " " + fmt.Sprintf(tr("cli.forecast_trend"), f.Points, f.Remaining, f.SlopePerWeek) + view
}

// lateText says, in lang, what the reports received after the weeks they describe change in
// a forecast as known then (wire.ForecastLate): the points the current view counts otherwise,
// its forecast, and who sent those reports.
func lateText(f *wire.Forecast, lang i18n.Lang) string {
	tr := func(key string) string { return i18n.Text(key, lang) }
	l := f.Late
	var cur string
	switch l.Current.Status {
	case wire.ForecastConverging:
		cur = l.Current.ZeroAt.Format(time.DateOnly)
	case wire.ForecastNotConverging:
		cur = tr("cli.forecast_never")
	case wire.ForecastDone:
		cur = tr("cli.forecast_done")
	default:
		cur = tr("cli.forecast_insufficient")
	}
	carriers := slices.Sorted(maps.Keys(l.ClaimsByCarrier))
	var claims []string
	for _, c := range carriers {
		claims = append(claims, fmt.Sprintf("%s %d", c, l.ClaimsByCarrier[c]))
	}
	by := tr("cli.forecast_late_none")
	if len(claims) > 0 {
		by = strings.Join(claims, ", ")
	}
	return fmt.Sprintf(tr("cli.forecast_late_reports"), l.PointsDiffer, f.Weeks, cur, by, l.Measurements)
}

// statusWord names a status in lang: the API's value in English (what scripts read), a short
// Vietnamese word otherwise.
func statusWord(st geo.Status, lang i18n.Lang) string {
	if lang == i18n.En {
		return string(st)
	}
	return i18n.Text("cli.status."+string(st), lang)
}

// stepWord names a lifecycle step: the API's value in English, Vietnamese otherwise.
func stepWord(st geo.Step, lang i18n.Lang) string {
	if lang == i18n.En {
		return string(st)
	}
	return geo.StepLabel(st)
}

// lifecycleCounts writes the villages per lifecycle step: "flagged 3, assigned 10, …".
func lifecycleCounts(n [geo.NumSteps]int, lang i18n.Lang) string {
	parts := make([]string, len(n))
	for i, s := range geo.Steps {
		parts[i] = stepWord(s, lang) + " " + strconv.Itoa(n[i])
	}
	return strings.Join(parts, ", ")
}

// stepCells are a village's lifecycle step, the date of its evidence and its days late
// against its plan, "-" where there is none.
func stepCells(lc *geo.Lifecycle, lang i18n.Lang) (step, since, late string) {
	step, since, late = "-", "-", "-"
	if lc.Step != "" {
		step = stepWord(lc.Step, lang)
	}
	if !lc.Since.IsZero() {
		since = lc.Since.In(geo.Vietnam).Format(time.DateOnly)
	}
	if lc.Late {
		late = strconv.Itoa(lc.DaysLate)
	}
	return step, since, late
}

// basisWord says where a village's deadline comes from: the API's value in English,
// Vietnamese otherwise.
func basisWord(b geo.DeadlineBasis, lang i18n.Lang) string {
	if lang == i18n.En || b == "" {
		return string(b)
	}
	return i18n.Text("cli.basis."+string(b), lang)
}

// reasonWord names why a village is open: the API's value in English, Vietnamese otherwise.
func reasonWord(r geo.Reason, lang i18n.Lang) string {
	if lang == i18n.En || r == "" {
		return string(r)
	}
	return i18n.Text("cli.reason."+string(r), lang)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// distribution writes WithSignal as "0: 12, 1: 40, 2: 100, …".
func distribution(ws []int) string {
	parts := make([]string, len(ws))
	for k, n := range ws {
		parts[k] = strconv.Itoa(k) + ": " + strconv.Itoa(n)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// bucketLabel names a responsible-carrier bucket for people.
func bucketLabel(c string, lang i18n.Lang) string {
	if c == geo.Unassigned {
		if lang == i18n.Vi {
			return geo.UnassignedLabel
		}
		return geo.Unassigned + " (" + geo.UnassignedLabel + ")"
	}
	return c
}

// bucketWord names a responsible-carrier bucket in a table cell: the API's value in English,
// "chưa giao" for unassigned in Vietnamese.
func bucketWord(c string, lang i18n.Lang) string {
	if c == geo.Unassigned && lang == i18n.Vi {
		return geo.UnassignedLabel
	}
	return c
}

// printResponsible writes the per-responsible-carrier table; its rows add up to the national
// figures.
func printResponsible(w io.Writer, rs []geo.ResponsibleCounts, lang i18n.Lang) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, i18n.Text("cli.responsible_title", lang))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, i18n.Text("cli.responsible_header", lang))
	var t geo.Counts
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", bucketLabel(r.Carrier, lang), r.Villages, r.Covered, r.Open, r.Overdue,
			r.OverdueNeverReported, r.OverdueNoSignal, r.OverdueDarkCentre, r.Late)
		t.Add(r.Counts)
	}
	fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", i18n.Text("cli.total", lang), t.Villages, t.Covered, t.Open, t.Overdue,
		t.OverdueNeverReported, t.OverdueNoSignal, t.OverdueDarkCentre, t.Late)
	tw.Flush()
}

// printView says, under the instant, which view the figures are in: the audit view's line
// (as known then); nothing for the current view.
func printView(w io.Writer, asKnown bool, lang i18n.Lang) {
	if asKnown {
		fmt.Fprintln(w, i18n.Text("cli.view_as_known", lang))
	}
}

// printWorkList writes carrier's work list: its open villages, nearest deadline first.
func (m *Main) printWorkList(carrier string, s geo.Summary, wl []geo.VillageStatus, demo, list, asKnown bool, lang i18n.Lang) {
	w := m.Stdout
	tr := func(key string) string { return i18n.Text(key, lang) }
	if demo {
		printDemo(w, lang)
	}
	overdue := 0
	for _, vs := range wl {
		if vs.Overdue {
			overdue++
		}
	}
	fmt.Fprintf(w, "%s %s: %s\n", tr("cli.program"), cell(s.Program.ID), cell(s.Program.Name))
	fmt.Fprintf(w, "%s %s\n", tr("cli.as_of"), s.AsOf.In(geo.Vietnam).Format("2006-01-02 15:04 (UTC+7)"))
	printView(w, asKnown, lang)
	fmt.Fprintf(w, tr("cli.worklist_value")+"\n", bucketLabel(carrier, lang), len(wl), overdue)
	if !list {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, tr("cli.worklist_header"))
	for _, vs := range wl {
		od := "-"
		if vs.Overdue {
			od = strconv.Itoa(vs.DaysOverdue)
		}
		step, _, late := stepCells(&vs.Lifecycle, lang)
		site, target := "-", "-"
		if p := vs.Lifecycle.Plan; p != nil {
			site, target = cell(p.SiteID), p.TargetOnAir.In(geo.Vietnam).Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", vs.Deadline.In(geo.Vietnam).Format(time.DateOnly), od,
			vs.Village.ID, cell(vs.Village.Name), cell(vs.Village.CommuneName), cell(vs.Village.ProvinceName), statusWord(vs.Status, lang), reasonWord(vs.Reason, lang), basisWord(vs.DeadlineBasis, lang),
			step, site, target, late)
	}
	tw.Flush()
}
