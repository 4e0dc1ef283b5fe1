package format

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// geometry reads a feature's geometry member into the parser's scratch and validates it.
// raw is the whole feature, for re-reading coordinates that came before "type".
func (p *areaParser) geometry(raw []byte) {
	lx := &p.lx
	switch c := lx.Peek(); c {
	case 'n':
		lx.Literal("null")
		p.problem("geometry", geo.RuleGeometryType, reasonGeometryType("geometry is null", areaGeometryTypes, false))
		return
	case '{':
	default:
		p.problem("geometry", geo.RuleNotGeoJSON, "want a geometry object, got "+describe(p.value(1)))
		return
	}
	lx.Pos++
	typ := ""
	sawType, parsed := false, false
	cstart, cend := -1, -1
	var seen scan.KeySet
	for first := true; lx.More(&first, '}'); {
		switch string(p.key(&seen)) {
		case "type":
			sawType = true
			if lx.Peek() != '"' {
				p.problem("geometry", geo.RuleGeometryType, reasonGeometryType("geometry type is "+describe(p.value(2)), areaGeometryTypes, false))
				continue
			}
			typ = string(lx.Str())
		case "coordinates":
			if typ == "Polygon" || typ == "MultiPolygon" {
				p.multi = typ == "MultiPolygon"
				p.coords(lx)
				parsed = true
				continue
			}
			lx.SkipSpace()
			cstart = lx.Pos
			lx.Skip(2)
			cend = lx.Pos
		default:
			lx.Skip(2)
		}
	}
	if lx.Err != nil {
		return
	}
	switch {
	case !sawType:
		p.problem("geometry", geo.RuleGeometryType, reasonGeometryType(`geometry has no "type"`, areaGeometryTypes, false))
		return
	case !slices.Contains(geometryTypes, typ):
		p.problem("geometry", geo.RuleGeometryType, reasonGeometryType("unknown geometry type "+quote(typ), areaGeometryTypes, false))
		return
	case typ != "Polygon" && typ != "MultiPolygon":
		p.problem("geometry", geo.RuleGeometryType, reasonGeometryType(typ+" not allowed", areaGeometryTypes, false))
		return
	}
	if !parsed && cstart >= 0 {
		p.multi = typ == "MultiPolygon"
		sub := scan.Lexer{B: raw[:cend], Pos: cstart}
		p.coords(&sub)
		parsed = true
	}
	if !parsed {
		p.problem(coordsField, geo.RuleGeometryEmpty, typ+" has no coordinates")
		return
	}
	p.validate()
}

// coords reads Polygon or MultiPolygon coordinates (p.multi says which) into the scratch.
func (p *areaParser) coords(lx *scan.Lexer) {
	if c := lx.Peek(); c != '[' {
		p.notArray(lx, c, "coordinates")
		return
	}
	lx.Pos++
	if !p.multi {
		p.rings(lx, 0)
		return
	}
	pi := 0
	for first := true; lx.More(&first, ']'); pi++ {
		if c := lx.Peek(); c != '[' {
			p.notArray(lx, c, fmt.Sprintf("coordinates[%d]", pi))
			continue
		}
		lx.Pos++
		p.rings(lx, pi)
	}
}

// notArray reports badly nested coordinates and skips the value.
func (p *areaParser) notArray(lx *scan.Lexer, c byte, path string) {
	p.badCoord(c, path)
	lx.Skip(4)
}

// badCoord reports badly nested coordinates (once per feature), in the words of the other
// formats plus where: the value at path starts with c.
func (p *areaParser) badCoord(c byte, path string) {
	if !p.geomBad {
		typ := "Polygon"
		if p.multi {
			typ = "MultiPolygon"
		}
		p.problem(coordsField, geo.RuleNotGeoJSON, typ+" coordinates must be "+coordinateShapes[typ]+
			", found "+jsonKind([]byte{c})+" at "+path)
	}
	p.geomBad = true
}

