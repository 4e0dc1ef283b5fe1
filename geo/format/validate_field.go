package format

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/covmon/covmon/geo"
)

// isNull reports whether raw is absent or the JSON literal null.
func isNull(raw json.RawMessage) bool { return len(raw) == 0 || raw[0] == 'n' }

// missing records field_missing for a required property that is absent or null.
func (f *featureReport) missing(field string, raw json.RawMessage) {
	f.add(field, geo.RuleFieldMissing, reasonMissing(len(raw) > 0, ""))
}

// wrongType records field_type: want names the expected JSON type ("a string").
func (f *featureReport) wrongType(field, want string, raw json.RawMessage) {
	f.add(field, geo.RuleFieldType, reasonWrongType(want, raw))
}

// str reads a string property. ok is false when the property is absent, null or not a string;
// problems are recorded for a required property that is absent or null and for a wrong type.
func (f *featureReport) str(field string, raw json.RawMessage, required bool) (s string, ok bool) {
	if isNull(raw) {
		if required {
			f.missing(field, raw)
		}
		return "", false
	}
	s, ok = f.decode(raw)
	if !ok {
		f.wrongType(field, "a string", raw)
		return "", false
	}
	if !f.utf8(field, raw) {
		return "", false
	}
	if len(s) > geo.MaxTextBytes {
		f.add(field, geo.RuleTextTooLong, "longer than "+strconv.Itoa(geo.MaxTextBytes)+" bytes ("+strconv.Itoa(len(s))+"): "+quote(s))
		return "", false
	}
	return s, f.clean(field, s)
}

// name reads a name (of a village, commune or province): a string of at most geo.MaxNameRunes
// characters, checked like str.
func (f *featureReport) name(field string, raw json.RawMessage, required bool) (string, bool) {
	if isNull(raw) {
		if required {
			f.missing(field, raw)
		}
		return "", false
	}
	s, ok := decodeString(raw)
	if !ok {
		f.wrongType(field, "a string", raw)
		return "", false
	}
	if !f.utf8(field, raw) {
		return "", false
	}
	if n := utf8.RuneCountInString(s); n > geo.MaxNameRunes {
		f.add(field, geo.RuleTextTooLong, "longer than "+strconv.Itoa(geo.MaxNameRunes)+" characters ("+strconv.Itoa(n)+"): "+quote(s))
		return "", false
	}
	return s, f.clean(field, s)
}

