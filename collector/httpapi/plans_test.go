package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

const twoVillages = `{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.91,22.40]},"properties":{"village_id":"T-1","name":"Bản Một","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.95,22.42]},"properties":{"village_id":"T-2","name":"Bản Hai","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}]}`

const assignT1T2 = `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","program":"vls-2024","carrier":"viettel","assigned_at":"2024-01-01"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"T-2","program":"vls-2024","carrier":"mobifone","assigned_at":"2024-01-01"}}]}`

func planFeature(village string) string {
	return `{"type":"Feature","geometry":null,"properties":{"village_id":"` + village + `","program":"vls-2024","site_id":"LCI-` + village +
		`","target_on_air":"2025-06-30","progress":"planned","planned_at":"2025-01-10"}}`
}

func plansFile(villages ...string) string {
	var fs []string
	for _, v := range villages {
		fs = append(fs, planFeature(v))
	}
	return `{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[` + strings.Join(fs, ",") + `]}`
}

// TestServer_Plans: a carrier uploads plans for its own villages only: a file that plans one of
// another carrier's villages is rejected whole, naming the file, feature, field and reason; an
// inspector's token may upload neither plans nor the registry nor assignments; the same file
// twice counts once.
func TestServer_Plans(t *testing.T) {
	ctx := context.Background()
	s := newSecServer(t, nil)
	ministry, viettel, mobifone := s.token(t, "ministry", ""), s.token(t, "carrier", "viettel"), s.token(t, "carrier", "mobifone")
	inspector := s.token(t, "inspector", "")
	up := s.URL + "/api/v1/uploads"
	for _, step := range []struct{ kind, body string }{{"villages", twoVillages}, {"assignments", assignT1T2}} {
		if code, p := post(t, up+"?kind="+step.kind, ministry, strings.NewReader(step.body)); code != http.StatusCreated {
			t.Fatalf("%s: %d %v", step.kind, code, p)
		}
	}

	t.Run("InspectorRefused", func(t *testing.T) {
		for kind, body := range map[string]string{"plans": plansFile("T-1"), "villages": twoVillages, "assignments": assignT1T2} {
			if code, p := post(t, up+"?kind="+kind, inspector, strings.NewReader(body)); code != http.StatusForbidden {
				t.Errorf("inspector uploading %s: %d %v, want 403", kind, code, p)
			}
		}
	})

	t.Run("OtherCarriersVillageRejectsTheWholeFile", func(t *testing.T) {
		code, p := post(t, up+"?kind=plans&name=viettel-plans.geojson", viettel, strings.NewReader(plansFile("T-1", "T-2")))
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%d %v, want 422", code, p)
		}
		got := toJSON(p)
		for _, want := range []string{`"file":"viettel-plans.geojson"`, `"feature":1`, `"field":"village_id"`, `"rule":"not_responsible"`, `assigned to \"mobifone\"`} {
			if !strings.Contains(got, want) {
				t.Errorf("report lacks %s: %s", want, got)
			}
		}
		if strings.Contains(got, `"feature":0`) {
			t.Errorf("T-1 (viettel's own) reported: %s", got)
		}
		if code, p := post(t, up+"?kind=plans", mobifone, strings.NewReader(plansFile("T-1"))); code != http.StatusUnprocessableEntity {
			t.Errorf("mobifone planning viettel's T-1: %d %v, want 422", code, p)
		}
		ps, err := s.db.Plans(ctx)
		if err != nil || len(ps) != 0 {
			t.Fatalf("plans stored after rejected uploads: %v %+v, want none", err, ps)
		}
	})

	t.Run("OwnVillagesOnceEach", func(t *testing.T) {
		code, p := post(t, up+"?kind=plans", viettel, strings.NewReader(plansFile("T-1")))
		if code != http.StatusCreated {
			t.Fatalf("%d %v", code, p)
		}
		code, p = post(t, up+"?kind=plans", viettel, strings.NewReader(plansFile("T-1")))
		if code >= 300 || p["result"] != "duplicate" {
			t.Fatalf("the same file again: %d %v, want a duplicate", code, p)
		}
		code, p = post(t, up+"?kind=plans", ministry, strings.NewReader(strings.Replace(plansFile("T-2"), `"program"`, `"carrier":"mobifone","program"`, 1)))
		if code != http.StatusCreated {
			t.Fatalf("ministry on mobifone's behalf: %d %v", code, p)
		}
		ps, err := s.db.Plans(ctx)
		if err != nil || len(ps) != 2 || ps[0].VillageID != "T-1" || ps[0].Carrier != "viettel" || ps[0].SiteID != "LCI-T-1" ||
			ps[1].Carrier != "mobifone" || ps[0].ReceivedAt.IsZero() {
			t.Fatalf("plans %v %+v, want T-1 by viettel and T-2 by mobifone", err, ps)
		}
	})
}
