package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/alerts/alertmanager"
	"github.com/covmon/covmon/alerts/webhook"
	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
	"github.com/covmon/covmon/grafana/promtest"
)

func TestAlertsConfig_Invalid(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"AlertmanagerURL", "alerts: {alertmanager_url: 127.0.0.1:9093}", "config: alerts.alertmanager_url: invalid value: want an http or https URL (got 127.0.0.1:9093)"},
		{"WebhookNoName", "alerts: {webhooks: [{url: 'http://x'}]}", "config: alerts.webhooks[0].name: required (got )"},
		{"WebhookReserved", "alerts: {webhooks: [{name: log, url: 'http://x'}]}", "config: alerts.webhooks[0].name: invalid value: repeated or reserved (alertmanager, log) (got log)"},
		{"WebhookRepeated", "alerts: {webhooks: [{name: a, url: 'http://x'}, {name: a, url: 'http://y'}]}", "config: alerts.webhooks[1].name: invalid value: repeated or reserved (alertmanager, log) (got a)"},
		{"WebhookURL", "alerts: {webhooks: [{name: a, url: 'ftp://x'}]}", "config: alerts.webhooks[0].url: invalid value: want an http or https URL (got ftp://x)"},
		{"EvaluateEvery", "alerts: {evaluate_every: 10ms}", "config: alerts.evaluate_every: invalid value: want at least 1s (got 10ms)"},
		{"ReminderDays", "alerts: {reminder_days: [30, 0]}", "config: alerts.reminder_days[1]: invalid value: want a positive number of days (got 0)"},
		{"StaleDays", "alerts: {stale_days: 0}", "config: alerts.stale_days: invalid value: want at least 1 (got 0)"},
		{"ForecastWeeks", "alerts: {forecast_weeks: 2}", "config: alerts.forecast_weeks: invalid value: want 3..520 (got 2)"},
		{"UnknownKey", "alerts: {webhook: []}", "parse config: yaml: unmarshal errors:\n  line 1: field webhook not found in type main.AlertsConfig"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			err := ParseConfig(strings.NewReader(tc.yaml), &c)
			if err == nil {
				err = c.Validate()
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err=%v\nwant %s", err, tc.want)
			}
		})
	}
	t.Run("Valid", func(t *testing.T) {
		c := DefaultConfig()
		y := "alerts: {alertmanager_url: 'http://127.0.0.1:9093', webhooks: [{name: ops, url: 'https://ops.example/hook'}], reminder_days: [60, 14], stale_days: 7, forecast_weeks: 8, rejected_window: 2h}"
		if err := ParseConfig(strings.NewReader(y), &c); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if got := c.Alerts.ReminderDays; !slices.Equal(got, []int{60, 14}) {
			t.Fatalf("reminder_days=%v", got)
		}
		ns := c.Alerts.notifiers(slog.New(slog.DiscardHandler), c.Server.URL())
		if len(ns) != 2 || ns[0].Name() != "alertmanager" || ns[1].Name() != "ops" {
			t.Fatalf("receivers %v, want alertmanager and ops", ns)
		}
		if got, want := ns[0].(*alertmanager.Notifier).GeneratorURL, "http://127.0.0.1:8080/api/v1/summary"; got != want {
			t.Errorf("generatorURL=%q, want %q", got, want)
		}
	})
}

// receiver is the test's HTTP endpoint for covmon's webhook (/hook) and Alertmanager's webhook
// (/am). It logs every notification in arrival order and wakes waiters on each one.
type receiver struct {
	mu       sync.Mutex
	log      []note
	changed  chan struct{} // closed and replaced on every arrival
	down     atomic.Bool   // /hook answers 503
	failures int
	srv      *httptest.Server
}

// note is one alert in one notification: at "hook" (key) or "am" (labels), with its status.
type note struct{ at, id, status string }

