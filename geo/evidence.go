package geo

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Trust is how much a program trusts a carrier's claim of signal.
type Trust string

// The trust rules.
const (
	// TrustClaims counts a carrier's latest claim as it stands (the default, and covmon's
	// behaviour before independent measurements): a contradicted claim still counts, and the
	// contradiction is flagged as a Discrepancy.
	TrustClaims Trust = "claims"
	// TrustVerified counts a claim of signal only once an independent measurement observed at
	// or after the claim, and the latest such measurement, confirms it (shows signal that counts
	// under the same policy).
	TrustVerified Trust = "verified"
)

// ParseTrust reads "claims" or "verified"; "" is TrustClaims.
func ParseTrust(s string) (Trust, error) {
	switch Trust(s) {
	case "", TrustClaims:
		return TrustClaims, nil
	case TrustVerified:
		return TrustVerified, nil
	}
	return "", fmt.Errorf("trust %q: want %q or %q", s, TrustClaims, TrustVerified)
}

// DefaultEvidenceMaxAge is how old an independent measurement may be, at the as-of instant,
// and still flag a discrepancy: 180 days.
const DefaultEvidenceMaxAge = 180 * 24 * time.Hour

// TrustOf returns prog's trust rule (TrustClaims for nil or unset).
func TrustOf(prog *Program) Trust {
	if prog == nil || prog.Trust == "" {
		return TrustClaims
	}
	return prog.Trust
}

// evidenceMaxAge returns prog's discrepancy window (DefaultEvidenceMaxAge for nil or unset).
func evidenceMaxAge(prog *Program) time.Duration {
	if prog == nil || prog.EvidenceMaxAge <= 0 {
		return DefaultEvidenceMaxAge
	}
	return prog.EvidenceMaxAge
}

// DiscrepancyKind says which way a claim and a measurement disagree.
type DiscrepancyKind string

// The two kinds of discrepancy.
const (
	// Overstated: the carrier claims signal that counts, the independent measurement found none.
	Overstated DiscrepancyKind = "overstated"
	// Understated: the carrier claims no signal that counts, the measurement found signal.
	Understated DiscrepancyKind = "understated"
)

// Discrepancy is one carrier × technology series of a village whose latest independent
// measurement contradicts the carrier's claim in force at the measurement's instant, while the
// carrier's latest claim still says what was contradicted (see FindDiscrepancies). Claim and
// Measurement are the two observations, with their dates (ObservedAt) and uploads (UploadID).
type Discrepancy struct {
	Carrier     string
	Technology  Technology
	Kind        DiscrepancyKind
	Claim       Observation
	Measurement Observation
	// Reclaim is the carrier's latest claim when the carrier claimed again after the
	// measurement, saying the same as the contradicted Claim (signal that counts, or none):
	// "contradicted by inspection; re-claimed; awaiting re-inspection". nil when the latest
	// claim is Claim itself.
	Reclaim *Observation
}

// Reclaimed reports whether the carrier re-claimed what the measurement contradicted.
func (d *Discrepancy) Reclaimed() bool { return d.Reclaim != nil }

