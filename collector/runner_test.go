package collector_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

const villagesFile = `{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.91,22.40]},"properties":{"village_id":"T-1","name":"Bản Một","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.95,22.45]},"properties":{"village_id":"T-2","name":"Bản Hai","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}]}`

func obsFile(village string, signal bool, day string) string {
	return fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"village_id":%q,"technology":"4g","has_signal":%t,"observed_at":%q}}]}`, village, signal, day)
}

// t0 is the fake clock's start: after every observation the tests write.
var t0 = time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)

// openProgramDB opens a new SQLite file (closed when the test ends) holding the default
// program, and returns it and the program.
func openProgramDB(t *testing.T) (*sqlite.DB, geo.Program) {
	t.Helper()
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "c.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	prog := geo.DefaultProgram()
	if err := db.UpsertProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
	return db, prog
}

func newRunner(t *testing.T) (*collector.Runner, *clockwork.FakeClock, *sqlite.DB) {
	t.Helper()
	ctx := context.Background()
	db, prog := openProgramDB(t)
	clock := clockwork.NewFakeClockAt(t0)
	in := &collector.Ingester{Store: db, Now: clock.Now}
	u, err := in.Ingest(ctx, collector.File{Name: "villages.geojson", Kind: geo.KindVillages, Source: "cli"}, strings.NewReader(villagesFile))
	if err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry: %v %+v", err, u)
	}
	r := &collector.Runner{Ingester: in, Store: db, Programs: []geo.Program{prog}, Policy: geo.DefaultPolicy(), Clock: clock}
	t.Cleanup(func() { r.Shutdown() }) // before the database closes
	return r, clock, db
}

// deadZones returns the dead zones of the snapshot once it reflects every upload so far.
func deadZones(t *testing.T, r *collector.Runner) int {
	t.Helper()
	if err := r.WaitRefreshed(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := r.Snapshot()
	if s == nil {
		t.Fatal("no snapshot")
	}
	return s.Programs[0].Summary.National.DeadZone
}

func TestRunner_ScanInbox(t *testing.T) {
	r, clock, _ := newRunner(t)
	ctx := context.Background()
	dir := t.TempDir()
	r.Inbox = collector.Inbox{Dir: dir, Settle: 30 * time.Second}
	write := func(rel, body string, mtime time.Time) string {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, mtime, mtime)
		return p
	}
	old := t0.Add(-time.Hour)
	write("viettel/dark.geojson", obsFile("T-1", false, "2025-12-01"), old)
	write("viettel/bad.geojson", obsFile("T-9", false, "2025-12-01"), old)
	write("viettel/fresh.geojson", obsFile("T-2", false, "2025-12-02"), t0.Add(-time.Second)) // still being written
	write("viettel/upload.part", obsFile("T-2", false, "2025-12-03"), old)
	write("viettel/.hidden.geojson", obsFile("T-2", false, "2025-12-04"), old)
	write("nosuchcarrier/x.geojson", obsFile("T-2", false, "2025-12-05"), old)
	outside := write("../outside.geojson", obsFile("T-2", true, "2025-12-06"), old)
	if err := os.Symlink(outside, filepath.Join(dir, "viettel", "link.geojson")); err != nil {
		t.Fatal(err)
	}

	if err := r.ScanInbox(ctx); err != nil {
		t.Fatalf("ScanInbox: %v", err)
	}
	exists := func(rel string) bool {
		m, _ := filepath.Glob(filepath.Join(dir, rel))
		return len(m) > 0
	}
	for rel, want := range map[string]bool{
		"viettel/processed/*-dark.geojson":             true,
		"viettel/processed/*-dark.geojson.report.json": true,
		"viettel/rejected/*-bad.geojson":               true,
		"viettel/rejected/*-bad.geojson.report.json":   true,
		"viettel/fresh.geojson":                        true, // not settled: left alone
		"viettel/upload.part":                          true,
		"viettel/.hidden.geojson":                      true,
		"nosuchcarrier/x.geojson":                      true,
		"viettel/link.geojson":                         true, // links are never followed
		"viettel/dark.geojson":                         false,
	} {
		if got := exists(rel); got != want {
			t.Errorf("%s exists=%v, want %v", rel, got, want)
		}
	}
	m, _ := filepath.Glob(filepath.Join(dir, "viettel/rejected/*.report.json"))
	b, _ := os.ReadFile(m[0])
	var rep wire.Upload
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Problems) != 1 || rep.Problems[0].Rule != "unknown_village" {
		t.Errorf("report: %v %s", err, b)
	}
	if got, want := deadZones(t, r), 1; got != want { // T-1 reported dark; T-2 has no data
		t.Errorf("dead zones=%d, want %d", got, want)
	}

	// Once settled, the fresh file is taken on the next scan.
	clock.Advance(time.Minute)
	if err := r.ScanInbox(ctx); err != nil {
		t.Fatal(err)
	}
	if !exists("viettel/processed/*-fresh.geojson") {
		t.Error("settled file was not ingested")
	}
	if got, want := deadZones(t, r), 2; got != want {
		t.Errorf("dead zones=%d, want %d", got, want)
	}
}

func TestRunner_Schedule(t *testing.T) {
	r, clock, _ := newRunner(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "viettel"), 0o755)
	r.Inbox = collector.Inbox{Dir: dir, Settle: time.Second}
	r.InboxEvery = time.Minute
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown()

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(time.Minute)
		for !cond() {
			select {
			case <-deadline:
				t.Fatalf("timed out waiting for %s", what)
			case <-tick.C:
			}
		}
	}
	waitFor("first refresh", func() bool { return r.Snapshot() != nil })
	p := filepath.Join(dir, "viettel", "a.geojson")
	os.WriteFile(p, []byte(obsFile("T-1", false, "2025-12-01")), 0o644)
	old := t0.Add(-time.Hour)
	os.Chtimes(p, old, old)
	// Nothing runs until the clock reaches the next inbox run: with both jobs waiting on
	// their timers (the refresh and inbox jobs'), the file is still there.
	bctx, bcancel := context.WithTimeout(ctx, time.Minute)
	defer bcancel()
	if err := clock.BlockUntilContext(bctx, 2); err != nil {
		t.Fatalf("jobs not waiting on the clock: %v", err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("file taken before its time: %v", err)
	}
	clock.Advance(time.Minute)
	waitFor("inbox run", func() bool { _, err := os.Stat(p); return os.IsNotExist(err) })
	waitFor("refresh after upload", func() bool { return deadZones(t, r) == 1 })
}

func TestRunner_PullFeeds(t *testing.T) {
	r, _, db := newRunner(t)
	ctx := context.Background()
	var hits, notModified atomic.Int32
	body := obsFile("T-1", false, "2025-12-01")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		hits.Add(1)
		if req.Header.Get("If-None-Match") == `"v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	r.Feeds = []collector.Feed{{Name: "viettel-feed", URL: srv.URL + "/coverage.geojson", Carrier: "viettel"}}
	r.Fetcher = &collector.Fetcher{Net: collector.NetPolicy{AllowLoopback: true}} // the tests run on loopback
	for i := 0; i < 3; i++ {
		if err := r.PullFeeds(ctx); err != nil {
			t.Fatalf("pull %d: %v", i, err)
		}
	}
	if got, want := hits.Load(), int32(3); got != want {
		t.Errorf("hits=%d, want %d", got, want)
	}
	if got, want := notModified.Load(), int32(2); got != want {
		t.Errorf("304s=%d, want %d", got, want)
	}
	ups, err := db.Uploads(ctx, geo.UploadFilter{Carrier: "viettel"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 1 || ups[0].Source != "feed" || ups[0].FileName != "viettel-feed/coverage.geojson" || ups[0].Result != geo.ResultAccepted {
		t.Errorf("uploads: %+v", ups)
	}

	t.Run("Areas", func(t *testing.T) {
		// A feed of kind areas is read as an areas/v1 file of its carrier: T-2's centre is
		// covered, T-1's is not.
		areas := `{"type":"FeatureCollection","covmon_schema":"areas/v1","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[103.94,22.44],[103.96,22.44],[103.96,22.46],[103.94,22.46],[103.94,22.44]]]},"properties":{"technology":"3g","observed_at":"2025-12-02"}}]}`
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(areas)) }))
		defer srv.Close()
		r.Feeds = []collector.Feed{{Name: "mobifone-areas", URL: srv.URL + "/areas.geojson", Carrier: "mobifone", Kind: geo.KindAreas}}
		if err := r.PullFeeds(ctx); err != nil {
			t.Fatal(err)
		}
		ups, err := db.Uploads(ctx, geo.UploadFilter{Carrier: "mobifone"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ups) != 1 || ups[0].Kind != geo.KindAreas || ups[0].Result != geo.ResultAccepted || ups[0].Source != "feed" || ups[0].Inserted != 2 {
			t.Fatalf("uploads: %+v", ups)
		}
		p := geo.DefaultPolicy()
		sts, err := collector.Status(ctx, db, geo.VillageFilter{}, nil, &p, t0)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, st := range sts {
			if slices.Contains(st.CarriersReported, "mobifone") {
				got[st.Village.ID] = slices.Contains(st.CarriersWithSignal, "mobifone")
			}
		}
		if !got["T-2"] || got["T-1"] || len(got) != 2 {
			t.Errorf("mobifone signal by village: %v, want T-2 covered and T-1 not", got)
		}
	})
	t.Run("FeedResult", func(t *testing.T) {
		// A feed that answers 503, then serves a file covmon rejects (still failing, also
		// while it answers 304 for it), then a good file.
		var step atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			switch step.Load() {
			case 0:
				http.Error(w, "down", http.StatusServiceUnavailable)
			case 1:
				if req.Header.Get("If-None-Match") == `"bad"` {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("ETag", `"bad"`)
				w.Write([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature"}]}`))
			default:
				w.Write([]byte(obsFile("T-2", false, "2025-12-03")))
			}
		}))
		defer srv.Close()
		var got []bool
		r.FeedResult = func(feed string, failed bool) {
			if feed == "flaky" {
				got = append(got, failed)
			}
		}
		defer func() { r.FeedResult = nil }()
		r.Feeds = []collector.Feed{{Name: "flaky", URL: srv.URL + "/f.geojson", Carrier: "viettel"}}
		for _, st := range []int32{0, 1, 1, 2} {
			step.Store(st)
			r.PullFeeds(ctx)
		}
		if fmt.Sprint(got) != "[true true true false]" {
			t.Errorf("feed results %v, want [true true true false] (503, rejected, 304 of the rejected file, good)", got)
		}
	})
	t.Run("NotModifiedUnasked", func(t *testing.T) {
		// A feed that answers 304 to a request that asked nothing conditionally (its first
		// pull) has delivered no file: it fails, and counts as failing, pull after pull.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotModified) }))
		defer srv.Close()
		var got []bool
		r.FeedResult = func(feed string, failed bool) {
			if feed == "never" {
				got = append(got, failed)
			}
		}
		defer func() { r.FeedResult = nil }()
		r.Feeds = []collector.Feed{{Name: "never", URL: srv.URL + "/n.geojson", Carrier: "viettel"}}
		for range 2 {
			if err := r.PullFeeds(ctx); err == nil || !strings.Contains(err.Error(), "feed never: HTTP 304 Not Modified to a request without If-None-Match or If-Modified-Since") {
				t.Errorf("err=%v, want one naming the unasked 304", err)
			}
		}
		if fmt.Sprint(got) != "[true true]" {
			t.Errorf("feed results %v, want [true true]", got)
		}
	})
	t.Run("ErrorStatus", func(t *testing.T) {
		bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }))
		defer bad.Close()
		r.Feeds = []collector.Feed{{Name: "down", URL: bad.URL, Carrier: "viettel"}}
		if err := r.PullFeeds(ctx); err == nil || !strings.Contains(err.Error(), "503") {
			t.Errorf("err=%v, want one naming HTTP 503", err)
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte(strings.Repeat(" ", 4096) + body))
		}))
		defer big.Close()
		r.Feeds = []collector.Feed{{Name: "big", URL: big.URL, Carrier: "viettel"}}
		r.Fetcher = &collector.Fetcher{MaxBytes: 1024, Net: collector.NetPolicy{AllowLoopback: true}}
		before, _ := db.Uploads(ctx, geo.UploadFilter{})
		if err := r.PullFeeds(ctx); err == nil || !strings.Contains(err.Error(), "too large") {
			t.Errorf("err=%v, want too large", err)
		}
		after, _ := db.Uploads(ctx, geo.UploadFilter{})
		if len(after) != len(before) {
			t.Errorf("an oversized feed was recorded as an upload")
		}
	})
}

