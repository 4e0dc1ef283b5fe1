package format

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// geometry reads a feature's geometry member into the parser's scratch and validates it.
// raw is the whole feature, for re-reading coordinates that came before "type".
func (p *areaParser) geometry(raw []byte) {
	lx := &p.lx
	switch c := lx.peek(); c {
	case 'n':
		lx.literal("null")
		p.problem("geometry", geo.RuleGeometryType, "geometry is null; want Polygon or MultiPolygon")
		return
	case '{':
	default:
		p.problem("geometry", geo.RuleFieldType, fmt.Sprintf("geometry is %s, want an object", areaKind(c)))
		lx.skip(1)
		return
	}
	lx.pos++
	typ := ""
	sawType, parsed := false, false
	cstart, cend := -1, -1
	for first := true; lx.more(&first, '}'); {
		switch string(lx.key()) {
		case "type":
			sawType = true
			if lx.peek() != '"' {
				p.problem("geometry", geo.RuleGeometryType, fmt.Sprintf("geometry type is %s, want a string", areaKind(lx.peek())))
				lx.skip(2)
				continue
			}
			typ = string(lx.str())
		case "coordinates":
			if typ == "Polygon" || typ == "MultiPolygon" {
				p.multi = typ == "MultiPolygon"
				p.coords(lx)
				parsed = true
				continue
			}
			lx.ws()
			cstart = lx.pos
			lx.skip(2)
			cend = lx.pos
		default:
			lx.skip(2)
		}
	}
	if lx.err != nil {
		return
	}
	switch {
	case !sawType:
		p.problem("geometry", geo.RuleGeometryType, "geometry has no type; want Polygon or MultiPolygon")
		return
	case typ != "Polygon" && typ != "MultiPolygon":
		p.problem("geometry", geo.RuleGeometryType, fmt.Sprintf("geometry type %q is not allowed; want Polygon or MultiPolygon", typ))
		return
	}
	if !parsed && cstart >= 0 {
		p.multi = typ == "MultiPolygon"
		sub := areaLexer{b: raw[:cend], pos: cstart}
		p.coords(&sub)
		parsed = true
	}
	if !parsed {
		p.problem("geometry", geo.RuleGeometryEmpty, fmt.Sprintf("%s has no coordinates", typ))
		return
	}
	p.validate()
}

// coords reads Polygon or MultiPolygon coordinates (p.multi says which) into the scratch.
func (p *areaParser) coords(lx *areaLexer) {
	if c := lx.peek(); c != '[' {
		p.notArray(lx, c, "coordinates")
		return
	}
	lx.pos++
	if !p.multi {
		p.rings(lx, 0)
		return
	}
	pi := 0
	for first := true; lx.more(&first, ']'); pi++ {
		if c := lx.peek(); c != '[' {
			p.notArray(lx, c, fmt.Sprintf("coordinates[%d]", pi))
			continue
		}
		lx.pos++
		p.rings(lx, pi)
	}
}

// notArray reports a field_type problem (once per feature) and skips the value.
func (p *areaParser) notArray(lx *areaLexer, c byte, path string) {
	p.badCoord(c, "an array", path)
	lx.skip(4)
}

func (p *areaParser) badCoord(c byte, want, path string) {
	if !p.geomBad {
		p.problem("geometry", geo.RuleFieldType, fmt.Sprintf("%s is %s, want %s", path, areaKind(c), want))
	}
	p.geomBad = true
}

// rings reads one polygon's array of rings (after its '[') and closes the polygon.
func (p *areaParser) rings(lx *areaLexer, pi int) {
	ri := 0
	for first := true; lx.more(&first, ']'); ri++ {
		if c := lx.peek(); c != '[' {
			p.notArray(lx, c, p.path(pi, ri))
			continue
		}
		lx.pos++
		k := 0
		for first := true; lx.more(&first, ']'); k++ {
			if c := lx.peek(); c != '[' {
				p.notArray(lx, c, fmt.Sprintf("%s[%d]", p.path(pi, ri), k))
				continue
			}
			lx.pos++
			p.position(lx, pi, ri, k)
		}
		p.ringEnds = append(p.ringEnds, len(p.pts))
	}
	p.polyEnds = append(p.polyEnds, len(p.ringEnds))
}

