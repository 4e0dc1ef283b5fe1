package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/geo"
)

// TestUpload_InspectorsDoNotShareSlots: each inspector token is its own uploader. Inspectors
// are separate bodies (a province's drive-test team, a crowd app); one that keeps its bodies
// pending used to fill the slots of every inspector ("inspector:" was one uploader), so a
// second inspector's measurement got 429. Its own next upload still gets 429.
func TestUpload_InspectorsDoNotShareSlots(t *testing.T) {
	started := make(chan string, 16)
	s := newSecServer(t, func(s *httpapi.Server) {
		s.MaxPendingPerUploader = 2
		httpapi.SetSpoolHook(s, func(uploader string) { started <- uploader })
	})
	inspector := func(name string) string {
		secret, hash, err := geo.NewTokenSecret()
		if err != nil {
			t.Fatal(err)
		}
		tok := &geo.Token{Name: name, Role: geo.RoleInspector, SecretHash: hash, CreatedAt: time.Now()}
		if err := s.db.CreateToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		return geo.FormatToken(tok.ID, secret)
	}
	flood, other := inspector("crowd app"), inspector("Sở TT&TT Lào Cai")
	for range 2 {
		c := slowUpload(t, s.Listener.Addr().String(), flood)
		defer c.Close()
	}
	waitN(t, started, 2)

	measured := `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"4g","has_signal":false,"observed_at":"2025-01-01","method":"drive_test"}}]}`
	code, p := post(t, s.URL+"/api/v1/uploads", other, strings.NewReader(measured))
	if code != http.StatusCreated {
		t.Errorf("another inspector's upload while the first holds its slots: %d %v, want 201", code, p)
	}
	waitN(t, started, 1)
	code, p = post(t, s.URL+"/api/v1/uploads", flood, strings.NewReader(measured))
	if code != http.StatusTooManyRequests {
		t.Errorf("the flooding inspector's third upload: %d %v, want 429", code, p)
	}
}
