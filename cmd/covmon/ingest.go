package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

func (m *Main) ingester() *collector.Ingester {
	minTime, _ := m.Config.Ingest.minTime() // checked by Config.Validate
	return &collector.Ingester{Store: m.DB, Carriers: m.Config.Carriers, Now: m.Now,
		MinTime: minTime, FutureSkew: m.Config.Ingest.FutureSkew, DefaultProgram: m.Config.DefaultProgram}
}

func (m *Main) runAssignments(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			args = []string{"import", "-h"}
		} else {
			fmt.Fprintln(m.Stderr, "Usage: covmon assignments import [flags] FILE...")
			return errors.New(`assignments: want the subcommand "import"`)
		}
	}
	fs := m.flagSet("assignments import", "FILE...", `
Import the ministry's assignments of responsible carriers: GeoJSON FeatureCollections in the
assignments/v1 format (see "covmon schema assignments/v1" and docs/formats.md). From its
assigned_at date a carrier is responsible for a village in a program (carrier null
unassigns); earlier assignments are kept, so past figures use the assignment in force then.
Overdue figures, alerts and work lists follow the responsible carrier. A file is
all-or-nothing; the same file twice counts once. Same as: covmon ingest --kind assignments.`)
	dryRun := fs.Bool("dry-run", false, "validate only; write nothing")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	return m.ingestFiles(ctx, fs.Args(), collector.File{Kind: geo.KindAssignments, Source: "cli", DryRun: *dryRun})
}

