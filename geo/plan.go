package geo

import (
	"sort"
	"time"
)

// Progress is how far a carrier's plan for a village has come, as the carrier reports it in a
// plans/v1 file.
type Progress string

// Build progress, in order.
const (
	ProgressPlanned Progress = "planned"
	ProgressBuilt   Progress = "built"
	ProgressOnAir   Progress = "on_air"
)

// Progresses lists the build progress values in order.
var Progresses = []Progress{ProgressPlanned, ProgressBuilt, ProgressOnAir}

// Plan is a carrier's plan to bring signal to a village in a program: the site that will serve
// it, the date it is to be on air, and how far the work has come (each step with its date).
type Plan struct {
	VillageID string
	ProgramID string
	Carrier   string
	SiteID    string
	// TargetOnAir is the date (00:00 in Vietnam) by which the carrier says the village will
	// have signal; the village is late from the next day on (PlanLate).
	TargetOnAir time.Time
	Progress    Progress
	// PlannedAt, BuiltAt and OnAirAt date the steps reached; zero for a step not reached.
	PlannedAt, BuiltAt, OnAirAt time.Time
	// UploadID is the plans upload it came in and ReceivedAt when covmon received it: a plan
	// counts from ReceivedAt on (what was known then), until a later plan of the same carrier
	// for the same village and program replaces it.
	UploadID   int64
	ReceivedAt time.Time
}

// StepAt returns the date of progress step s, zero when the plan has not reached it.
func (p *Plan) StepAt(s Progress) time.Time {
	switch s {
	case ProgressPlanned:
		return p.PlannedAt
	case ProgressBuilt:
		return p.BuiltAt
	case ProgressOnAir:
		return p.OnAirAt
	}
	return time.Time{}
}

// Plans is the history of every plan uploaded, per program and village. The zero value and nil
// hold none.
type Plans struct {
	byKey map[[2]string][]Plan // program, village → ordered by ReceivedAt, UploadID
}

// NewPlans indexes ps for look-ups by carrier and instant.
func NewPlans(ps []Plan) *Plans {
	b := &Plans{byKey: map[[2]string][]Plan{}}
	for _, p := range ps {
		k := [2]string{p.ProgramID, p.VillageID}
		b.byKey[k] = append(b.byKey[k], p)
	}
	for _, h := range b.byKey {
		sort.SliceStable(h, func(i, j int) bool {
			if !h[i].ReceivedAt.Equal(h[j].ReceivedAt) {
				return h[i].ReceivedAt.Before(h[j].ReceivedAt)
			}
			return h[i].UploadID < h[j].UploadID
		})
	}
	return b
}

// Latest returns the plan of carrier for the village in the program that counts at asOf: the
// latest one received at or before asOf and not before since (the start of the carrier's
// current responsibility, so a plan from an earlier spell does not come back), or nil.
func (b *Plans) Latest(programID, villageID, carrier string, since, asOf time.Time) *Plan {
	if b == nil || carrier == "" {
		return nil
	}
	h := b.byKey[[2]string{programID, villageID}]
	for i := len(h) - 1; i >= 0; i-- {
		p := &h[i]
		if p.ReceivedAt.After(asOf) || p.Carrier != carrier {
			continue
		}
		if p.ReceivedAt.Before(since) {
			return nil
		}
		return p
	}
	return nil
}

// MissedTarget returns the earliest target on-air date of carrier's plans for the village in
// the program (received in [since, asOf], as Latest) that had already passed when a later plan
// of the same carrier replaced it: a target missed and then moved. Zero when there is none.
// Re-planning before the target is the carrier's right; re-dating a target already missed does
// not make the village less late (LifecycleOf counts lateness from the missed target).
func (b *Plans) MissedTarget(programID, villageID, carrier string, since, asOf time.Time) time.Time {
	if b == nil || carrier == "" {
		return time.Time{}
	}
	var missed time.Time
	var prev *Plan
	for _, p := range b.byKey[[2]string{programID, villageID}] {
		if p.Carrier != carrier || p.ReceivedAt.Before(since) || p.ReceivedAt.After(asOf) {
			continue
		}
		if prev != nil && !prev.TargetOnAir.IsZero() && !p.ReceivedAt.Before(prev.TargetOnAir.AddDate(0, 0, 1)) &&
			(missed.IsZero() || prev.TargetOnAir.Before(missed)) {
			missed = prev.TargetOnAir
		}
		prev = &p
	}
	return missed
}

