package alerts_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/storetest"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// chanNotifier passes every alert it is sent, as "status key", to a channel.
type chanNotifier struct {
	name string
	ch   chan string
}

func (n *chanNotifier) Name() string { return n.name }
func (n *chanNotifier) Notify(_ context.Context, as []alerts.Alert) error {
	for _, a := range as {
		n.ch <- a.Status() + " " + a.Key
	}
	return nil
}

// next returns the next notification, failing after a minute (never reached on a working
// service: the wait is for the event, the minute only bounds a broken one).
func (n *chanNotifier) next(t *testing.T, what string) string {
	t.Helper()
	select {
	case s := <-n.ch:
		return s
	case <-time.After(time.Minute):
		t.Fatalf("%s: no notification", what)
		return ""
	}
}

// openService returns a Service on a real SQLite file with a fake clock, one carrier
// (viettel), no programs, and the snapshot held in snap.
func openService(t *testing.T, clock *clockwork.FakeClock) (*alerts.Service, *chanNotifier, *atomic.Pointer[geo.Snapshot]) {
	t.Helper()
	db := openDB(t)
	var snap atomic.Pointer[geo.Snapshot]
	n := &chanNotifier{"hook", make(chan string, 10)}
	s, err := alerts.NewService(db, snap.Load, []alerts.Notifier{n}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	s.Clock, s.EvaluateEvery = clock, time.Minute
	s.Policy.Carriers = []string{"viettel"}
	return s, n, &snap
}

// stale is a snapshot in which viettel never had an accepted upload though covmon has had
// data (the registry) for 40 days; fresh one in which it had one a day before at.
func stale(at time.Time) *geo.Snapshot {
	reg := at.Add(-40 * 24 * time.Hour)
	return &geo.Snapshot{AsOf: at, Uploads: []geo.UploadStat{{Result: geo.ResultAccepted, Count: 1, FirstAt: reg, LastAt: reg}}}
}
func fresh(at time.Time) *geo.Snapshot {
	return &geo.Snapshot{AsOf: at, Uploads: []geo.UploadStat{{Carrier: "viettel", Result: geo.ResultAccepted, Count: 1,
		LastAt: at.Add(-24 * time.Hour), LastReport: at.Add(-25 * time.Hour)}}}
}

// TestService_Loop: Open evaluates at once, Kick evaluates at once, and the ticker evaluates
// every EvaluateEvery of the service's clock; Close stops it.
func TestService_Loop(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, geo.Vietnam)
	clock := clockwork.NewFakeClockAt(t0)
	s, n, snap := openService(t, clock)
	snap.Store(stale(t0))
	ctx := context.Background()
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Open(ctx); err == nil {
		t.Error("a second Open succeeded")
	}
	if got, want := n.next(t, "open"), "firing stale_data/viettel"; got != want {
		t.Fatalf("after Open: %q, want %q", got, want)
	}

	snap.Store(fresh(t0))
	s.Kick()
	if got, want := n.next(t, "kick"), "resolved stale_data/viettel"; got != want {
		t.Fatalf("after Kick: %q, want %q", got, want)
	}

	// Without a kick, the new snapshot is evaluated when the clock reaches the next tick: the
	// evaluation ticker and the delivery loop's timer wait on the clock until then.
	snap.Store(stale(t0))
	bctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := clock.BlockUntilContext(bctx, 2); err != nil {
		t.Fatalf("loops not waiting on the clock: %v", err)
	}
	select {
	case got := <-n.ch:
		t.Fatalf("notified %q before the tick", got)
	default:
	}
	clock.Advance(time.Minute)
	if got, want := n.next(t, "tick"), "firing stale_data/viettel"; got != want {
		t.Fatalf("after a tick: %q, want %q", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Kick() // after Close: nothing listens, and it does not block
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestService_Evaluate: no snapshot yet means nothing to evaluate; a clock behind the
// snapshot's instant evaluates at the snapshot's instant (a stale alert starts counting from
// the snapshot, not from the clock).
func TestService_Evaluate(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, geo.Vietnam)
	clock := clockwork.NewFakeClockAt(t0)
	s, _, snap := openService(t, clock)
	ctx := context.Background()
	if trs, err := s.Evaluate(ctx); err != nil || len(trs) != 0 {
		t.Fatalf("no snapshot: %v, %v; want nothing", trs, err)
	}
	// A report of 29 days before t0: fresh at t0, stale (30 days) at the snapshot's t0+2d.
	sn := fresh(t0.Add(2 * 24 * time.Hour))
	sn.Uploads[0].LastAt, sn.Uploads[0].LastReport = t0.Add(-29*24*time.Hour), t0.Add(-29*24*time.Hour)
	snap.Store(sn)
	trs, err := s.Evaluate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(trs) != 1 || trs[0].Status != alerts.Firing || trs[0].Alert.Key != "stale_data/viettel" {
		t.Fatalf("transitions %+v, want stale_data/viettel firing", trs)
	}
	if trs, err = s.Evaluate(ctx); err != nil || len(trs) != 0 {
		t.Fatalf("the same snapshot again: %v, %v; want no transition", trs, err)
	}
}

// follower is an Elector for an instance that does not lead.
type follower struct{}

func (follower) IsLeader(context.Context) error { return errors.New("another instance leads") }

// TestService_Follower: an instance that does not lead stores no alert state and delivers
// nothing, but computes the completion forecast on its evaluation schedule, so Forecast (the
// summary API's forecast) answers on every instance, not only on the leader.
func TestService_Follower(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, geo.Vietnam)
	clock := clockwork.NewFakeClockAt(t0)
	s, n, snap := openService(t, clock)
	s.Elector = follower{}
	sn := stale(t0) // the leader would fire stale_data/viettel
	sn.Programs = []geo.ProgramState{{Program: geo.Program{ID: "vls-2024", Deadline: t0.AddDate(1, 0, 0)}}}
	snap.Store(sn)
	if _, ok := s.Forecast("vls-2024"); ok {
		t.Fatal("a forecast before the first evaluation")
	}
	ctx := context.Background()
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(time.Minute) // bounds a broken loop; a working one answers at once
	var f wire.Forecast
	for ok := false; !ok; {
		if time.Now().After(deadline) {
			t.Fatal("the follower has no forecast")
		}
		time.Sleep(5 * time.Millisecond)
		f, ok = s.Forecast("vls-2024")
	}
	if f.Status == "" || f.Status == wire.ForecastNotEvaluated {
		t.Fatalf("the follower's forecast %+v, want an evaluated status", f)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if as, err := s.Store.ActiveAlerts(ctx); err != nil || len(as) != 0 {
		t.Fatalf("the follower stored alerts %+v (%v), want none", as, err)
	}
	select {
	case got := <-n.ch:
		t.Fatalf("the follower delivered %q", got)
	default:
	}
}

// TestService_InspectionsAreNotCarrierReports: a carrier's data is fresh by its own uploads
// only. Viettel's last report is 40 days old; an inspector's measurements of viettel's
// villages, uploaded yesterday, name viettel but are no report from it: stale_data/viettel
// fires (before, the inspection kept the carrier out of the alert). The upload figures come
// from a real SQLite store.
func TestService_InspectionsAreNotCarrierReports(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, geo.Vietnam)
	db := openDB(t)
	vs := storetest.Villages(1)
	vs[0].Programs = nil
	reg := storetest.NewUpload(geo.KindVillages, "")
	reg.ReceivedAt = t0.Add(-60 * 24 * time.Hour)
	if err := db.CommitVillages(ctx, reg, vs); err != nil {
		t.Fatal(err)
	}
	report := func(role string, age time.Duration, source string) {
		t.Helper()
		u := storetest.NewUpload(geo.KindObservations, "viettel")
		u.Role, u.ReceivedAt, u.Features = role, t0.Add(-age), 1
		o := geo.Observation{VillageID: "V000", Carrier: "viettel", Technology: geo.Tech4G, HasSignal: true,
			ObservedAt: u.ReceivedAt.Add(-time.Hour), Method: "drive_test", Source: source}
		if err := db.CommitObservations(ctx, u, []geo.Observation{o}); err != nil {
			t.Fatal(err)
		}
	}
	report(geo.RoleCarrier, 40*24*time.Hour, geo.SourceCarrier)
	report(geo.RoleInspector, 24*time.Hour, geo.SourceIndependent)
	stats, err := db.UploadStats(ctx)
	if err != nil {
		t.Fatal(err)
	}

	s, _, snap := openService(t, clockwork.NewFakeClockAt(t0))
	snap.Store(&geo.Snapshot{AsOf: t0, Uploads: stats})
	trs, err := s.Evaluate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(trs) != 1 || trs[0].Status != alerts.Firing || trs[0].Alert.Key != "stale_data/viettel" {
		t.Fatalf("transitions %+v, want stale_data/viettel firing (the inspection is no report of viettel's)", trs)
	}
	if got := trs[0].Alert.Annotations["last_report"]; got != t0.Add(-40*24*time.Hour).Format(time.RFC3339) {
		t.Errorf("last_report %q, want viettel's own upload 40 days ago", got)
	}
}

// TestService_StaleByWhatIsReported: a carrier is fresh by what its files report, not by when
// a file arrived (docs/alerts.md). A hand-made history on real SQLite, through the real
// ingest, 40 days after each carrier's first report (of the day before it):
//   - viettel re-sends its old file with one byte changed (a space): a new SHA-256, so it is
//     accepted, but it adds no row and reports nothing newer: stale;
//   - vinaphone re-sends its old observation with a changed RSRP (a correction at its old
//     instant): one new row, but of 41 days ago: stale;
//   - mobifone's file repeats its old observation and adds one new one, of two days ago:
//     fresh.
//
// Before, every accepted upload counted from its receipt, and all three stayed quiet.
func TestService_StaleByWhatIsReported(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, geo.Vietnam)
	db := openDB(t)
	vs := storetest.Villages(1)
	vs[0].Programs = nil
	reg := storetest.NewUpload(geo.KindVillages, "")
	reg.ReceivedAt = t0.Add(-60 * 24 * time.Hour)
	if err := db.CommitVillages(ctx, reg, vs); err != nil {
		t.Fatal(err)
	}
	now := t0
	in := &collector.Ingester{Store: db, Now: func() time.Time { return now }}
	obs := func(at time.Time, rsrp int) string {
		return fmt.Sprintf(`{"type":"Feature","geometry":null,"properties":{"village_id":"V000","technology":"4g","has_signal":true,"rsrp_dbm":%d,"observed_at":%q,"method":"drive_test"}}`,
			rsrp, at.Format(time.RFC3339))
	}
	file := func(carrier string, features ...string) string {
		return `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"` + carrier + `","features":[` + strings.Join(features, ",") + `]}`
	}
	send := func(at time.Time, carrier, body string, inserted int) {
		t.Helper()
		now = at
		u, err := in.Ingest(ctx, collector.File{Name: carrier + ".geojson", Kind: geo.KindObservations, Carrier: carrier, Source: "api"}, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if u.Result != geo.ResultAccepted || u.Inserted != inserted {
			t.Fatalf("%s at %s: %s, %d rows; want accepted, %d rows (%+v)", carrier, at, u.Result, u.Inserted, inserted, u.Problems)
		}
	}
	first, old := t0.Add(-40*24*time.Hour), t0.Add(-41*24*time.Hour)
	for _, c := range []string{"viettel", "vinaphone", "mobifone"} {
		send(first, c, file(c, obs(old, -95)), 1)
	}
	yesterday := t0.Add(-24 * time.Hour)
	send(yesterday, "viettel", file("viettel", obs(old, -95))+" ", 0)
	send(yesterday, "vinaphone", file("vinaphone", obs(old, -96)), 1)
	send(yesterday, "mobifone", file("mobifone", obs(old, -95), obs(t0.Add(-2*24*time.Hour), -97)), 1)

	stats, err := db.UploadStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, _, snap := openService(t, clockwork.NewFakeClockAt(t0))
	s.Policy.Carriers = []string{"viettel", "vinaphone", "mobifone"}
	snap.Store(&geo.Snapshot{AsOf: t0, Uploads: stats})
	trs, err := s.Evaluate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]alerts.Alert{}
	for _, tr := range trs {
		if tr.Status == alerts.Firing {
			got[tr.Alert.Key] = tr.Alert
		}
	}
	if len(got) != 2 || got["stale_data/viettel"].Key == "" || got["stale_data/vinaphone"].Key == "" {
		t.Fatalf("firing %v, want stale_data/viettel and stale_data/vinaphone (mobifone reported two days ago)", slices.Sorted(maps.Keys(got)))
	}
	a := got["stale_data/viettel"]
	if r := a.Annotations["last_report"]; r != old.Format(time.RFC3339) {
		t.Errorf("viettel last_report %q, want its old observation's instant %s", r, old.Format(time.RFC3339))
	}
	if acc := a.Annotations["last_accepted"]; acc != yesterday.Format(time.RFC3339) {
		t.Errorf("viettel last_accepted %q, want the re-sent file's receipt %s", acc, yesterday.Format(time.RFC3339))
	}
	if !a.StartsAt.Equal(old.Add(30 * 24 * time.Hour)) {
		t.Errorf("viettel stale since %s, want 30 days after its last report (%s)", a.StartsAt, old.Add(30*24*time.Hour))
	}
	if d := a.Annotations["description"]; !strings.Contains(d, "reports nothing newer") {
		t.Errorf("viettel description %q, want it to say the recent upload reports nothing newer", d)
	}
}

