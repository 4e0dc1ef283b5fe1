package format_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// TestStreamAreas_FileCarrier: without an uploader carrier, a feature naming another carrier
// than the file's top-level one is a carrier_mismatch, as in observations/v1.
func TestStreamAreas_FileCarrier(t *testing.T) {
	const poly = `{"type":"Polygon","coordinates":[[[104,21],[104.1,21],[104.1,21.1],[104,21]]]}`
	in := `{"type":"FeatureCollection","carrier":"viettel","features":[
{"type":"Feature","geometry":` + poly + `,"properties":{"carrier":"mobifone","technology":"4g","observed_at":"2025-01-01"}},
{"type":"Feature","geometry":` + poly + `,"properties":{"carrier":"viettel","technology":"4g","observed_at":"2025-01-01"}}]}`
	err := format.StreamAreas(strings.NewReader(in), format.Options{File: "a.geojson"}, func(int, *geo.CoverageArea) error { return nil })
	var verr *geo.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("err=%v, want a validation error", err)
	}
	if len(verr.Problems) != 1 {
		t.Fatalf("problems=%v", verr.Problems)
	}
	p := verr.Problems[0]
	if p.Feature != 0 || p.Field != "carrier" || p.Rule != geo.RuleCarrierMismatch || p.Reason != `carrier "mobifone" differs from the file's top-level carrier "viettel"` {
		t.Errorf("problem=%+v", p)
	}
}