// utf8 refuses a string whose bytes are not UTF-8 (encoding/json would turn them into
// U+FFFD and store a different text than the one sent).
func (f *featureReport) utf8(field string, raw json.RawMessage) bool {
	if utf8.Valid(raw) {
		return true
	}
	at := 0
	for at < len(raw) {
		r, n := utf8.DecodeRune(raw[at:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		at += n
	}
	f.add(field, geo.RuleTextControl, "a byte that is not UTF-8 at byte "+strconv.Itoa(at-1)+" of the string (control characters are refused)")
	return false
}

// clean refuses text with control characters, terminal escapes, bidirectional overrides or
// bytes that are not UTF-8 (geo.BadRune): they are refused at the door rather than stored and
// escaped everywhere they are printed.
func (f *featureReport) clean(field, s string) bool {
	if r, at, ok := geo.BadRune(s); !ok {
		f.add(field, geo.RuleTextControl, geo.DescribeRune(r)+" at byte "+strconv.Itoa(at)+" (control characters are refused): "+quote(s))
		return false
	}
	return true
}

// isString reports whether raw is the JSON string s, however escaped.
func isString(raw []byte, s string) bool {
	got, ok := decodeString(raw)
	return ok && got == s
}

// decodeString decodes a JSON string, taking a fast path when it has no escapes.
// Every string is normalised to NFC here, at the door, so names are stored and compared in one
// form whatever tool wrote the file (geo.NFC).
func decodeString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		if c, ok := internedStrings[string(inner)]; ok {
			return c, true // a known word: no copy (it is ASCII, so already NFC)
		}
		return geo.NFC(string(inner)), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return geo.NFC(s), true
}

// boolean reads a boolean property, like str.
func (f *featureReport) boolean(field string, raw json.RawMessage, required bool) (v, ok bool) {
	if isNull(raw) {
		if required {
			f.missing(field, raw)
		}
		return false, false
	}
	switch string(raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	f.wrongType(field, "a boolean", raw)
	return false, false
}

// internedStrings are the words every feature repeats (types, technologies, methods, the
// default carriers, roles): decodeString returns these strings rather than a new copy of each.
// They are ASCII, so NFC leaves them as they are.
var internedStrings = func() map[string]string {
	m := map[string]string{}
	words := []string{"Feature", "FeatureCollection", "Point", "Polygon", "MultiPolygon",
		"2g", "3g", "4g", "5g", "2G", "3G", "4G", "5G", geo.SourceCarrier, geo.SourceIndependent}
	words = append(words, geo.Methods...)
	words = append(words, geo.DefaultCarriers...)
	for _, w := range words {
		m[w] = w
	}
	return m
}()

// number reads an optional number property, like str.
func (f *featureReport) number(field string, raw json.RawMessage) (v float64, ok bool) {
	if isNull(raw) {
		return 0, false
	}
	if jsonKind(raw) != "number" {
		f.wrongType(field, "a number", raw)
		return 0, false
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(v, 0) {
		f.add(field, geo.RuleFieldInvalid, "number out of range: "+shorten(string(raw)))
		return 0, false
	}
	return v, true
}

// code reads a string of exactly n digits, such as a commune code.
func (f *featureReport) code(field string, raw json.RawMessage, n int, required bool) string {
	s, ok := f.str(field, raw, required)
	if !ok {
		return ""
	}
	if !allDigits(s, n) {
		f.add(field, geo.RuleFieldInvalid, "not "+strconv.Itoa(n)+" digits: "+quote(s))
		return ""
	}
	return s
}

// id reads a required village ID.
func (f *featureReport) id(field string, raw json.RawMessage) string {
	s, ok := f.str(field, raw, true)
	if !ok {
		return ""
	}
	if !validID(s) {
		f.add(field, geo.RuleFieldInvalid, "not "+idRule+": "+quote(s))
		return ""
	}
	return s
}

// when reads a date ("YYYY-MM-DD", 00:00 in Vietnam) or, when instant is true, also an RFC 3339
// instant with a zone. It returns the zero time when the property is absent or bad. Every time
// is checked against the floor (time_too_old); when future is true (observed_at, assigned_at, grid_power_since, found_at) also against
// the time of upload (time_future). A time that breaks a bound is returned zero, so it never reaches
// the store.
func (f *featureReport) when(cfg *config, field string, raw json.RawMessage, required, instant, future bool) time.Time {
	s, ok := f.str(field, raw, required)
	if !ok {
		return time.Time{}
	}
	t, reason := parseWhen(s, instant)
	if reason != "" {
		f.add(field, geo.RuleTimeUnparsable, reason)
		return time.Time{}
	}
	if rule, reason := cfg.timeBounds(t, s, future); rule != "" {
		f.add(field, rule, reason)
		return time.Time{}
	}
	return t
}

// parseWhen parses a date or (when instant is true) an RFC 3339 instant. On failure it returns
// a reason naming the value.
func parseWhen(s string, instant bool) (time.Time, string) {
	if len(s) == len(time.DateOnly) {
		if t, err := time.ParseInLocation(time.DateOnly, s, geo.Vietnam); err == nil {
			return t, ""
		}
	}
	if !instant {
		return time.Time{}, "not a date (YYYY-MM-DD): " + quote(s)
	}
	if rfc3339Shape(s) {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, ""
		}
		if _, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
			return time.Time{}, "instant without a time zone (add Z or an offset such as +07:00): " + quote(s)
		}
	}
	return time.Time{}, "not a date or RFC 3339 instant: " + quote(s)
}

// rfc3339Shape checks the fixed punctuation of "2006-01-02T15:04:05", which time.Parse is
// lenient about (it accepts a one-digit hour).
func rfc3339Shape(s string) bool {
	return len(s) >= 19 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':'
}
