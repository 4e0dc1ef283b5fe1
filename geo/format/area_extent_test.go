package format_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// withExtent puts an "extent" member (raw JSON) at the top of an areas/v1 file of one valid feature.
func withExtent(extent string) string {
	return strings.Replace(areaFile(areaFeature(areaSquare, areaProps)), `"carrier"`, `"extent":`+extent+`,"carrier"`, 1)
}

// decodeAreasExtent is StreamAreasExtent reduced to the number of areas (0 on any problem).
func decodeAreasExtent(in string, opt format.Options) (int, error) {
	n := 0
	_, err := format.StreamAreasExtent(strings.NewReader(in), opt, func(int, *geo.CoverageArea) error { n++; return nil })
	if err != nil {
		return 0, err
	}
	return n, nil
}

var (
	knownProvinces = func(c string) bool { return c == "08" || c == "15" }
	knownCommunes  = func(c string) bool { return c == "02710" }
	extentOpt      = format.Options{KnownProvince: knownProvinces, KnownCommune: knownCommunes, Now: areaNow}
)

// areaExtentRuleCases are the problems of an areas/v1 extent (file-level: feature -1).
var areaExtentRuleCases = []ruleCase{
	{name: "UnknownProvince", in: withExtent(`{"provinces":["08","99"]}`), opt: extentOpt,
		want: []geo.Problem{prob(-1, "", "extent.provinces[1]", geo.RuleUnknownProvince,
			`no village of the registry is in province "99"; check the code (2025 codes)`)}},
	{name: "UnknownCommune", in: withExtent(`{"communes":["02711"]}`), opt: extentOpt,
		want: []geo.Problem{prob(-1, "", "extent.communes[0]", geo.RuleUnknownCommune,
			`no village of the registry is in commune "02711"; check the code (2025 codes)`)}},
	{name: "ProvinceNotDigits", in: withExtent(`{"provinces":["8"]}`), opt: extentOpt,
		want: []geo.Problem{prob(-1, "", "extent.provinces[0]", geo.RuleFieldInvalid, `want a 2-digit province code (2025 codes), got "8"`)}},
	{name: "ProvinceNumber", in: withExtent(`{"provinces":[8]}`), opt: extentOpt,
		want: []geo.Problem{prob(-1, "", "extent.provinces[0]", geo.RuleFieldType,
			`want a 2-digit province code as a string, got number 8`)}},
	{name: "NotObject", in: withExtent(`"08"`), opt: extentOpt,
		want: []geo.Problem{prob(-1, "", "extent", geo.RuleFieldType, `want an object with provinces, communes or geometry, got string "08"`)}},
	{name: "Empty", in: withExtent(`{"provinces":[]}`), opt: extentOpt,
		want: []geo.Problem{prob(-1, "", "extent", geo.RuleFieldMissing,
			`the extent names no province, commune or geometry; give at least one, or leave the extent out for a national layer`)}},
	{name: "GeometryPoint", in: withExtent(`{"geometry":{"type":"Point","coordinates":[105,21]}}`), opt: extentOpt,
		want: []geo.Problem{prob(-1, "", "extent.geometry", geo.RuleGeometryType,
			`Point not allowed; want Polygon or MultiPolygon`)}},
	{name: "GeometryUnclosed", in: withExtent(`{"geometry":` + areaPoly(`[105,21],[105.1,21],[105.1,21.1],[105,21.1]`) + `}`), opt: extentOpt,
		want: []geo.Problem{prob(-1, "", "extent.geometry.coordinates", geo.RuleRingUnclosed,
			`ring 0 is not closed: first position [105.0, 21.0] and last [105.0, 21.1] differ`)}},
}

func TestStreamAreasExtent_Rules(t *testing.T) {
	runRuleCases(t, decodeAreasExtent, areaExtentRuleCases)
}

// TestStreamAreasExtent reads extents in any order relative to the features.
func TestStreamAreasExtent(t *testing.T) {
	feat := areaFeature(areaSquare, areaProps)
	for _, tt := range []struct {
		name string
		in   string
		want *geo.AreaExtent
	}{
		{"none", areaFile(feat), nil},
		{"null", withExtent(`null`), nil},
		{"provinces and communes", withExtent(`{"provinces":["15","08","15"],"communes":["02710"]}`),
			&geo.AreaExtent{Provinces: []string{"08", "15"}, Communes: []string{"02710"}}},
		{"after the features", `{"type":"FeatureCollection","carrier":"viettel","features":[` + feat + `],"extent":{"provinces":["08"]}}`,
			&geo.AreaExtent{Provinces: []string{"08"}}},
		{"geometry", withExtent(`{"geometry":` + areaSquare + `,"note":"ignored"}`),
			&geo.AreaExtent{Geometry: orb.MultiPolygon{{{{105, 21}, {105.1, 21}, {105.1, 21.1}, {105, 21.1}, {105, 21}}}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opt := extentOpt
			opt.File = testFile
			n := 0
			got, err := format.StreamAreasExtent(strings.NewReader(tt.in), opt, func(int, *geo.CoverageArea) error { n++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("%d areas, want 1", n)
			}
			switch {
			case (got == nil) != (tt.want == nil):
				t.Fatalf("extent=%+v, want %+v", got, tt.want)
			case got == nil:
				return
			}
			if !slices.Equal(got.Provinces, tt.want.Provinces) || !slices.Equal(got.Communes, tt.want.Communes) || !orb.Equal(got.Geometry, tt.want.Geometry) {
				t.Errorf("extent=%+v, want %+v", got, tt.want)
			}
		})
	}
}
