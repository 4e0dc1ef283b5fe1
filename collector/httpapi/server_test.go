package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

const villages = `{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.91,22.40]},"properties":{"village_id":"T-1","name":"Bản Một","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}]}`

func obs(day string) string {
	return `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"4g","has_signal":false,"observed_at":"` + day + `"}}]}`
}

// newServer returns an API on a real SQLite file with one village and a viettel token.
func newServer(t *testing.T, configure func(*httpapi.Server)) (*httptest.Server, string) {
	t.Helper()
	srv, tok, _ := newServerDB(t, configure)
	return srv, tok
}

// newServerDB is newServer that also returns the database: the API of newSecServer with one
// viettel carrier token.
func newServerDB(t *testing.T, configure func(*httpapi.Server)) (*httptest.Server, string, *sqlite.DB) {
	t.Helper()
	s := newSecServer(t, configure)
	return s.Server, s.token(t, geo.RoleCarrier, "viettel"), s.db
}

// TestServer_UploadToken: an API upload records the token that sent it, in the upload and in
// its ledger entry, and the token shows its last use.
func TestServer_UploadToken(t *testing.T) {
	ctx := context.Background()
	srv, tok, db := newServerDB(t, nil)
	code, p := post(t, srv.URL+"/api/v1/uploads", tok, strings.NewReader(obs("2025-01-01")))
	if code != 201 {
		t.Fatalf("%d %v", code, p)
	}
	id := int64(p["upload_id"].(float64))
	u, err := db.Upload(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if u.TokenID != 1 {
		t.Fatalf("upload %d: TokenID=%d, want 1", id, u.TokenID)
	}
	got, err := db.Token(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); !got.LastUsedAt.Equal(want) {
		t.Fatalf("LastUsedAt=%v, want %v", got.LastUsedAt, want)
	}
	var content string
	db.LedgerEntries(ctx, func(e geo.LedgerEntry) error {
		if e.Kind == geo.LedgerUpload && e.Ref == id {
			content = e.Content
		}
		return nil
	})
	if !strings.Contains(content, `"token_id":1,`) || !strings.Contains(content, `"source":"api"`) {
		t.Fatalf("ledger entry of upload %d: %s, want token 1", id, content)
	}
	if rep, err := db.VerifyLedger(ctx); err != nil || rep.Break != nil {
		t.Fatalf("verify: %v %v", err, rep.Break)
	}
}

func post(t *testing.T, url, token string, body io.Reader, hdr ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, body)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

func TestServer_Limits(t *testing.T) {
	srv, tok := newServer(t, func(s *httpapi.Server) { s.MaxBodyBytes, s.MaxUnzippedBytes = 400, 1000 })
	t.Run("BodyTooLarge", func(t *testing.T) {
		code, p := post(t, srv.URL+"/api/v1/uploads", tok, strings.NewReader(obs("2025-01-01")+strings.Repeat(" ", 500)))
		if code != 413 || p["type"] != "urn:covmon:problem:too-large" {
			t.Errorf("%d %v", code, p)
		}
	})
	t.Run("GzipBomb", func(t *testing.T) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(obs("2025-01-01") + strings.Repeat(" ", 5000)))
		zw.Close()
		if b.Len() > 400 {
			t.Fatalf("compressed test body is %d bytes", b.Len())
		}
		code, p := post(t, srv.URL+"/api/v1/uploads", tok, &b, "Content-Encoding", "gzip")
		if code != 413 {
			t.Errorf("%d %v", code, p)
		}
	})
	t.Run("WithinLimits", func(t *testing.T) {
		code, p := post(t, srv.URL+"/api/v1/uploads", tok, strings.NewReader(obs("2025-01-01")))
		if code != 201 || p["result"] != "accepted" {
			t.Errorf("%d %v", code, p)
		}
	})
}

