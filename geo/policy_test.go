package geo_test

import (
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// versioned is a program that counted any signal until 2025-01-01 and only 4G from then on.
func versioned() geo.Program {
	prog := geo.DefaultProgram()
	any, only4g := geo.DefaultPolicy(), geo.DefaultPolicy()
	only4g.MinTechnology = geo.Tech4G
	prog.Policies = []geo.PolicyVersion{{Policy: any}, {Effective: day("2025-01-01"), Policy: only4g}}
	return prog
}

func TestProgram_PolicyAt(t *testing.T) {
	prog := versioned()
	for at, want := range map[string]geo.Technology{"2020-01-01": geo.Tech2G, "2024-12-31": geo.Tech2G, "2025-01-01": geo.Tech4G, "2026-06-01": geo.Tech4G} {
		if got := prog.PolicyAt(day(at)).MinTechnology; got != want {
			t.Errorf("policy at %s: min %s, want %s", at, got, want)
		}
	}
	// The last instant before the change is still under the old policy.
	if got := prog.PolicyAt(day("2025-01-01").Add(-time.Nanosecond)).MinTechnology; got != geo.Tech2G {
		t.Errorf("just before the change: min %s, want 2g", got)
	}
	var none geo.Program
	if got, want := none.PolicyAt(day("2025-01-01")).MinTechnology, geo.DefaultPolicy().MinTechnology; got != want {
		t.Errorf("a program without policies: min %s, want the default %s", got, want)
	}
	// A first version that starts late also governs the instants before it.
	late := geo.DefaultProgram()
	p3 := geo.DefaultPolicy()
	p3.MinTechnology = geo.Tech3G
	late.Policies = []geo.PolicyVersion{{Effective: day("2023-01-01"), Policy: p3}}
	if got := late.PolicyAt(day("2020-01-01")).MinTechnology; got != geo.Tech3G {
		t.Errorf("before the first version: min %s, want 3g", got)
	}
}

// TestEvaluate_PolicyChange: a village with 3G only is covered while any signal counts and a
// dead zone from the day 4G becomes the bar, not before; recomputed under today's policy it is
// a dead zone at every date. The headline names the policy in force.
func TestEvaluate_PolicyChange(t *testing.T) {
	prog := versioned()
	v := []geo.Village{{ID: "V1", GridPower: true, Baseline: true, Programs: []string{prog.ID}}}
	hist := map[string][]geo.Observation{"V1": {obs("viettel", geo.Tech3G, true, "2022-06-01")}}
	days := []time.Time{day("2024-06-01"), day("2024-12-31"), day("2025-01-01"), day("2025-06-01")}
	want := []geo.Status{geo.StatusCovered, geo.StatusCovered, geo.StatusDeadZone, geo.StatusDeadZone}
	got := make([]geo.Status, len(days))
	geo.EvaluateAt(v, hist, &prog, nil, nil, days, func(i int, st *geo.VillageStatus) { got[i] = st.Status })
	for i := range days {
		if got[i] != want[i] {
			t.Errorf("%s: %s, want %s", days[i].Format(time.DateOnly), got[i], want[i])
		}
	}
	// The default policy passed alongside does not override the program's own.
	def := geo.DefaultPolicy()
	sts := geo.Evaluate(v, map[string][]geo.Observation{"V1": hist["V1"]}, &prog, &def, nil, day("2025-06-01"))
	if sts[0].Status != geo.StatusDeadZone {
		t.Errorf("with a default policy passed: %s, want dead_zone", sts[0].Status)
	}

	before := geo.Summarize(geo.Evaluate(v, hist, &prog, nil, nil, day("2024-06-01")), &prog, nil, day("2024-06-01"))
	after := geo.Summarize(geo.Evaluate(v, hist, &prog, nil, nil, day("2025-06-01")), &prog, nil, day("2025-06-01"))
	if before.Policy.MinTechnology != geo.Tech2G || before.National.BaselineCovered != 1 || before.Policy.String() != "min 2G, RSRP ≥ -120 dBm, fast 4G ≥ 10 Mbit/s" {
		t.Errorf("2024 headline: policy %q, %d covered", before.Policy, before.National.BaselineCovered)
	}
	if after.Policy.MinTechnology != geo.Tech4G || after.National.BaselineCovered != 0 ||
		after.Policy.String() != "min 4G, RSRP ≥ -120 dBm, fast 4G ≥ 10 Mbit/s (in force since 2025-01-01)" {
		t.Errorf("2025 headline: policy %q, %d covered", after.Policy, after.National.BaselineCovered)
	}

	cur := prog.UnderPolicyAt(day("2026-01-01"))
	if !cur.PolicyRecomputed {
		t.Error("UnderPolicyAt: PolicyRecomputed is false")
	}
	geo.EvaluateAt(v, hist, &cur, nil, nil, days, func(i int, st *geo.VillageStatus) {
		if st.Status != geo.StatusDeadZone {
			t.Errorf("under today's policy at %s: %s, want dead_zone", days[i].Format(time.DateOnly), st.Status)
		}
	})
	if prog.PolicyRecomputed || len(prog.Policies) != 2 {
		t.Error("UnderPolicyAt changed the program it was called on")
	}
}
