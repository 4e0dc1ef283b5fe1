package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostileCase is one hostile input sent to POST /api/v1/uploads.
type hostileCase struct {
	name   string
	kind   string                                           // observations, areas or villages (the ministry's token)
	query  string                                           // extra query, e.g. "&name=…"
	body   func(t *testing.T) ([]byte, string, http.Header) // body, content type, headers
	status int                                              // the expected status
	rule   string                                           // the rule the report must name (422 only)
}

// Bounds every hostile case must respect.
const (
	hostileMaxBody   = 1 << 20          // bytes of any response
	hostileDeadline  = 90 * time.Second // per request: generous, a hang or a quadratic blow-up fails it
	hostileMaxGrowth = 768 << 20        // growth of the memory the process holds from the OS
)

// TestHostile sends the hostile corpus through the real API, backed by a real SQLite file
// loaded with the seeds, and asserts per case: the expected status (a 4xx) and, for a rejected
// file, the named rule; a bounded response body; an answer within a deadline; bounded memory;
// and no change to the data (only rejected-upload records may be added). The corpus is
// testdata/hostile/ (one file per case, MANIFEST says what each must produce) plus the large
// cases generated below (blanks, a gzip bomb, huge values, a flood of problems, bad names).
func TestHostile(t *testing.T) {
	db := seededDB(t)
	carrier := createToken(t, db, "--carrier", "viettel")
	ministry := createToken(t, db, "--role", "ministry")
	srv := startServe(t, db)
	ro, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()

	cases := append(manifestCases(t), generatedCases()...)
	if len(cases) < 40 {
		t.Fatalf("the corpus has %d cases, want at least 40", len(cases))
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseSys := ms.Sys
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := dataFingerprint(t, ro)
			body, ctype, hdr := tc.body(t)
			tok := carrier
			if tc.kind == "villages" {
				tok = ministry
			}
			ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, "POST", srv.url+"/api/v1/uploads?kind="+tc.kind+tc.query, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			for k, v := range hdr {
				req.Header[k] = v
			}
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("no answer within %v: %v", hostileDeadline, err)
			}
			t.Logf("answered %d in %v (%d bytes sent)", resp.StatusCode, time.Since(start).Round(time.Millisecond), len(body))
			defer resp.Body.Close()
			got, err := io.ReadAll(io.LimitReader(resp.Body, hostileMaxBody+1))
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			if len(got) > hostileMaxBody {
				t.Errorf("response body over %d bytes", hostileMaxBody)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d; body:\n%.2000s", resp.StatusCode, tc.status, got)
			}
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("status %d is not a 4xx", resp.StatusCode)
			}
			if tc.rule != "" && !regexp.MustCompile(`"rule":\s*"`+tc.rule+`"`).Match(got) {
				t.Errorf("the report does not name rule %s:\n%.2000s", tc.rule, got)
			}
			if after := dataFingerprint(t, ro); after != before {
				t.Errorf("the data changed:\nbefore %s\nafter  %s", before, after)
			}
			runtime.ReadMemStats(&ms)
			if ms.Sys > baseSys+hostileMaxGrowth {
				t.Errorf("the process holds %d MiB from the OS, %d MiB more than before the corpus", ms.Sys>>20, (ms.Sys-baseSys)>>20)
			}
		})
	}
}

// dataFingerprint counts the rows of every table a file can write, and the uploads that were
// not rejected: a hostile file may add a rejected-upload record (its report), nothing else.
// daily_figures is left out: serve's backfill derives it from observations in the background
// (its first run may still be going when the corpus starts), so it changes only if they do.
func dataFingerprint(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT count(*) FROM villages", "SELECT count(*) FROM village_programs", "SELECT count(*) FROM observations",
		"SELECT count(*) FROM observation_series", "SELECT count(*) FROM programs",
		"SELECT coalesce(max(id), 0) FROM observations",
		"SELECT count(*) FROM uploads WHERE result <> 'rejected'",
		"SELECT coalesce(sum(length(problems)), 0) FROM uploads WHERE length(problems) > 1048576",
	} {
		var n int64
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fmt.Fprintf(&b, "%d ", n)
	}
	return b.String()
}

