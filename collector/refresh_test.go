package collector_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// owedRunner returns a Runner over a registry of n villages, its snapshot computed whole at
// the fake clock's start, with minFull between whole computations owed to uploads.
func owedRunner(t *testing.T, n int, minFull time.Duration) (*collector.Runner, *clockwork.FakeClock) {
	t.Helper()
	ctx := context.Background()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 1, 10, 8, 0, 0, 0, geo.Vietnam))
	db, prog := openProgramDB(t)
	in := &collector.Ingester{Store: db, Now: clock.Now}
	if u, err := in.Ingest(ctx, collector.File{Name: "villages", Kind: geo.KindVillages, Source: "cli"}, strings.NewReader(registry(n))); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry: %v %+v", err, u)
	}
	r := &collector.Runner{Ingester: in, Store: db, Programs: []geo.Program{prog}, Policy: geo.DefaultPolicy(), Clock: clock, MinFullRefresh: minFull}
	t.Cleanup(func() { r.Shutdown() }) // before the database closes
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	return r, clock
}

// TestRunner_OwedWholeRefreshBounded pins the bound on the whole computations that uploads
// dated after the snapshot's instant force (issue 16): a carrier sending a file dated "now"
// every few minutes costs at most one whole computation per MinFullRefresh (counted, not
// timed), the one owed is not starved by the stream (the figures are never older than the
// interval plus one upload's gap), the snapshot says that it owes one while it does, and the
// owed computation counts every upload.
func TestRunner_OwedWholeRefreshBounded(t *testing.T) {
	const (
		n        = 30
		uploads  = 12
		interval = 10 * time.Minute
		gap      = 4 * time.Minute
	)
	ctx := context.Background()
	r, clock := owedRunner(t, n, interval)
	start := clock.Now()
	if got := r.WholeRefreshes(); got != 1 {
		t.Fatalf("whole computations at the start = %d, want 1", got)
	}
	for i := range uploads {
		clock.Advance(gap)
		at := clock.Now().Add(-time.Second) // observed just now: after the snapshot's instant
		u, err := r.Ingest(ctx, collector.File{Name: at.Format(time.RFC3339), Kind: geo.KindObservations, Carrier: "viettel", Source: "api"},
			strings.NewReader(observations(at.Format(time.RFC3339), true, i)))
		if err != nil || u.Result != geo.ResultAccepted {
			t.Fatalf("upload %d: %v %+v", i, err, u)
		}
		if err := r.WaitHandled(ctx); err != nil {
			t.Fatal(err)
		}
		s := r.Snapshot()
		if age := clock.Now().Sub(s.AsOf); age > interval+gap {
			t.Errorf("upload %d: the figures are as of %v, %v before now: starved (the bound is %v)", i, s.AsOf, age, interval+gap)
		}
		since, due, pending := r.RefreshPending()
		counted := s.Programs[0].Summary.National.Covered
		switch {
		case pending && (!s.PendingSince.Equal(since) || !s.PendingDue.Equal(due)):
			t.Errorf("upload %d: a whole computation owed since %v, due %v, but the snapshot says %v, %v", i, since, due, s.PendingSince, s.PendingDue)
		case pending && (due.After(clock.Now().Add(interval)) || counted == i+1):
			t.Errorf("upload %d: owed, due %v (now %v), %d villages covered", i, due, clock.Now(), counted)
		case !pending && (!s.PendingSince.IsZero() || !s.AsOf.Equal(clock.Now()) || counted != i+1):
			t.Errorf("upload %d: nothing owed, yet the snapshot (as of %v, pending since %v) covers %d villages, want %d as of now",
				i, s.AsOf, s.PendingSince, counted, i+1)
		}
	}
	elapsed := clock.Now().Sub(start)
	limit := uint64((elapsed+interval-1)/interval) + 1
	if got := r.WholeRefreshes() - 1; got > limit || got < uint64(elapsed/(interval+gap)) {
		t.Errorf("%d uploads over %v dated after the instant: %d whole computations, want at most %d (and at least %d)",
			uploads, elapsed, got, limit, elapsed/(interval+gap))
	}
	// The one still owed runs when the interval is over, without another upload.
	if _, _, pending := r.RefreshPending(); pending {
		clock.Advance(interval)
	}
	if err := r.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
	s := r.Snapshot()
	if got := s.Programs[0].Summary.National.Covered; got != uploads || !s.PendingSince.IsZero() {
		t.Errorf("after the owed computation: %d villages covered (want %d), pending since %v", got, uploads, s.PendingSince)
	}
	if _, _, pending := r.RefreshPending(); pending {
		t.Error("still pending after the owed computation")
	}
}

