package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
	"github.com/covmon/covmon/geo/wire"
)

func (m *Main) runUploads(ctx context.Context, args []string) error {
	fs := m.flagSet("uploads", "[ID]", `
List the uploads covmon received (newest first): kind, carrier, file, size, SHA-256, where it
came from, the result (accepted, rejected, duplicate) and the counts. With an ID, show that
upload with its full validation report.`)
	carrier := fs.String("carrier", "", "only uploads of `carrier`")
	result := fs.String("result", "", "only uploads with `result` accepted, rejected or duplicate")
	limit := fs.Int("limit", 50, "at most `N` uploads")
	format := fs.String("format", "table", "output `format`: table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format: want table or json, got %q", *format)
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	if fs.NArg() == 1 {
		var id int64
		if _, err := fmt.Sscan(fs.Arg(0), &id); err != nil {
			return fmt.Errorf("upload ID: want a number, got %q", fs.Arg(0))
		}
		u, err := m.DB.Upload(ctx, id)
		if err != nil {
			return err
		}
		if *format == "json" {
			return writeJSON(m.Stdout, wire.NewUpload(u))
		}
		m.printUploadDetail(u)
		return nil
	}
	res, err := geo.ParseUploadResult(*result)
	if err != nil {
		return err
	}
	ups, err := m.DB.Uploads(ctx, geo.UploadFilter{Carrier: *carrier, Result: res, Limit: *limit})
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(m.Stdout, wire.NewUploads(ups))
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tKIND\tCARRIER\tFILE\tBYTES\tSOURCE\tRESULT\tFEATURES\tNEW_ROWS\tPROBLEMS")
	for _, u := range ups {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%d\t%d\n", u.ID, u.ReceivedAt.In(geo.Vietnam).Format("2006-01-02 15:04"),
			u.Kind, dash(u.Carrier), cell(u.FileName), u.Size, u.Source, u.Result, u.Features, u.Inserted, len(u.Problems))
	}
	return tw.Flush()
}

func (m *Main) printUploadDetail(u *geo.Upload) {
	w := m.Stdout
	fmt.Fprintf(w, "Upload %d: %s %s\n", u.ID, u.Kind, u.Result)
	fmt.Fprintf(w, "  file:      %s (%d bytes, sha256 %s)\n", cell(u.FileName), u.Size, u.SHA256)
	fmt.Fprintf(w, "  carrier:   %s\n  source:    %s\n  role:      %s\n  received:  %s\n", dash(u.Carrier), u.Source, dash(u.Role), u.ReceivedAt.In(geo.Vietnam).Format("2006-01-02 15:04:05 (UTC+7)"))
	fmt.Fprintf(w, "  features:  %d, new rows: %d\n", u.Features, u.Inserted)
	if u.DuplicateOf != 0 {
		fmt.Fprintf(w, "  duplicate of upload %d\n", u.DuplicateOf)
	}
	if u.Extent != "" {
		fmt.Fprintf(w, "  extent:    %s (%d villages marked without signal)\n", u.Extent, u.MarkedDark)
	}
	for _, n := range u.Notes {
		fmt.Fprintf(w, "  note:      %s\n", termText(n))
	}
	if len(u.Problems) > 0 {
		fmt.Fprintf(w, "  problems (%d):\n", len(u.Problems))
		for _, p := range u.Problems {
			fmt.Fprintf(w, "    %s [%s]\n", termText(p.String()), p.Rule)
		}
	}
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func (m *Main) runSchema(_ context.Context, args []string) error {
	fs := m.flagSet("schema", "[NAME]", `
Print the JSON Schema (draft 2020-12) of a covmon file format, for carriers to validate files
before sending them. Without NAME, list the formats.`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		for _, n := range format.SchemaNames() {
			fmt.Fprintln(m.Stdout, n)
		}
		return nil
	}
	b, ok := format.Schema(fs.Arg(0))
	if !ok {
		return fmt.Errorf("no schema %q (known: %s)", fs.Arg(0), strings.Join(format.SchemaNames(), ", "))
	}
	_, err := m.Stdout.Write(b)
	return err
}

// maxCell bounds what a table cell prints of a stored text, in bytes.
const maxCell = 200

// cell renders stored text for a table or a report line: control characters and terminal
// escapes escaped (termText), so a name can never forge a row or move the cursor, and cut to
// maxCell bytes, so a huge name stored before the limits cannot flood the terminal.
func cell(s string) string {
	s = termText(s)
	if len(s) <= maxCell {
		return s
	}
	cut := maxCell
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// termText renders stored text for a terminal. Text without a refused rune is printed as
// stored: covmon stores names either clean (the API refuses a name with control characters)
// or already escaped (geo.CleanFileName, for the drop folder and feeds, writes ESC as the four
// characters \x1b and a backslash as \\), so escaping it again would print \\x1b for a name
// stored as \x1b. Text that still holds a refused rune (stored before the rules) is escaped
// with geo.EscapeText.
func termText(s string) string {
	if _, _, ok := geo.BadRune(s); ok {
		return s
	}
	return geo.EscapeText(s)
}
