package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/covmon/covmon/collector/httpapi"
)

// TestVillages_StreamedEqualsPaged pins the list without a limit, written while the villages
// are evaluated, to the paged list: the same features in the same order, whole-list counts
// after the features, valid GeoJSON; and a filter applies to both alike.
func TestVillages_StreamedEqualsPaged(t *testing.T) {
	srv := newGridServer(t)
	for _, q := range []string{"", "status=no_data&", "bbox=103.15,22,103.55,23&"} {
		resp, err := http.Get(srv.URL + "/api/v1/villages?" + q)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var all fcDoc
		var raw map[string]any
		if err := json.Unmarshal(body, &all); err != nil || json.Unmarshal(body, &raw) != nil {
			t.Fatalf("%s: not JSON: %v\n%s", q, err, body)
		}
		if raw["type"] != "FeatureCollection" || raw["as_of"] == nil {
			t.Errorf("%s: members %v", q, raw)
		}
		var paged fcDoc
		url := srv.URL + "/api/v1/villages?" + q + "limit=3"
		pages := 0
		for url != "" {
			var pg fcDoc
			getDoc(t, url, &pg)
			// A page stops at the first village after it: number_matched only on the last.
			if want := map[bool]int{true: all.Matched, false: 0}[pg.Next == ""]; pg.Matched != want {
				t.Errorf("%s: page number_matched %d, want %d (next %q)", q, pg.Matched, want, pg.Next)
			}
			paged.Features = append(paged.Features, pg.Features...)
			url = pg.Next
			if pages++; pages > 10 {
				t.Fatal("paging does not end")
			}
		}
		if ids(all) != ids(paged) || !reflect.DeepEqual(all.Features, paged.Features) {
			t.Errorf("%s: streamed %s, paged %s", q, ids(all), ids(paged))
		}
		if all.Matched != len(all.Features) || all.Returned != len(all.Features) {
			t.Errorf("%s: number_matched %d, number_returned %d for %d features", q, all.Matched, all.Returned, len(all.Features))
		}
		if q == "" && all.Matched != 10 || q == "bbox=103.15,22,103.55,23&" && ids(all) != "Q-2 Q-3 Q-4 Q-5" {
			t.Errorf("%s: %s", q, ids(all))
		}
	}
}

// TestVillages_StreamsBounded: a whole list is written while the store reads it, holding a
// database connection until the client has read it all, so only MaxVillageStreams are written
// at once: with every place held (slow clients reading nothing), another whole list is 503
// too-many-lists with Retry-After at once — it does not wait for, or take, a connection that
// uploads and other reads need — while a page, read before it is written, is still answered;
// once the places are free the whole list is answered again.
func TestVillages_StreamsBounded(t *testing.T) {
	srv, api := newGridAPI(t)
	release := httpapi.HoldVillageStreams(api)
	resp, err := http.Get(srv.URL + "/api/v1/villages")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(body), "urn:covmon:problem:too-many-lists") || !strings.Contains(string(body), "limit=") {
		t.Fatalf("whole list with every place held: %d Retry-After %q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	var pg fcDoc
	if r := getDoc(t, srv.URL+"/api/v1/villages?limit=3", &pg); r.StatusCode != 200 || len(pg.Features) != 3 {
		t.Fatalf("a page with every place held: %d, %d features", r.StatusCode, len(pg.Features))
	}
	release()
	var all fcDoc
	if r := getDoc(t, srv.URL+"/api/v1/villages", &all); r.StatusCode != 200 || len(all.Features) != 10 {
		t.Fatalf("whole list once released: %d, %d features", r.StatusCode, len(all.Features))
	}
}