// manifestCases reads testdata/hostile/MANIFEST: "file kind rule" a line; each file must be
// rejected (422) naming the rule.
func manifestCases(t *testing.T) []hostileCase {
	dir := filepath.Join("testdata", "hostile")
	f, err := os.Open(filepath.Join(dir, "MANIFEST"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []hostileCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 {
			t.Fatalf("MANIFEST: bad line %q", line)
		}
		file := filepath.Join(dir, fs[0])
		cases = append(cases, hostileCase{name: strings.TrimSuffix(fs[0], ".geojson"), kind: fs[1], status: 422, rule: fs[2],
			body: func(t *testing.T) ([]byte, string, http.Header) {
				b, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				return b, "application/geo+json", nil
			}})
	}
	return cases
}

// A valid observation of a seeded village, and one the time floor refuses.
const (
	hostileObs    = `{"type":"Feature","geometry":null,"properties":{"village_id":"V04-0001","technology":"4g","has_signal":true,"observed_at":"2026-06-01"}}`
	hostileOldObs = `{"type":"Feature","geometry":null,"properties":{"village_id":"V04-0001","technology":"4g","has_signal":true,"observed_at":"1970-01-01"}}`
)

func raw(b []byte) func(*testing.T) ([]byte, string, http.Header) {
	return func(*testing.T) ([]byte, string, http.Header) { return b, "application/geo+json", nil }
}

func gzipped(t *testing.T, parts ...func(w io.Writer)) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		p(zw)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeString(s string) func(io.Writer) { return func(w io.Writer) { io.WriteString(w, s) } }

// gzipRepeat is a gzip stream of prefix, n times chunk, then suffix, built as concatenated
// gzip members (which every gzip reader reads as one stream, RFC 1952): chunk is compressed
// once, so a 500 MiB bomb costs the test a megabyte of compression.
func gzipRepeat(t *testing.T, prefix, chunk string, n int, suffix string) []byte {
	first, mid, last := gzipped(t, writeString(prefix)), gzipped(t, writeString(chunk)), gzipped(t, writeString(suffix))
	out := make([]byte, 0, len(first)+n*len(mid)+len(last))
	out = append(out, first...)
	for range n {
		out = append(out, mid...)
	}
	return append(out, last...)
}

func generatedCases() []hostileCase {
	gz := http.Header{"Content-Encoding": {"gzip"}}
	return []hostileCase{
		{name: "gen/blanks-32MiB-between-features", kind: "observations", status: 422, rule: "time_too_old",
			body: raw([]byte(`{"type":"FeatureCollection","features":[` + hostileOldObs + strings.Repeat(" \n", 16<<20) + `]}`))},
		{name: "gen/blanks-32MiB-inside-feature", kind: "villages", status: 422, rule: "time_too_old",
			body: raw([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature",` + strings.Repeat("\t", 32<<20) +
				`"geometry":{"type":"Point","coordinates":[105.88,22.64]},"properties":{"village_id":"HX-0002","name":"Bản Thử",` +
				`"commune_code":"01617","province_code":"04","grid_power":true,"found_at":"1900-01-01"}}]}`))},
		{name: "gen/gzip-bomb-500MiB-blanks", kind: "observations", status: 413,
			body: func(t *testing.T) ([]byte, string, http.Header) {
				blanks := strings.Repeat(" ", 1<<20)
				return gzipRepeat(t, `{"type":"FeatureCollection","features":[`, blanks, 500, `]}`), "application/geo+json", gz
			}},
		{name: "gen/areas-huge-values", kind: "areas", status: 422, rule: "unknown_technology", body: raw(areasHugeValues(150))},
		{name: "gen/areas-huge-values-gzip", kind: "areas", status: 413, // like the 33 KB gzip that made a 168 MB 422: a ratio bomb now
			body: func(t *testing.T) ([]byte, string, http.Header) {
				f := string(areasHugeValues(1))
				f = f[strings.Index(f, `{"type":"Feature",`) : len(f)-2]
				return gzipRepeat(t, `{"type":"FeatureCollection","covmon_schema":"areas/v1","features":[`+f, ","+f, 1500, `]}`),
					"application/geo+json", gz
			}},
		{name: "gen/problem-flood", kind: "observations", status: 422, rule: "too_many_problems",
			body: func(*testing.T) ([]byte, string, http.Header) {
				fs := make([]string, 20000)
				for i := range fs {
					fs[i] = hostileOldObs
				}
				return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`), "application/geo+json", nil
			}},
		{name: "gen/deep-nesting-observations", kind: "observations", status: 422, rule: "not_json",
			body: raw([]byte(`{"type":"FeatureCollection","features":[` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `]}`))},
		{name: "gen/name-newline", kind: "observations", query: "&name=" + url.QueryEscape("a.geojson\n42  2026-11-20 09:00  observations  mobifone  forged"), status: 400,
			body: raw([]byte(`{"type":"FeatureCollection","features":[` + hostileObs + `]}`))},
		{name: "gen/name-terminal-escape", kind: "observations", query: "&name=" + url.QueryEscape("\x1b[2J\x1b[31mviettel.geojson"), status: 400,
			body: raw([]byte(`{"type":"FeatureCollection","features":[` + hostileObs + `]}`))},
		{name: "gen/name-too-long", kind: "observations", query: "&name=" + strings.Repeat("n", 300) + ".geojson", status: 400,
			body: raw([]byte(`{"type":"FeatureCollection","features":[` + hostileObs + `]}`))},
		{name: "gen/multipart-filename-control", kind: "observations", status: 400,
			body: func(t *testing.T) ([]byte, string, http.Header) {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				h := make(map[string][]string)
				h["Content-Disposition"] = []string{`form-data; name="file"; filename="ok.geojson` + "\u202e" + `nosj.exe"`}
				pw, err := mw.CreatePart(h)
				if err != nil {
					t.Fatal(err)
				}
				io.WriteString(pw, `{"type":"FeatureCollection","features":[`+hostileObs+`]}`)
				mw.Close()
				return buf.Bytes(), mw.FormDataContentType(), nil
			}},
		{name: "gen/gzip-corrupt", kind: "observations", status: 400,
			body: func(t *testing.T) ([]byte, string, http.Header) {
				b := gzipped(t, writeString(`{"type":"FeatureCollection","features":[`+hostileObs+`]}`))
				b[len(b)/2] ^= 0xff
				return b, "application/geo+json", gz
			}},
		{name: "gen/kind-unknown", kind: "coverage", status: 400,
			body: raw([]byte(`{"type":"FeatureCollection","features":[` + hostileObs + `]}`))},
	}
}

// areasHugeValues is an areas/v1 file of n features whose technology, observed_at and method
// are each 32 KiB long: every reason used to quote them whole.
func areasHugeValues(n int) []byte {
	v := strings.Repeat("x", 32<<10)
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","covmon_schema":"areas/v1","features":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[105.8,22.6],[105.9,22.6],[105.9,22.7],[105.8,22.6]]]},`+
			`"properties":{"technology":"%s","observed_at":"%s","method":"%s"}}`, v, v, v)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}
