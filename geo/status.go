package geo

import (
	"slices"
	"sort"
	"time"
)

// Status is what covmon decides about a village at an instant.
type Status string

// The four statuses. Every village has exactly one at any instant.
const (
	// StatusCovered: at least one carrier's latest observation shows signal that counts.
	StatusCovered Status = "covered"
	// StatusDeadZone: the village has grid power and no carrier has signal that counts.
	StatusDeadZone Status = "dead_zone"
	// StatusNoPower: no grid power and no signal; tracked, outside the powered-village deadline.
	StatusNoPower Status = "no_power"
	// StatusNoData: no carrier ever reported the village; it counts as not covered.
	StatusNoData Status = "no_data"
)

// Statuses lists every status in display order.
var Statuses = []Status{StatusCovered, StatusDeadZone, StatusNoPower, StatusNoData}

// Level is the best service any carrier offers a village.
type Level int

// Levels in increasing order.
const (
	LevelNone   Level = iota // no signal that counts
	LevelVoice               // 2G or 3G only
	Level4G                  // 4G/5G below the speed threshold, or speed not measured
	Level4GFast              // 4G/5G measured at or above Policy.FastDLMbps
)

// String returns the wire name: "none", "voice", "4g" or "4g_fast".
func (l Level) String() string {
	return [...]string{"none", "voice", "4g", "4g_fast"}[l]
}

// Policy holds the thresholds that decide when an observation counts as signal. There is no
// single official dBm figure, so all of them are configuration.
type Policy struct {
	// MinTechnology is the oldest generation that counts as coverage (default 2G: the 2022
	// programme counted any mobile signal; set 4G to track the 4G goal).
	MinTechnology Technology
	// MinRSRPdBm: a 4G/5G observation whose measured RSRP is below this counts as no signal
	// (default −120 dBm). Observations without RSRP are taken at their has_signal word.
	MinRSRPdBm float64
	// FastDLMbps is the download speed at which 4G counts as meeting the speed threshold
	// (default 10 Mbit/s).
	FastDLMbps float64
	// Carriers is the list of configured carriers (the signal distribution counts villages by
	// how many of them have signal, 0 to len(Carriers)).
	Carriers []string
}

// DefaultPolicy returns the documented defaults.
func DefaultPolicy() Policy {
	return Policy{MinTechnology: Tech2G, MinRSRPdBm: -120, FastDLMbps: 10, Carriers: slices.Clone(DefaultCarriers)}
}

// Counts reports whether o shows signal that counts under p.
func (p *Policy) Counts(o *Observation) bool {
	if !o.HasSignal || o.Technology < p.MinTechnology {
		return false
	}
	if o.Technology >= Tech4G && o.RSRPdBm != nil && *o.RSRPdBm < p.MinRSRPdBm {
		return false
	}
	return true
}

// Assessment is a village's status at an instant, with what it was derived from.
type Assessment struct {
	Status Status
	Level  Level
	// CarriersWithSignal lists, sorted, the carriers whose signal counts.
	CarriersWithSignal []string
	// CarriersReported lists, sorted, the carriers with any observation (with or without signal).
	CarriersReported []string
	// LastObservedAt is the newest observation considered; zero for no_data.
	LastObservedAt time.Time
	// PartialArea is true for a covered village that is "lõm sóng": its centre has signal,
	// but judged from the observations that carry an AreaShare (coverage-area uploads), no
	// observation whose signal counts covers the whole settled area. A covered village with no
	// such observation is not PartialArea (nothing says part of it is dark). A dead_zone
	// village is "trắng sóng": no signal that counts at its centre.
	PartialArea bool
	// AreaAssessed is true when a latest observation carries an AreaShare: a coverage-area
	// result judged the settled area (not only the centre).
	AreaAssessed bool
	// Trust is the trust rule the status was decided under (TrustClaims or TrustVerified).
	Trust Trust
	// Claims holds each latest carrier claim with the measurement confirming it, if any.
	Claims []ClaimEvidence
	// Discrepancies lists the series whose latest claim the latest independent measurement
	// contradicts (FindDiscrepancies), ordered by carrier, then technology. Under TrustClaims
	// a contradicted claim still counts: the village is covered and flagged.
	Discrepancies []Discrepancy
	// Unconfirmed counts the claims of signal that did not count because TrustVerified is in
	// force and no independent measurement confirms them.
	Unconfirmed int
}

// Area coverage, as AreaCoverage reports it.
const (
	AreaFull    = "full"    // covered, and a coverage-area result covers the whole settled area
	AreaPartial = "partial" // lõm sóng: centre covered, part of the settled area dark
	AreaUnknown = "unknown" // covered at the centre; no area assessment says how much of the area
	AreaDark    = "dark"    // trắng sóng: no signal that counts at the centre (dead_zone, no_power)
)

