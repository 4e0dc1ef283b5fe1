package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/postgres/pgtest"
	"github.com/covmon/covmon/grafana/promtest"
)

// takeoverBound is docs/deployment.md's bound for another instance to lead after the leader's
// process dies (10 s: the loops ask at least that often), times three for a loaded machine.
const takeoverBound = 3 * 10 * time.Second

// covmonProc is a covmon serve process started by the test.
type covmonProc struct {
	url  string
	cmd  *exec.Cmd
	proc *promtest.Process
}

// buildCovmon builds this package's binary into a temporary directory once per test.
func buildCovmon(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "covmon")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServeProc runs bin serve on db with cfg on a free loopback port and waits until it is ready.
func startServeProc(t *testing.T, name, bin, db, cfg string) *covmonProc {
	t.Helper()
	var cmd *exec.Cmd
	p, addr := promtest.StartOn(t, name, func(addr string) *exec.Cmd {
		cmd = exec.Command(bin, "serve", "--db", db, "--config", cfg, "--listen", addr, "--log-level", "warn")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir()}
		return cmd
	}, "/readyz")
	return &covmonProc{url: "http://" + addr, cmd: cmd, proc: p}
}

// metric reads one series (name{labels} exactly as exposed, labels sorted by name) from an
// instance's /metrics; an absent series is 0.
func metric(t *testing.T, url, series string) float64 {
	t.Helper()
	r := do(t, "GET", url+"/metrics", "", "", nil)
	for _, l := range strings.Split(string(r.body), "\n") {
		if rest, ok := strings.CutPrefix(l, series+" "); ok {
			v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", url, l, err)
			}
			return v
		}
	}
	return 0
}

// amAlert is an alert as Alertmanager's API lists it.
type amAlert struct {
	Labels   map[string]string `json:"labels"`
	StartsAt time.Time         `json:"startsAt"`
}

func amAlertsStarts(t *testing.T, am string) []amAlert {
	t.Helper()
	resp, err := http.Get(am + "/api/v2/alerts?active=true&silenced=false&inhibited=false")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var as []amAlert
	if err := json.NewDecoder(resp.Body).Decode(&as); err != nil {
		t.Fatalf("%s/api/v2/alerts: %v", am, err)
	}
	return as
}

