package wire

import (
	"time"

	"github.com/covmon/covmon/geo"
)

// Observation is one stored report on a village, with its provenance (the upload it came in).
type Observation struct {
	Carrier    string    `json:"carrier"`
	Technology string    `json:"technology"`
	HasSignal  bool      `json:"has_signal"`
	RSRPdBm    *float64  `json:"rsrp_dbm,omitempty"`
	DLMbps     *float64  `json:"dl_mbps,omitempty"`
	ObservedAt time.Time `json:"observed_at"`
	Method     string    `json:"method"`
	UploadID   int64     `json:"upload_id"`
	// SourceRole is "carrier" (the carrier's claim) or "independent" (a measurement by
	// someone else, by Inspector when named).
	SourceRole string `json:"source_role"`
	Inspector  string `json:"inspector,omitempty"`
}

// NewObservation converts o.
func NewObservation(o *geo.Observation) Observation {
	role := geo.SourceCarrier
	if o.Independent() {
		role = geo.SourceIndependent
	}
	return Observation{o.Carrier, o.Technology.String(), o.HasSignal, o.RSRPdBm, o.DLMbps, VN(o.ObservedAt), o.Method, o.UploadID, role, o.Inspector}
}

// VillageHistory is one village, its status at AsOf and every stored observation of it:
// GET /api/v1/villages/{id}.
type VillageHistory struct {
	Village
	Notice       string        `json:"notice,omitempty"`
	AsOf         time.Time     `json:"as_of"`
	Observations []Observation `json:"observations"`
	// Next is the URL of the next page of observations, when more follow.
	Next string `json:"next,omitempty"`
}

// NewVillageHistory converts a village's status at asOf and its history; demo adds the
// synthetic-data notice.
func NewVillageHistory(vs *geo.VillageStatus, asOf time.Time, hist []geo.Observation, demo bool) VillageHistory {
	out := VillageHistory{Village: NewVillage(vs), AsOf: VN(asOf), Observations: make([]Observation, 0, len(hist))}
	if demo {
		out.Notice = DemoNotice
	}
	for i := range hist {
		out.Observations = append(out.Observations, NewObservation(&hist[i]))
	}
	return out
}
