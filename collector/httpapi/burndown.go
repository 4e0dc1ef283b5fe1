package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// handleBurndown serves GET /api/v1/burndown: a program's daily figures (the daily snapshot,
// plus monthly points backfilled from the stored observations for the time before covmon
// ran). Query: program, from, to (YYYY-MM-DD; default: everything up to today).
func (s *Server) handleBurndown(w http.ResponseWriter, r *http.Request) {
	q, ok := s.readRequest(w, r, "program", "from", "to")
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
				s.writeError(w, r, Errorf(EINVALID, "%s: want YYYY-MM-DD, got %q", p.name, v))
				return
			}
			*p.t = t
		}
	}
	fs, err := s.Store.DailyFigures(r.Context(), q.program.ID, from, to)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("daily figures: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, "", wire.NewBurndown(q.program, fs, s.demo()))
}
