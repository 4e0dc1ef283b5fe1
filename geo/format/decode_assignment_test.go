package format_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

const assignmentsOK = `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0001","program":"vls-2024","carrier":"Viettel","assigned_at":"2023-01-15"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0002","program":"vls-2024","carrier":null,"assigned_at":"2024-02-01"}}]}`

func assignmentOptions() format.Options {
	return format.Options{File: "a.geojson", Now: time.Date(2026, 1, 1, 0, 0, 0, 0, geo.Vietnam),
		KnownVillage: func(id string) bool { return strings.HasPrefix(id, "V08-") },
		KnownProgram: func(id string) bool { return id == "vls-2024" }}
}

func TestDecodeAssignments(t *testing.T) {
	as, err := format.DecodeAssignments(strings.NewReader(assignmentsOK), assignmentOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].Carrier != "viettel" || as[1].Carrier != "" ||
		!as[0].AssignedAt.Equal(time.Date(2023, 1, 15, 0, 0, 0, 0, geo.Vietnam)) || as[0].ProgramID != "vls-2024" {
		t.Errorf("assignments=%+v", as)
	}
}

func TestDecodeAssignments_Problems(t *testing.T) {
	bad := `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[104,22]},"properties":{"village_id":"V08-0001","program":"vls-2024","carrier":"viettel","assigned_at":"2023-01-15"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V99-0001","program":"4g","carrier":"acme","assigned_at":"2027-01-01"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0003","program":"vls-2024","assigned_at":"2023-01-15"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"V08-0001","program":"vls-2024","carrier":"mobifone","assigned_at":"2023-01-15"}}]}`
	_, err := format.DecodeAssignments(strings.NewReader(bad), assignmentOptions())
	var verr *geo.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("err=%v, want a ValidationError", err)
	}
	got := map[string]bool{}
	for _, p := range verr.Problems {
		got[strings.Join([]string{itoa(p.Feature), p.Field, p.Rule}, " ")] = true
	}
	for _, want := range []string{"0 geometry geometry_type", "1 village_id unknown_village", "1 program unknown_program",
		"1 carrier unknown_carrier", "1 assigned_at time_future", "2 carrier field_missing", "3  duplicate_row"} {
		if !got[want] {
			t.Errorf("missing problem %q; got %v", want, verr.Problems)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