// FindDiscrepancies compares, per carrier × technology series of a village, the latest
// independent measurement (measured: one per series observed at or before asOf, each with its
// ClaimInForce) with the carrier's claim in force at the measurement's instant, and with the
// carrier's latest claim (claims: one per series observed at or before asOf), under policy p.
// A series is a discrepancy when
//   - the carrier had a claim in force at the measurement's instant (observed at or before it:
//     a claim made only after the measurement may report a fix and is not contradicted by what
//     was measured before it; a claim at the same instant is judged by it),
//   - the measurement is at most maxAge old at asOf (an old drive test says little about
//     today's network),
//   - the claim in force and the measurement disagree (one counts as signal under p, the other
//     not), and
//   - the carrier's latest claim still disagrees with the measurement. A carrier that concedes
//     (claims what was measured) clears the flag; one that claims again what was contradicted
//     does not: the discrepancy stays, with the re-claim (Reclaim), until a newer independent
//     measurement judges the new claim. Re-uploading a claim with a newer date changes nothing
//     on the ground, so it cannot erase a contradiction.
//
// A measurement without a claim of the same carrier × technology flags nothing: there is no
// claim to contradict. The result is ordered by carrier, then technology.
func FindDiscrepancies(claims, measured []Observation, p *Policy, maxAge time.Duration, asOf time.Time) []Discrepancy {
	var out []Discrepancy
	for i := range measured {
		m := &measured[i]
		c0 := m.ClaimInForce
		if c0 == nil || m.ObservedAt.After(asOf) || asOf.Sub(m.ObservedAt) > maxAge {
			continue
		}
		mc := p.Counts(m)
		if p.Counts(c0) == mc {
			continue
		}
		last := matching(claims, m)
		if last == nil {
			last = c0
		}
		if p.Counts(last) == mc {
			continue // the carrier conceded
		}
		d := Discrepancy{Carrier: m.Carrier, Technology: m.Technology, Kind: Overstated, Claim: *c0, Measurement: *m}
		d.Measurement.ClaimInForce = nil
		if last.ObservedAt.After(m.ObservedAt) {
			r := *last
			d.Reclaim = &r
		}
		if mc {
			d.Kind = Understated
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Carrier != out[j].Carrier {
			return out[i].Carrier < out[j].Carrier
		}
		return out[i].Technology < out[j].Technology
	})
	return out
}

// ClaimInForceAt returns the claim of m's carrier × technology in force at m's instant, as the
// carrier had put it on record: the last of claims (a history ordered by observed_at, then ID,
// as the stores give it) of that series observed at or before m and stored before m (a lower
// ID; IDs grow in commit order), or nil. When the carrier had no such claim on record when m
// was stored, the claims of the first upload that put one on record count instead (a claim of
// signal before the inspection, reported late, is still judged by it).
//
// A claim stored after the measurement and dated at or before it never replaces the one the
// measurement judged: otherwise a carrier contradicted by an inspection could upload a
// "no signal" claim dated the inspection's instant (or correct its old claim), so that the
// inspection agrees with the claim "in force", then claim signal again with a newer date, and
// the flag would be gone (docs/figures.md: backdated concessions). Observations without IDs
// (hand-made histories) are all taken as one upload: the newest observed at or before m.
func ClaimInForceAt(claims []Observation, m *Observation) *Observation {
	var first *Observation // the first stored claim of the series observed at or before m
	for i := range claims {
		c := &claims[i]
		if c.Carrier == m.Carrier && c.Technology == m.Technology && !c.ObservedAt.After(m.ObservedAt) &&
			(first == nil || c.ID < first.ID) {
			first = c
		}
	}
	var in *Observation
	for i := range claims {
		c := &claims[i]
		if c.Carrier == m.Carrier && c.Technology == m.Technology && !c.ObservedAt.After(m.ObservedAt) &&
			(c.ID < m.ID || c.UploadID == first.UploadID) {
			in = c
		}
	}
	return in
}

// WithClaimsInForce returns measured with each measurement's ClaimInForce set from claims (a
// history of carrier claims ordered by observed_at, then ID; see ClaimInForceAt). It is what
// the stores' LatestMeasurements does in SQL, for callers holding whole histories.
func WithClaimsInForce(claims, measured []Observation) []Observation {
	if len(measured) == 0 {
		return measured
	}
	out := make([]Observation, len(measured))
	for i := range measured {
		out[i] = measured[i]
		if c := ClaimInForceAt(claims, &measured[i]); c != nil {
			cc := *c
			cc.ClaimInForce = nil
			out[i].ClaimInForce = &cc
		}
	}
	return out
}

// matching returns the observation of os with c's carrier and technology, or nil.
func matching(os []Observation, c *Observation) *Observation {
	for i := range os {
		if os[i].Carrier == c.Carrier && os[i].Technology == c.Technology {
			return &os[i]
		}
	}
	return nil
}

// Confirmed reports whether claim c is confirmed by measured (the latest independent
// measurements per carrier × technology): the series' measurement was observed at or after
// the claim and shows signal that counts under p. It is what TrustVerified asks of a claim
// of signal. No age limit applies: a claim confirmed stays confirmed until the carrier
// claims something newer (or a newer measurement says otherwise).
func Confirmed(c *Observation, measured []Observation, p *Policy) bool {
	m := matching(measured, c)
	return m != nil && !m.ObservedAt.Before(c.ObservedAt) && p.Counts(m)
}

