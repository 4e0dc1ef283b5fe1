package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// BenchmarkUpload100kVillages posts a 10-row observations file to POST /api/v1/uploads over
// loopback HTTP, with 100k villages (and one observation each) in the registry, through the
// same collector.Runner.Ingest that covmon serve uses. "off-path" is covmon's behaviour: the
// status refresh runs after the response. "refresh-waited" waits for the refresh before
// answering, as covmon did before, for comparison. refreshes/op shows the coalescing.
func BenchmarkUpload100kVillages(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(b.TempDir(), "bench.db"))
	if err := db.Open(ctx); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	prog := geo.DefaultProgram()
	if err := db.UpsertProgram(ctx, prog); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	vs := make([]geo.Village, n)
	obs := make([]geo.Observation, n)
	for i := range vs {
		vs[i] = geo.Village{ID: fmt.Sprintf("VN-%02d-%06d", i%34, i), Name: "bench", CommuneCode: "00001",
			ProvinceCode: fmt.Sprintf("%02d", i%34), Center: orb.Point{105, 21}, GridPower: true, Baseline: true, Programs: []string{prog.ID}}
		obs[i] = geo.Observation{VillageID: vs[i].ID, Carrier: "viettel", Technology: geo.Tech4G, HasSignal: i%2 == 0,
			ObservedAt: time.Date(2019, 1, 1, 0, 0, 0, 0, geo.Vietnam), Method: "drive_test"}
	}
	up := func(kind geo.UploadKind, sum string) *geo.Upload {
		return &geo.Upload{Kind: kind, Carrier: "viettel", FileName: "setup", SHA256: sum, Source: "cli", ReceivedAt: now, Result: geo.ResultAccepted}
	}
	if err := db.CommitVillages(ctx, up(geo.KindVillages, "v"), vs); err != nil {
		b.Fatal(err)
	}
	if err := db.CommitObservations(ctx, up(geo.KindObservations, "o"), obs); err != nil {
		b.Fatal(err)
	}
	secret, hash, err := geo.NewTokenSecret()
	if err != nil {
		b.Fatal(err)
	}
	tok := &geo.Token{Name: "bench", Role: geo.RoleCarrier, Carrier: "viettel", SecretHash: hash, CreatedAt: now}
	if err := db.CreateToken(ctx, tok); err != nil {
		b.Fatal(err)
	}
	bearer := "Bearer " + geo.FormatToken(tok.ID, secret)

	iter := 0
	for _, mode := range []string{"off-path", "refresh-waited"} {
		b.Run(mode, func(b *testing.B) {
			var refreshes atomic.Int64
			runner := &collector.Runner{Ingester: &collector.Ingester{Store: db, Now: func() time.Time { return now }}, Store: db,
				Programs: []geo.Program{prog}, Policy: geo.DefaultPolicy(),
				OnSnapshot: func(context.Context, *geo.Snapshot) { refreshes.Add(1) }}
			defer runner.Shutdown()
			ingest := runner.Ingest
			if mode == "refresh-waited" {
				ingest = func(ctx context.Context, f collector.File, r io.Reader) (*geo.Upload, error) {
					u, err := runner.Ingest(ctx, f, r)
					if err == nil {
						err = runner.WaitRefreshed(ctx)
					}
					return u, err
				}
			}
			s := &httpapi.Server{Store: db, Ingest: ingest, Programs: []geo.Program{prog}, Policy: geo.DefaultPolicy(),
				Now: func() time.Time { return now }}
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			for b.Loop() {
				b.StopTimer()
				var body strings.Builder
				body.WriteString(`{"type":"FeatureCollection","features":[`)
				for k := range 10 {
					if k > 0 {
						body.WriteString(",")
					}
					at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(iter) * time.Minute)
					fmt.Fprintf(&body, `{"type":"Feature","geometry":null,"properties":{"village_id":%q,"technology":"4g","has_signal":true,"observed_at":%q}}`,
						vs[(iter*10+k)%n].ID, at.Format(time.RFC3339))
				}
				body.WriteString(`]}`)
				iter++
				req, _ := http.NewRequest("POST", srv.URL+"/api/v1/uploads?name=bench.geojson", strings.NewReader(body.String()))
				req.Header.Set("Authorization", bearer)
				b.StartTimer()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.StopTimer()
			if err := runner.WaitRefreshed(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
			b.ReportMetric(float64(refreshes.Load())/float64(b.N), "refreshes/op")
		})
	}
}
