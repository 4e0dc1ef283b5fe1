package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// contractAsKnown: the audit view (geo.VillageFilter.AsKnown) reads, as of an instant, only
// what had been received by it — the observations, the independent measurements (and the
// claim each judges), the registry's villages, versions and retirements — whatever instant
// they describe; an upload received exactly at the instant counts. Assignments carry their
// upload's receipt. Without AsKnown the same reads count everything stored, by the instant it
// describes.
func contractAsKnown(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		t.Fatal(err)
	}
	at := func(d int) time.Time { return day(d).Add(9 * time.Hour) } // receipts: 09:00 of 2024-01-d
	commit := func(kind geo.UploadKind, carrier string, received time.Time, do func(u *geo.Upload) error) *geo.Upload {
		t.Helper()
		u := newUpload(kind, carrier)
		u.ReceivedAt = received
		if err := do(u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	registry := func(received, effective time.Time, vs ...geo.Village) *geo.Upload {
		t.Helper()
		return commit(geo.KindVillages, "", received, func(u *geo.Upload) error {
			u.Features, u.Effective = len(vs), effective
			return db.CommitVillages(ctx, u, vs)
		})
	}
	observations := func(received time.Time, obs ...geo.Observation) *geo.Upload {
		t.Helper()
		return commit(geo.KindObservations, "viettel", received, func(u *geo.Upload) error {
			u.Features = len(obs)
			return db.CommitObservations(ctx, u, obs)
		})
	}

	vs := testVillages(3) // V000, V001, V002
	registry(at(1), time.Time{}, vs[0], vs[1])
	// V002 is first imported on day 12; V001 is renamed on day 12, effective back on day 3.
	renamed := vs[1]
	renamed.Name = "Bản Đổi Tên"
	registry(at(12), day(3), renamed, vs[2])
	// V000 is split on day 25, effective day 22: V000a succeeds it.
	succ := vs[0]
	succ.ID, succ.Name, succ.Predecessors = "V000a", "Bản 0a", []string{"V000"}
	registry(at(25), day(22), succ)

	// V000: dark observed day 5, received day 10; signal observed day 8 but received day 20.
	observations(at(10), obsAt("V000", "viettel", geo.Tech4G, false, day(5)))
	observations(at(20), obsAt("V000", "viettel", geo.Tech4G, true, day(8)))
	// An independent measurement of V000 observed day 9, received day 30.
	m := obsAt("V000", "viettel", geo.Tech4G, true, day(9))
	m.Source, m.Inspector = geo.SourceIndependent, "Cục Tần số"
	commit(geo.KindObservations, "viettel", at(30), func(u *geo.Upload) error {
		u.Features = 1
		return db.CommitObservations(ctx, u, []geo.Observation{m})
	})

	registryAt := func(asOf time.Time, known bool) string {
		t.Helper()
		got, err := db.Villages(ctx, geo.VillageFilter{AsOf: asOf, AsKnown: known})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range got {
			out = append(out, v.ID+":"+v.Name)
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		asOf  time.Time
		known bool
		want  string
	}{
		{at(11), false, "V000:Bản 0 V001:Bản Đổi Tên V002:Bản 2"}, // what is stored now, by effective date
		{at(11), true, "V000:Bản 0 V001:Bản 1"},                   // as known on day 11
		{at(1).Add(-time.Millisecond), true, ""},                  // before the first registry upload
		{at(12), true, "V000:Bản 0 V001:Bản Đổi Tên V002:Bản 2"},  // received exactly then: counts
		{at(24), false, "V000a:Bản 0a V001:Bản Đổi Tên V002:Bản 2"},
		{at(24), true, "V000:Bản 0 V001:Bản Đổi Tên V002:Bản 2"}, // the split not yet received
		{at(25), true, "V000a:Bản 0a V001:Bản Đổi Tên V002:Bản 2"},
	} {
		if got := registryAt(c.asOf, c.known); got != c.want {
			t.Errorf("registry as of %s, as known %v: %q, want %q", c.asOf.Format(time.DateTime), c.known, got, c.want)
		}
	}
	// A province filter reads the same versions.
	if got, err := db.Villages(ctx, geo.VillageFilter{AsOf: at(11), AsKnown: true, ProvinceCode: "15"}); err != nil || len(got) != 1 || got[0].ID != "V000" {
		t.Errorf("province 15 as known on day 11: %v %+v, want V000 only (V002 not yet imported)", err, got)
	}

	// The latest claim of V000 as of day 15: the back-dated signal was received on day 20.
	claim := func(asOf time.Time, known bool) string {
		t.Helper()
		latest, err := db.LatestObservations(ctx, asOf, geo.VillageFilter{AsOf: asOf, AsKnown: known})
		if err != nil {
			t.Fatal(err)
		}
		walked := map[string][]geo.Observation{}
		err = db.EachVillageLatest(ctx, asOf, 0, geo.VillageFilter{AsOf: asOf, AsKnown: known}, func(v *geo.Village, l []geo.Observation) error {
			if len(l) > 0 {
				walked[v.ID] = slices.Clone(l)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range latest["V000"] {
			out = append(out, fmt.Sprintf("%v@%s", o.HasSignal, o.ObservedAt.Format(time.DateOnly)))
		}
		got := strings.Join(out, " ")
		var w []string
		for _, o := range walked["V000"] {
			w = append(w, fmt.Sprintf("%v@%s", o.HasSignal, o.ObservedAt.Format(time.DateOnly)))
		}
		if s := strings.Join(w, " "); s != got {
			t.Errorf("as of %s, as known %v: EachVillageLatest %q, LatestObservations %q", asOf.Format(time.DateTime), known, s, got)
		}
		return got
	}
	for _, c := range []struct {
		asOf  time.Time
		known bool
		want  string
	}{
		{at(15), false, "true@2024-01-08"},
		{at(15), true, "false@2024-01-05"},
		{at(10).Add(-time.Millisecond), true, ""},
		{at(10), true, "false@2024-01-05"}, // received exactly at the instant: counts
		{at(20), true, "true@2024-01-08"},
		{at(24), true, "true@2024-01-08"},
	} {
		if got := claim(c.asOf, c.known); got != c.want {
			t.Errorf("V000's claim as of %s, as known %v: %q, want %q", c.asOf.Format(time.DateTime), c.known, got, c.want)
		}
	}

	// The measurement (received day 30) and the claim it judges.
	measured := func(asOf time.Time, known bool) string {
		t.Helper()
		ms, err := db.LatestMeasurements(ctx, asOf, geo.VillageFilter{AsOf: asOf, AsKnown: known})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range ms["V000"] {
			s := fmt.Sprintf("%v@%s", o.HasSignal, o.ObservedAt.Format(time.DateOnly))
			if o.ClaimInForce != nil {
				s += fmt.Sprintf(" judging %v@%s", o.ClaimInForce.HasSignal, o.ClaimInForce.ObservedAt.Format(time.DateOnly))
			}
			out = append(out, s)
		}
		return strings.Join(out, " ")
	}
	if got := measured(at(29), false); got != "true@2024-01-09 judging true@2024-01-08" {
		t.Errorf("measurement as of day 29: %q", got)
	}
	if got := measured(at(29), true); got != "" {
		t.Errorf("measurement as known on day 29: %q, want none (received day 30)", got)
	}
	if got := measured(at(30), true); got != "true@2024-01-09 judging true@2024-01-08" {
		t.Errorf("measurement as known on day 30: %q", got)
	}

	// KnownAt: evaluated at one instant, as known at a later one (a retired village's last
	// instant, as known at the instant asked).
	knownAt := func(asOf, known time.Time) geo.VillageFilter {
		return geo.VillageFilter{AsOf: asOf, AsKnown: true, KnownAt: known}
	}
	for _, c := range []struct {
		f    geo.VillageFilter
		want string
	}{
		{knownAt(at(11), at(11)), "V000:Bản 0 V001:Bản 1"},
		{knownAt(at(11), at(12)), "V000:Bản 0 V001:Bản Đổi Tên V002:Bản 2"},                         // the day-12 import, effective by day 11
		{knownAt(day(22).Add(-time.Millisecond), at(30)), "V000:Bản 0 V001:Bản Đổi Tên V002:Bản 2"}, // V000's last instant
		{knownAt(day(22), at(30)), "V000a:Bản 0a V001:Bản Đổi Tên V002:Bản 2"},
	} {
		got, err := db.Villages(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range got {
			out = append(out, v.ID+":"+v.Name)
		}
		if s := strings.Join(out, " "); s != c.want {
			t.Errorf("registry as of %s as known at %s: %q, want %q", c.f.AsOf.Format(time.DateTime), c.f.KnownAt.Format(time.DateTime), s, c.want)
		}
	}
	for _, c := range []struct {
		known time.Time
		want  string
	}{{at(19), "false@2024-01-05"}, {at(20), "true@2024-01-08"}} {
		f := knownAt(at(15), c.known)
		latest, err := db.LatestObservations(ctx, at(15), f)
		if err != nil {
			t.Fatal(err)
		}
		var walked []geo.Observation
		if err := db.EachVillageLatest(ctx, at(15), 0, f, func(v *geo.Village, l []geo.Observation) error {
			if v.ID == "V000" {
				walked = slices.Clone(l)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for name, l := range map[string][]geo.Observation{"LatestObservations": latest["V000"], "EachVillageLatest": walked} {
			if len(l) != 1 || fmt.Sprintf("%v@%s", l[0].HasSignal, l[0].ObservedAt.Format(time.DateOnly)) != c.want {
				t.Errorf("%s: V000's claim as of day 15 as known at %s: %+v, want %s", name, c.known.Format(time.DateTime), l, c.want)
			}
		}
	}
	if ms, err := db.LatestMeasurements(ctx, at(29), knownAt(at(29), at(30))); err != nil || len(ms["V000"]) != 1 {
		t.Errorf("measurement as of day 29 as known on day 30: %v %+v, want it", err, ms["V000"])
	}

	// The history walk as known at an instant (the forecast as known then): the registry as
	// known then (a program's villages by their version then), the observations of the uploads
	// received by then, each with its receipt; without the instant, an error.
	history := func(f geo.VillageFilter) string {
		t.Helper()
		var out []string
		if err := db.EachVillageHistory(ctx, f, func(v *geo.Village, h []geo.Observation) error {
			var os []string
			for _, o := range h {
				os = append(os, fmt.Sprintf("%v@%s/%s", o.HasSignal, o.ObservedAt.Format(time.DateOnly), o.ReceivedAt.In(geo.Vietnam).Format("01-02 15:04")))
			}
			out = append(out, v.ID+":"+v.Name+"["+strings.Join(os, " ")+"]")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, " ")
	}
	prog := geo.DefaultProgram().ID
	for _, c := range []struct {
		f    geo.VillageFilter
		want string
	}{
		{geo.VillageFilter{AsOf: at(15), AsKnown: true}, "V000:Bản 0[false@2024-01-05/01-10 09:00] V001:Bản Đổi Tên[] V002:Bản 2[]"},
		{geo.VillageFilter{AsOf: at(10).Add(-time.Millisecond), AsKnown: true, ProgramID: prog}, "V000:Bản 0[]"},
		{geo.VillageFilter{AsOf: at(20), AsKnown: true, ProgramID: prog}, "V000:Bản 0[false@2024-01-05/01-10 09:00 true@2024-01-08/01-20 09:00]"},
		{geo.VillageFilter{AsOf: at(24), AsKnown: true, IDs: []string{"V000"}}, "V000:Bản 0[false@2024-01-05/01-10 09:00 true@2024-01-08/01-20 09:00]"},
		{geo.VillageFilter{AsOf: at(30), AsKnown: true, ProgramID: prog}, "V000a:Bản 0a[]"},
		{geo.VillageFilter{AsOf: at(1).Add(-time.Millisecond), AsKnown: true}, ""},
	} {
		if got := history(c.f); got != c.want {
			t.Errorf("history walk as known at %s (program %q, ids %v): %q, want %q", c.f.AsOf.Format(time.DateTime), c.f.ProgramID, c.f.IDs, got, c.want)
		}
	}
	if err := db.EachVillageHistory(ctx, geo.VillageFilter{AsKnown: true}, func(*geo.Village, []geo.Observation) error { return nil }); err == nil {
		t.Error("the history walk as known at no instant: no error")
	}

	// Assignments carry their upload's receipt.
	a := commit(geo.KindAssignments, "", at(14), func(u *geo.Upload) error {
		return db.CommitAssignments(ctx, u, []geo.Assignment{{VillageID: "V000", ProgramID: geo.DefaultProgram().ID, Carrier: "viettel", AssignedAt: day(2)}})
	})
	as, err := db.Assignments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].UploadID != a.ID || !as[0].ReceivedAt.Equal(at(14)) {
		t.Errorf("assignments %+v, want one of upload %d received %s", as, a.ID, at(14))
	}
}
