package format

import (
	"strconv"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// posLoc locates a position inside a geometry: polygon (in a MultiPolygon), ring and position
// index, each -1 when it does not apply.
type posLoc struct{ poly, ring, pos int }

// String renders the location as "polygon 1 ring 0 position 3", omitting parts that are -1.
func (l posLoc) String() string {
	var b []byte
	add := func(word string, n int) {
		if n < 0 {
			return
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, word...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	add("polygon", l.poly)
	add("ring", l.ring)
	add("position", l.pos)
	return string(b)
}

// Position classes, in the order their problems are reported.
const (
	posRange = iota
	posSwapped
	posOutside
	posClasses
)

// positionCheck classifies positions against a bound, remembering the first offender of each
// class and how many there were, so that a polygon drawn with swapped axes yields one problem,
// not one per vertex.
type positionCheck struct {
	first [posClasses]struct {
		p   orb.Point
		loc posLoc
	}
	count [posClasses]int
}

// classify returns the class of p, or -1 when p is fine. A position outside b that lies inside
// once longitude and latitude are swapped is posSwapped even when its latitude is out of range:
// [21.0, 105.8] is a swap, not a bad latitude.
func classify(p orb.Point, b orb.Bound) int {
	switch {
	case b.Contains(p):
		return -1
	case b.Contains(orb.Point{p[1], p[0]}):
		return posSwapped
	case p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90:
		return posRange
	}
	return posOutside
}

func (c *positionCheck) check(p orb.Point, loc posLoc, b orb.Bound) {
	k := classify(p, b)
	if k < 0 {
		return
	}
	if c.count[k] == 0 {
		c.first[k].p, c.first[k].loc = p, loc
	}
	c.count[k]++
}

// bad reports whether any position failed.
func (c *positionCheck) bad() bool {
	return c.count[posRange]+c.count[posSwapped]+c.count[posOutside] > 0
}

// report records one problem per class found, for field.
func (c *positionCheck) report(f *featureReport, field string, b orb.Bound) {
	c.problems(b, func(rule, reason string) { f.add(field, rule, reason) })
}

// problems calls add with one problem per class found: the first offending position, where
// it is, and how many more there were.
func (c *positionCheck) problems(b orb.Bound, add func(rule, reason string)) {
	region := "the country bounds"
	if b == VietnamBounds {
		region = "Vietnam"
	}
	rules := [posClasses]string{geo.RulePositionRange, geo.RulePositionSwapped, geo.RulePositionOutside}
	for k := range posClasses {
		if c.count[k] == 0 {
			continue
		}
		p, loc := c.first[k].p, c.first[k].loc
		var reason string
		switch k {
		case posRange:
			if p[0] < -180 || p[0] > 180 {
				reason = "longitude " + fmtNum(p[0]) + " outside -180..180: " + fmtPos(p[0], p[1])
			} else {
				reason = "latitude " + fmtNum(p[1]) + " outside -90..90: " + fmtPos(p[0], p[1])
			}
		case posSwapped:
			reason = "latitude " + fmtNum(p[1]) + " and longitude " + fmtNum(p[0]) + " look swapped: " +
				fmtPos(p[0], p[1]) + " lies in " + region + " as " + fmtPos(p[1], p[0])
		case posOutside:
			reason = fmtPos(p[0], p[1]) + " lies outside " + region + " (lon " + fmtNum(b.Min[0]) + ".." +
				fmtNum(b.Max[0]) + ", lat " + fmtNum(b.Min[1]) + ".." + fmtNum(b.Max[1]) + ")"
		}
		if s := loc.String(); s != "" {
			reason = s + ": " + reason
		}
		switch n := c.count[k] - 1; n {
		case 0:
		case 1:
			reason += " (and 1 more position)"
		default:
			reason += " (and " + strconv.Itoa(n) + " more positions)"
		}
		add(rules[k], reason)
	}
}
