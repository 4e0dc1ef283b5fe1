package format

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/covmon/covmon/geo"
)

// CrosswalkColumns are the columns of a crosswalk/v1 CSV file, in any order after a header
// row naming them. old_province and new_province are for commune rows; share is optional.
var CrosswalkColumns = []string{"level", "effective", "old_code", "old_name", "new_code", "new_name", "old_province", "new_province", "share"}

// DecodeCrosswalk reads a crosswalk/v1 CSV file (docs/formats.md): a header row, then one row
// per old unit → new unit pair. Every problem is reported, as for the GeoJSON formats: the
// problem's Feature is the data row's index (0 for the row after the header) and its reason
// names the line. Names are stored in NFC. A file with any problem returns nil and a
// *geo.ValidationError.
func DecodeCrosswalk(r io.Reader, opt Options) ([]geo.CrosswalkRow, error) {
	d, err := newDecoder(&opt)
	if err != nil {
		return nil, err
	}
	rep := d.rep
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); string(b) == "\xef\xbb\xbf" { // a spreadsheet's byte-order mark
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comment = '#' // a line starting with # is a comment (provenance, a synthetic-data notice)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			rep.add(-1, "", "", geo.RuleSchema, "the file is empty: want a header row "+strings.Join(CrosswalkColumns, ","))
			return nil, rep.err()
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rep.add(-1, "", "", geo.RuleSchema, "not CSV: "+pe.Error())
			return nil, rep.err()
		}
		return nil, fmt.Errorf("read %s: %w", d.cfg.file, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; dup {
			rep.add(-1, "", h, geo.RuleSchema, "column appears twice in the header")
		}
		col[h] = i
	}
	for _, c := range CrosswalkColumns {
		if _, ok := col[c]; !ok && c != "share" && c != "old_province" && c != "new_province" {
			rep.add(-1, "", c, geo.RuleSchema, "the header has no column "+strconv.Quote(c)+" (want "+strings.Join(CrosswalkColumns, ",")+")")
		}
	}
	if len(rep.problems) > 0 {
		return nil, rep.err()
	}

	var out []geo.CrosswalkRow
	seen := map[string]int{}
	shares := map[string]float64{} // level, effective, old code → sum of shares
	for i := 0; ; i++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		add := func(field, rule, reason string) bool {
			return rep.add(i, "", field, rule, "line "+strconv.Itoa(line)+": "+reason)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if !rep.add(i, "", "", geo.RuleSchema, "not CSV: "+pe.Error()) {
					break
				}
				continue
			}
			return nil, fmt.Errorf("read %s: %w", d.cfg.file, err)
		}
		get := func(name string) string {
			if j, ok := col[name]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		for _, f := range rec {
			if !utf8.ValidString(f) {
				add("", geo.RuleFieldInvalid, "not UTF-8 text")
				break
			}
		}
		row := geo.CrosswalkRow{Level: get("level"), OldName: geo.NFC(get("old_name")), NewName: geo.NFC(get("new_name"))}
		width := 0
		switch row.Level {
		case geo.LevelProvince:
			width = 2
		case geo.LevelCommune:
			width = 5
		case "":
			add("level", geo.RuleFieldMissing, "empty: want province or commune")
		default:
			add("level", geo.RuleFieldInvalid, "want province or commune, got "+strconv.Quote(row.Level))
		}
		code := func(field string, n int) string {
			s := get(field)
			switch {
			case s == "":
				add(field, geo.RuleFieldMissing, "empty")
			case n > 0 && (len(s) != n || strings.Trim(s, "0123456789") != ""):
				add(field, geo.RuleFieldInvalid, "want "+strconv.Itoa(n)+" digits, got "+strconv.Quote(s))
			}
			return s
		}
		row.OldCode, row.NewCode = code("old_code", width), code("new_code", width)
		if row.Level == geo.LevelCommune {
			row.OldProvince, row.NewProvince = code("old_province", 2), code("new_province", 2)
		} else if get("old_province") != "" || get("new_province") != "" {
			add("old_province", geo.RuleFieldInvalid, "only commune rows name provinces (the province is old_code/new_code)")
		}
		if row.OldName == "" {
			add("old_name", geo.RuleFieldMissing, "empty")
		}
		if row.NewName == "" {
			add("new_name", geo.RuleFieldMissing, "empty")
		}
		if s := get("effective"); s == "" {
			add("effective", geo.RuleFieldMissing, "empty: want the date the new units took effect (YYYY-MM-DD)")
		} else if t, err := time.ParseInLocation("2006-01-02", s, geo.Vietnam); err != nil {
			add("effective", geo.RuleTimeUnparsable, "want a date YYYY-MM-DD, got "+strconv.Quote(s))
		} else {
			row.Effective = t
		}
		if s := get("share"); s != "" {
			f, err := strconv.ParseFloat(s, 64)
			switch {
			case err != nil || math.IsNaN(f):
				add("share", geo.RuleFieldInvalid, "not a number: "+strconv.Quote(s))
			case f <= 0 || f > 1:
				add("share", geo.RuleFieldInvalid, "want a part of the old unit, 0 < share ≤ 1, got "+s)
			default:
				row.Share = f
			}
		}
		key := row.Level + "|" + get("effective") + "|" + row.OldCode + "|" + row.NewCode
		if first, dup := seen[key]; dup {
			add("new_code", geo.RuleDuplicateRow, "the same old and new unit on the same date as row "+strconv.Itoa(first))
		} else {
			seen[key] = i
		}
		if row.Share > 0 {
			shares[row.Level+"|"+get("effective")+"|"+row.OldCode] += row.Share
		}
		if rep.full() {
			break
		}
		out = append(out, row)
	}
	for _, k := range slices.Sorted(maps.Keys(shares)) {
		if sum := shares[k]; sum > 1+1e-9 {
			parts := strings.Split(k, "|")
			rep.add(-1, "", "share", geo.RuleFieldInvalid, fmt.Sprintf("the shares of %s %s on %s add up to %.4g, more than 1", parts[0], parts[2], parts[1], sum))
		}
	}
	if err := rep.err(); err != nil {
		return nil, err
	}
	return out, nil
}
