package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os/exec"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

// server is a covmon serve process running in the test, on a loopback port.
type server struct {
	url  string
	stop func()
}

func startServe(t *testing.T, db string, extra ...string) *server {
	t.Helper()
	return startServeWith(t, db, nil, extra...)
}

// serveClock is the clock of the covmon serve the tests start in this process: it runs at the
// real clock's pace from testNow (when the package's tests started), so serve's "now" (its
// figures, forecast, alerts, the API's as_of) falls on the seeds' day, as the CLI tests' m.Now
// does, whatever day CI runs on. On the real clock the seeds' completion forecast stopped
// converging once the last seed observation (2026-10-31) left its 12 weekly points (2027-01),
// and a run could cross midnight in Vietnam between two requests. One offset for every serve
// of the package: two instances on one database share a timeline.
var serveClock clockwork.Clock = offsetClock{clockwork.NewRealClock(), time.Until(testNow)}

// offsetClock is a real clock whose Now is off by a fixed duration; timers and tickers run in
// real time.
type offsetClock struct {
	clockwork.Clock
	off time.Duration
}

func (c offsetClock) Now() time.Time                  { return c.Clock.Now().Add(c.off) }
func (c offsetClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
func (c offsetClock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// startServeWith is startServe with a hook on serve's runner before its first evaluation.
func startServeWith(t *testing.T, db string, runner func(*collector.Runner), extra ...string) *server {
	t.Helper()
	return startServeClock(t, db, serveClock, runner, extra...)
}

// startServeClock is startServeWith on clock (nil: the real clock).
func startServeClock(t *testing.T, db string, clock clockwork.Clock, runner func(*collector.Runner), extra ...string) *server {
	t.Helper()
	return startServeMain(t, db, func(m *Main) { m.Clock, m.serveRunner = clock, runner }, extra...)
}

// startServeMain is startServe with a hook on its Main before it runs (after its output and
// its Now are set: the hook may replace them; its Clock is the real clock unless the hook
// sets one).
func startServeMain(t *testing.T, db string, hook func(m *Main), extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := NewMain()
	var out, errb bytes.Buffer
	m.Stdout, m.Stderr = &out, &errb
	m.Now = func() time.Time { return testNow }
	m.Getenv = func(string) string { return "" }
	if hook != nil {
		hook(m)
	}
	ready := make(chan string, 1)
	m.serveReady = func(url string) { ready <- url }
	done := make(chan error, 1)
	go func() {
		err := m.Run(ctx, append([]string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--log-level", "warn"}, extra...))
		m.Close()
		done <- err
	}()
	s := &server{}
	select {
	case s.url = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve exited: %v\n%s", err, errb.String())
	case <-time.After(e2eWait):
		cancel()
		t.Fatalf("serve did not start within %v", e2eWait)
	}
	var once bool
	s.stop = func() {
		if once {
			return
		}
		once = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(30 * time.Second):
			buf := make([]byte, 1<<20)
			t.Errorf("serve did not stop within 30s; goroutines:\n%s", buf[:runtime.Stack(buf, true)])
		}
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("covmon serve log:\n%s", errb.String())
		}
	})
	return s
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
	return v
}

func do(t *testing.T, method, url, token, contentType string, body io.Reader, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func createToken(t *testing.T, db string, args ...string) string {
	t.Helper()
	out := mustRun(t, db, append([]string{"token", "create"}, args...)...)
	tok := strings.TrimSpace(out)
	if !strings.HasPrefix(tok, "cvm_") {
		t.Fatalf("token create printed %q", out)
	}
	return tok
}

func TestServe_EndToEnd(t *testing.T) {
	db := seededDB(t)
	viettel := createToken(t, db, "--carrier", "viettel")
	mobifone := createToken(t, db, "--carrier", "mobifone")
	ministry := createToken(t, db, "--role", "ministry")
	revoked := createToken(t, db, "--carrier", "vinaphone")
	mustRun(t, db, "token", "revoke", strings.Split(revoked, "_")[1])

	s := startServe(t, db)
	up := s.url + "/api/v1/uploads"
	const geojson = "application/geo+json"
	before := do(t, "GET", s.url+"/api/v1/summary", "", "", nil).json(t)["national"].(map[string]any)

	t.Run("Health", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz"} {
			if r := do(t, "GET", s.url+p, "", "", nil); r.status != 200 {
				t.Errorf("%s: %d %s", p, r.status, r.body)
			}
		}
	})
	t.Run("Unauthorized", func(t *testing.T) {
		for _, tok := range []string{"", "cvm_1_wrong", revoked, "garbage"} {
			r := do(t, "POST", up, tok, geojson, strings.NewReader(goodObs))
			if r.status != 401 || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("token %q: %d %s", tok, r.status, r.body)
			}
		}
	})
	var acceptedID float64
	t.Run("Accepted", func(t *testing.T) {
		r := do(t, "POST", up+"?name=viettel-nov.geojson", viettel, geojson, strings.NewReader(goodObs))
		if r.status != 201 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		rep := r.json(t)
		if rep["result"] != "accepted" || rep["inserted"] != 1.0 || rep["carrier"] != "viettel" || rep["file"] != "viettel-nov.geojson" {
			t.Errorf("report: %s", r.body)
		}
		acceptedID = rep["upload_id"].(float64)
		if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/api/v1/uploads/") {
			t.Errorf("Location=%q", loc)
		}
	})
	t.Run("Duplicate", func(t *testing.T) {
		r := do(t, "POST", up, viettel, geojson, strings.NewReader(goodObs))
		if rep := r.json(t); r.status != 200 || rep["result"] != "duplicate" || rep["duplicate_of"] != acceptedID {
			t.Errorf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("Rejected", func(t *testing.T) {
		bad := strings.Replace(goodObs, `"2026-11-01"`, `"2026-13-45"`, 1)
		r := do(t, "POST", up+"?name=bad.geojson", viettel, geojson, strings.NewReader(bad))
		if r.status != 422 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		rep := r.json(t)["report"].(map[string]any)
		probs := rep["problems"].([]any)
		if len(probs) != 1 {
			t.Fatalf("problems: %v", probs)
		}
		p := probs[0].(map[string]any)
		if p["file"] != "bad.geojson" || p["feature"] != 0.0 || p["field"] != "observed_at" || p["rule"] != "time_unparsable" || p["village_id"] != "V04-0004" {
			t.Errorf("problem: %v", p)
		}
	})
	t.Run("CrossCarrier", func(t *testing.T) {
		r := do(t, "POST", up, mobifone, geojson, strings.NewReader(goodObs)) // the file says viettel
		if r.status != 422 || !strings.Contains(string(r.body), "carrier_mismatch") {
			t.Errorf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("DryRun", func(t *testing.T) {
		other := strings.Replace(goodObs, `"2026-11-01"`, `"2026-11-02"`, 1)
		r := do(t, "POST", up+"?dry_run=1", viettel, geojson, strings.NewReader(other))
		if rep := r.json(t); r.status != 200 || rep["result"] != "accepted" || rep["upload_id"] != nil {
			t.Errorf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("GzipAndMultipart", func(t *testing.T) {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		zw.Write([]byte(strings.Replace(goodObs, `"2026-11-01"`, `"2026-11-03"`, 1)))
		zw.Close()
		r := do(t, "POST", up, viettel, geojson, &zb, "Content-Encoding", "gzip")
		if r.status != 201 {
			t.Errorf("gzip: %d %s", r.status, r.body)
		}
		var mb bytes.Buffer
		mw := multipart.NewWriter(&mb)
		fw, _ := mw.CreateFormFile("file", "multi.geojson")
		fw.Write([]byte(strings.Replace(goodObs, `"2026-11-01"`, `"2026-11-04"`, 1)))
		mw.Close()
		r = do(t, "POST", up, viettel, mw.FormDataContentType(), &mb)
		if rep := r.json(t); r.status != 201 || rep["file"] != "multi.geojson" {
			t.Errorf("multipart: %d %s", r.status, r.body)
		}
	})
	t.Run("RegistryNeedsMinistry", func(t *testing.T) {
		r := do(t, "POST", up+"?kind=villages", viettel, geojson, strings.NewReader(`{}`))
		if r.status != 403 {
			t.Errorf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("UploadsVisibility", func(t *testing.T) {
		own := do(t, "GET", up, viettel, "", nil).json(t)["uploads"].([]any)
		for _, u := range own {
			if c := u.(map[string]any)["carrier"]; c != "viettel" {
				t.Errorf("viettel sees an upload of %v", c)
			}
		}
		all := do(t, "GET", up, ministry, "", nil).json(t)["uploads"].([]any)
		if len(all) <= len(own) {
			t.Errorf("ministry sees %d uploads, viettel %d", len(all), len(own))
		}
		r := do(t, "GET", s.url+"/api/v1/uploads/"+jsonNum(acceptedID), mobifone, "", nil)
		if r.status != 404 {
			t.Errorf("mobifone reading viettel's upload: %d", r.status)
		}
		r = do(t, "GET", s.url+"/api/v1/uploads/"+jsonNum(acceptedID), viettel, "", nil)
		if r.status != 200 {
			t.Errorf("viettel reading its upload: %d", r.status)
		}
	})
	t.Run("VillageHistory", func(t *testing.T) {
		v := do(t, "GET", s.url+"/api/v1/villages/V04-0004", "", "", nil).json(t)
		if v["status"] != "covered" {
			t.Errorf("V04-0004 status=%v after the upload", v["status"])
		}
		found := false
		for _, o := range v["observations"].([]any) {
			if o.(map[string]any)["upload_id"] == acceptedID {
				found = true
			}
		}
		if !found {
			t.Errorf("history lacks the observation of upload %v", acceptedID)
		}
		if r := do(t, "GET", s.url+"/api/v1/villages/NOPE", "", "", nil); r.status != 404 {
			t.Errorf("unknown village: %d", r.status)
		}
	})
	t.Run("SummaryAndVillagesReflectUpload", func(t *testing.T) {
		// The summary comes from the snapshot, which the upload refreshes after its response
		// (off the request path): wait for it rather than for a time.
		want := before["dead_zone"].(float64) - 1
		waitUntil(t, fmt.Sprintf("summary dead_zone %v after the upload", want), e2eWait, func() bool {
			got := do(t, "GET", s.url+"/api/v1/summary", "", "", nil).json(t)["national"].(map[string]any)["dead_zone"]
			return got == want
		})
		r := do(t, "GET", s.url+"/api/v1/villages?status=overdue&province=04", "", "", nil)
		if strings.Contains(string(r.body), "V04-0004") || r.header.Get("Content-Type") != "application/geo+json" {
			t.Errorf("overdue villages still list V04-0004 (%s)", r.header.Get("Content-Type"))
		}
		old := do(t, "GET", s.url+"/api/v1/summary?as_of=2022-08-01", "", "", nil).json(t)["national"].(map[string]any)
		if old["baseline_covered"] != 477.0 {
			t.Errorf("as_of 2022-08-01 baseline_covered=%v", old["baseline_covered"])
		}
	})
	t.Run("Burndown", func(t *testing.T) {
		var b struct {
			Points []struct {
				Day             string `json:"day"`
				BaselineCovered int    `json:"baseline_covered"`
				Recorded        bool   `json:"recorded"`
				Backfilled      bool   `json:"backfilled"`
			} `json:"points"`
		}
		waitUntil(t, "the background backfill fills the burn-down", e2eWait, func() bool {
			r := do(t, "GET", s.url+"/api/v1/burndown", "", "", nil)
			if err := json.Unmarshal(r.body, &b); err != nil {
				t.Fatal(err)
			}
			return len(b.Points) >= 60
		})
		found := false
		for _, p := range b.Points {
			if p.Day == "2022-08-01" {
				found = true
				if p.BaselineCovered != 477 || !p.Backfilled || p.Recorded {
					t.Errorf("2022-08-01: %+v", p)
				}
			}
		}
		if last := b.Points[len(b.Points)-1]; !found || last.Backfilled || !last.Recorded {
			t.Errorf("burn-down lacks 2022-08-01 or today's recorded point: %+v", b.Points)
		}
	})
	t.Run("Metrics", func(t *testing.T) {
		// The upload and problem counts are the snapshot's, which each upload refreshes after
		// its response (off the request path): the summary waited for above counted the first
		// accepted upload, and the refreshes after the later ones (the duplicate, the
		// rejected, the gzip and multipart) may still be queued. Wait for every count.
		var r response
		var body, said string
		waitUntil(t, "/metrics counts every upload", e2eWait, func() bool {
			r = do(t, "GET", s.url+"/metrics", "", "", nil)
			body = string(r.body)
			var lacks []string
			for _, want := range []string{
				`covmon_uploads_total{carrier="viettel",result="accepted",role="carrier"} 4`, // the seed file and three uploads
				`covmon_uploads_total{carrier="viettel",result="duplicate",role="carrier"} 1`,
				`covmon_uploads_total{carrier="viettel",result="rejected",role="carrier"} 1`,
				`covmon_uploads_total{carrier="mobifone",result="rejected",role="carrier"} 1`,
				`covmon_validation_problems_total{rule="carrier_mismatch"} 1`,
				`covmon_program_target_villages{program="vls-2024"} 832`,
				`covmon_demo_data 1`,
			} {
				if !strings.Contains(body, want) {
					lacks = append(lacks, want)
				}
			}
			if msg := strings.Join(lacks, "\n"); msg != said && msg != "" {
				t.Logf("/metrics lacks (so far):\n%s", msg) // said once per change, before the wait fails
				said = msg
			}
			return len(lacks) == 0
		})
		if strings.Contains(body, `village_id="V04-0004"`) {
			t.Errorf("/metrics still has a series for covered village V04-0004")
		}
		if !strings.Contains(body, `covmon_village_open{`) {
			t.Errorf("/metrics has no open villages")
		}
		promtool, err := exec.LookPath("promtool")
		if err != nil {
			t.Fatalf("promtool not installed (run .ci/run, or apt-get install prometheus): %v", err)
		}
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(r.body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	})
	s.stop()
}

// jsonNum prints a JSON number as a path segment: 10, not "1" (trimming zeros from "10" did).
func jsonNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// blockedFigures holds the backfill of the monthly figures at its start until released.
type blockedFigures struct {
	collector.FiguresStore
	started, release chan struct{}
	done             atomic.Bool
}

func (b *blockedFigures) FirstObservation(ctx context.Context) (time.Time, error) {
	close(b.started)
	select {
	case <-b.release:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
	t, err := b.FiguresStore.FirstObservation(ctx)
	b.done.Store(true)
	return t, err
}

// Ready means the API answers from a whole evaluation: the backfill of the monthly figures
// runs after it, beside requests, and neither /readyz nor a page of villages waits for it.
func TestServe_ReadyBeforeBackfill(t *testing.T) {
	db := seededDB(t)
	bf := &blockedFigures{started: make(chan struct{}), release: make(chan struct{})}
	s := startServeWith(t, db, func(r *collector.Runner) {
		bf.FiguresStore = r.Figures
		r.Figures = bf
	})
	defer close(bf.release)
	select {
	case <-bf.started:
	case <-time.After(e2eWait):
		t.Fatal("the backfill did not start")
	}
	if r := do(t, "GET", s.url+"/readyz", "", "", nil); r.status != 200 {
		t.Errorf("/readyz during the backfill: %d %s", r.status, r.body)
	}
	r := do(t, "GET", s.url+"/api/v1/villages?limit=2", "", "", nil)
	if r.status != 200 {
		t.Fatalf("a page during the backfill: %d %s", r.status, r.body)
	}
	if fs, _ := r.json(t)["features"].([]any); len(fs) != 2 {
		t.Errorf("a page of 2 during the backfill: %d features", len(fs))
	}
	if r := do(t, "GET", s.url+"/api/v1/summary", "", "", nil); r.status != 200 {
		t.Errorf("summary during the backfill: %d %s", r.status, r.body)
	}
	if bf.done.Load() {
		t.Error("the backfill went on before it was released")
	}
}

// blockedWalk holds the runner's walk over the registry (every whole computation) until
// released.
type blockedWalk struct {
	collector.SnapshotStore
	started, release chan struct{}
	once             sync.Once
}

func (b *blockedWalk) EachVillageLatest(ctx context.Context, asOf time.Time, upTo int64, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error {
	b.once.Do(func() { close(b.started) })
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.SnapshotStore.EachVillageLatest(ctx, asOf, upTo, f, fn)
}

// A warm start: serve's second start on unchanged data is ready with the figures the first
// computed (and persisted) while its own computation of them is held, and serves the same
// summary meanwhile.
func TestServe_WarmStart(t *testing.T) {
	db := seededDB(t)
	fake := func(r *collector.Runner) { r.Clock = clockwork.NewFakeClockAt(testNow) }
	s1 := startServeWith(t, db, fake)
	cold := do(t, "GET", s1.url+"/api/v1/summary", "", "", nil)
	if cold.status != 200 {
		t.Fatalf("summary: %d %s", cold.status, cold.body)
	}
	s1.stop()

	bw := &blockedWalk{started: make(chan struct{}), release: make(chan struct{})}
	defer close(bw.release)
	s2 := startServeWith(t, db, func(r *collector.Runner) {
		fake(r)
		bw.SnapshotStore = r.Store
		r.Store = bw
	}) // ready, or it fails: a cold start waits for the held walk
	select {
	case <-bw.started:
	case <-time.After(e2eWait):
		t.Fatal("the warm snapshot is not computed again")
	}
	if r := do(t, "GET", s2.url+"/readyz", "", "", nil); r.status != 200 {
		t.Errorf("/readyz on a warm start: %d %s", r.status, r.body)
	}
	warm := do(t, "GET", s2.url+"/api/v1/summary", "", "", nil)
	if warm.status != 200 {
		t.Fatalf("summary on a warm start: %d %s", warm.status, warm.body)
	}
	for _, k := range []string{"as_of", "national", "provinces", "responsible"} {
		a, b := cold.json(t)[k], warm.json(t)[k]
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: cold %v, warm %v", k, a, b)
		}
	}
}
