// Package webhook delivers covmon alerts as generic JSON to an HTTP endpoint.
//
// Each call POSTs one document per status:
//
//	{"version": "1", "receiver": "ops", "status": "firing",
//	 "alerts": [{"key": "overdue/vls-2024/14/viettel", "kind": "overdue", "status": "firing",
//	             "labels": {...}, "annotations": {...},
//	             "startsAt": "2024-12-01T00:00:00+07:00", "endsAt": null}]}
//
// Any 2xx answer is success; anything else (or no answer within the context's deadline) is an
// error, and the alerts engine retries the batch later, so a receiver may see a batch twice
// and should de-duplicate on key + status + startsAt.
package webhook

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/covmon/covmon/alerts"
)

// Version is the payload format version.
const Version = "1"

// Notifier posts alerts to URL. Create it with New.
type Notifier struct {
	// Client sends the requests (default: a client with a 30s timeout; the engine's context
	// usually ends sooner).
	Client *http.Client
	// Header is added to every request (e.g. Authorization).
	Header http.Header

	name string
	url  string
}

var _ alerts.Notifier = (*Notifier)(nil)

// New returns a Notifier named name posting to url.
func New(name, url string) *Notifier {
	return &Notifier{Client: &http.Client{Timeout: 30 * time.Second}, name: name, url: url}
}

// Name returns the receiver name.
func (n *Notifier) Name() string { return n.name }

// Payload is the JSON document posted.
type Payload struct {
	Version  string  `json:"version"`
	Receiver string  `json:"receiver"`
	Status   string  `json:"status"`
	Alerts   []Alert `json:"alerts"`
}

// Alert is one alert in a Payload. EndsAt is null while the alert fires.
type Alert struct {
	Key         string            `json:"key"`
	Kind        string            `json:"kind"`
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      *time.Time        `json:"endsAt"`
}

// Notify posts the firing alerts of as, then the resolved ones, as one payload each.
func (n *Notifier) Notify(ctx context.Context, as []alerts.Alert) error {
	for _, status := range []string{alerts.Firing, alerts.Resolved} {
		p := Payload{Version: Version, Receiver: n.name, Status: status}
		for _, a := range as {
			if a.Status() != status {
				continue
			}
			wa := Alert{Key: a.Key, Kind: a.Kind, Status: status, Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt}
			if a.Resolved() {
				end := a.EndsAt
				wa.EndsAt = &end
			}
			p.Alerts = append(p.Alerts, wa)
		}
		if len(p.Alerts) == 0 {
			continue
		}
		if err := n.post(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (n *Notifier) post(ctx context.Context, p Payload) error {
	if err := alerts.PostJSON(ctx, n.Client, n.url, n.Header, p); err != nil {
		return fmt.Errorf("webhook %s: %w", n.name, err)
	}
	return nil
}
