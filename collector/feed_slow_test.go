package collector_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

// feedWait bounds the tests' waits for what they assert: generous, for a loaded machine.
const feedWait = 2 * time.Minute

// trickler is a feed server that answers at once, sends the start of a file and then one
// blank every few milliseconds, without end, until its request ends or release is closed
// (then it breaks the connection).
type trickler struct {
	release chan struct{}
	active  atomic.Int32
}

func newTrickler() *trickler {
	return &trickler{release: make(chan struct{})}
}

func (tr *trickler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	tr.active.Add(1)
	defer tr.active.Add(-1)
	w.Header().Set("Content-Type", "application/geo+json")
	w.Write([]byte(`{"type":"FeatureCollection","features":[`))
	w.(http.Flusher).Flush()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-req.Context().Done():
			return
		case <-tr.release:
			panic(http.ErrAbortHandler) // the connection breaks: the body ends unfinished
		case <-tick.C:
			w.Write([]byte(" "))
			w.(http.Flusher).Flush()
		}
	}
}

// waitUntil polls cond until it holds or feedWait passes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(feedWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFeed_SlowFeedHoldsOnlyItsCarrier: viettel's first feed trickles its body without end;
// mobifone's feed, listed after it, is pulled and stored meanwhile, while viettel's second
// feed waits for viettel's first (a carrier's feeds are pulled in their order). When the
// trickle ends unfinished, nothing of it is stored, the error names it, and viettel's second
// feed is then pulled.
func TestFeed_SlowFeedHoldsOnlyItsCarrier(t *testing.T) {
	r, _, db := newRunner(t)
	ctx := context.Background()
	slow := newTrickler()
	srv := httptest.NewServer(slow)
	defer srv.Close()
	var secondHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/viettel-2.geojson" {
			secondHits.Add(1)
			w.Write([]byte(obsFile("T-2", true, "2025-12-02")))
			return
		}
		w.Write([]byte(obsFile("T-1", true, "2025-12-01")))
	}))
	defer other.Close()
	var mu sync.Mutex
	results := map[string][]bool{}
	r.FeedResult = func(feed string, failed bool) {
		mu.Lock()
		defer mu.Unlock()
		results[feed] = append(results[feed], failed)
	}
	r.Fetcher = &collector.Fetcher{Net: collector.NetPolicy{AllowLoopback: true}, Timeout: time.Hour}
	r.Feeds = []collector.Feed{
		{Name: "viettel-slow", URL: srv.URL + "/viettel.geojson", Carrier: "viettel"},
		{Name: "viettel-2", URL: other.URL + "/viettel-2.geojson", Carrier: "viettel"},
		{Name: "mobifone", URL: other.URL + "/mobifone.geojson", Carrier: "mobifone"},
	}
	done := make(chan error, 1)
	go func() { done <- r.PullFeeds(ctx) }()
	uploadsOf := func(carrier string) []geo.Upload {
		ups, err := db.Uploads(ctx, geo.UploadFilter{Carrier: carrier})
		if err != nil {
			t.Fatal(err)
		}
		return ups
	}
	waitUntil(t, "mobifone's feed stored", func() bool { return len(uploadsOf("mobifone")) == 1 })
	select {
	case err := <-done:
		t.Fatalf("PullFeeds returned while viettel's feed trickled: %v", err)
	default:
	}
	if slow.active.Load() != 1 {
		t.Errorf("viettel's slow feed is not being read (%d requests)", slow.active.Load())
	}
	if n := secondHits.Load(); n != 0 {
		t.Errorf("viettel's second feed was asked %d times before viettel's first ended", n)
	}
	if ups := uploadsOf("mobifone"); ups[0].Result != geo.ResultAccepted || ups[0].FileName != "mobifone/mobifone.geojson" {
		t.Errorf("mobifone's upload %+v", ups[0])
	}
	close(slow.release)
	var err error
	select {
	case err = <-done:
	case <-time.After(feedWait):
		t.Fatal("PullFeeds did not return once the slow feed ended")
	}
	if err == nil || !strings.Contains(err.Error(), "feed viettel-slow") {
		t.Errorf("PullFeeds = %v, want viettel-slow's failure", err)
	}
	ups := uploadsOf("viettel")
	if len(ups) != 1 || ups[0].FileName != "viettel-2/viettel-2.geojson" {
		t.Errorf("viettel's uploads %+v, want its second feed's only (nothing of the unfinished body)", ups)
	}
	mu.Lock()
	defer mu.Unlock()
	for feed, want := range map[string]string{"viettel-slow": "[true]", "viettel-2": "[false]", "mobifone": "[false]"} {
		if got := fmt.Sprint(results[feed]); got != want {
			t.Errorf("%s: results %v, want %s", feed, results[feed], want)
		}
	}
}

