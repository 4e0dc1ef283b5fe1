package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/geo"
)

// getAs GETs url with the token, wants 200, decodes the body into v and returns the response
// headers.
func getAs(t *testing.T, url, token string, v any) http.Header {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, b)
	}
	return resp.Header
}

type ogcFeature struct {
	ID         any            `json:"id"`
	Geometry   any            `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type ogcPage struct {
	View     string       `json:"view"`
	Features []ogcFeature `json:"features"`
	Links    []struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	} `json:"links"`
}

// byVillage keys features by village_id, without the view property (the OGC API's mark of
// the audit view on each feature, which the village list says once).
func byVillage(t *testing.T, fs []ogcFeature) map[string]ogcFeature {
	t.Helper()
	out := map[string]ogcFeature{}
	for _, f := range fs {
		props := map[string]any{}
		for k, v := range f.Properties {
			if k != "view" {
				props[k] = v
			}
		}
		f.Properties = props
		f.ID = nil // the OGC API's feature id; the village list has none
		out[f.Properties["village_id"].(string)] = f
	}
	return out
}

// The OGC API's as_known=true beside datetime is the audit view, with the same features as
// /api/v1/villages?as_of=T&as_known=true, on a hand-made history: T-1 dark (received
// 2025-01-06), a back-dated claim of signal in T-1 observed 2025-01-07 but received
// 2025-03-01, and T-2 first imported on 2025-02-10 (in the current view it is in the registry
// since always). As of 2025-02-01: current view T-1 covered and T-2 no_data; as known then T-1
// a dead zone and no T-2. Each feature says view=as_known, and the next link keeps it.
func TestOGC_AsKnown(t *testing.T) {
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
	ingest(time.Date(2025, 2, 10, 9, 0, 0, 0, geo.Vietnam), collector.File{Kind: geo.KindVillages},
		`{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[103.93,22.42]},"properties":{"village_id":"T-2","name":"Bản Hai","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}]}`)
	ingest(time.Date(2025, 3, 1, 9, 0, 0, 0, geo.Vietnam), collector.File{Kind: geo.KindObservations, Carrier: "viettel"}, claim("true", "2025-01-07"))
	now = time.Date(2025, 4, 1, 9, 0, 0, 0, geo.Vietnam)

	s := &httpapi.Server{Store: db, Ingest: in.Ingest, Programs: []geo.Program{prog}, Policy: geo.DefaultPolicy(), Now: func() time.Time { return now }, PublicRead: true}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	tok := (&secServer{Server: srv, db: db, api: s}).token(t, geo.RoleMinistry, "")

	for _, c := range []struct {
		asOf    string // as_of and datetime ("" for now)
		asKnown bool
		want    map[string]string // village → status
	}{
		{"2025-02-01", false, map[string]string{"T-1": "covered", "T-2": "no_data"}},
		{"2025-02-01", true, map[string]string{"T-1": "dead_zone"}},
		{"2025-02-10", true, map[string]string{"T-1": "dead_zone"}},
		{"2025-02-10T09:00:00+07:00", true, map[string]string{"T-1": "dead_zone", "T-2": "no_data"}}, // received exactly then: counts
		{"2025-03-01T09:00:00+07:00", true, map[string]string{"T-1": "covered", "T-2": "no_data"}},
		{"", true, map[string]string{"T-1": "covered", "T-2": "no_data"}},
	} {
		api, ogc := url.Values{"limit": {"100"}}, url.Values{"limit": {"100"}}
		if c.asOf != "" {
			api.Set("as_of", c.asOf)
			ogc.Set("datetime", c.asOf)
		}
		if c.asKnown {
			api.Set("as_known", "true")
			ogc.Set("as_known", "true")
		}
		var list, items ogcPage
		getAs(t, srv.URL+"/api/v1/villages?"+api.Encode(), tok, &list)
		h := getAs(t, srv.URL+"/ogc/collections/villages/items?"+ogc.Encode(), tok, &items)
		got := map[string]string{}
		for _, f := range items.Features {
			got[f.Properties["village_id"].(string)] = f.Properties["status"].(string)
			if v, want := f.Properties["view"], map[bool]any{true: "as_known", false: nil}[c.asKnown]; v != want {
				t.Errorf("OGC ?%s: %v's view property %v, want %v", ogc.Encode(), f.Properties["village_id"], v, want)
			}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("OGC ?%s: %v, want %v", ogc.Encode(), got, c.want)
		}
		if a, o := byVillage(t, list.Features), byVillage(t, items.Features); !reflect.DeepEqual(a, o) {
			t.Errorf("as_of=%q as_known=%v: the OGC API's features differ from the village list's:\nlist %v\nogc  %v", c.asOf, c.asKnown, a, o)
		}
		wantView := map[bool]string{true: "as_known", false: ""}[c.asKnown]
		if items.View != wantView || h.Get("X-Covmon-View") != wantView {
			t.Errorf("OGC ?%s: view member %q, X-Covmon-View %q; want %q", ogc.Encode(), items.View, h.Get("X-Covmon-View"), wantView)
		}

		// One village: the same feature as in the list.
		for id, status := range c.want {
			var f ogcFeature
			h := getAs(t, srv.URL+"/ogc/collections/villages/items/"+id+"?"+strings.TrimPrefix(strings.Replace(ogc.Encode(), "limit=100", "", 1), "&"), tok, &f)
			if f.Properties["status"] != status || h.Get("X-Covmon-View") != wantView {
				t.Errorf("OGC item %s ?%s: status %v, X-Covmon-View %q; want %s, %q", id, ogc.Encode(), f.Properties["status"], h.Get("X-Covmon-View"), status, wantView)
			}
			if want := byVillage(t, list.Features)[id]; !reflect.DeepEqual(byVillage(t, []ogcFeature{f})[id].Properties, want.Properties) {
				t.Errorf("OGC item %s ?%s: %v, want the list's %v", id, ogc.Encode(), f.Properties, want.Properties)
			}
		}
	}

	// T-2 was not in the registry as known on 2025-02-01: a 404 that says so; in the current
	// view it is there.
	code, body := get(t, srv.URL+"/ogc/collections/villages/items/T-2?datetime=2025-02-01&as_known=true", tok)
	if code != http.StatusNotFound || !strings.Contains(body, "not in the registry as known at 2025-02-01T00:00:00+07:00") {
		t.Errorf("T-2 as known on 2025-02-01: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+"/ogc/collections/villages/items/T-2?datetime=2025-02-01", tok); code != http.StatusOK {
		t.Errorf("T-2 as of 2025-02-01: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+"/ogc/collections/villages/items?as_known=yes", tok); code != http.StatusBadRequest || !strings.Contains(body, "as_known: want true or false") {
		t.Errorf("as_known=yes: %d %s", code, body)
	}

	// Paging keeps the view: the next link asks as_known=true again.
	var first, second ogcPage
	getAs(t, srv.URL+"/ogc/collections/villages/items?as_known=true&limit=1", tok, &first)
	next := ""
	for _, l := range first.Links {
		if l.Rel == "next" {
			next = l.Href
		}
	}
	if !strings.Contains(next, "as_known=true") {
		t.Fatalf("next link %q does not keep as_known=true", next)
	}
	getAs(t, next, tok, &second)
	if len(second.Features) != 1 || second.Features[0].Properties["village_id"] != "T-2" || second.Features[0].Properties["view"] != "as_known" {
		t.Errorf("second page as known: %+v", second.Features)
	}

	// The collection's description documents the parameter. The documents without figures
	// take datetime, as_known and program, as GDAL repeats a URL's parameters on every request
	// ("OAPIF:…/ogc?as_known=true"), and their links to the items carry them.
	var coll struct {
		Description string
		Links       []struct{ Href, Rel string }
	}
	getAs(t, srv.URL+"/ogc/collections/villages?as_known=true&datetime=2025-02-01&program="+prog.ID, tok, &coll)
	if !strings.Contains(coll.Description, "as_known=true") {
		t.Errorf("collection description does not document as_known: %s", coll.Description)
	}
	items := ""
	for _, l := range coll.Links {
		if l.Rel == "items" {
			items = l.Href
		}
	}
	if !strings.HasSuffix(items, "/ogc/collections/villages/items?as_known=true&datetime=2025-02-01&program="+prog.ID) {
		t.Errorf("the collection's items link %q does not carry as_known, datetime and program", items)
	}
	for _, path := range []string{"/ogc?as_known=true", "/ogc/conformance?as_known=true&datetime=2025-02-01", "/ogc/collections?as_known=false"} {
		if code, body := get(t, srv.URL+path, tok); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
	}
	for _, path := range []string{"/ogc?as_known=yes", "/ogc/collections?datetime=2099-01-01", "/ogc/collections/villages?program=x"} {
		if code, body := get(t, srv.URL+path, tok); code != http.StatusBadRequest {
			t.Errorf("GET %s: %d %s, want 400", path, code, body)
		}
	}

	// GDAL walks the documents from the URL it is given, appending that URL's query to every
	// link that does not hold it as one run of text: in another order or encoding than the
	// links' (as docs/api.md writes it, datetime first; an instant's colons), every parameter
	// comes twice. The walk reads the same villages as the village list, every page.
	for _, user := range []string{"datetime=2025-03-01T02:00:00Z&as_known=true", "program=" + prog.ID + "&datetime=2025-03-02&as_known=true"} {
		got := gdalWalk(t, srv.URL+"/ogc?"+user, user, tok)
		var list ogcPage
		getAs(t, srv.URL+"/api/v1/villages?as_known=true&as_of="+url.QueryEscape(map[bool]string{true: "2025-03-01T02:00:00Z", false: "2025-03-02"}[strings.HasPrefix(user, "datetime")]), tok, &list)
		if a, o := byVillage(t, list.Features), byVillage(t, got); len(got) != 2 || !reflect.DeepEqual(a, o) {
			t.Errorf("GDAL's walk from /ogc?%s: %v, want the village list's %v", user, o, a)
		}
		for _, f := range got {
			if f.Properties["view"] != "as_known" {
				t.Errorf("GDAL's walk from /ogc?%s: %v has view %v", user, f.Properties["village_id"], f.Properties["view"])
			}
		}
	}
	if code, body := get(t, srv.URL+"/ogc/collections/villages/items?as_known=true&as_known=false", tok); code != http.StatusBadRequest || !strings.Contains(body, "as_known: given 2 times") {
		t.Errorf("as_known given twice with different values: %d %s, want 400", code, body)
	}
}

// gdalWalk reads the villages as GDAL's OAPIF driver does from OAPIF:landing, whose query is
// user: landing page, its data link, the villages collection's items link with limit=1, then
// each next link; user is appended to every URL that does not contain it after a ? or &.
func gdalWalk(t *testing.T, landing, user, tok string) []ogcFeature {
	t.Helper()
	withUser := func(u string) string {
		if strings.Contains(u, "?"+user) || strings.Contains(u, "&"+user) {
			return u
		}
		if strings.Contains(u, "?") {
			return u + "&" + user
		}
		return u + "?" + user
	}
	link := func(links []struct{ Href, Rel string }, rel string) string {
		for _, l := range links {
			if l.Rel == rel {
				return l.Href
			}
		}
		t.Fatalf("no %s link in %v", rel, links)
		return ""
	}
	var land struct{ Links []struct{ Href, Rel string } }
	getAs(t, withUser(landing), tok, &land)
	var colls struct {
		Collections []struct{ Links []struct{ Href, Rel string } }
	}
	getAs(t, withUser(link(land.Links, "data")), tok, &colls)
	next := link(colls.Collections[0].Links, "items") + "&limit=1"
	var out []ogcFeature
	for page := 0; next != ""; page++ {
		if page > 10 {
			t.Fatalf("GDAL's walk: more than 10 pages, at %s", next)
		}
		var p ogcPage
		getAs(t, withUser(next), tok, &p)
		out = append(out, p.Features...)
		next = ""
		for _, l := range p.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
	}
	return out
}

// as_known on an endpoint without the audit view is a 400 that names it and says where the
// audit view is served, not the current view answered as if it were the audit view. The
// burn-down's points say whether each was recorded then or backfilled later.
func TestAsKnown_RefusedWithoutAuditView(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "covmon_villages 1\n")
	})
	s := newSecServer(t, func(s *httpapi.Server) { s.Metrics = metrics })
	tok := s.token(t, geo.RoleMinistry, "")
	for _, path := range []string{
		"/api/v1/burndown?as_known=true",
		"/api/v1/uploads?as_known=true",
		"/api/v1/uploads/1?as_known=true",
		"/api/v1/labels?as_known=true",
		"/api/v1/programs?as_known=true",
		"/api/v1/schemas/observations/v1?as_known=true",
		"/metrics?as_known=true",
		"/metrics?as_known=false",
	} {
		code, body := get(t, s.URL+path, tok)
		var p httpapi.Problem
		json.Unmarshal([]byte(body), &p)
		if code != http.StatusBadRequest || !strings.HasPrefix(p.Detail, "as_known: ") || !strings.Contains(p.Detail, "/api/v1/summary") || !strings.Contains(p.Detail, "/ogc/collections/villages/items") {
			t.Errorf("GET %s: %d %s; want 400 naming as_known and where the audit view is", path, code, body)
		}
		if strings.HasPrefix(path, "/api/v1/burndown") && !strings.Contains(p.Detail, `"recorded": true`) {
			t.Errorf("GET %s: %s; want it to say which points were recorded then", path, p.Detail)
		}
	}
	if code, body := get(t, s.URL+"/metrics?as_of=2025-01-01", tok); code != http.StatusBadRequest || !strings.Contains(body, "as_of: the metrics are the figures now") {
		t.Errorf("/metrics?as_of: %d %s", code, body)
	}
	if code, body := get(t, s.URL+"/metrics", tok); code != http.StatusOK || body != "covmon_villages 1\n" {
		t.Errorf("/metrics: %d %s", code, body)
	}

	// The burn-down: one point backfilled, one recorded; each says which in two opposite members.
	ctx := context.Background()
	prog := s.api.Programs[0]
	if err := s.db.SaveDailyFigures(ctx, []geo.DailyFigure{
		{Day: time.Date(2025, 11, 1, 0, 0, 0, 0, geo.Vietnam), ProgramID: prog.ID, Counts: geo.Counts{Villages: 1, Baseline: 1, NoData: 1}, Backfilled: true},
		{Day: time.Date(2025, 12, 31, 0, 0, 0, 0, geo.Vietnam), ProgramID: prog.ID, Counts: geo.Counts{Villages: 1, Baseline: 1, DeadZone: 1}},
	}); err != nil {
		t.Fatal(err)
	}
	var bd struct {
		Points []struct {
			Day                  string
			Recorded, Backfilled bool
		}
	}
	getAs(t, s.URL+"/api/v1/burndown", tok, &bd)
	got := map[string][2]bool{}
	for _, p := range bd.Points {
		got[p.Day] = [2]bool{p.Recorded, p.Backfilled}
	}
	if want := map[string][2]bool{"2025-11-01": {false, true}, "2025-12-31": {true, false}}; !reflect.DeepEqual(got, want) {
		t.Errorf("burn-down points (recorded, backfilled): %v, want %v", got, want)
	}
}