func newReceiver(t *testing.T) *receiver {
	r := &receiver{changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook", func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			io.Copy(io.Discard, req.Body)
			r.record(func() { r.failures++ })
			http.Error(w, "down for the test", http.StatusServiceUnavailable)
			return
		}
		var p webhook.Payload
		if err := json.NewDecoder(req.Body).Decode(&p); err != nil {
			t.Errorf("/hook: %v", err)
		}
		r.record(func() {
			for _, a := range p.Alerts {
				if a.Status != p.Status {
					t.Errorf("/hook: alert %s status %s in a %s payload", a.Key, a.Status, p.Status)
				}
				r.log = append(r.log, note{"hook", a.Key, a.Status})
			}
		})
	})
	mux.HandleFunc("POST /am", func(w http.ResponseWriter, req *http.Request) {
		var p struct {
			Version string `json:"version"`
			Alerts  []struct {
				Status string            `json:"status"`
				Labels map[string]string `json:"labels"`
			} `json:"alerts"`
		}
		if err := json.NewDecoder(req.Body).Decode(&p); err != nil {
			t.Errorf("/am: %v", err)
		}
		r.record(func() {
			for _, a := range p.Alerts {
				r.log = append(r.log, note{"am", labelKey(a.Labels), a.Status})
			}
		})
	})
	r.srv = httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(r.srv.Close)
	return r
}

// record runs f under the lock and wakes the waiters.
func (r *receiver) record(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
	close(r.changed)
	r.changed = make(chan struct{})
}

// mark returns the position of the next notification, for waitFor.
func (r *receiver) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.log)
}

func labelKey(l map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(l)) {
		fmt.Fprintf(&b, "%s=%q,", k, l[k])
	}
	return b.String()
}

// missing lists the transitions that have not reached /hook and, when viaAM, /am (through
// Alertmanager) at or after position from. Waiting for arrivals after a mark, rather than
// counting them, makes the same alert firing again later a new notification to wait for.
func (r *receiver) missing(trs []alerts.Transition, viaAM bool, from int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[note]bool{}
	for _, n := range r.log[from:] {
		seen[n] = true
	}
	var out []string
	for _, tr := range trs {
		if !seen[note{"hook", tr.Alert.Key, tr.Status}] {
			out = append(out, "hook: "+tr.Alert.Key+" "+tr.Status)
		}
		if viaAM && !seen[note{"am", labelKey(tr.Alert.Labels), tr.Status}] {
			out = append(out, "alertmanager: "+tr.Alert.Key+" "+tr.Status)
		}
	}
	return out
}

// until waits for cond (checked under the lock) to hold, woken by each arrival.
func (r *receiver) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timeout := time.After(e2eWait)
	for {
		r.mu.Lock()
		ok, changed := cond(), r.changed
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("%s: not within %v", what, e2eWait)
		}
	}
}

// waitFor waits until every transition has arrived at /hook (and through Alertmanager at /am
// when viaAM) since position from.
func (r *receiver) waitFor(t *testing.T, what string, trs []alerts.Transition, viaAM bool, from int) {
	t.Helper()
	var miss []string
	timeout := time.After(e2eWait)
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if miss = r.missing(trs, viaAM, from); len(miss) == 0 {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("%s: not delivered within %v:\n%s", what, e2eWait, strings.Join(miss, "\n"))
		}
	}
}

// waitUntil polls cond every 20ms until it holds, for state outside the test's control (a
// child process, an HTTP API); it fails after timeout.
// e2eWait bounds every wait of the end-to-end tests for an event (a process ready, an alert
// evaluated, a scrape done). A wait returns as soon as its event happens, so a generous bound
// costs nothing on a fast machine and keeps a loaded one (CI under -race) from failing.
const e2eWait = 5 * time.Minute

func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: not within %v", what, timeout)
		}
	}
}

func statusKeys(trs []alerts.Transition) []string {
	out := make([]string, 0, len(trs))
	for _, tr := range trs {
		out = append(out, tr.Alert.Key+" "+tr.Status)
	}
	sort.Strings(out)
	return out
}

