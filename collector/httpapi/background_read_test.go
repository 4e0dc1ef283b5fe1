package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

// A page of villages is read while the background jobs' long reads hold every connection of
// their pool (at 1M villages a whole computation of the snapshot, the backfill and the alert
// evaluation's history walk each hold one for minutes, and a page waited seconds behind
// them): the store serves a context marked by collector.Background from connections of its
// own. More background reads are started than both pools hold: in one shared pool they would
// take every connection and the page would wait for as long as they are held.
func TestVillagesPage_WhileBackgroundReadsHoldTheirPool(t *testing.T) {
	srv, _, db := newServerDB(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bg := collector.Background(ctx)
	n := db.ReadConns + db.BackgroundConns
	release := make(chan struct{})
	entered := make(chan struct{}, n)
	done := make(chan error, n)
	for range n {
		go func() {
			done <- db.EachVillageHistory(bg, geo.VillageFilter{}, func(*geo.Village, []geo.Observation) error {
				entered <- struct{}{}
				<-release
				return nil
			})
		}()
	}
	for range db.BackgroundConns {
		<-entered // each holds a connection of the background pool, inside its read
	}

	// Not timed: were the page to wait for a held connection, it would wait until the client
	// gives up (a minute, far beyond any slow machine's page).
	client := &http.Client{Timeout: time.Minute}
	resp, err := client.Get(srv.URL + "/api/v1/villages?limit=100")
	if err != nil {
		t.Fatalf("page of villages while the background reads hold their pool: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("page of villages: %d", resp.StatusCode)
	}
	if len(entered) != 0 {
		t.Errorf("%d background reads at once, want at most BackgroundConns (%d)", db.BackgroundConns+len(entered), db.BackgroundConns)
	}
	close(release)
	for range n {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
