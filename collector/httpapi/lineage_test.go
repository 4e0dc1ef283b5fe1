package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
)

func lineageRegistry(effective string, features ...string) string {
	top := ""
	if effective != "" {
		top = `"effective":"` + effective + `",`
	}
	return `{"type":"FeatureCollection",` + top + `"features":[` + strings.Join(features, ",") + `]}`
}

func lineageVillage(id, extra string) string {
	return `{"type":"Feature","geometry":{"type":"Point","coordinates":[103.91,22.40]},"properties":{"village_id":"` + id +
		`","name":"Bản","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]` + extra + `}}`
}

// TestVillage_Lineage: after T-1 and T-2 merge into T-12, T-12's history shows its predecessors
// and their observations (each naming its village); T-1 stays readable, retired, with its
// status at its last instant in the registry; T-12 before the merge is not in the registry; a
// registry that changes a retired village is a 409 naming it, storing nothing.
func TestVillage_Lineage(t *testing.T) {
	s := newSecServer(t, nil)
	ministry := s.token(t, geo.RoleMinistry, "")
	viettel := s.token(t, geo.RoleCarrier, "viettel")
	uploads := s.URL + "/api/v1/uploads"
	for _, c := range []struct{ token, query, body string }{
		{viettel, "", obs("2025-01-01")},
		{ministry, "?kind=villages", lineageRegistry("", lineageVillage("T-2", ""))},
		{ministry, "?kind=villages", lineageRegistry("2025-12-01", lineageVillage("T-12", `,"predecessors":["T-1","T-2"]`))},
	} {
		code, p := post(t, uploads+c.query, c.token, strings.NewReader(c.body))
		if code != 201 {
			t.Fatalf("upload: %d %v", code, p)
		}
		// The merge's response warns that T-12 has no responsible carrier.
		notes, _ := p["notes"].([]any)
		if strings.Contains(c.body, "predecessors") != (len(notes) == 1) ||
			len(notes) == 1 && !strings.HasPrefix(fmt.Sprint(notes[0]), `Warning: successor village T-12 "Bản" (of T-1, T-2, from 2025-12-01) has no responsible carrier in program "vls-2024" (predecessors then: T-1 unassigned, T-2 unassigned)`) {
			t.Errorf("notes of %s: %v", c.query, notes)
		}
	}

	var h struct {
		AsOf         string `json:"as_of"`
		RetiredAt    string `json:"retired_at"`
		Status       string `json:"status"`
		Successors   []struct{ VillageID, Effective string }
		Predecessors []struct {
			VillageID string `json:"village_id"`
			Effective string `json:"effective"`
		} `json:"predecessors"`
		Observations []struct {
			Predecessor string `json:"predecessor"`
			ObservedAt  string `json:"observed_at"`
		} `json:"observations"`
	}
	getDoc(t, s.URL+"/api/v1/villages/T-12", &h)
	if got := fmt.Sprint(h.Predecessors); got != "[{T-1 2025-12-01T00:00:00+07:00} {T-2 2025-12-01T00:00:00+07:00}]" {
		t.Errorf("T-12 predecessors: %s", got)
	}
	if len(h.Observations) != 1 || h.Observations[0].Predecessor != "T-1" {
		t.Errorf("T-12 history: %+v, want T-1's observation", h.Observations)
	}
	if h.Status != string(geo.StatusNoData) || h.RetiredAt != "" {
		t.Errorf("T-12: status %s (its own observations decide), retired_at %q", h.Status, h.RetiredAt)
	}

	var old struct {
		AsOf       string `json:"as_of"`
		RetiredAt  string `json:"retired_at"`
		Status     string `json:"status"`
		Successors []struct {
			VillageID string `json:"village_id"`
		} `json:"successors"`
		Observations []struct {
			Predecessor string `json:"predecessor"`
		} `json:"observations"`
	}
	getDoc(t, s.URL+"/api/v1/villages/T-1", &old)
	if old.RetiredAt != "2025-12-01T00:00:00+07:00" || old.AsOf != "2025-11-30T23:59:59.999+07:00" ||
		len(old.Successors) != 1 || old.Successors[0].VillageID != "T-12" || old.Status != string(geo.StatusDeadZone) ||
		len(old.Observations) != 1 || old.Observations[0].Predecessor != "" {
		t.Errorf("retired T-1: %+v", old)
	}

	if code, body := get(t, s.URL+"/api/v1/villages/T-12?as_of=2025-11-01", ""); code != 404 || !strings.Contains(body, "not in the registry as of") {
		t.Errorf("T-12 before the merge: %d %s", code, body)
	}

	changed := strings.Replace(lineageVillage("T-1", ""), `"Bản"`, `"Bản Mới"`, 1)
	code, p := post(t, uploads+"?kind=villages", ministry, strings.NewReader(lineageRegistry("", changed)))
	if code != 409 || !strings.Contains(fmt.Sprint(p["detail"]), `village "T-1" was retired`) {
		t.Errorf("change to a retired village: %d %v", code, p)
	}
	var list struct {
		Features []struct {
			Properties struct {
				VillageID string `json:"village_id"`
			} `json:"properties"`
		} `json:"features"`
	}
	getDoc(t, s.URL+"/api/v1/villages", &list)
	var ids []string
	for _, f := range list.Features {
		ids = append(ids, f.Properties.VillageID)
	}
	if fmt.Sprint(ids) != "[T-12]" {
		t.Errorf("today's villages: %v, want [T-12]", ids)
	}
}