// AreaCoverage returns AreaFull, AreaPartial, AreaUnknown or AreaDark, or "" for a village
// without data. A covered village is "full" only when an area assessment says so.
func (a *Assessment) AreaCoverage() string {
	switch {
	case a.Status == StatusCovered && a.PartialArea:
		return AreaPartial
	case a.Status == StatusCovered && a.AreaAssessed:
		return AreaFull
	case a.Status == StatusCovered:
		return AreaUnknown
	case a.Status == StatusDeadZone || a.Status == StatusNoPower:
		return AreaDark
	}
	return ""
}

// Assess decides v's status at asOf from latest, the latest observation per carrier ×
// technology observed at or before asOf (older or later ones must not be passed), trusting
// the claims (TrustClaims) and without independent measurements.
func Assess(v *Village, latest []Observation, p *Policy, asOf time.Time) Assessment {
	return AssessEvidence(v, latest, nil, nil, p, asOf)
}

// AssessEvidence is Assess with measured, the latest independent measurement per carrier ×
// technology at or before asOf, under prog's trust rule and discrepancy window (prog nil:
// TrustClaims, DefaultEvidenceMaxAge).
func AssessEvidence(v *Village, latest, measured []Observation, prog *Program, p *Policy, asOf time.Time) Assessment {
	var a Assessment
	counts := judge(&a, latest, measured, prog, p, asOf)
	areaSeen, areaFull := false, false
	for i := range latest {
		o := &latest[i]
		if o.ObservedAt.After(a.LastObservedAt) {
			a.LastObservedAt = o.ObservedAt
		}
		if !slices.Contains(a.CarriersReported, o.Carrier) {
			a.CarriersReported = append(a.CarriersReported, o.Carrier)
		}
		if o.AreaShare != nil {
			a.AreaAssessed = true
		}
		if !counts[i] {
			continue
		}
		if !slices.Contains(a.CarriersWithSignal, o.Carrier) {
			a.CarriersWithSignal = append(a.CarriersWithSignal, o.Carrier)
		}
		if o.AreaShare != nil {
			areaSeen = true
			areaFull = areaFull || *o.AreaShare >= 1
		}
		lv := LevelVoice
		if o.Technology >= Tech4G {
			lv = Level4G
			if o.DLMbps != nil && *o.DLMbps >= p.FastDLMbps {
				lv = Level4GFast
			}
		}
		a.Level = max(a.Level, lv)
	}
	sort.Strings(a.CarriersReported)
	sort.Strings(a.CarriersWithSignal)
	switch {
	case len(latest) == 0:
		a.Status = StatusNoData
	case len(a.CarriersWithSignal) > 0:
		a.Status = StatusCovered
		a.PartialArea = areaSeen && !areaFull
	case v.PoweredAt(asOf):
		a.Status = StatusDeadZone
	default:
		a.Status = StatusNoPower
	}
	return a
}

// Reason says why an open village (in scope, no signal that counts) counts as open. The list
// is open-ended: later rules add reasons (a plan past its date, say).
type Reason string

// Reasons an open village is open.
const (
	// ReasonNeverReported: no carrier ever reported the village (status no_data).
	ReasonNeverReported Reason = "never_reported"
	// ReasonNoSignal: reported, but no report shows signal that counts (none, or below the
	// policy's thresholds).
	ReasonNoSignal Reason = "no_signal"
	// ReasonDarkCentre: a coverage-area result leaves the village's centre dark (a village with
	// a settled area whose areas/v1 join found no signal at its centre).
	ReasonDarkCentre Reason = "dark_centre"
	// ReasonContradicted (TrustVerified only): a carrier claims signal that counts, and a
	// newer independent measurement found none (a flagged Overstated discrepancy).
	ReasonContradicted Reason = "contradicted"
	// ReasonUnconfirmed (TrustVerified only): a carrier claims signal that counts, and no
	// independent measurement at or after the claim confirms it.
	ReasonUnconfirmed Reason = "unconfirmed"
)

// Reasons lists the reasons in display order.
var Reasons = []Reason{ReasonNeverReported, ReasonNoSignal, ReasonDarkCentre, ReasonContradicted, ReasonUnconfirmed}

// reason returns why a village without signal that counts is open. A claim of signal the
// trust rule did not count explains it before anything else.
func reason(a *Assessment, latest []Observation) Reason {
	if a.Status == StatusNoData {
		return ReasonNeverReported
	}
	if a.Unconfirmed > 0 {
		if a.contradicted() {
			return ReasonContradicted
		}
		return ReasonUnconfirmed
	}
	for i := range latest {
		if latest[i].AreaShare != nil {
			return ReasonDarkCentre
		}
	}
	return ReasonNoSignal
}

