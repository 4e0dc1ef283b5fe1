package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/covmon/covmon/alerts"
)

func testAlert(kind, carrier string, start time.Time) alerts.Alert {
	l := map[string]string{"alertname": alerts.AlertName(kind), "carrier": carrier, "source": "covmon"}
	return alerts.Alert{Key: alerts.MakeKey(kind, l), Kind: kind, Labels: l,
		Annotations: map[string]string{"summary": "s " + carrier}, StartsAt: start}
}

func statuses(trs []alerts.Transition) []string {
	var out []string
	for _, t := range trs {
		out = append(out, t.Status+" "+t.Alert.Key)
	}
	return out
}

func mustApply(tb testing.TB, db Store, at time.Time, firing []alerts.Alert, receivers ...string) []alerts.Transition {
	tb.Helper()
	trs, err := db.ApplyEvaluation(context.Background(), at, firing, receivers)
	if err != nil {
		tb.Fatal(err)
	}
	return trs
}

func contractApplyEvaluation(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	t0 := now
	a := testAlert(alerts.KindStaleData, "viettel", t0.Add(-time.Hour))
	b := testAlert(alerts.KindStaleData, "mobifone", time.Time{})

	t.Run("NewFire", func(t *testing.T) {
		trs := mustApply(t, db, t0, []alerts.Alert{a, b}, "am", "hook")
		if got, want := statuses(trs), []string{"firing stale_data/viettel", "firing stale_data/mobifone"}; !slices.Equal(got, want) {
			t.Fatalf("transitions %q, want %q", got, want)
		}
		if !trs[0].Alert.StartsAt.Equal(a.StartsAt) || !trs[1].Alert.StartsAt.Equal(t0) {
			t.Fatalf("StartsAt %v, %v: want the alert's own start and now", trs[0].Alert.StartsAt, trs[1].Alert.StartsAt)
		}
		if got, want := h.QueryInt(t, db, `SELECT count(*) FROM alert_outbox WHERE sent_at IS NULL`), 4; got != want {
			t.Fatalf("outbox rows=%d, want %d", got, want)
		}
	})
	t.Run("SameAgainQueuesNothing", func(t *testing.T) {
		a2 := a.Clone()
		a2.Annotations["summary"] = "changed"
		if trs := mustApply(t, db, t0.Add(time.Minute), []alerts.Alert{a2, b}, "am", "hook"); len(trs) != 0 {
			t.Fatalf("transitions %q, want none", statuses(trs))
		}
		act, err := db.ActiveAlerts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(act) != 2 || act[1].Annotations["summary"] != "changed" || !act[1].StartsAt.Equal(a.StartsAt) {
			t.Fatalf("active %+v: want both, annotations updated, start kept", act)
		}
		// Each says when the evaluation that last found it firing ran (covmon alerts prints it).
		for _, x := range act {
			if !x.EvaluatedAt.Equal(t0.Add(time.Minute)) {
				t.Errorf("%s: EvaluatedAt %v, want the last evaluation %v", x.Key, x.EvaluatedAt, t0.Add(time.Minute))
			}
		}
	})
	t.Run("MissingResolves", func(t *testing.T) {
		t2 := t0.Add(2 * time.Minute)
		trs := mustApply(t, db, t2, []alerts.Alert{a}, "am", "hook")
		if got, want := statuses(trs), []string{"resolved stale_data/mobifone"}; !slices.Equal(got, want) {
			t.Fatalf("transitions %q, want %q", got, want)
		}
		if !trs[0].Alert.EndsAt.Equal(t2) {
			t.Fatalf("EndsAt=%v, want %v", trs[0].Alert.EndsAt, t2)
		}
		pend, err := db.PendingDeliveries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pend["am"] != 3 || pend["hook"] != 3 {
			t.Fatalf("pending %v, want 3 per receiver", pend)
		}
	})
	t.Run("RefireStartsAfterPreviousEnd", func(t *testing.T) {
		t3 := t0.Add(3 * time.Minute)
		old := b.Clone()
		old.StartsAt = t0.Add(-24 * time.Hour) // a natural start before the last episode ended
		trs := mustApply(t, db, t3, []alerts.Alert{a, old}, "am")
		if len(trs) != 1 || !trs[0].Alert.StartsAt.Equal(t3) {
			t.Fatalf("transitions %+v: want mobifone firing again from %v", trs, t3)
		}
	})
}