// Step is where a village stands in a program's lifecycle, from the dead zone on the list to
// signal an independent measurement confirms.
type Step string

// Lifecycle steps, in order (docs/figures.md).
const (
	// StepFlagged: the village is a dead zone on the program's list, and no carrier is
	// responsible for it.
	StepFlagged Step = "flagged"
	// StepAssigned: a carrier is responsible, and has no plan for it that counts.
	StepAssigned Step = "assigned"
	// StepPlanned: the responsible carrier's plan names a site and a target on-air date.
	StepPlanned Step = "planned"
	// StepBuilt: the responsible carrier reports the site built (or on air without signal
	// that counts yet).
	StepBuilt Step = "built"
	// StepOnAir: a carrier claim shows signal that counts (the village is covered).
	StepOnAir Step = "on_air"
	// StepVerified: on air, and an independent measurement confirms the on_air carrier's
	// claim: the newest measurement of the claim's carrier × technology, observed at or after
	// the claim, shows signal that counts (LifecycleOf).
	StepVerified Step = "verified"
)

// Steps lists the lifecycle steps in order.
var Steps = [NumSteps]Step{StepFlagged, StepAssigned, StepPlanned, StepBuilt, StepOnAir, StepVerified}

// NumSteps is the number of lifecycle steps.
const NumSteps = 6

// index is s's position in Steps, -1 for none.
func (s Step) index() int {
	for i, x := range Steps {
		if x == s {
			return i
		}
	}
	return -1
}

// StepLabel is the Vietnamese label of a step, for people.
func StepLabel(s Step) string {
	switch s {
	case StepFlagged:
		return "trong danh sách" // on the program's list; not "lõm sóng", which is a partly covered village
	case StepAssigned:
		return "đã giao"
	case StepPlanned:
		return "có kế hoạch"
	case StepBuilt:
		return "đã xây trạm"
	case StepOnAir:
		return "đã phát sóng"
	case StepVerified:
		return "đã kiểm chứng"
	}
	return string(s)
}

// Lifecycle is a village's step in a program and the evidence for it.
type Lifecycle struct {
	Step Step
	// Since is the date of the step's evidence: the responsible carrier's assigned_at
	// (assigned), the plan's step date (planned, built), the observed_at of the claim
	// (on_air) or of the measurement (verified); zero for flagged.
	Since time.Time
	// UploadID is the upload the evidence came in (0 for flagged).
	UploadID int64
	// Plan is the responsible carrier's plan that counts, nil when there is none; it is kept
	// on on_air and verified too (the plan the signal came under).
	Plan *Plan
	// Late is true when the plan's target on-air date has passed and the village is not
	// covered; DaysLate counts whole days since the day after the target.
	Late     bool
	DaysLate int
	// MissedTarget is the earliest target of the carrier's plans (this responsibility) that
	// had passed when a later plan moved it (Plans.MissedTarget), zero for none. Late and
	// DaysLate count from it when it is before the current plan's target: a village late
	// against its plan stays late, with the same days, when the carrier re-dates the plan.
	MissedTarget time.Time
}

// PlanLate reports whether a village without signal that counts is late at asOf against a
// plan with target date target: from the day after the target (00:00 in Vietnam) on, with the
// whole days since then.
func PlanLate(target, asOf time.Time) (late bool, days int) {
	if target.IsZero() {
		return false, 0
	}
	due := target.AddDate(0, 0, 1)
	if asOf.Before(due) {
		return false, 0
	}
	return true, int(asOf.Sub(due) / (24 * time.Hour))
}

