package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
)

// rfc3339 matches a string that is an RFC 3339 date-time (not a bare date).
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// TestAPI_TimesInVietnamTime: every date-time any JSON document of the API carries (as_of,
// deadline, received_at, observed_at, last_observed_at, found_at, the OGC timeStamp …) is
// printed with +07:00, though the server's clock here says UTC and the store keeps UTC. One
// rule, docs/api.md: before, the summary's as_of was the only UTC time among +07:00 deadlines.
func TestAPI_TimesInVietnamTime(t *testing.T) {
	s := newSecServer(t, nil)
	tok := s.token(t, geo.RoleMinistry, "")
	carrier := s.token(t, geo.RoleCarrier, "viettel")
	if code, p := post(t, s.URL+"/api/v1/uploads", carrier, strings.NewReader(obs("2025-01-01"))); code != 201 {
		t.Fatalf("upload: %d %v", code, p)
	}
	seen := map[string]int{}
	for _, path := range []string{
		"/api/v1/summary",
		"/api/v1/summary?as_of=2025-06-01T00:00:00Z",
		"/api/v1/villages",
		"/api/v1/villages?f=json",
		"/api/v1/villages/T-1",
		"/api/v1/villages/T-1?as_of=2025-06-01T00:00:00Z",
		"/api/v1/uploads",
		"/api/v1/uploads/2",
		"/api/v1/worklist?carrier=viettel",
		"/api/v1/burndown",
		"/api/v1/programs",
		"/ogc/collections/villages/items",
		"/ogc/collections/villages/items/T-1",
		"/ogc/collections/villages/items?datetime=2025-06-01T00:00:00Z",
	} {
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %v", path, resp.StatusCode, err)
			continue
		}
		walkTimes(doc, "", func(at, v string) {
			seen[at[strings.LastIndex(at, ".")+1:]]++
			if !strings.HasSuffix(v, "+07:00") {
				t.Errorf("GET %s: %s = %q, want +07:00", path, at, v)
			}
		})
	}
	for _, name := range []string{"as_of", "deadline", "received_at", "observed_at", "last_observed_at", "timeStamp"} {
		if seen[name] == 0 {
			t.Errorf("no %s seen: the test checks less than it says (%v)", name, seen)
		}
	}
}

// walkTimes calls f for every string in doc that is an RFC 3339 date-time, with its path.
func walkTimes(doc any, at string, f func(at, v string)) {
	switch d := doc.(type) {
	case map[string]any:
		for k, v := range d {
			walkTimes(v, at+"."+k, f)
		}
	case []any:
		for _, v := range d {
			walkTimes(v, at+"[]", f)
		}
	case string:
		if rfc3339.MatchString(d) {
			f(at, d)
		}
	}
}
