package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// A village's history says when covmon received each observation (its upload's received_at),
// beside when it was observed: a claim of signal observed on 2024-11-30 and received in 2026
// counts in every as-of figure from 2024-12-01 on (docs/figures.md, "As of a past instant"), and
// a reader of the village's record sees that it was sent later instead of having to look up
// each upload_id.
func TestServer_VillageHistorySaysWhenReceived(t *testing.T) {
	ctx := context.Background()
	srv, tok, db := newServerDB(t, nil)
	if code, p := post(t, srv.URL+"/api/v1/uploads", tok, strings.NewReader(obs("2024-11-30"))); code != 201 {
		t.Fatalf("%d %v", code, p)
	}
	v := getJSON(t, srv.URL+"/api/v1/villages/T-1", tok)
	hist, _ := v["observations"].([]any)
	if len(hist) != 1 {
		t.Fatalf("history %v", v["observations"])
	}
	o := hist[0].(map[string]any)
	u, err := db.Upload(ctx, int64(o["upload_id"].(float64)))
	if err != nil {
		t.Fatal(err)
	}
	want := u.ReceivedAt.In(geo.Vietnam).Format(time.RFC3339Nano)
	if o["received_at"] != want || o["observed_at"] != "2024-11-30T00:00:00+07:00" {
		t.Errorf("observation %v: want observed_at 2024-11-30T00:00:00+07:00, received_at %s (upload %d)", o, want, u.ID)
	}
}