// LifecycleOf decides the lifecycle step of an evaluated village (st from Evaluate under prog
// at asOf) from its latest carrier claims (claims), its latest independent measurements
// (measured), the plans and the assignment history. A village not in prog's scope at asOf
// (InScope: not listed, not yet known, or unpowered in a powered-only program) gets the zero
// Lifecycle (no step).
func LifecycleOf(st *VillageStatus, claims, measured []Observation, plans *Plans, as *Assignments, prog *Program, p *Policy, asOf time.Time) Lifecycle {
	if prog == nil || st.Village == nil || !st.InScope {
		return Lifecycle{}
	}
	p = policyFor(prog, p, asOf)
	var lc Lifecycle
	if st.Responsible != "" {
		since, upload := as.Since(prog.ID, st.Village.ID, asOf)
		lc = Lifecycle{Step: StepAssigned, Since: since, UploadID: upload}
		lc.Plan = plans.Latest(prog.ID, st.Village.ID, st.Responsible, since, asOf)
		lc.MissedTarget = plans.MissedTarget(prog.ID, st.Village.ID, st.Responsible, since, asOf)
	} else {
		lc = Lifecycle{Step: StepFlagged}
	}
	if st.Status == StatusCovered {
		// on_air: the claim that shows signal, the responsible carrier's first, else the
		// earliest observed (the one that has held longest).
		var best *Observation
		for i := range claims {
			o := &claims[i]
			if !p.Counts(o) {
				continue
			}
			switch {
			case best == nil,
				o.Carrier == st.Responsible && best.Carrier != st.Responsible,
				(o.Carrier == st.Responsible) == (best.Carrier == st.Responsible) && o.ObservedAt.Before(best.ObservedAt):
				best = o
			}
		}
		if best != nil {
			lc.Step, lc.Since, lc.UploadID = StepOnAir, best.ObservedAt, best.UploadID
		}
		// verified: a claim of signal that counts which its series' newest independent
		// measurement confirms (Confirmed: observed at or after the claim, showing signal
		// that counts) — the responsible carrier's claim when the responsible carrier is on
		// air, any carrier's otherwise. A measurement older than the claim predates the signal
		// and verifies nothing; a measurement of another carrier or technology does not verify
		// the responsible carrier's signal.
		var conf *Observation
		for i := range claims {
			o := &claims[i]
			if best == nil || best.Carrier == st.Responsible && o.Carrier != st.Responsible || !p.Counts(o) || !Confirmed(o, measured, p) {
				continue
			}
			if m := matching(measured, o); conf == nil || m.ObservedAt.After(conf.ObservedAt) {
				conf = m
			}
		}
		if conf != nil {
			lc.Step, lc.Since, lc.UploadID = StepVerified, conf.ObservedAt, conf.UploadID
		}
		return lc
	}
	if lc.Plan != nil {
		lc.Step, lc.Since, lc.UploadID = StepPlanned, lc.Plan.PlannedAt, lc.Plan.UploadID
		if lc.Plan.Progress != ProgressPlanned {
			lc.Step, lc.Since = StepBuilt, lc.Plan.BuiltAt
		}
		target := lc.Plan.TargetOnAir
		if m := lc.MissedTarget; !m.IsZero() && m.Before(target) {
			target = m
		}
		if st.Open {
			lc.Late, lc.DaysLate = PlanLate(target, asOf)
		}
	}
	return lc
}

// ApplyLifecycles sets the Lifecycle of every village of sts (evaluated under prog at asOf):
// claims and measured map a village ID to its latest carrier claims and independent
// measurements at asOf.
func ApplyLifecycles(sts []VillageStatus, claims, measured map[string][]Observation, plans *Plans, as *Assignments, prog *Program, p *Policy, asOf time.Time) {
	for i := range sts {
		id := sts[i].Village.ID
		sts[i].Lifecycle = LifecycleOf(&sts[i], claims[id], measured[id], plans, as, prog, p, asOf)
	}
}