// VillageStatus is a village together with its assessment and deadline standing under a program.
type VillageStatus struct {
	Village *Village
	Assessment
	// InScope is true when the village is in the program's scope at the instant (InScope).
	InScope bool
	// Deadline is the village's own deadline in the program (zero when it is in no program),
	// DeadlineBasis where it comes from (DeadlineFor).
	Deadline      time.Time
	DeadlineBasis DeadlineBasis
	// Open is true for an in-scope village without signal that counts, whether or not anyone
	// reported on it; Reason says why (empty when not open).
	Open   bool
	Reason Reason
	// Overdue is true for an open village whose own deadline has passed; DaysOverdue counts
	// whole days since that deadline (never from before the village was in scope).
	Overdue     bool
	DaysOverdue int
	// Responsible is the carrier assigned to the village in the program at the instant, ""
	// when none is (see Bucket).
	Responsible string
	// ResponsibleSince, for an open village with a responsible carrier, is when that
	// carrier's responsibility in force began (Assignments.Since: re-assigning the same
	// carrier does not restart it); zero otherwise. A carrier's overdue alert starts no
	// earlier (alerts: a deadline that passed under another carrier is not put to it).
	ResponsibleSince time.Time
	// Lifecycle is the village's step in the program and its evidence (LifecycleOf); the zero
	// value until the plans and measurements are applied, and for a village out of scope.
	Lifecycle Lifecycle
}

// Evaluate assesses every village at asOf under program prog (nil for none). latest maps a
// village ID to its latest observations at asOf; as gives the responsible carriers (nil: none
// assigned). The policy is prog's in force at asOf (Program.PolicyAt) when prog has
// policies, else p. Without independent measurements (see EvaluateEvidence), a program
// trusting only verified claims counts no claim.
func Evaluate(villages []Village, latest map[string][]Observation, prog *Program, p *Policy, as *Assignments, asOf time.Time) []VillageStatus {
	e := NewEvaluator(prog, p, as, asOf)
	out := make([]VillageStatus, 0, len(villages))
	for i := range villages {
		out = append(out, e.Evaluate(&villages[i], latest[villages[i].ID]))
	}
	return out
}

// EvaluateEvidence is Evaluate with measured, the latest independent measurements per village
// (carrier × technology, at or before asOf): they flag discrepancies and, under
// TrustVerified, decide which claims count (AssessEvidence).
func EvaluateEvidence(villages []Village, latest, measured map[string][]Observation, prog *Program, p *Policy, as *Assignments, asOf time.Time) []VillageStatus {
	e := NewEvaluator(prog, p, as, asOf)
	out := make([]VillageStatus, 0, len(villages))
	for i := range villages {
		out = append(out, e.EvaluateMeasured(&villages[i], latest[villages[i].ID], measured[villages[i].ID]))
	}
	return out
}

// Evaluator evaluates villages one at a time, as Evaluate does for a slice: for callers that
// stream the registry instead of holding it (collector.BuildSnapshot).
type Evaluator struct {
	prog *Program
	p    *Policy
	as   *Assignments
	asOf time.Time
}

// NewEvaluator returns an Evaluator of program prog (nil for none) at asOf, under prog's policy
// in force at asOf, else p; as gives the responsible carriers (nil: none assigned).
func NewEvaluator(prog *Program, p *Policy, as *Assignments, asOf time.Time) *Evaluator {
	return &Evaluator{prog: prog, p: policyFor(prog, p, asOf), as: as, asOf: asOf}
}

// Evaluate assesses v from latest, its latest observations at the Evaluator's instant, without
// independent measurements.
func (e *Evaluator) Evaluate(v *Village, latest []Observation) VillageStatus {
	return e.EvaluateMeasured(v, latest, nil)
}

// EvaluateMeasured is Evaluate with measured, v's latest independent measurements at the
// Evaluator's instant (see AssessEvidence).
func (e *Evaluator) EvaluateMeasured(v *Village, latest, measured []Observation) VillageStatus {
	prog, asOf := e.prog, e.asOf
	vs := VillageStatus{Village: v, Assessment: AssessEvidence(v, latest, measured, prog, e.p, asOf)}
	if prog != nil && slices.Contains(v.Programs, prog.ID) {
		vs.Deadline, vs.DeadlineBasis = DeadlineFor(v, prog)
		vs.Responsible = e.as.At(prog.ID, v.ID, asOf)
		vs.InScope = InScope(v, prog, asOf)
		if vs.InScope && vs.Status != StatusCovered {
			vs.Open = true
			vs.Reason = reason(&vs.Assessment, latest)
			if vs.Responsible != "" {
				vs.ResponsibleSince, _ = e.as.Since(prog.ID, v.ID, asOf)
			}
			if !asOf.Before(vs.Deadline) {
				vs.Overdue = true
				vs.DaysOverdue = int(asOf.Sub(vs.Deadline) / (24 * time.Hour))
			}
		}
	}
	return vs
}
