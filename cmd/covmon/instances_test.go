package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/postgres/pgtest"
)

var leaderMetric = regexp.MustCompile(`(?m)^covmon_instance_leader (\d)`)

// leader reads covmon_instance_leader from an instance's /metrics.
func leader(t *testing.T, s *server) string {
	t.Helper()
	r := do(t, "GET", s.url+"/metrics", "", "", nil)
	m := leaderMetric.FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("%s/metrics has no covmon_instance_leader:\n%.2000s", s.url, r.body)
	}
	return string(m[1])
}

// outboxEmpty returns a check that no alert transition waits in db's outbox for any receiver.
// A row handed out for delivery counts until it is marked sent (or dropped), so an empty
// outbox means no notification is on its way.
func outboxEmpty(t *testing.T, db string) func() bool {
	t.Helper()
	m := NewMain()
	m.Stdout, m.Stderr, m.Getenv = io.Discard, io.Discard, func(string) string { return "" }
	m.Now = func() time.Time { return testNow }
	m.Config.Database = db
	if err := m.open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return func() bool {
		n, err := m.DB.PendingDeliveries(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range n {
			if k > 0 {
				return false
			}
		}
		return true
	}
}

// TestServe_TwoInstances runs two covmon serve on one PostgreSQL database (the seeds, copied
// by covmon migrate) with one webhook receiver: the first to start leads, the second serves
// but neither evaluates nor delivers; an upload to the second is visible from the first; when
// the leader stops, the second takes over and delivers the transition the upload caused; and
// the receiver heard every transition exactly once.
func TestServe_TwoInstances(t *testing.T) {
	pg := pgtest.NewDatabase(t)
	mustRun(t, "", "migrate", "--from", seededDB(t), "--to", pg)
	viettel := createToken(t, pg, "--carrier", "viettel")
	rec := newReceiver(t)
	cfg := writeFile(t, "covmon.yml", fmt.Sprintf("alerts: {evaluate_every: 1s, rejected_window: 87600h, webhooks: [{name: ops, url: %q}]}\n", rec.srv.URL+"/hook"))

	a := startServe(t, pg, "--config", cfg)
	rec.until(t, "the first instance delivers the seeds' alerts", func() bool { return len(rec.log) > 0 })
	b := startServe(t, pg, "--config", cfg)
	if la, lb := leader(t, a), leader(t, b); la != "1" || lb != "0" {
		t.Fatalf("leaders: first %s, second %s; want 1 and 0", la, lb)
	}

	// An upload to the second instance is visible from the first.
	r := do(t, "POST", b.url+"/api/v1/uploads?name=viettel-nov.geojson", viettel, "application/geo+json", strings.NewReader(goodObs))
	if r.status != 201 {
		t.Fatalf("upload to the second instance: %d %s", r.status, r.body)
	}
	id := int64(r.json(t)["upload_id"].(float64))
	if r := do(t, "GET", fmt.Sprintf("%s/api/v1/uploads/%d", a.url, id), viettel, "", nil); r.status != 200 || r.json(t)["result"] != "accepted" {
		t.Fatalf("the upload from the first instance: %d %s", r.status, r.body)
	}
	if r := do(t, "GET", a.url+"/api/v1/villages/V04-0004", viettel, "", nil); r.status != 200 || !strings.Contains(string(r.body), "2026-11-01") {
		t.Fatalf("the village from the first instance: %d %.500s", r.status, r.body)
	}

	// The leader stops: the second takes over (its loops ask every 10 s at most); a file
	// rejected now fires an alert that the second instance evaluates and delivers.
	// Nothing is on its way from the first instance when it stops: a stop cancels a POST in
	// flight, which the receiver may have heard already, and its row stays in the outbox for
	// the second instance to deliver again (at least once, docs/deployment.md), so the
	// receiver would hear it twice. The first notification heard says nothing of the rest of
	// its batch or of the next ones.
	waitUntil(t, "the first instance's outbox is empty", e2eWait, outboxEmpty(t, pg))
	a.stop()
	waitUntil(t, "the second instance leads", e2eWait, func() bool { return leader(t, b) == "1" })
	mark := rec.mark()
	bad := strings.Replace(goodObs, `"observed_at":"2026-11-01"`, `"observed_at":"yesterday"`, 1)
	if r := do(t, "POST", b.url+"/api/v1/uploads?name=bad.geojson", viettel, "application/geo+json", strings.NewReader(bad)); r.status != 422 {
		t.Fatalf("a bad file: %d %s, want 422", r.status, r.body)
	}
	rec.until(t, "the second instance delivers the rejected upload's alert", func() bool {
		for _, n := range rec.log[mark:] {
			if strings.HasPrefix(n.id, "upload_rejected/") && n.status == "firing" {
				return true
			}
		}
		return false
	})

	// Every transition was heard once, from whichever instance led.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	seen := map[string]int{}
	for _, n := range rec.log {
		seen[n.at+" "+n.id+" "+n.status]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s heard %d times, want once", k, n)
		}
	}
	t.Logf("%d notifications, %d after the takeover", len(rec.log), len(rec.log)-mark)
}
