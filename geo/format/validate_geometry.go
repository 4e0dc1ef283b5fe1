package format

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// rawGeometry is a GeoJSON geometry object, its members kept raw so that every defect can be
// reported precisely.
type rawGeometry struct {
	Type        json.RawMessage `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// geometryMembers are the geometry members read, by exact name.
var geometryMembers = []string{"type", "coordinates"}

// geometryTypes are the geometry types of RFC 7946.
var geometryTypes = []string{
	"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection",
}

// geometryCheck validates one feature's geometry against the format's allowed types and the
// country bounds.
type geometryCheck struct {
	f       *featureReport
	allowed []string // allowed types, e.g. Point, Polygon, MultiPolygon
	bounds  orb.Bound
	ok      bool // no problem found so far
	pos     positionCheck
}

// geometry validates raw (the feature's "geometry" member) and returns it as an orb geometry.
// A null or absent geometry is allowed when required is false (it returns nil, true). ok is
// false when a problem was recorded.
func (f *featureReport) geometry(raw json.RawMessage, allowed []string, required bool, bounds orb.Bound) (orb.Geometry, bool) {
	typeProblem := func(what string) {
		f.add("geometry", geo.RuleGeometryType, reasonGeometryType(what, allowed, !required))
	}
	if isNull(raw) {
		if !required {
			return nil, true
		}
		what := "no geometry"
		if len(raw) > 0 {
			what = "geometry is null"
		}
		typeProblem(what)
		return nil, false
	}
	var g rawGeometry
	var lx scan.Lexer
	if _, ok := splitObject(&lx, raw, geometryMembers, []*json.RawMessage{&g.Type, &g.Coordinates}); !ok {
		f.add("geometry", geo.RuleNotGeoJSON, "want a geometry object, got "+describe(raw))
		return nil, false
	}
	typ, ok := decodeString(g.Type)
	switch {
	case isNull(g.Type):
		typeProblem(`geometry has no "type"`)
		return nil, false
	case !ok:
		typeProblem("geometry type is " + describe(g.Type))
		return nil, false
	case !slices.Contains(geometryTypes, typ):
		typeProblem("unknown geometry type " + quote(typ))
		return nil, false
	case !slices.Contains(allowed, typ):
		typeProblem(typ + " not allowed")
		return nil, false
	}
	c := geometryCheck{f: f, allowed: allowed, bounds: bounds, ok: true}
	geom := c.coordinates(typ, g.Coordinates)
	c.pos.report(f, "geometry.coordinates", bounds)
	if !c.ok || c.pos.bad() {
		return nil, false
	}
	return geom, true
}

// coordinateShapes describes the expected nesting of each allowed type's coordinates.
var coordinateShapes = map[string]string{
	"Point":        "a [lon, lat] position",
	"Polygon":      "an array of rings of [lon, lat] positions",
	"MultiPolygon": "an array of polygons, each an array of rings of [lon, lat] positions",
}

// coordinates parses and checks the coordinates of a Point, Polygon or MultiPolygon.
func (c *geometryCheck) coordinates(typ string, raw json.RawMessage) orb.Geometry {
	const field = "geometry.coordinates"
	if isNull(raw) {
		c.fail(field, geo.RuleGeometryEmpty, typ+" has no coordinates")
		return nil
	}
	var err error
	var geom orb.Geometry
	switch typ {
	case "Point":
		var arr [3]float64
		p, fast := pointFast(raw, &arr)
		if !fast {
			var slow []float64 // its own variable: arr stays on the stack
			err = json.Unmarshal(raw, &slow)
			p = slow
		}
		if err == nil {
			if len(p) == 0 {
				c.fail(field, geo.RuleGeometryEmpty, "Point has no coordinates")
				return nil
			}
			pt, _ := c.position(p, posLoc{-1, -1, -1})
			geom = pt
		}
	case "Polygon":
		var rings [][][]float64
		if err = json.Unmarshal(raw, &rings); err == nil {
			if len(rings) == 0 {
				c.fail(field, geo.RuleGeometryEmpty, "Polygon has no rings")
				return nil
			}
			geom = c.polygon(rings, -1)
		}
	case "MultiPolygon":
		var polys [][][][]float64
		if err = json.Unmarshal(raw, &polys); err == nil {
			if len(polys) == 0 {
				c.fail(field, geo.RuleGeometryEmpty, "MultiPolygon has no polygons")
				return nil
			}
			mp := make(orb.MultiPolygon, 0, len(polys))
			for i, rings := range polys {
				if len(rings) == 0 {
					c.fail(field, geo.RuleGeometryEmpty, "polygon "+strconv.Itoa(i)+" has no rings")
					continue
				}
				mp = append(mp, c.polygon(rings, i))
			}
			geom = mp
		}
	}
	if err != nil {
		found := jsonKind(raw)
		if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) {
			found = te.Value
		}
		c.fail(field, geo.RuleNotGeoJSON, typ+" coordinates must be "+coordinateShapes[typ]+", found "+found)
		return nil
	}
	return geom
}

// pointFast reads the commonest Point coordinates, [lon, lat] or [lon, lat, alt] with plain
// JSON numbers, into arr without encoding/json. It returns ok false for anything else (other
// arity, syntax, a number strconv refuses), which then takes json.Unmarshal's path: the result
// is the same as json.Unmarshal's whenever ok is true (TestPointFast).
func pointFast(raw []byte, arr *[3]float64) (p []float64, ok bool) {
	i := skipJSONSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	n := 0
	for {
		i = skipJSONSpace(raw, i+1)
		end := jsonNumberEnd(raw, i)
		if end <= i || n == len(arr) {
			return nil, false
		}
		v, err := strconv.ParseFloat(string(raw[i:end]), 64)
		if err != nil {
			return nil, false
		}
		arr[n] = v
		n++
		i = skipJSONSpace(raw, end)
		if i >= len(raw) {
			return nil, false
		}
		if raw[i] == ']' {
			break
		}
		if raw[i] != ',' {
			return nil, false
		}
	}
	if skipJSONSpace(raw, i+1) != len(raw) || n < 2 {
		return nil, false
	}
	return arr[:n], true
}

// skipJSONSpace returns the index of the first byte at or after i that is not JSON white space.
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonNumberEnd returns the end of the JSON number (RFC 8259 grammar) starting at i, or i when
// none starts there.
func jsonNumberEnd(b []byte, i int) int {
	start := i
	digits := func() int {
		k := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - k
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return start
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return start
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return start
		}
	}
	return i
}

// polygon checks the rings of one polygon (poly is its index in a MultiPolygon, or -1).
func (c *geometryCheck) polygon(rings [][][]float64, poly int) orb.Polygon {
	const field = "geometry.coordinates"
	out := make(orb.Polygon, 0, len(rings))
	for r, ring := range rings {
		rg := make(orb.Ring, 0, len(ring))
		valid := true
		for k, p := range ring {
			pt, ok := c.position(p, posLoc{poly, r, k})
			valid = valid && ok
			rg = append(rg, pt)
		}
		checkRing(rg, posLoc{poly, r, -1}, func(rule, reason string) {
			if rule == geo.RuleRingShort || valid {
				c.fail(field, rule, reason)
			}
		})
		out = append(out, rg)
	}
	return out
}

// position checks one position's arity and records it for the range and bounds checks.
func (c *geometryCheck) position(p []float64, loc posLoc) (orb.Point, bool) {
	if len(p) < 2 || len(p) > 3 {
		prefix := loc.String()
		if prefix != "" {
			prefix += ": "
		}
		c.fail("geometry.coordinates", geo.RuleNotGeoJSON, prefix+"position has "+count(len(p), "number")+
			"; want [lon, lat] or [lon, lat, altitude]")
		return orb.Point{}, false
	}
	pt := orb.Point{p[0], p[1]}
	c.pos.check(pt, loc, c.bounds)
	return pt, true
}

func (c *geometryCheck) fail(field, rule, reason string) {
	c.ok = false
	c.f.add(field, rule, reason)
}