func TestRunner_Figures(t *testing.T) {
	r, clock, db := newRunner(t)
	ctx := context.Background()
	r.Figures = db
	in := r.Ingester
	for _, f := range []struct{ village, day string }{{"T-1", "2025-10-15"}, {"T-2", "2025-11-20"}} {
		if u, err := in.Ingest(ctx, collector.File{Name: f.village, Kind: geo.KindObservations, Carrier: "viettel"}, strings.NewReader(obsFile(f.village, false, f.day))); err != nil || u.Result != geo.ResultAccepted {
			t.Fatalf("%v %+v", err, u)
		}
	}
	if err := r.Refresh(ctx); err != nil { // records today, 2026-01-10
		t.Fatal(err)
	}
	if err := r.Backfill(ctx); err != nil {
		t.Fatal(err)
	}
	fs, err := db.DailyFigures(ctx, "vls-2024", time.Time{}, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		day        string
		deadZone   int
		backfilled bool
	}
	var got []row
	for _, f := range fs {
		got = append(got, row{f.Day.Format(time.DateOnly), f.Counts.DeadZone, f.Backfilled})
	}
	want := []row{{"2025-10-01", 0, true}, {"2025-11-01", 1, true}, {"2025-12-01", 2, true}, {"2026-01-01", 2, true}, {"2026-01-10", 2, false}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("figures:\n got %v\nwant %v", got, want)
	}
	// The backfill published the monthly history in a new snapshot.
	var months []string
	for _, f := range r.Snapshot().Programs[0].History {
		months = append(months, fmt.Sprintf("%s=%d", f.Day.Format("2006-01"), f.Counts.DeadZone))
	}
	if got, want := fmt.Sprint(months), "[2025-10=0 2025-11=1 2025-12=2 2026-01=2]"; got != want {
		t.Errorf("snapshot history=%s, want %s", got, want)
	}
	// A backfill never replaces a recorded day; a refresh replaces its own day's row.
	clock.Advance(time.Hour)
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if fs2, _ := db.DailyFigures(ctx, "vls-2024", time.Time{}, clock.Now()); len(fs2) != len(fs) {
		t.Errorf("rows after a second refresh on the same day: %d, want %d", len(fs2), len(fs))
	}
}