// startAlertmanager runs Debian's prometheus-alertmanager on loopback, gossip off, routing every
// alert (one group per alert) to hookURL, and returns its base URL.
func startAlertmanager(t *testing.T, hookURL string) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus-alertmanager")
	if err != nil {
		t.Fatalf("prometheus-alertmanager not found (%v): run .ci/run (it installs Debian's prometheus-alertmanager)", err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: test
  group_by: ['...']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 24h
receivers:
  - name: test
    webhook_configs:
      - url: %q
        send_resolved: true
`, hookURL)
	cfgPath := filepath.Join(dir, "am.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_, addr := promtest.StartOn(t, "alertmanager", func(addr string) *exec.Cmd {
		return exec.Command(bin, "--config.file="+cfgPath, "--storage.path="+filepath.Join(dir, "data"),
			"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=warn")
	}, "/-/ready")
	return "http://" + addr
}

// alertsHarness is covmon's alert service on a seeded SQLite file with a fake clock.
type alertsHarness struct {
	t     *testing.T
	m     *Main
	svc   *alerts.Service
	clock *clockwork.FakeClock
}

func openHarness(t *testing.T, ctx context.Context, db string, clock *clockwork.FakeClock, ac AlertsConfig) *alertsHarness {
	t.Helper()
	m := NewMain()
	m.Stdout, m.Stderr, m.Getenv = io.Discard, io.Discard, func(string) string { return "" }
	m.Now = func() time.Time { return testNow }
	m.Config.Database = db
	m.Config.Alerts = ac
	if err := m.open(ctx); err != nil {
		t.Fatal(err)
	}
	// The test evaluates the snapshots it builds itself (EvaluateSnapshot), so it runs only the
	// delivery loops, not the service's own evaluation loop (alerts/service_test.go tests that).
	svc, err := m.newAlertService(func() *geo.Snapshot { return nil }, prometheus.NewRegistry(), clock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	svc.Engine.Clock = clock
	svc.Engine.Start(ctx)
	h := &alertsHarness{t: t, m: m, svc: svc, clock: clock}
	t.Cleanup(h.close)
	return h
}

func (h *alertsHarness) close() {
	if h.svc != nil {
		h.svc.Close()
		h.svc = nil
	}
	h.m.Close()
}

// evaluate moves the fake clock to at, rebuilds the snapshot there and evaluates it.
func (h *alertsHarness) evaluate(ctx context.Context, at time.Time) ([]alerts.Transition, *geo.Snapshot) {
	h.t.Helper()
	if d := at.Sub(h.clock.Now()); d > 0 {
		h.clock.Advance(d)
	}
	pol := h.m.Config.GeoPolicy()
	snap, err := collector.BuildSnapshot(ctx, h.m.DB, h.m.Config.GeoPrograms(), &pol, h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	trs, err := h.svc.EvaluateSnapshot(ctx, snap)
	if err != nil {
		h.t.Fatal(err)
	}
	return trs, snap
}

// ingest stores an observation file through the normal ingest path.
func (h *alertsHarness) ingest(ctx context.Context, name, carrier string, obs []geo.Observation) {
	h.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":%q,"features":[`, carrier)
	for i, o := range obs {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":null,"properties":{"village_id":%q,"technology":%q,"has_signal":%v,"observed_at":%q,"method":"on_air_report"}}`,
			o.VillageID, o.Technology.String(), o.HasSignal, o.ObservedAt.In(geo.Vietnam).Format(time.DateOnly))
	}
	b.WriteString("]}")
	u, err := h.m.ingester().Ingest(ctx, collector.File{Name: name, Kind: geo.KindObservations, Source: "cli"}, strings.NewReader(b.String()))
	if err != nil {
		h.t.Fatal(err)
	}
	if u.Result != geo.ResultAccepted {
		h.t.Fatalf("ingest %s: %s %v", name, u.Result, u.Problems)
	}
}

// activeAlert returns the active alert of key, nil when none fires.
func activeAlert(t *testing.T, h *alertsHarness, key string) *alerts.Alert {
	t.Helper()
	active, err := h.m.DB.ActiveAlerts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range active {
		if active[i].Key == key {
			return &active[i]
		}
	}
	return nil
}

