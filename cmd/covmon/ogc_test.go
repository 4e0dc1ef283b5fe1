package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ogrinfo finds GDAL's ogrinfo. Missing, the test fails in CI (CI set: .ci/run installs
// gdal-bin) and is skipped loudly elsewhere.
func ogrinfo(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("ogrinfo"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("ogrinfo is not installed: the OGC API and CSV tests need GDAL (.ci/run installs Debian's gdal-bin)")
	}
	t.Skip("SKIPPED: ogrinfo is not installed, so the OGC API and the CSV export were NOT read by GDAL (apt-get install gdal-bin; in CI this fails)")
	return ""
}

var featureCount = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)

// runOgrinfo runs ogrinfo -ro -so with args and returns the layer's feature count.
func runOgrinfo(t *testing.T, exe string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, append([]string{"-ro", "-so"}, args...)...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	m := featureCount.FindSubmatch(out)
	if m == nil {
		t.Fatalf("ogrinfo %s: no feature count in\n%s", strings.Join(args, " "), out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n, string(out)
}

// readOgr has ogrinfo read every feature of the layer (-al, pages of 200) and returns how many
// it read; an ERROR in its output (a page refused) fails the test, as ogrinfo goes on with
// the features it had.
func readOgr(t *testing.T, exe string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, append([]string{"-ro", "-al", "-q", "-oo", "PAGE_SIZE=200"}, args...)...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
	out, err := cmd.CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("ERROR")) {
		t.Fatalf("ogrinfo -al %s: %v\n%.3000s", strings.Join(args, " "), err, out)
	}
	return bytes.Count(out, []byte("\nOGRFeature(")), string(out)
}

// TestOGC_GDAL: GDAL's OAPIF driver reads /ogc and counts the seed villages, and its CSV
// driver reads the CSV export and counts the same.
func TestOGC_GDAL(t *testing.T) {
	exe := ogrinfo(t)
	db := seededDB(t)
	want := len(statusJSON(t, db).Villages)
	if want < 100 {
		t.Fatalf("only %d seed villages", want)
	}
	s := startServe(t, db)

	n, out := runOgrinfo(t, exe, "OAPIF:"+s.url+"/ogc", "villages")
	if n != want {
		t.Errorf("OAPIF: %d features, want the %d seed villages\n%s", n, want, out)
	}
	for _, field := range []string{"status: String", "province_code: String", "overdue: Integer(Boolean)"} {
		if !strings.Contains(out, field) {
			t.Errorf("OAPIF: no field %q in\n%s", field, out)
		}
	}

	// The audit view: GDAL repeats the URL's parameters on each request. As known now, every
	// seed village, each with view = as_known; as known before the seeds were received
	// (testNow), none.
	n, out = runOgrinfo(t, exe, "OAPIF:"+s.url+"/ogc?as_known=true&program=vls-2024", "villages")
	if n != want || !strings.Contains(out, "view: String") {
		t.Errorf("OAPIF as known: %d features, want %d, with a view field\n%s", n, want, out)
	}
	if n, out := runOgrinfo(t, exe, "OAPIF:"+s.url+"/ogc?as_known=true&datetime=2026-11-19", "villages"); n != 0 {
		t.Errorf("OAPIF as known on 2026-11-19, before the seeding: %d features, want 0\n%s", n, out)
	}
	// Every feature read, page by page, from the URL as docs/api.md writes it (datetime first,
	// then as_known: not the order of the links, so GDAL repeats both on every request). As
	// known now (an instant, its colons encoded in the links), every seed village.
	asKnownNow := testNow.UTC().Format(time.RFC3339) // the seeds' receipt
	for _, q := range []string{"datetime=" + asKnownNow + "&as_known=true", "program=vls-2024&as_known=true"} {
		if n, out := readOgr(t, exe, "OAPIF:"+s.url+"/ogc?"+q, "villages"); n != want || strings.Count(out, "view (String) = as_known") != want {
			t.Errorf("OAPIF ?%s, every page: %d features, want %d, each with view = as_known\n%.3000s", q, n, want, out)
		}
	}

	csv := do(t, "GET", s.url+"/api/v1/villages?f=csv", "", "", nil)
	if csv.status != 200 || !strings.HasPrefix(string(csv.body), "\uFEFF") {
		t.Fatalf("CSV export: %d, BOM %v", csv.status, strings.HasPrefix(string(csv.body), "\uFEFF"))
	}
	t.Logf("OAPIF: %d features (seed villages: %d)", n, want)
	file := filepath.Join(t.TempDir(), "villages.csv")
	if err := os.WriteFile(file, csv.body, 0o644); err != nil {
		t.Fatal(err)
	}
	n, out = runOgrinfo(t, exe, "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", file, "villages")
	if n != want {
		t.Errorf("CSV: %d features, want %d\n%s", n, want, out)
	}
	if !strings.Contains(out, "Geometry: Point") || !strings.Contains(out, "village_id: String") {
		t.Errorf("CSV: no point geometry or village_id column (a BOM read into the first column's name?)\n%s", out)
	}
}
