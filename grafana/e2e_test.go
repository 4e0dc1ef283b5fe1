package grafana_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/grafana/promtest"
)

// seedProgram is the program of the SYNTHETIC seed data (seeds/README.md).
const seedProgram = "vls-2024"

// templateValues replaces Grafana's template variables in exprs: the seed program, every
// province and carrier (the dashboards' allValue), and fixed intervals.
var templateValues = map[string]string{
	"program":         seedProgram,
	"province":        ".*",
	"carrier":         ".*",
	"__interval":      "1m",
	"__rate_interval": "1m",
	"__range":         "1h",
	"__interval_ms":   "60000",
	"__range_s":       "3600",
}

// badUpload is an observations file the inbox rejects (unknown village, unknown technology), so
// the carriers dashboard's rejected-upload and validation-problem panels have data.
const badUpload = `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"NO-SUCH-VILLAGE","technology":"6g","has_signal":true,"observed_at":"2026-01-01","method":"drive_test"}}]}
`

// TestEndToEnd runs every dashboard and rule expression against a real Prometheus scraping a
// real `covmon serve --seed`, all on loopback in a temporary directory.
func TestEndToEnd(t *testing.T) {
	pt := promtool(t)
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus not found (%v): run .ci/run, or apt-get install prometheus (Debian)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tmp := t.TempDir()

	// Short job intervals so job metrics and the rejected upload appear within seconds.
	covmonURL := startCovmon(ctx, t, tmp, "collector:\n  inbox_every: 2s\n  refresh_every: 2s\nalerts:\n  evaluate_every: 2s\n", map[string]string{"viettel/bad.geojson": badUpload})
	t.Logf("covmon: %s", covmonURL)
	closeRecently(ctx, t, covmonURL, filepath.Join(tmp, "inbox"))

	t.Run("CheckMetrics", func(t *testing.T) {
		body := httpGet(ctx, t, covmonURL+"/metrics")
		cmd := exec.CommandContext(ctx, pt, "check", "metrics")
		cmd.Stdin = bytes.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics on covmon's /metrics: %v\n%s", err, out)
		}
	})

	promURL := startPrometheus(t, prom, tmp, strings.TrimPrefix(covmonURL, "http://"))
	t.Logf("prometheus: %s", promURL)
	waitForData(ctx, t, promURL)

	t.Run("Dashboards", func(t *testing.T) {
		for _, path := range dashboardFiles(t) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			delete(doc, "title") // name panels, not the dashboard, in messages
			exprs, vars := collectQueries(doc, "")
			if len(exprs) == 0 || len(vars) == 0 {
				t.Fatalf("%s: found %d exprs and %d variable queries", path, len(exprs), len(vars))
			}
			for _, q := range exprs {
				expr := substitute(t, q.text)
				n, err := instantQuery(ctx, promURL, expr)
				switch {
				case err != nil:
					t.Errorf("%s %s: %v\n  expr: %s", filepath.Base(path), q.where, err, expr)
				case n == 0:
					t.Errorf("%s %s: no data\n  expr: %s", filepath.Base(path), q.where, expr)
				default:
					t.Logf("%s %s: %d series: %s", filepath.Base(path), q.where, n, expr)
				}
				// A fallback ("or vector(-1)": the forecast's "never at this pace") must not
				// hide a misspelt metric: the forecast converges (closeRecently), so the left
				// side has data too.
				if left, _, ok := strings.Cut(expr, " or vector("); ok {
					if n, err := instantQuery(ctx, promURL, left); err != nil || n == 0 {
						t.Errorf("%s %s: left of the fallback: %d series (%v)\n  expr: %s", filepath.Base(path), q.where, n, err, left)
					}
				}
			}
			for _, q := range vars {
				values, err := labelValues(ctx, promURL, substitute(t, q.text))
				switch {
				case err != nil:
					t.Errorf("%s %s: %v", filepath.Base(path), q.where, err)
				case len(values) == 0:
					t.Errorf("%s %s: no values: %s", filepath.Base(path), q.where, q.text)
				default:
					t.Logf("%s %s: %d values %v: %s", filepath.Base(path), q.where, len(values), values, q.text)
				}
				if strings.HasSuffix(q.where, `"program"`) && !slices.Contains(values, seedProgram) {
					t.Errorf("%s %s: values %v, want %q among them", filepath.Base(path), q.where, values, seedProgram)
				}
			}
		}
	})

	t.Run("Rules", func(t *testing.T) {
		var rf ruleFile
		readYAML(t, rulesPath, &rf)
		// The rules watch covmon's health only (its engine owns the domain alerts): on a
		// healthy covmon with the seeds none is active, but the series they read exist.
		for _, q := range []string{`up{job="covmon"}`, "covmon_snapshot_timestamp_seconds", "covmon_job_consecutive_failures"} {
			if n, err := instantQuery(ctx, promURL, q); err != nil || n == 0 {
				t.Errorf("%s: %d series (%v), want some", q, n, err)
			}
		}
		mustFire := map[string]bool{}
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				n, err := instantQuery(ctx, promURL, r.Expr)
				switch {
				case err != nil:
					t.Errorf("%s: %v\n  expr: %s", r.Alert, err, r.Expr)
				case mustFire[r.Alert] && n == 0:
					t.Errorf("%s: selects nothing on the seed data, want the alert active\n  expr: %s", r.Alert, r.Expr)
				default:
					t.Logf("rule %s: %d series", r.Alert, n)
				}
			}
		}
		// Prometheus itself loaded and evaluated every rule without error.
		states, err := ruleStates(ctx, promURL)
		if err != nil {
			t.Fatal(err)
		}
		// A scrape of covmon may time out on a loaded machine (scrape_timeout 1s): Prometheus
		// records up 0 for it, and the rules watching the scrapes may then rightly be pending.
		// They may be active only when a scrape did fail (read after the states).
		watchesScrapes := map[string]bool{"CovmonDown": true, "CovmonScrapesFailing": true}
		scrapeFailed := false
		if n, err := instantQuery(ctx, promURL, `min_over_time(up{job="covmon"}[1h]) == 0`); err == nil && n > 0 {
			scrapeFailed = true
		}
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				st, ok := states[r.Alert]
				if !ok {
					t.Errorf("%s: not loaded by Prometheus", r.Alert)
					continue
				}
				if st.Health != "ok" || st.LastError != "" {
					t.Errorf("%s: health=%q lastError=%q, want ok", r.Alert, st.Health, st.LastError)
				}
				if mustFire[r.Alert] && st.State == "inactive" {
					t.Errorf("%s: state=%q, want pending or firing", r.Alert, st.State)
				}
				if !mustFire[r.Alert] && st.State != "inactive" {
					if scrapeFailed && watchesScrapes[r.Alert] {
						t.Logf("%s: state=%q: a scrape of covmon failed (timed out on a loaded machine)", r.Alert, st.State)
					} else {
						t.Errorf("%s: state=%q on a healthy covmon, want inactive", r.Alert, st.State)
					}
				}
			}
		}
	})
}