// TestFeed_Timeout: a feed that trickles its body past the fetcher's timeout fails at the
// bound: the error names the feed (its URL redacted), the bytes read and the bound; nothing
// is stored; the feed counts as failing. (A fast feed beside it is TestFeed_SlowFeedHoldsOnly-
// ItsCarrier's: here the bound is short, and a loaded machine may take longer than it for any
// pull.)
func TestFeed_Timeout(t *testing.T) {
	r, _, db := newRunner(t)
	ctx := context.Background()
	slow := newTrickler()
	srv := httptest.NewServer(slow)
	defer srv.Close()
	var logs bytes.Buffer
	var logMu sync.Mutex
	r.Logger = slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.Write(p)
	}), nil))
	var failed atomic.Int32
	r.FeedResult = func(feed string, f bool) {
		if feed == "viettel-slow" && f {
			failed.Add(1)
		}
	}
	r.Fetcher = &collector.Fetcher{Net: collector.NetPolicy{AllowLoopback: true}, Timeout: 2 * time.Second}
	r.Feeds = []collector.Feed{{Name: "viettel-slow", URL: srv.URL + "/viettel.geojson?token=s3cret", Carrier: "viettel"}}
	before, _ := db.Uploads(ctx, geo.UploadFilter{})
	err := r.PullFeeds(ctx)
	if !errors.Is(err, collector.ErrFeedTimeout) {
		t.Fatalf("PullFeeds = %v, want ErrFeedTimeout", err)
	}
	// Headers and the start of the body come at once, so bytes were read — unless a loaded
	// machine took the whole bound before the answer: then 0.
	msg := regexp.MustCompile(`^feed viettel-slow \(http://127\.0\.0\.1:\d+/viettel\.geojson\?token=xxxxx\): feed pull timed out: (\d+) bytes of its body read within 2s, nothing stored$`)
	if !msg.MatchString(err.Error()) {
		t.Errorf("error %q, want it to name the feed, its redacted URL, the bytes read and the bound", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the feed's token in the error: %v", err)
	}
	if ups, _ := db.Uploads(ctx, geo.UploadFilter{}); len(ups) != len(before) {
		t.Errorf("uploads after the timeout: %+v, want as before: %+v", ups, before)
	}
	if n := failed.Load(); n != 1 {
		t.Errorf("viettel-slow counted failed %d times, want 1", n)
	}
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	if !strings.Contains(out, `msg="feed pull failed" feed=viettel-slow`) || !strings.Contains(out, "timed out") {
		t.Errorf("log:\n%s", out)
	}
	waitUntil(t, "the trickling request ended", func() bool { return slow.active.Load() == 0 })
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestFeed_ManySlowFeedsHoldNoOtherCarrier: every carrier's next pull waits for the feeds run
// to end, so a carrier with many slow feeds (each within feed_timeout) held every other
// carrier's next pull for all of them. A carrier's feeds begin no pull (but their first) after
// feed_every since the run began; those left are pulled first next run, then the rest in order.
// The clock is a fake one: feed_every passes while viettel's first feed is being pulled.
func TestFeed_ManySlowFeedsHoldNoOtherCarrier(t *testing.T) {
	r, clock, _ := newRunner(t)
	ctx := context.Background()
	asked := make(chan struct{}, 1)
	release := make(chan struct{})
	var mu sync.Mutex
	var order []string
	var heldOnce sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		order = append(order, req.URL.Path)
		mu.Unlock()
		hold := false
		if req.URL.Path == "/viettel-1.geojson" {
			heldOnce.Do(func() { hold = true })
		}
		if hold {
			asked <- struct{}{}
			<-release // the first run's first pull ends once feed_every has passed
		}
		switch req.URL.Path {
		case "/mobifone.geojson":
			w.Write([]byte(obsFile("T-1", true, "2025-12-01")))
		default:
			w.Write([]byte(obsFile("T-2", true, "2025-12-0"+req.URL.Path[len("/viettel-"):len("/viettel-")+1])))
		}
	}))
	defer srv.Close()
	r.Fetcher = &collector.Fetcher{Net: collector.NetPolicy{AllowLoopback: true}, Timeout: time.Hour}
	r.FeedEvery = 15 * time.Minute
	r.Feeds = []collector.Feed{
		{Name: "viettel-1", URL: srv.URL + "/viettel-1.geojson", Carrier: "viettel"},
		{Name: "viettel-2", URL: srv.URL + "/viettel-2.geojson", Carrier: "viettel"},
		{Name: "viettel-3", URL: srv.URL + "/viettel-3.geojson", Carrier: "viettel"},
		{Name: "mobifone", URL: srv.URL + "/mobifone.geojson", Carrier: "mobifone"},
	}
	done := make(chan error, 1)
	go func() { done <- r.PullFeeds(ctx) }()
	select {
	case <-asked:
	case <-time.After(feedWait):
		t.Fatal("viettel's first feed was not asked")
	}
	clock.Advance(r.FeedEvery)
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("first run: %v", err)
		}
	case <-time.After(feedWait):
		t.Fatal("the first run did not end")
	}
	viettel := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var v []string
		for _, p := range order {
			if p != "/mobifone.geojson" {
				v = append(v, p)
			}
		}
		order = nil
		return v
	}
	if got := fmt.Sprint(viettel()); got != "[/viettel-1.geojson]" {
		t.Errorf("first run asked viettel's %s, want its first feed only (feed_every had passed)", got)
	}
	for run, want := range []string{
		"[/viettel-2.geojson /viettel-3.geojson /viettel-1.geojson]", // those left first
		"[/viettel-1.geojson /viettel-2.geojson /viettel-3.geojson]", // then in their order
	} {
		if err := r.PullFeeds(ctx); err != nil {
			t.Fatalf("run %d: %v", run+2, err)
		}
		if got := fmt.Sprint(viettel()); got != want {
			t.Errorf("run %d asked viettel's %s, want %s", run+2, got, want)
		}
	}
}