// checkRegressionGroup checks the regression alert key against the snapshot: it fires while
// the group (the program's regressed villages of victim's province and responsible carrier)
// is not empty, counts them all, and lists victim when in is set, not otherwise. It reports
// whether the group is not empty.
func checkRegressionGroup(t *testing.T, h *alertsHarness, snap *geo.Snapshot, key string, victim *geo.VillageStatus, in bool) bool {
	t.Helper()
	ps := snap.Program("vls-2024")
	regressed := map[string]bool{}
	for _, id := range ps.Regressed {
		regressed[id] = true
	}
	n := 0
	for _, vs := range ps.Open {
		if regressed[vs.Village.ID] && vs.Village.ProvinceCode == victim.Village.ProvinceCode && geo.Bucket(vs.Responsible) == geo.Bucket(victim.Responsible) {
			n++
		}
	}
	a := activeAlert(t, h, key)
	if n == 0 {
		if a != nil {
			t.Fatalf("%s fires with no village in its group", key)
		}
		return false
	}
	if a == nil {
		t.Fatalf("%s does not fire: %d village(s) in its group", key, n)
	}
	ids := strings.Split(a.Annotations["village_ids"], ", ")
	if got := a.Annotations["village_count"]; got != strconv.Itoa(n) || n <= 20 && len(ids) != n {
		t.Fatalf("%s: village_count %s, %d listed, want %d", key, got, len(ids), n)
	}
	if slices.Contains(ids, victim.Village.ID) != in {
		t.Fatalf("%s lists %q: want %s in it %v", key, ids, victim.Village.ID, in)
	}
	return true
}

func keysOf(trs []alerts.Transition, status, kind string) []string {
	var out []string
	for _, tr := range trs {
		if tr.Status == status && (kind == "" || tr.Alert.Kind == kind) {
			out = append(out, tr.Alert.Key)
		}
	}
	sort.Strings(out)
	return out
}

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, geo.Vietnam)
	if err != nil {
		panic(err)
	}
	return t
}

