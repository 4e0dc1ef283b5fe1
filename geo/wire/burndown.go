package wire

import (
	"time"

	"github.com/covmon/covmon/geo"
)

// BurndownPoint is one day's figures of a program (the counts a daily row keeps, not all of
// Counts). Each says how it was made, in two members that are always opposite, so that a
// reader of either cannot take one kind for the other: Recorded, the figures covmon kept that
// day (as known then, within the snapshot's window: docs/figures.md), or Backfilled, computed
// later from the observations stored now (the current view of that day).
type BurndownPoint struct {
	Day             string `json:"day"` // YYYY-MM-DD, Vietnam time
	Baseline        int    `json:"baseline"`
	BaselineCovered int    `json:"baseline_covered"`
	FoundLater      int    `json:"found_later"`
	Covered         int    `json:"covered"`
	DeadZone        int    `json:"dead_zone"`
	NoPower         int    `json:"no_power"`
	NoData          int    `json:"no_data"`
	Overdue         int    `json:"overdue"`
	Recorded        bool   `json:"recorded"`
	Backfilled      bool   `json:"backfilled"`
}

// Burndown is a program's daily figures: GET /api/v1/burndown.
type Burndown struct {
	Notice  string          `json:"notice,omitempty"`
	Program Program         `json:"program"`
	Points  []BurndownPoint `json:"points"`
}

// NewProgram converts p.
func NewProgram(p *geo.Program) Program { return Program{p.ID, p.Name, VN(p.Deadline)} }

// NewBurndown converts a program's daily figures; demo adds the synthetic-data notice.
func NewBurndown(p *geo.Program, fs []geo.DailyFigure, demo bool) Burndown {
	out := Burndown{Program: NewProgram(p), Points: make([]BurndownPoint, 0, len(fs))}
	if demo {
		out.Notice = DemoNotice
	}
	for _, f := range fs {
		c := f.Counts
		out.Points = append(out.Points, BurndownPoint{f.Day.In(geo.Vietnam).Format(time.DateOnly), c.Baseline, c.BaselineCovered,
			c.FoundLater, c.Covered, c.DeadZone, c.NoPower, c.NoData, c.Overdue, !f.Backfilled, f.Backfilled})
	}
	return out
}
