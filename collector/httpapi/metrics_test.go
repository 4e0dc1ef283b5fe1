package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// secServer is an API on a real SQLite file with one village and no tokens; token adds them.
type secServer struct {
	*httptest.Server
	db  *sqlite.DB
	api *httpapi.Server
}

// openProgramDB opens a new SQLite file (closed when the test ends) holding the default
// program, and returns it and the program.
func openProgramDB(t *testing.T) (*sqlite.DB, geo.Program) {
	t.Helper()
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "api.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	prog := geo.DefaultProgram()
	if err := db.UpsertProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
	return db, prog
}

func newSecServer(t *testing.T, configure func(*httpapi.Server)) *secServer {
	t.Helper()
	ctx := context.Background()
	db, prog := openProgramDB(t)
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	in := &collector.Ingester{Store: db, Now: now}
	if u, err := in.Ingest(ctx, collector.File{Name: "v.geojson", Kind: geo.KindVillages}, strings.NewReader(villages)); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry: %v %+v", err, u)
	}
	s := &httpapi.Server{Store: db, Ingest: in.Ingest, Programs: []geo.Program{prog}, Policy: geo.DefaultPolicy(), Now: now, PublicRead: true}
	if configure != nil {
		configure(s)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &secServer{Server: srv, db: db, api: s}
}

// token stores a token with the role (and carrier) and returns its bearer string.
func (s *secServer) token(t *testing.T, role, carrier string) string {
	t.Helper()
	secret, hash, err := geo.NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	tok := &geo.Token{Name: role + carrier, Role: role, Carrier: carrier, SecretHash: hash, CreatedAt: time.Now()}
	if err := s.db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return geo.FormatToken(tok.ID, secret)
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServer_MetricsFollowReadPolicy: with public_read off, /metrics (which names every open
// village and every carrier's upload counts) needs a ministry token; with it on, it is open.
func TestServer_MetricsFollowReadPolicy(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `covmon_village_open{name="Bản Một"} 1`+"\n")
	})
	t.Run("Private", func(t *testing.T) {
		s := newSecServer(t, func(s *httpapi.Server) { s.PublicRead, s.Metrics = false, metrics })
		ministry, carrier := s.token(t, geo.RoleMinistry, ""), s.token(t, geo.RoleCarrier, "viettel")
		for _, tt := range []struct {
			name, token string
			want        int
		}{{"Anonymous", "", 401}, {"BadToken", "cvm_1_nope", 401}, {"Carrier", carrier, 403}, {"Ministry", ministry, 200}} {
			code, body := get(t, s.URL+"/metrics", tt.token)
			if code != tt.want {
				t.Errorf("%s: %d, want %d", tt.name, code, tt.want)
			}
			if leaked := strings.Contains(body, "Bản Một"); leaked != (tt.want == 200) {
				t.Errorf("%s: village name in the body: %v", tt.name, leaked)
			}
		}
	})
	t.Run("Public", func(t *testing.T) {
		s := newSecServer(t, func(s *httpapi.Server) { s.Metrics = metrics })
		if code, body := get(t, s.URL+"/metrics", ""); code != 200 || !strings.Contains(body, "Bản Một") {
			t.Errorf("anonymous with public_read on: %d %q", code, body)
		}
	})
}
