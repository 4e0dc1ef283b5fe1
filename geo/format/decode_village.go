package format

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// villageGeometryTypes are the geometries a villages/v1 feature may have.
var villageGeometryTypes = []string{"Point", "Polygon", "MultiPolygon"}

// villageProps are the properties of a villages/v1 feature, kept raw so that missing, null and
// mistyped values can be told apart.
type villageProps struct {
	VillageID          json.RawMessage `json:"village_id"`
	Name               json.RawMessage `json:"name"`
	CommuneCode        json.RawMessage `json:"commune_code"`
	CommuneName        json.RawMessage `json:"commune_name"`
	ProvinceCode       json.RawMessage `json:"province_code"`
	ProvinceName       json.RawMessage `json:"province_name"`
	LegacyDistrictCode json.RawMessage `json:"legacy_district_code"`
	LegacyCommuneCode  json.RawMessage `json:"legacy_commune_code"`
	GridPower          json.RawMessage `json:"grid_power"`
	GridPowerSince     json.RawMessage `json:"grid_power_since"`
	Households         json.RawMessage `json:"households"`
	Programs           json.RawMessage `json:"programs"`
	Baseline           json.RawMessage `json:"baseline"`
	FoundAt            json.RawMessage `json:"found_at"`
	Deadline           json.RawMessage `json:"deadline"`
	Deadlines          json.RawMessage `json:"deadlines"`
	Center             json.RawMessage `json:"center"`
	Predecessors       json.RawMessage `json:"predecessors"`
}

// villageMembers are the property names, in the order of villageProps.members.
var villageMembers = []string{"village_id", "name", "commune_code", "commune_name", "province_code", "province_name",
	"legacy_district_code", "legacy_commune_code", "grid_power", "grid_power_since", "households", "programs",
	"baseline", "found_at", "deadline", "deadlines", "center", "predecessors"}

// members returns pointers to p's fields in the order of villageMembers.
func (p *villageProps) members() []*json.RawMessage {
	return []*json.RawMessage{&p.VillageID, &p.Name, &p.CommuneCode, &p.CommuneName, &p.ProvinceCode, &p.ProvinceName,
		&p.LegacyDistrictCode, &p.LegacyCommuneCode, &p.GridPower, &p.GridPowerSince, &p.Households, &p.Programs,
		&p.Baseline, &p.FoundAt, &p.Deadline, &p.Deadlines, &p.Center, &p.Predecessors}
}

// reset empties p for reuse.
func (p *villageProps) reset() { *p = villageProps{} }

// villageDecoder turns villages/v1 features into Villages.
type villageDecoder struct {
	*decoder
	props villageProps       // reused for every feature
	dst   []*json.RawMessage // props.members()
	lx    scan.Lexer
	seen  map[string]int32  // village_id → first feature
	keep  func(geo.Village) // gets each village while the file is clean
	// retires lists every predecessor named, checked against the file's villages at the end.
	retires []retirement
}

// retirement is one predecessor named by the successor of feature index.
type retirement struct {
	index                  int
	successor, predecessor string
}

