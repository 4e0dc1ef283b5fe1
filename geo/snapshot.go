package geo

import (
	"sort"
	"time"
)

// Snapshot is covmon's whole picture at one instant, the read model: what metrics, the API's
// summary and the alerts read, computed once (by collector.BuildSnapshot) rather than per
// request. It is a plain value: once built it is never changed, only replaced.
type Snapshot struct {
	// ComputedAt is when it was built; AsOf the instant it describes (the same, but for tests).
	ComputedAt time.Time
	AsOf       time.Time
	Programs   []ProgramState
	// CarrierTech counts villages with signal per carrier × technology (all programs).
	CarrierTech []CarrierTech
	Uploads     []UploadStat
	Problems    []RuleCount
	// Demo is true when the synthetic seed data is loaded.
	Demo bool
	// PendingSince, when not zero, says that uploads taken up since then are not all counted
	// (observed after AsOf, too many rows to evaluate per village, or plans): the figures are
	// still exactly those at AsOf of the data they count, and a whole computation, due to
	// start at PendingDue, counts them (docs/figures.md).
	PendingSince time.Time
	PendingDue   time.Time
}

// ProgramState is one program's evaluation.
type ProgramState struct {
	Program Program
	Summary Summary
	// Open lists the program's villages that are known and not covered, sorted by ID.
	Open []VillageStatus
	// Regressed lists the IDs of open villages that had signal before (covered, then dark).
	Regressed []string
	// Discrepant lists the program's known villages with at least one discrepancy (a claim
	// contradicted by a newer independent measurement), covered or not, sorted by ID.
	Discrepant []VillageStatus
	// History holds the program's figures on the first day of each month since the first
	// observation (from the daily figures; empty until the backfill ran).
	History []DailyFigure
}

// CarrierTech counts the villages where one carrier's latest observation on one technology
// shows signal that counts.
type CarrierTech struct {
	Carrier    string
	Technology Technology
	Villages   int
}

// Program returns the state of the program with the given ID, or nil.
func (s *Snapshot) Program(id string) *ProgramState {
	for i := range s.Programs {
		if s.Programs[i].Program.ID == id {
			return &s.Programs[i]
		}
	}
	return nil
}

// CountCarrierTech counts, for every configured carrier × technology (zero included), the
// villages whose latest observation by that carrier on that technology shows signal that
// counts under p. The result is sorted by carrier, then technology.
func CountCarrierTech(latest map[string][]Observation, p *Policy) []CarrierTech {
	c := NewCarrierTechCounter(p)
	for _, os := range latest {
		c.Add(os)
	}
	return c.Counts()
}

type carrierTech struct {
	c string
	t Technology
}

// CarrierTechCounter is CountCarrierTech one village at a time.
type CarrierTechCounter struct {
	p *Policy
	n map[carrierTech]int
}

// NewCarrierTechCounter starts counting under p.
func NewCarrierTechCounter(p *Policy) *CarrierTechCounter {
	c := &CarrierTechCounter{p: p, n: map[carrierTech]int{}}
	for _, carrier := range p.Carriers {
		for _, t := range Technologies {
			c.n[carrierTech{carrier, t}] = 0
		}
	}
	return c
}

// Add counts one village's latest observations (one per carrier × technology).
func (c *CarrierTechCounter) Add(latest []Observation) {
	for i := range latest {
		if c.p.Counts(&latest[i]) {
			c.n[carrierTech{latest[i].Carrier, latest[i].Technology}]++
		}
	}
}

// Remove takes back a village's observations Add counted.
func (c *CarrierTechCounter) Remove(latest []Observation) {
	for i := range latest {
		if c.p.Counts(&latest[i]) {
			c.n[carrierTech{latest[i].Carrier, latest[i].Technology}]--
		}
	}
}

// Counts returns the counts sorted by carrier, then technology.
func (c *CarrierTechCounter) Counts() []CarrierTech {
	out := make([]CarrierTech, 0, len(c.n))
	for k, v := range c.n {
		out = append(out, CarrierTech{k.c, k.t, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Carrier != out[j].Carrier {
			return out[i].Carrier < out[j].Carrier
		}
		return out[i].Technology < out[j].Technology
	})
	return out
}

// DataVersion identifies the stored data a snapshot is computed from. Every change of what a
// snapshot reads moves at least one of its parts: an observation moves Mark; a registry
// upload moves Registry; every upload (accepted, rejected or duplicate), assignment, plan,
// crosswalk, program change and token is a new ledger entry, moving Ledger.
type DataVersion struct {
	Mark       int64  // the newest observation's ID (0: none)
	Registry   int64  // the latest accepted registry upload's ID (0: none)
	Ledger     int64  // the newest ledger entry's ID (0: none)
	LedgerHash string // its hash ("" for none)
}

// SnapshotBlob is an encoded snapshot as a store keeps it for a warm start (one per program
// set): Inputs says what it was computed from, in the words of its writer (collector).
type SnapshotBlob struct {
	ProgramSet string
	Inputs     string
	ComputedAt time.Time
	Data       []byte
}
