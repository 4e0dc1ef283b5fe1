package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

// runVillagesShow prints one village's registry history: its versions (what changed, from
// when), its lineage (predecessors and successors), its status and its observations with its
// predecessors' (each marked with the village it was made at).
func (m *Main) runVillagesShow(ctx context.Context, args []string) error {
	fs := m.flagSet("villages show", "ID", `
Show one village's history: every version the registry had of it (what changed and from
when, per villages/v1 "effective"), the villages it succeeds or that succeed it (a merge or a
split: "predecessors"), its status now (or --as-of) and every observation of it and of its
predecessors, oldest first. A retired village is shown with its status at the last instant it
was in the registry. With --as-known the status is as known then: from the uploads received
by --as-of only (docs/figures.md, "As known then"); the history still lists every observation,
each with when it was received.`)
	asOfS := fs.String("as-of", "", "status as of `DATE` (YYYY-MM-DD, 00:00 Vietnam time) or RFC 3339 instant; default now")
	asKnown := fs.Bool("as-known", false, "the status as known then: only the uploads received by --as-of count")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("villages show: give one village ID")
	}
	id := fs.Arg(0)
	asOf := m.Now()
	if *asOfS != "" {
		t, err := parseAsOf(*asOfS, m.Now())
		if err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
		asOf = t
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	v, err := m.DB.Village(ctx, id)
	if errors.Is(err, geo.ErrNotFound) {
		return fmt.Errorf("villages show: no village %q", id)
	}
	if err != nil {
		return err
	}
	versions, err := m.DB.VillageVersions(ctx, geo.VillageFilter{IDs: []string{id}})
	if err != nil {
		return err
	}
	lineage, err := m.DB.Successions(ctx, id)
	if err != nil {
		return err
	}
	// A retired village: its last instant in the registry (as known at --as-of in the audit view).
	asOf, f, err := collector.VillageAt(ctx, m.DB, v, lineage, asOf, *asKnown)
	if err != nil {
		return err
	}
	prog, err := m.Config.Program("")
	if err != nil {
		return err
	}
	pol := m.Config.GeoPolicy()
	sts, err := collector.Status(ctx, m.DB, f, prog, &pol, asOf)
	if err != nil {
		return err
	}
	hist, err := m.DB.Observations(ctx, id)
	if err != nil {
		return err
	}
	var preds []string
	for _, s := range lineage { // every succession but those retiring this village
		if s.Predecessor != id && !slices.Contains(preds, s.Predecessor) {
			preds = append(preds, s.Predecessor)
		}
	}
	for _, p := range preds {
		more, err := m.DB.Observations(ctx, p)
		if err != nil {
			return err
		}
		hist = append(hist, more...)
	}
	slices.SortStableFunc(hist, func(a, b geo.Observation) int {
		if c := a.ObservedAt.Compare(b.ObservedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	demo, err := m.demoData(ctx)
	if err != nil {
		return err
	}
	if demo {
		fmt.Fprintln(m.Stdout, demoNotice)
	}

	day := func(t time.Time, zero string) string {
		if t.IsZero() {
			return zero
		}
		return t.In(geo.Vietnam).Format("2006-01-02 15:04")
	}
	fmt.Fprintf(m.Stdout, "Village %s %s (%s %s, %s %s)\n", v.ID, v.Name, v.CommuneCode, v.CommuneName, v.ProvinceCode, v.ProvinceName)
	if !v.RetiredAt.IsZero() {
		fmt.Fprintf(m.Stdout, "Retired on %s.\n", day(v.RetiredAt, ""))
	}
	knownThen := ""
	if *asKnown {
		knownThen = " (as known then: only the uploads received by then)"
	}
	if len(sts) == 1 {
		st := sts[0]
		status := string(st.Status)
		if st.Overdue {
			status += " (overdue)"
		}
		fmt.Fprintf(m.Stdout, "Status as of %s%s: %s\n", day(asOf, ""), knownThen, status)
	} else {
		fmt.Fprintf(m.Stdout, "Not in the registry as of %s%s.\n", day(asOf, ""), knownThen)
	}

	fmt.Fprintln(m.Stdout, "\nRegistry versions:")
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FROM\tTO\tNAME\tCOMMUNE\tPROVINCE\tPOWER\tHOUSEHOLDS\tPROGRAMS\tUPLOAD")
	for _, ver := range versions {
		to := day(ver.ValidTo, "now")
		if ver.Retired {
			to += " (retired)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%t\t%d\t%s\t%d\n", day(ver.ValidFrom, "always"), to, ver.Name, ver.CommuneCode,
			ver.ProvinceCode, ver.GridPower, ver.Households, strings.Join(ver.Programs, ","), ver.UploadID)
	}
	tw.Flush()

	if len(lineage) > 0 {
		fmt.Fprintln(m.Stdout, "\nLineage:")
		for _, s := range lineage {
			fmt.Fprintf(m.Stdout, "  %s → %s on %s\n", s.Predecessor, s.Successor, day(s.Effective, ""))
		}
	}

	fmt.Fprintln(m.Stdout, "\nObservations (oldest first):")
	if len(hist) == 0 {
		fmt.Fprintln(m.Stdout, "  none")
		return nil
	}
	tw = tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	// RECEIVED is the upload's receipt: an observation counts from when it was observed,
	// whenever it arrived, so a report sent late or back-dated shows here.
	fmt.Fprintln(tw, "OBSERVED\tCARRIER\tTECH\tSIGNAL\tSOURCE\tUPLOAD\tRECEIVED\tAT VILLAGE")
	receipts, err := collector.Receipts(ctx, m.DB, hist, func(o *geo.Observation) int64 { return o.UploadID })
	if err != nil {
		return err
	}
	received := func(id int64) string {
		if at, ok := receipts[id]; ok {
			return day(at, "-")
		}
		return "-"
	}
	for _, o := range hist {
		at := ""
		if o.VillageID != id {
			at = o.VillageID + " (predecessor)"
		}
		src := string(geo.SourceCarrier)
		if o.Independent() {
			src = string(geo.SourceIndependent)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\t%d\t%s\t%s\n", day(o.ObservedAt, ""), o.Carrier, o.Technology, o.HasSignal, src, o.UploadID, received(o.UploadID), at)
	}
	return tw.Flush()
}