// position reads the numbers of one position after its '['. A third (altitude) and further
// numbers are read and ignored.
func (p *areaParser) position(lx *areaLexer, pi, ri, k int) {
	var xy [2]float64
	n := 0
	for first := true; lx.more(&first, ']'); n++ {
		c := lx.peek()
		if c != '-' && (c < '0' || c > '9') {
			p.badCoord(c, "a number", fmt.Sprintf("%s[%d][%d]", p.path(pi, ri), k, n))
			lx.skip(5)
			continue
		}
		v := lx.number()
		if n < 2 {
			xy[n] = v
		}
	}
	if n < 2 {
		p.badCoord('[', "a position of at least 2 numbers", fmt.Sprintf("%s[%d]", p.path(pi, ri), k))
	}
	p.pts = append(p.pts, orb.Point(xy))
}

// path formats the coordinates path of ring ri of polygon pi.
func (p *areaParser) path(pi, ri int) string {
	if p.multi {
		return fmt.Sprintf("coordinates[%d][%d]", pi, ri)
	}
	return fmt.Sprintf("coordinates[%d]", ri)
}

// validate checks the scratch geometry: non-empty, rings closed with at least 4 positions,
// positions inside the country bounds.
func (p *areaParser) validate() {
	if p.geomBad {
		return
	}
	switch {
	case p.multi && len(p.polyEnds) == 0:
		p.problem("geometry", geo.RuleGeometryEmpty, "MultiPolygon has no polygons")
		return
	case !p.multi && len(p.ringEnds) == 0:
		p.problem("geometry", geo.RuleGeometryEmpty, "Polygon has no rings")
		return
	}
	r0 := 0
	for pi, rend := range p.polyEnds {
		if rend == r0 && p.multi {
			p.problem("geometry", geo.RuleGeometryEmpty, fmt.Sprintf("coordinates[%d]: polygon has no rings", pi))
		}
		for ri := r0; ri < rend; ri++ {
			a := 0
			if ri > 0 {
				a = p.ringEnds[ri-1]
			}
			p.ring(p.pts[a:p.ringEnds[ri]], pi, ri-r0)
		}
		r0 = rend
	}
}

func (p *areaParser) ring(r []orb.Point, pi, ri int) {
	path := p.path(pi, ri)
	if len(r) < 4 {
		p.problem("geometry", geo.RuleRingShort, fmt.Sprintf("%s: ring has %d positions, want at least 4", path, len(r)))
	} else if r[0] != r[len(r)-1] {
		p.problem("geometry", geo.RuleRingUnclosed, fmt.Sprintf("%s: ring is not closed: first position %s differs from last %s", path, areaFmt(r[0]), areaFmt(r[len(r)-1])))
	}
	b := p.cfg.bounds
	bad, first := 0, -1
	for k, q := range r {
		if q[0] >= b.Min[0] && q[0] <= b.Max[0] && q[1] >= b.Min[1] && q[1] <= b.Max[1] {
			continue
		}
		if bad == 0 {
			first = k
		}
		bad++
	}
	if bad == 0 {
		return
	}
	q := r[first]
	var rule, why string
	switch {
	case b.Contains(orb.Point{q[1], q[0]}):
		rule, why = geo.RulePositionSwapped, "is outside the country bounds but inside them with longitude and latitude swapped: write [lon, lat]"
	case !(q[0] >= -180 && q[0] <= 180 && q[1] >= -90 && q[1] <= 90):
		rule, why = geo.RulePositionRange, "is not a longitude/latitude (want lon -180…180, lat -90…90)"
	default:
		rule, why = geo.RulePositionOutside, fmt.Sprintf("is outside the country bounds (lon %g…%g, lat %g…%g)", b.Min[0], b.Max[0], b.Min[1], b.Max[1])
	}
	var more strings.Builder
	if bad > 1 {
		fmt.Fprintf(&more, " (%d more positions of this ring are outside too)", bad-1)
	}
	p.problem("geometry", rule, fmt.Sprintf("%s[%d]: position %s %s%s", path, first, areaFmt(q), why, more.String()))
}

func areaFmt(q orb.Point) string {
	if math.IsInf(q[0], 0) || math.IsInf(q[1], 0) {
		return fmt.Sprintf("[%v, %v]", q[0], q[1])
	}
	return fmt.Sprintf("[%g, %g]", q[0], q[1])
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
