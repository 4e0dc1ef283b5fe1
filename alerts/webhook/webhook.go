// Package webhook delivers covmon alerts as generic JSON to an HTTP endpoint.
//
// Each call POSTs one document per status; the alerts have the shape of wire.Alert, the same
// as `covmon alerts --format json` prints:
//
//	{"version": "2", "receiver": "ops", "status": "firing",
//	 "alerts": [{"key": "overdue/vls-2024/14/viettel", "kind": "overdue", "status": "firing",
//	             "labels": {...}, "annotations": {...},
//	             "starts_at": "2024-12-01T00:00:00+07:00", "ends_at": null}]}
//
// Version 2 spells the times starts_at/ends_at (version 1 had startsAt/endsAt).
//
// Any 2xx answer is success; anything else (or no answer within the context's deadline) is an
// error, and the alerts engine retries the batch later, so a receiver may see a batch twice
// and should de-duplicate on key + status + starts_at.
package webhook

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/geo/wire"
)

// Version is the payload format version.
const Version = "2"

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
	Version  string       `json:"version"`
	Receiver string       `json:"receiver"`
	Status   string       `json:"status"`
	Alerts   []wire.Alert `json:"alerts"`
}

// Notify posts the firing alerts of as, then the resolved ones, as one payload each.
func (n *Notifier) Notify(ctx context.Context, as []alerts.Alert) error {
	for _, status := range []string{alerts.Firing, alerts.Resolved} {
		p := Payload{Version: Version, Receiver: n.name, Status: status}
		for _, a := range as {
			if a.Status() != status {
				continue
			}
			p.Alerts = append(p.Alerts, alerts.ToWire(a))
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
