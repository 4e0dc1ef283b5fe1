package alerts_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/geo"
)

var update = flag.Bool("update", false, "rewrite the golden testdata/*_out.json files")

// TestToWire_Golden pins the public JSON shape of alerts (field names, null ends_at while
// firing, times in RFC 3339 with the zone they were stored in), as `covmon alerts --format json`
// prints it and the webhook payload carries it. Run with -update to rewrite the file after an
// intended change, and say so in the changelog: receivers parse these names.
func TestToWire_Golden(t *testing.T) {
	start := time.Date(2024, 12, 1, 0, 0, 0, 0, geo.Vietnam)
	as := []alerts.Alert{
		{Key: "overdue/vls-2024/14/viettel", Kind: alerts.KindOverdue,
			Labels:      map[string]string{"alertname": "CovmonOverdue", "severity": "critical", "source": "covmon", "program": "vls-2024", "province_code": "14", "carrier": "viettel"},
			Annotations: map[string]string{"summary": "3 villages of Sơn La still dead zones after the deadline", "notice": alerts.DemoNotice},
			StartsAt:    start},
		{Key: "stale_data/mobifone", Kind: alerts.KindStaleData,
			Labels:   map[string]string{"alertname": "CovmonCarrierDataStale", "severity": "warning", "source": "covmon", "carrier": "mobifone"},
			StartsAt: start, EndsAt: start.Add(36 * time.Hour)},
	}
	buf := encode(t, alerts.ToWireList(as))
	const golden = "testdata/alerts_out.json"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("alerts JSON changed (go test ./alerts -run Golden -update if intended):\n%s\nwant:\n%s", buf.Bytes(), want)
	}

	if got := encode(t, alerts.ToWireList(nil)).String(); got != "[]\n" {
		t.Errorf("no alerts: %q, want an empty array", got)
	}
}

// encode writes v as the command line and the API do (indented by two spaces).
func encode(t *testing.T, v any) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return &b
}
