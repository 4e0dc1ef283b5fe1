package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/collector/postgres/pgtest"
	"github.com/covmon/covmon/collector/storetest"
)

// TestElector: of two instances one leads; when it stops, the other takes over at its next
// IsLeader; elections of different names are independent.
func TestElector(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	a, b := postgres.NewElector(url, "jobs"), postgres.NewElector(url, "jobs")
	defer a.Close()
	defer b.Close()
	if err := a.IsLeader(ctx); err != nil {
		t.Fatalf("a: %v, want the lead (free)", err)
	}
	for range 3 {
		if err := a.IsLeader(ctx); err != nil {
			t.Fatalf("a again: %v", err)
		}
		if err := b.IsLeader(ctx); !errors.Is(err, postgres.ErrNotLeader) {
			t.Fatalf("b: %v, want ErrNotLeader", err)
		}
	}
	other := postgres.NewElector(url, "something else")
	defer other.Close()
	if err := other.IsLeader(ctx); err != nil {
		t.Fatalf("another election: %v, want its own lead", err)
	}
	a.Close() // the leader stops (or dies: its session ends either way)
	if err := b.IsLeader(ctx); err != nil {
		t.Fatalf("b after a stopped: %v, want the lead", err)
	}
	if err := a.IsLeader(ctx); !errors.Is(err, postgres.ErrNotLeader) {
		t.Fatalf("a back: %v, want ErrNotLeader (b leads now)", err)
	}
}

// TestDueDeliveries_Claimed: two instances draining one receiver at the same moment never get
// the same outbox row (and, since a receiver gets its rows in order, the rows behind claimed
// ones wait); a claimed row that is not settled (its instance died) is due again after the
// lease.
func TestDueDeliveries_Claimed(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	db1, db2 := mustOpen(t, url), mustOpen(t, url)
	now := storetest.Now
	var firing []alerts.Alert
	for _, c := range []string{"viettel", "mobifone", "vinaphone", "vietnamobile"} {
		l := map[string]string{"alertname": "CovmonStaleData", "carrier": c}
		firing = append(firing, alerts.Alert{Key: alerts.MakeKey(alerts.KindStaleData, l), Kind: alerts.KindStaleData, Labels: l, Annotations: map[string]string{}})
	}
	if _, err := db1.ApplyEvaluation(ctx, now, firing, []string{"am"}); err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for _, db := range []*postgres.DB{db1, db2, db1, db2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			due, err := db.DueDeliveries(ctx, "am", now, 2)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, d := range due {
				seen[d.ID]++
			}
		}()
	}
	wg.Wait()
	if len(seen) == 0 {
		t.Fatal("no instance got a row")
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("row %d handed out %d times", id, n)
		}
	}
	if due, err := db2.DueDeliveries(ctx, "am", now.Add(time.Minute), 10); err != nil || len(due) != 0 {
		t.Fatalf("while claimed: %d rows (%v), want none", len(due), err)
	}
	due, err := db2.DueDeliveries(ctx, "am", now.Add(postgres.ClaimLease), 10)
	if err != nil || len(due) != len(firing) {
		t.Fatalf("after the lease: %d rows (%v), want all %d (the claimed ones were never settled)", len(due), err, len(firing))
	}
}
