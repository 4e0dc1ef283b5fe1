package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// grid are villages at known places: Q-<i> at lon 103.0+0.1*i, lat 22.4 (i = 0..9), so the
// nearest to (103.9, 22.4) are in that order, about 10.3 km apart.
func gridVillages(n int) string {
	var fs []string
	for i := range n {
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%.1f,22.4]},"properties":{"village_id":"Q-%d","name":"Bản %d","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}`, 103.0+0.1*float64(i), i, i))
	}
	return `{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`
}

// newGridServer is an API on a real SQLite file holding gridVillages(10).
func newGridServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv, _ := newGridAPI(t)
	return srv
}

// newGridAPI is newGridServer that also returns the API's Server.
func newGridAPI(t *testing.T) (*httptest.Server, *httpapi.Server) {
	t.Helper()
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "grid.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	prog := geo.DefaultProgram()
	db.UpsertProgram(ctx, prog)
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	in := &collector.Ingester{Store: db, Now: now}
	if u, err := in.Ingest(ctx, collector.File{Name: "v.geojson", Kind: geo.KindVillages}, strings.NewReader(gridVillages(10))); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry: %v %+v", err, u)
	}
	s := &httpapi.Server{Store: db, Ingest: in.Ingest, Programs: []geo.Program{prog}, Policy: geo.DefaultPolicy(), Now: now, PublicRead: true}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, s
}

