// Command seedgen writes covmon's SYNTHETIC demo seed data: a registry of 832 made-up baseline
// villages (plus a dozen found later) in northern mountain and central highland provinces, and
// four carriers' observation files from 2021 to October 2026.
//
// The data tells a fixed story: 477 of the 832 baseline villages covered on 2022-08-01 (the
// figure of the ministry's 2022 report), a burn-down steepest in 2023–2024, and a few dozen
// villages still dark and overdue on 2026-11-01. seedgen evaluates its output with covmon's own
// rules (geo.Evaluate, geo.Summarize) and writes nothing unless the story holds. The output is
// byte-for-byte the same for the same seed.
//
// Usage:
//
//	go run ./cmd/seedgen -out seeds/data
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/covmon/covmon/geo"
)

func main() {
	err := run(os.Args[1:], os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "seedgen:", err)
		os.Exit(1)
	}
}

// run parses args, generates and verifies the dataset, writes it and prints the story's
// figures to stderr.
func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("seedgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "seeds/data", "write the seed files into `dir`")
	seed := fs.Uint64("seed", defaultSeed, "random seed; the committed files use the default")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: seedgen [-out DIR] [-seed N]

Writes covmon's SYNTHETIC DEMO DATA (not real villages, not real carrier reports):
villages.geojson (villages/v1), observations-<carrier>.geojson (observations/v1) and
inspections.geojson (independent measurements, observations/v1).
The story is checked with covmon's status rules before anything is written.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	d := generate(*seed)
	f, err := check(d)
	if err != nil {
		return err
	}
	files, err := d.files()
	if err != nil {
		return err
	}
	if err := write(*out, files); err != nil {
		return err
	}
	printFigures(stderr, f, files)
	return nil
}

// check verifies the data rules and the story.
func check(d *dataset) (*figures, error) {
	if err := verifyData(d); err != nil {
		return nil, fmt.Errorf("verify data: %w", err)
	}
	f := d.measure()
	if err := verifyStory(f); err != nil {
		return nil, fmt.Errorf("verify story: %w", err)
	}
	if err := verifyPlans(d, f); err != nil {
		return nil, fmt.Errorf("verify plans: %w", err)
	}
	return f, nil
}

// printFigures writes the story's figures and the file sizes.
func printFigures(w io.Writer, f *figures, files []file) {
	fmt.Fprintln(w, "SYNTHETIC DEMO DATA — story figures (geo.DefaultPolicy, program vls-2024):")
	fmt.Fprintf(w, "  %-10s %8s %8s %7s %9s %8s %7s %7s %7s %13s\n",
		"as of", "villages", "baseline", "covered", "dead_zone", "no_power", "no_data", "overdue", "open", "baseline_cov")
	for _, s := range []snapshot{f.Start, f.Report, f.Deadline, f.End} {
		c := s.Counts
		fmt.Fprintf(w, "  %-10s %8d %8d %7d %9d %8d %7d %7d %7d %9d/%d\n", day(s.AsOf),
			c.Villages, c.Baseline, c.Covered, c.DeadZone, c.NoPower, c.NoData, c.Overdue, c.Open, c.BaselineCovered, c.Baseline)
	}
	var byCarriers [5]int
	provinces := map[string]bool{}
	for _, vs := range f.End.Statuses {
		switch vs.Status {
		case geo.StatusCovered:
			byCarriers[len(vs.CarriersWithSignal)]++
		case geo.StatusDeadZone:
			provinces[vs.Village.ProvinceCode] = true
		}
	}
	fmt.Fprintf(w, "  on %s: %d regressions; dead zones in %d provinces; covered by 1/2/3/4 carriers: %d/%d/%d/%d\n",
		day(dayEnd), f.Regressions, len(provinces), byCarriers[1], byCarriers[2], byCarriers[3], byCarriers[4])
	fmt.Fprintf(w, "  overdue on %s per responsible carrier:", day(dayEnd))
	for _, rc := range f.End.Responsible {
		fmt.Fprintf(w, " %s %d", rc.Carrier, rc.Overdue)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  on %s: %d inspected claims confirmed; discrepancies (villages) per carrier:", day(dayEnd), f.End.Confirmed)
	for _, dc := range f.End.Discrepancies {
		fmt.Fprintf(w, " %s %d (%d overstated, %d understated)", dc.Carrier, dc.Villages, dc.Overstated, dc.Understated)
	}
	fmt.Fprintf(w, "; baseline covered under trust: verified %d/%d\n", f.End.VerifiedCovered, f.End.Counts.Baseline)
	fmt.Fprint(w, "  baseline dead zones on 1 January:")
	for _, s := range f.Monthly {
		if s.AsOf.Month() == 1 {
			fmt.Fprintf(w, " %d:%d", s.AsOf.Year(), s.BaselineDead)
		}
	}
	fmt.Fprintf(w, "; %s:%d\n", day(dayEnd), f.End.BaselineDead)
	for _, fl := range files {
		fmt.Fprintf(w, "  %-36s %8d bytes\n", fl.Name, len(fl.Data))
	}
}
