package httpapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/i18n"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// readRequest enforces the read policy (open when PublicRead, else any valid token), refuses
// query parameters other than allowed, and parses the common ones (as_of, program,
// province); on failure it has written the response and returns false.
func (s *Server) readRequest(w http.ResponseWriter, r *http.Request, allowed ...string) (query, bool) {
	if !s.PublicRead && s.requireToken(w, r) == nil {
		return query{}, false
	}
	if err := checkParams(r, allowed...); err != nil {
		s.writeError(w, r, err)
		return query{}, false
	}
	return s.parseQuery(w, r)
}

// query holds the parsed common query parameters of the read endpoints.
type query struct {
	asOf     time.Time
	program  *geo.Program
	province string
	// asKnown is as_known=true: the audit view, only the uploads received by asOf
	// (geo.VillageFilter.AsKnown).
	asKnown bool
}

func (s *Server) parseQuery(w http.ResponseWriter, r *http.Request) (query, bool) {
	q := r.URL.Query()
	out := query{asOf: s.now(), province: q.Get("province")}
	if v := q.Get("as_of"); v != "" {
		t, err := geo.ParseAsOf(v, out.asOf)
		if err != nil {
			s.writeError(w, r, Errorf(EINVALID, "as_of: %v", err))
			return out, false
		}
		out.asOf = t
	}
	switch v := q.Get("as_known"); v {
	case "", "false":
	case "true":
		out.asKnown = true
	default:
		s.writeError(w, r, Errorf(EINVALID, "as_known: want true or false, got %q", v))
		return out, false
	}
	id := q.Get("program")
	for i := range s.Programs {
		if s.Programs[i].ID == id || (id == "" && i == 0) {
			out.program = &s.Programs[i]
			break
		}
	}
	if out.program == nil {
		s.writeError(w, r, Errorf(EINVALID, "program: unknown %q", id))
		return out, false
	}
	switch v := q.Get("policy"); v {
	case "", "in_force":
	case "current":
		// Today's policy at every date, not the one in force at as_of.
		p := out.program.UnderPolicyAt(s.now())
		out.program = &p
	default:
		s.writeError(w, r, Errorf(EINVALID, "policy: want in_force or current, got %q", v))
		return out, false
	}
	return out, true
}

// villageParams are the query parameters of GET /api/v1/villages.
var villageParams = []string{"as_of", "as_known", "program", "policy", "province", "geography", "q", "status", "carrier", "f", "lon", "lat", "radius_km", "bbox", "limit", "cursor"}

// maxVillagesLimit bounds limit on the village lists. Without limit the whole list comes
// back (the status page and the exports want every village; it is gzip-compressed).
const maxVillagesLimit = 100000

