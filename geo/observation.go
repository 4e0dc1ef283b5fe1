package geo

import (
	"slices"
	"time"
)

// Technology is a radio generation. The zero value is invalid.
type Technology int

// Technologies in increasing order: a comparison of two values compares generations.
const (
	Tech2G Technology = iota + 2
	Tech3G
	Tech4G
	Tech5G
)

// String returns the lower-case wire name: "2g", "3g", "4g" or "5g".
func (t Technology) String() string {
	switch t {
	case Tech2G:
		return "2g"
	case Tech3G:
		return "3g"
	case Tech4G:
		return "4g"
	case Tech5G:
		return "5g"
	}
	return "invalid"
}

// ParseTechnology reads a wire name ("2g".."5g", case-insensitive). ok is false otherwise.
func ParseTechnology(s string) (t Technology, ok bool) {
	switch s {
	case "2g", "2G":
		return Tech2G, true
	case "3g", "3G":
		return Tech3G, true
	case "4g", "4G":
		return Tech4G, true
	case "5g", "5G":
		return Tech5G, true
	}
	return 0, false
}

// Technologies lists every valid technology in increasing order.
var Technologies = []Technology{Tech2G, Tech3G, Tech4G, Tech5G}

// Methods are the ways a carrier can know a village's signal.
var Methods = []string{"drive_test", "model", "crowd", "on_air_report"}

// DefaultCarriers are the Vietnamese mobile carriers covmon knows out of the box. The list is
// configuration: operators may add MVNOs.
var DefaultCarriers = []string{"viettel", "vinaphone", "mobifone", "vietnamobile"}

// ValidMethod reports whether m is one of Methods.
func ValidMethod(m string) bool { return slices.Contains(Methods, m) }

// Observation is one carrier's report about one village on one technology at one instant.
// Observations are kept forever; status is derived from them, never stored over them.
type Observation struct {
	ID         int64
	VillageID  string
	Carrier    string
	Technology Technology
	HasSignal  bool
	// RSRPdBm (reference signal received power, 4G/5G) and DLMbps (download speed) are
	// optional measurements; nil when not reported.
	RSRPdBm    *float64
	DLMbps     *float64
	ObservedAt time.Time
	Method     string
	// AreaShare is the share (0…1) of the village's settled area that the carrier's coverage
	// areas cover, for an observation made from an areas/v1 upload of a village with a settled
	// area; nil for per-village reports and villages known only by their centre.
	AreaShare *float64
	// UploadID is the upload the observation came in; 0 before it is stored.
	UploadID int64
	// ReceivedAt is when that upload was received, where a read gives it: the history walk
	// in the audit view (EachVillageHistory with VillageFilter.AsKnown), which the forecast
	// as known then filters week by week; zero elsewhere.
	ReceivedAt time.Time `json:"-"`
	// Source is who stands behind it: SourceCarrier (the carrier's own claim; also the
	// meaning of "") or SourceIndependent (a measurement by someone else). Inspector names
	// who measured an independent one ("" when not said).
	Source    string
	Inspector string
	// ClaimInForce is, for an independent measurement as the stores' LatestMeasurements give
	// it, the carrier claim of the same village × carrier × technology in force at the
	// measurement's instant: the newest claim observed at or before it (the one stored last
	// among equals), nil when the carrier had claimed nothing by then. It is the claim the
	// measurement judges (FindDiscrepancies); nil on every other observation.
	ClaimInForce *Observation `json:"-"`
}

// Source roles of an observation.
const (
	// SourceCarrier is the carrier's own claim: its model, on-air report or drive test.
	SourceCarrier = "carrier"
	// SourceIndependent is a measurement by someone other than the carrier: a ministry or
	// provincial drive test, a field inspection, crowd measurements.
	SourceIndependent = "independent"
)

// Independent reports whether o is an independent measurement.
func (o *Observation) Independent() bool { return o.Source == SourceIndependent }

// Key identifies the series an observation belongs to: the latest observation per key decides
// status.
func (o *Observation) Key() ObservationKey {
	return ObservationKey{VillageID: o.VillageID, Carrier: o.Carrier, Technology: o.Technology}
}

// ObservationKey is a village × carrier × technology series.
type ObservationKey struct {
	VillageID  string
	Carrier    string
	Technology Technology
}

// SameResult reports whether o and p say the same about their series: the same signal, the
// same measurements (RSRP, download speed) and the same covered share of the settled area.
// Identity (village, carrier, technology, instant), method and provenance are not compared.
func (o *Observation) SameResult(p *Observation) bool {
	return o.HasSignal == p.HasSignal && sameFloat(o.RSRPdBm, p.RSRPdBm) &&
		sameFloat(o.DLMbps, p.DLMbps) && sameFloat(o.AreaShare, p.AreaShare)
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
