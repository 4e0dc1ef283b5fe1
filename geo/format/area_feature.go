package format

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// areaParser parses and validates features; each worker owns one.
type areaParser struct {
	cfg   *config
	lx    areaLexer
	file  string
	index int // feature being parsed
	probs []geo.Problem

	// Geometry scratch: positions, the end of each ring in pts, the end of each polygon in
	// rings, and what the geometry said.
	pts      []orb.Point
	ringEnds []int
	polyEnds []int
	multi    bool
	geomBad  bool // a coordinates problem was reported; skip ring checks

	// observed_at cache: files usually repeat one date.
	lastTime    []byte
	lastTimeVal time.Time
	lastTimeOK  bool
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
	lx := &p.lx
	lx.reset(raw)
	if c := lx.peek(); c != '{' {
		p.problem("", geo.RuleNotGeoJSON, fmt.Sprintf("feature is %s, want a Feature object", areaKind(c)))
		out.problems = p.done()
		return
	}
	lx.pos++
	var pr areaProps
	pr.area.Method = AreaDefaultMethod
	sawType, sawGeom := false, false
	for first := true; lx.more(&first, '}'); {
		switch string(lx.key()) {
		case "type":
			sawType = true
			if lx.peek() != '"' {
				p.problem("type", geo.RuleNotGeoJSON, fmt.Sprintf("feature type is %s, want \"Feature\"", areaKind(lx.peek())))
				lx.skip(1)
			} else if t := lx.str(); string(t) != "Feature" {
				p.problem("type", geo.RuleNotGeoJSON, fmt.Sprintf("feature type is %q, want \"Feature\"", t))
			}
		case "geometry":
			sawGeom = true
			p.geometry(raw)
		case "properties":
			switch c := lx.peek(); c {
			case '{':
				p.properties(&pr)
			case 'n':
				lx.literal("null")
			default:
				p.problem("properties", geo.RuleFieldType, fmt.Sprintf("properties is %s, want an object", areaKind(c)))
				lx.skip(1)
			}
		default:
			lx.skip(1)
		}
	}
	if lx.err == nil && lx.peek() != 0 {
		lx.fail("data after the feature")
	}
	if lx.err != nil {
		p.probs = p.probs[:0]
		p.problem("", geo.RuleNotJSON, "the feature is not valid JSON: "+lx.err.Error())
		out.problems = p.done()
		return
	}
	if !sawType {
		p.problem("type", geo.RuleNotGeoJSON, `feature has no "type"; want "Feature"`)
	}
	if !sawGeom {
		p.problem("geometry", geo.RuleGeometryType, "feature has no geometry; want Polygon or MultiPolygon")
	}
	if !pr.carrier {
		switch {
		case hdr.carrier != "":
			pr.area.Carrier = hdr.carrier
		case !hdr.carrierSet && p.cfg.carrier != "":
			// As in observations/v1: the uploader's carrier is the default.
			pr.area.Carrier = p.cfg.carrier
		case !hdr.carrierSet:
			p.problem("carrier", geo.RuleFieldMissing, `carrier is missing (give it per feature, or as a top-level "carrier" before "features")`)
		}
	}
	if pr.carrier && p.cfg.carrier == "" && hdr.carrier != "" && pr.area.Carrier != "" && pr.area.Carrier != hdr.carrier {
		// As in observations/v1: a feature may not speak for another carrier than its file.
		p.problem("carrier", geo.RuleCarrierMismatch, fmt.Sprintf("carrier %q differs from the file's carrier %q", pr.area.Carrier, hdr.carrier))
	}
	if !pr.tech {
		p.problem("technology", geo.RuleFieldMissing, "technology is missing (want 2g, 3g, 4g or 5g)")
	}
	if !pr.observed {
		p.problem("observed_at", geo.RuleFieldMissing, "observed_at is missing (want YYYY-MM-DD or an RFC 3339 instant)")
	}
	out.problems = p.done()
	if len(out.problems) == 0 && !(hdr.carrierSet && hdr.carrier == "" && !pr.carrier) {
		out.area = pr.area
		out.area.Geometry = p.build()
		out.ok = true
	}
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
	lx.pos++
	for first := true; lx.more(&first, '}'); {
		key := lx.key()
		c := lx.peek()
		if c == 'n' { // null counts as absent
			lx.skip(1)
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
					p.problem("technology", geo.RuleUnknownTechnology, fmt.Sprintf("technology %q is not 2g, 3g, 4g or 5g", v))
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
				m, ok := areaMethod(v)
				if !ok {
					p.problem("method", geo.RuleUnknownMethod, fmt.Sprintf("method %q is not one of %s", v, strings.Join(geo.Methods, ", ")))
				}
				pr.area.Method = m
			}
		case "min_rsrp_dbm":
			if v, ok := p.propNumber(c, "min_rsrp_dbm"); ok {
				if !(v >= -160 && v <= -30) {
					p.problem("min_rsrp_dbm", geo.RuleRSRPRange, fmt.Sprintf("min_rsrp_dbm %g is outside -160…-30", v))
				}
				pr.area.MinRSRPdBm = &v
			}
		case "min_dl_mbps":
			if v, ok := p.propNumber(c, "min_dl_mbps"); ok {
				if !(v >= 0) {
					p.problem("min_dl_mbps", geo.RuleDLNegative, fmt.Sprintf("min_dl_mbps %g is below 0", v))
				}
				pr.area.MinDLMbps = &v
			}
		default:
			lx.skip(2)
		}
	}
}

