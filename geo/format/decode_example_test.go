package format_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

func ExampleDecodeObservations() {
	const file = `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[
 {"type":"Feature","geometry":null,"properties":{"village_id":"LC-0001","technology":"4g",
  "has_signal":true,"rsrp_dbm":-98.5,"observed_at":"2023-03-14","method":"drive_test"}}]}`
	obs, err := format.DecodeObservations(strings.NewReader(file), format.Options{File: "viettel.geojson"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range obs {
		fmt.Println(o.VillageID, o.Carrier, o.Technology, o.HasSignal, *o.RSRPdBm, o.ObservedAt.Format(time.RFC3339), o.Method)
	}
	// Output:
	// LC-0001 viettel 4g true -98.5 2023-03-14T00:00:00+07:00 drive_test
}

func ExampleDecodeObservations_problems() {
	const file = `{"type":"FeatureCollection","features":[
 {"type":"Feature","geometry":{"type":"Point","coordinates":[21.0,105.8]},
  "properties":{"village_id":"LC-0001","carrier":"mobifone","technology":"4g","has_signal":true,"observed_at":"yesterday"}},
 {"type":"Feature","geometry":null,
  "properties":{"village_id":"LC-0002","carrier":"viettel","technology":"6g","has_signal":false,"observed_at":"2023-03-14"}}]}`
	_, err := format.DecodeObservations(strings.NewReader(file), format.Options{File: "obs.geojson", Carrier: "viettel"})
	var ve *geo.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Printf("%s %s\n", p.Rule, p)
		}
	}
	// Output:
	// position_swapped obs.geojson: feature 0 (village_id "LC-0001"): field "geometry.coordinates": latitude 105.8 and longitude 21.0 look swapped: [21.0, 105.8] lies in Vietnam as [105.8, 21.0]
	// carrier_mismatch obs.geojson: feature 0 (village_id "LC-0001"): field "carrier": carrier "mobifone" but the uploader is "viettel"
	// time_unparsable obs.geojson: feature 0 (village_id "LC-0001"): field "observed_at": not a date or RFC 3339 instant: "yesterday"
	// unknown_technology obs.geojson: feature 1 (village_id "LC-0002"): field "technology": unknown technology "6g"; want 2g, 3g, 4g or 5g
}
