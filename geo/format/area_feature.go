package format

import (
	"bytes"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// areaParser parses and validates features; each worker owns one.
type areaParser struct {
	cfg   *config
	lx    scan.Lexer
	file  string
	index int // feature being parsed
	probs []geo.Problem

	// Geometry scratch: positions, the end of each ring in pts, the end of each polygon in
	// rings, and what the geometry said.
	pts      []orb.Point
	ringEnds []int
	polyEnds []int
	multi    bool
	geomBad  bool   // a coordinates problem was reported; skip ring checks
	dup      string // the first member name found twice in one object (duplicate_key)

	// observed_at cache: files usually repeat one date.
	lastTime    []byte
	lastTimeVal time.Time
	lastTimeWhy string // time_unparsable reason, "" when it parsed
}

func newAreaParser(cfg *config) *areaParser {
	return &areaParser{cfg: cfg, file: cfg.file}
}

func (p *areaParser) problem(field, rule, reason string) {
	p.probs = append(p.probs, geo.Problem{File: p.file, Feature: p.index, Field: field, Rule: rule, Reason: reason})
}

// batch parses every feature of b.
func (p *areaParser) batch(b *areaBatch) {
	b.out = make([]areaParsed, len(b.ends))
	start := 0
	for i, end := range b.ends {
		p.feature(b.first+i, b.data[start:end], b.hdr, &b.out[i])
		start = end
	}
}

// areaProps is what a feature's properties said.
type areaProps struct {
	carrier, tech, observed bool // present and non-null
	area                    geo.CoverageArea
}

// feature parses one feature into out.
func (p *areaParser) feature(index int, raw []byte, hdr *areaHeader, out *areaParsed) {
	p.index = index
	p.probs = p.probs[:0]
	p.pts, p.ringEnds, p.polyEnds = p.pts[:0], p.ringEnds[:0], p.polyEnds[:0]
	p.geomBad = false
	p.dup = ""
	lx := &p.lx
	lx.Reset(raw)
	if c := lx.Peek(); c != '{' {
		p.problem("", geo.RuleNotGeoJSON, "want a GeoJSON Feature object, got "+jsonKind(raw[lx.Pos:]))
		out.problems = p.done()
		return
	}
	lx.Pos++
	var pr areaProps
	pr.area.Method = AreaDefaultMethod
	sawType, sawGeom := false, false
	var seen scan.KeySet
	for first := true; lx.More(&first, '}'); {
		switch string(p.key(&seen)) {
		case "type":
			sawType = true
			if v := p.value(1); lx.Err == nil && !isString(v, "Feature") {
				p.problem("type", geo.RuleNotGeoJSON, `want "Feature", got `+describe(v))
			}
		case "geometry":
			sawGeom = true
			p.geometry(raw)
		case "properties":
			switch c := lx.Peek(); c {
			case '{':
				p.properties(&pr)
			case 'n':
				lx.Literal("null")
			default:
				p.problem("properties", geo.RuleNotGeoJSON, "want an object or null, got "+describe(p.value(1)))
			}
		default:
			lx.Skip(1)
		}
	}
	if lx.Err == nil && lx.Peek() != 0 {
		lx.Fail("data after the feature")
	}
	if lx.Err != nil {
		p.probs = p.probs[:0]
		p.problem("", geo.RuleNotJSON, "the feature is not valid JSON: "+lx.Err.Error())
		out.problems = p.done()
		return
	}
	if p.dup == "" {
		p.dup = lx.Dup
	}
	if p.dup != "" {
		p.problem("", geo.RuleDuplicateKey, dupReason(p.dup))
	}
	if !sawType {
		p.problem("type", geo.RuleNotGeoJSON, `missing "type": "Feature"`)
	}
	if !sawGeom {
		p.problem("geometry", geo.RuleGeometryType, reasonGeometryType("no geometry", areaGeometryTypes, false))
	}
	if !pr.carrier {
		switch {
		case hdr.carrier != "":
			pr.area.Carrier = hdr.carrier
		case !hdr.carrierSet && p.cfg.carrier != "":
			// As in observations/v1: the uploader's carrier is the default.
			pr.area.Carrier = p.cfg.carrier
		case !hdr.carrierSet:
			p.problem("carrier", geo.RuleFieldMissing, reasonMissing(false, `give it per feature, or as a top-level "carrier" before "features"`))
		}
	}
	if pr.carrier && p.cfg.carrier == "" && hdr.carrier != "" && pr.area.Carrier != "" && pr.area.Carrier != hdr.carrier {
		// As in observations/v1: a feature may not speak for another carrier than its file.
		p.problem("carrier", geo.RuleCarrierMismatch, reasonNotFileCarrier(pr.area.Carrier, hdr.carrier))
	}
	if !pr.tech {
		p.problem("technology", geo.RuleFieldMissing, reasonMissing(false, ""))
	}
	if !pr.observed {
		p.problem("observed_at", geo.RuleFieldMissing, reasonMissing(false, ""))
	}
	out.problems = p.done()
	if len(out.problems) == 0 && !(hdr.carrierSet && hdr.carrier == "" && !pr.carrier) {
		out.area = pr.area
		out.area.Geometry = p.build()
		out.ok = true
	}
}

// key reads a member name, noting a duplicate among the names seen in the same object.
func (p *areaParser) key(seen *scan.KeySet) []byte {
	k := p.lx.Key()
	if p.lx.Err == nil && seen.Add(k) && p.dup == "" {
		p.dup = string(k)
	}
	return k
}

// done returns a copy of the feature's problems (nil when none).
func (p *areaParser) done() []geo.Problem {
	if len(p.probs) == 0 {
		return nil
	}
	return append([]geo.Problem(nil), p.probs...)
}

// properties reads the properties object; unknown members are ignored.
func (p *areaParser) properties(pr *areaProps) {
	lx := &p.lx
	lx.Pos++
	var seen scan.KeySet
	for first := true; lx.More(&first, '}'); {
		key := p.key(&seen)
		c := lx.Peek()
		if c == 'n' { // null counts as absent
			lx.Skip(1)
			continue
		}
		switch string(key) {
		case "carrier":
			if v, ok := p.propString(c, "carrier"); ok {
				pr.carrier = true
				p.carrier(v, &pr.area)
			}
		case "technology":
			if v, ok := p.propString(c, "technology"); ok {
				pr.tech = true
				t, ok := geo.ParseTechnology(string(v))
				if !ok {
					p.problem("technology", geo.RuleUnknownTechnology, reasonUnknownTechnology(string(v)))
				}
				pr.area.Technology = t
			}
		case "observed_at":
			if v, ok := p.propString(c, "observed_at"); ok {
				pr.observed = true
				pr.area.ObservedAt = p.observedAt(v)
			}
		case "method":
			if v, ok := p.propString(c, "method"); ok {
				m, ok := knownMethod(v)
				if !ok {
					p.problem("method", geo.RuleUnknownMethod, reasonUnknownMethod(string(v)))
				}
				pr.area.Method = m
			}
		case "min_rsrp_dbm":
			if v, raw, ok := p.propNumber(c, "min_rsrp_dbm"); ok {
				if !(v >= minRSRPdBm && v <= maxRSRPdBm) {
					p.problem("min_rsrp_dbm", geo.RuleRSRPRange, reasonRSRP(string(raw)))
				}
				pr.area.MinRSRPdBm = &v
			}
		case "min_dl_mbps":
			if v, raw, ok := p.propNumber(c, "min_dl_mbps"); ok {
				if !(v >= 0) {
					p.problem("min_dl_mbps", geo.RuleDLNegative, reasonDLNegative(string(raw)))
				}
				pr.area.MinDLMbps = &v
			}
		default:
			lx.Skip(2)
		}
	}
}

// value skips the next value (at nesting depth) and returns its raw JSON, for a reason.
func (p *areaParser) value(depth int) []byte {
	lx := &p.lx
	lx.SkipSpace()
	start := lx.Pos
	lx.Skip(depth)
	return lx.B[start:lx.Pos]
}

// propString reads a string property; a value of another type is a field_type problem.
func (p *areaParser) propString(c byte, field string) ([]byte, bool) {
	if c != '"' {
		p.problem(field, geo.RuleFieldType, reasonWrongType("a string", p.value(2)))
		return nil, false
	}
	return p.lx.Str(), true
}

// propNumber reads a number property and the number as written; a value of another type is a
// field_type problem.
func (p *areaParser) propNumber(c byte, field string) (float64, []byte, bool) {
	if c != '-' && (c < '0' || c > '9') {
		p.problem(field, geo.RuleFieldType, reasonWrongType("a number", p.value(2)))
		return 0, nil, false
	}
	start := p.lx.Pos
	v := p.lx.Number()
	return v, p.lx.B[start:p.lx.Pos], true
}

// carrier checks a feature's own carrier against the configuration and the file's.
func (p *areaParser) carrier(v []byte, a *geo.CoverageArea) {
	name, ok := knownCarrier(p.cfg.carriers, v)
	switch {
	case !ok:
		p.problem("carrier", geo.RuleUnknownCarrier, reasonUnknownCarrier(string(v), p.cfg.carriers))
	case p.cfg.carrier != "" && name != p.cfg.carrier:
		p.problem("carrier", geo.RuleCarrierMismatch, reasonNotUploader(name, p.cfg.carrier, false))
	}
	a.Carrier = name
}

// observedAt reads a date (00:00 in Vietnam) or an RFC 3339 instant with a zone.
func (p *areaParser) observedAt(v []byte) time.Time {
	if !bytes.Equal(v, p.lastTime) {
		p.lastTime = append(p.lastTime[:0], v...)
		p.lastTimeVal, p.lastTimeWhy = parseWhen(string(v), true)
	}
	if p.lastTimeWhy != "" {
		p.problem("observed_at", geo.RuleTimeUnparsable, p.lastTimeWhy)
		return time.Time{}
	}
	if rule, reason := p.cfg.timeBounds(p.lastTimeVal, string(v), true); rule != "" {
		p.problem("observed_at", rule, reason)
		return time.Time{}
	}
	return p.lastTimeVal
}