// TestAlerts_EndToEnd runs covmon's alert engine on the seeds, with a real Alertmanager and a
// webhook served by the test, and a fake clock moved across the vls-2024 deadline.
func TestAlerts_EndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rcv := newReceiver(t)
	amURL := startAlertmanager(t, rcv.srv.URL+"/am")
	db := seededDB(t)
	clock := clockwork.NewFakeClockAt(day("2024-10-01 09:00"))
	ac := DefaultAlertsConfig() // twelve weekly forecast points, as in production
	ac.AlertmanagerURL = amURL
	ac.Webhooks = []WebhookConfig{{Name: "hook", URL: rcv.srv.URL + "/hook"}}
	h := openHarness(t, ctx, db, clock, ac)
	var all []alerts.Transition

	// Each step marks the receiver's log before it evaluates, and waits for its own transitions
	// to arrive after the mark: Alertmanager groups notifications over a second, so the same
	// alert firing again in a later step must be waited for, not counted at the end.
	// 2024-10-01: 61 days before the deadline, the 90-day reminder fires; nothing is overdue.
	mark := rcv.mark()
	trs, snap := h.evaluate(ctx, day("2024-10-01 09:00"))
	if got, want := keysOf(trs, alerts.Firing, alerts.KindDeadlineReminder), []string{"deadline_reminder/vls-2024/90"}; !slices.Equal(got, want) {
		t.Fatalf("reminders on 2024-10-01: %q, want %q", got, want)
	}
	if got := keysOf(trs, alerts.Firing, alerts.KindOverdue); len(got) != 0 {
		t.Fatalf("overdue before the deadline: %q", got)
	}
	if !snap.Demo {
		t.Fatal("the seeded database should be flagged as demo data")
	}
	for _, tr := range trs {
		if tr.Alert.Annotations["notice"] != alerts.DemoNotice {
			t.Fatalf("%s: no synthetic-data notice", tr.Alert.Key)
		}
	}
	rcv.waitFor(t, "2024-10-01", trs, true, mark)
	all = append(all, trs...)
	t.Logf("2024-10-01: %v", statusKeys(trs))

	// 2024-11-05, the webhook is down: the 30-day reminder reaches Alertmanager, and stays
	// queued for the webhook across a restart.
	rcv.down.Store(true)
	mark = rcv.mark()
	trs, _ = h.evaluate(ctx, day("2024-11-05 09:00"))
	if got, want := keysOf(trs, alerts.Firing, alerts.KindDeadlineReminder), []string{"deadline_reminder/vls-2024/30"}; !slices.Equal(got, want) {
		t.Fatalf("reminders on 2024-11-05: %q, want %q", got, want)
	}
	rcv.until(t, "covmon tries the (down) webhook", func() bool { return rcv.failures > 0 })
	if pend, err := h.m.DB.PendingDeliveries(ctx); err != nil || pend["hook"] != len(trs) {
		t.Fatalf("pending %v (%v), want %d for hook", pend, err, len(trs))
	}
	all = append(all, trs...)
	waitAM, markAM := trs, mark

	// Restart: close the engine and the database, reopen both on the same file.
	h.close()
	rcv.down.Store(false)
	h = openHarness(t, ctx, db, clock, ac)
	// The delivery loops and the resend ticker wait on the fake clock; a minute later the
	// queued rows are due again.
	bctx, bcancel := context.WithTimeout(ctx, e2eWait)
	if err := clock.BlockUntilContext(bctx, 3); err != nil {
		t.Fatalf("engine loops not waiting on the clock: %v", err)
	}
	bcancel()
	clock.Advance(time.Minute)
	rcv.waitFor(t, "after restart", waitAM, true, markAM)
	if trs, _ = h.evaluate(ctx, clock.Now()); len(trs) != 0 {
		t.Fatalf("re-evaluating after the restart: %v, want no transition", statusKeys(trs))
	}

	// 2024-11-25: the 7-day reminder.
	mark = rcv.mark()
	trs, _ = h.evaluate(ctx, day("2024-11-25 09:00"))
	if got, want := keysOf(trs, alerts.Firing, alerts.KindDeadlineReminder), []string{"deadline_reminder/vls-2024/7"}; !slices.Equal(got, want) {
		t.Fatalf("reminders on 2024-11-25: %q, want %q", got, want)
	}
	rcv.waitFor(t, "2024-11-25", trs, true, mark)
	all = append(all, trs...)

	// 2024-12-02: past the deadline the reminders resolve and the overdue alerts fire.
	mark = rcv.mark()
	trs, snap = h.evaluate(ctx, day("2024-12-02 09:00"))
	if got, want := keysOf(trs, alerts.Resolved, alerts.KindDeadlineReminder), []string{"deadline_reminder/vls-2024/30", "deadline_reminder/vls-2024/7", "deadline_reminder/vls-2024/90"}; !slices.Equal(got, want) {
		t.Fatalf("reminders resolved on 2024-12-02: %q, want %q", got, want)
	}
	overdue := keysOf(trs, alerts.Firing, alerts.KindOverdue)
	ps := snap.Program("vls-2024")
	byProvince := map[string][]string{}
	for _, vs := range ps.Open {
		if vs.Overdue {
			byProvince[vs.Village.ProvinceCode] = append(byProvince[vs.Village.ProvinceCode], vs.Village.ID)
		}
	}
	if len(overdue) == 0 || len(byProvince) == 0 {
		t.Fatalf("no overdue alerts after the deadline (%d overdue villages)", len(byProvince))
	}
	for code := range byProvince {
		if !slices.ContainsFunc(overdue, func(k string) bool { return strings.HasPrefix(k, "overdue/vls-2024/"+code+"/") }) {
			t.Errorf("province %s has overdue villages but no overdue alert", code)
		}
	}
	rcv.waitFor(t, "2024-12-02", trs, true, mark)
	all = append(all, trs...)
	t.Logf("2024-12-02: %d overdue alerts over %d provinces", len(overdue), len(byProvince))

	// 2024-12-08: a covered village loses its signal (a carrier reports it dark): regression.
	pol := h.m.Config.GeoPolicy()
	prog, _ := h.m.Config.Program("")
	sts, err := collector.Status(ctx, h.m.DB, geo.VillageFilter{ProgramID: prog.ID}, prog, &pol, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var victim *geo.VillageStatus
	for i := range sts {
		if vs := &sts[i]; vs.Status == geo.StatusCovered && len(vs.CarriersWithSignal) == 1 && vs.Village.PoweredAt(clock.Now()) {
			victim = vs
			break
		}
	}
	if victim == nil {
		t.Fatal("no covered village with a single carrier in the seeds")
	}
	latest, err := h.m.DB.LatestObservations(ctx, clock.Now(), geo.VillageFilter{IDs: []string{victim.Village.ID}})
	if err != nil {
		t.Fatal(err)
	}
	var dark []geo.Observation
	for _, o := range latest[victim.Village.ID] {
		if o.Carrier == victim.CarriersWithSignal[0] && o.HasSignal {
			dark = append(dark, geo.Observation{VillageID: o.VillageID, Technology: o.Technology, ObservedAt: day("2024-12-06 00:00")})
		}
	}
	// Regressions are grouped by program × province × responsible carrier: the victim joins
	// its group's alert (which starts firing unless another village of the group had
	// regressed already).
	regKey := alerts.MakeKey(alerts.KindRegression, map[string]string{"program": "vls-2024",
		"province_code": victim.Village.ProvinceCode, "carrier": geo.Bucket(victim.Responsible)})
	wasActive := activeAlert(t, h, regKey) != nil
	h.ingest(ctx, "dark.geojson", victim.CarriersWithSignal[0], dark)
	mark = rcv.mark()
	trs, snap = h.evaluate(ctx, day("2024-12-08 09:00"))
	wantFiring := []string{regKey}
	if wasActive {
		wantFiring = nil
	}
	if got := keysOf(trs, alerts.Firing, alerts.KindRegression); !slices.Equal(got, wantFiring) {
		t.Fatalf("regressions on 2024-12-08: %q, want %q", got, wantFiring)
	}
	checkRegressionGroup(t, h, snap, regKey, victim, true)
	rcv.waitFor(t, "2024-12-08", trs, true, mark)
	all = append(all, trs...)

	// 2024-12-15: the regressed village and every village overdue on that day in the province
	// with the fewest are covered again: their alerts resolve.
	at := day("2024-12-15 09:00")
	sts, err = collector.Status(ctx, h.m.DB, geo.VillageFilter{ProgramID: prog.ID}, prog, &pol, at)
	if err != nil {
		t.Fatal(err)
	}
	byProvince = map[string][]string{}
	for _, vs := range sts {
		if vs.Overdue && vs.Village.ID != victim.Village.ID {
			byProvince[vs.Village.ProvinceCode] = append(byProvince[vs.Village.ProvinceCode], vs.Village.ID)
		}
	}
	codes := slices.Collect(maps.Keys(byProvince))
	sort.Slice(codes, func(i, j int) bool {
		if a, b := len(byProvince[codes[i]]), len(byProvince[codes[j]]); a != b {
			return a < b
		}
		return codes[i] < codes[j]
	})
	fixed := codes[0]
	active, err := h.m.DB.ActiveAlerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wantResolved []string
	for _, a := range active {
		if strings.HasPrefix(a.Key, "overdue/vls-2024/"+fixed+"/") {
			wantResolved = append(wantResolved, a.Key)
		}
	}
	coverAt := day("2024-12-14 00:00")
	cover := []geo.Observation{{VillageID: victim.Village.ID, Technology: geo.Tech4G, HasSignal: true, ObservedAt: coverAt}}
	for _, id := range byProvince[fixed] {
		cover = append(cover, geo.Observation{VillageID: id, Technology: geo.Tech4G, HasSignal: true, ObservedAt: coverAt})
	}
	h.ingest(ctx, "cover.geojson", "viettel", cover)
	mark = rcv.mark()
	trs, snap = h.evaluate(ctx, at)
	if got := keysOf(trs, alerts.Resolved, alerts.KindOverdue); !containsAll(got, wantResolved) {
		t.Fatalf("overdue resolved on 2024-12-15: %q, want at least %q (province %s covered)", got, wantResolved, fixed)
	}
	if !checkRegressionGroup(t, h, snap, regKey, victim, false) {
		if got := keysOf(trs, alerts.Resolved, alerts.KindRegression); !slices.Contains(got, regKey) {
			t.Fatalf("regressions resolved on 2024-12-15: %q, want %q among them", got, regKey)
		}
	}
	rcv.waitFor(t, "2024-12-15", trs, true, mark)
	all = append(all, trs...)

	// The webhook got every transition exactly once and nothing else: once the outbox is empty
	// every POST has returned, so no delivery is still on its way.
	waitUntil(t, "outbox empty", e2eWait, func() bool {
		pend, err := h.m.DB.PendingDeliveries(ctx)
		return err == nil && pend["hook"] == 0 && pend["alertmanager"] == 0
	})
	wantHook := map[string]int{}
	for _, tr := range all { // an alert may have several episodes (fire, resolve, fire again)
		wantHook[tr.Alert.Key+" "+tr.Status]++
	}
	rcv.mu.Lock()
	gotHook := map[string]int{}
	for _, n := range rcv.log {
		if n.at == "hook" {
			gotHook[n.id+" "+n.status]++
		}
	}
	rcv.mu.Unlock()
	for k, n := range gotHook {
		if wantHook[k] != n {
			t.Errorf("webhook got %s %d times, want %d", k, n, wantHook[k])
		}
	}
	for k := range wantHook {
		if gotHook[k] == 0 {
			t.Errorf("webhook never got %s", k)
		}
	}
	// Alertmanager holds exactly covmon's active alerts (every step's notifications through it
	// were waited for above; how many it sends per alert depends on its grouping window).
	active, err = h.m.DB.ActiveAlerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, a := range active {
		want = append(want, labelKey(a.Labels))
	}
	sort.Strings(want)
	var held []string
	waitUntil(t, "Alertmanager holds covmon's active alerts", e2eWait, func() bool {
		held = amAlerts(t, amURL)
		return slices.Equal(held, want)
	})
	t.Logf("%d transitions delivered once each to the webhook and through Alertmanager; %d alerts active in both", len(all), len(want))
}

