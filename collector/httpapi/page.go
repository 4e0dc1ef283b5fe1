package httpapi

import (
	"net/http"

	"github.com/covmon/covmon/collector/i18n"
	"github.com/covmon/covmon/collector/page"
	"github.com/covmon/covmon/geo/wire"
)

// routePage mounts the status page (GET /, /static/...) and the two small public documents it
// reads besides the data: the vi/en label table and the programs.
func (s *Server) routePage(mux *http.ServeMux) {
	mux.Handle("GET /{$}", page.Index())
	mux.Handle("GET /static/", page.Files("/static/"))
	mux.HandleFunc("GET /api/v1/labels", s.handleLabels)
	mux.HandleFunc("GET /api/v1/programs", s.handlePrograms)
}

// handleLabels serves GET /api/v1/labels: every label for people, {"key": {"vi": …, "en": …}}.
func (s *Server) handleLabels(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, "", i18n.Table())
}

// handlePrograms serves GET /api/v1/programs: the configured programs, the default first.
func (s *Server) handlePrograms(w http.ResponseWriter, r *http.Request) {
	if !s.PublicRead && s.requireToken(w, r) == nil {
		return
	}
	if err := checkParams(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]wire.Program, 0, len(s.Programs))
	for _, p := range s.Programs {
		out = append(out, wire.Program{ID: p.ID, Name: p.Name, Deadline: p.Deadline})
	}
	writeJSON(w, http.StatusOK, "", out)
}
