package format

import (
	"encoding/json"

	"github.com/covmon/covmon/geo"
)

// This file checks a FeatureCollection's top-level members other than "features".

// checkCRS accepts a missing or null crs and a named crs meaning WGS84.
func (c *collection) checkCRS(raw json.RawMessage) {
	if reason := reasonCRS(raw); reason != "" {
		c.rep.add(-1, "", "crs", geo.RuleCRS, reason)
	}
}

// checkSchema checks covmon_schema against the format being decoded. A wrong schema makes the
// features' own problems meaningless, so they are dropped and no longer checked.
func (c *collection) checkSchema(raw json.RawMessage) {
	if reason := reasonSchema(raw, c.schema, c.kind); reason != "" {
		c.rep.add(-1, "", "covmon_schema", geo.RuleSchema, reason)
		c.wrongSchema = true
	}
}