// amAlerts returns the label sets (labelKey) of the active alerts Alertmanager holds, sorted.
func amAlerts(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/api/v2/alerts?active=true&silenced=false&inhibited=false")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body []struct {
		Labels map[string]string `json:"labels"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(body))
	for _, a := range body {
		out = append(out, labelKey(a.Labels))
	}
	sort.Strings(out)
	return out
}

// TestAlertsCLI_JSON: `covmon alerts --format json` prints the active alerts in the one alert
// JSON shape (wire.Alert, pinned by alerts/testdata/alerts_out.json), byte for byte.
func TestAlertsCLI_JSON(t *testing.T) {
	ctx := context.Background()
	db := seededDB(t)
	h := openHarness(t, ctx, db, clockwork.NewFakeClockAt(day("2024-12-02 09:00")), DefaultAlertsConfig())
	trs, _ := h.evaluate(ctx, day("2024-12-02 09:00"))
	if len(trs) == 0 {
		t.Fatal("no alert fires on the seeds on 2024-12-02")
	}
	var want bytes.Buffer
	active, err := h.m.DB.ActiveAlerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeJSON(&want, alerts.ToWireList(active)); err != nil {
		t.Fatal(err)
	}
	h.close()
	out := mustRun(t, db, "alerts", "--format", "json")
	if out != want.String() {
		t.Fatalf("covmon alerts --format json:\n%.600s\nwant:\n%.600s", out, want.String())
	}
	for _, name := range []string{`"starts_at"`, `"ends_at": null`, `"province_code"`} {
		if !strings.Contains(out, name) {
			t.Errorf("output lacks %s", name)
		}
	}
	if strings.Contains(out, "startsAt") {
		t.Error("output still has camelCase startsAt")
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return len(want) > 0
}

// promVector runs an instant query and returns the values of label l.
func promVector(t *testing.T, base, q, l string) []string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range body.Data.Result {
		out = append(out, r.Metric[l])
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// promRulesEvaluated returns the earliest of the last evaluations of Prometheus's rule groups
// (zero when it has none, or one was never evaluated).
func promRulesEvaluated(t *testing.T, base string) time.Time {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/rules")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Groups []struct {
				LastEvaluation time.Time `json:"lastEvaluation"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var earliest time.Time
	for i, g := range body.Data.Groups {
		if g.LastEvaluation.IsZero() || g.LastEvaluation.Year() < 2000 {
			return time.Time{}
		}
		if i == 0 || g.LastEvaluation.Before(earliest) {
			earliest = g.LastEvaluation
		}
	}
	return earliest
}

