package collector_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

func TestNetPolicy_CheckAddr(t *testing.T) {
	for _, tt := range []struct {
		addr               string
		def, loop, linkLoc bool // allowed by the default policy, with loopback, with link-local allowed
	}{
		{"8.8.8.8", true, true, true},
		{"10.1.2.3", true, true, true}, // private networks are allowed
		{"fd00::1", true, true, true},
		{"127.0.0.1", false, true, false},
		{"127.9.9.9", false, true, false},
		{"::1", false, true, false},
		{"::ffff:127.0.0.1", false, true, false}, // IPv4-mapped
		{"169.254.169.254", false, false, true},  // cloud metadata
		{"fe80::1", false, false, true},
		{"::ffff:169.254.169.254", false, false, true},
		{"0.0.0.0", false, false, false},
		{"::", false, false, false},
		{"224.0.0.1", false, false, false},
		{"255.255.255.255", false, false, false},
	} {
		a := netip.MustParseAddr(tt.addr)
		for _, p := range []struct {
			pol  collector.NetPolicy
			want bool
		}{{collector.NetPolicy{}, tt.def}, {collector.NetPolicy{AllowLoopback: true}, tt.loop}, {collector.NetPolicy{AllowLinkLocal: true}, tt.linkLoc}} {
			err := p.pol.CheckAddr(a)
			if (err == nil) != p.want || (err != nil && !errors.Is(err, collector.ErrAddressRefused)) {
				t.Errorf("%s under %+v: %v, want allowed=%v", tt.addr, p.pol, err, p.want)
			}
		}
	}
}

func TestNetPolicy_CheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://feeds.example.vn/viettel.geojson": true,
		"http://10.0.0.5:8080/feed":                true,
		"http://169.254.169.254/":                  false,
		"http://169.254.169.254/latest/meta-data/": false,
		"http://[fe80::1%25eth0]/":                 false,
		"http://127.0.0.1:9/":                      false,
		"http://localhost/":                        false,
		"http://LOCALHOST./":                       false,
		"http://0.0.0.0/":                          false,
		"http://":                                  false,
		"http:///path":                             false,
		"https://user:pw@":                         false,
		"ftp://x/y":                                false,
		"feeds.example.vn/x":                       false,
		"http://[::1]:80/":                         false,
	} {
		if err := (collector.NetPolicy{}).CheckURL(raw); (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", raw, err, ok)
		}
	}
}

// TestFeed_Redirects: a feed redirects only to its own host or its redirect_hosts; a loopback
// stand-in for a metadata service that the feed redirects to is never asked, and nothing from
// it is stored.
func TestFeed_Redirects(t *testing.T) {
	r, _, db := newRunner(t)
	ctx := context.Background()
	var secretHits atomic.Int32
	metadata := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		secretHits.Add(1)
		w.Write([]byte(obsFile("T-1", true, "2025-12-01")))
	}))
	defer metadata.Close()
	mu, _ := url.Parse(metadata.URL)
	elsewhere := "http://localhost:" + mu.Port() + "/latest/meta-data"
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/away":
			http.Redirect(w, req, elsewhere, http.StatusFound)
		case "/moved":
			http.Redirect(w, req, "/real.geojson", http.StatusMovedPermanently)
		case "/real.geojson":
			w.Write([]byte(obsFile("T-2", false, "2025-12-02")))
		}
	}))
	defer feed.Close()
	r.Fetcher = &collector.Fetcher{Net: collector.NetPolicy{AllowLoopback: true}} // the tests run on loopback

	r.Feeds = []collector.Feed{{Name: "away", URL: feed.URL + "/away", Carrier: "viettel"}}
	if err := r.PullFeeds(ctx); err == nil || !strings.Contains(err.Error(), "redirect to http://localhost:") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("redirect to another host: %v", err)
	}
	if n := secretHits.Load(); n != 0 {
		t.Errorf("the other host was asked %d times", n)
	}
	if ups, _ := db.Uploads(ctx, geo.UploadFilter{Carrier: "viettel"}); len(ups) != 0 {
		t.Errorf("uploads after a refused redirect: %+v", ups)
	}

	r.Feeds = []collector.Feed{{Name: "moved", URL: feed.URL + "/moved", Carrier: "viettel"}}
	if err := r.PullFeeds(ctx); err != nil {
		t.Errorf("redirect on the same host: %v", err)
	}

	r.Feeds = []collector.Feed{{Name: "cdn", URL: feed.URL + "/away", Carrier: "viettel", RedirectHosts: []string{"LocalHost"}}}
	if err := r.PullFeeds(ctx); err != nil || secretHits.Load() != 1 {
		t.Errorf("redirect to a listed host: %v (asked %d times)", err, secretHits.Load())
	}

	// Without loopback allowed (the default), the same feed is refused before any request.
	r.Fetcher = &collector.Fetcher{}
	r.Feeds = []collector.Feed{{Name: "moved", URL: feed.URL + "/moved", Carrier: "viettel"}}
	if err := r.PullFeeds(ctx); !errors.Is(err, collector.ErrAddressRefused) {
		t.Errorf("loopback feed under the default policy: %v", err)
	}
}