// TestServe_TwoProcesses is the several-instances end-to-end test: two covmon serve processes
// (this package built into a binary) on one throwaway PostgreSQL holding the seeds, sharing a
// drop folder, delivering to a webhook and to a real Alertmanager. The first leads: it alone
// runs the drop folder job (a file dropped is stored once) and evaluates and delivers; the
// second serves, and answers the same completion forecast. An upload to either is read from
// the other. SIGKILL of the leader's process: the second leads within the documented bound,
// its drop folder job runs, and the alert of a file rejected after the takeover reaches the
// webhook and Alertmanager. Every transition was heard once, and Alertmanager holds one alert
// per firing alert.
func TestServe_TwoProcesses(t *testing.T) {
	bin := buildCovmon(t)
	pg := pgtest.NewDatabase(t)
	mustRun(t, "", "migrate", "--from", seededDB(t), "--to", pg)
	viettel := createToken(t, pg, "--carrier", "viettel")
	ministry := createToken(t, pg, "--role", "ministry")
	rec := newReceiver(t)
	am := startAlertmanager(t, rec.srv.URL+"/am")
	inbox := t.TempDir()
	// refresh_every 1s: each instance's snapshot counts the other's uploads at its next
	// refresh (docs/deployment.md), so the two forecasts agree within a second or two.
	cfg := writeFile(t, "covmon.yml", fmt.Sprintf(`collector: {inbox: %q, inbox_every: 1s, settle: 1s, refresh_every: 1s}
alerts: {evaluate_every: 1s, rejected_window: 87600h, alertmanager_url: %q, webhooks: [{name: ops, url: %q}]}
`, inbox, am, rec.srv.URL+"/hook"))

	a := startServeProc(t, "covmon-a", bin, pg, cfg)
	waitUntil(t, "the first process leads", e2eWait, func() bool { return metric(t, a.url, "covmon_instance_leader") == 1 })
	b := startServeProc(t, "covmon-b", bin, pg, cfg)
	if la, lb := leader(t, &server{url: a.url}), leader(t, &server{url: b.url}); la != "1" || lb != "0" {
		t.Fatalf("leaders: first %s, second %s; want 1 and 0", la, lb)
	}

	// The drop folder job runs on the leader only: a file dropped while both run is stored once.
	drop := func(name, observedAt string) {
		t.Helper()
		dir := filepath.Join(inbox, "viettel")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		body := strings.Replace(goodObs, `"observed_at":"2026-11-01"`, `"observed_at":"`+observedAt+`"`, 1)
		if err := os.WriteFile(p+".part", []byte(body), 0o640); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour) // settled
		if err := os.Chtimes(p+".part", old, old); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p+".part", p); err != nil {
			t.Fatal(err)
		}
	}
	stored := func(name string) []any {
		r := do(t, "GET", b.url+"/api/v1/uploads?limit=100", ministry, "", nil)
		if r.status != 200 {
			t.Fatalf("uploads: %d %s", r.status, r.body)
		}
		var out []any
		us, _ := r.json(t)["uploads"].([]any)
		for _, u := range us {
			if m, _ := u.(map[string]any); m != nil && strings.HasSuffix(fmt.Sprint(m["file"]), name) {
				out = append(out, u)
			}
		}
		return out
	}
	drop("dropped-a.geojson", "2026-11-02")
	waitUntil(t, "the dropped file is stored", e2eWait, func() bool { return len(stored("dropped-a.geojson")) > 0 })
	if got := stored("dropped-a.geojson"); len(got) != 1 {
		t.Fatalf("the dropped file is stored %d times: %v", len(got), got)
	}
	inboxRuns := `covmon_job_runs_total{job_name="inbox",status="success"}`
	waitUntil(t, "the leader's drop folder job has run", e2eWait, func() bool { return metric(t, a.url, inboxRuns) > 0 })
	if ra, rb := metric(t, a.url, inboxRuns), metric(t, b.url, inboxRuns); ra == 0 || rb != 0 {
		t.Fatalf("drop folder runs: leader %v, follower %v; want some and none", ra, rb)
	}

	// An upload to the follower is read from the leader, and one to the leader from the follower.
	r := do(t, "POST", b.url+"/api/v1/uploads?name=viettel-nov.geojson", viettel, "application/geo+json", strings.NewReader(goodObs))
	if r.status != 201 {
		t.Fatalf("upload to the second process: %d %s", r.status, r.body)
	}
	idB := int64(r.json(t)["upload_id"].(float64))
	r = do(t, "POST", a.url+"/api/v1/uploads?name=viettel-nov3.geojson", viettel, "application/geo+json",
		strings.NewReader(strings.Replace(goodObs, "2026-11-01", "2026-11-03", 1)))
	if r.status != 201 {
		t.Fatalf("upload to the first process: %d %s", r.status, r.body)
	}
	idA := int64(r.json(t)["upload_id"].(float64))
	for _, c := range []struct {
		url string
		id  int64
	}{{a.url, idB}, {b.url, idA}} {
		if r := do(t, "GET", fmt.Sprintf("%s/api/v1/uploads/%d", c.url, c.id), viettel, "", nil); r.status != 200 || r.json(t)["result"] != "accepted" {
			t.Fatalf("upload %d from %s: %d %s", c.id, c.url, r.status, r.body)
		}
	}
	if r := do(t, "GET", a.url+"/api/v1/villages/V04-0004", viettel, "", nil); r.status != 200 || !strings.Contains(string(r.body), "2026-11-01") {
		t.Fatalf("the village from the first process: %d %.500s", r.status, r.body)
	}

	// The follower answers the leader's completion forecast (it computes it from the same data).
	forecast := func(url string) map[string]any {
		f, _ := do(t, "GET", url+"/api/v1/summary", ministry, "", nil).json(t)["forecast"].(map[string]any)
		return f
	}
	// Each counts the other's uploads (and the leader's dropped file) from its next refresh:
	// until then the two may differ (seen: remaining 35 and 34), not after.
	same := func(fa, fb map[string]any) bool {
		for _, k := range []string{"status", "method", "remaining", "slope_per_week", "points", "misses_deadline"} {
			if fmt.Sprint(fa[k]) != fmt.Sprint(fb[k]) {
				return false
			}
		}
		return true
	}
	var fa, fb map[string]any
	waitUntil(t, "both processes have the same forecast", e2eWait, func() bool {
		fa, fb = forecast(a.url), forecast(b.url)
		return fa != nil && fb != nil && fa["status"] != "not_evaluated" && fb["status"] != "not_evaluated" && same(fa, fb)
	})
	for _, k := range []string{"status", "method", "remaining", "slope_per_week", "points", "misses_deadline"} {
		if fmt.Sprint(fa[k]) != fmt.Sprint(fb[k]) {
			t.Errorf("forecast %s: leader %v, follower %v", k, fa[k], fb[k])
		}
	}
	// Each process projects from its own snapshot's instant (computed_at): the same trend from
	// instants a moment apart reaches zero the same moment apart (to the second each is printed).
	at := func(f map[string]any, k string) time.Time {
		v, err := time.Parse(time.RFC3339, fmt.Sprint(f[k]))
		if err != nil {
			t.Fatalf("forecast %s: %v", k, err)
		}
		return v
	}
	if fa["zero_at"] != nil || fb["zero_at"] != nil {
		d := at(fa, "zero_at").Sub(at(fb, "zero_at")) - at(fa, "computed_at").Sub(at(fb, "computed_at"))
		if d < -time.Second || d > time.Second {
			t.Errorf("forecast zero_at: leader %v, follower %v, computed at %v and %v", fa["zero_at"], fb["zero_at"], fa["computed_at"], fb["computed_at"])
		}
	}

	// The leader has delivered the seeds' alerts (nothing claimed and in flight when it dies).
	// The outbox is read from the store, not from the leader's covmon_alert_outbox_pending: the
	// gauge is set after an evaluation has queued its rows, and its delivery may already have
	// begun (covmon_alert_deliveries_total counts each batch sent) while it still reads 0.
	empty := outboxEmpty(t, pg)
	waitUntil(t, "the leader delivers the seeds' alerts", e2eWait, func() bool {
		return metric(t, a.url, `covmon_alert_deliveries_total{receiver="ops",result="success"}`) > 0 && empty()
	})

	// SIGKILL the leader's process: the second leads within the documented bound.
	killed := time.Now()
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.proc.Exited
	waitUntil(t, "the second process leads", e2eWait, func() bool { return metric(t, b.url, "covmon_instance_leader") == 1 })
	took := time.Since(killed)
	t.Logf("the second process led %v after the first was killed", took.Round(time.Millisecond))
	if took > takeoverBound {
		t.Errorf("takeover took %v, more than %v", took, takeoverBound)
	}
	// Its drop folder job runs now.
	drop("dropped-b.geojson", "2026-11-04")
	waitUntil(t, "the new leader stores a dropped file", e2eWait, func() bool { return len(stored("dropped-b.geojson")) > 0 })
	if got := stored("dropped-b.geojson"); len(got) != 1 {
		t.Fatalf("the second dropped file is stored %d times: %v", len(got), got)
	}
	// The job's run is counted when it returns, after the upload it stored is visible (it
	// still archives the file): seen under CI load, the count read at once was still 0.
	waitUntil(t, "the new leader's drop folder job has run", e2eWait, func() bool { return metric(t, b.url, inboxRuns) > 0 })

	// A file rejected now fires an alert that the new leader delivers to both receivers.
	mark := rec.mark()
	bad := strings.Replace(goodObs, `"observed_at":"2026-11-01"`, `"observed_at":"yesterday"`, 1)
	if r := do(t, "POST", b.url+"/api/v1/uploads?name=bad.geojson", viettel, "application/geo+json", strings.NewReader(bad)); r.status != 422 {
		t.Fatalf("a bad file: %d %s, want 422", r.status, r.body)
	}
	rec.until(t, "the new leader delivers the rejected upload's alert to the webhook and through Alertmanager", func() bool {
		var hook, viaAM bool
		for _, n := range rec.log[mark:] {
			hook = hook || n.at == "hook" && strings.HasPrefix(n.id, "upload_rejected/") && n.status == "firing"
			viaAM = viaAM || n.at == "am" && strings.Contains(n.id, `alertname="CovmonUploadRejected"`) && n.status == "firing"
		}
		return hook && viaAM
	})

	// Alertmanager holds one alert per alert firing (as the webhook heard them), once the
	// new leader's outbox is empty.
	waitUntil(t, "the new leader's outbox is empty", e2eWait, empty)
	rec.mu.Lock()
	firing := map[string]bool{} // webhook key -> firing after its last transition
	seen := map[string]int{}
	for _, n := range rec.log {
		seen[n.at+" "+n.id+" "+n.status]++
		if n.at == "hook" {
			firing[n.id] = n.status == "firing"
		}
	}
	rec.mu.Unlock()
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s heard %d times, want once", k, n)
		}
	}
	nFiring := 0
	for _, f := range firing {
		if f {
			nFiring++
		}
	}
	as := amAlertsStarts(t, am)
	byLabels := map[string]int{}
	for _, a := range as {
		byLabels[labelKey(a.Labels)]++
		if a.StartsAt.IsZero() || a.StartsAt.After(time.Now()) {
			t.Errorf("Alertmanager alert %v starts at %v", a.Labels, a.StartsAt)
		}
	}
	for k, n := range byLabels {
		if n != 1 {
			t.Errorf("Alertmanager holds %d alerts %s", n, k)
		}
	}
	if len(as) != nFiring {
		t.Errorf("Alertmanager holds %d alerts, the webhook heard %d firing: %v", len(as), nFiring, slices.Sorted(maps.Keys(byLabels)))
	}
	t.Logf("%d notifications, %d after the takeover; Alertmanager holds %d alerts", len(seen), len(rec.log)-mark, len(as))
}