// startCovmon builds covmon from this repository and runs `covmon serve --seed` on a loopback
// port chosen by the kernel, with the configuration cfg and a drop folder holding inbox (path
// under the folder → content, settled: taken at once). It returns the base URL covmon prints.
func startCovmon(ctx context.Context, t *testing.T, tmp, cfgYAML string, inbox map[string]string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not found: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, "covmon")
	build := exec.CommandContext(ctx, goBin, "build", "-o", bin, "./cmd/covmon")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/covmon: %v\n%s", err, out)
	}

	if err := os.MkdirAll(filepath.Join(tmp, "inbox"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range inbox {
		dropFile(t, filepath.Join(tmp, "inbox", filepath.FromSlash(name)), content)
	}
	cfg := filepath.Join(tmp, "covmon.yml")
	if err := os.WriteFile(cfg, []byte(cfgYAML), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "serve", "--seed", "--db", filepath.Join(tmp, "covmon.db"), "--config", cfg,
		"--inbox", filepath.Join(tmp, "inbox"), "--listen", "127.0.0.1:0")
	cmd.Dir = tmp
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	proc := promtest.Start(t, "covmon", cmd)

	urls := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`covmon is serving on (http://127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-urls:
		return u
	case <-proc.Exited:
		t.Fatalf("covmon serve exited before serving:\n%s", promtest.Tail(proc.Log))
	case <-time.After(5 * time.Minute):
		t.Fatalf("covmon serve did not print its URL within 5m:\n%s", promtest.Tail(proc.Log))
	case <-ctx.Done():
		t.Fatalf("covmon serve: %v", ctx.Err())
	}
	return ""
}

// forecastWeeks is the number of weekly points covmon's completion forecast is fitted on (its
// default, alerts.forecast_weeks).
const forecastWeeks = 12

// closeRecently makes the completion forecast converge on whatever day the test runs: covmon
// fits it on the dead zones counted weekly over the last forecastWeeks weeks before now (the
// real clock), and the seeds' last observation is of 2026-10-31, so from 2027-01 the seeds'
// trend alone is flat ("not converging": the forecast metric absent). It drops into the inbox
// one observations file covering one of the seeds' dead zones a week over those weeks (each a
// day before its weekly point), so the weekly counts fall by at least one a week, then waits
// until covmon's summary says the forecast converges.
func closeRecently(ctx context.Context, t *testing.T, covmonURL, inbox string) {
	t.Helper()
	var dead struct {
		Features []struct {
			Properties struct {
				VillageID string `json:"village_id"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(httpGet(ctx, t, covmonURL+"/api/v1/villages?status=dead_zone"), &dead); err != nil {
		t.Fatal(err)
	}
	if len(dead.Features) < forecastWeeks {
		t.Fatalf("seeds: %d dead zones, want at least %d", len(dead.Features), forecastWeeks)
	}
	vn := time.FixedZone("UTC+7", 7*3600)
	today := time.Now().In(vn)
	var fs []string
	for k := range forecastWeeks {
		day := today.AddDate(0, 0, -7*k-1).Format("2006-01-02")
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","geometry":null,"properties":{"village_id":%q,"technology":"4g","has_signal":true,"rsrp_dbm":-90,"observed_at":%q,"method":"drive_test"}}`,
			dead.Features[k].Properties.VillageID, day))
	}
	dropFile(t, filepath.Join(inbox, "viettel", "recent.geojson"),
		`{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[`+strings.Join(fs, ",\n")+"]}\n")
	eventually(ctx, t, 500*time.Millisecond, func() error {
		var sum struct {
			Forecast struct {
				Status string `json:"status"`
			} `json:"forecast"`
		}
		if err := json.Unmarshal(httpGet(ctx, t, covmonURL+"/api/v1/summary"), &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Forecast.Status == "converging" {
			return nil
		}
		return fmt.Errorf("the forecast is %q 5 minutes after the recent closures were dropped, want converging", sum.Forecast.Status)
	})
}

