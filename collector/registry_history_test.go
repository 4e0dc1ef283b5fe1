package collector_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// regVillage is one feature of a hand-made villages/v1 file.
type regVillage struct {
	id, name, commune, province string
	lon, lat                    float64
	extra                       string // more properties, JSON, with a leading comma
}

func historyRegistry(effective string, vs ...regVillage) string {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","covmon_schema":"villages/v1",`)
	if effective != "" {
		fmt.Fprintf(&b, `"effective":%q,`, effective)
	}
	b.WriteString(`"features":[`)
	for i, v := range vs {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":{"type":"Point","coordinates":[%g,%g]},"properties":{"village_id":%q,"name":%q,"commune_code":%q,"province_code":%q,"grid_power":true,"programs":["vls-2024"]%s}}`,
			v.lon, v.lat, v.id, v.name, v.commune, v.province, v.extra)
	}
	b.WriteString("]}")
	return b.String()
}

// figures is what a ministry reads at one instant: the national and per-province counts and
// where each counted village was.
func figures(t *testing.T, db *sqlite.DB, prog *geo.Program, asOf time.Time) string {
	t.Helper()
	pol := geo.DefaultPolicy()
	sts, err := collector.Status(context.Background(), db, geo.VillageFilter{ProgramID: prog.ID}, prog, &pol, asOf)
	if err != nil {
		t.Fatal(err)
	}
	s := geo.Summarize(sts, prog, &pol, asOf)
	var b strings.Builder
	fmt.Fprintf(&b, "national %+v\n", s.National)
	for _, p := range s.Provinces {
		fmt.Fprintf(&b, "province %s %+v\n", p.ProvinceCode, p.Counts)
	}
	for _, st := range sts {
		fmt.Fprintf(&b, "village %s %s/%s %s\n", st.Village.ID, st.Village.ProvinceCode, st.Village.CommuneCode, st.Status)
	}
	return b.String()
}

