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
	// Predecessor names the retired village an observation was made at, in a successor's
	// history; absent for the village's own observations.
	Predecessor string `json:"predecessor,omitempty"`
	// ReceivedAt is when covmon received the upload the observation came in, where the
	// reader filled it in (the village API): an observation counts from ObservedAt whenever
	// it was received, so a report sent late or back-dated shows here.
	ReceivedAt *time.Time `json:"received_at,omitempty"`
}

// NewObservation converts o.
func NewObservation(o *geo.Observation) Observation {
	role := geo.SourceCarrier
	if o.Independent() {
		role = geo.SourceIndependent
	}
	return Observation{o.Carrier, o.Technology.String(), o.HasSignal, o.RSRPdBm, o.DLMbps, VN(o.ObservedAt), o.Method, o.UploadID, role, o.Inspector, "", nil}
}

// VillageHistory is one village, its status at AsOf and every stored observation of it:
// GET /api/v1/villages/{id}.
type VillageHistory struct {
	Village
	Notice string    `json:"notice,omitempty"`
	AsOf   time.Time `json:"as_of"`
	// View is the status's view, as Summary.View; the observations are every one stored,
	// each with when it was received, whatever the view.
	View         string        `json:"view"`
	Observations []Observation `json:"observations"`
	// RetiredAt is when the village was retired (then AsOf is the last instant it was in the
	// registry, its status then); Successors and Predecessors are its lineage in the registry
	// (predecessors' observations are in Observations, each naming its predecessor).
	RetiredAt    *time.Time `json:"retired_at,omitempty"`
	Successors   []Lineage  `json:"successors,omitempty"`
	Predecessors []Lineage  `json:"predecessors,omitempty"`
	// Next is the URL of the next page of observations, when more follow.
	Next string `json:"next,omitempty"`
}

// Lineage is one village of another's lineage: a successor, or a predecessor (of it or of one
// of its predecessors), with the instant of the succession.
type Lineage struct {
	VillageID string    `json:"village_id"`
	Effective time.Time `json:"effective"`
}

// NewLineage splits the successions of village id into its successors (it is their
// predecessor) and its predecessors (every other succession of its lineage).
func NewLineage(id string, ss []geo.Succession) (successors, predecessors []Lineage) {
	for _, s := range ss {
		if s.Predecessor == id {
			successors = append(successors, Lineage{s.Successor, VN(s.Effective)})
		} else {
			predecessors = append(predecessors, Lineage{s.Predecessor, VN(s.Effective)})
		}
	}
	return successors, predecessors
}

// NewVillageHistory converts a village's status at asOf and its history; demo adds the
// synthetic-data notice.
func NewVillageHistory(vs *geo.VillageStatus, asOf time.Time, hist []geo.Observation, demo bool) VillageHistory {
	out := VillageHistory{Village: NewVillage(vs), AsOf: VN(asOf), View: ViewCurrent, Observations: make([]Observation, 0, len(hist))}
	if demo {
		out.Notice = DemoNotice
	}
	for i := range hist {
		o := NewObservation(&hist[i])
		if hist[i].VillageID != vs.Village.ID {
			o.Predecessor = hist[i].VillageID
		}
		out.Observations = append(out.Observations, o)
	}
	return out
}