// Explanation is the evidence a village's status rests on, for people: which claim makes it
// covered (or would, were it confirmed) and what an independent measurement said about it.
// collector/i18n renders it in Vietnamese or English.
type Explanation struct {
	// Trust is the rule in force.
	Trust Trust
	// Claim is the newest claim of signal that counts, nil when no carrier claims any.
	Claim *Observation
	// Confirmation is the measurement confirming Claim (nil when none does).
	Confirmation *Observation
	// Contradiction is the measurement contradicting Claim (nil when none does): a
	// discrepancy of Claim's series (FindDiscrepancies).
	Contradiction *Observation
	// Contradicted is the claim Contradiction contradicted when the carrier has claimed the
	// same again since (Claim is then that re-claim, awaiting re-inspection); nil otherwise.
	Contradicted *Observation
}

// Explain returns the evidence behind a's status: among the claims of signal that counts under
// the policy, a confirmed one first, then one no measurement contradicts, then a contradicted
// one; the newest among equals.
func (a *Assessment) Explain() Explanation {
	e := Explanation{Trust: a.Trust}
	if a.Trust == "" {
		e.Trust = TrustClaims
	}
	rank := -1
	for i := range a.Claims {
		c := &a.Claims[i]
		if !c.Counts {
			continue
		}
		var contra, contradicted *Observation
		for j := range a.Discrepancies {
			d := &a.Discrepancies[j]
			if d.Carrier == c.Claim.Carrier && d.Technology == c.Claim.Technology {
				contra = &d.Measurement
				if d.Reclaim != nil {
					contradicted = &d.Claim
				}
			}
		}
		r := 1
		switch {
		case c.Confirmation != nil:
			r = 2
		case contra != nil:
			r = 0
		}
		if r > rank || (r == rank && c.Claim.ObservedAt.After(e.Claim.ObservedAt)) {
			rank = r
			e.Claim, e.Confirmation, e.Contradiction, e.Contradicted = &c.Claim, c.Confirmation, contra, contradicted
		}
	}
	return e
}

// ClaimEvidence is one claim of a village with what the trust rule made of it.
type ClaimEvidence struct {
	Claim Observation
	// Confirmation is the latest independent measurement of the series when it confirms the
	// claim (Confirmed), else nil.
	Confirmation *Observation
	// Counts: the claim shows signal that counts under the policy (before the trust rule).
	// Exported so that a snapshot persisted for a warm start (encoding/gob, which skips
	// unexported fields) keeps it: Explain reads it. Not part of any JSON document.
	Counts bool `json:"-"`
}

// judge applies the trust rule to a village's claims: it returns, per claim, whether it
// counts as signal, and fills a's Claims, Discrepancies and Unconfirmed.
func judge(a *Assessment, latest, measured []Observation, prog *Program, p *Policy, asOf time.Time) []bool {
	a.Trust = TrustOf(prog)
	a.Discrepancies = FindDiscrepancies(latest, measured, p, evidenceMaxAge(prog), asOf)
	counts := make([]bool, len(latest))
	for i := range latest {
		o := &latest[i]
		ce := ClaimEvidence{Claim: *o, Counts: p.Counts(o)}
		if ce.Counts && Confirmed(o, measured, p) {
			m := *matching(measured, o)
			ce.Confirmation = &m
		}
		counts[i] = ce.Counts && (a.Trust != TrustVerified || ce.Confirmation != nil)
		if ce.Counts && !counts[i] {
			a.Unconfirmed++
		}
		a.Claims = append(a.Claims, ce)
	}
	return counts
}

// Compact drops from a's Claims those that show no signal counting under the policy: Explain,
// the only reader of Claims, passes over them. What a holds per village is then bounded by the
// claims of signal, not by every series reported: an open village (the snapshot keeps every
// one) usually has none, where the full list cost ~4 KB per village at national scale.
func (a *Assessment) Compact() {
	n := 0
	for i := range a.Claims {
		if a.Claims[i].Counts {
			n++
		}
	}
	if n == len(a.Claims) {
		a.Claims = slices.Clip(a.Claims)
		return
	}
	var kept []ClaimEvidence
	if n > 0 {
		kept = make([]ClaimEvidence, 0, n)
		for _, c := range a.Claims {
			if c.Counts {
				kept = append(kept, c)
			}
		}
	}
	a.Claims = kept
}

