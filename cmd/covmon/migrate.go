package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/collector/sqlite"
)

func (m *Main) runMigrate(ctx context.Context, args []string) error {
	fs := m.flagSet("migrate", "--from FILE --to postgres://…", `
Copy an SQLite database into an empty PostgreSQL database: every table, row IDs kept, in one
transaction with COPY. Then compare every table's row count with the source and verify the
ledger on the copy (the same check as covmon audit verify); any difference fails the command
and keeps nothing. Stop covmon (serve, the drop folder) while it runs: uploads arriving
during the copy would be missing from it.`)
	from := fs.String("from", "", "the SQLite database `file` to copy (required)")
	to := fs.String("to", "", "the PostgreSQL database `URL` to copy into: postgres://user:password@host:5432/name (required; must hold no data)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("migrate: unexpected argument %q", fs.Arg(0))
	}
	if *from == "" || *to == "" {
		return errors.New("migrate: give --from FILE and --to postgres://…")
	}
	if !postgres.IsURL(*to) {
		return fmt.Errorf("migrate: --to must be a postgres:// URL, got %q", displayDatabase(*to))
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("migrate: --from: %w", err)
	}
	src := sqlite.NewDB(*from)
	src.Now = m.Now
	if err := src.Open(ctx); err != nil {
		return fmt.Errorf("migrate: open %s: %w", *from, err)
	}
	defer src.Close()
	dst := postgres.NewDB(*to)
	dst.Now = m.Now
	if err := dst.Open(ctx); err != nil {
		return fmt.Errorf("migrate: open %s: %w", displayDatabase(*to), err)
	}
	defer dst.Close()

	counts, err := dst.ImportFrom(ctx, src)
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	if len(counts) > 0 {
		fmt.Fprintln(tw, "table\tsource\tpostgres\t")
		for _, c := range counts {
			fmt.Fprintf(tw, "%s\t%d\t%d\t\n", c.Table, c.Source, c.Target)
		}
		tw.Flush()
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	rep, err := dst.VerifyLedger(ctx)
	if err != nil {
		return fmt.Errorf("migrate: verify the ledger on the copy: %w", err)
	}
	if rep.Break != nil {
		return fmt.Errorf("migrate: the ledger of the copy does not verify: entry %d: %s", rep.Break.EntryID, rep.Break.Reason)
	}
	fmt.Fprintf(m.Stdout, "copied %s into %s: row counts equal, ledger intact (%d entries, head %s)\n",
		*from, displayDatabase(*to), rep.Entries, rep.Head)
	return nil
}
