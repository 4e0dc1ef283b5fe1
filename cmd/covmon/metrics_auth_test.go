package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/covmon/covmon/grafana/promtest"
)

// TestServe_MetricsScrapedWithBearerToken: with server.public_read false, a real Prometheus
// scrapes covmon serve's /metrics with the scrape configuration of docs/metrics.md (a ministry
// token in a credentials_file), and the same scrape without the token is refused (issue 15
// item 2, issue 10 item 8).
func TestServe_MetricsScrapedWithBearerToken(t *testing.T) {
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus not found (%v): run .ci/run (it installs Debian's prometheus)", err)
	}
	db := seededDB(t)
	token := strings.TrimSpace(mustRun(t, db, "token", "create", "--role", "ministry", "--name", "prometheus"))
	dir := t.TempDir()
	cfg := filepath.Join(dir, "covmon.yml")
	if err := os.WriteFile(cfg, []byte("server:\n  public_read: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, db, "--config", cfg)
	u, _ := url.Parse(srv.url)

	tokenFile := filepath.Join(dir, "covmon.token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	promCfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(promCfg, fmt.Appendf(nil, `global:
  scrape_interval: 2s
  scrape_timeout: 2s
scrape_configs:
  - job_name: covmon
    static_configs:
      - targets: [%[1]q]
    authorization:
      type: Bearer
      credentials_file: %[2]q
  - job_name: anonymous
    static_configs:
      - targets: [%[1]q]
`, u.Host, tokenFile), 0o644); err != nil {
		t.Fatal(err)
	}
	_, addr := promtest.StartOn(t, "prometheus", func(addr string) *exec.Cmd {
		return exec.Command(promBin, "--config.file="+promCfg, "--storage.tsdb.path="+filepath.Join(dir, "prom"),
			"--web.listen-address="+addr, "--log.level=warn")
	}, "/-/ready")
	base := "http://" + addr

	// A scrape may time out on a loaded machine (up 0 for that scrape): wait until a scrape with
	// the token succeeds, which it never does if the token is refused.
	var up map[string]string
	waitUntil(t, "Prometheus scrapes covmon with the token", e2eWait, func() bool {
		up = promValues(t, base, "up", "job")
		return up["covmon"] == "1" && up["anonymous"] != ""
	})
	if up["anonymous"] != "0" {
		t.Errorf("up: %v, want anonymous=0 (no token: refused)", up)
	}
	if v := promValues(t, base, `count(covmon_villages{job="covmon"})`, ""); v[""] == "" || v[""] == "0" {
		t.Errorf("covmon_villages scraped with the token: %v", v)
	}
	if v := promValues(t, base, `count(covmon_villages{job="anonymous"})`, ""); len(v) != 0 {
		t.Errorf("covmon_villages scraped without a token: %v", v)
	}
}

// promValues runs an instant query and returns each result's value by the label l.
func promValues(t *testing.T, base, q, l string) map[string]string {
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
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range body.Data.Result {
		v, _ := r.Value[1].(string)
		out[r.Metric[l]] = v
	}
	return out
}
