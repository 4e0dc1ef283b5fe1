package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUploads_EscapedNameOnce: a file whose name holds ESC and a backslash is stored under its
// escaped name (geo.CleanFileName: ESC as the four characters \x1b, a backslash as \\); the
// upload list, the upload report and the problems print that stored name as it is, not escaped
// a second time (\\x1b, \\\\), and with no raw ESC reaching the terminal.
func TestUploads_EscapedNameOnce(t *testing.T) {
	db := seededDB(t)
	name := "viettel\x1b[31m a\\b.geojson"
	stored := `viettel\x1b[31m a\\b.geojson`
	path := filepath.Join(t.TempDir(), name)
	// One good row and one unknown village: accepted files carry no problems, so the file
	// is rejected to have its name in a problem line too.
	body := `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"NO-SUCH-VILLAGE","technology":"4g","has_signal":true,"observed_at":"2025-01-01","method":"drive_test"}}]}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, db, "ingest", "--carrier", "viettel", path) // rejected: exit status not the point
	list := mustRun(t, db, "uploads")
	if !strings.Contains(list, stored) {
		t.Fatalf("upload list lacks the stored name %s:\n%s", stored, list)
	}
	id := ""
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, stored) {
			id = strings.Fields(line)[0]
		}
	}
	report := mustRun(t, db, "uploads", id)
	for what, out := range map[string]string{"list": list, "report": report} {
		if strings.Contains(out, `\\x1b`) || strings.Contains(out, `a\\\\b`) || strings.Contains(out, "\x1b") {
			t.Errorf("%s: the name is escaped twice or not at all:\n%s", what, out)
		}
	}
	if !strings.Contains(report, "file:      "+stored) || strings.Count(report, stored) < 2 {
		t.Errorf("report names the file %s once in file: and again in its problems:\n%s", stored, report)
	}
}
