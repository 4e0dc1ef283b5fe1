// Package alertmanager delivers covmon alerts to a Prometheus Alertmanager through its API v2
// (POST /api/v2/alerts with a JSON array), the way Prometheus itself does: a firing alert is
// sent with endsAt a few resend periods ahead and re-posted periodically (the engine calls
// Notify every ResendEvery with all active alerts), so Alertmanager resolves it by itself if
// covmon goes away; a resolved alert is sent with its real endsAt.
//
// endsAt of firing alerts is computed from the Notifier's own clock (the wall clock by default),
// because Alertmanager compares it with its wall clock, whatever clock covmon evaluates with.
package alertmanager

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/covmon/covmon/alerts"
)

// Notifier posts alerts to one Alertmanager. Create it with New.
type Notifier struct {
	// Client sends the requests (default: a client with a 30s timeout).
	Client *http.Client
	// TTL is how far ahead of now a firing alert's endsAt is set (default 4m: four resends
	// at the default 1m period).
	TTL time.Duration
	// GeneratorURL is sent as every alert's generatorURL when set (e.g. covmon's summary URL).
	GeneratorURL string
	// Now is the clock for endsAt (default time.Now).
	Now func() time.Time

	url string
}

var _ alerts.Resender = (*Notifier)(nil)

// New returns a Notifier for the Alertmanager at baseURL (e.g. http://127.0.0.1:9093; a URL
// already ending in /api/v2/alerts is used as is).
func New(baseURL string) *Notifier {
	u := strings.TrimRight(baseURL, "/")
	if !strings.HasSuffix(u, "/api/v2/alerts") {
		u += "/api/v2/alerts"
	}
	return &Notifier{Client: &http.Client{Timeout: 30 * time.Second}, TTL: 4 * time.Minute, Now: time.Now, url: u}
}

// Name returns "alertmanager".
func (n *Notifier) Name() string { return "alertmanager" }

// Resend returns true: Alertmanager expects active alerts to be re-posted.
func (n *Notifier) Resend() bool { return true }

// postableAlert is Alertmanager's API v2 postableAlert.
type postableAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Notify posts as in one request.
func (n *Notifier) Notify(ctx context.Context, as []alerts.Alert) error {
	if len(as) == 0 {
		return nil
	}
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	ttl := n.TTL
	if ttl <= 0 {
		ttl = 4 * time.Minute
	}
	out := make([]postableAlert, len(as))
	for i, a := range as {
		p := postableAlert{Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt.UTC(), GeneratorURL: n.GeneratorURL}
		if a.Resolved() {
			p.EndsAt = a.EndsAt.UTC()
		} else {
			p.EndsAt = now().Add(ttl).UTC()
		}
		if !p.StartsAt.Before(p.EndsAt) {
			p.StartsAt = p.EndsAt.Add(-time.Millisecond)
		}
		out[i] = p
	}
	if err := alerts.PostJSON(ctx, n.Client, n.url, nil, out); err != nil {
		return fmt.Errorf("alertmanager: %w", err)
	}
	return nil
}
