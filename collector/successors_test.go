package collector_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

func assignmentsFile(rows ...[4]string) string {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[`)
	for i, r := range rows {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":null,"properties":{"village_id":%q,"program":%q,"carrier":%q,"assigned_at":%q}}`, r[0], r[1], r[2], r[3])
	}
	b.WriteString("]}")
	return b.String()
}

// TestIngest_SuccessorsUnassignedWarn: a registry import that creates successors (a merge and
// a split) says, per successor, that no carrier is responsible for it, naming its predecessors
// and who was responsible for them just before the registry change, and how to assign it; the
// successors count under "unassigned" in the figures. Once assigned, a re-import of the
// registry warns no more. The same bytes twice are a duplicate and warn nothing.
func TestIngest_SuccessorsUnassignedWarn(t *testing.T) {
	r, _, db := newRunner(t) // registry T-1, T-2 (province 15), clock at 2026-01-10 08:00 UTC
	ctx := context.Background()
	prog := &r.Programs[0]
	in := r.Ingester
	ingest := func(name string, kind geo.UploadKind, body string, dry bool) *geo.Upload {
		t.Helper()
		u, err := in.Ingest(ctx, collector.File{Name: name, Kind: kind, Source: "cli", DryRun: dry}, strings.NewReader(body))
		if err != nil || u.Result != geo.ResultAccepted {
			t.Fatalf("%s: %v %+v", name, err, u)
		}
		return u
	}
	base := []regVillage{
		{"T-1", "Bản Một", "02710", "15", 103.91, 22.40, ""},
		{"T-2", "Bản Hai", "02710", "15", 103.95, 22.45, ""},
		{"T-3", "Bản Ba", "02710", "15", 103.97, 22.47, ""},
	}
	ingest("r0.geojson", geo.KindVillages, historyRegistry("", base...), false)
	ingest("a0.geojson", geo.KindAssignments, assignmentsFile(
		[4]string{"T-1", "vls-2024", "viettel", "2023-01-01"},
		[4]string{"T-2", "vls-2024", "mobifone", "2023-01-01"},
		[4]string{"T-3", "vls-2024", "vinaphone", "2023-01-01"},
		// T-3 leaves vinaphone for viettel on the day it splits: the predecessor's carrier
		// named is the one responsible just before the split.
		[4]string{"T-3", "vls-2024", "viettel", "2026-01-05"},
	), false)
	// T-1 and T-2 merge into T-12; T-3 splits into T-3a and T-3b; T-4 is a plain new village.
	reg := historyRegistry("2026-01-05",
		regVillage{"T-12", "Bản Một Hai", "02710", "15", 103.93, 22.42, `,"predecessors":["T-1","T-2"]`},
		regVillage{"T-3a", "Bản Ba A", "02710", "15", 103.97, 22.47, `,"predecessors":["T-3"]`},
		regVillage{"T-3b", "Bản Ba B", "02710", "15", 103.98, 22.48, `,"predecessors":["T-3"]`},
		regVillage{"T-4", "Bản Bốn", "02710", "15", 103.99, 22.49, ""},
	)
	want := []string{
		`Warning: successor village T-12 "Bản Một Hai" (of T-1, T-2, from 2026-01-05) has no responsible carrier in program "vls-2024" (predecessors then: T-1 viettel, T-2 mobifone): ` +
			`an assignment names a village and is not inherited, so until the ministry assigns it, it counts under "unassigned" (chưa giao) — open, and overdue past its deadline — in no carrier's figures, work list or alerts. ` +
			`Assign it with an assignments/v1 file (village_id "T-12", program, carrier, assigned_at "2026-01-05"): covmon assignments import FILE, or POST /api/v1/uploads?kind=assignments.`,
		`Warning: successor village T-3a "Bản Ba A" (of T-3, from 2026-01-05) has no responsible carrier in program "vls-2024" (predecessors then: T-3 vinaphone)`,
		`Warning: successor village T-3b "Bản Ba B" (of T-3, from 2026-01-05) has no responsible carrier in program "vls-2024" (predecessors then: T-3 vinaphone)`,
	}
	check := func(step string, u *geo.Upload, want []string) {
		t.Helper()
		if len(u.Notes) != len(want) {
			t.Fatalf("%s: %d notes, want %d:\n%s", step, len(u.Notes), len(want), strings.Join(u.Notes, "\n"))
		}
		for i, w := range want {
			if !strings.HasPrefix(u.Notes[i], w) {
				t.Errorf("%s: note %d\n got %s\nwant %s…", step, i, u.Notes[i], w)
			}
		}
	}
	// A dry run says the same, and stores nothing.
	check("dry run", ingest("r1.geojson", geo.KindVillages, reg, true), want)
	u := ingest("r1.geojson", geo.KindVillages, reg, false)
	check("import", u, want)
	stored, err := db.Upload(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	check("stored", stored, want)

	// The figure that keeps them from being forgotten: the unassigned row.
	now := time.Date(2026, 1, 10, 0, 0, 0, 0, geo.Vietnam)
	pol := geo.DefaultPolicy()
	sts, err := collector.Status(ctx, db, geo.VillageFilter{ProgramID: prog.ID}, prog, &pol, now)
	if err != nil {
		t.Fatal(err)
	}
	s := geo.Summarize(sts, prog, &pol, now)
	var unassigned []string
	for _, st := range geo.WorkList(sts, geo.Unassigned) {
		unassigned = append(unassigned, st.Village.ID)
	}
	if got := strings.Join(unassigned, " "); got != "T-12 T-3a T-3b T-4" {
		t.Errorf("unassigned work list %q", got)
	}
	last := s.Responsible[len(s.Responsible)-1]
	if last.Carrier != geo.Unassigned || last.Open != 4 || last.Overdue != 4 {
		t.Errorf("unassigned row %+v", last)
	}

	// The same bytes again: a duplicate, no notes.
	if u, err := in.Ingest(ctx, collector.File{Name: "r1.geojson", Kind: geo.KindVillages, Source: "cli"}, strings.NewReader(reg)); err != nil || u.Result != geo.ResultDuplicate || len(u.Notes) != 0 {
		t.Fatalf("duplicate: %v %+v", err, u)
	}
	// T-12 and T-3a assigned: a re-import of the registry warns of T-3b only.
	ingest("a1.geojson", geo.KindAssignments, assignmentsFile(
		[4]string{"T-12", "vls-2024", "viettel", "2026-01-05"},
		[4]string{"T-3a", "vls-2024", "viettel", "2026-01-05"},
	), false)
	check("re-import", ingest("r2.geojson", geo.KindVillages, reg+"\n", false), want[2:])
	// The registry re-imported without "effective" (received 2026-01-10), or dated later: the
	// succession took effect on 2026-01-05 and changes nothing now, so the note names that day,
	// the carrier responsible just before it (vinaphone; viettel from the split's day on) and
	// that day as assigned_at: an assignment dated the receipt would leave T-3b unassigned from
	// 2026-01-05 to then.
	t3b := regVillage{"T-3b", "Bản Ba B", "02710", "15", 103.98, 22.48, `,"predecessors":["T-3"]`}
	for _, eff := range []string{"", "2026-01-08"} {
		check("re-import dated "+eff, ingest("r3"+eff+".geojson", geo.KindVillages, historyRegistry(eff, t3b), false), want[2:])
		check("dry run dated "+eff, ingest("r4"+eff+".geojson", geo.KindVillages, historyRegistry(eff, t3b)+" ", true), want[2:])
	}
	if u := ingest("r5.geojson", geo.KindVillages, historyRegistry("", t3b)+"  ", false); !strings.Contains(u.Notes[0], `assigned_at "2026-01-05"`) {
		t.Errorf("re-import suggests %s", u.Notes[0])
	}
}

// TestIngest_SuccessorNotesBounded: a registry naming many unassigned successors lists the
// first 50 and counts the rest in one more note.
func TestIngest_SuccessorNotesBounded(t *testing.T) {
	r, _, _ := newRunner(t)
	ctx := context.Background()
	var vs []regVillage
	for i := range 60 {
		vs = append(vs, regVillage{fmt.Sprintf("T-1-%02d", i), "Bản", "02710", "15", 103.9 + float64(i)/1000, 22.4, `,"predecessors":["T-1"]`})
	}
	u, err := r.Ingester.Ingest(ctx, collector.File{Name: "split.geojson", Kind: geo.KindVillages, Source: "cli", DryRun: true}, strings.NewReader(historyRegistry("2026-01-05", vs...)))
	if err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("%v %+v", err, u)
	}
	if len(u.Notes) != 51 || !strings.HasPrefix(u.Notes[49], "Warning: successor village T-1-49 ") ||
		!strings.HasPrefix(u.Notes[50], "Warning: 10 more successor villages") {
		t.Fatalf("%d notes; last two:\n%s", len(u.Notes), strings.Join(u.Notes[max(0, len(u.Notes)-2):], "\n"))
	}
}

// TestInbox_SuccessorNotesLogged: a registry dropped in inbox/registry/ (or pulled from a feed)
// has nobody to print its notes to but the log: each warning is logged at WARN beside the
// "ingested" line, which counts the notes, as well as written to the report.
func TestInbox_SuccessorNotesLogged(t *testing.T) {
	r, _, _ := newRunner(t)
	var logs bytes.Buffer
	r.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	_, drop := dropInbox(t, r)
	drop("registry/split.geojson", historyRegistry("2026-01-05",
		regVillage{"T-1a", "Bản Một A", "02710", "15", 103.91, 22.40, `,"predecessors":["T-1"]`},
		regVillage{"T-1b", "Bản Một B", "02710", "15", 103.92, 22.41, `,"predecessors":["T-1"]`}))
	if err := r.ScanInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, `msg="inbox file ingested"`) || !strings.Contains(out, "notes=2") ||
		strings.Count(out, `level=WARN msg="upload note"`) != 2 || !strings.Contains(out, `successor village T-1b \"Bản Một B\" (of T-1, from 2026-01-05) has no responsible carrier`) {
		t.Errorf("log:\n%s", out)
	}
}