// contradicted reports whether a has a claim of signal contradicted by a flagged discrepancy.
func (a *Assessment) contradicted() bool {
	return slices.ContainsFunc(a.Discrepancies, func(d Discrepancy) bool { return d.Kind == Overstated })
}

// DiscrepancyCount is, for one carrier, the villages flagged by FindDiscrepancies (the latest
// independent measurement contradicts its claim in force then, and its latest claim still
// says the same; a village counts once per carrier, whatever the number of technologies):
// Overstated (claims signal, measured none), Understated (the reverse), and Villages (either).
type DiscrepancyCount struct {
	Carrier     string
	Villages    int
	Overstated  int
	Understated int
	// Reclaimed counts the villages (of Villages) where the carrier claimed again what the
	// measurement contradicted (Discrepancy.Reclaim): awaiting re-inspection.
	Reclaimed int
}

// CountDiscrepancies counts the discrepancies of sts per carrier whose claim it is: one row
// per configured carrier of p (zero included, in configuration order), then any other carrier
// in name order. Villages not yet known at asOf are left out.
func CountDiscrepancies(sts []VillageStatus, p *Policy, asOf time.Time) []DiscrepancyCount {
	t := newDiscrepancyTally(p.Carriers)
	for i := range sts {
		if sts[i].Village.KnownAt(asOf) {
			t.addN(&sts[i], 1)
		}
	}
	return t.counts()
}

// discrepancyTally counts discrepancies one village at a time (SummaryBuilder, CountDiscrepancies).
type discrepancyTally struct {
	carriers []string
	by       map[string]*DiscrepancyCount
}

func newDiscrepancyTally(carriers []string) *discrepancyTally {
	t := &discrepancyTally{carriers: carriers, by: map[string]*DiscrepancyCount{}}
	for _, c := range carriers {
		t.by[c] = &DiscrepancyCount{Carrier: c}
	}
	return t
}

// addN counts vs's discrepancies d times (1 to add, -1 to take back what an add counted): the
// village once per carrier, and once per kind. A carrier outside the configured ones whose
// counts fall back to zero is dropped, as if never counted.
func (t *discrepancyTally) addN(vs *VillageStatus, d int) {
	if len(vs.Discrepancies) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, dc := range vs.Discrepancies {
		r := t.by[dc.Carrier]
		if r == nil {
			r = &DiscrepancyCount{Carrier: dc.Carrier}
			t.by[dc.Carrier] = r
		}
		if !seen[dc.Carrier] {
			r.Villages += d
		}
		k := dc.Carrier + "/" + string(dc.Kind)
		if !seen[k] {
			if dc.Kind == Overstated {
				r.Overstated += d
			} else {
				r.Understated += d
			}
		}
		if dc.Reclaim != nil && !seen[dc.Carrier+"/reclaimed"] {
			r.Reclaimed += d
			seen[dc.Carrier+"/reclaimed"] = true
		}
		seen[dc.Carrier], seen[k] = true, true
	}
	for _, dc := range vs.Discrepancies {
		if r := t.by[dc.Carrier]; r != nil && *r == (DiscrepancyCount{Carrier: dc.Carrier}) && !slices.Contains(t.carriers, dc.Carrier) {
			delete(t.by, dc.Carrier)
		}
	}
}

// counts returns the rows: the configured carriers in order, then any other in name order.
func (t *discrepancyTally) counts() []DiscrepancyCount {
	out := make([]DiscrepancyCount, 0, len(t.by))
	for _, c := range t.carriers {
		out = append(out, *t.by[c])
	}
	var extra []string
	for c := range t.by {
		if !slices.Contains(t.carriers, c) {
			extra = append(extra, c)
		}
	}
	sort.Strings(extra)
	for _, c := range extra {
		out = append(out, *t.by[c])
	}
	return out
}
