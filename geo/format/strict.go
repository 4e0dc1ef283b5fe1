package format

import (
	"encoding/json"

	"github.com/covmon/covmon/geo/format/internal/scan"
)

// One parsing rule for every format (docs/formats.md, "Parsing"): member names are matched
// exactly, as RFC 8259 and RFC 7946 readers do ("Type" is not "type"), and an object naming a
// member twice is refused with duplicate_key rather than read the way one reader or another
// happens to (last wins in encoding/json, first wins elsewhere; the old areas reader merged a
// second "coordinates" into holes). Both the streaming readers of villages/observations and
// the areas scanner use the same lexer (internal/scan), so they agree.

// dupReason is the reason of a duplicate_key problem for member name k.
func dupReason(k string) string {
	return "member " + quote(k) + " appears more than once in one object (names are exact and may appear once)"
}

// splitObject reads the JSON object raw and stores the raw value of each member whose name is
// exactly names[i] in dst[i] (other members are skipped). It returns the first duplicate
// member name found at any depth ("" when none) and whether raw is a well-formed object.
func splitObject(lx *scan.Lexer, raw []byte, names []string, dst []*json.RawMessage) (dup string, ok bool) {
	lx.Reset(raw)
	if lx.Peek() != '{' {
		return "", false
	}
	lx.Pos++
	var seen scan.KeySet
	for first := true; lx.More(&first, '}'); {
		k := lx.Key()
		if lx.Err != nil {
			break
		}
		if seen.Add(k) {
			lx.NoteDup(k)
		}
		idx := -1
		for i, n := range names {
			if n == string(k) {
				idx = i
				break
			}
		}
		lx.SkipSpace()
		start := lx.Pos
		lx.Skip(1)
		if idx >= 0 && lx.Err == nil {
			*dst[idx] = raw[start:lx.Pos]
		}
	}
	if lx.Err == nil && lx.Peek() != 0 {
		lx.Fail("data after the object")
	}
	return lx.Dup, lx.Err == nil
}

// checkDuplicates reports the first member name that appears twice in one object anywhere in
// the JSON value raw ("" when none, or when raw is not valid JSON).
func checkDuplicates(raw []byte) string {
	var lx scan.Lexer
	lx.Reset(raw)
	lx.Skip(0)
	return lx.Dup
}
