package i18n

import (
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

// Explain says in words what a village's status rests on (geo.Assessment.Explain), e.g.
// "covered per viettel claim (4g) 2025-03-02, contradicted by inspection 2025-04-10"; "" when
// no carrier claims signal that counts under the policy (the reason then says why).
func Explain(e geo.Explanation) Label {
	if e.Claim == nil {
		return Label{}
	}
	key, at := "explain.covered", ""
	switch {
	case e.Confirmation != nil:
		key, at = "explain.covered_confirmed", date(e.Confirmation.ObservedAt)
	case e.Contradicted != nil && e.Contradiction != nil:
		return reclaimed(e.Trust, e.Claim.Carrier, e.Claim.Technology, e.Contradicted.ObservedAt, e.Contradiction.ObservedAt, e.Claim.ObservedAt, true)
	case e.Trust == geo.TrustVerified && e.Contradiction != nil:
		key, at = "explain.uncounted_contradicted", date(e.Contradiction.ObservedAt)
	case e.Trust == geo.TrustVerified:
		key = "explain.uncounted_unconfirmed"
	case e.Contradiction != nil:
		key, at = "explain.covered_contradicted", date(e.Contradiction.ObservedAt)
	}
	l := labels[key]
	args := []any{e.Claim.Carrier, e.Claim.Technology.String(), date(e.Claim.ObservedAt), at}
	return Label{fmt.Sprintf(l.Vi, args...), fmt.Sprintf(l.En, args...)}
}

func date(t time.Time) string { return t.In(geo.Vietnam).Format(time.DateOnly) }

// ExplainDiscrepancy says one discrepancy in words under trust rule t: an overstated claim as
// Explain says a contradicted claim ("covered per viettel claim (4g) 2025-03-02, contradicted
// by inspection 2025-04-10"), an understated one as "viettel claims no signal (4g) 2025-03-02,
// inspection 2025-04-10 measured signal"; a re-claimed one adds "; re-claimed 2025-05-01,
// awaiting re-inspection".
func ExplainDiscrepancy(d geo.Discrepancy, t geo.Trust) Label {
	if d.Reclaim != nil {
		return reclaimed(t, d.Carrier, d.Technology, d.Claim.ObservedAt, d.Measurement.ObservedAt, d.Reclaim.ObservedAt, d.Kind == geo.Overstated)
	}
	if d.Kind == geo.Overstated {
		return Explain(geo.Explanation{Trust: t, Claim: &d.Claim, Contradiction: &d.Measurement})
	}
	l := labels["explain.understated"]
	args := []any{d.Carrier, d.Technology.String(), date(d.Claim.ObservedAt), date(d.Measurement.ObservedAt)}
	return Label{fmt.Sprintf(l.Vi, args...), fmt.Sprintf(l.En, args...)}
}

// reclaimed says a contradicted claim claimed again after the inspection: the claim of claimAt,
// the inspection of measuredAt, the re-claim of reclaimAt; overstated or understated.
func reclaimed(t geo.Trust, carrier string, tech geo.Technology, claimAt, measuredAt, reclaimAt time.Time, overstated bool) Label {
	key := "explain.understated_reclaimed"
	switch {
	case overstated && t == geo.TrustVerified:
		key = "explain.uncounted_reclaimed"
	case overstated:
		key = "explain.covered_reclaimed"
	}
	l := labels[key]
	args := []any{carrier, tech.String(), date(claimAt), date(measuredAt), date(reclaimAt)}
	return Label{fmt.Sprintf(l.Vi, args...), fmt.Sprintf(l.En, args...)}
}