// TestRegistryHistory_AsOfFiguresKeep is issue 12's Done-when on real SQLite: a re-import that
// moves a village to another commune and province, and another that retires two villages into
// one successor, leave every earlier as-of figure unchanged (the summary, the per-province
// rows, and the backfilled burn-down), while the current figures reflect the change; the same
// registry twice counts once.
func TestRegistryHistory_AsOfFiguresKeep(t *testing.T) {
	r, clock, db := newRunner(t) // registry T-1, T-2 (province 15) at 2026-01-10
	r.Figures = db
	ctx := context.Background()
	prog := &r.Programs[0]
	in := r.Ingester
	ingest := func(name string, kind geo.UploadKind, body string) *geo.Upload {
		t.Helper()
		u, err := in.Ingest(ctx, collector.File{Name: name, Kind: kind, Carrier: "viettel", Source: "cli"}, strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return u
	}
	base := []regVillage{
		{"T-1", "Bản Một", "02710", "15", 103.91, 22.40, ""},
		{"T-2", "Bản Hai", "02710", "15", 103.95, 22.45, ""},
		{"T-3", "Bản Ba", "02710", "15", 103.97, 22.47, ""},
		{"T-4", "Bản Bốn", "02713", "15", 103.99, 22.49, ""},
	}
	if u := ingest("r0.geojson", geo.KindVillages, historyRegistry("", base...)); u.Result != geo.ResultAccepted || u.Inserted != 2 {
		t.Fatalf("r0: %+v", u)
	}
	for _, o := range []struct {
		village string
		signal  bool
		day     string
	}{{"T-1", false, "2024-03-01"}, {"T-2", true, "2024-05-01"}, {"T-3", false, "2024-07-01"}, {"T-4", false, "2024-09-01"},
		{"T-1", true, "2025-02-01"}, {"T-3", true, "2025-08-01"}} {
		if u := ingest(o.village+o.day, geo.KindObservations, obsFile(o.village, o.signal, o.day)); u.Result != geo.ResultAccepted {
			t.Fatalf("%+v", u)
		}
	}
	instants := []time.Time{
		time.Date(2024, 1, 1, 0, 0, 0, 0, geo.Vietnam),
		time.Date(2024, 6, 15, 0, 0, 0, 0, geo.Vietnam),
		time.Date(2024, 12, 1, 0, 0, 0, 0, geo.Vietnam),
		time.Date(2025, 3, 1, 0, 0, 0, 0, geo.Vietnam),
		time.Date(2025, 12, 31, 0, 0, 0, 0, geo.Vietnam),
		clock.Now(),
	}
	before := map[time.Time]string{}
	for _, at := range instants {
		before[at] = figures(t, db, prog, at)
	}
	if err := r.Backfill(ctx); err != nil {
		t.Fatal(err)
	}
	monthly := func() []geo.DailyFigure {
		fs, err := db.DailyFigures(ctx, prog.ID, time.Time{}, time.Date(2026, 1, 1, 0, 0, 0, 0, geo.Vietnam))
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	backfilled := monthly()
	if len(backfilled) < 20 {
		t.Fatalf("backfill: %d days", len(backfilled))
	}
	// Every check below must be able to fail: the move changes T-4's province today.
	if !strings.Contains(before[clock.Now()], "village T-4 15/02713") {
		t.Fatalf("before the move:\n%s", before[clock.Now()])
	}
	unchanged := func(step string) {
		t.Helper()
		for _, at := range instants {
			if got := figures(t, db, prog, at); got != before[at] {
				t.Errorf("%s: the figures as of %s changed:\n got %s\nwant %s", step, at.Format(time.RFC3339), got, before[at])
			}
		}
		if err := r.Backfill(ctx); err != nil {
			t.Fatal(err)
		}
		if got := monthly(); fmt.Sprint(got) != fmt.Sprint(backfilled) {
			t.Errorf("%s: the backfilled burn-down changed:\n got %v\nwant %v", step, got, backfilled)
		}
	}

	// 1. T-4 moves to commune 08101 of province 08, effective 2026-01-10 (the upload's time).
	clock.Advance(time.Hour)
	moved := slices.Clone(base)
	moved[3] = regVillage{"T-4", "Bản Bốn", "08101", "08", 103.99, 22.49, ""}
	if u := ingest("r1.geojson", geo.KindVillages, historyRegistry("", moved...)); u.Result != geo.ResultAccepted || u.Inserted != 1 {
		t.Fatalf("r1: %+v", u)
	}
	unchanged("after the move")
	now := clock.Now()
	cur := figures(t, db, prog, now)
	if !strings.Contains(cur, "village T-4 08/08101") || !strings.Contains(cur, "province 08 ") {
		t.Errorf("after the move, today's figures do not show T-4 in province 08:\n%s", cur)
	}
	instants = append(instants, now)
	before[now] = cur

	// 2. T-1 and T-2 merge into T-12, effective 2026-02-01; the clock is past it.
	clock.Advance(30 * 24 * time.Hour)
	merged := []regVillage{
		{"T-12", "Bản Một Hai", "02710", "15", 103.93, 22.42, `,"predecessors":["T-1","T-2"]`},
		moved[2], moved[3],
	}
	mergeFile := historyRegistry("2026-02-01", merged...)
	u := ingest("r2.geojson", geo.KindVillages, mergeFile)
	if u.Result != geo.ResultAccepted || u.Inserted != 3 { // T-12 new, T-1 and T-2 retired
		t.Fatalf("r2: %+v", u)
	}
	if want := time.Date(2026, 2, 1, 0, 0, 0, 0, geo.Vietnam); !u.Effective.Equal(want) {
		t.Errorf("effective=%v, want %v", u.Effective, want)
	}
	unchanged("after the merge")
	merge := time.Date(2026, 2, 1, 0, 0, 0, 0, geo.Vietnam)
	for _, c := range []struct {
		at   time.Time
		want []string
	}{
		{merge.Add(-time.Millisecond), []string{"T-1", "T-2", "T-3", "T-4"}}, // the pair counts twice before
		{merge, []string{"T-12", "T-3", "T-4"}},                              // and its successor once from the merge on
		{clock.Now(), []string{"T-12", "T-3", "T-4"}},
	} {
		pol := geo.DefaultPolicy()
		sts, err := collector.Status(ctx, db, geo.VillageFilter{ProgramID: prog.ID}, prog, &pol, c.at)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, st := range sts {
			ids = append(ids, st.Village.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(c.want) {
			t.Errorf("as of %s: villages %v, want %v", c.at.Format(time.RFC3339), ids, c.want)
		}
		if n := geo.Summarize(sts, prog, &pol, c.at).National.Villages; n != len(c.want) {
			t.Errorf("as of %s: %d villages counted, want %d", c.at.Format(time.RFC3339), n, len(c.want))
		}
		// The streaming summary (covmon status) reads the same registry.
		sum, _, err := collector.StatusSummary(ctx, db, geo.VillageFilter{ProgramID: prog.ID}, prog, &pol, c.at, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sum.National.Villages != len(c.want) {
			t.Errorf("as of %s: the streamed summary counts %d villages, want %d", c.at.Format(time.RFC3339), sum.National.Villages, len(c.want))
		}
	}

	// Today's snapshot (the page, the metrics) counts the successor, not the retired pair.
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if n := r.Snapshot().Programs[0].Summary.National.Villages; n != 3 {
		t.Errorf("snapshot after the merge: %d villages, want 3", n)
	}

	// 3. The same registry twice counts once: the same bytes are a duplicate, the same content
	// re-exported (other bytes) changes nothing and records no new version.
	after := figures(t, db, prog, clock.Now())
	if u := ingest("r2-again.geojson", geo.KindVillages, mergeFile); u.Result != geo.ResultDuplicate {
		t.Errorf("same bytes: %+v", u)
	}
	if u := ingest("r2-reexport.geojson", geo.KindVillages, strings.ReplaceAll(mergeFile, ",\n", ", ")); u.Result != geo.ResultAccepted || u.Inserted != 0 {
		t.Errorf("same content re-exported: %+v", u)
	}
	if got := figures(t, db, prog, clock.Now()); got != after {
		t.Errorf("a re-export changed today's figures:\n got %s\nwant %s", got, after)
	}
	unchanged("after the re-export")
	vers, err := db.VillageVersions(ctx, geo.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vers {
		got = append(got, fmt.Sprintf("%s:%s..%s:%s", v.ID, ymdOf(v.ValidFrom), ymdOf(v.ValidTo), v.ProvinceCode))
	}
	want := "[T-1:..2026-02-01:15 T-12:2026-02-01..:15 T-2:..2026-02-01:15 T-3:..:15 T-4:..2026-01-10:15 T-4:2026-01-10..:08]"
	if fmt.Sprint(got) != want {
		t.Errorf("versions:\n got %v\nwant %s", got, want)
	}
}

func ymdOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(geo.Vietnam).Format(time.DateOnly)
}
