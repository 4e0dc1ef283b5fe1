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
			p.problem(-1, "", geo.RuleNotGeoJSON, "want a GeoJSON FeatureCollection object, got "+jsonKind([]byte{c}))
		}
		return false
	}
	s.start++
	var typ []byte // raw
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
				p.problem(-1, "features", geo.RuleNotGeoJSON, `"features" appears more than once`)
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
			lx.skip(0)
			typ = append(typ[:0], raw...)
		case "carrier":
			p.topCarrier(&lx, sawFeatures)
		case "covmon_schema":
			sawSchema = true
			lx.skip(0)
			if why := reasonSchema(raw, AreaSchema, geo.KindAreas); lx.err == nil && why != "" {
				p.problem(-1, "covmon_schema", geo.RuleSchema, why)
			}
		case "crs":
			lx.skip(0)
			if why := reasonCRS(raw); lx.err == nil && why != "" {
				p.problem(-1, "crs", geo.RuleCRS, why)
			}
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
		p.problem(-1, "type", geo.RuleNotGeoJSON, `missing "type": "FeatureCollection"`)
	case !isString(typ, "FeatureCollection"):
		p.problem(-1, "type", geo.RuleNotGeoJSON, `want "FeatureCollection", got `+describe(typ))
	}
	if !sawFeatures {
		p.problem(-1, "features", geo.RuleNotGeoJSON, `missing "features" array`)
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
		p.problem(-1, "features", geo.RuleNotGeoJSON, "want an array of features, got "+jsonKind(raw))
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

// topCarrier reads the collection's carrier, the default for features without their own.
func (p *areaProducer) topCarrier(lx *areaLexer, late bool) {
	raw := lx.b
	lx.skip(0)
	if lx.err != nil || isNull(raw) { // null is absent, as in observations/v1
		return
	}
	h := &areaHeader{carrierSet: true}
	switch name, ok := decodeString(raw); {
	case !ok:
		p.problem(-1, "carrier", geo.RuleFieldType, reasonWrongType("a string", raw))
	default:
		if c, known := knownCarrier(p.cfg.carriers, name); !known {
			p.problem(-1, "carrier", geo.RuleUnknownCarrier, reasonUnknownCarrier(name, p.cfg.carriers))
		} else if p.cfg.carrier != "" && c != p.cfg.carrier {
			p.problem(-1, "carrier", geo.RuleCarrierMismatch, reasonNotUploader(c, p.cfg.carrier, true))
		} else {
			h.carrier = c
		}
	}
	if !late {
		p.hdr = h
	}
}