// TestService_StaleIsPerCarrier pins what the stale-data rule does not see (docs/alerts.md, "Per
// carrier, not per village"): viettel reported V000 and V001 400 days ago, then only V000
// yesterday. Its newest report is yesterday's, so it is not stale, though V001 has had no
// report from it for 400 days — one village re-dated keeps the whole carrier fresh.
func TestService_StaleIsPerCarrier(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, geo.Vietnam)
	db := openDB(t)
	vs := storetest.Villages(2)
	vs[0].Programs, vs[1].Programs = nil, nil
	reg := storetest.NewUpload(geo.KindVillages, "")
	reg.ReceivedAt = t0.Add(-500 * 24 * time.Hour)
	if err := db.CommitVillages(ctx, reg, vs); err != nil {
		t.Fatal(err)
	}
	now := t0
	in := &collector.Ingester{Store: db, Now: func() time.Time { return now }}
	obs := func(village string, at time.Time, signal bool) string {
		return fmt.Sprintf(`{"type":"Feature","geometry":null,"properties":{"village_id":%q,"technology":"4g","has_signal":%t,"observed_at":%q,"method":"drive_test"}}`,
			village, signal, at.Format(time.RFC3339))
	}
	send := func(at time.Time, features ...string) {
		t.Helper()
		now = at
		body := `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[` + strings.Join(features, ",") + `]}`
		u, err := in.Ingest(ctx, collector.File{Name: "viettel.geojson", Kind: geo.KindObservations, Carrier: "viettel", Source: "api"}, strings.NewReader(body))
		if err != nil || u.Result != geo.ResultAccepted {
			t.Fatalf("%v %+v", err, u)
		}
	}
	long, yesterday := t0.Add(-400*24*time.Hour), t0.Add(-24*time.Hour)
	send(long, obs("V000", long, false), obs("V001", long, true))
	send(yesterday, obs("V000", yesterday, true))

	stats, err := db.UploadStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, _, snap := openService(t, clockwork.NewFakeClockAt(t0))
	snap.Store(&geo.Snapshot{AsOf: t0, Uploads: stats})
	trs, err := s.Evaluate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trs {
		if tr.Status == alerts.Firing && tr.Alert.Kind == alerts.KindStaleData {
			t.Errorf("%s fires: viettel's newest report is of yesterday (V000)", tr.Alert.Key)
		}
	}
	// Yet V001's newest report from viettel is 400 days old.
	latest, err := db.LatestObservations(ctx, t0, geo.VillageFilter{IDs: []string{"V001"}})
	if err != nil {
		t.Fatal(err)
	}
	if l := latest["V001"]; len(l) != 1 || !l[0].ObservedAt.Equal(long) {
		t.Fatalf("V001's latest observations %+v, want viettel's of %s only", l, long)
	}
}