// TestAlerts_OneSource checks that the Prometheus rules of grafana/rules/covmon.rules.yml and
// covmon's own engine never raise the same alert: a real Prometheus scrapes covmon serve
// (loaded with the seeds, real clock, evaluating its own alerts) and evaluates the rules every
// second. The engine raises the domain alerts on the seeds (overdue villages, regressions);
// Prometheus, once it has scraped covmon, raises none of those names (its rules only watch
// covmon's health, which is fine here).
func TestAlerts_OneSource(t *testing.T) {
	rules, err := filepath.Abs("../../grafana/rules/covmon.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(rules); err != nil {
		t.Fatalf("rules file: %v", err)
	}
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus not found (%v): run .ci/run (it installs Debian's prometheus)", err)
	}
	db := seededDB(t)
	srv := startServeClock(t, db, nil, nil) // the real clock: Prometheus's rules read covmon's timestamps against theirs
	u, _ := url.Parse(srv.url)

	prom := promtest.StartPrometheus(t, promBin, t.TempDir(), rules, u.Host)

	var engine []wire.Alert
	waitUntil(t, "covmon serve evaluates alerts", e2eWait, func() bool {
		out, _, err := run(t, db, "alerts", "--format", "json")
		return err == nil && json.Unmarshal([]byte(out), &engine) == nil && len(engine) > 0
	})
	ours := map[string]bool{}
	for _, a := range engine {
		ours[a.Labels["alertname"]] = true
	}
	if !ours[alerts.AlertName(alerts.KindOverdue)] || !ours[alerts.AlertName(alerts.KindRegression)] {
		t.Errorf("engine alerts on the seeds: %v, want overdue and regression among them", ours)
	}
	waitUntil(t, "Prometheus scrapes covmon", e2eWait, func() bool {
		return len(promVector(t, prom, `up{job="covmon"} == 1`, "instance")) > 0
	})
	// ALERTS holds what the rules raised at their last evaluation: read before they were
	// evaluated on a scrape of covmon it is empty whatever they say. Wait for every rule group
	// to be evaluated after the scrape seen above.
	scraped := time.Now()
	waitUntil(t, "Prometheus evaluates its rules on covmon's metrics", e2eWait, func() bool {
		last := promRulesEvaluated(t, prom)
		return !last.IsZero() && last.After(scraped)
	})
	for _, name := range promVector(t, prom, "ALERTS", "alertname") {
		if ours[name] {
			t.Errorf("alert %s is raised by both Prometheus and covmon's engine", name)
		}
	}
}

// TestAlertsCLI_AsOf: `covmon alerts` says when covmon serve last evaluated the alerts it
// lists: they are read from the database, and a serve stopped a week ago left them as they
// were then.
func TestAlertsCLI_AsOf(t *testing.T) {
	ctx := context.Background()
	db := seededDB(t)
	h := openHarness(t, ctx, db, clockwork.NewFakeClockAt(day("2024-12-02 09:00")), DefaultAlertsConfig())
	if trs, _ := h.evaluate(ctx, day("2024-12-02 09:00")); len(trs) == 0 {
		t.Fatal("no alert fires on the seeds on 2024-12-02")
	}
	h.evaluate(ctx, day("2024-12-02 09:05"))
	h.close()
	if out := mustRun(t, db, "alerts", "--lang", "en"); !strings.Contains(out, "As of covmon serve's last evaluation, 2024-12-02 09:05 (UTC+7).") {
		t.Errorf("covmon alerts does not say when the alerts were evaluated:\n%s", out)
	}
}
