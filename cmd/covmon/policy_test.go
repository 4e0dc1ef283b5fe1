package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestStatus_PolicyVersions: the seeds' program with a 4G policy from 2025-01-01. On
// 2022-08-01 the policy then in force (any signal) still gives 477 of 832; recomputed under
// today's policy (4G) the same date gives fewer, and each headline says which policy it used.
func TestStatus_PolicyVersions(t *testing.T) {
	db := seededDB(t)
	cfg := filepath.Join(t.TempDir(), "covmon.yml")
	if err := os.WriteFile(cfg, []byte(`programs:
  - id: vls-2024
    name: "Xóa vùng lõm sóng"
    deadline: 2024-12-01T00:00:00+07:00
    policies:
      - {effective: 2025-01-01, min_technology: 4g}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	covered := regexp.MustCompile(`Baseline villages covered: +(\d+) of (\d+)`)
	inForce := mustRun(t, db, "status", "--config", cfg, "--as-of", "2022-08-01", "--lang", "en")
	if m := covered.FindStringSubmatch(inForce); m == nil || m[1] != "477" || m[2] != "832" {
		t.Errorf("2022-08-01 under the policy then in force: %q, want 477 of 832\n%s", m, inForce)
	}
	if !strings.Contains(inForce, "Signal policy in force: min 2G, RSRP ≥ -120 dBm, fast 4G ≥ 10 Mbit/s\n") {
		t.Errorf("headline does not name the 2G policy:\n%s", inForce)
	}
	current := mustRun(t, db, "status", "--config", cfg, "--as-of", "2022-08-01", "--policy", "current", "--lang", "en")
	m := covered.FindStringSubmatch(current)
	if m == nil || m[1] == "477" || m[2] != "832" {
		t.Errorf("2022-08-01 under today's 4G policy: %q, want fewer than 477 of 832", m)
	}
	if !strings.Contains(current, "Signal policy (today's, applied to every date): min 4G, RSRP ≥ -120 dBm, fast 4G ≥ 10 Mbit/s (in force since 2025-01-01)") {
		t.Errorf("headline does not name today's policy:\n%s", current)
	}
	now := mustRun(t, db, "status", "--config", cfg, "--lang", "en")
	if !strings.Contains(now, "Signal policy in force: min 4G") {
		t.Errorf("today's headline does not name the 4G policy:\n%s", now)
	}
	if _, _, err := run(t, db, "status", "--policy", "yesterday"); err == nil || !strings.Contains(err.Error(), "in_force or current") {
		t.Errorf("--policy yesterday: %v", err)
	}
}