func TestServer_Errors(t *testing.T) {
	srv, tok := newServer(t, nil)
	for _, tt := range []struct {
		name, method, path string
		status             int
		typ                string
	}{
		{"UnknownEndpoint", "GET", "/api/v2/nothing", 404, "not-found"},
		{"BadAsOf", "GET", "/api/v1/summary?as_of=yesterday", 400, "invalid-request"},
		{"FutureAsOf", "GET", "/api/v1/summary?as_of=2999-01-01", 400, "invalid-request"}, // as the CLI refuses --as-of in the future
		{"FutureAsOfVillages", "GET", "/api/v1/villages?as_of=2999-01-01", 400, "invalid-request"},
		{"UnknownProgram", "GET", "/api/v1/villages?program=nope", 400, "invalid-request"},
		{"UnknownStatus", "GET", "/api/v1/villages?status=dark", 400, "invalid-request"},
		{"UnknownVillage", "GET", "/api/v1/villages/NOPE", 404, "not-found"},
		{"BadKind", "POST", "/api/v1/uploads?kind=pictures", 400, "invalid-request"},
		{"BadUploadID", "GET", "/api/v1/uploads/abc", 400, "invalid-request"},
		{"UnknownUploadResult", "GET", "/api/v1/uploads?result=xx", 400, "invalid-request"}, // not an empty list that looks like "none rejected"
		{"UnknownSchema", "GET", "/api/v1/schemas/nope/v9", 404, "not-found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(obs("2025-01-01")))
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p httpapi.Problem
			json.NewDecoder(resp.Body).Decode(&p)
			if resp.StatusCode != tt.status || p.Status != tt.status || p.Type != "urn:covmon:problem:"+tt.typ {
				t.Errorf("got %d %+v, want %d %s", resp.StatusCode, p, tt.status, tt.typ)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type=%q", ct)
			}
		})
	}
}

// TestServer_MethodNotAllowed: a known path asked with a method it does not take is a 405
// problem with an Allow header listing the methods it takes (not a 404 saying the endpoint does
// not exist); an unknown path stays a 404 whatever the method.
func TestServer_MethodNotAllowed(t *testing.T) {
	srv, tok := newServer(t, nil)
	for _, tt := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"DELETE", "/api/v1/uploads", 405, "GET, HEAD, POST"},
		{"PUT", "/api/v1/uploads/1", 405, "GET, HEAD"},
		{"POST", "/api/v1/summary", 405, "GET, HEAD"},
		{"DELETE", "/api/v1/villages/T-1", 405, "GET, HEAD"},
		{"PATCH", "/ogc/collections/villages/items", 405, "GET, HEAD"},
		{"POST", "/", 405, "GET, HEAD"},
		{"POST", "/healthz", 405, "GET, HEAD"},
		{"DELETE", "/api/v2/nothing", 404, ""},
		{"GET", "/api/v1/uploads", 200, ""},
	} {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p httpapi.Problem
			json.NewDecoder(resp.Body).Decode(&p)
			if resp.StatusCode != tt.status || resp.Header.Get("Allow") != tt.allow {
				t.Errorf("%d Allow=%q, want %d Allow=%q (%+v)", resp.StatusCode, resp.Header.Get("Allow"), tt.status, tt.allow, p)
			}
			if tt.status == 405 && (p.Type != "urn:covmon:problem:method-not-allowed" || !strings.Contains(p.Detail, tt.allow)) {
				t.Errorf("problem %+v", p)
			}
		})
	}
}

func TestServer_PrivateRead(t *testing.T) {
	srv, tok := newServer(t, func(s *httpapi.Server) { s.PublicRead = false })
	resp, err := http.Get(srv.URL + "/api/v1/summary")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("anonymous summary with public_read off: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/summary", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("summary with a token: %d", resp.StatusCode)
	}
}

func TestServer_Schema(t *testing.T) {
	srv, _ := newServer(t, nil)
	resp, err := http.Get(srv.URL + "/api/v1/schemas/observations/v1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 || v["$schema"] == nil {
		t.Errorf("%d %v %v", resp.StatusCode, err, v["$schema"])
	}
}

