package collector

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunner_JobErrorsLoggedOnce pins that a feed or drop-folder failure is logged once: where
// the loop carries on, not again by the job wrapper, while the job still reports the failure.
func TestRunner_JobErrorsLoggedOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	var logb bytes.Buffer
	r := &Runner{Logger: slog.New(slog.NewTextHandler(&logb, nil)), Ingester: &Ingester{},
		Feeds: []Feed{{Name: "viettel-feed", URL: srv.URL + "/obs.geojson", Carrier: "viettel"}}}

	err := r.job("feeds", r.PullFeeds)(context.Background())
	if err == nil || !strings.Contains(err.Error(), "viettel-feed") {
		t.Fatalf("PullFeeds = %v, want the feed's failure (HTTP 502, or refused: loopback)", err)
	}
	if got := strings.Count(logb.String(), "\n"); got != 1 {
		t.Errorf("the feed failure is logged %d times, want once:\n%s", got, logb.String())
	}

	// A job's own failure, logged nowhere else, is logged by the wrapper, once.
	logb.Reset()
	notDir := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r.Inbox = Inbox{Dir: notDir}
	err = r.job("inbox", r.ScanInbox)(context.Background())
	if err == nil {
		t.Fatal("ScanInbox of a file succeeded")
	}
	if got := strings.Count(logb.String(), "\n"); got != 1 {
		t.Errorf("the inbox failure is logged %d times, want once:\n%s", got, logb.String())
	}
}
