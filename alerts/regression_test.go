package alerts_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/paulmach/orb"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// vnDay is 10:00 Vietnam time on the date s.
func vnDay(s string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s, geo.Vietnam)
	if err != nil {
		panic(err)
	}
	return d.Add(10 * time.Hour)
}

func claim(carrier string, signal bool, at string) geo.Observation {
	return geo.Observation{VillageID: "V1", Carrier: carrier, Technology: geo.Tech4G, HasSignal: signal, ObservedAt: vnDay(at), Method: "drive_test"}
}

// TestDarkSince: a regressed village is dark since the first report after the last instant it
// was covered — the report the carrier answers for —, with several carriers since the last
// one with signal reported none, after a recovery since the newest fall, and never from a
// report dated after the instant asked about; a claim of signal never confirmed under
// TrustVerified was never covered, so the history gives no instant.
func TestDarkSince(t *testing.T) {
	v := &geo.Village{ID: "V1", GridPower: true, Programs: []string{"vls-2024"}}
	prog := geo.DefaultProgram()
	pol := geo.DefaultPolicy()
	asOf := vnDay("2026-03-01")
	verified := prog
	verified.Trust = geo.TrustVerified
	cases := []struct {
		name string
		prog *geo.Program
		h    []geo.Observation
		want string // "" for zero
	}{
		{"covered, then a dark report", &prog, []geo.Observation{claim("viettel", true, "2026-01-10"), claim("viettel", false, "2026-02-01")}, "2026-02-01"},
		{"signal re-reported before the fall", &prog, []geo.Observation{claim("viettel", true, "2026-01-10"), claim("viettel", true, "2026-01-25"), claim("viettel", false, "2026-02-01"), claim("viettel", false, "2026-02-15")}, "2026-02-01"},
		{"the last carrier with signal", &prog, []geo.Observation{claim("viettel", true, "2026-01-10"), claim("vinaphone", true, "2026-01-15"),
			claim("viettel", false, "2026-01-20"), claim("vinaphone", false, "2026-02-10")}, "2026-02-10"},
		{"another carrier's dark report while one has signal", &prog, []geo.Observation{claim("viettel", true, "2026-01-10"), claim("mobifone", false, "2026-01-12"),
			claim("viettel", false, "2026-02-01")}, "2026-02-01"},
		{"recovered, then dark again", &prog, []geo.Observation{claim("viettel", true, "2026-01-10"), claim("viettel", false, "2026-01-20"),
			claim("viettel", true, "2026-02-01"), claim("viettel", false, "2026-02-20")}, "2026-02-20"},
		{"dark only after the instant", &prog, []geo.Observation{claim("viettel", true, "2026-01-10"), claim("viettel", false, "2026-03-05")}, ""},
		{"never confirmed under verified", &verified, []geo.Observation{claim("viettel", true, "2026-01-10"), claim("viettel", false, "2026-02-01")}, ""},
	}
	for _, c := range cases {
		got := alerts.DarkSince(v, c.h, c.prog, &pol, asOf)
		want := time.Time{}
		if c.want != "" {
			want = vnDay(c.want)
		}
		if !got.Equal(want) {
			t.Errorf("%s: dark since %v, want %v", c.name, got, want)
		}
	}
}

