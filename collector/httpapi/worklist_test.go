package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo/wire"
)

const assignT1 = `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","program":"vls-2024","carrier":"viettel","assigned_at":"2024-01-01"}}]}`

// TestWorkList: assignments are the ministry's upload; a carrier reads its own work list, the
// ministry any carrier's.
func TestWorkList(t *testing.T) {
	s := newSecServer(t, nil)
	ministry, viettel, mobifone := s.token(t, "ministry", ""), s.token(t, "carrier", "viettel"), s.token(t, "carrier", "mobifone")

	if code, body := post(t, s.URL+"/api/v1/uploads?kind=assignments", viettel, strings.NewReader(assignT1)); code != http.StatusForbidden {
		t.Errorf("carrier uploading assignments: %d %v, want 403", code, body)
	}
	if code, body := post(t, s.URL+"/api/v1/uploads?kind=assignments", ministry, strings.NewReader(assignT1)); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("ministry uploading assignments: %d %v", code, body)
	}

	list := func(token, query string) (int, wire.WorkList) {
		t.Helper()
		code, body := get(t, s.URL+"/api/v1/worklist"+query, token)
		var wl wire.WorkList
		if code == http.StatusOK {
			if err := json.Unmarshal([]byte(body), &wl); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		return code, wl
	}
	// T-1 is powered and never reported: open, and overdue on 2026-01-01.
	if code, wl := list(viettel, ""); code != http.StatusOK || wl.Carrier != "viettel" || len(wl.Villages) != 1 ||
		wl.Villages[0].ID != "T-1" || wl.Villages[0].Reason != "never_reported" || !wl.Villages[0].Overdue {
		t.Errorf("viettel's own list: %d %+v", code, wl)
	}
	if code, wl := list(mobifone, ""); code != http.StatusOK || len(wl.Villages) != 0 {
		t.Errorf("mobifone's list: %d %+v, want empty", code, wl)
	}
	if code, _ := list(mobifone, "?carrier=viettel"); code != http.StatusForbidden {
		t.Errorf("a carrier reading another's list: %d, want 403", code)
	}
	if code, wl := list(ministry, "?carrier=viettel"); code != http.StatusOK || len(wl.Villages) != 1 {
		t.Errorf("ministry reading viettel's list: %d %+v", code, wl)
	}
	if code, wl := list(ministry, "?carrier=viettel&as_of=2023-06-01"); code != http.StatusOK || len(wl.Villages) != 0 {
		t.Errorf("before the assignment: %d %+v, want empty", code, wl)
	}
	if code, _ := list(ministry, ""); code != http.StatusBadRequest {
		t.Errorf("ministry without ?carrier=: %d, want 400", code)
	}
	if code, _ := list("", "?carrier=viettel"); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	// A misspelt filter is a 400 naming it, not the whole list as if it were an answer.
	if code, body := get(t, s.URL+"/api/v1/worklist?carrier=viettel&provnce=15", ministry); code != http.StatusBadRequest || !strings.Contains(body, "provnce: unknown query parameter") {
		t.Errorf("misspelt filter: %d %s, want 400 naming provnce", code, body)
	}
}
