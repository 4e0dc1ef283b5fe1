package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/covmon/covmon/collector/view"
	"github.com/covmon/covmon/geo"
)

// handleBurndown serves GET /api/v1/burndown: a program's daily figures (the daily snapshot,
// plus monthly points backfilled from the stored observations for the time before covmon
// ran). Query: program, from, to (YYYY-MM-DD; default: everything up to today).
func (s *Server) handleBurndown(w http.ResponseWriter, r *http.Request) {
	q, ok := s.readRequest(w, r)
	if !ok {
		return
	}
	from, to := time.Date(2000, 1, 1, 0, 0, 0, 0, geo.Vietnam), s.now()
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			t, err := time.ParseInLocation(time.DateOnly, v, geo.Vietnam)
			if err != nil {
				writeProblem(w, r, http.StatusBadRequest, "invalid-request", "Invalid request", fmt.Sprintf("%s: want YYYY-MM-DD, got %q", p.name, v))
				return
			}
			*p.t = t
		}
	}
	fs, err := s.Store.DailyFigures(r.Context(), q.program.ID, from, to)
	if err != nil {
		s.internalError(w, r, "daily figures", err)
		return
	}
	// The figures a daily row keeps (geo.DailyFigure stores these counts, not all of Counts).
	type point struct {
		Day             string `json:"day"`
		Baseline        int    `json:"baseline"`
		BaselineCovered int    `json:"baseline_covered"`
		FoundLater      int    `json:"found_later"`
		Covered         int    `json:"covered"`
		DeadZone        int    `json:"dead_zone"`
		NoPower         int    `json:"no_power"`
		NoData          int    `json:"no_data"`
		Overdue         int    `json:"overdue"`
		Backfilled      bool   `json:"backfilled"`
	}
	out := struct {
		Notice  string       `json:"notice,omitempty"`
		Program view.Program `json:"program"`
		Points  []point      `json:"points"`
	}{Program: view.Program{ID: q.program.ID, Name: q.program.Name, Deadline: q.program.Deadline}, Points: make([]point, 0, len(fs))}
	if s.demo() {
		out.Notice = view.DemoNotice
	}
	for _, f := range fs {
		c := f.Counts
		out.Points = append(out.Points, point{f.Day.Format(time.DateOnly), c.Baseline, c.BaselineCovered, c.FoundLater,
			c.Covered, c.DeadZone, c.NoPower, c.NoData, c.Overdue, f.Backfilled})
	}
	writeJSON(w, http.StatusOK, "", out)
}
