package format

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/covmon/covmon/geo"
)

// run reads the FeatureCollection's top level and cuts the features array into batches.
// Syntax errors outside a feature's own brackets are fatal: the rest cannot be framed.
func (p *areaProducer) run() {
	p.hdr = &areaHeader{}
	p.top()
	p.flush()
}

// top returns false after a fatal problem.
func (p *areaProducer) top() bool {
	s := &p.s
	s.fill()
	if s.end-s.start >= 3 && bytes.Equal(s.buf[s.start:s.start+3], []byte{0xEF, 0xBB, 0xBF}) {
		s.start += 3
	}
	c, ok := s.peek()
	switch {
	case !ok:
		p.problem(-1, "", geo.RuleNotJSON, "the file is empty")
		return false
	case c != '{':
		// Do not read the value: a top-level array could be the whole file.
		if strings.IndexByte(`["-0123456789tfn`, c) < 0 {
			p.problem(-1, "", geo.RuleNotJSON, fmt.Sprintf("the file is not JSON: it starts with %q", c))
		} else {
			p.problem(-1, "", geo.RuleNotGeoJSON, fmt.Sprintf("the file is %s, not a GeoJSON FeatureCollection object", areaKind(c)))
		}
		return false
	}
	s.start++
	var typ string
	sawType, sawFeatures, sawSchema := false, false, false
	for first := true; ; first = false {
		c, ok := s.peek()
		if !ok {
			return p.fatal(-1, errAreaEOF)
		}
		if c == '}' {
			s.start++
			break
		}
		if !first {
			if err := s.expect(','); err != nil {
				return p.fatal(-1, err)
			}
		}
		raw, err := s.value()
		if err != nil {
			return p.fatal(-1, err)
		}
		var lx areaLexer
		lx.reset(raw)
		key := string(lx.str())
		if lx.err == nil && lx.peek() != 0 {
			lx.fail("want a member name")
		}
		if lx.err != nil {
			return p.fatal(-1, lx.err)
		}
		if err := s.expect(':'); err != nil {
			return p.fatal(-1, err)
		}
		if key == "features" {
			if sawFeatures {
				p.problem(-1, "features", geo.RuleNotGeoJSON, `"features" appears twice`)
			}
			sawFeatures = true
			if !p.features() {
				return false
			}
			continue
		}
		raw, err = s.value()
		if err != nil {
			return p.fatal(-1, err)
		}
		lx.reset(raw)
		switch key {
		case "type":
			sawType = true
			typ = p.topString(&lx, "type", geo.RuleNotGeoJSON)
		case "carrier":
			p.topCarrier(&lx, sawFeatures)
		case "covmon_schema":
			sawSchema = true
			if v := p.topString(&lx, "covmon_schema", geo.RuleSchema); lx.err == nil && v != AreaSchema {
				p.problem(-1, "covmon_schema", geo.RuleSchema, fmt.Sprintf("covmon_schema is %q, want %q", v, AreaSchema))
			}
		case "crs":
			p.topCRS(&lx)
		default:
			lx.skip(0)
		}
		if lx.err == nil && lx.peek() != 0 {
			lx.fail("data after the value")
		}
		if lx.err != nil {
			return p.fatal(-1, lx.err)
		}
	}
	_ = sawSchema // absent means areas/v1 (docs/formats.md)
	if c, ok := s.peek(); ok {
		p.problem(-1, "", geo.RuleNotJSON, fmt.Sprintf("offset %d: data after the FeatureCollection: %q", s.offset(), c))
		return false
	}
	switch {
	case !sawType:
		p.problem(-1, "type", geo.RuleNotGeoJSON, `the collection has no "type"; want "FeatureCollection"`)
	case typ != "FeatureCollection":
		p.problem(-1, "type", geo.RuleNotGeoJSON, fmt.Sprintf("type is %q, want \"FeatureCollection\"", typ))
	}
	if !sawFeatures {
		p.problem(-1, "features", geo.RuleNotGeoJSON, `the collection has no "features" array`)
	}
	return true
}

