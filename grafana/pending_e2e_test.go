package grafana_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pendingPanel is the national dashboard's panel saying as of when the figures are and, while
// a whole computation is owed to uploads they do not count, since when and by when it runs.
const pendingPanel = "Số liệu tính đến / chờ tính lại"

// TestEndToEnd_Pending runs the pending panel's queries against a real Prometheus scraping a
// real `covmon serve --seed` (collector.min_full_refresh_interval an hour): with nothing owed
// the panel reads the figures' instant and 0 ("không / none") for since and due; after a
// carrier's plans arrive through the drop folder (they owe a whole computation) it reads the
// instant, since and due that covmon's /metrics and API summary give, to the millisecond.
func TestEndToEnd_Pending(t *testing.T) {
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus not found (%v): run .ci/run, or apt-get install prometheus (Debian)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	covmonURL := startCovmon(ctx, t, tmp, "collector:\n  inbox_every: 1s\n  refresh_every: 1h\n  min_full_refresh_interval: 1h\n", nil)
	promURL := startPrometheus(t, prom, tmp, strings.TrimPrefix(covmonURL, "http://"))
	targets := panelTargets(t, pendingPanel)
	if len(targets) != 3 {
		t.Fatalf("panel %q: %d targets, want as of, since, due", pendingPanel, len(targets))
	}

	// Nothing owed: the instant, and 0 (mapped to "không / none") for since and due.
	asOf := covmonMetric(ctx, t, covmonURL, "covmon_snapshot_as_of_timestamp_seconds")
	waitValues(ctx, t, promURL, targets, []float64{asOf * 1000, 0, 0})

	// Viettel's plans for V04-0004 (its responsibility in the seeds) owe a whole computation,
	// due an hour after the last one ended.
	dropFile(t, filepath.Join(tmp, "inbox", "viettel", "plans", "plans.geojson"), `{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V04-0004","program":"vls-2024","site_id":"VTL-04-0200","target_on_air":"2026-12-31","progress":"planned","planned_at":"2026-06-01"}}]}`)
	var pending map[string]any
	deadline := time.Now().Add(5 * time.Minute) // returns as soon as they are: a bound for a loaded machine
	for pending == nil {
		var sum struct {
			AsOf    string         `json:"as_of"`
			Pending map[string]any `json:"pending"`
		}
		if err := json.Unmarshal(httpGet(ctx, t, covmonURL+"/api/v1/summary"), &sum); err != nil {
			t.Fatal(err)
		}
		pending = sum.Pending
		if time.Now().After(deadline) {
			t.Fatalf("after 5 minutes the summary owes nothing: the plans were not taken up")
		}
		time.Sleep(200 * time.Millisecond)
	}
	since, due := covmonMetric(ctx, t, covmonURL, "covmon_refresh_pending_since_timestamp_seconds"), covmonMetric(ctx, t, covmonURL, "covmon_refresh_due_timestamp_seconds")
	for name, m := range map[string]float64{"since": since, "due": due} {
		at, err := time.Parse(time.RFC3339Nano, pending[name].(string))
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(m*1000 - float64(at.UnixMilli())); d > 1 {
			t.Errorf("pending.%s %s, the metric %f: %.0f ms apart", name, at, m, d)
		}
	}
	if !(since > 0 && due > since) {
		t.Fatalf("since %f, due %f", since, due)
	}
	waitValues(ctx, t, promURL, targets, []float64{covmonMetric(ctx, t, covmonURL, "covmon_snapshot_as_of_timestamp_seconds") * 1000, since * 1000, due * 1000})
}

// panelTargets returns the exprs of the national dashboard's panel titled title, in order.
func panelTargets(t *testing.T, title string) []string {
	t.Helper()
	d := readDashboard(t, filepath.Join("dashboards", "dead-zones-national.json"))
	for _, p := range d.allPanels() {
		if p.Title == title {
			var out []string
			for _, tg := range p.Targets {
				out = append(out, substitute(t, tg.Expr))
			}
			return out
		}
	}
	t.Fatalf("no panel %q", title)
	return nil
}

// covmonMetric reads an unlabelled gauge from covmon's /metrics.
func covmonMetric(ctx context.Context, t *testing.T, base, name string) float64 {
	t.Helper()
	for _, l := range strings.Split(string(httpGet(ctx, t, base+"/metrics")), "\n") {
		if rest, ok := strings.CutPrefix(l, name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return v
		}
	}
	t.Fatalf("no %s in covmon's /metrics", name)
	return 0
}

// waitValues waits (at most 5 minutes: Prometheus scrapes every second, a loaded machine may
// time some scrapes out) until each expr's one
// sample is want's value (within a millisecond: a float of milliseconds).
func waitValues(ctx context.Context, t *testing.T, promURL string, exprs []string, want []float64) {
	t.Helper()
	eventually(ctx, t, 250*time.Millisecond, func() error {
		var bad []string
		for i, e := range exprs {
			got, err := instantValue(ctx, promURL, e)
			if err != nil || math.Abs(got-want[i]) > 1 {
				bad = append(bad, fmt.Sprintf("%s = %f (%v), want %f", e, got, err, want[i]))
			}
		}
		if len(bad) == 0 {
			return nil
		}
		return fmt.Errorf("the panel's queries after 5 minutes:\n%s", strings.Join(bad, "\n"))
	})
}

// instantValue runs expr at the current time and returns its one sample's value.
func instantValue(ctx context.Context, base, expr string) (float64, error) {
	data, err := apiGet(ctx, base, "/api/v1/query", url.Values{"query": {expr}})
	if err != nil {
		return 0, err
	}
	var d struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return 0, err
	}
	if len(d.Result) != 1 {
		return 0, fmt.Errorf("%d samples, want 1", len(d.Result))
	}
	s, _ := d.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}