// handleVillages serves GET /api/v1/villages: a GeoJSON FeatureCollection of villages with
// their status, or CSV (f=csv or Accept: text/csv). Query: as_of, program, province, status
// (covered, dead_zone, no_power, no_data or overdue), carrier (villages that carrier reported
// on), q (name or commune name containing every word, ignoring case and diacritics: "ban
// khoang" finds "Bản Khoang"), lon+lat (nearest first, with distance_km; radius_km keeps
// those within), bbox, limit, cursor, f. Any other parameter is a 400 naming it.
func (s *Server) handleVillages(w http.ResponseWriter, r *http.Request) {
	q, ok := s.readRequest(w, r, villageParams...)
	if !ok {
		return
	}
	csv, err := villagesFormat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vq, err := parseVillageQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name := r.URL.Query().Get("q")
	if name != "" && geo.Fold(name) == "" {
		s.writeError(w, r, Errorf(EINVALID, "q: no letters or digits to search for in %q", name))
		return
	}
	geography, geoAt, err := parseGeography(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := geo.VillageFilter{ProvinceCode: q.province, ProgramID: q.program.ID, Name: name, AsKnown: q.asKnown}
	var pg villagePage
	switch {
	case vq.point != nil || geography != "":
		// Nearest first: every match is ranked before the page is cut. With ?geography= each
		// village is put in the units of that date (the crosswalk) before province keeps its
		// own, so the list is built in memory too.
		sts, err := s.statusIn(r, f, q, geoAt)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if pg, err = vq.run(sts, q.asOf); err != nil {
			s.writeError(w, r, err)
			return
		}
	case vq.page.limit == 0 && !csv:
		s.streamVillages(w, r, &q, &vq, f)
		return
	default:
		if pg, err = s.pageVillages(r.Context(), &q, &vq, f); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	fc := wire.FeatureCollection(pg.items, q.asOf, s.demo())
	wire.SetView(fc, q.asKnown)
	wire.SetDistances(fc, pg.distKM)
	wire.SetGeography(fc, geography)
	next := ""
	if pg.next != "" {
		next = nextURL(r, pg.next)
		setNextLink(w, next)
	}
	if csv {
		if err := writeVillagesCSV(w, fc, q.asOf, q.asKnown, s.demo()); err != nil {
			s.logger().Warn("villages csv", "err", err)
		}
		return
	}
	wire.SetPaging(fc, pg.matched, next)
	if pg.matched < 0 { // not counted: the page's walk stopped before the end of the list
		delete(fc.ExtraMembers, "number_matched")
	}
	writeJSON(w, http.StatusOK, "application/geo+json", fc)
}

func (s *Server) demo() bool {
	if s.Snapshot == nil {
		return false
	}
	snap := s.Snapshot()
	return snap != nil && snap.Demo
}

// handleVillage serves GET /api/v1/villages/{id}: the village, its status now (or as_of) and
// its observation history with provenance (the upload each came in), oldest first; limit and
// cursor page through the history.
func (s *Server) handleVillage(w http.ResponseWriter, r *http.Request) {
	q, ok := s.readRequest(w, r, "as_of", "as_known", "program", "policy", "limit", "cursor")
	if !ok {
		return
	}
	pg, err := parsePaging(r, 0, maxVillagesLimit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	v, err := s.Store.Village(r.Context(), id)
	if errors.Is(err, geo.ErrNotFound) {
		s.writeError(w, r, Errorf(ENOTFOUND, "no village %q", id))
		return
	}
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get village: %w", err))
		return
	}
	lineage, err := s.Store.Successions(r.Context(), id)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("village lineage: %w", err))
		return
	}
	// A retired village's history stays readable: its status at the last instant it was in
	// the registry (in the audit view, as known at the instant asked).
	asOf, f, err := collector.VillageAt(r.Context(), s.Store, v, lineage, q.asOf, q.asKnown)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("village lineage: %w", err))
		return
	}
	sts, err := collector.Status(r.Context(), s.Store, f, q.program, &s.Policy, asOf)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("village status of %s: %w", id, err))
		return
	}
	if len(sts) != 1 && q.asKnown {
		s.writeError(w, r, Errorf(ENOTFOUND, "village %q is not in the registry as known at %s (no registry upload received by then names it)",
			id, f.KnownBy(asOf).In(geo.Vietnam).Format(time.RFC3339)))
		return
	}
	if len(sts) != 1 {
		s.writeError(w, r, Errorf(ENOTFOUND, "village %q is not in the registry as of %s (a successor joins it when its predecessors retire)",
			id, asOf.In(geo.Vietnam).Format(time.RFC3339)))
		return
	}
	// The history: the village's own observations and its predecessors', in one timeline.
	hist, err := s.Store.Observations(r.Context(), id)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("village history: %w", err))
		return
	}
	successors, predecessors := wire.NewLineage(id, lineage)
	for _, p := range predecessors {
		more, err := s.Store.Observations(r.Context(), p.VillageID)
		if err != nil {
			s.writeError(w, r, fmt.Errorf("village history of predecessor %s: %w", p.VillageID, err))
			return
		}
		hist = append(hist, more...)
	}
	if len(predecessors) > 0 {
		slices.SortStableFunc(hist, func(a, b geo.Observation) int {
			return cmp.Or(a.ObservedAt.Compare(b.ObservedAt), cmp.Compare(a.ID, b.ID))
		})
	}
	hist, next, err := pageHistory(hist, pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := wire.NewVillageHistory(&sts[0], asOf, hist, s.demo())
	out.View = wire.ViewOf(q.asKnown)
	if err := s.fillReceived(r.Context(), out.Observations); err != nil {
		s.writeError(w, r, fmt.Errorf("village history of %s: %w", id, err))
		return
	}
	out.Successors, out.Predecessors = successors, predecessors
	if !v.RetiredAt.IsZero() {
		retired := wire.VN(v.RetiredAt)
		out.RetiredAt = &retired
	}
	if e := out.Village.Explanation; e != nil {
		if l := i18n.Explain(sts[0].Explain()); l.En != "" {
			e.Text = map[string]string{string(i18n.Vi): l.Vi, string(i18n.En): l.En}
		}
	}
	if next != "" {
		out.Next = nextURL(r, next)
		setNextLink(w, out.Next)
	}
	writeJSON(w, http.StatusOK, "", out)
}

