package collector

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// TestVillageSpill_RoundTrip: every field of a village comes back from the spill as it went in,
// in order and in batches of at most spillBatch.
func TestVillageSpill_RoundTrip(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05.000000000", s, geo.Vietnam)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	full := geo.Village{
		ID: "V15-0001", Name: "Bản Khoang", CommuneCode: "02710", CommuneName: "Xã Tả Van",
		ProvinceCode: "15", ProvinceName: "Lào Cai", LegacyDistrictCode: "082", LegacyCommuneCode: "02704",
		Center: orb.Point{103.91, 22.40},
		Area: orb.MultiPolygon{{{{103.90, 22.39}, {103.92, 22.39}, {103.92, 22.41}, {103.90, 22.39}}},
			{{{104, 22}, {104.1, 22}, {104.1, 22.1}, {104, 22}}, {{104.01, 22.01}, {104.02, 22.01}, {104.02, 22.02}, {104.01, 22.01}}}},
		GridPower: true, GridPowerSince: at("2021-03-04 05:06:07.000000008"), Households: 123,
		Programs: []string{"vls-2024", "other"}, Baseline: false, FoundAt: at("2023-01-02 00:00:00.000000000"),
		Deadline:     at("2025-06-30 23:59:59.999000000"),
		Deadlines:    map[string]time.Time{"vls-2024": at("2024-12-01 00:00:00.000000000"), "other": at("2026-01-01 00:00:00.000000000")},
		Predecessors: []string{"V15-0000", "V15-0002"},
	}
	bare := geo.Village{ID: "B", Name: "b", Center: orb.Point{math.Copysign(0, -1), 1e-300}}
	poly := geo.Village{ID: "P", Name: "p", Area: orb.Polygon{{{1, 1}, {2, 1}, {2, 2}, {1, 1}}}, Households: -0}

	s, err := newVillageSpill()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var want []geo.Village
	for i := range 2*spillBatch + 7 {
		v := []geo.Village{full, bare, poly}[i%3]
		s.add(&v)
		want = append(want, v)
	}
	if err := s.finish(); err != nil {
		t.Fatal(err)
	}
	var got []geo.Village
	batches := 0
	for b, err := range s.batches() {
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > spillBatch {
			t.Fatalf("batch of %d, want at most %d", len(b), spillBatch)
		}
		batches++
		got = append(got, b...)
	}
	if batches != 3 || len(got) != len(want) {
		t.Fatalf("%d villages in %d batches, want %d in 3", len(got), batches, len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("village %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// TestObservationSpill_RoundTrip: every field of a row comes back as it went in, through Rows
// (twice) and through batches, which completes each with the file's carrier and role.
func TestObservationSpill_RoundTrip(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, geo.Vietnam)
	rows := []format.ObservationRow{
		{Observation: geo.Observation{VillageID: "V1", Carrier: "viettel", Technology: geo.Tech4G, HasSignal: true,
			RSRPdBm: f(-101.5), DLMbps: f(0), ObservedAt: at, Method: "drive_test", AreaShare: f(0.25), Inspector: "Sở TT&TT"},
			Feature: 0, OwnCarrier: true, Inspector: true},
		{Observation: geo.Observation{VillageID: "V2", Technology: geo.Tech2G, ObservedAt: at.Add(time.Hour), Method: "on_air_report"},
			Feature: 7},
	}
	s, err := newObservationSpill()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	for i := range rows {
		s.Add(&rows[i])
	}
	for pass := range 2 {
		i := 0
		for got, err := range s.Rows() {
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, rows[i]) {
				t.Fatalf("pass %d row %d:\n got %+v\nwant %+v", pass, i, *got, rows[i])
			}
			i++
		}
		if i != len(rows) {
			t.Fatalf("pass %d: %d rows, want %d", pass, i, len(rows))
		}
	}
	var got []geo.Observation
	for b, err := range s.batches(&format.ObservationFile{Carrier: "mobifone", Role: geo.SourceIndependent}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b...)
	}
	want0, want1 := rows[0].Observation, rows[1].Observation
	want0.Source, want1.Source, want1.Carrier = geo.SourceIndependent, geo.SourceIndependent, "mobifone"
	if len(got) != 2 || !reflect.DeepEqual(got[0], want0) || !reflect.DeepEqual(got[1], want1) {
		t.Fatalf("batches:\n got %+v\nwant %+v", got, []geo.Observation{want0, want1})
	}
}
