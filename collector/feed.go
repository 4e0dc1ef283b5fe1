package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/covmon/covmon/geo"
)

// ErrFeedTimeout is returned for a feed pull that did not end within Fetcher.Timeout.
var ErrFeedTimeout = errors.New("feed pull timed out")

// Feed is a URL that a carrier publishes its file at; covmon pulls it on a schedule.
type Feed struct {
	Name    string
	URL     string
	Carrier string         // the carrier the feed speaks for
	Kind    geo.UploadKind // default observations
	// RedirectHosts are the hosts the feed may redirect to besides its own (a CDN, say).
	// Any other redirect is an error, and so is one from https to http.
	RedirectHosts []string
}

// Fetcher pulls feeds with conditional requests (ETag / If-Modified-Since), so an unchanged
// feed costs a 304 and no ingest.
//
// Every address connected to is checked against Net when it is dialled, redirects go only to
// the feed's own host or its RedirectHosts, and feed URLs are redacted (RedactURL) in every
// log line and error: a password or a token in a feed URL never reaches the logs.
type Fetcher struct {
	// Net is the address policy (default: no loopback, no link-local; see NetPolicy).
	Net NetPolicy
	// MaxBytes caps a feed body (default 256 MiB); a larger body is an error.
	MaxBytes int64
	// Timeout bounds one pull of one feed as a whole — connecting, the answer's headers and
	// its whole body — (default DefaultFeedTimeout): a feed server that answers promptly and
	// then trickles its body cannot hold the feeds job. Past it the pull is an error naming
	// the bytes read, and nothing is stored. Storing the body once read is not bounded by it.
	Timeout time.Duration
	// Parallel is how many carriers' feeds are pulled at once (default DefaultFeedParallel);
	// one carrier's feeds are pulled one after another, in their order.
	Parallel int

	clientOnce sync.Once
	client     *http.Client

	mu    sync.Mutex
	state map[string]feedState
}

// maxFeedRedirects is how many redirects a feed may take.
const maxFeedRedirects = 5

// DefaultFeedTimeout is Fetcher.Timeout's default: 256 MiB at about 1 MB/s.
const DefaultFeedTimeout = 5 * time.Minute

// DefaultFeedEvery is Runner.FeedEvery's default.
const DefaultFeedEvery = 15 * time.Minute

// DefaultFeedParallel is Fetcher.Parallel's default.
const DefaultFeedParallel = 4

// errFeedTimeout is the cause of a pull's context ending at Fetcher.Timeout.
var errFeedTimeout = errors.New("feed timeout")

// httpClient returns the fetcher's client: no proxy (the address policy must see the address
// really connected to), the policy at dial time, and the answer's headers within a minute;
// the whole pull, body included, is bounded by Timeout (pullFeed).
func (fe *Fetcher) httpClient() *http.Client {
	fe.clientOnce.Do(func() {
		fe.client = &http.Client{Transport: &http.Transport{
			DialContext:           fe.Net.dialer().DialContext,
			ForceAttemptHTTP2:     true,
			ResponseHeaderTimeout: 60 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          16,
		}}
	})
	return fe.client
}

// clientFor returns a client whose redirects stay on f's host or f.RedirectHosts.
func (fe *Fetcher) clientFor(f Feed, start *url.URL) *http.Client {
	c := *fe.httpClient()
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxFeedRedirects {
			return fmt.Errorf("more than %d redirects", maxFeedRedirects)
		}
		to := req.URL
		if via[len(via)-1].URL.Scheme == "https" && to.Scheme != "https" {
			return fmt.Errorf("redirect from https to %s refused", redactURL(to))
		}
		host := strings.ToLower(to.Hostname())
		if host != strings.ToLower(start.Hostname()) && !slices.ContainsFunc(f.RedirectHosts, func(h string) bool { return strings.EqualFold(h, host) }) {
			return fmt.Errorf("redirect to %s refused: only the feed's own host %s (or the feed's redirect_hosts)", redactURL(to), start.Hostname())
		}
		return fe.Net.checkHost(to)
	}
	return &c
}