// TestService_RegressionDarkSince, on a real SQLite database and the snapshot built from it:
// V1 covered by viettel's report observed 2026-01-10, then a report observed 2026-02-01 says no
// signal, received only 2026-02-20. CovmonVillageRegressed starts at 2026-02-01 10:00 (the dark
// report's instant, what the carrier answers for), not at 2026-02-20 when covmon noticed, and
// says so in dark_since and the description; later evaluations keep that start and queue
// nothing again.
func TestService_RegressionDarkSince(t *testing.T) {
	ctx := context.Background()
	t0 := vnDay("2026-01-11")
	clock := clockwork.NewFakeClockAt(t0)
	s, _, snap := openService(t, clock)
	db := s.Store.(*sqlite.DB)
	prog := geo.DefaultProgram()
	s.Programs = []geo.Program{prog}
	if err := db.UpsertProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
	commit := committer(t)
	vs := []geo.Village{{ID: "V1", Name: "Bản Một", ProvinceCode: "15", ProvinceName: "Lào Cai", Center: orb.Point{103.9, 22.4}, GridPower: true, Baseline: true, Programs: []string{prog.ID}}}
	commit(geo.KindVillages, "", vnDay("2026-01-01"), func(u *geo.Upload) error { return db.CommitVillages(ctx, u, vs) })
	commit(geo.KindObservations, "viettel", vnDay("2026-01-10"), func(u *geo.Upload) error {
		return db.CommitObservations(ctx, u, []geo.Observation{claim("viettel", true, "2026-01-10")})
	})
	evaluate := func(at time.Time) []alerts.Transition {
		t.Helper()
		sn, err := collector.BuildSnapshot(ctx, db, []geo.Program{prog}, &s.Policy, at)
		if err != nil {
			t.Fatal(err)
		}
		snap.Store(sn)
		clock.Advance(at.Sub(clock.Now()))
		trs, err := s.Evaluate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []alerts.Transition
		for _, tr := range trs {
			if tr.Alert.Kind == alerts.KindRegression {
				out = append(out, tr)
			}
		}
		return out
	}
	if trs := evaluate(vnDay("2026-02-15")); len(trs) != 0 {
		t.Fatalf("before the dark report is received: %+v, want no regression", trs)
	}
	commit(geo.KindObservations, "viettel", vnDay("2026-02-20"), func(u *geo.Upload) error {
		return db.CommitObservations(ctx, u, []geo.Observation{claim("viettel", false, "2026-02-01")})
	})
	trs := evaluate(vnDay("2026-02-20").Add(time.Hour))
	if len(trs) != 1 || trs[0].Status != alerts.Firing {
		t.Fatalf("after the dark report: %+v, want one regression firing", trs)
	}
	a := trs[0].Alert
	if want := vnDay("2026-02-01"); !a.StartsAt.Equal(want) {
		t.Errorf("regression starts at %s, want the dark report's instant %s", a.StartsAt, want)
	}
	if got := a.Annotations["dark_since"]; got != "2026-02-01T10:00:00+07:00" {
		t.Errorf("dark_since %q", got)
	}
	if d := a.Annotations["description"]; !strings.Contains(d, "Bản Một (V1, dead_zone, reported by viettel, dark since 2026-02-01)") {
		t.Errorf("description %q does not say since when V1 is dark", d)
	}
	if trs := evaluate(vnDay("2026-02-22")); len(trs) != 0 {
		t.Errorf("a later evaluation queued %+v, want nothing", trs)
	}
	active, err := db.ActiveAlerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range active {
		if a.Kind == alerts.KindRegression && !a.StartsAt.Equal(vnDay("2026-02-01")) {
			t.Errorf("stored regression starts at %s, want 2026-02-01 10:00", a.StartsAt)
		}
	}
}

// TestEvaluator_RegressionStartsAtTheEarliestDark: a group's regression starts when the first
// of its villages went dark (the earliest DarkSince), a village without one adding nothing; a
// group none of whose villages has one starts when covmon notices it (zero StartsAt: the
// store's now).
func TestEvaluator_RegressionStartsAtTheEarliestDark(t *testing.T) {
	prog := geo.DefaultProgram()
	now := vnDay("2026-03-01")
	in := alerts.Input{Now: now, Programs: []alerts.ProgramInput{{Program: prog, Regressed: []string{"V2", "V3", "V4", "V5"},
		DarkSince: map[string]time.Time{"V2": vnDay("2026-02-10"), "V3": vnDay("2026-02-01")},
		Open: []geo.VillageStatus{
			responsible(open("V2", "14", now, "viettel"), "viettel"),
			responsible(open("V3", "14", now, "viettel"), "viettel"),
			responsible(open("V4", "14", now, "viettel"), "viettel"),
			responsible(open("V5", "15", now, "viettel"), "viettel"),
		}}}}
	got := map[string]alerts.Alert{}
	for _, a := range (&alerts.Evaluator{}).Evaluate(in).Alerts {
		if a.Kind == alerts.KindRegression {
			got[a.Key] = a
		}
	}
	if a := got["regression/vls-2024/14/viettel"]; !a.StartsAt.Equal(vnDay("2026-02-01")) || a.Annotations["dark_since"] != "2026-02-01T10:00:00+07:00" {
		t.Errorf("province 14: starts %s, dark_since %q; want V3's 2026-02-01", a.StartsAt, a.Annotations["dark_since"])
	}
	if a, ok := got["regression/vls-2024/15/viettel"]; !ok || !a.StartsAt.IsZero() || a.Annotations["dark_since"] != "" {
		t.Errorf("province 15 (no instant known): %+v, want a zero start and no dark_since", a)
	}
}