func TestRunner_ShutdownTwice(t *testing.T) {
	for i := range 5 {
		r, _, _ := newRunner(t)
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := r.Shutdown(); err != nil {
			t.Fatalf("run %d: first Shutdown: %v", i, err)
		}
		if err := r.Shutdown(); err != nil {
			t.Fatalf("run %d: second Shutdown: %v", i, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("run %d: two Shutdowns took %v", i, d)
		}
	}
}

// TestIngester_SameBytesTwoCarriers: duplicates are judged per carrier. A file whose carrier
// comes from the uploader is two carriers' data when two carriers send it.
func TestIngester_SameBytesTwoCarriers(t *testing.T) {
	r, _, _ := newRunner(t)
	ctx := context.Background()
	body := obsFile("T-1", true, "2025-12-01")
	for _, tt := range []struct {
		carrier string
		want    geo.UploadResult
	}{{"viettel", geo.ResultAccepted}, {"mobifone", geo.ResultAccepted}, {"viettel", geo.ResultDuplicate}} {
		u, err := r.Ingester.Ingest(ctx, collector.File{Name: "same.geojson", Kind: geo.KindObservations, Carrier: tt.carrier}, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if u.Result != tt.want || u.Carrier != tt.carrier {
			t.Errorf("%s: result=%s carrier=%s, want %s", tt.carrier, u.Result, u.Carrier, tt.want)
		}
	}
}

// TestRunner_ScanInboxRegistry: a registry file naming an unknown program is rejected (not an
// internal error that would block the folder), and the folder's other files go on.
func TestRunner_ScanInboxRegistry(t *testing.T) {
	r, _, db := newRunner(t)
	dir := t.TempDir()
	r.Inbox = collector.Inbox{Dir: dir, Settle: time.Second}
	reg := filepath.Join(dir, collector.RegistryFolder)
	os.MkdirAll(reg, 0o755)
	old := t0.Add(-time.Hour)
	for name, body := range map[string]string{
		"a-bad.geojson":  strings.Replace(villagesFile, `"programs":["vls-2024"]`, `"programs":["nope"]`, 1),
		"b-good.geojson": strings.Replace(villagesFile, "Bản Một", "Bản Một (renamed)", 1),
	} {
		p := filepath.Join(reg, name)
		os.WriteFile(p, []byte(body), 0o644)
		os.Chtimes(p, old, old)
	}
	if err := r.ScanInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, pat := range []string{"rejected/*-a-bad.geojson", "processed/*-b-good.geojson"} {
		if m, _ := filepath.Glob(filepath.Join(reg, pat)); len(m) != 1 {
			t.Errorf("%s: %d files", pat, len(m))
		}
	}
	v, err := db.Village(context.Background(), "T-1")
	if err != nil || v.Name != "Bản Một (renamed)" {
		t.Errorf("village after the good file: %+v, %v", v, err)
	}
	ups, _ := db.Uploads(context.Background(), geo.UploadFilter{Result: geo.ResultRejected})
	if len(ups) != 1 || len(ups[0].Problems) != 1 || ups[0].Problems[0].Rule != geo.RuleUnknownProgram {
		t.Errorf("rejected uploads: %+v", ups)
	}
}

// TestRunner_IngestCoalescesRefreshes pins that the refresh after an upload runs off the
// ingest path and coalesces: 20 uploads arriving while a refresh runs cost one more refresh,
// not 20, and each upload returns without waiting for it.
func TestRunner_IngestCoalescesRefreshes(t *testing.T) {
	r, _, _ := newRunner(t)
	ctx := context.Background()
	var refreshes atomic.Int32
	running, release := make(chan struct{}), make(chan struct{})
	r.OnSnapshot = func(context.Context, *geo.Snapshot) {
		if refreshes.Add(1) == 1 {
			close(running)
			<-release // the first refresh is slow: the burst arrives while it runs
		}
	}
	ingest := func(i int) {
		t.Helper()
		day := fmt.Sprintf("2025-12-%02d", i+1)
		u, err := r.Ingest(ctx, collector.File{Name: day + ".geojson", Kind: geo.KindObservations, Carrier: "viettel", Source: "api"},
			strings.NewReader(obsFile("T-1", i == 19, day))) // only the last report shows signal
		if err != nil || u.Result != geo.ResultAccepted || u.Inserted != 1 {
			t.Fatalf("upload %d: %v %+v", i, err, u)
		}
	}
	ingest(0)
	<-running
	for i := 1; i < 20; i++ {
		ingest(i) // returns although the refresh it asked for cannot run yet
	}
	close(release)
	if err := r.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := refreshes.Load(), int32(2); got != want {
		t.Errorf("refreshes after 20 uploads = %d, want %d (the running one, then one for the other 19)", got, want)
	}
	n := r.Snapshot().Programs[0].Summary.National
	if n.Covered != 1 || n.DeadZone != 0 {
		t.Errorf("snapshot after the burst: covered=%d dead_zone=%d, want 1 and 0 (the last upload shows signal)", n.Covered, n.DeadZone)
	}
}

// TestRunner_WaitRefreshedAfterShutdown pins that waiting for a refresh never hangs once the
// Runner is shut down, whether the request came before or after.
func TestRunner_WaitRefreshedAfterShutdown(t *testing.T) {
	r, _, _ := newRunner(t)
	ctx := context.Background()
	hold := make(chan struct{})
	r.OnSnapshot = func(context.Context, *geo.Snapshot) { <-hold }
	if _, err := r.Ingest(ctx, collector.File{Name: "a.geojson", Kind: geo.KindObservations, Carrier: "viettel"},
		strings.NewReader(obsFile("T-1", false, "2025-12-01"))); err != nil {
		t.Fatal(err)
	}
	close(hold)
	r.Shutdown()
	if _, err := r.Ingest(ctx, collector.File{Name: "b.geojson", Kind: geo.KindObservations, Carrier: "viettel"},
		strings.NewReader(obsFile("T-1", true, "2025-12-02"))); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
}
