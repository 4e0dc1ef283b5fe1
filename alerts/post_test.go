package alerts_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/covmon/covmon/alerts"
)

func TestPostJSON_Permanent(t *testing.T) {
	for _, tt := range []struct {
		status    int
		ok, final bool
	}{{200, true, false}, {204, true, false}, {400, false, true}, {404, false, true}, {408, false, false}, {429, false, false}, {500, false, false}, {503, false, false}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tt.status) }))
		err := alerts.PostJSON(context.Background(), srv.Client(), srv.URL, nil, []int{1})
		srv.Close()
		if (err == nil) != tt.ok || errors.Is(err, alerts.ErrPermanent) != tt.final {
			t.Errorf("HTTP %d: err=%v, want ok=%v permanent=%v", tt.status, err, tt.ok, tt.final)
		}
	}
}
