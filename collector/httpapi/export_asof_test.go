package httpapi_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/geo"
)

// TestServer_ExportSaysItsInstant: the village list and its CSV export are evaluated from the
// store when asked, at their as_of, so they count every stored upload and never wait for an
// owed computation; the CSV, which has no member for it, says that instant in X-Covmon-As-Of
// (to the second, as the GeoJSON's as_of), whatever the snapshot behind the summary owes.
func TestServer_ExportSaysItsInstant(t *testing.T) {
	asOf := time.Date(2025, 12, 31, 10, 0, 0, 0, time.UTC)
	snap := &geo.Snapshot{AsOf: asOf, ComputedAt: asOf, PendingSince: asOf.Add(time.Minute), PendingDue: asOf.Add(time.Hour),
		Programs: []geo.ProgramState{{Program: geo.DefaultProgram(), Summary: geo.Summary{AsOf: asOf}}}}
	var current atomic.Pointer[geo.Snapshot]
	current.Store(snap)
	srv, tok := newServer(t, func(s *httpapi.Server) { s.Snapshot = current.Load })
	for _, q := range []string{"", "&as_of=2025-06-01"} {
		fc := getJSON(t, srv.URL+"/api/v1/villages?limit=1"+q, tok)
		want, _ := fc["as_of"].(string)
		if want == "" || fc["pending"] != nil {
			t.Fatalf("villages%s: as_of %v, pending %v", q, fc["as_of"], fc["pending"])
		}
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/villages?f=csv"+q, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Covmon-As-Of"); resp.StatusCode != 200 || got != want {
			t.Errorf("villages?f=csv%s: %d, X-Covmon-As-Of %q, want the list's as_of %q", q, resp.StatusCode, got, want)
		}
		if at, err := time.Parse(time.RFC3339, want); err != nil || (q == "" && !at.After(asOf)) {
			t.Errorf("villages%s: as_of %s (%v), want the request's instant, after the snapshot's %s", q, want, err, asOf)
		}
	}
}