// fatal records a syntax (or read) error as not_json and stops.
func (p *areaProducer) fatal(feature int, err error) bool {
	if p.s.rerr != nil {
		return false
	}
	if errors.Is(err, errAreaEOF) {
		err = p.s.syntax(err)
	}
	p.problem(feature, "", geo.RuleNotJSON, "the file is not valid JSON: "+err.Error())
	return false
}

// features cuts the features array. Elements are not checked here: the workers do that.
func (p *areaProducer) features() bool {
	s := &p.s
	c, ok := s.peek()
	if !ok {
		return p.fatal(-1, errAreaEOF)
	}
	if c != '[' {
		raw, err := s.value()
		if err != nil {
			return p.fatal(-1, err)
		}
		p.problem(-1, "features", geo.RuleNotGeoJSON, fmt.Sprintf("features is %s, want an array", areaKind(raw[0])))
		return true
	}
	s.start++
	for first := true; ; first = false {
		c, ok := s.peek()
		if !ok {
			return p.fatal(p.n, errAreaEOF)
		}
		if c == ']' {
			s.start++
			return true
		}
		if !first {
			if err := s.expect(','); err != nil {
				return p.fatal(p.n, err)
			}
		}
		raw, err := s.value()
		if err != nil {
			return p.fatal(p.n, err)
		}
		if !p.add(raw) {
			return false
		}
	}
}

// topString reads a top-level member that must be a string.
func (p *areaProducer) topString(lx *areaLexer, field, rule string) string {
	if c := lx.peek(); c != '"' {
		lx.skip(0)
		p.problem(-1, field, rule, fmt.Sprintf("%s is %s, want a string", field, areaKind(c)))
		return ""
	}
	return string(lx.str())
}

// topCarrier reads the collection's carrier, the default for features without their own.
func (p *areaProducer) topCarrier(lx *areaLexer, late bool) {
	h := &areaHeader{carrierSet: true}
	if c := lx.peek(); c == '"' {
		raw := lx.str()
		if name, ok := knownCarrier(p.cfg.carriers, raw); !ok {
			p.problem(-1, "carrier", geo.RuleUnknownCarrier, fmt.Sprintf("carrier %q is not a configured carrier (%s)", raw, strings.Join(p.cfg.carriers, ", ")))
		} else if p.cfg.carrier != "" && name != p.cfg.carrier {
			p.problem(-1, "carrier", geo.RuleCarrierMismatch, fmt.Sprintf("the file is for carrier %q but was uploaded by %q", name, p.cfg.carrier))
		} else {
			h.carrier = name
		}
	} else {
		lx.skip(0)
		p.problem(-1, "carrier", geo.RuleFieldType, fmt.Sprintf("carrier is %s, want a string", areaKind(c)))
	}
	if !late {
		p.hdr = h
	}
}

// topCRS accepts only the names of WGS84 longitude/latitude.
func (p *areaProducer) topCRS(lx *areaLexer) {
	if lx.peek() == 'n' {
		lx.skip(0) // "crs": null is RFC 7946's own default
		return
	}
	name := ""
	if lx.peek() == '{' {
		lx.pos++
		for first := true; lx.more(&first, '}'); {
			if string(lx.key()) != "properties" || lx.peek() != '{' {
				lx.skip(1)
				continue
			}
			lx.pos++
			for first := true; lx.more(&first, '}'); {
				if string(lx.key()) == "name" && lx.peek() == '"' {
					name = string(lx.str())
					continue
				}
				lx.skip(2)
			}
		}
	} else {
		lx.skip(0)
	}
	if lx.err != nil || isWGS84(name) {
		return
	}
	p.problem(-1, geo.RuleCRS, geo.RuleCRS, fmt.Sprintf("crs %q is not WGS84 longitude/latitude (want %s)", name, wgs84Names[0]))
}
