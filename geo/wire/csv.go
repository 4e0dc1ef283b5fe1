package wire

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// CSVColumns are the columns of the village CSV export, in order: the GeoJSON feature
// properties of FeatureCollection plus lon and lat. A property not listed here still gets a
// column (after these, sorted by name), so the export never drops a field.
var CSVColumns = []string{
	"village_id", "name", "commune_code", "commune_name", "province_code", "province_name",
	"lon", "lat", "grid_power", "baseline", "status", "level", "overdue", "days_overdue",
	"carriers_with_signal", "carriers_reported", "area_coverage", "last_observed_at",
	"deadline", "open", "reason", "responsible_carrier", "discrepancies",
	"lifecycle_step", "lifecycle_since", "site_id", "target_on_air", "late_against_plan", "days_late",
	"missed_target_on_air",
}

// CSVFileColumns are written last, on every row, from the collection's members of the same
// name when it has them: "as_of", the instant the figures describe (status, days_overdue and
// the rest are as of it), "view" ("as_known" in the audit view, SetView; absent otherwise),
// and "notice", the synthetic-data notice of the demo data. A saved
// CSV keeps neither the HTTP response's headers nor the file name it was offered under, and a
// spreadsheet's sort or filter keeps whole rows, so each row says both.
var CSVFileColumns = []string{"as_of", "view", "notice"}

// CSVListSep joins list-valued properties (carriers_with_signal, carriers_reported,
// discrepancies) into one
// flat string: "viettel;vnpt".
const CSVListSep = ";"

// utf8BOM lets Excel recognise the file as UTF-8, so Vietnamese names show with their
// diacritics.
const utf8BOM = "\uFEFF"

// WriteCSV writes fc's point features as CSV (RFC 4180, UTF-8 with a byte-order mark), one
// row per feature, with the columns of CSVColumns, then any other property (sorted), then
// CSVFileColumns. Booleans are true/false, a missing value
// is an empty cell, lists are joined with CSVListSep, times stay RFC 3339 as in the GeoJSON.
func WriteCSV(w io.Writer, fc *geojson.FeatureCollection) error {
	cols := slices.Clone(CSVColumns)
	var extra []string
	for _, f := range fc.Features {
		for k := range f.Properties {
			if !slices.Contains(cols, k) && !slices.Contains(extra, k) {
				extra = append(extra, k)
			}
		}
	}
	slices.Sort(extra)
	cols = append(cols, extra...)
	// What the file is, from the collection's members: the instant its figures describe and,
	// for the demo data, the synthetic-data notice, on every row (CSVFileColumns).
	var file []string
	for _, k := range CSVFileColumns {
		if v, ok := fc.ExtraMembers[k]; ok && v != nil {
			cols = append(cols, k)
			file = append(file, csvCell(v))
		}
	}
	nprop := len(cols) - len(file)

	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	row := make([]string, len(cols))
	copy(row[nprop:], file)
	for _, f := range fc.Features {
		pt, _ := f.Geometry.(orb.Point)
		for i, c := range cols[:nprop] {
			switch c {
			case "lon":
				row[i] = strconv.FormatFloat(pt.Lon(), 'f', -1, 64)
			case "lat":
				row[i] = strconv.FormatFloat(pt.Lat(), 'f', -1, 64)
			default:
				row[i] = csvCell(f.Properties[c])
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell is v as a cell: text (strings, lists joined with CSVListSep) through textCell,
// numbers and booleans as they are.
func csvCell(v any) string {
	switch v.(type) {
	case nil, bool, int, float64:
		return rawCell(v)
	}
	return textCell(rawCell(v))
}

func rawCell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []string:
		return strings.Join(v, CSVListSep)
	case []any:
		s := make([]string, len(v))
		for i, e := range v {
			s[i] = rawCell(e)
		}
		return strings.Join(s, CSVListSep)
	}
	return fmt.Sprint(v)
}

// textCell keeps a spreadsheet from reading a text cell as a formula: text starting with
// =, +, -, @, a tab or a carriage return gets a leading apostrophe (OWASP's advice for CSV
// injection). Some of the text is not the ministry's — a carrier names its own site_id in
// its plans file — and the export is made to be opened in Excel. Numbers are not text and
// are written as they are (-3 stays -3); no name, code or date starts with these characters.
func textCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