// feature validates feature i and, while the file is still clean, keeps its Village.
func (d *villageDecoder) feature(i int, feat *rawFeature) {
	p := &d.props
	p.reset()
	if d.dst == nil {
		d.dst = p.members()
	}
	propsOK := unmarshalProps(&d.lx, feat.Properties, villageMembers, d.dst)
	f := d.newFeatureReport(i, p.VillageID)
	if !f.shape(feat, propsOK) {
		return
	}
	var v geo.Village
	geom, geomOK := f.geometry(feat.Geometry, villageGeometryTypes, true, d.cfg.bounds)

	v.ID = f.id("village_id", p.VillageID)
	if name, ok := f.name("name", p.Name, true); ok {
		if strings.TrimSpace(name) == "" {
			f.add("name", geo.RuleFieldInvalid, "empty or blank: "+quote(name))
		}
		v.Name = name
	}
	v.CommuneCode = f.code("commune_code", p.CommuneCode, 5, true)
	v.CommuneName, _ = f.name("commune_name", p.CommuneName, false)
	v.ProvinceCode = f.code("province_code", p.ProvinceCode, 2, true)
	v.ProvinceName, _ = f.name("province_name", p.ProvinceName, false)
	v.LegacyDistrictCode = f.code("legacy_district_code", p.LegacyDistrictCode, 3, false)
	v.LegacyCommuneCode = f.code("legacy_commune_code", p.LegacyCommuneCode, 5, false)
	v.GridPower, _ = f.boolean("grid_power", p.GridPower, true)
	v.GridPowerSince = f.when(d.cfg, "grid_power_since", p.GridPowerSince, false, false, true)
	v.Households = f.households(p.Households)
	v.Programs = f.programs(p.Programs)
	if d.cfg.knownProgram != nil {
		for _, id := range v.Programs {
			if !d.cfg.knownProgram(id) {
				f.add("programs", geo.RuleUnknownProgram, "no such program: "+quote(id))
			}
		}
	}
	baseline, hasBaseline := f.boolean("baseline", p.Baseline, false)
	v.FoundAt = f.when(d.cfg, "found_at", p.FoundAt, false, false, true)
	v.Baseline = baseline
	if !hasBaseline {
		v.Baseline = isNull(p.FoundAt) // default: true unless found_at is set
	}
	v.Deadline = f.when(d.cfg, "deadline", p.Deadline, false, true, false)
	v.Deadlines = f.deadlines(d.cfg, p.Deadlines)
	center, hasCenter := f.center(p.Center, d.cfg.bounds)
	v.Predecessors = d.predecessors(f, i, v.ID, p.Predecessors)

	if geomOK {
		switch g := geom.(type) {
		case orb.Point:
			v.Center = g
			if hasCenter && center != g {
				f.add("center", geo.RuleFieldInvalid, fmtPos(center[0], center[1])+" differs from the Point geometry "+
					fmtPos(g[0], g[1])+" (center is only for area geometries)")
			}
		default:
			v.Area = geom
			v.Center = center
			field, what := "center", "center "
			if !hasCenter {
				v.Center, _ = planar.CentroidArea(geom)
				field, what = "geometry", "the area's centroid "
			}
			if km := distanceKm(v.Center, geom); km > CenterNearKm {
				f.add(field, geo.RuleCenterFar, what+fmtPos(v.Center[0], v.Center[1])+" lies "+strconv.FormatFloat(km, 'f', 1, 64)+
					" km from the village's area; it must lie inside it or within "+strconv.FormatFloat(CenterNearKm, 'f', -1, 64)+" km of its edge")
			}
		}
	}

	if v.ID != "" {
		if first, dup := d.seen[v.ID]; dup {
			f.add("village_id", geo.RuleDuplicateRow, "same village_id as feature "+strconv.Itoa(int(first)))
		} else {
			d.seen[v.ID] = int32(i)
		}
	}
	if len(d.rep.problems) == 0 {
		d.keep(v)
	}
}

// households reads the optional household count: a whole number ≥ 0.
func (f *featureReport) households(raw json.RawMessage) int {
	n, ok := f.number("households", raw)
	switch {
	case !ok:
		return 0
	case n != math.Trunc(n):
		f.add("households", geo.RuleFieldInvalid, "not a whole number: "+shorten(string(raw)))
	case n < 0:
		f.add("households", geo.RuleFieldInvalid, "negative count: "+shorten(string(raw)))
	case n > math.MaxInt32:
		f.add("households", geo.RuleFieldInvalid, "implausibly large count: "+shorten(string(raw)))
	default:
		return int(n)
	}
	return 0
}

// programs reads the optional array of program IDs.
func (f *featureReport) programs(raw json.RawMessage) []string {
	if isNull(raw) {
		return nil
	}
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		f.wrongType("programs", "an array of strings", raw)
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, ok := decodeString(it)
		switch {
		case !ok:
			f.add("programs", geo.RuleFieldType, "want an array of strings, got "+describe(it)+" at index "+strconv.Itoa(i))
			return nil
		case strings.TrimSpace(s) == "":
			f.add("programs", geo.RuleFieldInvalid, "empty program ID at index "+strconv.Itoa(i))
			return nil
		case len(s) > geo.MaxTextBytes:
			f.add("programs", geo.RuleTextTooLong, "program ID at index "+strconv.Itoa(i)+" longer than "+
				strconv.Itoa(geo.MaxTextBytes)+" bytes: "+quote(s))
			return nil
		case !f.clean("programs", s):
			return nil
		}
		out = append(out, s)
	}
	return out
}