func TestServer_UploadAreas(t *testing.T) {
	srv, tok := newServer(t, nil)
	areas := `{"type":"FeatureCollection","covmon_schema":"areas/v1","features":[{"type":"Feature","properties":{"technology":"4g","observed_at":"2025-06-01"},
"geometry":{"type":"Polygon","coordinates":[[[103.90,22.39],[103.93,22.39],[103.93,22.42],[103.90,22.42],[103.90,22.39]]]}}]}`
	code, rep := post(t, srv.URL+"/api/v1/uploads?kind=areas&name=cov.geojson", tok, strings.NewReader(areas))
	if code != 201 || rep["result"] != "accepted" || rep["kind"] != "areas" || rep["carrier"] != "viettel" || rep["inserted"] != 1.0 {
		t.Fatalf("%d %v", code, rep)
	}
	code, rep = post(t, srv.URL+"/api/v1/uploads?kind=areas", tok, strings.NewReader(areas))
	if code != 200 || rep["result"] != "duplicate" {
		t.Errorf("again: %d %v", code, rep)
	}
	code, rep = post(t, srv.URL+"/api/v1/uploads?kind=areas", tok, strings.NewReader(strings.Replace(areas, `"features"`, `"carrier":"mobifone","features"`, 1)))
	if code != 422 || rep["type"] != "urn:covmon:problem:invalid-upload" {
		t.Errorf("another carrier's file: %d %v", code, rep)
	}
}

func TestServer_BadBody(t *testing.T) {
	srv, tok := newServer(t, nil)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(obs("2025-01-01")))
	zw.Close()
	truncated := b.Bytes()[:b.Len()-6]
	code, p := post(t, srv.URL+"/api/v1/uploads", tok, bytes.NewReader(truncated), "Content-Encoding", "gzip")
	if code != 400 || p["type"] != "urn:covmon:problem:invalid-request" {
		t.Errorf("truncated gzip: %d %v", code, p)
	}
}

// TestServer_PolicyCurrent: T-1 has 3G only; the program counts 4G only from 2025-06-01. The
// summary of 2025-03-01 counts T-1 covered under the policy then in force, and a dead zone
// with ?policy=current; the policy member says which.
func TestServer_PolicyCurrent(t *testing.T) {
	only4g := geo.DefaultPolicy()
	only4g.MinTechnology = geo.Tech4G
	srv, tok := newServer(t, func(s *httpapi.Server) {
		s.Programs[0].Policies = []geo.PolicyVersion{{Policy: geo.DefaultPolicy()},
			{Effective: time.Date(2025, 6, 1, 0, 0, 0, 0, geo.Vietnam), Policy: only4g}}
	})
	body := strings.Replace(strings.Replace(obs("2025-01-01"), `"4g"`, `"3g"`, 1), `"has_signal":false`, `"has_signal":true`, 1)
	if code, p := post(t, srv.URL+"/api/v1/uploads", tok, strings.NewReader(body)); code != 201 {
		t.Fatalf("%d %v", code, p)
	}
	summary := func(q string) (int, map[string]any) {
		resp, err := http.Get(srv.URL + "/api/v1/summary?as_of=2025-03-01" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	for _, tt := range []struct {
		q, basis, tech string
		covered        float64
	}{{"", "in_force", "2g", 1}, {"&policy=in_force", "in_force", "2g", 1}, {"&policy=current", "current", "4g", 0}} {
		code, v := summary(tt.q)
		pol, _ := v["policy"].(map[string]any)
		nat, _ := v["national"].(map[string]any)
		if code != 200 || pol["basis"] != tt.basis || pol["min_technology"] != tt.tech || nat["covered"] != tt.covered {
			t.Errorf("summary%s: %d policy %v covered %v; want basis %s, min %s, covered %g", tt.q, code, pol, nat["covered"], tt.basis, tt.tech, tt.covered)
		}
	}
	if code, _ := summary("&policy=yesterday"); code != 400 {
		t.Errorf("policy=yesterday: %d, want 400", code)
	}
}
