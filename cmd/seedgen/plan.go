package main

import (
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

// makePlans makes the carriers' synthetic plans, without randomness (so adding them left the
// rest of the story as it was): every third village still open at the end of the story
// (dayEnd) and assigned then gets its responsible carrier's plan. Taking them in ID order,
// the plans cycle through planned, planned, built and on_air (switched on, no signal seen yet);
// every fourth plan's target on-air date (2026-09-30) is before the end, so a few villages
// are late against their own plan; the others aim at 2027.
func makePlans(d *dataset) []geo.Plan {
	end := d.evaluate(d.history(), dayEnd)
	book := geo.NewAssignments(d.Assignments)
	prog := geo.DefaultProgram().ID
	var out []geo.Plan
	n := 0
	for _, vs := range end.Statuses {
		if !vs.Open {
			continue
		}
		carrier := book.At(prog, vs.Village.ID, dayEnd)
		if carrier == "" {
			continue
		}
		n++
		if n%3 != 1 {
			continue
		}
		i := len(out)
		p := geo.Plan{VillageID: vs.Village.ID, ProgramID: prog, Carrier: carrier,
			SiteID:      fmt.Sprintf("%s-%s-%04d", siteCode(carrier), vs.Village.ProvinceCode, 100+i),
			PlannedAt:   date(2025, time.Month(1+i%12), 10),
			TargetOnAir: date(2027, time.Month(3+3*(i%3)), 30),
			Progress:    geo.ProgressPlanned}
		if i%4 == 0 {
			p.TargetOnAir = date(2026, 9, 30)
		}
		switch i % 4 {
		case 2:
			p.Progress, p.BuiltAt = geo.ProgressBuilt, date(2026, 6, 15)
		case 3:
			p.Progress, p.BuiltAt, p.OnAirAt = geo.ProgressOnAir, date(2026, 5, 20), date(2026, 10, 1)
		}
		out = append(out, p)
	}
	return out
}

// siteCode is a carrier's prefix of its (synthetic) site IDs.
func siteCode(carrier string) string {
	switch carrier {
	case "viettel":
		return "VTL"
	case "vinaphone":
		return "VNP"
	case "mobifone":
		return "MBF"
	}
	return "VNM"
}

// planFeature is one plans/v1 feature.
type planFeature struct {
	Type       string    `json:"type"`
	Geometry   *geometry `json:"geometry"`
	Properties planProps `json:"properties"`
}

type planProps struct {
	VillageID   string `json:"village_id"`
	Program     string `json:"program"`
	Carrier     string `json:"carrier"`
	SiteID      string `json:"site_id"`
	TargetOnAir string `json:"target_on_air"`
	Progress    string `json:"progress"`
	PlannedAt   string `json:"planned_at"`
	BuiltAt     string `json:"built_at,omitempty"`
	OnAirAt     string `json:"on_air_at,omitempty"`
}

// encodePlans writes plans.geojson: every carrier's plans in one file, each feature naming its
// carrier (covmon seed loads it as the operator would, covmon ingest --kind plans).
func encodePlans(ps []geo.Plan) ([]byte, error) {
	features := make([]any, len(ps))
	for i, p := range ps {
		features[i] = planFeature{Type: "Feature", Properties: planProps{
			VillageID: p.VillageID, Program: p.ProgramID, Carrier: p.Carrier, SiteID: p.SiteID, TargetOnAir: day(p.TargetOnAir),
			Progress: string(p.Progress), PlannedAt: day(p.PlannedAt), BuiltAt: day(p.BuiltAt), OnAirAt: day(p.OnAirAt)}}
	}
	return collection([]string{"covmon_schema", "plans/v1", "notice", notice}, features)
}

// verifyPlans checks the plans the way covmon reads them, received at the end of the story: a
// plan per village at most, only for an open village its carrier is responsible for, some of
// each progress, and a few (but not most) villages late against their plan.
func verifyPlans(d *dataset, f *figures) error {
	book, plans := geo.NewAssignments(d.Assignments), make([]geo.Plan, len(d.Plans))
	for i, p := range d.Plans {
		p.ReceivedAt, p.UploadID = dayEnd, 1
		plans[i] = p
	}
	pol, prog := geo.DefaultPolicy(), geo.DefaultProgram()
	sts := append([]geo.VillageStatus(nil), f.End.Statuses...)
	geo.ApplyLifecycles(sts, f.End.Latest, nil, geo.NewPlans(plans), book, &prog, &pol, dayEnd)
	progress := map[geo.Progress]int{}
	for _, p := range d.Plans {
		progress[p.Progress]++
		if book.At(p.ProgramID, p.VillageID, dayEnd) != p.Carrier {
			return fmt.Errorf("village %s planned by %s, not its responsible carrier", p.VillageID, p.Carrier)
		}
	}
	late := 0
	for _, vs := range sts {
		if vs.Lifecycle.Late {
			late++
		}
	}
	switch {
	case len(d.Plans) < 8 || len(d.Plans) > 30:
		return fmt.Errorf("%d plans, want 8..30", len(d.Plans))
	case progress[geo.ProgressPlanned] == 0 || progress[geo.ProgressBuilt] == 0 || progress[geo.ProgressOnAir] == 0:
		return fmt.Errorf("plans by progress %v, want some of each", progress)
	case late < 2 || late > len(d.Plans)/2:
		return fmt.Errorf("%d villages late against their plan on %s, want 2..%d", late, day(dayEnd), len(d.Plans)/2)
	}
	return nil
}