// TestRunner_OwedRefreshExactMeanwhile pins what is shown while a whole computation is owed:
// an upload mixing a report dated before the snapshot's instant with one dated after counts
// the first at once (the figures stay exactly a whole evaluation at the instant) and the
// second after the owed computation.
func TestRunner_OwedRefreshExactMeanwhile(t *testing.T) {
	ctx := context.Background()
	r, clock := owedRunner(t, 10, time.Hour)
	asOf := r.Snapshot().AsOf
	clock.Advance(time.Minute)
	before := asOf.Add(-24 * time.Hour).Format(time.RFC3339)
	after := clock.Now().Format(time.RFC3339)
	body := strings.Replace(observations(before, true, 1), `]}`, ","+strings.TrimSuffix(strings.TrimPrefix(observations(after, true, 2), `{"type":"FeatureCollection","features":[`), `]}`)+`]}`, 1)
	evaluated := r.VillagesEvaluated()
	if u, err := r.Ingest(ctx, collector.File{Name: "mixed", Kind: geo.KindObservations, Carrier: "viettel", Source: "api"}, strings.NewReader(body)); err != nil || u.Result != geo.ResultAccepted || u.Inserted != 2 {
		t.Fatalf("upload: %v %+v", err, u)
	}
	if err := r.WaitHandled(ctx); err != nil {
		t.Fatal(err)
	}
	s := r.Snapshot()
	if got := r.VillagesEvaluated() - evaluated; got != 2 {
		t.Errorf("%d villages evaluated, want the 2 touched", got)
	}
	want, err := collector.BuildSnapshot(ctx, r.Store, r.Programs, &r.Policy, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if got, w := s.Programs[0].Summary.National, want.Programs[0].Summary.National; !s.AsOf.Equal(asOf) || got.Covered != 1 || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", w) {
		t.Errorf("while owed: as of %v, %+v; want as of %v, 1 covered, as a whole evaluation then: %+v", s.AsOf, got, asOf, w)
	}
	if s.PendingSince.IsZero() || !s.PendingDue.Equal(asOf.Add(time.Hour)) {
		t.Errorf("the snapshot says pending since %v, due %v; want since the upload, due %v", s.PendingSince, s.PendingDue, asOf.Add(time.Hour))
	}
	clock.Advance(time.Hour)
	if err := r.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
	if s := r.Snapshot(); s.Programs[0].Summary.National.Covered != 2 || !s.PendingSince.IsZero() {
		t.Errorf("after the owed computation: %d covered (want 2), pending since %v", s.Programs[0].Summary.National.Covered, s.PendingSince)
	}
}

// TestRunner_ShutdownWhileOwed pins that Shutdown does not wait for an owed whole computation's
// interval, and that whoever waits for the refresh is released.
func TestRunner_ShutdownWhileOwed(t *testing.T) {
	ctx := context.Background()
	r, clock := owedRunner(t, 5, 24*time.Hour)
	clock.Advance(time.Minute)
	at := clock.Now().Format(time.RFC3339)
	if u, err := r.Ingest(ctx, collector.File{Name: "now", Kind: geo.KindObservations, Carrier: "viettel", Source: "api"}, strings.NewReader(observations(at, true, 0))); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("upload: %v %+v", err, u)
	}
	if err := r.WaitHandled(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, pending := r.RefreshPending(); !pending {
		t.Fatal("no whole computation owed")
	}
	waited := make(chan error, 1)
	go func() { waited <- r.WaitRefreshed(ctx) }()
	done := make(chan error, 1)
	go func() { done <- r.Shutdown() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	case <-time.After(30 * time.Second): // a failure bound, not a synchronisation
		t.Fatal("Shutdown still waiting 30 s later (the owed computation is due in 24 h)")
	}
	if err := <-waited; err != nil {
		t.Errorf("WaitRefreshed: %v", err)
	}
	if got := r.WholeRefreshes(); got != 1 {
		t.Errorf("%d whole computations, want only the first", got)
	}
}

// failingSince is the SQLite store whose next ObservationsSince fails when armed.
type failingSince struct {
	*sqlite.DB
	fail atomic.Bool
}

func (s *failingSince) ObservationsSince(ctx context.Context, mark int64, limit int) ([]string, int64, time.Time, bool, error) {
	if s.fail.CompareAndSwap(true, false) {
		return nil, 0, time.Time{}, false, errors.New("injected failure")
	}
	return s.DB.ObservationsSince(ctx, mark, limit)
}

// TestRunner_FailedRefreshOwesWhole pins what a refresh after an upload that fails leaves:
// the figures, which do not count the upload, say that a whole computation is owed (they
// said nothing, and WaitRefreshed returned as if the upload were counted, until the scheduled
// refresh), and the owed computation counts it when the interval is over, without another
// upload.
func TestRunner_FailedRefreshOwesWhole(t *testing.T) {
	ctx := context.Background()
	r, clock := owedRunner(t, 5, time.Hour)
	store := &failingSince{DB: r.Store.(*sqlite.DB)}
	r.Store = store
	clock.Advance(time.Minute)
	asOf := r.Snapshot().AsOf
	store.fail.Store(true)
	day := asOf.Add(-24 * time.Hour).Format(time.RFC3339) // before the snapshot's instant
	if u, err := r.Ingest(ctx, collector.File{Name: "o", Kind: geo.KindObservations, Carrier: "viettel", Source: "api"}, strings.NewReader(observations(day, true, 0))); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("upload: %v %+v", err, u)
	}
	if err := r.WaitHandled(ctx); err != nil {
		t.Fatal(err)
	}
	if store.fail.Load() {
		t.Fatal("the refresh did not read what was stored since")
	}
	s := r.Snapshot()
	_, _, pending := r.RefreshPending()
	if got := s.Programs[0].Summary.National.Covered; got != 0 || !pending || s.PendingSince.IsZero() {
		t.Errorf("after a failed refresh: %d covered, pending %v, the snapshot pending since %v; want 0 covered and a whole computation owed, said so",
			got, pending, s.PendingSince)
	}
	clock.Advance(time.Hour)
	if err := r.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
	if s := r.Snapshot(); s.Programs[0].Summary.National.Covered != 1 || !s.PendingSince.IsZero() {
		t.Errorf("after the owed computation: %d covered (want 1), pending since %v", s.Programs[0].Summary.National.Covered, s.PendingSince)
	}
}
