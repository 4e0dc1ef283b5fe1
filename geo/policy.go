package geo

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// PolicyVersion is a program's signal policy from an instant on: when a ministry raises the
// bar (say from any signal to 4G), figures before the change keep the old policy and figures
// from it on use the new one.
type PolicyVersion struct {
	// Effective is the first instant the policy applies (00:00 in Vietnam for a date); zero
	// for a policy that applies from the beginning.
	Effective time.Time
	Policy
}

// String describes the policy for headlines, e.g. "min 4G, RSRP ≥ -110 dBm, fast 4G ≥ 10
// Mbit/s (in force since 2025-01-01)".
func (v PolicyVersion) String() string {
	s := fmt.Sprintf("min %s, RSRP ≥ %g dBm, fast 4G ≥ %g Mbit/s", strings.ToUpper(v.MinTechnology.String()), v.MinRSRPdBm, v.FastDLMbps)
	if !v.Effective.IsZero() {
		s += " (in force since " + v.Effective.In(Vietnam).Format(time.DateOnly) + ")"
	}
	return s
}

// PolicyVersionAt returns the version of p's policy in force at t: the latest whose
// Effective is not after t. Before the first version, the first applies; a program without
// versions has DefaultPolicy. covmon's configuration gives every program its versions, the
// top-level policy being the version from the beginning of programs without their own.
func (p *Program) PolicyVersionAt(t time.Time) PolicyVersion {
	if len(p.Policies) == 0 {
		return PolicyVersion{Policy: DefaultPolicy()}
	}
	i := 0
	for j := range p.Policies {
		if !p.Policies[j].Effective.After(t) {
			i = j
		}
	}
	return p.Policies[i]
}

// PolicyAt returns the signal policy of p in force at t (see PolicyVersionAt). Past figures
// (as-of status, the burn-down backfill, forecasts) are computed under it.
func (p *Program) PolicyAt(t time.Time) Policy { return p.PolicyVersionAt(t).Policy }

// UnderPolicyAt returns a copy of p whose only policy is the one in force at t, at every
// instant: for recomputing past figures under today's policy (covmon status --policy
// current, ?policy=current). The copy's PolicyRecomputed is true.
func (p Program) UnderPolicyAt(t time.Time) Program {
	v := p.PolicyVersionAt(t)
	v.Carriers = slices.Clone(v.Carriers)
	p.Policies = []PolicyVersion{v}
	p.PolicyRecomputed = true
	return p
}

// policyFor returns the policy that decides a figure at t under prog: the program's version
// in force when it has versions, else def (DefaultPolicy when nil).
func policyFor(prog *Program, def *Policy, t time.Time) *Policy {
	switch {
	case prog != nil && len(prog.Policies) > 0:
		p := prog.PolicyAt(t)
		return &p
	case def != nil:
		return def
	}
	p := DefaultPolicy()
	return &p
}

// PolicyFor is policyFor for callers outside geo: the program's policy in force at t when it
// has versions, else def.
func PolicyFor(prog *Program, def *Policy, t time.Time) *Policy { return policyFor(prog, def, t) }