type fcDoc struct {
	Features []struct {
		ID         string         `json:"id"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
	Matched  int    `json:"number_matched"`
	Returned int    `json:"number_returned"`
	Next     string `json:"next"`
}

func getDoc(t *testing.T, url string, v any) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp
}

func ids(fc fcDoc) string {
	var out []string
	for _, f := range fc.Features {
		out = append(out, f.ID)
	}
	return strings.Join(out, " ")
}

func TestVillages_Nearest(t *testing.T) {
	srv := newGridServer(t)
	var fc fcDoc
	resp := getDoc(t, srv.URL+"/api/v1/villages?lon=103.9&lat=22.4&limit=3", &fc)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := ids(fc); got != "Q-9 Q-8 Q-7" {
		t.Fatalf("nearest three: %s, want Q-9 Q-8 Q-7", got)
	}
	d := []float64{}
	for _, f := range fc.Features {
		d = append(d, f.Properties["distance_km"].(float64))
	}
	// 0.1° of longitude at 22.4°N is 111.195 km * cos(22.4°) / 10 = 10.28 km.
	if d[0] != 0 || d[1] < 10.2 || d[1] > 10.35 || d[2] < 20.4 || d[2] > 20.7 {
		t.Errorf("distances %v, want 0, ~10.28, ~20.56", d)
	}
	if fc.Matched != 10 || fc.Returned != 3 || fc.Next == "" {
		t.Errorf("matched %d returned %d next %q", fc.Matched, fc.Returned, fc.Next)
	}
	// The next link goes on from the same point.
	var fc2 fcDoc
	getDoc(t, fc.Next, &fc2)
	if got := ids(fc2); got != "Q-6 Q-5 Q-4" {
		t.Errorf("second page: %s", got)
	}
	// A radius keeps those within it: Q-9 (0 km) and Q-8 (10.3 km), not Q-7 (20.6 km).
	var fc3 fcDoc
	getDoc(t, srv.URL+"/api/v1/villages?lon=103.9&lat=22.4&radius_km=15", &fc3)
	if got := ids(fc3); got != "Q-9 Q-8" || fc3.Next != "" {
		t.Errorf("within 15 km: %s (next %q)", got, fc3.Next)
	}
	// A cursor of one point is not good for another.
	_, p := getProblem(t, strings.Replace(fc.Next, "lon=103.9", "lon=103.5", 1))
	if !strings.HasPrefix(p.Detail, "cursor:") {
		t.Errorf("cursor of another point: %+v", p)
	}
}

func TestVillages_PagingAndBBox(t *testing.T) {
	srv := newGridServer(t)
	// Walk every page of 4 by ID: each village once, in order, and the last page has no next.
	var seen []string
	url := srv.URL + "/api/v1/villages?limit=4"
	pages := 0
	for url != "" {
		var fc fcDoc
		resp := getDoc(t, url, &fc)
		if fc.Next != "" && !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
			t.Errorf("no Link header with next: %q", resp.Header.Get("Link"))
		}
		seen = append(seen, ids(fc))
		url = fc.Next
		if pages++; pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if got := strings.Join(seen, " "); got != "Q-0 Q-1 Q-2 Q-3 Q-4 Q-5 Q-6 Q-7 Q-8 Q-9" || pages != 3 {
		t.Errorf("pages %d: %s", pages, got)
	}
	var fc fcDoc
	getDoc(t, srv.URL+"/api/v1/villages?bbox=103.15,22,103.45,23", &fc)
	if got := ids(fc); got != "Q-2 Q-3 Q-4" || fc.Matched != 3 {
		t.Errorf("bbox: %s (matched %d)", got, fc.Matched)
	}
	// CSV pages the same way, with the next page in the Link header.
	resp, err := http.Get(srv.URL + "/api/v1/villages?f=csv&limit=2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Link"), "cursor=") {
		t.Errorf("csv page: Link %q", resp.Header.Get("Link"))
	}
}

func getProblem(t *testing.T, url string) (int, httpapi.Problem) {
	t.Helper()
	var p httpapi.Problem
	resp := getDoc(t, url, &p)
	return resp.StatusCode, p
}

func TestQueryParams_Refused(t *testing.T) {
	srv := newGridServer(t)
	for _, c := range []struct{ path, param string }{
		{"/api/v1/villages?bogus=1", "bogus"},
		{"/api/v1/villages?provnce=15", "provnce"},
		{"/api/v1/villages?lon=103.9", "lat"},
		{"/api/v1/villages?lat=22&lon=east", "lon"},
		{"/api/v1/villages?lon=200&lat=22", "lon"},
		{"/api/v1/villages?radius_km=5", "radius_km"},
		{"/api/v1/villages?lon=1&lat=2&radius_km=-1", "radius_km"},
		{"/api/v1/villages?bbox=1,2,3", "bbox"},
		{"/api/v1/villages?bbox=104,22,103,23", "bbox"},
		{"/api/v1/villages?limit=0", "limit"},
		{"/api/v1/villages?limit=x", "limit"},
		{"/api/v1/villages?cursor=!!", "cursor"},
		{"/api/v1/villages?cursor=" + "dXBsb2FkOjM", "cursor"}, // an uploads cursor
		{"/api/v1/villages?status=lost", "status"},
		{"/api/v1/villages?province=15&province=16", "province"},
		{"/api/v1/villages?as_of=yesterday", "as_of"},
		{"/api/v1/villages?%zz", "query string"},
		{"/api/v1/summary?limit=3", "limit"},
		{"/api/v1/burndown?as_of=2026-01-01", "as_of"},
		{"/api/v1/villages/Q-1?bogus=1", "bogus"},
		{"/api/v1/villages/Q-1?cursor=b2JzOjk5OTk", "cursor"}, // obs:9999, not in this history
		{"/api/v1/labels?lang=vi", "lang"},
		{"/api/v1/programs?bogus=1", "bogus"},
		{"/api/v1/schemas/observations/v1?version=2", "version"},
	} {
		status, p := getProblem(t, srv.URL+c.path)
		if status != 400 || p.Type != "urn:covmon:problem:invalid-request" || !strings.HasPrefix(p.Detail, c.param+":") {
			t.Errorf("GET %s: %d %+v, want 400 naming %s", c.path, status, p, c.param)
		}
	}
}

func TestUploadsAndHistory_Paging(t *testing.T) {
	srv, tok := newServer(t, nil)
	for _, day := range []string{"2025-01-01", "2025-02-01", "2025-03-01"} {
		if code, p := post(t, srv.URL+"/api/v1/uploads", tok, strings.NewReader(obs(day))); code != 201 {
			t.Fatalf("upload %s: %d %v", day, code, p)
		}
	}
	get := func(url string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", url, resp.StatusCode)
		}
		json.NewDecoder(resp.Body).Decode(v)
	}
	var ids []float64
	url := srv.URL + "/api/v1/uploads?limit=2"
	for n := 0; url != ""; n++ {
		var page struct {
			Uploads []map[string]any `json:"uploads"`
			Next    string           `json:"next"`
		}
		get(url, &page)
		for _, u := range page.Uploads {
			ids = append(ids, u["upload_id"].(float64))
		}
		if url = page.Next; n > 3 {
			t.Fatal("paging does not end")
		}
	}
	// The carrier sees its three files (not the registry, upload 1), newest first, each once.
	if fmt.Sprint(ids) != "[4 3 2]" {
		t.Errorf("uploads over pages: %v", ids)
	}
	var days []string
	url = srv.URL + "/api/v1/villages/T-1?limit=2"
	for n := 0; url != ""; n++ {
		var h struct {
			Observations []struct {
				ObservedAt time.Time `json:"observed_at"`
			} `json:"observations"`
			Next string `json:"next"`
		}
		get(url, &h)
		for _, o := range h.Observations {
			days = append(days, o.ObservedAt.Format("2006-01-02"))
		}
		if url = h.Next; n > 3 {
			t.Fatal("paging does not end")
		}
	}
	if got := strings.Join(days, " "); got != "2025-01-01 2025-02-01 2025-03-01" {
		t.Errorf("history over pages: %s", got)
	}
}