// eventually calls check every interval until it returns nil, for at most 5 minutes (the
// machine may be busy; it returns as soon as check does): then the test fails with check's
// last error.
func eventually(ctx context.Context, t *testing.T, every time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(every):
		}
	}
}

// dropFile writes content at path (its folder made), settled: an hour old, so the inbox takes
// it at its next scan.
func dropFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// startPrometheus runs Prometheus scraping covmon and evaluating the repository's rules file.
func startPrometheus(t *testing.T, prom, tmp, covmonAddr string) string {
	t.Helper()
	rules, err := filepath.Abs(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	return promtest.StartPrometheus(t, prom, tmp, rules, covmonAddr)
}

func httpGet(ctx context.Context, t *testing.T, u string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", u, resp.Status, b)
	}
	return b
}

type apiResponse struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

func apiGet(ctx context.Context, base, path string, params url.Values) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+path+"?"+params.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r apiResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", path, resp.Status, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: status %q: %s: %s", path, r.Status, r.ErrorType, r.Error)
	}
	return r.Data, nil
}

// instantQuery runs expr at the current time and returns the number of series (1 for a scalar).
func instantQuery(ctx context.Context, base, expr string) (int, error) {
	data, err := apiGet(ctx, base, "/api/v1/query", url.Values{"query": {expr}})
	if err != nil {
		return 0, err
	}
	var d struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return 0, err
	}
	switch d.ResultType {
	case "vector", "matrix":
		var rs []json.RawMessage
		if err := json.Unmarshal(d.Result, &rs); err != nil {
			return 0, err
		}
		return len(rs), nil
	case "scalar", "string":
		return 1, nil
	}
	return 0, fmt.Errorf("unexpected result type %q", d.ResultType)
}

