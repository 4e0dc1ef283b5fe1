package geo_test

import (
	"testing"

	"github.com/covmon/covmon/geo"
)

// areaObs is an observation from a coverage-area upload: signal at the centre, and share of
// the settled area covered (nil: a village known only by its centre).
func areaObs(carrier string, tech geo.Technology, centre bool, share *float64) geo.Observation {
	o := obs(carrier, tech, centre, "2025-06-01")
	o.Method, o.AreaShare = "model", share
	return o
}

func TestAssess_PartialArea(t *testing.T) {
	powered := geo.Village{ID: "V1", GridPower: true, Baseline: true}
	unpowered := geo.Village{ID: "V1", Baseline: true}
	p := geo.DefaultPolicy()
	p4g := geo.DefaultPolicy()
	p4g.MinTechnology = geo.Tech4G
	weakFull := areaObs("mobifone", geo.Tech4G, true, f64(1))
	weakFull.RSRPdBm = f64(-125) // a -125 dBm contour does not count under the -120 default

	for _, tt := range []struct {
		name    string
		v       geo.Village
		latest  []geo.Observation
		policy  *geo.Policy
		status  geo.Status
		partial bool
		area    string
	}{
		{"NoData", powered, nil, &p, geo.StatusNoData, false, ""},
		{"PerVillageReportOnly", powered, []geo.Observation{obs("viettel", geo.Tech4G, true, "2025-01-01")}, &p, geo.StatusCovered, false, geo.AreaUnknown},
		{"WholeAreaCovered", powered, []geo.Observation{areaObs("viettel", geo.Tech4G, true, f64(1))}, &p, geo.StatusCovered, false, geo.AreaFull},
		{"HalfAreaCovered", powered, []geo.Observation{areaObs("viettel", geo.Tech4G, true, f64(0.5))}, &p, geo.StatusCovered, true, geo.AreaPartial},
		{"CentreOnlyVillage", powered, []geo.Observation{areaObs("viettel", geo.Tech4G, true, nil)}, &p, geo.StatusCovered, false, geo.AreaUnknown},
		{"DarkCentreHalfArea", powered, []geo.Observation{areaObs("viettel", geo.Tech4G, false, f64(0.5))}, &p, geo.StatusDeadZone, false, geo.AreaDark},
		{"DarkCentreUnpowered", unpowered, []geo.Observation{areaObs("viettel", geo.Tech4G, false, f64(0))}, &p, geo.StatusNoPower, false, geo.AreaDark},
		{"OtherCarrierCoversWhole", powered, []geo.Observation{
			areaObs("viettel", geo.Tech4G, true, f64(0.5)), areaObs("vinaphone", geo.Tech2G, true, f64(1))}, &p, geo.StatusCovered, false, geo.AreaFull},
		{"OtherTechnologyCoversWhole", powered, []geo.Observation{
			areaObs("viettel", geo.Tech4G, true, f64(0.5)), areaObs("viettel", geo.Tech2G, true, f64(1))}, &p, geo.StatusCovered, false, geo.AreaFull},
		{"WholeOnlyOnTechnologyThatDoesNotCount", powered, []geo.Observation{
			areaObs("viettel", geo.Tech4G, true, f64(0.5)), areaObs("viettel", geo.Tech2G, true, f64(1))}, &p4g, geo.StatusCovered, true, geo.AreaPartial},
		{"WholeOnlyOnWeakContour", powered, []geo.Observation{
			areaObs("viettel", geo.Tech4G, true, f64(0.75)), weakFull}, &p, geo.StatusCovered, true, geo.AreaPartial},
		{"PartialAreaAndDriveTest", powered, []geo.Observation{
			areaObs("viettel", geo.Tech4G, true, f64(0.5)), obs("mobifone", geo.Tech4G, true, "2025-01-01")}, &p, geo.StatusCovered, true, geo.AreaPartial},
		{"DarkCarrierWithWholeShareIgnored", powered, []geo.Observation{
			areaObs("viettel", geo.Tech4G, true, f64(0.25)), areaObs("mobifone", geo.Tech4G, false, f64(1))}, &p, geo.StatusCovered, true, geo.AreaPartial},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := geo.Assess(&tt.v, tt.latest, tt.policy, day("2026-01-01"))
			if got, want := a.Status, tt.status; got != want {
				t.Errorf("Status=%v, want %v", got, want)
			}
			if got, want := a.PartialArea, tt.partial; got != want {
				t.Errorf("PartialArea=%v, want %v", got, want)
			}
			if got, want := a.AreaCoverage(), tt.area; got != want {
				t.Errorf("AreaCoverage()=%q, want %q", got, want)
			}
		})
	}
}

func TestObservation_SameResult(t *testing.T) {
	base := areaObs("viettel", geo.Tech4G, true, f64(0.5))
	for _, tt := range []struct {
		name string
		edit func(o *geo.Observation)
		same bool
	}{
		{"Identical", func(o *geo.Observation) {}, true},
		{"EqualShareOtherPointer", func(o *geo.Observation) { o.AreaShare = f64(0.5) }, true},
		{"OtherMethodAndUpload", func(o *geo.Observation) { o.Method, o.UploadID, o.ID = "drive_test", 9, 3 }, true},
		{"Signal", func(o *geo.Observation) { o.HasSignal = false }, false},
		{"Share", func(o *geo.Observation) { o.AreaShare = f64(0.5625) }, false},
		{"ShareNil", func(o *geo.Observation) { o.AreaShare = nil }, false},
		{"RSRP", func(o *geo.Observation) { o.RSRPdBm = f64(-110) }, false},
		{"DL", func(o *geo.Observation) { o.DLMbps = f64(5) }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.edit(&o)
			if got, want := base.SameResult(&o), tt.same; got != want {
				t.Errorf("SameResult=%v, want %v", got, want)
			}
			if got, want := o.SameResult(&base), tt.same; got != want {
				t.Errorf("reversed SameResult=%v, want %v", got, want)
			}
		})
	}
}

func TestSummarize_PartialArea(t *testing.T) {
	p := geo.DefaultPolicy()
	prog := geo.DefaultProgram()
	vs := []geo.Village{
		{ID: "A", ProvinceCode: "15", GridPower: true, Baseline: true, Programs: []string{prog.ID}},
		{ID: "B", ProvinceCode: "15", GridPower: true, Baseline: true, Programs: []string{prog.ID}},
		{ID: "C", ProvinceCode: "12", GridPower: true, Baseline: true, Programs: []string{prog.ID}},
	}
	latest := map[string][]geo.Observation{
		"A": {areaObs("viettel", geo.Tech4G, true, f64(0.5))},
		"B": {areaObs("viettel", geo.Tech4G, false, f64(0))},
		"C": {areaObs("viettel", geo.Tech4G, true, f64(1))},
	}
	asOf := day("2026-01-01")
	s := geo.Summarize(geo.Evaluate(vs, latest, &prog, &p, nil, asOf), &prog, &p, asOf)
	if got, want := s.National.PartialArea, 1; got != want {
		t.Errorf("National.PartialArea=%d, want %d", got, want)
	}
	if got, want := s.National.DeadZone, 1; got != want {
		t.Errorf("National.DeadZone (trắng sóng)=%d, want %d", got, want)
	}
	for _, pc := range s.Provinces {
		want := map[string]int{"15": 1, "12": 0}[pc.ProvinceCode]
		if pc.PartialArea != want {
			t.Errorf("province %s PartialArea=%d, want %d", pc.ProvinceCode, pc.PartialArea, want)
		}
	}
}