// contractApplyEvaluation_Superseded pins the upgrade from per-village regression alerts (an
// older version's keys, regression/PROGRAM/VILLAGE) to the grouped ones: each old alert
// resolves once; a receiver that had heard its firing hears the resolution, one whose firing
// row was still undelivered has that row withdrawn and hears nothing of it; the grouped alert
// fires for every receiver; nothing is queued again on the next evaluation.
func contractApplyEvaluation_Superseded(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	old := func(village string) alerts.Alert {
		l := map[string]string{"alertname": alerts.AlertName(alerts.KindRegression), "source": "covmon",
			"program": "vls-2024", "village_id": village, "province_code": "14"}
		return alerts.Alert{Key: "regression/vls-2024/" + village, Kind: alerts.KindRegression, Labels: l,
			Annotations: map[string]string{"summary": "Village " + village + " had signal before"}}
	}
	a, b := old("V1"), old("V2")
	if !alerts.Superseded(a) {
		t.Fatalf("%s: not superseded", a.Key)
	}
	mustApply(t, db, now, []alerts.Alert{a, b}, "am", "log")
	// "am" heard both firings, "log" only V1's (V2's row still undelivered).
	for r, n := range map[string]int{"am": 2, "log": 1} {
		due, err := db.DueDeliveries(ctx, r, now, n)
		if err != nil || len(due) != n {
			t.Fatalf("due for %s: %d rows %v", r, len(due), err)
		}
		ids := make([]int64, n)
		for i, d := range due {
			ids[i] = d.ID
		}
		if err := db.MarkSent(ctx, ids, now); err != nil {
			t.Fatal(err)
		}
	}
	l := map[string]string{"alertname": alerts.AlertName(alerts.KindRegression), "source": "covmon",
		"program": "vls-2024", "province_code": "14", "province": "P14", "carrier": "viettel"}
	grouped := alerts.Alert{Key: alerts.MakeKey(alerts.KindRegression, l), Kind: alerts.KindRegression, Labels: l,
		Annotations: map[string]string{"summary": "2 village(s) in P14 had signal before", "village_count": "2"}}
	if alerts.Superseded(grouped) {
		t.Fatalf("%s: superseded", grouped.Key)
	}
	t1 := now.Add(time.Minute)
	trs := mustApply(t, db, t1, []alerts.Alert{grouped}, "am", "log")
	want := []string{"firing " + grouped.Key, "resolved " + a.Key, "resolved " + b.Key}
	if got := statuses(trs); !slices.Equal(got, want) {
		t.Fatalf("transitions %q, want %q", got, want)
	}
	heard := func(r string) []string {
		due, err := db.DueDeliveries(ctx, r, t1, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range due {
			out = append(out, d.Status+" "+d.Alert.Key)
		}
		return out
	}
	if got, want := heard("am"), []string{"firing " + grouped.Key, "resolved " + a.Key, "resolved " + b.Key}; !slices.Equal(got, want) {
		t.Errorf("am is sent %q, want %q", got, want)
	}
	if got, want := heard("log"), []string{"firing " + grouped.Key, "resolved " + a.Key}; !slices.Equal(got, want) {
		t.Errorf("log is sent %q, want %q (V2's firing withdrawn, its end not sent)", got, want)
	}
	if pend, _ := db.PendingDeliveries(ctx); pend["am"] != 3 || pend["log"] != 2 {
		t.Errorf("pending %v, want am 3, log 2", pend)
	}
	act, err := db.ActiveAlerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(act) != 1 || act[0].Key != grouped.Key {
		t.Errorf("active %v, want only the grouped alert", act)
	}
	if trs := mustApply(t, db, t1.Add(time.Minute), []alerts.Alert{grouped}, "am", "log"); len(trs) != 0 {
		t.Errorf("next evaluation: transitions %q, want none", statuses(trs))
	}
}

func contractDueDeliveries_Order(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	mustApply(t, db, now, []alerts.Alert{testAlert(alerts.KindStaleData, "viettel", time.Time{})}, "hook")
	mustApply(t, db, now.Add(time.Minute), nil, "hook")

	due, err := db.DueDeliveries(ctx, "hook", now.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].Status != alerts.Firing || due[1].Status != alerts.Resolved || due[1].Alert.EndsAt.IsZero() {
		t.Fatalf("due %+v: want firing then resolved", due)
	}
	// The firing row fails: the resolved row behind it waits too.
	if err := db.MarkFailed(ctx, []int64{due[0].ID}, now.Add(time.Hour), "connection refused"); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.DueDeliveries(ctx, "hook", now.Add(2*time.Minute), 10); len(due) != 0 {
		t.Fatalf("due %+v, want none before the retry", due)
	}
	due, err = db.DueDeliveries(ctx, "hook", now.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].Attempts != 1 {
		t.Fatalf("due %+v: want both, the first with 1 attempt", due)
	}
	if err := db.MarkSent(ctx, []int64{due[0].ID, due[1].ID}, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if pend, _ := db.PendingDeliveries(ctx); pend["hook"] != 0 {
		t.Fatalf("pending %v, want 0", pend)
	}
}

// notifier is a fake alerts.Notifier.
type notifier struct {
	name       string
	NotifyFunc func(ctx context.Context, as []alerts.Alert) error
}

func (n *notifier) Name() string { return n.name }
func (n *notifier) Notify(ctx context.Context, as []alerts.Alert) error {
	return n.NotifyFunc(ctx, as)
}

// recorder collects what a fake receiver accepted.
type recorder struct {
	mu   sync.Mutex
	seen []string
	fail int // fail this many calls first
}

func (r *recorder) notify(_ context.Context, as []alerts.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("503 service unavailable")
	}
	for _, a := range as {
		r.seen = append(r.seen, a.Status()+" "+a.Key)
	}
	return nil
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func contractEngine_RetryWithBackoff(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	clock := clockwork.NewFakeClockAt(now)
	rec := &recorder{fail: 2}
	reg := prometheus.NewRegistry()
	e, err := alerts.NewEngine(db, []alerts.Notifier{&notifier{"hook", rec.notify}}, reg)
	if err != nil {
		t.Fatal(err)
	}
	e.Clock = clock
	n := e.Notifiers[0]
	if _, err := e.Apply(ctx, alerts.Result{Alerts: []alerts.Alert{testAlert(alerts.KindStaleData, "viettel", time.Time{})}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Drain(ctx, n); err == nil {
		t.Fatal("Drain: want the receiver's error")
	}
	// Backoff 5s after the first failure: nothing is due at 4s.
	clock.Advance(4 * time.Second)
	if err := e.Drain(ctx, n); err != nil {
		t.Fatalf("Drain before the retry: %v", err)
	}
	clock.Advance(time.Second)
	if err := e.Drain(ctx, n); err == nil {
		t.Fatal("second Drain: want the receiver's error")
	}
	clock.Advance(10 * time.Second) // 5s·2
	if err := e.Drain(ctx, n); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.got(), []string{"firing stale_data/viettel"}; !slices.Equal(got, want) {
		t.Fatalf("received %q, want %q", got, want)
	}
	if got := testutil.ToFloat64(mustVec(t, reg, "covmon_alert_deliveries_total", "hook", "failure")); got != 2 {
		t.Errorf("failures=%v, want 2", got)
	}
	if got := testutil.ToFloat64(mustVec(t, reg, "covmon_alert_deliveries_total", "hook", "success")); got != 1 {
		t.Errorf("successes=%v, want 1", got)
	}
	if got := testutil.ToFloat64(mustVec(t, reg, "covmon_alert_outbox_pending", "hook")); got != 0 {
		t.Errorf("pending=%v, want 0", got)
	}
}

// mustVec finds one gathered series by name and label values (in label-name order).
func mustVec(t *testing.T, reg *prometheus.Registry, name string, values ...string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var vs []string
			for _, l := range m.GetLabel() {
				vs = append(vs, l.GetValue())
			}
			if slices.Equal(vs, values) {
				v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
				g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x", Help: "x"})
				g.Set(v)
				return g
			}
		}
	}
	t.Fatalf("no series %s%q", name, values)
	return nil
}

func contractEngine_RestartNeitherLosesNorRepeats(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	rec := &recorder{}
	firing := []alerts.Alert{testAlert(alerts.KindStaleData, "viettel", time.Time{})}
	open := func() (Store, *alerts.Engine) {
		d := h.Reopen(t, db)
		e, err := alerts.NewEngine(d, []alerts.Notifier{&notifier{"hook", rec.notify}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.Clock = clockwork.NewFakeClockAt(now)
		return d, e
	}
	// Evaluate, then "crash" before delivering.
	d1, e1 := open()
	if _, err := e1.Apply(ctx, alerts.Result{Alerts: firing}); err != nil {
		t.Fatal(err)
	}
	d1.Close()
	// Restart: the queued row is delivered once; the same evaluation queues nothing new.
	d2, e2 := open()
	defer d2.Close()
	if trs, err := e2.Apply(ctx, alerts.Result{Alerts: firing}); err != nil || len(trs) != 0 {
		t.Fatalf("Apply after restart: %v transitions, err %v; want none", trs, err)
	}
	for range 2 {
		if err := e2.Drain(ctx, e2.Notifiers[0]); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := rec.got(), []string{"firing stale_data/viettel"}; !slices.Equal(got, want) {
		t.Fatalf("received %q, want %q", got, want)
	}
}

func contractEngine_DeadReceiverDoesNotBlock(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	live := make(chan string, 10)
	hanging := make(chan struct{}, 10)
	release := make(chan struct{})
	dead := &notifier{"dead", func(ctx context.Context, _ []alerts.Alert) error {
		hanging <- struct{}{}
		select { // hangs until the test is done with it
		case <-release:
		case <-ctx.Done():
		}
		return errors.New("dead receiver")
	}}
	hook := &notifier{"hook", func(_ context.Context, as []alerts.Alert) error {
		for _, a := range as {
			live <- a.Status() + " " + a.Key
		}
		return nil
	}}
	e, err := alerts.NewEngine(db, []alerts.Notifier{dead, hook}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.SendTimeout = time.Hour // the dead receiver hangs for as long as the test wants
	e.Start(ctx)
	defer e.Close()
	defer close(release)
	if _, err := e.Apply(ctx, alerts.Result{Alerts: []alerts.Alert{testAlert(alerts.KindStaleData, "viettel", time.Time{})}}); err != nil {
		t.Fatal(err)
	}
	<-hanging
	// While the dead receiver hangs, evaluations still apply (Apply would block here
	// otherwise) and the live receiver gets both alerts.
	both := []alerts.Alert{testAlert(alerts.KindStaleData, "viettel", time.Time{}), testAlert(alerts.KindStaleData, "mobifone", time.Time{})}
	if _, err := e.Apply(ctx, alerts.Result{Alerts: both}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 2 {
		select {
		case k := <-live:
			got = append(got, k)
		case <-time.After(time.Minute):
			t.Fatalf("the live receiver got %q while the dead one hangs, want two alerts", got)
		}
	}
	if want := []string{"firing stale_data/viettel", "firing stale_data/mobifone"}; !slices.Equal(got, want) {
		t.Fatalf("live receiver got %q, want %q", got, want)
	}
	select {
	case <-hanging:
		t.Fatal("the dead receiver was called again while its first send hangs")
	default:
	}
}

// TestEngine_PermanentFailureDropped: a notification the receiver refuses for good (4xx) is
// dropped and counted, and does not hold back the receiver's later notifications.
func contractEngine_PermanentFailureDropped(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	clock := clockwork.NewFakeClockAt(now)
	var got []string
	refuse := true
	notify := func(_ context.Context, as []alerts.Alert) error {
		if refuse {
			refuse = false
			return fmt.Errorf("%w: 400 Bad Request", alerts.ErrPermanent)
		}
		for _, a := range as {
			got = append(got, a.Status()+" "+a.Key)
		}
		return nil
	}
	reg := prometheus.NewRegistry()
	e, err := alerts.NewEngine(db, []alerts.Notifier{&notifier{"hook", notify}}, reg)
	if err != nil {
		t.Fatal(err)
	}
	e.Clock = clock
	n := e.Notifiers[0]
	if _, err := e.Apply(ctx, alerts.Result{Alerts: []alerts.Alert{testAlert(alerts.KindStaleData, "viettel", time.Time{})}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Drain(ctx, n); err != nil {
		t.Fatalf("Drain: %v (a dropped notification is not a receiver error)", err)
	}
	clock.Advance(time.Minute)
	if _, err := e.Apply(ctx, alerts.Result{Alerts: []alerts.Alert{testAlert(alerts.KindStaleData, "viettel", time.Time{}),
		testAlert(alerts.KindStaleData, "mobifone", time.Time{})}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Drain(ctx, n); err != nil {
		t.Fatal(err)
	}
	if want := []string{"firing stale_data/mobifone"}; !slices.Equal(got, want) {
		t.Fatalf("received %q, want %q", got, want)
	}
	if v := testutil.ToFloat64(mustVec(t, reg, "covmon_alert_deliveries_total", "hook", "dropped")); v != 1 {
		t.Errorf("dropped=%v, want 1", v)
	}
	if v := testutil.ToFloat64(mustVec(t, reg, "covmon_alert_outbox_pending", "hook")); v != 0 {
		t.Errorf("pending=%v, want 0", v)
	}
}
