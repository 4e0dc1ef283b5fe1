package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/covmon/covmon/geo"
)

func (m *Main) runAudit(ctx context.Context, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "verify":
		return m.auditVerify(ctx, args)
	case "export":
		return m.auditExport(ctx, args)
	case "-h", "--help", "-help", "help":
		fmt.Fprint(m.Stderr, auditUsage)
		return nil
	}
	fmt.Fprint(m.Stderr, auditUsage)
	return fmt.Errorf("audit: want verify or export, got %q", sub)
}

const auditUsage = `Usage: covmon audit verify|export [flags]

  covmon audit verify                  check the ledger against itself and the database
  covmon audit verify --file FILE      check an exported chain (JSON lines) without a database
  covmon audit export [--out FILE]     write the chain as JSON lines (default: standard output)

Every upload record and every admin action (token created or revoked, program set) is an
entry of a hash chain; docs/audit.md specifies the hash so anyone can recompute it. verify
reports the first broken link and exits 1; on success it prints the head hash, which you can
publish: a later chain that does not contain it was rewritten.
`

func (m *Main) auditVerify(ctx context.Context, args []string) error {
	fs := m.flagSet("audit verify", "", `
Walk the ledger: every entry must link to the one before it and hash to its content; with
the database, every entry must also match the row it records (uploads, tokens, programs),
and every such row must have its entry. The first broken link is reported and the command
exits 1.`)
	file := fs.String("file", "", "verify the exported chain in `file` (JSON lines; - for standard input) instead of the database")
	format := fs.String("format", "text", "output `format`: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("audit verify: unexpected argument %q", fs.Arg(0))
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format: want text or json, got %q", *format)
	}
	var (
		rep *geo.LedgerReport
		err error
	)
	if *file != "" {
		rep, err = m.verifyFile(*file)
	} else {
		if err := m.open(ctx); err != nil {
			return err
		}
		rep, err = m.DB.VerifyLedger(ctx)
	}
	if err != nil {
		return err
	}
	if *format == "json" {
		if err := writeJSON(m.Stdout, rep); err != nil {
			return err
		}
	} else if rep.Break == nil {
		fmt.Fprintf(m.Stdout, "ledger intact: %d entries, head %s\n", rep.Entries, rep.Head)
	} else {
		fmt.Fprintf(m.Stdout, "ledger BROKEN: %v\n(%d entries checked)\n", rep.Break, rep.Entries)
	}
	if rep.Break != nil {
		return errReported
	}
	return nil
}

// verifyFile checks an exported chain: IDs from 1 without gaps, every prev_hash the hash of
// the line before, every hash recomputed from its content.
func (m *Main) verifyFile(name string) (*geo.LedgerReport, error) {
	var r io.Reader = m.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("audit verify: %w", err)
		}
		defer f.Close()
		r = f
	}
	var c geo.LedgerChecker
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e geo.LedgerEntry
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return &geo.LedgerReport{Entries: c.Count(), Head: c.Head(), Break: &geo.LedgerBreak{
				Reason: fmt.Sprintf("%s: line %d is not a ledger entry: %v", name, line, err)}}, nil
		}
		if brk := c.Check(e); brk != nil {
			return &geo.LedgerReport{Entries: c.Count(), Head: c.Head(), Break: brk}, nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("audit verify: %s: %w", name, err)
	}
	return &geo.LedgerReport{Entries: c.Count(), Head: c.Head()}, nil
}

func (m *Main) auditExport(ctx context.Context, args []string) error {
	fs := m.flagSet("audit export", "", `
Write the ledger as JSON lines, one entry a line in ID order: {"id", "kind", "ref", "content",
"prev_hash", "hash"}. "covmon audit verify --file" (or any program following docs/audit.md)
checks it without covmon's database.`)
	out := fs.String("out", "", "write to `file` instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("audit export: unexpected argument %q", fs.Arg(0))
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	var w io.Writer = m.Stdout
	var f *os.File
	if *out != "" {
		var err error
		if f, err = os.Create(*out); err != nil {
			return fmt.Errorf("audit export: %w", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	if err := m.DB.LedgerEntries(ctx, func(e geo.LedgerEntry) error {
		n++
		return enc.Encode(e)
	}); err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("audit export: %w", err)
		}
		fmt.Fprintf(m.Stderr, "%d ledger entries written to %s\n", n, *out)
	}
	return nil
}