var labelValuesRe = regexp.MustCompile(`^\s*label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)

// labelValues answers a Grafana label_values([selector,] label) variable query the way the
// Prometheus datasource does, with the label values API.
func labelValues(ctx context.Context, base, q string) ([]string, error) {
	m := labelValuesRe.FindStringSubmatch(q)
	if m == nil {
		return nil, fmt.Errorf("not a label_values(...) query: %q", q)
	}
	params := url.Values{"start": {fmt.Sprint(time.Now().Add(-time.Hour).Unix())}}
	if m[1] != "" {
		params.Set("match[]", m[1])
	}
	data, err := apiGet(ctx, base, "/api/v1/label/"+m[2]+"/values", params)
	if err != nil {
		return nil, err
	}
	var values []string
	if err := json.Unmarshal(data, &values); err != nil {
		return nil, err
	}
	return values, nil
}

type ruleState struct {
	State     string `json:"state"`
	Health    string `json:"health"`
	LastError string `json:"lastError"`
	Evaluated string `json:"lastEvaluation"`
}

// ruleStates returns the state of every alerting rule Prometheus has loaded, by name.
func ruleStates(ctx context.Context, base string) (map[string]ruleState, error) {
	data, err := apiGet(ctx, base, "/api/v1/rules", url.Values{"type": {"alert"}})
	if err != nil {
		return nil, err
	}
	var d struct {
		Groups []struct {
			Rules []struct {
				Name string `json:"name"`
				ruleState
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	out := map[string]ruleState{}
	for _, g := range d.Groups {
		for _, r := range g.Rules {
			out[r.Name] = r.ruleState
		}
	}
	return out, nil
}

// waitForData waits (at most 5 minutes: the machine may be busy) until Prometheus has scraped covmon several times, including
// the rejected inbox upload and the job metrics, and has evaluated every rule: then range
// functions over 1m have enough samples.
func waitForData(ctx context.Context, t *testing.T, base string) {
	t.Helper()
	checks := []string{
		`up{job="covmon"} == 1`,
		`count_over_time(covmon_snapshot_timestamp_seconds[1m]) >= 5`,
		`covmon_uploads_total{result="rejected"}`,
		`covmon_validation_problems_total`,
		`count_over_time(covmon_job_runs_total[1m]) >= 5`,
		`covmon_program_history_villages`, // published once the background backfill ran
	}
	eventually(ctx, t, 500*time.Millisecond, func() error {
		var missing []string
		for _, c := range checks {
			if n, err := instantQuery(ctx, base, c); err != nil || n == 0 {
				missing = append(missing, fmt.Sprintf("%s (%v)", c, err))
			}
		}
		states, err := ruleStates(ctx, base)
		evaluated := err == nil && len(states) > 0
		for _, s := range states {
			if s.Evaluated == "" || strings.HasPrefix(s.Evaluated, "0001-") {
				evaluated = false
			}
		}
		if !evaluated {
			missing = append(missing, "every rule evaluated")
		}
		if len(missing) == 0 {
			return nil
		}
		return fmt.Errorf("after 5 minutes Prometheus still lacks: %s", strings.Join(missing, "; "))
	})
}

type query struct {
	where, text string
}

// collectQueries walks a dashboard's JSON and returns every "expr" (panel targets,
// annotations, wherever they are) and every query variable's label_values query.
func collectQueries(v any, where string) (exprs, vars []query) {
	switch v := v.(type) {
	case map[string]any:
		here := where
		if title, ok := v["title"].(string); ok {
			here = where + fmt.Sprintf(" panel %q", title)
		} else if name, ok := v["name"].(string); ok {
			here = where + fmt.Sprintf(" %q", name)
		}
		if ref, ok := v["refId"].(string); ok {
			here += " " + ref
		}
		if e, ok := v["expr"].(string); ok {
			exprs = append(exprs, query{strings.TrimSpace(here), e})
		}
		if v["type"] == "query" {
			if def, ok := v["definition"].(string); ok {
				vars = append(vars, query{strings.TrimSpace(where + " variable " + fmt.Sprintf("%q", v["name"])), def})
			}
			q := v["query"]
			if o, ok := q.(map[string]any); ok {
				q = o["query"]
			}
			if s, ok := q.(string); ok && s != v["definition"] {
				vars = append(vars, query{strings.TrimSpace(where + " variable " + fmt.Sprintf("%q", v["name"])), s})
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "query" || k == "definition" {
				continue
			}
			e, q := collectQueries(v[k], here)
			exprs, vars = append(exprs, e...), append(vars, q...)
		}
	case []any:
		for _, x := range v {
			e, q := collectQueries(x, where)
			exprs, vars = append(exprs, e...), append(vars, q...)
		}
	}
	return exprs, vars
}

// substitute replaces Grafana template variables ($x, ${x}, ${x:fmt}, [[x]]) with
// templateValues; an unknown variable fails the test.
func substitute(t *testing.T, expr string) string {
	t.Helper()
	return varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name := m[1] + m[2] + m[3]
		v, ok := templateValues[name]
		if !ok {
			t.Errorf("no test value for template variable $%s in %s", name, expr)
			return ref
		}
		return v
	})
}
