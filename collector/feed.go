package collector

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"sync"
	"time"

	"github.com/covmon/covmon/geo"
)

// Feed is a URL that a carrier publishes its file at; covmon pulls it on a schedule.
type Feed struct {
	Name    string
	URL     string
	Carrier string         // the carrier the feed speaks for
	Kind    geo.UploadKind // default observations
}

// Fetcher pulls feeds with conditional requests (ETag / If-Modified-Since), so an unchanged
// feed costs a 304 and no ingest.
type Fetcher struct {
	Client *http.Client // default: 60 s to the response headers
	// MaxBytes caps a feed body (default 256 MiB); a larger body is an error.
	MaxBytes int64

	mu    sync.Mutex
	state map[string]feedState
}

type feedState struct {
	etag, lastModified string
}

// PullFeeds fetches every feed and ingests changed ones. Errors are logged per feed, once; the
// first is returned after all feeds were tried (marked as logged, so the job does not log it
// again).
func (r *Runner) PullFeeds(ctx context.Context) error {
	if r.Fetcher == nil {
		r.Fetcher = &Fetcher{}
	}
	var firstErr error
	for _, f := range r.Feeds {
		if err := r.pullFeed(ctx, f); err != nil {
			r.logger().Error("feed pull failed", "feed", f.Name, "url", f.URL, "err", err)
			if firstErr == nil {
				firstErr = logged(err)
			}
		}
	}
	return firstErr
}

func (r *Runner) pullFeed(ctx context.Context, f Feed) error {
	fe := r.Fetcher
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return fmt.Errorf("feed %s: %w", f.Name, err)
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
	client := fe.Client
	if client == nil {
		// The answer must start within a minute; reading the body is bounded by the job's
		// context and MaxBytes, not by a clock, since ingesting a large feed takes time.
		client = &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: 60 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second, IdleConnTimeout: 90 * time.Second}}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("feed %s: %w", f.Name, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return nil
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("feed %s: HTTP %s", f.Name, resp.Status)
	}
	max := fe.MaxBytes
	if max <= 0 {
		max = 256 << 20
	}
	if resp.ContentLength > max {
		return fmt.Errorf("feed %s: %w: %d bytes, limit %d", f.Name, ErrTooLarge, resp.ContentLength, max)
	}
	name := f.Name
	if b := path.Base(req.URL.Path); b != "" && b != "/" && b != "." {
		name = f.Name + "/" + b
	}
	u, err := r.Ingest(ctx, File{Name: name, Kind: f.Kind, Carrier: f.Carrier, Source: "feed"}, LimitReader(resp.Body, max))
	if err != nil {
		return fmt.Errorf("feed %s: %w", f.Name, err)
	}
	r.logger().Info("feed ingested", "feed", f.Name, "result", u.Result, "upload", u.ID, "problems", len(u.Problems))
	fe.mu.Lock()
	if fe.state == nil {
		fe.state = map[string]feedState{}
	}
	fe.state[f.URL] = feedState{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}
	fe.mu.Unlock()
	return nil
}