// fillReceived sets each observation's ReceivedAt to its upload's receipt, one read per
// upload of the page: an observation counts from when it was observed, whenever it arrived,
// so the history says both (docs/figures.md, "As of a past instant").
func (s *Server) fillReceived(ctx context.Context, obs []wire.Observation) error {
	received, err := collector.Receipts(ctx, s.Store, obs, func(o *wire.Observation) int64 { return o.UploadID })
	if err != nil {
		return err
	}
	for i := range obs {
		if at, ok := received[obs[i].UploadID]; ok {
			t := wire.VN(at)
			obs[i].ReceivedAt = &t
		}
	}
	return nil
}

// pageHistory cuts a page from a village's observations (in the store's order: observed_at,
// then ID). The position is the last observation's ID: an observation recorded later with an
// older date sorts before it and is not on later pages, but nothing is returned twice.
func pageHistory(hist []geo.Observation, pg paging) ([]geo.Observation, string, error) {
	if pg.cursor != "" {
		idText, ok := strings.CutPrefix(pg.cursor, "obs:")
		id, err := strconv.ParseInt(idText, 10, 64)
		if !ok || err != nil {
			return nil, "", badCursor()
		}
		i := slices.IndexFunc(hist, func(o geo.Observation) bool { return o.ID == id })
		if i < 0 {
			return nil, "", badCursor()
		}
		hist = hist[i+1:]
	}
	if pg.limit > 0 && len(hist) > pg.limit {
		return hist[:pg.limit], "obs:" + strconv.FormatInt(hist[pg.limit-1].ID, 10), nil
	}
	return hist, "", nil
}

