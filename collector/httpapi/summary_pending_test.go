package httpapi_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/geo"
)

// TestServer_SummarySaysPending: the summary of now is the snapshot's, whose figures describe
// as_of; it says when they were last updated (computed_at) and, while a whole computation is
// owed to uploads they do not count, since when and by when it runs (pending). Before, only
// /metrics said so: a reader of the API saw as_of alone and could not tell that a report it
// had just sent was waiting.
func TestServer_SummarySaysPending(t *testing.T) {
	asOf := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	snap := &geo.Snapshot{AsOf: asOf, ComputedAt: asOf.Add(90 * time.Second),
		PendingSince: asOf.Add(2 * time.Minute), PendingDue: asOf.Add(3 * time.Minute),
		Programs: []geo.ProgramState{{Program: geo.DefaultProgram(), Summary: geo.Summary{AsOf: asOf}}}}
	var current atomic.Pointer[geo.Snapshot]
	current.Store(snap)
	srv, _ := newServer(t, func(s *httpapi.Server) { s.Snapshot = current.Load })
	p := getJSON(t, srv.URL+"/api/v1/summary", "")
	pending, _ := p["pending"].(map[string]any)
	if p["as_of"] != "2026-11-30T17:00:00+07:00" || p["computed_at"] != "2026-11-30T17:01:30+07:00" ||
		pending["since"] != "2026-11-30T17:02:00+07:00" || pending["due"] != "2026-11-30T17:03:00+07:00" {
		t.Errorf("summary while owed: as_of %v, computed_at %v, pending %v", p["as_of"], p["computed_at"], p["pending"])
	}
	paid := *snap
	paid.PendingSince, paid.PendingDue = time.Time{}, time.Time{}
	current.Store(&paid)
	if p := getJSON(t, srv.URL+"/api/v1/summary", ""); p["pending"] != nil || p["computed_at"] == nil {
		t.Errorf("summary with nothing owed: pending %v, computed_at %v", p["pending"], p["computed_at"])
	}
	if p := getJSON(t, srv.URL+"/api/v1/summary?as_of=2025-01-01", ""); p["pending"] != nil || p["computed_at"] != nil {
		t.Errorf("summary as of a date: pending %v, computed_at %v; want neither", p["pending"], p["computed_at"])
	}
}
