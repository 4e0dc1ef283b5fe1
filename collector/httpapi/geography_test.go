package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// TestServer_SummaryGeography: a ministry uploads a crosswalk (kind=crosswalk; a carrier may
// not), and /api/v1/summary?geography= groups the village under the old province.
func TestServer_SummaryGeography(t *testing.T) {
	var ministry string
	srv, carrierTok := newServer(t, func(s *httpapi.Server) {
		db := s.Store.(*sqlite.DB)
		secret, hash, err := geo.NewTokenSecret()
		if err != nil {
			t.Fatal(err)
		}
		tok := &geo.Token{Name: "m", Role: geo.RoleMinistry, SecretHash: hash, CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		if err := db.CreateToken(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
		ministry = geo.FormatToken(tok.ID, secret)
	})
	// The test village T-1 is in province 15, commune 02710.
	csv := "level,effective,old_code,old_name,new_code,new_name,old_province,new_province,share\n" +
		"province,2025-07-01,10,Lào Cai,15,Lào Cai,,,\n" +
		"province,2025-07-01,15,Yên Bái,15,Lào Cai,,,\n" +
		"commune,2025-07-01,02711,Xã Cũ,02710,Xã Mới,10,15,\n"
	if code, body := post(t, srv.URL+"/api/v1/uploads?kind=crosswalk&name=cw.csv", carrierTok, strings.NewReader(csv)); code != http.StatusForbidden {
		t.Errorf("carrier crosswalk upload: %d %v, want 403", code, body)
	}
	if code, body := post(t, srv.URL+"/api/v1/uploads?kind=crosswalk&name=cw.csv", ministry, strings.NewReader(csv)); code != http.StatusCreated || body["result"] != "accepted" {
		t.Fatalf("ministry crosswalk upload: %d %v", code, body)
	}
	summary := func(q string) (int, map[string]any) {
		resp, err := http.Get(srv.URL + "/api/v1/summary?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	province := func(v map[string]any) string {
		ps, _ := v["provinces"].([]any)
		if len(ps) != 1 {
			return ""
		}
		p := ps[0].(map[string]any)
		return p["province_code"].(string) + " " + p["province_name"].(string)
	}
	if code, v := summary(""); code != 200 || province(v) != "15 " {
		t.Errorf("today: %d %v", code, province(v))
	}
	code, v := summary("geography=2024-12-01")
	if code != 200 || province(v) != "10 Lào Cai" || v["geography"] != "2024-12-01" {
		t.Errorf("2024 geography: %d %q %v", code, province(v), v["geography"])
	}
	if code, v := summary("geography=2024-12-01&province=10"); code != 200 || province(v) != "10 Lào Cai" {
		t.Errorf("2024 geography, province 10: %d %q", code, province(v))
	}
	if code, _ := summary("geography=yesterday"); code != http.StatusBadRequest {
		t.Errorf("bad geography: %d, want 400", code)
	}

	// The village list and its CSV export put the village in the units of that date, and say so.
	_, body := get(t, srv.URL+"/api/v1/villages?f=csv&geography=2024-12-01", "")
	lines := strings.Split(strings.TrimPrefix(body, "\uFEFF"), "\n")
	head := strings.Split(lines[0], ",")
	col := func(row []string, name string) string {
		for i, h := range head {
			if h == name && i < len(row) {
				return row[i]
			}
		}
		return "(no column " + name + ")"
	}
	row := strings.Split(lines[1], ",")
	if col(row, "province_code") != "10" || col(row, "commune_code") != "02711" || col(row, "geography") != "2024-12-01" {
		t.Errorf("CSV under the 2024 geography:\n%s", body)
	}
	_, body = get(t, srv.URL+"/api/v1/villages?f=csv", "")
	lines = strings.Split(strings.TrimPrefix(body, "\uFEFF"), "\n")
	head = strings.Split(lines[0], ",")
	if row := strings.Split(lines[1], ","); col(row, "province_code") != "15" || col(row, "commune_code") != "02710" {
		t.Errorf("CSV under today's units:\n%s", body)
	}
	var fc struct {
		Geography string `json:"geography"`
		Features  []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	getDoc(t, srv.URL+"/api/v1/villages?geography=2024-12-01&province=10", &fc)
	if fc.Geography != "2024-12-01" || len(fc.Features) != 1 || fc.Features[0].Properties["province_code"] != "10" {
		t.Errorf("villages under the 2024 geography, province 10: %+v", fc)
	}
	getDoc(t, srv.URL+"/api/v1/villages?geography=2024-12-01&province=15", &fc)
	if len(fc.Features) != 0 {
		t.Errorf("province 15 did not exist under that name on 2024-12-01 for this village: %+v", fc)
	}
}