// handleSummary serves GET /api/v1/summary: the headline figures nationally and per province,
// now (from the latest snapshot) or as_of a date.
func (s *Server) handleSummary(w http.ResponseWriter, r *http.Request) {
	q, ok := s.readRequest(w, r, "as_of", "as_known", "program", "policy", "province", "geography")
	if !ok {
		return
	}
	geography, geoAt, err := parseGeography(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if r.URL.Query().Get("as_of") == "" && !q.asKnown && q.province == "" && geography == "" && s.Snapshot != nil {
		if snap := s.Snapshot(); snap != nil {
			if ps := snap.Program(q.program.ID); ps != nil {
				out := wire.NewSummary(ps.Summary, snap.Demo)
				out.SnapshotTimes(snap)
				out.Forecast = s.forecast(q.program.ID)
				writeJSON(w, http.StatusOK, "", out)
				return
			}
		}
	}
	if q.asKnown && s.ForecastAsKnown != nil {
		// Its forecast is computed on this request, MaxForecastsAsKnown at a time: the place
		// is waited for before the figures, so a request waiting costs no read.
		release, err := s.forecastSlot(r.Context())
		if err != nil {
			s.writeError(w, r, fmt.Errorf("waiting for a forecast as known then to be computed: %w", err))
			return
		}
		defer release()
	}
	sts, err := s.statusIn(r, geo.VillageFilter{ProvinceCode: q.province, ProgramID: q.program.ID}, q, geoAt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := wire.NewSummary(geo.Summarize(sts, q.program, &s.Policy, q.asOf), s.demo())
	out.Geography = geography
	out.View = wire.ViewOf(q.asKnown)
	switch {
	case q.asKnown && s.ForecastAsKnown != nil:
		// The audit view's forecast: each weekly point as known at its own instant, as of
		// as_of (now without it); it reads the program's histories, on this request.
		f, err := s.ForecastAsKnown(r.Context(), *q.program, q.asOf)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out.Forecast = &f
	case r.URL.Query().Get("as_of") == "" && !q.asKnown:
		// The latest evaluation's forecast (the metric's figure): the current view of now.
		out.Forecast = s.forecast(q.program.ID)
	}
	writeJSON(w, http.StatusOK, "", out)
}

// forecast is program's completion forecast for a summary of now: the latest evaluation's
// (the metric's figure), "not_evaluated" before the first one, nil when the server has no
// forecasts at all (Forecast unset).
func (s *Server) forecast(program string) *wire.Forecast {
	if s.Forecast == nil {
		return nil
	}
	f, ok := s.Forecast(program)
	if !ok {
		f = wire.Forecast{Status: wire.ForecastNotEvaluated, View: wire.ViewCurrent}
	}
	return &f
}

// parseGeography reads ?geography=YYYY-MM-DD: report by the administrative units in force on
// that date (zero: today's units, the registry's own).
func parseGeography(r *http.Request) (string, time.Time, error) {
	geography := r.URL.Query().Get("geography")
	if geography == "" {
		return "", time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", geography, geo.Vietnam)
	if err != nil {
		return "", time.Time{}, Errorf(EINVALID, "geography: want a date YYYY-MM-DD, got %q", geography)
	}
	return geography, t, nil
}

// statusIn evaluates the villages of f under q's program, policy and instant, in the units of
// the geography in force at geoAt when it is not zero (f's province then names a unit of that
// date, so the store is asked without it and inGeography keeps that unit's villages).
func (s *Server) statusIn(r *http.Request, f geo.VillageFilter, q query, geoAt time.Time) ([]geo.VillageStatus, error) {
	province := f.ProvinceCode
	if !geoAt.IsZero() {
		f.ProvinceCode = ""
	}
	f.AsKnown = q.asKnown
	sts, err := collector.Status(r.Context(), s.Store, f, q.program, &s.Policy, q.asOf)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	return s.inGeography(r, sts, geoAt, province)
}

// inGeography puts each village of sts in the units in force at geoAt (from the uploaded
// crosswalk) and keeps those of province (a unit of that date) when given. A zero geoAt
// returns sts as they are.
func (s *Server) inGeography(r *http.Request, sts []geo.VillageStatus, geoAt time.Time, province string) ([]geo.VillageStatus, error) {
	if geoAt.IsZero() {
		return sts, nil
	}
	rows, err := s.Store.Crosswalk(r.Context())
	if err != nil {
		return nil, fmt.Errorf("crosswalk: %w", err)
	}
	if len(rows) == 0 {
		return nil, Errorf(EINVALID, "geography: no crosswalk of administrative units has been uploaded")
	}
	sts = geo.NewCrosswalk(rows).InGeography(sts, geoAt)
	if province != "" {
		sts = slices.DeleteFunc(sts, func(st geo.VillageStatus) bool { return st.Village.ProvinceCode != province })
	}
	return sts, nil
}

// forecastSlot waits for one of the MaxForecastsAsKnown places of a forecast as known then
// being computed, or for ctx (the request) to end.
func (s *Server) forecastSlot(ctx context.Context) (release func(), err error) {
	s.forecastsOnce.Do(func() {
		n := s.MaxForecastsAsKnown
		if n <= 0 {
			n = 1
		}
		s.forecasts = make(chan struct{}, n)
	})
	s.forecastsWaiting.Add(1)
	defer s.forecastsWaiting.Add(-1)
	select {
	case s.forecasts <- struct{}{}:
		return func() { <-s.forecasts }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
