package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
)

// TestServer_Inspector: an inspector's token uploads independent measurements of any carrier
// through the same endpoint, and nothing else; a carrier's token cannot pass its file off as
// independent; an independent measurement is stored with its role and does not overwrite the
// carrier's claim.
func TestServer_Inspector(t *testing.T) {
	ctx := context.Background()
	srv, carrierTok, db := newServerDB(t, nil)
	secret, hash, err := geo.NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	it := &geo.Token{Name: "Sở TT&TT Lào Cai", Role: geo.RoleInspector, SecretHash: hash}
	if err := db.CreateToken(ctx, it); err != nil {
		t.Fatal(err)
	}
	inspector := geo.FormatToken(it.ID, secret)
	uploads := srv.URL + "/api/v1/uploads"

	// The carrier claims T-1 covered on 2025-03-02.
	claim := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"4g","has_signal":true,"rsrp_dbm":-95,"observed_at":"2025-03-02","method":"model"}}]}`
	if code, p := post(t, uploads, carrierTok, strings.NewReader(claim)); code != 201 {
		t.Fatalf("claim: %d %v", code, p)
	}

	t.Run("CarrierCannotDeclareIndependent", func(t *testing.T) {
		f := `{"type":"FeatureCollection","source_role":"independent","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"4g","has_signal":true,"observed_at":"2025-03-05","method":"drive_test"}}]}`
		code, p := post(t, uploads, carrierTok, strings.NewReader(f))
		if code != 422 || !strings.Contains(toJSON(p), `"rule":"source_role"`) {
			t.Fatalf("%d %v, want 422 source_role", code, p)
		}
	})
	t.Run("InspectorCannotUploadRegistry", func(t *testing.T) {
		code, p := post(t, uploads+"?kind=villages", inspector, strings.NewReader(villages))
		if code != 403 {
			t.Fatalf("%d %v, want 403", code, p)
		}
		code, p = post(t, uploads+"?kind=areas", inspector, strings.NewReader(villages))
		if code != 403 {
			t.Fatalf("areas: %d %v, want 403", code, p)
		}
	})

	// The inspection on 2025-04-10 finds T-1 dark on viettel.
	inspection := `{"type":"FeatureCollection","covmon_schema":"observations/v1","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","carrier":"viettel","technology":"4g","has_signal":false,"rsrp_dbm":-125,"observed_at":"2025-04-10","method":"drive_test","inspector":"Đoàn kiểm tra Sở TT&TT"}}]}`
	code, p := post(t, uploads, inspector, strings.NewReader(inspection))
	if code != 201 {
		t.Fatalf("inspection: %d %v", code, p)
	}
	id := int64(p["upload_id"].(float64))
	hist, err := db.Observations(ctx, "T-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Independent() || !hist[1].Independent() || hist[1].Inspector != "Đoàn kiểm tra Sở TT&TT" || hist[1].UploadID != id {
		t.Fatalf("history %+v, want the claim then the independent inspection of upload %d", hist, id)
	}
	// The status as the carriers claim it still reads the claim.
	latest, err := db.LatestObservations(ctx, hist[1].ObservedAt.AddDate(0, 0, 1), geo.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := latest["T-1"]; len(got) != 1 || !got[0].HasSignal || got[0].Independent() {
		t.Fatalf("latest claims %+v, want the carrier's covered claim", got)
	}
	// The inspector lists its own uploads only.
	rows := getJSON(t, srv.URL+"/api/v1/uploads", inspector)
	if ups, _ := rows["uploads"].([]any); len(ups) != 1 {
		t.Fatalf("inspector's upload list: %v, want its 1 upload", rows)
	}
	// The carrier lists its own uploads, not the inspections that name it: neither the
	// accepted one nor a rejected one (before, both were listed and readable by ID).
	bad := strings.Replace(inspection, `"T-1"`, `"NO-SUCH"`, 1)
	if code, p := post(t, uploads, inspector, strings.NewReader(bad)); code != 422 {
		t.Fatalf("bad inspection: %d %v, want 422", code, p)
	}
	rows = getJSON(t, srv.URL+"/api/v1/uploads", carrierTok)
	ups, _ := rows["uploads"].([]any)
	for _, u := range ups {
		if m, _ := u.(map[string]any); m["role"] != geo.RoleCarrier {
			t.Errorf("the carrier's upload list holds %v", m)
		}
	}
	if len(ups) == 0 {
		t.Fatalf("the carrier's upload list: %v, want its own claims", rows)
	}
	if code := getStatus(t, fmt.Sprintf("%s/api/v1/uploads/%d", srv.URL, id), carrierTok); code != 404 {
		t.Errorf("the inspection by ID with the carrier's token: %d, want 404", code)
	}
	if code := getStatus(t, fmt.Sprintf("%s/api/v1/uploads/%d", srv.URL, id), inspector); code != 200 {
		t.Errorf("the inspection by ID with the inspector's token: %d, want 200", code)
	}
}

func getStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func getJSON(t *testing.T, url, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
