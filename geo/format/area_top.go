package format

import (
	"errors"
	"fmt"
	"strings"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
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
	s.SkipBOM()
	c, ok := s.Peek()
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
	s.Next()
	var typ []byte // raw
	sawType, sawFeatures, sawSchema := false, false, false
	var seen scan.KeySet
	for first := true; ; first = false {
		c, ok := s.Peek()
		if !ok {
			return p.fatal(-1, scan.ErrEOF)
		}
		if c == '}' {
			s.Next()
			break
		}
		if !first {
			if err := s.Expect(','); err != nil {
				return p.fatal(-1, err)
			}
		}
		raw, err := s.Value()
		if err != nil {
			return p.fatal(-1, err)
		}
		var lx scan.Lexer
		lx.Reset(raw)
		key := string(lx.Str())
		if lx.Err == nil && lx.Peek() != 0 {
			lx.Fail("want a member name")
		}
		if lx.Err != nil {
			return p.fatal(-1, lx.Err)
		}
		if err := s.Expect(':'); err != nil {
			return p.fatal(-1, err)
		}
		if seen.Add([]byte(key)) {
			p.problem(-1, key, geo.RuleDuplicateKey, dupReason(key))
			if _, err := s.Value(); err != nil {
				return p.fatal(-1, err)
			}
			continue
		}
		if key == "features" {
			sawFeatures = true
			if !p.features() {
				return false
			}
			continue
		}
		raw, err = s.Value()
		if err != nil {
			return p.fatal(-1, err)
		}
		if d := checkDuplicates(raw); d != "" {
			p.problem(-1, key, geo.RuleDuplicateKey, dupReason(d))
		}
		lx.Reset(raw)
		switch key {
		case "type":
			sawType = true
			lx.Skip(0)
			typ = append(typ[:0], raw...)
		case "carrier":
			p.topCarrier(&lx, sawFeatures)
		case "covmon_schema":
			sawSchema = true
			lx.Skip(0)
			if why := reasonSchema(raw, AreaSchema, geo.KindAreas); lx.Err == nil && why != "" {
				p.problem(-1, "covmon_schema", geo.RuleSchema, why)
			}
		case "crs":
			lx.Skip(0)
			if why := reasonCRS(raw); lx.Err == nil && why != "" {
				p.problem(-1, "crs", geo.RuleCRS, why)
			}
		case "extent":
			lx.Skip(0)
			if lx.Err == nil {
				p.topExtent(raw)
			}
		default:
			lx.Skip(0)
		}
		if lx.Err == nil && lx.Peek() != 0 {
			lx.Fail("data after the value")
		}
		if lx.Err != nil {
			return p.fatal(-1, lx.Err)
		}
	}
	_ = sawSchema // absent means areas/v1 (docs/formats.md)
	if c, ok := s.Peek(); ok {
		p.problem(-1, "", geo.RuleNotJSON, fmt.Sprintf("offset %d: data after the FeatureCollection: %q", s.Offset(), c))
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
	if p.s.ReadErr() != nil {
		return false
	}
	if errors.Is(err, scan.ErrEOF) {
		err = p.s.Syntax(err)
	}
	p.problem(feature, "", geo.RuleNotJSON, "the file is not valid JSON: "+err.Error())
	return false
}

// features cuts the features array. Elements are not checked here: the workers do that.
func (p *areaProducer) features() bool {
	s := &p.s
	c, ok := s.Peek()
	if !ok {
		return p.fatal(-1, scan.ErrEOF)
	}
	if c != '[' {
		raw, err := s.Value()
		if err != nil {
			return p.fatal(-1, err)
		}
		p.problem(-1, "features", geo.RuleNotGeoJSON, "want an array of features, got "+jsonKind(raw))
		return true
	}
	s.Next()
	for first := true; ; first = false {
		c, ok := s.Peek()
		if !ok {
			return p.fatal(p.n, scan.ErrEOF)
		}
		if c == ']' {
			s.Next()
			p.readArray = true
			return true
		}
		if !first {
			if err := s.Expect(','); err != nil {
				return p.fatal(p.n, err)
			}
		}
		raw, err := s.Value()
		if err != nil {
			return p.fatal(p.n, err)
		}
		if !p.add(raw) {
			return false
		}
	}
}

// topCarrier reads the collection's carrier, the default for features without their own.
func (p *areaProducer) topCarrier(lx *scan.Lexer, late bool) {
	raw := lx.B
	lx.Skip(0)
	if lx.Err != nil || isNull(raw) { // null is absent, as in observations/v1
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
