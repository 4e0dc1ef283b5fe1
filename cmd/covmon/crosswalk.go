package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

func (m *Main) runCrosswalk(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		if len(args) > 0 && isHelp(args[0]) {
			args = []string{"import", "-h"}
		} else {
			fmt.Fprintln(m.Stderr, "Usage: covmon crosswalk import [flags] FILE...")
			return errors.New(`crosswalk: want the subcommand "import"`)
		}
	}
	fs := m.flagSet("crosswalk import", "FILE...", `
Import a crosswalk of administrative units: CSV files in the crosswalk/v1 format (see
docs/formats.md): old province/commune → new province/commune with the date the new units took
effect; merges and splits (with an optional share) both fit. Reports under a past geography
(covmon status --geography DATE) use it. A file is all-or-nothing; the same file twice counts
once; a later file updates the rows it repeats. covmon seed loads the 2025 province merger
(63 → 34, Resolution 202/2025/QH15) and a SYNTHETIC commune crosswalk for the demo provinces.`)
	dryRun := fs.Bool("dry-run", false, "validate only; write nothing")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	return m.ingestFiles(ctx, fs.Args(), collector.File{Kind: geo.KindCrosswalk, Source: "cli", DryRun: *dryRun})
}