// propString reads a string property; a value of another type is a field_type problem.
func (p *areaParser) propString(c byte, field string) ([]byte, bool) {
	if c != '"' {
		p.problem(field, geo.RuleFieldType, fmt.Sprintf("%s is %s, want a string", field, areaKind(c)))
		p.lx.skip(2)
		return nil, false
	}
	return p.lx.str(), true
}

// propNumber reads a number property; a value of another type is a field_type problem.
func (p *areaParser) propNumber(c byte, field string) (float64, bool) {
	if c != '-' && (c < '0' || c > '9') {
		p.problem(field, geo.RuleFieldType, fmt.Sprintf("%s is %s, want a number", field, areaKind(c)))
		p.lx.skip(2)
		return 0, false
	}
	return p.lx.number(), true
}

// carrier checks a feature's own carrier against the configuration and the file's.
func (p *areaParser) carrier(v []byte, a *geo.CoverageArea) {
	name, ok := knownCarrier(p.cfg.carriers, v)
	switch {
	case !ok:
		p.problem("carrier", geo.RuleUnknownCarrier, fmt.Sprintf("carrier %q is not a configured carrier (%s)", v, strings.Join(p.cfg.carriers, ", ")))
	case p.cfg.carrier != "" && name != p.cfg.carrier:
		p.problem("carrier", geo.RuleCarrierMismatch, fmt.Sprintf("carrier %q differs from the uploader's carrier %q", name, p.cfg.carrier))
	}
	a.Carrier = name
}

// observedAt reads a date (00:00 in Vietnam) or an RFC 3339 instant with a zone.
func (p *areaParser) observedAt(v []byte) time.Time {
	if !bytes.Equal(v, p.lastTime) {
		p.lastTime = append(p.lastTime[:0], v...)
		s := string(v)
		var err error
		if len(s) == len(time.DateOnly) {
			p.lastTimeVal, err = time.ParseInLocation(time.DateOnly, s, geo.Vietnam)
		} else {
			p.lastTimeVal, err = time.Parse(time.RFC3339Nano, s)
		}
		p.lastTimeOK = err == nil
	}
	if !p.lastTimeOK {
		p.problem("observed_at", geo.RuleTimeUnparsable, fmt.Sprintf("observed_at %q is not a date (YYYY-MM-DD) or an RFC 3339 instant with a zone", v))
		return time.Time{}
	}
	if p.lastTimeVal.After(p.cfg.now) {
		p.problem("observed_at", geo.RuleTimeFuture, fmt.Sprintf("observed_at %s is after the time of upload %s", p.lastTimeVal.Format(time.RFC3339), p.cfg.now.Format(time.RFC3339)))
	}
	return p.lastTimeVal
}
