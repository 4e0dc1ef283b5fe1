package httpapi_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// ?as_known=true is the audit view (docs/figures.md, "As known then"): T-1's claim of signal
// observed 2025-01-07 but received 2025-03-01 covers it as of 2025-02-01 in the current view,
// not as known then; the summary, the village list and its CSV, the village and the work list
// say which view they are in. Without as_of, as_known changes no figure.
func TestServer_AsKnown(t *testing.T) {
	ctx := context.Background()
	db, prog := openProgramDB(t)
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, geo.Vietnam)
	in := &collector.Ingester{Store: db, Now: func() time.Time { return now }}
	ingest := func(received time.Time, f collector.File, body string) {
		t.Helper()
		now = received
		f.Name = received.Format(time.DateOnly) + ".geojson"
		if u, err := in.Ingest(ctx, f, strings.NewReader(body)); err != nil || u.Result != geo.ResultAccepted {
			t.Fatalf("%s: %v %+v", f.Name, err, u)
		}
	}
	claim := func(signal, observed string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"4g","has_signal":` + signal + `,"observed_at":"` + observed + `"}}]}`
	}
	ingest(now, collector.File{Kind: geo.KindVillages}, villages)
	ingest(time.Date(2025, 1, 6, 9, 0, 0, 0, geo.Vietnam), collector.File{Kind: geo.KindObservations, Carrier: "viettel"}, claim("false", "2025-01-05"))
	ingest(time.Date(2025, 1, 6, 10, 0, 0, 0, geo.Vietnam), collector.File{Kind: geo.KindAssignments},
		`{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","program":"vls-2024","carrier":"viettel","assigned_at":"2024-01-01"}}]}`)
	ingest(time.Date(2025, 3, 1, 9, 0, 0, 0, geo.Vietnam), collector.File{Kind: geo.KindObservations, Carrier: "viettel"}, claim("true", "2025-01-07"))
	now = time.Date(2025, 4, 1, 9, 0, 0, 0, geo.Vietnam)

	s := &httpapi.Server{Store: db, Ingest: in.Ingest, Programs: []geo.Program{prog}, Policy: geo.DefaultPolicy(), Now: func() time.Time { return now }, PublicRead: true,
		ForecastAsKnown: func(ctx context.Context, prog geo.Program, asOf time.Time) (wire.Forecast, error) {
			pol := geo.DefaultPolicy()
			return alerts.ForecastAsKnown(ctx, db, prog, &pol, asOf, 12)
		}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	sec := &secServer{Server: srv, db: db, api: s}
	tok := sec.token(t, geo.RoleMinistry, "")

	summary := func(query string) map[string]any {
		t.Helper()
		return getJSON(t, srv.URL+"/api/v1/summary?"+query, tok)
	}
	national := func(m map[string]any) (covered, deadZone float64) {
		n := m["national"].(map[string]any)
		return n["covered"].(float64), n["dead_zone"].(float64)
	}
	cur := summary("as_of=2025-02-01")
	known := summary("as_of=2025-02-01&as_known=true")
	if c, d := national(cur); cur["view"] != "current" || c != 1 || d != 0 {
		t.Errorf("current view as of 2025-02-01: view %v, covered %v, dead zones %v; want current, 1, 0", cur["view"], c, d)
	}
	if c, d := national(known); known["view"] != "as_known" || c != 0 || d != 1 {
		t.Errorf("as known on 2025-02-01: view %v, covered %v, dead zones %v; want as_known, 0, 1", known["view"], c, d)
	}
	// The forecast as known then: each week's point as known that week. T-1 was imported on
	// 2025-01-01: as of 2025-02-01 the points of 2025-01-04 on were known, 5 of 12 weeks;
	// the current view as of a past instant has none.
	if f, ok := known["forecast"].(map[string]any); !ok || f["view"] != "as_known" || f["points"] != 5.0 || f["weeks"] != 12.0 || f["remaining"] != 1.0 {
		t.Errorf("as known: forecast %v, want view as_known, 5 of 12 points, 1 open", known["forecast"])
	}
	if _, ok := cur["forecast"]; ok {
		t.Errorf("current view as of a past instant: a forecast %v", cur["forecast"])
	}
	// Received exactly at the instant: counts.
	if c, _ := national(summary("as_of=2025-03-01T09:00:00%2B07:00&as_known=true")); c != 1 {
		t.Errorf("as known at the late claim's receipt: covered %v, want 1", c)
	}
	// No as_of: both views count everything received by now.
	plain, nowKnown := summary(""), summary("as_known=true")
	if c1, d1 := national(plain); nowKnown["view"] != "as_known" || plain["as_of"] != nowKnown["as_of"] {
		t.Errorf("now: view %v, as_of %v and %v", nowKnown["view"], plain["as_of"], nowKnown["as_of"])
	} else if c2, d2 := national(nowKnown); c1 != c2 || d1 != d2 || c1 != 1 {
		t.Errorf("now: current covered %v dead %v, as known covered %v dead %v; want the same (1, 0)", c1, d1, c2, d2)
	}
	if code, body := get(t, srv.URL+"/api/v1/summary?as_known=yes", tok); code != http.StatusBadRequest || !strings.Contains(body, "as_known: want true or false") {
		t.Errorf("as_known=yes: %d %s", code, body)
	}

	// The village, the work list, the list and its CSV.
	v := getJSON(t, srv.URL+"/api/v1/villages/T-1?as_of=2025-02-01&as_known=true", tok)
	if v["view"] != "as_known" || v["status"] != "dead_zone" {
		t.Errorf("T-1 as known: view %v, status %v; want as_known, dead_zone", v["view"], v["status"])
	}
	if hist, _ := v["observations"].([]any); len(hist) != 2 {
		t.Errorf("T-1's history as known: %d observations, want both (each says when it was received)", len(hist))
	}
	if v := getJSON(t, srv.URL+"/api/v1/villages/T-1?as_of=2025-02-01", tok); v["view"] != "current" || v["status"] != "covered" {
		t.Errorf("T-1 now: view %v, status %v; want current, covered", v["view"], v["status"])
	}
	wl := getJSON(t, srv.URL+"/api/v1/worklist?carrier=viettel&as_of=2025-02-01&as_known=true", tok)
	if wl["view"] != "as_known" || wl["open"] != 1.0 {
		t.Errorf("viettel's work list as known: view %v, open %v; want as_known, 1", wl["view"], wl["open"])
	}
	fc := getJSON(t, srv.URL+"/api/v1/villages?as_of=2025-02-01&as_known=true&limit=10", tok)
	if fc["view"] != "as_known" {
		t.Errorf("village list as known: view member %v", fc["view"])
	}
	if fc := getJSON(t, srv.URL+"/api/v1/villages?as_of=2025-02-01&as_known=true", tok); fc["view"] != "as_known" {
		t.Errorf("whole village list as known: view member %v", fc["view"])
	}
	// T-1 split into T-1a, effective 2025-02-15, received 2025-03-10: as known on 2025-03-01
	// T-1 was not retired (its status then); in the current view, and as known from
	// 2025-03-10, its status is that of its last instant in the registry.
	ingest(time.Date(2025, 3, 10, 9, 0, 0, 0, geo.Vietnam), collector.File{Kind: geo.KindVillages},
		`{"type":"FeatureCollection","covmon_schema":"villages/v1","effective":"2025-02-15","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[103.92,22.41]},"properties":{"village_id":"T-1a","name":"Bản Một A","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"],"predecessors":["T-1"]}}]}`)
	now = time.Date(2025, 4, 1, 9, 0, 0, 0, geo.Vietnam)
	lastInstant := time.Date(2025, 2, 15, 0, 0, 0, 0, geo.Vietnam).Add(-time.Millisecond)
	// The last instant as known at the instant asked: on 2025-03-01 the late claim of signal
	// (received 2025-03-01 09:00) was not received yet; on 2025-03-20 it was, as the current
	// view said then; without as_of the audit view is the current view.
	for _, c := range []struct {
		query, status string
		asOf          time.Time
	}{
		{"as_of=2025-03-01&as_known=true", "dead_zone", time.Date(2025, 3, 1, 0, 0, 0, 0, geo.Vietnam)},
		{"as_of=2025-03-01", "covered", lastInstant},
		{"as_of=2025-03-20&as_known=true", "covered", lastInstant},
		{"as_known=true", "covered", lastInstant},
	} {
		v := getJSON(t, srv.URL+"/api/v1/villages/T-1?"+c.query, tok)
		at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v["as_of"]))
		if err != nil || !at.Equal(c.asOf) || v["status"] != c.status {
			t.Errorf("T-1 ?%s: as_of %v, status %v; want %s, %s", c.query, v["as_of"], v["status"], c.asOf.Format(time.RFC3339Nano), c.status)
		}
	}

	// A village retired at an instant before its own import was received (a registry
	// imported, then a split dated before the import): as known now, it is at its last instant
	// as known now, as in the current view — not as known at that last instant, when covmon
	// had received nothing of it (a 404 'no registry upload received by then names it').
	ingest(time.Date(2025, 3, 12, 9, 0, 0, 0, geo.Vietnam), collector.File{Kind: geo.KindVillages},
		`{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[103.95,22.41]},"properties":{"village_id":"T-9","name":"Bản Chín","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}]}`)
	ingest(time.Date(2025, 3, 13, 9, 0, 0, 0, geo.Vietnam), collector.File{Kind: geo.KindVillages},
		`{"type":"FeatureCollection","covmon_schema":"villages/v1","effective":"2025-03-01","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[103.95,22.41]},"properties":{"village_id":"T-9a","name":"Bản Chín A","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"],"predecessors":["T-9"]}}]}`)
	now = time.Date(2025, 4, 1, 9, 0, 0, 0, geo.Vietnam)
	for _, q := range []string{"", "?as_known=true", "?as_of=2025-03-20&as_known=true"} {
		v := getJSON(t, srv.URL+"/api/v1/villages/T-9"+q, tok)
		if v["status"] != "no_data" || v["as_of"] != "2025-02-28T23:59:59.999+07:00" {
			t.Errorf("T-9%s: status %v, as_of %v, detail %v; want no_data at 2025-02-28T23:59:59.999+07:00", q, v["status"], v["as_of"], v["detail"])
		}
	}

	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/villages?as_of=2025-02-01&as_known=true&f=csv", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %v %q", err, b)
	}
	col := map[string]string{}
	for i, h := range rows[0] {
		col[h] = rows[1][i]
	}
	if col["view"] != "as_known" || col["status"] != "dead_zone" || resp.Header.Get("X-Covmon-View") != "as_known" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "covmon-villages-2025-02-01-as-known.csv") {
		t.Errorf("csv as known: row %v, X-Covmon-View %q, %s", col, resp.Header.Get("X-Covmon-View"), resp.Header.Get("Content-Disposition"))
	}
}