// TestFeed_CredentialsRedacted: a feed URL's user, password and query token appear in no log
// line and no error.
func TestFeed_CredentialsRedacted(t *testing.T) {
	r, _, _ := newRunner(t)
	var logs bytes.Buffer
	r.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	var gotAuth atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if u, p, ok := req.BasicAuth(); ok && u == "feeduser" && p == "pa55word" && req.URL.Query().Get("token") == "s3cret" {
			gotAuth.Store(true)
		}
		switch req.URL.Path {
		case "/down":
			http.Error(w, "down", http.StatusServiceUnavailable)
		case "/away":
			http.Redirect(w, req, "http://localhost:1/?token=s3cret", http.StatusFound)
		default:
			w.Write([]byte(obsFile("T-1", true, "2025-12-01")))
		}
	}))
	defer srv.Close()
	r.Fetcher = &collector.Fetcher{Net: collector.NetPolicy{AllowLoopback: true}}
	base := strings.Replace(srv.URL, "http://", "http://feeduser:pa55word@", 1)
	var errs []string
	for _, p := range []string{"/down?token=s3cret", "/away?token=s3cret", "/ok.geojson?token=s3cret&api_key=s3cret"} {
		r.Feeds = []collector.Feed{{Name: "f", URL: base + p, Carrier: "viettel"}}
		if err := r.PullFeeds(context.Background()); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if !gotAuth.Load() {
		t.Error("the feed server never got the credentials")
	}
	out := logs.String() + strings.Join(errs, "\n")
	for _, secret := range []string{"feeduser", "pa55word", "s3cret"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q in the logs or errors:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "xxxxx") || len(errs) != 2 {
		t.Errorf("want two errors and redacted URLs:\n%s", out)
	}
	if got := collector.RedactURL("https://u:p@h.example/a?token=t&x=1#frag"); got != "https://xxxxx@h.example/a?token=xxxxx&x=xxxxx" {
		t.Errorf("RedactURL: %s", got)
	}
}

// TestFeed_Plans: a carrier's feed of kind plans is ingested as that carrier's plans; the feed's
// carrier is the uploader, so a plan for another carrier's village rejects the file.
func TestFeed_Plans(t *testing.T) {
	r, clock, db := newRunner(t)
	ctx := context.Background()
	if u, err := r.Ingester.Ingest(ctx, collector.File{Name: "a.geojson", Kind: geo.KindAssignments, Source: "cli"}, strings.NewReader(`{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","program":"vls-2024","carrier":"viettel","assigned_at":"2025-06-01"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"T-2","program":"vls-2024","carrier":"mobifone","assigned_at":"2025-06-01"}}]}`)); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("assignments: %v %+v", err, u)
	}
	plan := func(village string) string {
		return `{"type":"Feature","geometry":null,"properties":{"village_id":"` + village + `","program":"vls-2024","site_id":"S-` + village + `","target_on_air":"2026-06-30","progress":"planned","planned_at":"2025-12-01"}}`
	}
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body := plan("T-1")
		if req.URL.Path == "/both.geojson" {
			body += "," + plan("T-2")
		}
		w.Write([]byte(`{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[` + body + `]}`))
	}))
	defer feed.Close()
	r.Fetcher = &collector.Fetcher{Net: collector.NetPolicy{AllowLoopback: true}} // the tests run on loopback

	r.Feeds = []collector.Feed{{Name: "both", URL: feed.URL + "/both.geojson", Carrier: "viettel", Kind: geo.KindPlans}}
	r.PullFeeds(ctx) // a rejected file is the feed's error
	ups, _ := db.Uploads(ctx, geo.UploadFilter{Carrier: "viettel"})
	if len(ups) != 1 || ups[0].Kind != geo.KindPlans || ups[0].Result != geo.ResultRejected || ups[0].Source != "feed" {
		t.Fatalf("uploads %+v, want viettel's plans rejected", ups)
	}
	if p := ups[0].Problems; len(p) != 1 || p[0].Rule != geo.RuleNotResponsible || p[0].Feature != 1 {
		t.Errorf("problems %+v, want feature 1 not_responsible", p)
	}
	clock.Advance(time.Minute)
	r.Feeds = []collector.Feed{{Name: "own", URL: feed.URL + "/own.geojson", Carrier: "viettel", Kind: geo.KindPlans}}
	if err := r.PullFeeds(ctx); err != nil {
		t.Fatal(err)
	}
	if ps, err := db.Plans(ctx); err != nil || len(ps) != 1 || ps[0].VillageID != "T-1" || ps[0].Carrier != "viettel" {
		t.Errorf("plans %v %+v, want viettel's T-1", err, ps)
	}
}