type feedState struct {
	etag, lastModified string
	rejected           bool // the file last ingested from the feed was rejected
}

// PullFeeds fetches every feed and ingests changed ones. Each carrier's feeds are pulled one
// after another, in their order, and up to Fetcher.Parallel carriers at once: a slow or
// trickling feed delays its own carrier's later feeds only (and at most Fetcher.Timeout
// each), never another carrier's. Since every carrier's next pull waits for this run to end,
// a carrier's feeds begin no pull (but their first) after FeedEvery since the run began: its
// feeds left are pulled first on the next run, then the rest in their order. Errors are logged per feed, once; the first in the feeds'
// order is returned after all feeds were tried (marked as logged, so the job does not log it
// again).
func (r *Runner) PullFeeds(ctx context.Context) error {
	if r.Fetcher == nil {
		r.Fetcher = &Fetcher{}
	}
	var carriers []string
	byCarrier := map[string][]int{}
	for i, f := range r.Feeds {
		if _, ok := byCarrier[f.Carrier]; !ok {
			carriers = append(carriers, f.Carrier)
		}
		byCarrier[f.Carrier] = append(byCarrier[f.Carrier], i)
	}
	par := r.Fetcher.Parallel
	if par <= 0 {
		par = DefaultFeedParallel
	}
	// A carrier's feeds begin no pull after feed_every since the run began, but the first:
	// the run, which every carrier's next pull waits for, lasts at most feed_every plus one
	// pull, however many slow feeds one carrier has. Its feeds left are pulled first next run.
	every := r.FeedEvery
	if every <= 0 {
		every = DefaultFeedEvery
	}
	deadline := r.now().Add(every)
	errs := make([]error, len(r.Feeds))
	slots := make(chan struct{}, par)
	var wg sync.WaitGroup
	for _, c := range carriers {
		slots <- struct{}{}
		wg.Add(1)
		go func(carrier string, feeds []int) {
			defer func() { <-slots; wg.Done() }()
			first := r.feedCursor(carrier, len(feeds))
			for n := range len(feeds) {
				if r.stopping() {
					return
				}
				k := (first + n) % len(feeds)
				if n > 0 && !r.now().Before(deadline) {
					r.setFeedCursor(carrier, k)
					r.logger().Warn("feeds: a carrier's feeds took longer than feed_every; its feeds left are pulled first next run",
						"carrier", carrier, "next_feed", r.Feeds[feeds[k]].Name, "left", len(feeds)-n, "feed_every", every)
					return
				}
				errs[feeds[k]] = r.pullOne(ctx, r.Feeds[feeds[k]])
			}
			r.setFeedCursor(carrier, 0)
		}(c, byCarrier[c])
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return logged(err)
		}
	}
	return nil
}

// feedCursor returns the index among carrier's n feeds of the one its next run begins with.
func (r *Runner) feedCursor(carrier string, n int) int {
	r.feedMu.Lock()
	defer r.feedMu.Unlock()
	if k := r.feedNext[carrier]; k < n {
		return k
	}
	return 0
}

func (r *Runner) setFeedCursor(carrier string, k int) {
	r.feedMu.Lock()
	defer r.feedMu.Unlock()
	if r.feedNext == nil {
		r.feedNext = map[string]int{}
	}
	r.feedNext[carrier] = k
}

// pullOne pulls f, tells FeedResult and logs its failure.
func (r *Runner) pullOne(ctx context.Context, f Feed) error {
	rejected, err := r.pullFeed(ctx, f)
	if r.FeedResult != nil && ctx.Err() == nil {
		r.FeedResult(f.Name, rejected || err != nil)
	}
	if err != nil {
		r.logger().Error("feed pull failed", "feed", f.Name, "url", RedactURL(f.URL), "err", err)
	}
	return err
}

