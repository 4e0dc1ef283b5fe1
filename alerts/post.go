package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// ErrPermanent marks a receiver's answer that retrying cannot change (HTTP 4xx other than 408
// and 429: a wrong URL, a rejected payload). The engine drops such a notification, logs it and
// counts it as dropped, so that it does not hold back the receiver's later ones.
var ErrPermanent = errors.New("alerts: permanent delivery failure")

// PostJSON sends v as a JSON body to url with client (http.DefaultClient when nil) and the
// extra header, and fails unless the receiver answers 2xx; the error quotes the start of the
// receiver's answer. Transports (alerts/alertmanager, alerts/webhook) share it.
func PostJSON(ctx context.Context, client *http.Client, url string, header http.Header, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, vs := range header {
		for _, hv := range vs {
			req.Header.Add(k, hv)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "covmon-alerts")
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch c := resp.StatusCode; {
	case c/100 == 2:
	case c/100 == 4 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		return fmt.Errorf("%w: %s: %s", ErrPermanent, resp.Status, bytes.TrimSpace(msg))
	default:
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
