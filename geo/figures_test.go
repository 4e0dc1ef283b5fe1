package geo_test

import (
	"slices"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// These tests pin the figures of issue 10 on hand-made histories (docs/figures.md has the
// same cases as worked examples).

func darkObs(id, carrier, at string) geo.Observation {
	o := obs(carrier, geo.Tech4G, false, at)
	o.VillageID = id
	return o
}

func evalOne(t *testing.T, v geo.Village, latest []geo.Observation, prog *geo.Program, as *geo.Assignments, asOf time.Time) geo.VillageStatus {
	t.Helper()
	p := geo.DefaultPolicy()
	return geo.Evaluate([]geo.Village{v}, map[string][]geo.Observation{v.ID: latest}, prog, &p, as, asOf)[0]
}

func TestDeadline_PowerArrivesLate(t *testing.T) {
	prog := geo.DefaultProgram() // deadline 2024-12-01, grace 365 days
	v := geo.Village{ID: "V1", GridPower: true, GridPowerSince: day("2025-03-01"), Baseline: true, Programs: []string{prog.ID}}
	dark := []geo.Observation{darkObs("V1", "viettel", "2025-01-01")}

	st := evalOne(t, v, dark, &prog, nil, day("2025-03-02"))
	if st.Overdue || !st.Open || st.Status != geo.StatusDeadZone {
		t.Errorf("the day after power: Open=%v Overdue=%v Status=%v, want open dead zone, not overdue", st.Open, st.Overdue, st.Status)
	}
	if got, want := st.Deadline, day("2026-03-01"); !got.Equal(want) || st.DeadlineBasis != geo.BasisLateEntry {
		t.Errorf("Deadline=%v (%s), want %v (late_entry)", got, st.DeadlineBasis, want)
	}
	// Before power the village is outside the powered-only scope: not open at all.
	if st := evalOne(t, v, dark, &prog, nil, day("2025-02-01")); st.Open || st.InScope {
		t.Errorf("before power: Open=%v InScope=%v, want neither", st.Open, st.InScope)
	}
	st = evalOne(t, v, dark, &prog, nil, day("2026-03-11"))
	if !st.Overdue || st.DaysOverdue != 10 {
		t.Errorf("ten days after its own deadline: Overdue=%v DaysOverdue=%d, want 10", st.Overdue, st.DaysOverdue)
	}
}

func TestDeadline_FoundLater(t *testing.T) {
	prog := geo.DefaultProgram()
	v := geo.Village{ID: "V1", GridPower: true, FoundAt: day("2024-06-15"), Programs: []string{prog.ID}}
	dark := []geo.Observation{darkObs("V1", "viettel", "2024-07-01")}
	st := evalOne(t, v, dark, &prog, nil, day("2025-06-20"))
	if got, want := st.Deadline, day("2025-06-15"); !got.Equal(want) {
		t.Errorf("Deadline=%v, want %v (found + 365 days)", got, want)
	}
	if !st.Overdue || st.DaysOverdue != 5 {
		t.Errorf("Overdue=%v DaysOverdue=%d, want 5 days (not counted from the 2024-12-01 program deadline)", st.Overdue, st.DaysOverdue)
	}
	// Found early enough that entry + grace is before the program deadline: the program's.
	early := v
	early.FoundAt = day("2023-01-01")
	if st := evalOne(t, early, dark, &prog, nil, day("2025-06-20")); !st.Deadline.Equal(prog.Deadline) || st.DeadlineBasis != geo.BasisProgram {
		t.Errorf("found 2023: Deadline=%v (%s), want the program's", st.Deadline, st.DeadlineBasis)
	}
}

func TestDeadline_OverridesPerProgram(t *testing.T) {
	a := geo.DefaultProgram()
	a.ID = "A"
	a.ProvinceDeadlines = map[string]time.Time{"08": day("2025-06-30")}
	a.VillageDeadlines = map[string]time.Time{"V1": day("2025-03-31")}
	b := geo.DefaultProgram()
	b.ID = "B"
	in := []string{"A", "B"}
	v1 := geo.Village{ID: "V1", ProvinceCode: "08", GridPower: true, Baseline: true, Programs: in}
	v2 := geo.Village{ID: "V2", ProvinceCode: "08", GridPower: true, Baseline: true, Programs: in}
	v3 := geo.Village{ID: "V3", ProvinceCode: "08", GridPower: true, Baseline: true, Programs: in,
		Deadlines: map[string]time.Time{"B": day("2026-01-01")}}
	v4 := geo.Village{ID: "V4", ProvinceCode: "10", GridPower: true, Baseline: true, Programs: in, Deadline: day("2025-09-01")}

	for _, tt := range []struct {
		v     geo.Village
		prog  *geo.Program
		want  string
		basis geo.DeadlineBasis
	}{
		{v1, &a, "2025-03-31", geo.BasisVillageOverride}, // the village beats its province
		{v1, &b, "2024-12-01", geo.BasisProgram},         // program B is left alone
		{v2, &a, "2025-06-30", geo.BasisProvinceOverride},
		{v2, &b, "2024-12-01", geo.BasisProgram},
		{v3, &a, "2025-06-30", geo.BasisProvinceOverride}, // the registry's deadline is for B only
		{v3, &b, "2026-01-01", geo.BasisRegistry},
		{v4, &a, "2025-09-01", geo.BasisRegistryLegacy}, // the legacy deadline: every program
		{v4, &b, "2025-09-01", geo.BasisRegistryLegacy},
	} {
		got, basis := geo.DeadlineFor(&tt.v, tt.prog)
		if !got.Equal(day(tt.want)) || basis != tt.basis {
			t.Errorf("%s in %s: deadline %s (%s), want %s (%s)", tt.v.ID, tt.prog.ID,
				got.In(geo.Vietnam).Format(time.DateOnly), basis, tt.want, tt.basis)
		}
	}
}

func TestOverdue_CannotBeDodged(t *testing.T) {
	prog := geo.DefaultProgram()
	in := []string{prog.ID}
	vs := []geo.Village{
		{ID: "N", GridPower: true, Baseline: true, Programs: in},  // never reported
		{ID: "D", GridPower: true, Baseline: true, Programs: in},  // reported dark
		{ID: "K", GridPower: true, Baseline: true, Programs: in},  // dark at the centre (areas)
		{ID: "U", GridPower: false, Baseline: true, Programs: in}, // no power: outside the scope
		{ID: "O", GridPower: true, Baseline: true},                // in no program
	}
	k := darkObs("K", "mobifone", "2024-01-01")
	k.AreaShare = f64(0.3)
	latest := map[string][]geo.Observation{"D": {darkObs("D", "viettel", "2024-01-01")}, "K": {k}}
	as := geo.NewAssignments([]geo.Assignment{{VillageID: "N", ProgramID: prog.ID, Carrier: "vinaphone", AssignedAt: day("2023-01-01")}})
	p := geo.DefaultPolicy()
	got := map[string]geo.Reason{}
	for _, st := range geo.Evaluate(vs, latest, &prog, &p, as, day("2025-01-01")) {
		if st.Overdue {
			got[st.Village.ID] = st.Reason
		}
		if st.Village.ID == "N" && st.Responsible != "vinaphone" {
			t.Errorf("N: Responsible=%q, want vinaphone", st.Responsible)
		}
		if st.Village.ID == "N" && st.Status != geo.StatusNoData {
			t.Errorf("N: Status=%s, want no_data (stays visible)", st.Status)
		}
	}
	want := map[string]geo.Reason{"N": geo.ReasonNeverReported, "D": geo.ReasonNoSignal, "K": geo.ReasonDarkCentre}
	if len(got) != len(want) {
		t.Fatalf("overdue=%v, want %v", got, want)
	}
	for id, r := range want {
		if got[id] != r {
			t.Errorf("overdue=%v, want %v", got, want)
		}
	}
}

func TestAssignments_AsOf(t *testing.T) {
	as := geo.NewAssignments([]geo.Assignment{
		{VillageID: "V1", ProgramID: "P", Carrier: "mobifone", AssignedAt: day("2024-01-01"), UploadID: 2},
		{VillageID: "V1", ProgramID: "P", Carrier: "viettel", AssignedAt: day("2023-01-01"), UploadID: 1},
		{VillageID: "V1", ProgramID: "P", Carrier: "", AssignedAt: day("2025-01-01"), UploadID: 3},
		{VillageID: "V1", ProgramID: "P", Carrier: "vinaphone", AssignedAt: day("2025-01-01"), UploadID: 4}, // same day, later upload
		{VillageID: "V1", ProgramID: "Q", Carrier: "vietnamobile", AssignedAt: day("2023-01-01"), UploadID: 1},
	})
	for _, tt := range []struct{ prog, at, want string }{
		{"P", "2022-12-31", ""}, {"P", "2023-06-01", "viettel"}, {"P", "2024-01-01", "mobifone"},
		{"P", "2025-02-01", "vinaphone"}, {"Q", "2025-02-01", "vietnamobile"}, {"R", "2025-02-01", ""},
	} {
		if got := as.At(tt.prog, "V1", day(tt.at)); got != tt.want {
			t.Errorf("At(%s, %s)=%q, want %q", tt.prog, tt.at, got, tt.want)
		}
	}
	var none *geo.Assignments
	if got := none.At("P", "V1", day("2025-01-01")); got != "" {
		t.Errorf("nil At=%q, want \"\"", got)
	}
}

// TestSummarize_ResponsibleAddsUp: each overdue village is counted once, under its
// responsible carrier or "unassigned", and the rows add up to the national figure.
func TestSummarize_ResponsibleAddsUp(t *testing.T) {
	prog := geo.DefaultProgram()
	p := geo.DefaultPolicy()
	in := []string{prog.ID}
	var vs []geo.Village
	latest := map[string][]geo.Observation{}
	var assign []geo.Assignment
	carriers := []string{"viettel", "vinaphone", "mobifone", "vietnamobile", ""}
	for i := range 40 {
		id := "V" + string(rune('A'+i/26)) + string(rune('a'+i%26))
		vs = append(vs, geo.Village{ID: id, ProvinceCode: "0" + string(rune('1'+i%3)), GridPower: i%7 != 0, Baseline: true, Programs: in})
		switch i % 4 {
		case 0: // never reported
		case 1: // two carriers report dark: attributed to neither, only to the responsible one
			latest[id] = []geo.Observation{darkObs(id, "viettel", "2024-01-01"), darkObs(id, "mobifone", "2024-01-01")}
		case 2:
			o := obs("vinaphone", geo.Tech2G, true, "2024-01-01")
			o.VillageID = id
			latest[id] = []geo.Observation{o}
		case 3:
			latest[id] = []geo.Observation{darkObs(id, "vinaphone", "2024-01-01")}
		}
		if c := carriers[i%5]; c != "" {
			assign = append(assign, geo.Assignment{VillageID: id, ProgramID: prog.ID, Carrier: c, AssignedAt: day("2023-01-01")})
		}
	}
	asOf := day("2025-06-01")
	sts := geo.Evaluate(vs, latest, &prog, &p, geo.NewAssignments(assign), asOf)
	s := geo.Summarize(sts, &prog, &p, asOf)
	if s.National.Overdue == 0 {
		t.Fatal("no overdue village: the test proves nothing")
	}
	sum, open := 0, 0
	var buckets []string
	for _, r := range s.Responsible {
		sum += r.Overdue
		open += r.Open
		buckets = append(buckets, r.Carrier)
	}
	if sum != s.National.Overdue || open != s.National.Open {
		t.Errorf("per-carrier overdue sum %d (open %d), national %d (open %d)", sum, open, s.National.Overdue, s.National.Open)
	}
	if want := []string{"viettel", "vinaphone", "mobifone", "vietnamobile", geo.Unassigned}; !slices.Equal(buckets, want) {
		t.Errorf("buckets %v, want %v", buckets, want)
	}
	if u := s.Responsible[len(s.Responsible)-1]; u.Overdue == 0 {
		t.Errorf("unassigned bucket has no overdue village; want some (every fifth village is unassigned)")
	}
	if got, want := s.National.OverdueNeverReported+s.National.OverdueNoSignal+s.National.OverdueDarkCentre, s.National.Overdue; got != want {
		t.Errorf("overdue by reason adds up to %d, want %d", got, want)
	}
	// The work list of a carrier: its open villages, nearest deadline first.
	wl := geo.WorkList(sts, "viettel")
	if len(wl) != s.Responsible[0].Open {
		t.Errorf("viettel's work list has %d villages, its row %d open", len(wl), s.Responsible[0].Open)
	}
	for _, st := range wl {
		if st.Responsible != "viettel" || !st.Open || st.Reason == "" {
			t.Errorf("work list entry %s: Responsible=%q Open=%v Reason=%q", st.Village.ID, st.Responsible, st.Open, st.Reason)
		}
	}
}

func TestWorkList_NearestDeadlineFirst(t *testing.T) {
	prog := geo.DefaultProgram()
	prog.VillageDeadlines = map[string]time.Time{"V3": day("2024-06-01")}
	in := []string{prog.ID}
	vs := []geo.Village{
		{ID: "V1", GridPower: true, FoundAt: day("2025-01-01"), Programs: in},
		{ID: "V2", GridPower: true, Baseline: true, Programs: in},
		{ID: "V3", GridPower: true, Baseline: true, Programs: in},
	}
	var as []geo.Assignment
	for _, v := range vs {
		as = append(as, geo.Assignment{VillageID: v.ID, ProgramID: prog.ID, Carrier: "viettel", AssignedAt: day("2023-01-01")})
	}
	p := geo.DefaultPolicy()
	var ids []string
	for _, st := range geo.WorkList(geo.Evaluate(vs, nil, &prog, &p, geo.NewAssignments(as), day("2025-06-01")), "viettel") {
		ids = append(ids, st.Village.ID)
	}
	if want := []string{"V3", "V2", "V1"}; !slices.Equal(ids, want) {
		t.Errorf("work list %v, want %v", ids, want)
	}
}

func TestCounts_SignalDistribution(t *testing.T) {
	prog := geo.DefaultProgram()
	p := geo.DefaultPolicy()
	in := []string{prog.ID}
	sig := func(id, c string) geo.Observation {
		o := obs(c, geo.Tech2G, true, "2024-01-01")
		o.VillageID = id
		return o
	}
	vs := []geo.Village{
		{ID: "A", GridPower: true, Baseline: true, Programs: in},
		{ID: "B", GridPower: true, Baseline: true, Programs: in},
		{ID: "C", GridPower: true, Baseline: true, Programs: in},
		{ID: "D", GridPower: true, Baseline: true, Programs: in},
		{ID: "E", GridPower: false, Baseline: true, Programs: in}, // no power: not in the distribution
	}
	latest := map[string][]geo.Observation{
		"A": {sig("A", "viettel"), sig("A", "vinaphone"), sig("A", "mobifone"), sig("A", "vietnamobile")},
		"B": {sig("B", "viettel")},
		"C": {darkObs("C", "viettel", "2024-01-01")},
		"E": {sig("E", "viettel")},
	}
	asOf := day("2025-01-01")
	n := geo.Summarize(geo.Evaluate(vs, latest, &prog, &p, nil, asOf), &prog, &p, asOf).National
	if want := []int{2, 1, 0, 0, 1}; !slices.Equal(n.WithSignal, want) {
		t.Errorf("WithSignal=%v, want %v", n.WithSignal, want)
	}
	if n.PoweredNoData != 1 || n.TotalNotSpot != 1 {
		t.Errorf("PoweredNoData=%d TotalNotSpot=%d, want 1 and 1 (D never reported is not a total not-spot; C is)", n.PoweredNoData, n.TotalNotSpot)
	}
}

// An open village says since when its responsible carrier has been responsible for it: the
// overdue alert of a carrier starts then, not at a deadline that passed under another carrier.
// A re-assignment of the same carrier does not restart it; none for an unassigned village.
func TestEvaluate_ResponsibleSince(t *testing.T) {
	prog := geo.DefaultProgram()
	p := geo.DefaultPolicy()
	in := []string{prog.ID}
	vs := []geo.Village{{ID: "A2", GridPower: true, Baseline: true, Programs: in}, {ID: "A4", GridPower: true, Baseline: true, Programs: in}}
	as := geo.NewAssignments([]geo.Assignment{
		{VillageID: "A2", ProgramID: prog.ID, Carrier: "mobifone", AssignedAt: day("2023-01-01")},
		{VillageID: "A2", ProgramID: prog.ID, Carrier: "viettel", AssignedAt: day("2026-11-01")},
		{VillageID: "A2", ProgramID: prog.ID, Carrier: "viettel", AssignedAt: day("2026-11-20")},
	})
	for _, tt := range []struct{ at, who, since string }{
		{"2025-01-01", "mobifone", "2023-01-01"},
		{"2026-11-10", "viettel", "2026-11-01"},
		{"2026-11-25", "viettel", "2026-11-01"},
	} {
		sts := geo.Evaluate(vs, nil, &prog, &p, as, day(tt.at))
		if a2 := sts[0]; !a2.Overdue || a2.Responsible != tt.who || !a2.ResponsibleSince.Equal(day(tt.since)) {
			t.Errorf("as of %s: A2 overdue %v, responsible %q since %s; want %s since %s", tt.at, a2.Overdue, a2.Responsible, a2.ResponsibleSince, tt.who, tt.since)
		}
		if a4 := sts[1]; a4.Responsible != "" || !a4.ResponsibleSince.IsZero() {
			t.Errorf("as of %s: A4 responsible %q since %s, want none", tt.at, a4.Responsible, a4.ResponsibleSince)
		}
	}
}
