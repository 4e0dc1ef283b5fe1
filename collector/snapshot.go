package collector

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/covmon/covmon/geo"
)

// SnapshotStore is what a snapshot is built from.
type SnapshotStore interface {
	StatusStore
	UploadStats(ctx context.Context) ([]geo.UploadStat, error)
	ProblemCounts(ctx context.Context) ([]geo.RuleCount, error)
	// SignalBefore returns the villages that had, at some instant at or before asOf, an
	// observation showing signal that counts under p (used to tell regressions).
	SignalBefore(ctx context.Context, asOf time.Time, p *geo.Policy) (map[string]bool, error)
	// HasSource reports whether an accepted upload came from source (e.g. "seed").
	HasSource(ctx context.Context, source string) (bool, error)
}

// CarrierTech counts the villages where one carrier's latest observation on one technology
// shows signal that counts.
type CarrierTech struct {
	Carrier    string
	Technology geo.Technology
	Villages   int
}

// ProgramState is one program's evaluation.
type ProgramState struct {
	Program geo.Program
	Summary geo.Summary
	// Open lists the program's villages that are known and not covered, sorted by ID.
	Open []geo.VillageStatus
	// Regressed lists the IDs of open villages that had signal before (covered, then dark).
	Regressed []string
	// History holds the program's figures on the first day of each month since the first
	// observation (from the daily figures; empty until the backfill ran).
	History []geo.DailyFigure
}

// Snapshot is covmon's whole picture at one instant: what metrics, the API's summary and the
// alerts read, computed once rather than per request.
type Snapshot struct {
	// ComputedAt is when it was built; AsOf the instant it describes (the same, but for tests).
	ComputedAt time.Time
	AsOf       time.Time
	Programs   []ProgramState
	// CarrierTech counts villages with signal per carrier × technology (all programs).
	CarrierTech []CarrierTech
	Uploads     []geo.UploadStat
	Problems    []geo.RuleCount
	// Demo is true when the synthetic seed data is loaded.
	Demo bool
}

// BuildSnapshot evaluates every program at asOf.
func BuildSnapshot(ctx context.Context, s SnapshotStore, progs []geo.Program, p *geo.Policy, asOf time.Time) (*Snapshot, error) {
	vs, err := s.Villages(ctx, geo.VillageFilter{})
	if err != nil {
		return nil, fmt.Errorf("load villages: %w", err)
	}
	latest, err := s.LatestObservations(ctx, asOf, geo.VillageFilter{})
	if err != nil {
		return nil, fmt.Errorf("load observations: %w", err)
	}
	ever, err := s.SignalBefore(ctx, asOf, p)
	if err != nil {
		return nil, fmt.Errorf("load signal history: %w", err)
	}
	snap := &Snapshot{ComputedAt: time.Now(), AsOf: asOf}
	for i := range progs {
		prog := progs[i]
		in := inProgram(vs, prog.ID)
		sts := geo.Evaluate(in, latest, &prog, p, asOf)
		ps := ProgramState{Program: prog, Summary: geo.Summarize(sts, &prog, p, asOf)}
		for _, st := range sts {
			if st.Status == geo.StatusCovered || !st.Village.KnownAt(asOf) {
				continue
			}
			ps.Open = append(ps.Open, st)
			if ever[st.Village.ID] {
				ps.Regressed = append(ps.Regressed, st.Village.ID)
			}
		}
		snap.Programs = append(snap.Programs, ps)
	}
	snap.CarrierTech = carrierTech(latest, p)
	if snap.Uploads, err = s.UploadStats(ctx); err != nil {
		return nil, fmt.Errorf("upload stats: %w", err)
	}
	if snap.Problems, err = s.ProblemCounts(ctx); err != nil {
		return nil, fmt.Errorf("problem counts: %w", err)
	}
	if snap.Demo, err = s.HasSource(ctx, "seed"); err != nil {
		return nil, fmt.Errorf("look for seed data: %w", err)
	}
	return snap, nil
}

func carrierTech(latest map[string][]geo.Observation, p *geo.Policy) []CarrierTech {
	type key struct {
		c string
		t geo.Technology
	}
	n := map[key]int{}
	for _, c := range p.Carriers {
		for _, t := range geo.Technologies {
			n[key{c, t}] = 0
		}
	}
	for _, os := range latest {
		for i := range os {
			if p.Counts(&os[i]) {
				n[key{os[i].Carrier, os[i].Technology}]++
			}
		}
	}
	out := make([]CarrierTech, 0, len(n))
	for k, v := range n {
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

// Program returns the state of the program with the given ID, or nil.
func (s *Snapshot) Program(id string) *ProgramState {
	for i := range s.Programs {
		if s.Programs[i].Program.ID == id {
			return &s.Programs[i]
		}
	}
	return nil
}
