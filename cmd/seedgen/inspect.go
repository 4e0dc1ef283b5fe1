package main

import (
	"slices"
	"time"

	"github.com/covmon/covmon/geo"
)

// Inspections (SYNTHETIC): the provincial departments' drive tests of autumn 2026, independent
// measurements of the carriers' latest claims. They are made without randomness from the
// claims at the end of the story, so adding them left the rest of the story as it was; they
// change no status under the default trust rule (claims), only flag discrepancies.
var (
	inspectFrom   = date(2026, 9, 1) // the first inspection day; they spread over 45 days
	claimsBefore  = date(2026, 7, 1) // only claims older than this are inspected (so the inspection is newer)
	confirmEvery  = 50               // every 50th inspectable claim of signal is confirmed …
	contradictAt  = 25               // … and the 25th of each 50 contradicted, at most maxContradict times
	maxContradict = 5
)

// inspect returns the inspections: for the villages' latest claims of signal made before
// claimsBefore (in village, carrier, technology order), every confirmEvery-th is confirmed and
// a few contradicted (measured dark); and the first dead zone whose carrier claims no signal
// is measured with signal (an understated claim: the carrier's report is out of date).
func (d *dataset) inspect() []record {
	latest := d.history().latest(dayEnd)
	pol := geo.DefaultPolicy()
	var out []record
	k, contradicted, understated := 0, 0, false
	for i := range d.Villages {
		v := &d.Villages[i]
		claims := slices.Clone(latest[v.ID])
		slices.SortFunc(claims, func(a, b geo.Observation) int {
			if a.Carrier != b.Carrier {
				return compare(a.Carrier, b.Carrier)
			}
			return int(a.Technology - b.Technology)
		})
		for _, c := range claims {
			if !c.ObservedAt.Before(claimsBefore) {
				continue
			}
			covered := pol.Counts(&c)
			if !covered {
				if !understated && v.GridPower && !slices.ContainsFunc(claims, func(o geo.Observation) bool { return pol.Counts(&o) }) {
					understated = true
					out = append(out, inspection(v, c, true, inspectFrom.AddDate(0, 0, 20), -108))
				}
				continue
			}
			switch {
			case k%confirmEvery == 0:
				out = append(out, inspection(v, c, true, inspectFrom.AddDate(0, 0, k%45), -92-float64(k%13)))
			case k%confirmEvery == contradictAt && contradicted < maxContradict:
				contradicted++
				out = append(out, inspection(v, c, false, inspectFrom.AddDate(0, 0, k%45), 0))
			}
			k++
			break // one inspection per village
		}
	}
	return out
}

// inspection is an independent measurement of claim c's series at village v on day at, with
// RSRP rsrp (4G and 5G with signal).
func inspection(v *geo.Village, c geo.Observation, signal bool, at time.Time, rsrp float64) record {
	o := geo.Observation{VillageID: v.ID, Carrier: c.Carrier, Technology: c.Technology, HasSignal: signal,
		ObservedAt: at, Method: "drive_test", Source: geo.SourceIndependent, Inspector: "Sở KH&CN " + v.ProvinceName}
	if signal && c.Technology >= geo.Tech4G {
		o.RSRPdBm = ptr(rsrp)
	}
	p := v.Center
	return record{Observation: o, At: &p}
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// measuredAt returns, per village, the latest inspection of each carrier × technology at or
// before asOf.
func (d *dataset) measuredAt(asOf time.Time) map[string][]geo.Observation {
	h := history{}
	for _, r := range d.Inspections {
		h[r.VillageID] = append(h[r.VillageID], r.Observation)
	}
	for _, obs := range h {
		slices.SortStableFunc(obs, func(a, b geo.Observation) int { return a.ObservedAt.Compare(b.ObservedAt) })
	}
	return h.latest(asOf)
}

// inspectionFeature is one independent measurement in observations/v1.
type inspectionFeature struct {
	Type       string          `json:"type"`
	Geometry   *geometry       `json:"geometry"`
	Properties inspectionProps `json:"properties"`
}

type inspectionProps struct {
	VillageID  string   `json:"village_id"`
	Carrier    string   `json:"carrier"`
	Technology string   `json:"technology"`
	HasSignal  bool     `json:"has_signal"`
	RSRPdBm    *decimal `json:"rsrp_dbm,omitempty"`
	ObservedAt string   `json:"observed_at"`
	Method     string   `json:"method"`
	Inspector  string   `json:"inspector"`
}

// encodeInspections writes inspections.geojson: observations/v1 with "source_role":
// "independent", the measured carrier and the inspector per feature.
func encodeInspections(records []record) ([]byte, error) {
	features := make([]any, len(records))
	for i := range records {
		r := &records[i]
		features[i] = inspectionFeature{Type: "Feature", Geometry: &geometry{Type: "Point", Coordinates: pos(*r.At)},
			Properties: inspectionProps{VillageID: r.VillageID, Carrier: r.Carrier, Technology: r.Technology.String(), HasSignal: r.HasSignal,
				RSRPdBm: (*decimal)(r.RSRPdBm), ObservedAt: day(r.ObservedAt), Method: r.Method, Inspector: r.Inspector}}
	}
	return collection([]string{"covmon_schema", "observations/v1", "source_role", geo.SourceIndependent, "notice", notice}, features)
}
