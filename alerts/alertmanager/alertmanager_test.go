package alertmanager_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/alerts/alertmanager"
)

func TestNotifier_Notify(t *testing.T) {
	start := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	wall := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	var body []map[string]any
	var path string
	code := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("body %s: %v", b, err)
		}
		w.WriteHeader(code)
		if code != http.StatusOK {
			io.WriteString(w, `{"code":602,"message":"0.labels in body is required"}`)
		}
	}))
	defer srv.Close()
	n := alertmanager.New(srv.URL + "/")
	n.Now = func() time.Time { return wall }
	n.TTL = 3 * time.Minute
	as := []alerts.Alert{
		{Key: "a", Labels: map[string]string{"alertname": "CovmonOverdue"}, StartsAt: start},
		{Key: "b", Labels: map[string]string{"alertname": "CovmonVillageRegressed"}, StartsAt: start, EndsAt: start.Add(time.Hour)},
	}
	if err := n.Notify(context.Background(), as); err != nil {
		t.Fatal(err)
	}
	if path != "/api/v2/alerts" || len(body) != 2 {
		t.Fatalf("path %q, %d alerts; want /api/v2/alerts with 2", path, len(body))
	}
	if got, want := body[0]["endsAt"], wall.Add(3*time.Minute).Format(time.RFC3339); got != want {
		t.Errorf("firing endsAt=%v, want now+TTL %v", got, want)
	}
	if got, want := body[1]["endsAt"], start.Add(time.Hour).Format(time.RFC3339); got != want {
		t.Errorf("resolved endsAt=%v, want %v", got, want)
	}
	if got := body[0]["labels"].(map[string]any)["alertname"]; got != "CovmonOverdue" {
		t.Errorf("labels %v", body[0]["labels"])
	}
	code = http.StatusUnprocessableEntity
	if err := n.Notify(context.Background(), as); err == nil || !strings.Contains(err.Error(), "422") {
		t.Fatalf("err=%v, want the 422", err)
	}
	if !n.Resend() || n.Name() != "alertmanager" {
		t.Fatal("want a resending receiver named alertmanager")
	}
}
