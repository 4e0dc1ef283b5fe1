package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo/wire"
)

// TestStatus_CSV: the CLI's and the API's CSV exports are the same bytes (same columns, same
// rows), start with a UTF-8 BOM, keep Vietnamese diacritics, and have one row per village of
// the GeoJSON.
func TestStatus_CSV(t *testing.T) {
	t.Parallel() // its own server and database
	db := seededDB(t)
	cli := mustRun(t, db, "status", "--format", "csv", "--as-of", "2026-11-20")
	s := startServe(t, db)
	byParam := do(t, "GET", s.url+"/api/v1/villages?f=csv&as_of=2026-11-20", "", "", nil)
	byAccept := do(t, "GET", s.url+"/api/v1/villages?as_of=2026-11-20", "", "", nil, "Accept", "text/csv")
	for name, r := range map[string]response{"f=csv": byParam, "Accept: text/csv": byAccept} {
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv; charset=utf-8") {
			t.Errorf("%s: %d %s", name, r.status, r.header.Get("Content-Type"))
		}
		if !bytes.Equal(r.body, []byte(cli)) {
			a, b := strings.Split(string(r.body), "\n"), strings.Split(cli, "\n")
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					t.Errorf("%s: the API's CSV differs from covmon status --format csv at line %d:\nAPI %s\nCLI %s", name, i+1, a[i], b[i])
					break
				}
			}
		}
	}
	if got := byParam.header.Get("X-Covmon-Notice"); got != wire.DemoNotice {
		t.Errorf("X-Covmon-Notice = %q", got)
	}
	if !strings.HasPrefix(cli, "\uFEFF") {
		t.Fatal("no UTF-8 byte-order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(cli, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	fc := do(t, "GET", s.url+"/api/v1/villages?as_of=2026-11-20", "", "", nil).json(t)
	if got, want := len(rows)-1, len(fc["features"].([]any)); got != want {
		t.Errorf("%d CSV rows, %d GeoJSON features", got, want)
	}
	// The saved file says what it is, on every row: the instant and the synthetic-data notice.
	if h := rows[0]; len(h) < 2 || h[len(h)-2] != "as_of" || h[len(h)-1] != "notice" {
		t.Errorf("CSV header ends %v, want as_of, notice", h[max(0, len(h)-2):])
	} else if r := rows[1]; r[len(r)-2] != "2026-11-20T00:00:00+07:00" || r[len(r)-1] != wire.DemoNotice {
		t.Errorf("first row ends %v", r[len(r)-2:])
	}
	first := fc["features"].([]any)[0].(map[string]any)["properties"].(map[string]any)
	if rows[1][0] != first["village_id"] || rows[1][1] != first["name"] {
		t.Errorf("first row %v, first feature %v %v", rows[1][:2], first["village_id"], first["name"])
	}
	if !strings.ContainsAny(cli, "ảạắằẳẵặấầẩẫậđếềểễệỉịốồổỗộớờởỡợủụứừửữựỳỵỷỹ") {
		t.Error("no Vietnamese diacritics in the export")
	}

	t.Run("BadFormat", func(t *testing.T) {
		r := do(t, "GET", s.url+"/api/v1/villages?f=xlsx", "", "", nil)
		if r.status != 400 || !strings.Contains(string(r.body), "f: want csv or geojson") {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
	t.Run("Gzip", func(t *testing.T) {
		for _, path := range []string{"/api/v1/villages?as_of=2026-11-20", "/api/v1/villages?f=csv&as_of=2026-11-20", "/api/v1/summary", "/"} {
			plain := do(t, "GET", s.url+path, "", "", nil, "Accept-Encoding", "identity")
			zipped := do(t, "GET", s.url+path, "", "", nil, "Accept-Encoding", "gzip")
			if zipped.header.Get("Content-Encoding") != "gzip" || plain.header.Get("Content-Encoding") != "" {
				t.Errorf("%s: Content-Encoding %q (gzip asked), %q (identity)", path, zipped.header.Get("Content-Encoding"), plain.header.Get("Content-Encoding"))
				continue
			}
			zr, err := gzip.NewReader(bytes.NewReader(zipped.body))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			b, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if path != "/api/v1/summary" && !bytes.Equal(b, plain.body) { // the summary's as_of moves
				t.Errorf("%s: gzip body differs from the plain one", path)
			}
			if len(zipped.body) >= len(plain.body) {
				t.Errorf("%s: gzip %d bytes, plain %d", path, len(zipped.body), len(plain.body))
			}
		}
	})
	t.Run("Labels", func(t *testing.T) {
		l := do(t, "GET", s.url+"/api/v1/labels", "", "", nil).json(t)
		if o := l["status.overdue"].(map[string]any); o["vi"] == "" || o["en"] == "" {
			t.Errorf("labels: %v", o)
		}
		p := do(t, "GET", s.url+"/api/v1/programs", "", "", nil)
		if p.status != 200 || !strings.Contains(string(p.body), `"deadline"`) {
			t.Errorf("programs: %d %s", p.status, p.body)
		}
	})
}