func (m *Main) runVillages(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "find" {
		m.mode = openExisting
		return m.runVillagesFind(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "show" {
		m.mode = openExisting
		return m.runVillagesShow(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "import" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			args = []string{"import", "-h"}
		} else {
			fmt.Fprintln(m.Stderr, "Usage: covmon villages import [flags] FILE...\n       covmon villages find [flags] TEXT\n       covmon villages show [flags] ID")
			return errors.New(`villages: want the subcommand "import", "find" or "show"`)
		}
	}
	fs := m.flagSet("villages import", "FILE...", `
Import the village registry: GeoJSON FeatureCollections in the villages/v1 format (see
"covmon schema villages/v1" and docs/formats.md). Villages are matched by village_id; a
re-import records what changed as a new version from the file's "effective" date (default:
now), keeping the old one for earlier as-of figures, and a village naming "predecessors"
retires them then (a merge or split). A file is all-or-nothing; the same file twice counts
once. A change that contradicts the registry's history (dated before a village's current
version, to a retired village, a predecessor or successor already retired) is refused whole;
--dry-run checks the file and its predecessors' existence only, not these conflicts.`)
	dryRun := fs.Bool("dry-run", false, "validate only; write nothing")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	return m.ingestFiles(ctx, fs.Args(), collector.File{Kind: geo.KindVillages, Source: "cli", DryRun: *dryRun})
}

func (m *Main) runIngest(ctx context.Context, args []string) error {
	fs := m.flagSet("ingest", "FILE...", `
Validate and store carrier observation files (the observations/v1 format: see
"covmon schema observations/v1" and docs/formats.md). Each file is all-or-nothing: any
problem rejects the whole file, and every problem is listed with the file, feature index,
village, field and reason. The same bytes twice are recognised and count once.

With --areas, the files are coverage areas (areas/v1: Polygon/MultiPolygon per carrier ×
technology), streamed and joined to every village of the registry: a village whose centre is
outside the areas is trắng sóng (dark), one whose centre is covered but part of whose settled
area is not is lõm sóng. Only the villages whose result changed are written. Large files show
progress on a terminal.

--kind names any file kind: observations (default), areas, plans (a carrier's plans and build
progress, plans/v1: only its own villages), villages (the registry) or assignments (the
ministry's responsible carriers, assignments/v1).
Exit status: 0 when every file was accepted or a duplicate, 1 otherwise.`)
	carrier := fs.String("carrier", "", "the uploading `carrier`: files naming another carrier are rejected")
	dryRun := fs.Bool("dry-run", false, "validate only; write nothing")
	areas := fs.Bool("areas", false, "the files are coverage areas (areas/v1), not per-village observations (--kind areas)")
	kindS := fs.String("kind", "", "file `kind`: observations, areas, plans, villages or assignments (default observations)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	kind, err := collector.ParseKind(*kindS)
	if err != nil {
		return fmt.Errorf("--kind: %w", err)
	}
	if *areas {
		if *kindS != "" && kind != geo.KindAreas {
			return fmt.Errorf("--areas and --kind %s contradict each other", kind)
		}
		kind = geo.KindAreas
	}
	if collector.MinistryOnly(kind) && *carrier != "" {
		return fmt.Errorf("--carrier: %s files are the ministry's, not a carrier's", kind)
	}
	return m.ingestFiles(ctx, fs.Args(), collector.File{Kind: kind, Carrier: *carrier, Source: "cli", DryRun: *dryRun})
}

// ingestFiles ingests each path as tmpl describes, prints one line per file (and the problems
// of rejected ones), and fails if any file was rejected.
func (m *Main) ingestFiles(ctx context.Context, paths []string, tmpl collector.File) error {
	if len(paths) == 0 {
		return errors.New("no files given")
	}
	// A file that cannot be read is named before any database is opened, so a typo in a
	// file name never leaves an empty database behind.
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if st.IsDir() {
			return fmt.Errorf("%s: a directory, not a file", p)
		}
	}
	if tmpl.DryRun {
		m.mode = openDryRun
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	in := m.ingester()
	rejected := 0
	for i, p := range paths {
		f := tmpl
		f.Name = filepath.Base(p)
		before := int64(-1)
		if !f.DryRun {
			var err error
			if before, err = m.newestUpload(ctx); err != nil {
				return m.ingestStopped(ctx, err, f, i, -1)
			}
		}
		u, err := m.ingestPath(ctx, in, f, p)
		if err != nil {
			return m.ingestStopped(ctx, err, f, i, before)
		}
		m.printUpload(u, f.DryRun)
		if u.Result == geo.ResultRejected {
			rejected++
		}
	}
	if rejected > 0 {
		fmt.Fprintf(m.Stderr, "%d of %d files rejected; nothing from them was stored\n", rejected, len(paths))
		return errReported
	}
	return nil
}

// newestUpload is the ID of the newest upload recorded (0: none).
func (m *Main) newestUpload(ctx context.Context) (int64, error) {
	ups, err := m.DB.Uploads(ctx, geo.UploadFilter{Limit: 1})
	if err != nil || len(ups) == 0 {
		return 0, err
	}
	return ups[0].ID, nil
}

// errCancelled is wrapped by the error of an import stopped by an interrupt (Ctrl-C, SIGTERM).
var errCancelled = errors.New("cancelled")

// ingestStopped is the error of file number i (f) whose ingest failed with err. When
// the command was interrupted, the driver's words for it ("timeout: context already done:
// context canceled" from PostgreSQL, "interrupted" or "context canceled" from SQLite) say
// nothing of what happened to the data; this says it: each file is one transaction, so
// nothing of the interrupted file was stored — checked by the newest upload ID, which was
// before (-1: not known) — and the files before it were. A file that was being committed when
// the interrupt came may have been stored; then it says so.
func (m *Main) ingestStopped(ctx context.Context, err error, f collector.File, i int, before int64) error {
	if ctx.Err() == nil {
		return err
	}
	name := f.Name
	if f.DryRun {
		return fmt.Errorf("%s: %w: nothing was written (a dry run writes nothing)", name, errCancelled)
	}
	earlier := ""
	if i > 0 {
		earlier = fmt.Sprintf("; the %d file(s) before it were handled as printed above", i)
	}
	// The interrupted context cannot ask the database any more: a short one of its own can.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	after, lerr := m.newestUpload(cctx)
	switch {
	case before >= 0 && lerr == nil && after == before:
		return fmt.Errorf("%s: %w: nothing of it was imported (a file is stored whole or not at all)%s", name, errCancelled, earlier)
	case before >= 0 && lerr == nil:
		return fmt.Errorf("%s: %w while it was being stored: upload %d was recorded since it began (this file, or another writer's); covmon uploads %d says which%s",
			name, errCancelled, after, after, earlier)
	}
	return fmt.Errorf("%s: %w: a file is stored whole or not at all; covmon uploads says whether it was%s", name, errCancelled, earlier)
}

func (m *Main) ingestPath(ctx context.Context, in *collector.Ingester, f collector.File, path string) (*geo.Upload, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var r io.Reader = fh
	st, err := fh.Stat()
	if err != nil || !st.Mode().IsRegular() {
		// A named pipe, /dev/stdin or a process substitution arrives as fast as its writer
		// sends it, like a feed's file: the store does not stage it while it is read
		// (collector.File.Remote), so a slow writer holds no database session meanwhile.
		f.Remote = true
	}
	if err == nil {
		if pr := newProgress(m.Stderr, f.Name, st.Size()); pr != nil {
			defer pr.done()
			r = pr.reader(fh)
		}
	}
	return in.Ingest(ctx, f, r)
}

func (m *Main) printUpload(u *geo.Upload, dryRun bool) {
	w := m.Stdout
	switch u.Result {
	case geo.ResultAccepted:
		defer func() {
			for _, n := range u.Notes {
				fmt.Fprintf(w, "  note: %s\n", n)
			}
		}()
		if dryRun {
			fmt.Fprintf(w, "%s: valid (%d features; dry run, nothing written)\n", u.FileName, u.Features)
			return
		}
		if u.Kind == geo.KindAreas {
			fmt.Fprintf(w, "%s: accepted as upload %d (%d areas, %d village results changed and stored)\n", u.FileName, u.ID, u.Features, u.Inserted)
			return
		}
		fmt.Fprintf(w, "%s: accepted as upload %d (%d features, %d new rows)\n", u.FileName, u.ID, u.Features, u.Inserted)
	case geo.ResultDuplicate:
		fmt.Fprintf(w, "%s: duplicate of upload %d (same carrier, role and SHA-256); nothing new stored\n", u.FileName, u.DuplicateOf)
	case geo.ResultRejected:
		w = m.Stderr
		verb := "rejected"
		if !dryRun {
			verb = fmt.Sprintf("rejected (recorded as upload %d)", u.ID)
		}
		fmt.Fprintf(w, "%s: %s, %d problem(s):\n", u.FileName, verb, len(u.Problems))
		for _, p := range u.Problems {
			fmt.Fprintf(w, "  %s [%s]\n", p, p.Rule)
		}
	}
}
