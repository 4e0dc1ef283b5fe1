package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/collector/postgres/pgtest"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/seeds"
)

// ingestStore is what these tests need of a store besides ingest.
type ingestStore interface {
	collector.Store
	Observations(ctx context.Context, villageID string) ([]geo.Observation, error)
	UpsertProgram(ctx context.Context, p geo.Program) error
}

// stagedNow is the ingester's clock: after every seed and hand-made file.
var stagedNow = time.Date(2026, 11, 15, 12, 0, 0, 0, geo.Vietnam)

// obsFile builds an observations/v1 file: head and tail are the top-level members before
// and after "features" (without their commas), rows the features' properties.
func obsFile(head, tail string, rows ...string) []byte {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","covmon_schema":"observations/v1",`)
	if head != "" {
		b.WriteString(head + ",")
	}
	b.WriteString(`"features":[`)
	for i, r := range rows {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`{"type":"Feature","geometry":null,"properties":{` + r + `}}`)
	}
	b.WriteString("]")
	if tail != "" {
		b.WriteString("," + tail)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// stagedHistory is a sequence of uploads covering what the end of a file decides for its
// rows: the seeds (the carrier at the top, before the features; an independent file), then
// hand-made files whose top-level members come after their features.
func stagedHistory(t *testing.T) []struct {
	file collector.File
	body []byte
} {
	t.Helper()
	type up = struct {
		file collector.File
		body []byte
	}
	var h []up
	names, err := fs.Glob(seeds.FS, "data/*.geojson")
	if err != nil {
		t.Fatal(err)
	}
	rank := func(n string) int {
		switch b := path.Base(n); {
		case strings.HasPrefix(b, "villages"):
			return 0
		case strings.HasPrefix(b, "assignments"):
			return 1
		case strings.HasPrefix(b, "inspections"), strings.HasPrefix(b, "plans"):
			return 3
		}
		return 2
	}
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	for _, n := range names {
		kind := geo.KindObservations
		switch {
		case strings.HasPrefix(path.Base(n), "villages"):
			kind = geo.KindVillages
		case strings.HasPrefix(path.Base(n), "assignments"):
			kind = geo.KindAssignments
		case strings.HasPrefix(path.Base(n), "plans"):
			kind = geo.KindPlans
		}
		b, err := fs.ReadFile(seeds.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		h = append(h, up{collector.File{Name: path.Base(n), Kind: kind, Source: "seed"}, b})
	}
	obs := func(name string, body []byte) up {
		return up{collector.File{Name: name, Kind: geo.KindObservations, Source: "cli"}, body}
	}
	late := obsFile("", `"carrier":"viettel"`,
		`"village_id":"V04-0001","technology":"4g","has_signal":true,"rsrp_dbm":-97.5,"dl_mbps":12,"observed_at":"2026-11-01","method":"drive_test"`,
		`"village_id":"V04-0002","carrier":"viettel","technology":"4g","has_signal":false,"observed_at":"2026-11-01"`,
		`"village_id":"V04-0003","technology":"3g","has_signal":true,"observed_at":"2026-11-02T08:30:00+07:00"`)
	h = append(h,
		obs("late-carrier.geojson", late),
		// A row naming an unknown village at the end: rejected, nothing of it stored.
		obs("rejected.geojson", obsFile(`"carrier":"mobifone"`, "",
			`"village_id":"V04-0004","technology":"4g","has_signal":true,"observed_at":"2026-11-03"`,
			`"village_id":"V99-9999","technology":"4g","has_signal":true,"observed_at":"2026-11-03"`)),
		// The same bytes again: a duplicate.
		obs("late-carrier-again.geojson", late),
		// A re-send: one row as stored (skipped), one corrected, one new.
		obs("correction.geojson", obsFile("", `"carrier":"viettel"`,
			`"village_id":"V04-0001","technology":"4g","has_signal":true,"rsrp_dbm":-97.5,"dl_mbps":12,"observed_at":"2026-11-01","method":"drive_test"`,
			`"village_id":"V04-0002","technology":"4g","has_signal":true,"observed_at":"2026-11-01"`,
			`"village_id":"V04-0002","technology":"5g","has_signal":true,"observed_at":"2026-11-01"`)),
		// Independent measurements, the role decided at the end of the file.
		obs("inspection-late.geojson", obsFile("", `"source_role":"independent"`,
			`"village_id":"V04-0001","carrier":"viettel","technology":"4g","has_signal":false,"observed_at":"2026-11-05","method":"drive_test","inspector":"Sở TT&TT"`,
			`"village_id":"V04-0002","carrier":"vinaphone","technology":"4g","has_signal":false,"observed_at":"2026-11-05","inspector":"Sở TT&TT"`)),
		// The same rows as the carrier's claims: a claim may repeat what an inspector measured.
		obs("claims-after-inspection.geojson", obsFile(`"carrier":"vinaphone"`, "",
			`"village_id":"V04-0002","technology":"4g","has_signal":false,"observed_at":"2026-11-05"`)),
	)
	return h
}

type stagedResult struct {
	Name               string
	Result             string
	Inserted, Features int
}

// runStaged ingests the history into db and returns each upload's outcome and every
// village's observations (without the IDs the store chose).
func runStaged(t *testing.T, db ingestStore) ([]stagedResult, map[string][]geo.Observation) {
	t.Helper()
	ctx := context.Background()
	if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		t.Fatal(err)
	}
	in := &collector.Ingester{Store: db, Now: func() time.Time { return stagedNow }}
	var res []stagedResult
	for _, u := range stagedHistory(t) {
		got, err := in.Ingest(ctx, u.file, bytes.NewReader(u.body))
		if err != nil {
			t.Fatalf("%s: %v", u.file.Name, err)
		}
		if got.Result == geo.ResultRejected && u.file.Source == "seed" {
			t.Fatalf("%s: rejected: %v", u.file.Name, got.Problems)
		}
		res = append(res, stagedResult{u.file.Name, string(got.Result), got.Inserted, got.Features})
	}
	reg, err := fs.ReadFile(seeds.FS, seeds.Villages)
	if err != nil {
		t.Fatal(err)
	}
	obs := map[string][]geo.Observation{}
	for _, m := range regexp.MustCompile(`"id":"([^"]+)"`).FindAllSubmatch(reg, -1) {
		id := string(m[1])
		os, err := db.Observations(ctx, id)
		if err != nil {
			t.Fatalf("village %s: %v", id, err)
		}
		for j := range os {
			os[j].ID, os[j].UploadID = 0, 0
			os[j].ObservedAt = os[j].ObservedAt.UTC()
		}
		obs[id] = os
	}
	return res, obs
}

// TestStagedIngest_SameAsSQLite: an observations upload copied in while its file is read
// (the PostgreSQL store's StageObservations) stores what the SQLite store stores from the
// same files, and so does the PostgreSQL store when no session is free to stage (MaxConns 1):
// each upload's outcome and every village's observations, with the carrier and source role
// that the end of a file decides.
func TestStagedIngest_SameAsSQLite(t *testing.T) {
	lite := sqlite.NewDB(filepath.Join(t.TempDir(), "covmon.db"))
	lite.Now = func() time.Time { return stagedNow }
	if err := lite.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	wantRes, wantObs := runStaged(t, lite)
	if len(wantObs) < 800 {
		t.Fatalf("%d villages read back: the history did not load", len(wantObs))
	}
	// The hand-made outcomes, as the SQLite store decided them.
	want := map[string]string{"late-carrier.geojson": "accepted 3", "rejected.geojson": "rejected 0",
		"late-carrier-again.geojson": "duplicate 0", "correction.geojson": "accepted 2",
		"inspection-late.geojson": "accepted 2", "claims-after-inspection.geojson": "accepted 1"}
	for _, r := range wantRes {
		if w, ok := want[r.Name]; ok && fmt.Sprintf("%s %d", r.Result, r.Inserted) != w {
			t.Errorf("sqlite: %s: %s %d, want %s", r.Name, r.Result, r.Inserted, w)
		}
	}
	for _, tc := range []struct {
		name     string
		maxConns int32
		staged   bool
	}{{"staged", 8, true}, {"unstaged", 1, false}} {
		t.Run(tc.name, func(t *testing.T) {
			db := postgres.NewDB(pgtest.NewDatabase(t))
			db.Now = func() time.Time { return stagedNow }
			db.MaxConns = tc.maxConns
			if err := db.Open(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			gotRes, gotObs := runStaged(t, db)
			if !reflect.DeepEqual(gotRes, wantRes) {
				t.Errorf("outcomes:\n got %v\nwant %v", gotRes, wantRes)
			}
			for id, w := range wantObs {
				if g := gotObs[id]; !reflect.DeepEqual(g, w) {
					t.Errorf("village %s:\n got %+v\nwant %+v", id, g, w)
				}
			}
			if len(gotObs) != len(wantObs) {
				t.Errorf("%d villages, want %d", len(gotObs), len(wantObs))
			}
			// Every accepted observations upload (4 carriers' seeds, the inspections and 4
			// hand-made files) was staged while read, or none was.
			staged := postgres.StagedUploads(db)
			if tc.staged && staged != 9 || !tc.staged && staged != 0 {
				t.Errorf("%d uploads stored from a stage filled while read", staged)
			}
		})
	}
}

// TestStagedIngest_Concurrent: more uploads at once than sessions free to stage: those
// that find none are read and stored as before; none waits for another's stage, each is
// stored once.
func TestStagedIngest_Concurrent(t *testing.T) {
	ctx := context.Background()
	db, in := openWithRegistry(t, ctx, 2) // one stage at a time
	const n = 8
	var wg sync.WaitGroup
	results := make([]*geo.Upload, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rows []string
			for v := 1; v <= 40; v++ {
				rows = append(rows, fmt.Sprintf(`"village_id":"V04-%04d","technology":"4g","has_signal":%t,"observed_at":"2026-10-%02d"`, v, (v+i)%2 == 0, i+1))
			}
			body := obsFile(`"carrier":"viettel"`, "", rows...)
			results[i], errs[i] = in.Ingest(ctx, collector.File{Name: fmt.Sprintf("c%d.geojson", i), Kind: geo.KindObservations}, bytes.NewReader(body))
		}()
	}
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("upload %d: %v", i, errs[i])
		}
		if results[i].Result != geo.ResultAccepted {
			t.Fatalf("upload %d: %s %v", i, results[i].Result, results[i].Problems)
		}
		total += results[i].Inserted
	}
	if total != n*40 {
		t.Errorf("%d rows inserted, want %d", total, n*40)
	}
	if s := postgres.StagedUploads(db); s < 1 || s > n {
		t.Errorf("%d uploads staged while read, want 1 to %d", s, n)
	}
	// A feed's file (read from the network as it arrives) is never staged while read: a slow
	// sender would hold a session and an open transaction.
	before := postgres.StagedUploads(db)
	body := obsFile(`"carrier":"viettel"`, "", `"village_id":"V04-0001","technology":"4g","has_signal":true,"observed_at":"2026-10-20"`)
	u, err := in.Ingest(ctx, collector.File{Name: "feed.geojson", Kind: geo.KindObservations, Source: "feed", Remote: true}, bytes.NewReader(body))
	if err != nil || u.Result != geo.ResultAccepted || u.Inserted != 1 {
		t.Fatalf("feed file: %v %+v", err, u)
	}
	if after := postgres.StagedUploads(db); after != before {
		t.Errorf("a remote file was staged while read (%d → %d)", before, after)
	}
	// Each village now has one claim a day from the 1st to the 8th.
	os, err := db.Observations(ctx, "V04-0007")
	if err != nil {
		t.Fatal(err)
	}
	days := 0
	for _, o := range os {
		if o.Carrier == "viettel" && o.Technology == geo.Tech4G && o.ObservedAt.After(time.Date(2026, 9, 30, 0, 0, 0, 0, geo.Vietnam)) {
			days++
		}
	}
	if days != n {
		t.Errorf("V04-0007: %d claims in October, want %d", days, n)
	}
}

// openWithRegistry opens a new database with a pool of maxConns sessions, closed when t ends,
// and returns it with an ingester on the test's clock, the seeds' registry imported.
func openWithRegistry(t *testing.T, ctx context.Context, maxConns int32) (*postgres.DB, *collector.Ingester) {
	t.Helper()
	db := postgres.NewDB(pgtest.NewDatabase(t))
	db.Now = func() time.Time { return stagedNow }
	db.MaxConns = maxConns
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		t.Fatal(err)
	}
	in := &collector.Ingester{Store: db, Now: func() time.Time { return stagedNow }}
	reg, err := fs.ReadFile(seeds.FS, seeds.Villages)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := in.Ingest(ctx, collector.File{Name: "villages.geojson", Kind: geo.KindVillages}, bytes.NewReader(reg)); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry: %v %v", err, u)
	}
	return db, in
}
