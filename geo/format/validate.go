package format

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/covmon/covmon/geo"
)

// report collects the problems of one file, up to a number of problems and of bytes, so that
// no file can make a report (an HTTP 422 body, an uploads row) larger than about
// DefaultMaxReportBytes, whatever it contains. Every reason passes through boundReason.
type report struct {
	file      string
	max       int // problems kept
	maxBytes  int // bytes of problem text kept
	bytes     int
	problems  []geo.Problem
	truncated bool
	dropped   int  // problems found beyond the limits
	stopped   bool // decoding stopped at the limit, so dropped is a lower bound
}

// problemBytes is what a problem weighs against the report's byte budget: its texts plus the
// JSON punctuation and numbers around them.
func problemBytes(p *geo.Problem) int {
	return len(p.File) + len(p.VillageID) + len(p.Field) + len(p.Rule) + len(p.Reason) + 64
}

// add records a problem. It returns false once the limit is exceeded, so the caller can stop.
func (r *report) add(feature int, villageID, field, rule, reason string) bool {
	return r.addProblem(geo.Problem{File: r.file, Feature: feature, VillageID: villageID, Field: field, Rule: rule, Reason: reason})
}

// addProblem records a problem found by a parse worker, which names the file itself.
func (r *report) addProblem(p geo.Problem) bool {
	p.Reason = boundReason(p.Reason)
	n := problemBytes(&p)
	if len(r.problems) >= r.max || r.bytes+n > r.maxBytes {
		r.truncated = true
		r.dropped++
		return false
	}
	r.bytes += n
	r.problems = append(r.problems, p)
	return true
}

// full reports whether the limit was exceeded.
func (r *report) full() bool { return r.truncated }

// err returns the collected problems as a *ValidationError, or nil when there are none. Problems
// are ordered by feature (file-level first), and in the order found within a feature; a capped
// report ends with one too_many_problems problem saying how many more there were.
func (r *report) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	slices.SortStableFunc(r.problems, func(a, b geo.Problem) int { return cmp.Compare(a.Feature, b.Feature) })
	probs := r.problems
	if r.truncated {
		keeps := " (the report keeps " + count(r.max, "problem") + " and " + strconv.Itoa(r.maxBytes>>10) + " KiB)"
		reason := "… and " + count(r.dropped, "more problem") + keeps
		if r.stopped {
			reason = "… and more problems: checking stopped after " + count(len(r.problems)+r.dropped, "problem") + keeps
		}
		probs = append(probs, geo.Problem{File: r.file, Feature: -1, Rule: geo.RuleTooManyProblems, Reason: reason})
	}
	return &geo.ValidationError{File: r.file, Problems: probs, Truncated: r.truncated}
}

// maxReason bounds a problem's reason in bytes. Reasons quote at most maxQuoted bytes of any
// value (quote, shorten, describe), so this only catches a reason built carelessly.
const maxReason = 512

// boundReason cuts a reason to maxReason bytes on a rune boundary.
func boundReason(s string) string {
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// featureReport records problems of one feature, naming its village when known.
type featureReport struct {
	rep       *report
	index     int
	villageID string
	// idRaw and idStr are a raw string value already decoded (the village ID) and its
	// decodeString result, reused by decode.
	idRaw []byte
	idStr string
}

// decode is decodeString(raw), reusing the decoded village ID when raw is the very same
// bytes.
func (f *featureReport) decode(raw []byte) (string, bool) {
	if len(raw) > 0 && len(raw) == len(f.idRaw) && &raw[0] == &f.idRaw[0] {
		return f.idStr, true
	}
	return decodeString(raw)
}

func (f *featureReport) add(field, rule, reason string) {
	f.rep.add(f.index, f.villageID, field, rule, reason)
}

// jsonKind names the JSON type of a raw value: "string", "number", "boolean", "array",
// "object" or "null".
func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// maxQuoted is how much of a bad value a reason quotes.
const maxQuoted = 40

// describe renders a raw JSON value for a reason: its kind and, for scalars, the value
// (shortened), e.g. `number 15` or `object`.
func describe(raw []byte) string {
	k := jsonKind(raw)
	switch k {
	case "object", "array", "null", "nothing":
		return k
	}
	return k + " " + shorten(string(raw))
}

// shorten cuts s to maxQuoted bytes (on a rune boundary), marking the cut with "…".
func shorten(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// quote renders a string value for a reason, shortened.
func quote(s string) string { return strconv.Quote(shorten(s)) }

// fmtNum renders a coordinate or measurement the way people write it: 21.0, -98.5, 105.8.
// Huge or infinite values (an areas/v1 lexer reads 1e400 as +Inf) keep the short form.
func fmtNum(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) >= 1e21 {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// fmtPos renders a position as [lon, lat].
func fmtPos(lon, lat float64) string { return "[" + fmtNum(lon) + ", " + fmtNum(lat) + "]" }

// listWords renders items as "a, b, c or d".
func listWords(items []string) string {
	switch len(items) {
	case 0:
		return "(none)"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// count renders n with a noun, pluralized by adding "s": "1 number", "3 numbers".
func count(n int, noun string) string {
	s := strconv.Itoa(n) + " " + noun
	if n != 1 {
		s += "s"
	}
	return s
}

// validID reports whether s is 1–64 characters of A-Z a-z 0-9 . _ -, the format of village IDs.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// idRule is the wording of validID in reasons.
const idRule = "1-64 characters of A-Z a-z 0-9 . _ -"

// allDigits reports whether s is exactly n ASCII digits.
func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
