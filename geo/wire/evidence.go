package wire

import (
	"strconv"
	"time"

	"github.com/covmon/covmon/geo"
)

// Discrepancy is a carrier × technology series of a village whose latest independent
// measurement contradicts the carrier's claim in force when it was measured, while the
// carrier's latest claim still says the same: Kind is "overstated" (claims signal, measured
// none) or "understated" (the reverse); both sides with their dates and uploads. Reclaim,
// present only when the carrier claimed the same again after the measurement, is that latest
// claim: contradicted, re-claimed, awaiting re-inspection.
type Discrepancy struct {
	Carrier     string    `json:"carrier"`
	Technology  string    `json:"technology"`
	Kind        string    `json:"kind"`
	Claim       Evidence  `json:"claim"`
	Measurement Evidence  `json:"measurement"`
	Reclaim     *Evidence `json:"reclaim,omitempty"`
}

// Evidence is one side of a discrepancy or explanation: an observation with its upload.
type Evidence struct {
	Carrier    string    `json:"carrier"`
	Technology string    `json:"technology"`
	SourceRole string    `json:"source_role"`
	ObservedAt time.Time `json:"observed_at"`
	UploadID   int64     `json:"upload_id"`
	HasSignal  bool      `json:"has_signal"`
	RSRPdBm    *float64  `json:"rsrp_dbm,omitempty"`
	Method     string    `json:"method"`
	Inspector  string    `json:"inspector,omitempty"`
}

// NewEvidence converts o.
func NewEvidence(o *geo.Observation) Evidence {
	role := geo.SourceCarrier
	if o.Independent() {
		role = geo.SourceIndependent
	}
	return Evidence{Carrier: o.Carrier, Technology: o.Technology.String(), SourceRole: role, ObservedAt: VN(o.ObservedAt),
		UploadID: o.UploadID, HasSignal: o.HasSignal, RSRPdBm: o.RSRPdBm, Method: o.Method, Inspector: o.Inspector}
}

// NewDiscrepancies converts ds (nil for none, so the field is left out).
func NewDiscrepancies(ds []geo.Discrepancy) []Discrepancy {
	if len(ds) == 0 {
		return nil
	}
	out := make([]Discrepancy, 0, len(ds))
	for i := range ds {
		d := &ds[i]
		w := Discrepancy{Carrier: d.Carrier, Technology: d.Technology.String(), Kind: string(d.Kind),
			Claim: NewEvidence(&d.Claim), Measurement: NewEvidence(&d.Measurement)}
		if d.Reclaim != nil {
			r := NewEvidence(d.Reclaim)
			w.Reclaim = &r
		}
		out = append(out, w)
	}
	return out
}

// Explanation says what a village's status rests on: the claim of signal (the newest, a
// confirmed one first), and the independent measurement confirming or contradicting it;
// ContradictedClaim, when the carrier re-claimed after that measurement, is the earlier claim
// the measurement contradicted (Claim is then the re-claim, awaiting re-inspection). Text is
// the same in words, Vietnamese and English, when the server fills it in.
type Explanation struct {
	Trust             string            `json:"trust"`
	Claim             *Evidence         `json:"claim,omitempty"`
	ConfirmedBy       *Evidence         `json:"confirmed_by,omitempty"`
	ContradictedBy    *Evidence         `json:"contradicted_by,omitempty"`
	ContradictedClaim *Evidence         `json:"contradicted_claim,omitempty"`
	Text              map[string]string `json:"text,omitempty"`
}

// NewExplanation converts the explanation of a village's status; nil when the claims are
// trusted and no independent measurement bears on the village (the status is the carriers'
// word, as before measurements).
func NewExplanation(a *geo.Assessment) *Explanation {
	e := a.Explain()
	if e.Trust == geo.TrustClaims && e.Confirmation == nil && e.Contradiction == nil && len(a.Discrepancies) == 0 {
		return nil
	}
	out := &Explanation{Trust: string(e.Trust)}
	if e.Claim != nil {
		c := NewEvidence(e.Claim)
		out.Claim = &c
	}
	if e.Confirmation != nil {
		c := NewEvidence(e.Confirmation)
		out.ConfirmedBy = &c
	}
	if e.Contradiction != nil {
		c := NewEvidence(e.Contradiction)
		out.ContradictedBy = &c
	}
	if e.Contradicted != nil {
		c := NewEvidence(e.Contradicted)
		out.ContradictedClaim = &c
	}
	return out
}

// DiscrepancyCount is geo.DiscrepancyCount in JSON form.
type DiscrepancyCount struct {
	Carrier     string `json:"carrier"`
	Villages    int    `json:"villages"`
	Overstated  int    `json:"overstated"`
	Understated int    `json:"understated"`
	// Reclaimed: of Villages, those where the carrier re-claimed after the measurement.
	Reclaimed int `json:"reclaimed"`
}

// NewDiscrepancyCounts converts cs (an empty list, never null).
func NewDiscrepancyCounts(cs []geo.DiscrepancyCount) []DiscrepancyCount {
	out := make([]DiscrepancyCount, 0, len(cs))
	for _, c := range cs {
		out = append(out, DiscrepancyCount{c.Carrier, c.Villages, c.Overstated, c.Understated, c.Reclaimed})
	}
	return out
}

// discrepancyProperty is the GeoJSON/CSV form of a village's discrepancies: one string per
// series, "viettel 4g overstated: claim 2025-03-02 (upload 3), measurement 2025-04-10
// (upload 9)", followed by "; re-claimed 2025-05-01 (upload 12), awaiting re-inspection" when
// the carrier claimed the same again after the measurement.
func discrepancyProperty(ds []geo.Discrepancy) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		s := d.Carrier + " " + d.Technology.String() + " " + string(d.Kind) +
			": claim " + d.Claim.ObservedAt.In(geo.Vietnam).Format(time.DateOnly) + " (upload " + strconv.FormatInt(d.Claim.UploadID, 10) +
			"), measurement " + d.Measurement.ObservedAt.In(geo.Vietnam).Format(time.DateOnly) + " (upload " + strconv.FormatInt(d.Measurement.UploadID, 10) + ")"
		if r := d.Reclaim; r != nil {
			s += "; re-claimed " + r.ObservedAt.In(geo.Vietnam).Format(time.DateOnly) + " (upload " + strconv.FormatInt(r.UploadID, 10) + "), awaiting re-inspection"
		}
		out = append(out, s)
	}
	return out
}
