package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/alerts/webhook"
)

var t0 = time.Date(2024, 12, 1, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600))

func alert(key string, resolved bool) alerts.Alert {
	a := alerts.Alert{Key: key, Kind: alerts.KindOverdue, Labels: map[string]string{"alertname": "CovmonOverdue"},
		Annotations: map[string]string{"summary": "s"}, StartsAt: t0}
	if resolved {
		a.EndsAt = t0.Add(time.Hour)
	}
	return a
}

func TestNotifier_Notify(t *testing.T) {
	var (
		mu   sync.Mutex
		got  []webhook.Payload
		code = http.StatusOK
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Authorization") != "Bearer x" {
			t.Errorf("request %s %q %q", r.Method, r.Header.Get("Content-Type"), r.Header.Get("Authorization"))
		}
		var p webhook.Payload
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			t.Error(err)
		}
		mu.Lock()
		got = append(got, p)
		c := code
		mu.Unlock()
		w.WriteHeader(c)
	}))
	defer srv.Close()
	n := webhook.New("ops", srv.URL)
	n.Header = http.Header{"Authorization": {"Bearer x"}}

	t.Run("OK", func(t *testing.T) {
		if err := n.Notify(context.Background(), []alerts.Alert{alert("a", false), alert("b", true)}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Status != "firing" || got[1].Status != "resolved" || got[0].Version != webhook.Version || got[0].Receiver != "ops" {
			t.Fatalf("payloads %+v: want one firing then one resolved, version %s", got, webhook.Version)
		}
		if got[0].Alerts[0].EndsAt != nil || got[1].Alerts[0].EndsAt == nil || !got[1].Alerts[0].EndsAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("endsAt: firing %v, resolved %v", got[0].Alerts[0].EndsAt, got[1].Alerts[0].EndsAt)
		}
	})
	t.Run("ErrStatus", func(t *testing.T) {
		mu.Lock()
		code = http.StatusBadGateway
		mu.Unlock()
		err := n.Notify(context.Background(), []alerts.Alert{alert("a", false)})
		if err == nil || !strings.Contains(err.Error(), "502") {
			t.Fatalf("err=%v, want a 502 error", err)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		release := make(chan struct{})
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		defer hang.Close()
		defer close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := webhook.New("slow", hang.URL).Notify(ctx, []alerts.Alert{alert("a", false)}); err == nil {
			t.Fatal("want a timeout error")
		}
	})
}
