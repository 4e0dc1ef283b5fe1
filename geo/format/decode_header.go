package format

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/covmon/covmon/geo"
)

// This file checks a FeatureCollection's top-level members other than "features".

// checkCRS accepts a missing or null crs and a named crs meaning WGS84.
func (c *collection) checkCRS(raw json.RawMessage) {
	if isNull(raw) {
		return
	}
	var crs struct {
		Type       string `json:"type"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if raw[0] != '{' || json.Unmarshal(raw, &crs) != nil || crs.Type != "name" || crs.Properties.Name == "" {
		c.rep.add(-1, "", "crs", geo.RuleCRS, `want a named crs such as {"type": "name", "properties": {"name": "EPSG:4326"}}, got `+
			shorten(string(raw)))
		return
	}
	if isWGS84(crs.Properties.Name) {
		return
	}
	c.rep.add(-1, "", "crs", geo.RuleCRS, "not WGS84 longitude/latitude (reproject to EPSG:4326): "+quote(crs.Properties.Name))
}

// checkSchema checks covmon_schema against the format being decoded. A wrong schema makes the
// features' own problems meaningless, so they are dropped and no longer checked.
func (c *collection) checkSchema(raw json.RawMessage) {
	if isNull(raw) {
		return
	}
	s, ok := decodeString(raw)
	var reason string
	switch {
	case !ok:
		reason = "want a string such as " + strconv.Quote(c.schema) + ", got " + describe(raw)
	case s == c.schema:
		return
	default:
		name, _, _ := strings.Cut(s, "/")
		switch geo.UploadKind(name) {
		case c.kind:
			reason = "unknown version " + quote(s) + "; this covmon reads " + c.schema
		case geo.KindVillages, geo.KindObservations, geo.KindAreas:
			reason = "a " + quote(s) + " file where " + c.schema + " is expected"
		default:
			reason = "unknown covmon_schema " + quote(s) + "; want " + c.schema
		}
	}
	c.rep.add(-1, "", "covmon_schema", geo.RuleSchema, reason)
	c.wrongSchema = true
}
