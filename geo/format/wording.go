package format

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// One wording per rule: every format words a problem of the same kind with the functions of
// this file, so a file gets the same reason from each decoder (a swapped coordinate reads the
// same in a villages/v1, an observations/v1 and an areas/v1 file). Reasons do not repeat the
// field: the Problem names it.

// reasonCRS checks a collection's "crs" member (raw JSON, possibly absent). It returns "" for
// an absent or null crs (RFC 7946's default) and for a named crs meaning WGS84
// longitude/latitude, else the reason for a crs problem.
func reasonCRS(raw []byte) string {
	if isNull(raw) {
		return ""
	}
	// Read by exact member name, like every object (strict.go).
	var typ, props, name json.RawMessage
	var lx scan.Lexer
	_, ok := splitObject(&lx, raw, []string{"type", "properties"}, []*json.RawMessage{&typ, &props})
	if ok && len(props) > 0 {
		_, ok = splitObject(&lx, props, []string{"name"}, []*json.RawMessage{&name})
	}
	t, _ := decodeString(typ)
	n, _ := decodeString(name)
	if !ok || t != "name" || n == "" {
		return `want a named crs such as {"type": "name", "properties": {"name": "EPSG:4326"}}, got ` + shorten(string(raw))
	}
	crs := struct{ Properties struct{ Name string } }{}
	crs.Properties.Name = n
	if isWGS84(crs.Properties.Name) {
		return ""
	}
	return "not WGS84 longitude/latitude (reproject to EPSG:4326): " + quote(crs.Properties.Name)
}

// reasonSchema checks a collection's "covmon_schema" member (raw JSON, possibly absent)
// against the format being read, want (e.g. "villages/v1") of kind. It returns "" when the
// member is absent, null or want.
func reasonSchema(raw []byte, want string, kind geo.UploadKind) string {
	if isNull(raw) {
		return ""
	}
	s, ok := decodeString(raw)
	switch {
	case !ok:
		return "want a string such as " + strconv.Quote(want) + ", got " + describe(raw)
	case s == want:
		return ""
	}
	name, _, _ := strings.Cut(s, "/")
	switch geo.UploadKind(name) {
	case kind:
		return "unknown version " + quote(s) + "; this covmon reads " + want
	case geo.KindVillages, geo.KindObservations, geo.KindAreas, geo.KindAssignments, geo.KindPlans:
		return "a " + quote(s) + " file where " + want + " is expected"
	}
	return "unknown covmon_schema " + quote(s) + "; want " + want
}

// reasonUnknownCarrier is unknown_carrier: name is not among the configured carriers.
func reasonUnknownCarrier(name string, carriers []string) string {
	return "unknown carrier " + quote(name) + "; want " + listWords(carriers)
}

// reasonNotUploader is carrier_mismatch against the uploader's carrier, for a feature's own
// carrier or (file true) the collection's top-level one.
func reasonNotUploader(name, uploader string, file bool) string {
	if file {
		return "the file names carrier " + quote(name) + " but the uploader is " + quote(uploader)
	}
	return "carrier " + quote(name) + " but the uploader is " + quote(uploader)
}

// reasonNotFileCarrier is carrier_mismatch of a feature's carrier against the file's.
func reasonNotFileCarrier(name, top string) string {
	return "carrier " + quote(name) + " differs from the file's top-level carrier " + quote(top)
}

// reasonMissing is field_missing; hint (possibly "") says how to give the value.
func reasonMissing(null bool, hint string) string {
	s := "required property is missing"
	if null {
		s = "required property is null"
	}
	if hint != "" {
		s += " (" + hint + ")"
	}
	return s
}

// reasonWrongType is field_type: want names the expected JSON type ("a string"), raw is the
// value found.
func reasonWrongType(want string, raw []byte) string {
	return "want " + want + ", got " + describe(raw)
}

// reasonUnknownTechnology is unknown_technology.
func reasonUnknownTechnology(s string) string {
	return "unknown technology " + quote(s) + "; want 2g, 3g, 4g or 5g"
}

// reasonUnknownMethod is unknown_method.
func reasonUnknownMethod(s string) string {
	return "unknown method " + quote(s) + "; want " + listWords(geo.Methods)
}

// reasonFuture is time_future: the instant written s is after the time of upload now.
func reasonFuture(s string, now time.Time, skew time.Duration) string {
	return "after the upload time " + now.Format(time.RFC3339) + " (plus " + skew.String() + " for clock skew): " + quote(s)
}

// reasonTooOld is time_too_old: the date or instant written s is before the floor min.
func reasonTooOld(s string, min time.Time) string {
	return "before " + min.Format(time.DateOnly) + ", the earliest date covmon accepts: " + quote(s)
}

// RSRP bounds in dBm, for rsrp_dbm (observations/v1) and min_rsrp_dbm (areas/v1).
const (
	minRSRPdBm = -160
	maxRSRPdBm = -30
)

// reasonRSRP is rsrp_range for the number written raw.
func reasonRSRP(raw string) string { return "outside -160..-30 dBm: " + shorten(raw) }

// reasonDLNegative is dl_negative for the number written raw.
func reasonDLNegative(raw string) string { return "below 0: " + shorten(raw) }

// reasonGeometryType is geometry_type for a feature's geometry: what describes what was found
// ("no geometry", "geometry is null", `geometry has no "type"`, "geometry type is number 5",
// `unknown geometry type "Circle"`, "Point not allowed"); allowed lists the types the format
// takes and nullable whether null is one of them.
func reasonGeometryType(what string, allowed []string, nullable bool) string {
	want := "want " + listWords(allowed)
	if nullable {
		want += " or null"
	}
	return what + "; " + want
}

// checkRing applies the ring rules to ring r at loc ("ring 0", "polygon 1 ring 0"): at least
// 4 positions (ring_short), the last equal to the first (ring_unclosed), then an area and no
// crossing (ring_degenerate, ring_self_intersection; validate_ring.go). A good ring costs
// no allocation.
func checkRing(r []orb.Point, loc posLoc, add func(rule, reason string)) {
	if len(r) < 4 {
		add(geo.RuleRingShort, loc.String()+" has "+count(len(r), "position")+"; a closed ring needs at least 4")
	}
	if len(r) > 0 && r[0] != r[len(r)-1] {
		add(geo.RuleRingUnclosed, loc.String()+" is not closed: first position "+
			fmtPos(r[0][0], r[0][1])+" and last "+fmtPos(r[len(r)-1][0], r[len(r)-1][1])+" differ")
		return
	}
	if len(r) >= 4 {
		if rule, reason := ringProblem(r); rule != "" {
			add(rule, loc.String()+": "+reason)
		}
	}
}