// rings reads one polygon's array of rings (after its '[') and closes the polygon.
func (p *areaParser) rings(lx *scan.Lexer, pi int) {
	ri := 0
	for first := true; lx.More(&first, ']'); ri++ {
		if c := lx.Peek(); c != '[' {
			p.notArray(lx, c, p.path(pi, ri))
			continue
		}
		lx.Pos++
		k := 0
		for first := true; lx.More(&first, ']'); k++ {
			if c := lx.Peek(); c != '[' {
				p.notArray(lx, c, fmt.Sprintf("%s[%d]", p.path(pi, ri), k))
				continue
			}
			lx.Pos++
			p.position(lx, pi, ri, k)
		}
		p.ringEnds = append(p.ringEnds, len(p.pts))
	}
	p.polyEnds = append(p.polyEnds, len(p.ringEnds))
}

// position reads the numbers of one position after its '['. A third (altitude) and further
// numbers are read and ignored.
func (p *areaParser) position(lx *scan.Lexer, pi, ri, k int) {
	var xy [2]float64
	n := 0
	for first := true; lx.More(&first, ']'); n++ {
		c := lx.Peek()
		if c != '-' && (c < '0' || c > '9') {
			p.badCoord(c, fmt.Sprintf("%s[%d][%d]", p.path(pi, ri), k, n))
			lx.Skip(5)
			continue
		}
		v := lx.Number()
		if n < 2 {
			xy[n] = v
		}
	}
	if n < 2 {
		if !p.geomBad {
			p.problem(coordsField, geo.RuleNotGeoJSON, p.loc(pi, ri, k).String()+": position has "+count(n, "number")+
				"; want [lon, lat] or [lon, lat, altitude]")
		}
		p.geomBad = true
	}
	p.pts = append(p.pts, orb.Point(xy))
}

// loc locates position k of ring ri of polygon pi in the words of every format.
func (p *areaParser) loc(pi, ri, k int) posLoc {
	if !p.multi {
		pi = -1
	}
	return posLoc{pi, ri, k}
}

// path formats the coordinates path of ring ri of polygon pi.
func (p *areaParser) path(pi, ri int) string {
	if p.multi {
		return fmt.Sprintf("coordinates[%d][%d]", pi, ri)
	}
	return fmt.Sprintf("coordinates[%d]", ri)
}

// validate checks the scratch geometry with the rules every format shares: non-empty, rings
// of at least 4 positions and closed, positions inside the country bounds (one problem per
// kind of bad position, naming the first and counting the others).
func (p *areaParser) validate() {
	if p.geomBad {
		return
	}
	add := func(rule, reason string) { p.problem(coordsField, rule, reason) }
	switch {
	case p.multi && len(p.polyEnds) == 0:
		add(geo.RuleGeometryEmpty, "MultiPolygon has no polygons")
		return
	case !p.multi && len(p.ringEnds) == 0:
		add(geo.RuleGeometryEmpty, "Polygon has no rings")
		return
	}
	var pos positionCheck
	b := p.cfg.bounds
	r0 := 0
	for pi, rend := range p.polyEnds {
		if p.multi && rend == r0 {
			add(geo.RuleGeometryEmpty, "polygon "+strconv.Itoa(pi)+" has no rings")
		}
		for ri := r0; ri < rend; ri++ {
			a := 0
			if ri > 0 {
				a = p.ringEnds[ri-1]
			}
			ring := p.pts[a:p.ringEnds[ri]]
			checkRing(ring, p.loc(pi, ri-r0, -1), add)
			for k, q := range ring {
				if q[0] >= b.Min[0] && q[0] <= b.Max[0] && q[1] >= b.Min[1] && q[1] <= b.Max[1] {
					continue // the common case, without the classification
				}
				pos.check(q, p.loc(pi, ri-r0, k), b)
			}
		}
		r0 = rend
	}
	pos.problems(b, add)
}

// build copies the scratch geometry into a MultiPolygon with three allocations: one array of
// positions, one of rings and one of polygons. Rings are capped so appending to one cannot
// overwrite the next.
func (p *areaParser) build() orb.MultiPolygon {
	pts := make([]orb.Point, len(p.pts))
	copy(pts, p.pts)
	rings := make([]orb.Ring, len(p.ringEnds))
	a := 0
	for i, e := range p.ringEnds {
		rings[i] = orb.Ring(pts[a:e:e])
		a = e
	}
	mp := make(orb.MultiPolygon, len(p.polyEnds))
	a = 0
	for i, e := range p.polyEnds {
		mp[i] = orb.Polygon(rings[a:e:e])
		a = e
	}
	return mp
}
