package format_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

const plansOK = `{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0001","program":"vls-2024","site_id":"HGI-0231","target_on_air":"2026-03-31","progress":"planned","planned_at":"2025-11-02"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0002","program":"vls-2024","carrier":"Viettel","site_id":"HGI-0232","target_on_air":"2025-12-15","progress":"on_air","planned_at":"2025-06-01","built_at":"2025-10-20","on_air_at":"2025-12-01T08:30:00+07:00"}}]}`

func planOptions() format.Options {
	return format.Options{File: "p.geojson", Carrier: "viettel", Now: time.Date(2026, 1, 1, 0, 0, 0, 0, geo.Vietnam),
		KnownVillage: func(id string) bool { return strings.HasPrefix(id, "V08-") },
		KnownProgram: func(id string) bool { return id == "vls-2024" },
		Responsible: func(prog, id string) string {
			if id == "V08-0009" {
				return "mobifone"
			}
			if id == "V08-0008" {
				return ""
			}
			return "viettel"
		}}
}

func TestDecodePlans(t *testing.T) {
	ps, err := format.DecodePlans(strings.NewReader(plansOK), planOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("plans=%+v", ps)
	}
	a, b := ps[0], ps[1]
	if a.Carrier != "viettel" || a.SiteID != "HGI-0231" || a.Progress != geo.ProgressPlanned || !a.BuiltAt.IsZero() ||
		!a.TargetOnAir.Equal(time.Date(2026, 3, 31, 0, 0, 0, 0, geo.Vietnam)) {
		t.Errorf("plan 0=%+v", a)
	}
	if b.Carrier != "viettel" || b.Progress != geo.ProgressOnAir || !b.OnAirAt.Equal(time.Date(2025, 12, 1, 8, 30, 0, 0, geo.Vietnam)) ||
		!b.BuiltAt.Equal(time.Date(2025, 10, 20, 0, 0, 0, 0, geo.Vietnam)) {
		t.Errorf("plan 1=%+v", b)
	}
	checkAgainstSchema(t, "plansOK", "plans/v1", []byte(plansOK))
}

func TestDecodePlans_Problems(t *testing.T) {
	bad := `{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0009","program":"vls-2024","site_id":"S1","target_on_air":"2026-03-31","progress":"planned","planned_at":"2025-11-02"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0001","program":"vls-2024","carrier":"mobifone","site_id":"S1","target_on_air":"2026-03-31","progress":"planned","planned_at":"2025-11-02"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0002","program":"vls-2024","site_id":"S1","target_on_air":"2026-03-31","progress":"built","planned_at":"2025-11-02","built_at":"2025-10-01","on_air_at":"2025-12-01"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0003","program":"vls-2024","site_id":"S1","target_on_air":"2026-03-31","progress":"on_air","planned_at":"2027-01-01","built_at":null}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0004","program":"vls-2024","site_id":"","target_on_air":"soon","progress":"switched_on","planned_at":"2025-01-01"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0008","program":"vls-2024","site_id":"S1","target_on_air":"2026-03-31","progress":"planned","planned_at":"2025-11-02"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0004","program":"vls-2024","site_id":"S2","target_on_air":"2026-03-31","progress":"planned","planned_at":"2025-11-02"}}]}`
	_, err := format.DecodePlans(strings.NewReader(bad), planOptions())
	var verr *geo.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("err=%v, want a ValidationError", err)
	}
	got := map[string]string{}
	for _, p := range verr.Problems {
		if p.File != "p.geojson" {
			t.Errorf("problem %+v does not name the file", p)
		}
		got[strings.Join([]string{itoa(p.Feature), p.Field, p.Rule}, " ")] = p.Reason
	}
	for _, want := range []string{
		"0 village_id not_responsible", "1 carrier carrier_mismatch",
		"2 built_at field_invalid", "2 on_air_at field_invalid",
		"3 planned_at time_future", "3 built_at field_missing", "3 on_air_at field_missing",
		"4 site_id field_invalid", "4 target_on_air time_unparsable", "4 progress field_invalid",
		"5 village_id not_responsible", "6  duplicate_row"} {
		if _, ok := got[want]; !ok {
			t.Errorf("missing problem %q; got %v", want, verr.Problems)
		}
	}
	if r := got["0 village_id not_responsible"]; !strings.Contains(r, `assigned to "mobifone"`) || !strings.Contains(r, `"viettel"`) {
		t.Errorf("not_responsible reason %q does not name both carriers", r)
	}
	if r := got["5 village_id not_responsible"]; !strings.Contains(r, "no carrier is responsible") {
		t.Errorf("not_responsible reason %q", r)
	}
}

func decodePlans(in string, opt format.Options) (int, error) {
	ps, err := format.DecodePlans(strings.NewReader(in), opt)
	return len(ps), err
}

// planRuleCases are the exact problems of the plans/v1 rules (not_responsible is only a plans
// rule).
var planRuleCases = []ruleCase{
	{name: "NotResponsible/OtherCarrier",
		in:  `{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0009","program":"vls-2024","site_id":"S1","target_on_air":"2026-03-31","progress":"planned","planned_at":"2025-11-02"}}]}`,
		opt: planOptions(),
		want: []geo.Problem{prob(0, "V08-0009", "village_id", geo.RuleNotResponsible,
			`carrier "viettel" may plan only its own villages: in program "vls-2024" at the time of upload it is assigned to "mobifone"`)}},
}

func TestDecodePlans_Rules(t *testing.T) {
	runRuleCases(t, decodePlans, planRuleCases)
}