// center reads the optional [lon, lat] centre and checks it against the bounds.
func (f *featureReport) center(raw json.RawMessage, b orb.Bound) (orb.Point, bool) {
	if isNull(raw) {
		return orb.Point{}, false
	}
	var p []float64
	if raw[0] != '[' || json.Unmarshal(raw, &p) != nil {
		f.wrongType("center", "a [lon, lat] array of numbers", raw)
		return orb.Point{}, false
	}
	if len(p) < 2 || len(p) > 3 {
		f.add("center", geo.RuleFieldInvalid, "want [lon, lat], got "+count(len(p), "number"))
		return orb.Point{}, false
	}
	pt := orb.Point{p[0], p[1]}
	var pc positionCheck
	pc.check(pt, posLoc{-1, -1, -1}, b)
	pc.report(f, "center", b)
	return pt, !pc.bad()
}

// deadlines reads the optional per-program deadlines: an object {"program_id": date or
// instant}. Each program must be configured (when the check is on); it need not be one of the
// village's programs (a deadline for a program the village is not in has no effect).
func (f *featureReport) deadlines(cfg *config, raw json.RawMessage) map[string]time.Time {
	if isNull(raw) {
		return nil
	}
	var m map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		f.wrongType("deadlines", `an object {"program_id": "YYYY-MM-DD"}`, raw)
		return nil
	}
	out := make(map[string]time.Time, len(m))
	for _, id := range slices.Sorted(maps.Keys(m)) {
		field := "deadlines." + id
		if strings.TrimSpace(id) == "" {
			f.add("deadlines", geo.RuleFieldInvalid, "empty program ID")
			continue
		}
		if cfg.knownProgram != nil && !cfg.knownProgram(id) {
			f.add(field, geo.RuleUnknownProgram, "no such program: "+quote(id))
			continue
		}
		if t := f.when(cfg, field, m[id], true, true, false); !t.IsZero() {
			out[id] = t
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// predecessors reads the optional array of the village IDs that village id succeeds (retired
// at the file's effective instant). Each must be in the registry (when the check is on), not
// the village itself, and named once.
func (d *villageDecoder) predecessors(f *featureReport, i int, id string, raw json.RawMessage) []string {
	const field = "predecessors"
	if isNull(raw) {
		return nil
	}
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		f.wrongType(field, "an array of village IDs", raw)
		return nil
	}
	if len(items) == 0 {
		return nil
	}
	out := make([]string, 0, len(items))
	named := make(map[string]bool, len(items)) // a set: a list of every registry village stays linear
	for k, it := range items {
		s, ok := decodeString(it)
		at := " at index " + strconv.Itoa(k)
		switch {
		case !ok:
			f.add(field, geo.RuleFieldType, "want an array of strings, got "+describe(it)+at)
			return nil
		case !validID(s):
			f.add(field, geo.RuleFieldInvalid, "not "+idRule+at+": "+quote(s))
			return nil
		case s == id:
			f.add(field, geo.RuleFieldInvalid, "a village cannot succeed itself: "+quote(s))
			return nil
		case named[s]:
			f.add(field, geo.RuleDuplicateRow, "named twice: "+quote(s))
			return nil
		case d.cfg.knownVillage != nil && !d.cfg.knownVillage(s):
			f.add(field, geo.RuleUnknownVillage, "not in the registry (a predecessor is a village already stored, which this file retires): "+quote(s))
			return nil
		}
		named[s] = true
		out = append(out, s)
	}
	for _, s := range out {
		d.retires = append(d.retires, retirement{index: i, successor: id, predecessor: s})
	}
	return out
}

// finish checks what only the whole file shows: a village this file retires (a predecessor)
// cannot also be one of its villages.
func (d *villageDecoder) finish() {
	for _, r := range d.retires {
		if at, ok := d.seen[r.predecessor]; ok {
			d.rep.add(r.index, r.successor, "predecessors", geo.RuleFieldInvalid, "village "+quote(r.predecessor)+
				" is retired by this file (a predecessor) and also listed as feature "+strconv.Itoa(int(at))+"; leave a retired village out of the file")
		}
	}
}
