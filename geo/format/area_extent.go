package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/covmon/covmon/geo"
)

// Code lengths of the 2025 reform, as an extent lists them.
const (
	extentProvinceLen = 2
	extentCommuneLen  = 5
)

// topExtent reads the collection's "extent" member (raw is its value, valid JSON): the
// provinces, communes and polygon the file speaks for. Problems name the field
// (extent.provinces[1], extent.geometry); an unknown province or commune is unknown_province
// or unknown_commune. "extent": null is no extent. The extent is small: it is decoded whole.
func (p *areaProducer) topExtent(raw []byte) {
	if isNull(raw) {
		return
	}
	var members map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &members) != nil {
		p.problem(-1, "extent", geo.RuleFieldType, reasonWrongType("an object with provinces, communes or geometry", raw))
		return
	}
	e := &geo.AreaExtent{}
	ok := true
	for _, k := range []string{"provinces", "communes"} {
		v, there := members[k]
		if !there || isNull(v) {
			continue
		}
		n, known, rule, what := extentProvinceLen, p.cfg.knownProvince, geo.RuleUnknownProvince, "province"
		if k == "communes" {
			n, known, rule, what = extentCommuneLen, p.cfg.knownCommune, geo.RuleUnknownCommune, "commune"
		}
		codes, good := p.extentCodes(v, "extent."+k, what, n, known, rule)
		ok = ok && good
		if k == "provinces" {
			e.Provinces = codes
		} else {
			e.Communes = codes
		}
	}
	if g, there := members["geometry"]; there && !isNull(g) {
		ap := newAreaParser(p.cfg)
		ap.index = -1
		ap.lx.Reset(g)
		ap.geometry(g)
		for _, q := range ap.probs {
			p.problem(-1, "extent."+q.Field, q.Rule, q.Reason)
			ok = false
		}
		if len(ap.probs) == 0 {
			e.Geometry = ap.build()
		}
	}
	switch {
	case !ok:
	case len(e.Provinces) == 0 && len(e.Communes) == 0 && len(e.Geometry) == 0:
		p.problem(-1, "extent", geo.RuleFieldMissing,
			"the extent names no province, commune or geometry; give at least one, or leave the extent out for a national layer")
	default:
		p.extent = e
	}
}

// extentCodes reads an array of codes of n digits, each known to the registry; the result is
// sorted, without repeats.
func (p *areaProducer) extentCodes(raw json.RawMessage, field, what string, n int, known func(string) bool, rule string) ([]string, bool) {
	var elems []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &elems) != nil {
		p.problem(-1, field, geo.RuleFieldType, reasonWrongType(fmt.Sprintf("an array of %d-digit %s codes", n, what), raw))
		return nil, false
	}
	var codes []string
	ok := true
	for i, el := range elems {
		f := fmt.Sprintf("%s[%d]", field, i)
		code, isStr := decodeString(bytes.TrimSpace(el))
		switch {
		case !isStr:
			p.problem(-1, f, geo.RuleFieldType, reasonWrongType(fmt.Sprintf("a %d-digit %s code as a string", n, what), el))
			ok = false
		case len(code) != n || strings.Trim(code, "0123456789") != "":
			p.problem(-1, f, geo.RuleFieldInvalid, fmt.Sprintf("want a %d-digit %s code (2025 codes), got %s", n, what, quote(code)))
			ok = false
		case known != nil && !known(code):
			p.problem(-1, f, rule, fmt.Sprintf("no village of the registry is in %s %s; check the code (2025 codes)", what, quote(code)))
			ok = false
		case !slices.Contains(codes, code):
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	return codes, ok
}