// A forecast as known then is computed on the request (every village's whole history): one at
// a time. A second summary with as_known=true asked meanwhile waits, before it reads anything,
// and is served once the first is done; the summaries without as_known are not held.
func TestSummary_ForecastsAsKnownBounded(t *testing.T) {
	var calls, inside, most atomic.Int32
	entered, hold := make(chan struct{}, 1), make(chan struct{})
	s := newSecServer(t, func(s *httpapi.Server) {
		s.ForecastAsKnown = func(ctx context.Context, prog geo.Program, asOf time.Time) (wire.Forecast, error) {
			n := inside.Add(1)
			defer inside.Add(-1)
			if n > most.Load() {
				most.Store(n)
			}
			if calls.Add(1) == 1 { // the first is held until the test lets it go
				entered <- struct{}{}
				select {
				case <-hold:
				case <-ctx.Done():
				}
			}
			return wire.Forecast{Status: wire.ForecastInsufficient, View: wire.ViewAsKnown}, nil
		}
	})
	type answer struct {
		code int
		body string
	}
	ask := func(path string) chan answer {
		c := make(chan answer, 1)
		go func() {
			resp, err := http.Get(s.URL + path)
			if err != nil {
				c <- answer{0, err.Error()}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			c <- answer{resp.StatusCode, string(b)}
		}()
		return c
	}
	first := ask("/api/v1/summary?as_known=true")
	<-entered // the first is computing its forecast
	second := ask("/api/v1/summary?as_of=2025-12-01&as_known=true")
	deadline := time.Now().Add(2 * time.Minute)
	for s.api.ForecastsWaiting() != 1 {
		if n := calls.Load(); n != 1 || time.Now().After(deadline) {
			close(hold)
			t.Fatalf("the second summary as known did not wait for a place (%d waiting, %d forecasts computed while the first is held)", s.api.ForecastsWaiting(), n)
		}
		time.Sleep(time.Millisecond)
	}
	if code, body := get(t, s.URL+"/api/v1/summary?as_of=2025-12-01", ""); code != http.StatusOK {
		t.Errorf("a summary in the current view meanwhile: %d %s", code, body)
	}
	close(hold)
	for name, c := range map[string]chan answer{"first": first, "second": second} {
		if a := <-c; a.code != http.StatusOK || !strings.Contains(a.body, `"view": "as_known"`) {
			t.Errorf("the %s: %d %s", name, a.code, a.body)
		}
	}
	if n, m := calls.Load(), most.Load(); n != 2 || m != 1 {
		t.Errorf("%d forecasts computed, at most %d at once; want 2, one at a time", n, m)
	}
}
