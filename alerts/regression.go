package alerts

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/covmon/covmon/geo"
)

// DarkSince returns when village v, open at asOf after it had signal that counts, went dark:
// the observed_at of the first observation (a carrier's report, or an independent measurement
// under TrustVerified) after the last instant at which v was covered, its status replayed at
// every instant of its history h up to asOf under today's policy (the one that says it had
// signal before; geo.StatusTimeline). That is the report the carrier answers for — "dark since
// 2026-02-01" —, whenever covmon received it and whenever covmon ran. With several carriers it
// is when the last one with signal reported none. It is zero when v was never covered at any
// instant of its history (a claim of signal never confirmed under TrustVerified) or is covered
// at asOf.
func DarkSince(v *geo.Village, h []geo.Observation, prog *geo.Program, p *geo.Policy, asOf time.Time) time.Time {
	ats := make([]time.Time, 0, len(h))
	for i := range h {
		if !h[i].ObservedAt.After(asOf) {
			ats = append(ats, h[i].ObservedAt)
		}
	}
	slices.SortFunc(ats, time.Time.Compare)
	ats = slices.CompactFunc(ats, time.Time.Equal)
	today := *prog
	today.Policies = nil // today's policy at every instant, as "had signal before" is judged
	tl := geo.NewStatusTimeline(&today, geo.PolicyFor(prog, p, asOf), ats)
	last := -1
	tl.Eval(v, h, func(i int, s geo.Status) {
		if s == geo.StatusCovered {
			last = i
		}
	})
	if last < 0 || last+1 >= len(ats) {
		return time.Time{}
	}
	return ats[last+1]
}

// darkCache keeps the regressed villages' DarkSince for one snapshot instant, per program.
type darkCache struct {
	asOf   time.Time
	byProg map[string]map[string]time.Time
}

// darkSince returns DarkSince of each regressed village of ps (zero ones left out), reading
// the histories of those not yet known for snapshot instant asOf: once per snapshot instant,
// as the weekly history, and only the regressed villages' histories.
func (s *Service) darkSince(ctx context.Context, ps *geo.ProgramState, asOf time.Time) (map[string]time.Time, error) {
	if len(ps.Regressed) == 0 {
		return nil, nil
	}
	if !s.dark.asOf.Equal(asOf) || s.dark.byProg == nil {
		s.dark = darkCache{asOf: asOf, byProg: map[string]map[string]time.Time{}}
	}
	known := s.dark.byProg[ps.Program.ID]
	if known == nil {
		known = map[string]time.Time{}
		s.dark.byProg[ps.Program.ID] = known
	}
	var missing []string
	for _, id := range ps.Regressed {
		if _, ok := known[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		prog := ps.Program
		err := s.Store.EachVillageHistory(ctx, geo.VillageFilter{IDs: missing}, func(v *geo.Village, h []geo.Observation) error {
			known[v.ID] = DarkSince(v, h, &prog, &s.Policy, asOf)
			return ctx.Err()
		})
		if err != nil {
			return nil, fmt.Errorf("regressed villages' histories of %s: %w", prog.ID, err)
		}
		for _, id := range missing {
			if _, ok := known[id]; !ok {
				known[id] = time.Time{} // not in today's registry: nothing to say
			}
		}
	}
	out := make(map[string]time.Time, len(ps.Regressed))
	for _, id := range ps.Regressed {
		if t := known[id]; !t.IsZero() {
			out[id] = t
		}
	}
	return out, nil
}
