package httpapi

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// handleWorkList serves GET /api/v1/worklist: the open villages a carrier is responsible for
// in a program, nearest deadline first, each with its reason (docs/figures.md). It always needs
// a token: a carrier's token gets its own list (a ?carrier= naming another is a 403); a
// ministry token names the carrier with ?carrier= (or "unassigned").
func (s *Server) handleWorkList(w http.ResponseWriter, r *http.Request) {
	tok := s.requireToken(w, r)
	if tok == nil {
		return
	}
	if err := checkParams(r, "carrier", "as_of", "as_known", "program", "policy", "province"); err != nil {
		s.writeError(w, r, err)
		return
	}
	q, ok := s.parseQuery(w, r)
	if !ok {
		return
	}
	carrier := r.URL.Query().Get("carrier")
	switch {
	case tok.Role == geo.RoleCarrier && carrier != "" && carrier != tok.Carrier:
		s.writeError(w, r, Errorf(EFORBIDDEN, "a carrier token reads only its own work list"))
		return
	case tok.Role == geo.RoleCarrier:
		carrier = tok.Carrier
	case carrier == "":
		s.writeError(w, r, Errorf(EINVALID, "carrier: name the carrier (or %q) whose work list to read", geo.Unassigned))
		return
	case carrier != geo.Unassigned && !slices.Contains(s.Policy.Carriers, carrier):
		s.writeError(w, r, Errorf(EINVALID, "carrier: %q is not a configured carrier nor %q", carrier, geo.Unassigned))
		return
	}
	sts, err := collector.Status(r.Context(), s.Store, geo.VillageFilter{ProvinceCode: q.province, ProgramID: q.program.ID, AsKnown: q.asKnown}, q.program, &s.Policy, q.asOf)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("work list: %w", err))
		return
	}
	out := wire.NewWorkList(carrier, q.program, q.asOf, geo.WorkList(sts, carrier), s.demo())
	out.View = wire.ViewOf(q.asKnown)
	writeJSON(w, http.StatusOK, "", out)
}
