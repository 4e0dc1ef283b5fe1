package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

func (m *Main) runVillagesFind(ctx context.Context, args []string) error {
	fs := m.flagSet("villages find", "TEXT", `
Find villages by name or commune name, ignoring case and diacritics: every word of TEXT must
occur in the village's name or its commune's ("ban khoang" finds "Bản Khoang"; "d" finds
"đ"). Prints each match with its commune, province and status now (or --as-of). With
--as-known, the villages and their status as known then: only the uploads received by
--as-of count (docs/figures.md, "As known then").`)
	asOfS := fs.String("as-of", "", "status as of `DATE` (YYYY-MM-DD, 00:00 Vietnam time) or RFC 3339 instant; default now")
	asKnown := fs.Bool("as-known", false, "the audit view: the registry and the status as known then, from the uploads received by --as-of only")
	province := fs.String("province", "", "only villages of province `code` (2 digits)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	text := strings.Join(fs.Args(), " ")
	if geo.Fold(text) == "" {
		return errors.New("villages find: give the TEXT to search for (letters or digits)")
	}
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
	prog, err := m.Config.Program("")
	if err != nil {
		return err
	}
	pol := m.Config.GeoPolicy()
	sts, err := collector.Status(ctx, m.DB, geo.VillageFilter{ProvinceCode: *province, Name: text, AsKnown: *asKnown}, prog, &pol, asOf)
	if err != nil {
		return err
	}
	demo, err := m.demoData(ctx)
	if err != nil {
		return err
	}
	if demo {
		fmt.Fprintln(m.Stdout, demoNotice)
	}
	if *asKnown {
		fmt.Fprintf(m.Stdout, "As of %s, as known then (audit view): only the uploads received by then.\n", asOf.In(geo.Vietnam).Format("2006-01-02 15:04"))
	}
	if len(sts) == 0 {
		fmt.Fprintf(m.Stdout, "No village matches %q.\n", text)
		return nil
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VILLAGE\tNAME\tCOMMUNE\tPROVINCE\tSTATUS")
	for _, st := range sts {
		v := st.Village
		status := string(st.Status)
		if st.Overdue {
			status += " (overdue)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\n", v.ID, v.Name, v.CommuneName, v.ProvinceCode, v.ProvinceName, status)
	}
	tw.Flush()
	fmt.Fprintf(m.Stdout, "%d village(s) match %q.\n", len(sts), text)
	return nil
}