// One sender's flood of rejected files does not push another's rejection out of
// CovmonUploadRejected: MobiFone's rejected file, then 201 rejected files from Viettel within
// the hour — the newest 200 rejected uploads of all were read, so MobiFone's alert resolved
// as soon as Viettel had sent 200. Each configured carrier's, the inspectors' and the
// ministry's newest are read.
func TestService_RejectedPerSender(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, geo.Vietnam)
	db := openDB(t)
	now := t0.Add(-time.Hour)
	in := &collector.Ingester{Store: db, Now: func() time.Time { return now }}
	reject := func(carrier string, n int) int64 {
		t.Helper()
		// An unknown village: rejected, and each file's bytes differ.
		body := fmt.Sprintf(`{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":%q,"features":[{"type":"Feature","geometry":null,"properties":{"village_id":"X%d","technology":"4g","has_signal":true,"observed_at":"2026-10-01","method":"drive_test"}}]}`, carrier, n)
		u, err := in.Ingest(ctx, collector.File{Name: carrier + ".geojson", Kind: geo.KindObservations, Carrier: carrier, Source: "api"}, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if u.Result != geo.ResultRejected {
			t.Fatalf("%s file %d: %s, want rejected", carrier, n, u.Result)
		}
		return u.ID
	}
	mobifone := reject("mobifone", 0)
	now = t0.Add(-30 * time.Minute)
	for i := range 201 {
		reject("viettel", i)
	}
	clock := clockwork.NewFakeClockAt(t0)
	var snap atomic.Pointer[geo.Snapshot]
	s, err := alerts.NewService(db, snap.Load, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	s.Clock = clock
	s.Policy.Carriers = []string{"viettel", "mobifone"}
	snap.Store(&geo.Snapshot{AsOf: t0})
	trs, err := s.Evaluate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	firing := map[string]int{}
	for _, tr := range trs {
		if tr.Status == alerts.Firing && tr.Alert.Kind == alerts.KindUploadRejected {
			firing[tr.Alert.Labels["carrier"]]++
			if tr.Alert.Labels["carrier"] == "mobifone" && tr.Alert.Labels["upload_id"] != strconv.FormatInt(mobifone, 10) {
				t.Errorf("mobifone's alert names upload %s, want %d", tr.Alert.Labels["upload_id"], mobifone)
			}
		}
	}
	if firing["mobifone"] != 1 || firing["viettel"] != 200 {
		t.Errorf("rejected-upload alerts firing per carrier %v, want mobifone 1 and viettel 200 (its newest)", firing)
	}
}
