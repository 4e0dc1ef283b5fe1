package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

type ogcLink struct{ Href, Rel, Type string }

func linkTo(links []ogcLink, rel string) string {
	for _, l := range links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func TestOGC_Documents(t *testing.T) {
	srv := newGridServer(t)
	var landing struct{ Links []ogcLink }
	getDoc(t, srv.URL+"/ogc", &landing)
	for _, rel := range []string{"self", "conformance", "data"} {
		if linkTo(landing.Links, rel) == "" {
			t.Errorf("landing page: no %s link in %+v", rel, landing.Links)
		}
	}
	var conf struct{ ConformsTo []string }
	getDoc(t, linkTo(landing.Links, "conformance"), &conf)
	if !strings.Contains(strings.Join(conf.ConformsTo, " "), "ogcapi-features-1/1.0/conf/geojson") {
		t.Errorf("conformance: %v", conf.ConformsTo)
	}
	var cols struct {
		Collections []struct {
			ID     string
			Extent struct{ Spatial struct{ BBox [][4]float64 } }
			Links  []ogcLink
		}
	}
	getDoc(t, linkTo(landing.Links, "data"), &cols)
	if len(cols.Collections) != 1 || cols.Collections[0].ID != "villages" {
		t.Fatalf("collections: %+v", cols)
	}
	if bb := cols.Collections[0].Extent.Spatial.BBox; len(bb) != 1 || bb[0] != [4]float64{103.0, 22.4, 103.9, 22.4} {
		t.Errorf("extent %v", bb)
	}

	// Pages of 4 over the 10 villages through the next links, numberMatched on each.
	url := linkTo(cols.Collections[0].Links, "items") + "?limit=4&bbox=102,22,104,23"
	var got []string
	for n := 0; url != ""; n++ {
		var page struct {
			fcDoc
			NumberMatched, NumberReturned int
			Links                         []ogcLink
		}
		getDoc(t, url, &page)
		if page.NumberMatched != 10 || page.NumberReturned != len(page.Features) {
			t.Errorf("numberMatched %d numberReturned %d (%d features)", page.NumberMatched, page.NumberReturned, len(page.Features))
		}
		got = append(got, ids(page.fcDoc))
		if url = linkTo(page.Links, "next"); n > 4 {
			t.Fatal("paging does not end")
		}
	}
	if strings.Join(got, " ") != "Q-0 Q-1 Q-2 Q-3 Q-4 Q-5 Q-6 Q-7 Q-8 Q-9" || len(got) != 3 {
		t.Errorf("pages %q", got)
	}

	// A limit over the maximum is served as the maximum, not refused (the standard's rule).
	var all fcDoc
	if resp := getDoc(t, srv.URL+"/ogc/collections/villages/items?limit=1000000", &all); resp.StatusCode != 200 || len(all.Features) != 10 {
		t.Errorf("limit=1000000: %d, %d features", resp.StatusCode, len(all.Features))
	}
	// datetime is the instant of the status (a date is 00:00 Vietnam time), shown in +07:00.
	for dt, want := range map[string]string{"2020-01-01T00:00:00Z": "2020-01-01T07:00:00+07:00", "2025-06-01": "2025-06-01T00:00:00+07:00"} {
		var at struct {
			AsOf string `json:"as_of"`
		}
		getDoc(t, srv.URL+"/ogc/collections/villages/items?datetime="+dt, &at)
		if at.AsOf != want {
			t.Errorf("datetime=%s: as_of %q, want %q", dt, at.AsOf, want)
		}
	}

	var f struct {
		ID         string
		Properties map[string]any
		Links      []ogcLink
	}
	getDoc(t, srv.URL+"/ogc/collections/villages/items/Q-3", &f)
	if f.ID != "Q-3" || f.Properties["status"] != "no_data" || linkTo(f.Links, "collection") == "" {
		t.Errorf("item: %+v", f)
	}
	for _, c := range []struct {
		path   string
		status int
		detail string
	}{
		{"/ogc/collections/villages/items/nope", 404, "no village"},
		{"/ogc/collections/villages/items?datetime=2025-01-01/2026-01-01", 400, "datetime:"},
		// A future instant is refused as the API's as_of refuses it: "as of 2099" would show
		// every open village 73 years overdue.
		{"/ogc/collections/villages/items?datetime=2099-01-01", 400, "datetime:"},
		{"/ogc/collections/villages/items/Q-1?datetime=2099-01-01T00:00:00Z", 400, "datetime:"},
		{"/ogc/collections/villages/items?limit=0", 400, "limit:"},
		{"/ogc/collections/villages/items?foo=1", 400, "foo:"},
		{"/ogc/collections/villages/items?f=html", 400, "f:"},
		{"/ogc/collections/roads", 404, "no such endpoint"},
	} {
		status, p := getProblem(t, srv.URL+c.path)
		if status != c.status || !strings.HasPrefix(p.Detail, c.detail) {
			t.Errorf("GET %s: %d %q, want %d %q", c.path, status, p.Detail, c.status, c.detail)
		}
	}
	resp, err := http.Get(srv.URL + "/ogc/collections/villages/items")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("items Content-Type %q", ct)
	}
}
