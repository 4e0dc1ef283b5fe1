package main

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// Vietnam's bounds as docs/formats.md states them (position_outside).
const minLon, maxLon, minLat, maxLat = 102.0, 117.9, 6.0, 23.5

var (
	reFive = regexp.MustCompile(`^[0-9]{5}$`)
	reID   = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

// verifyData checks the rules of docs/formats.md that the story does not: codes, positions,
// rings, ranges, dates and duplicate rows, so the files pass covmon's validator.
func verifyData(d *dataset) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	known := map[string]*geo.Village{}
	communes := map[string]string{}
	for i := range d.Villages {
		v := &d.Villages[i]
		if known[v.ID] != nil || !reID.MatchString(v.ID) {
			bad("village %s: duplicate or malformed ID", v.ID)
		}
		known[v.ID] = v
		if !reFive.MatchString(v.CommuneCode) || (v.LegacyCommuneCode != "" && !reFive.MatchString(v.LegacyCommuneCode)) {
			bad("village %s: malformed commune code", v.ID)
		}
		key := v.ProvinceCode + " " + v.CommuneName
		if c, ok := communes[v.CommuneCode]; ok && c != key {
			bad("commune %s is both %q and %q", v.CommuneCode, c, key)
		}
		communes[v.CommuneCode] = key
		if p := provinceByCode(v.ProvinceCode); p == nil || !p.contains(v.Center[0], v.Center[1], 0) {
			bad("village %s: centre %v outside its province", v.ID, v.Center)
		}
		if v.Households < 20 || v.Households > 250 {
			bad("village %s: %d households", v.ID, v.Households)
		}
		if poly, ok := v.Area.(orb.Polygon); ok {
			for _, ring := range poly {
				if len(ring) < 4 || !ring.Closed() {
					bad("village %s: ring of %d positions, closed %v", v.ID, len(ring), ring.Closed())
				}
				for _, p := range ring {
					if !inVietnam(p) {
						bad("village %s: area position %v outside Vietnam", v.ID, p)
					}
				}
			}
		}
	}
	for c := range d.Records {
		rows := map[geo.ObservationKey][]string{}
		for _, r := range d.Records[c] {
			v := known[r.VillageID]
			switch {
			case v == nil:
				bad("observation of unknown village %s", r.VillageID)
				continue
			case r.ObservedAt.Before(dayStart) || r.ObservedAt.After(lastObs):
				bad("observation of %s on %s: outside %s..%s", r.VillageID, day(r.ObservedAt), day(dayStart), day(lastObs))
			case !v.KnownAt(r.ObservedAt):
				bad("observation of %s on %s: before the village was found", r.VillageID, day(r.ObservedAt))
			case r.RSRPdBm != nil && (*r.RSRPdBm < -125 || *r.RSRPdBm > -70):
				bad("observation of %s: rsrp %v dBm", r.VillageID, *r.RSRPdBm)
			case r.DLMbps != nil && *r.DLMbps < 0:
				bad("observation of %s: dl %v Mbit/s", r.VillageID, *r.DLMbps)
			case r.At != nil && !inVietnam(*r.At):
				bad("observation of %s: position %v outside Vietnam", r.VillageID, *r.At)
			}
			k, at := r.Key(), day(r.ObservedAt)
			for _, seen := range rows[k] {
				if seen == at {
					bad("duplicate row %v on %s", k, at)
				}
			}
			rows[k] = append(rows[k], at)
		}
	}
	return errors.Join(errs...)
}

func inVietnam(p orb.Point) bool {
	return p[0] >= minLon && p[0] <= maxLon && p[1] >= minLat && p[1] <= maxLat
}