// pullFeed pulls one feed; rejected reports that the feed serves a file covmon rejected (the
// one just ingested, or, on 304 Not Modified, the one ingested before).
func (r *Runner) pullFeed(ctx context.Context, f Feed) (rejected bool, err error) {
	fe := r.Fetcher
	if err := fe.Net.CheckURL(f.URL); err != nil {
		return false, fmt.Errorf("feed %s: %w", f.Name, err)
	}
	// The pull's own context ends at the timeout: the request and the body's reads end then.
	// Storing what was read uses ctx: a body read whole is stored whole.
	timeout := fe.Timeout
	if timeout <= 0 {
		timeout = DefaultFeedTimeout
	}
	pctx, cancel := context.WithTimeoutCause(ctx, timeout, errFeedTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return false, fmt.Errorf("feed %s: %w", f.Name, redactErr(err))
	}
	fe.mu.Lock()
	st := fe.state[f.URL]
	fe.mu.Unlock()
	if st.etag != "" {
		req.Header.Set("If-None-Match", st.etag)
	}
	if st.lastModified != "" {
		req.Header.Set("If-Modified-Since", st.lastModified)
	}
	req.Header.Set("Accept", "application/geo+json, application/json")
	name := f.Name
	if b := path.Base(req.URL.Path); b != "" && b != "/" && b != "." {
		name = f.Name + "/" + b
	}
	// The whole pull, request and all, is one ingest of the drop folder's and feeds' (a
	// shutdown waits for it from its request on). It returns no upload and no error when the
	// feed has not changed (304).
	var notModified bool
	var header http.Header
	pull := func(ctx context.Context, file File, _ io.Reader) (*geo.Upload, error) {
		resp, err := fe.clientFor(f, req.URL).Do(req)
		if err != nil {
			if context.Cause(pctx) == errFeedTimeout {
				return nil, fmt.Errorf("feed %s (%s): %w: 0 bytes of its body read within %s, nothing stored", f.Name, RedactURL(f.URL), ErrFeedTimeout, timeout)
			}
			return nil, fmt.Errorf("feed %s: %w", f.Name, redactErr(err))
		}
		defer resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusNotModified && st.etag == "" && st.lastModified == "":
			// Nothing was asked conditionally (a first pull, or the last file had no ETag or
			// Last-Modified): the feed has delivered no file to stand for, and must not count
			// as healthy.
			return nil, fmt.Errorf("feed %s: HTTP %s to a request without If-None-Match or If-Modified-Since: no file read", f.Name, resp.Status)
		case resp.StatusCode == http.StatusNotModified:
			notModified = true
			return nil, nil
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("feed %s: HTTP %s", f.Name, resp.Status)
		}
		max := fe.MaxBytes
		if max <= 0 {
			max = 256 << 20
		}
		if resp.ContentLength > max {
			return nil, fmt.Errorf("feed %s: %w: %d bytes, limit %d", f.Name, ErrTooLarge, resp.ContentLength, max)
		}
		header = resp.Header
		body := &CountingReader{R: resp.Body}
		u, err := r.Ingest(ctx, file, LimitReader(body, max))
		if err != nil {
			if context.Cause(pctx) == errFeedTimeout && ctx.Err() == nil {
				return nil, fmt.Errorf("feed %s (%s): %w: %d bytes of its body read within %s, nothing stored", f.Name, RedactURL(f.URL), ErrFeedTimeout, body.N, timeout)
			}
			return nil, fmt.Errorf("feed %s: %w", f.Name, redactErr(err))
		}
		return u, nil
	}
	u, err := r.tracked(pull)(ctx, File{Name: name, Kind: f.Kind, Carrier: f.Carrier, Source: "feed", Remote: true}, nil)
	switch {
	case err != nil:
		return false, err
	case notModified:
		return st.rejected, nil
	}
	r.logger().Info("feed ingested", "feed", f.Name, "result", u.Result, "upload", u.ID, "problems", len(u.Problems), "notes", len(u.Notes))
	r.logWarnings(u, "feed", f.Name)
	fe.mu.Lock()
	if fe.state == nil {
		fe.state = map[string]feedState{}
	}
	rejected = u.Result == geo.ResultRejected
	fe.state[f.URL] = feedState{etag: header.Get("ETag"), lastModified: header.Get("Last-Modified"), rejected: rejected}
	fe.mu.Unlock()
	return rejected, nil
}
