package collector_test

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// asKnownWorld is the responsibility example of docs/figures.md with a receipt instant for
// every upload: a real SQLite file, an ingester and a runner on one fake clock, which the test
// sets before each upload (its received_at).
type asKnownWorld struct {
	t     *testing.T
	db    *sqlite.DB
	r     *collector.Runner
	clock *clockwork.FakeClock
}

func newAsKnownWorld(t *testing.T) *asKnownWorld {
	db, prog := openProgramDB(t)
	clock := clockwork.NewFakeClockAt(day("2024-01-02").Add(9 * time.Hour))
	in := &collector.Ingester{Store: db, Now: clock.Now}
	r := &collector.Runner{Ingester: in, Store: db, Figures: db, Programs: []geo.Program{prog}, Policy: geo.DefaultPolicy(), Clock: clock}
	t.Cleanup(func() { r.Shutdown() })
	return &asKnownWorld{t: t, db: db, r: r, clock: clock}
}

// at sets the clock to instant s (RFC 3339, or a date: 09:00 that day in Vietnam).
func (w *asKnownWorld) at(s string) time.Time {
	w.t.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t = day(s).Add(9 * time.Hour)
	}
	if d := t.Sub(w.clock.Now()); d > 0 {
		w.clock.Advance(d)
	}
	if !w.clock.Now().Equal(t) {
		w.t.Fatalf("the clock is at %s, after %s", w.clock.Now(), t)
	}
	return t
}

// ingest uploads body, received at instant received (see at).
func (w *asKnownWorld) ingest(received string, f collector.File, body string) {
	w.t.Helper()
	w.at(received)
	f.Name, f.Source = received+"-"+string(f.Kind), "cli"
	u, err := w.r.Ingester.Ingest(context.Background(), f, strings.NewReader(body))
	if err != nil || u.Result != geo.ResultAccepted {
		w.t.Fatalf("%s: %v %+v", f.Name, err, u)
	}
}

func (w *asKnownWorld) claims(received, carrier, features string) {
	w.t.Helper()
	w.ingest(received, collector.File{Kind: geo.KindObservations, Carrier: carrier},
		`{"type":"FeatureCollection","covmon_schema":"observations/v1","features":[`+features+`]}`)
}

func claim(village string, signal bool, observed string) string {
	s := "false"
	if signal {
		s = "true"
	}
	return `{"type":"Feature","geometry":null,"properties":{"village_id":"` + village + `","technology":"4g","has_signal":` + s + `,"observed_at":"` + observed + `"}}`
}

func (w *asKnownWorld) registry(received string, ids ...string) {
	w.t.Helper()
	var fs []string
	for i, id := range ids {
		fs = append(fs, `{"type":"Feature","geometry":{"type":"Point","coordinates":[104.`+string(rune('1'+i))+`,22.1]},"properties":{"village_id":"`+id+`","name":"Bản `+id+`","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}`)
	}
	w.ingest(received, collector.File{Kind: geo.KindVillages}, `{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[`+strings.Join(fs, ",")+`]}`)
}

func (w *asKnownWorld) assign(received, village, carrier, assignedAt string) {
	w.t.Helper()
	w.ingest(received, collector.File{Kind: geo.KindAssignments}, `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"`+village+`","program":"vls-2024","carrier":"`+carrier+`","assigned_at":"`+assignedAt+`"}}]}`)
}

// summary evaluates the program at asOf in the current view or the audit view, and each
// village's status.
func (w *asKnownWorld) summary(asOf time.Time, asKnown bool) (geo.Summary, map[string]geo.VillageStatus) {
	w.t.Helper()
	prog := &w.r.Programs[0]
	sts := map[string]geo.VillageStatus{}
	s, _, err := collector.StatusSummary(context.Background(), w.db, geo.VillageFilter{ProgramID: prog.ID, AsKnown: asKnown}, prog, &w.r.Policy, asOf, func(st *geo.VillageStatus) bool {
		sts[st.Village.ID] = *st
		return false
	})
	if err != nil {
		w.t.Fatal(err)
	}
	// Status (whole lists) reads the same: both stream paths and the list path agree.
	all, err := collector.Status(context.Background(), w.db, geo.VillageFilter{ProgramID: prog.ID, AsKnown: asKnown}, prog, &w.r.Policy, asOf)
	if err != nil {
		w.t.Fatal(err)
	}
	if listed := geo.Summarize(all, prog, &w.r.Policy, asOf); !reflect.DeepEqual(listed.National, s.National) {
		w.t.Errorf("as of %s, as known %v: Status counts %+v, StatusSummary %+v", asOf, asKnown, listed.National, s.National)
	}
	return s, sts
}

// The audit view on hand-made histories (docs/figures.md, "As known then"): a claim received
// later but dated before the deadline, a correction received later, an assignment and a
// registry import received later and dated back, a plan (counted from its receipt in both
// views), an upload received exactly at the instant, and no instant at all.
func TestStatus_AsKnownThen(t *testing.T) {
	w := newAsKnownWorld(t)
	ctx := context.Background()
	w.registry("2024-01-02", "V1", "V2", "V3")
	// V1 reported dark by viettel and mobifone, V3 covered by viettel; V2 never reported.
	w.claims("2024-06-02", "viettel", claim("V1", false, "2024-06-01")+","+claim("V3", true, "2024-06-01"))
	w.claims("2024-06-02T10:00:00+07:00", "mobifone", claim("V1", false, "2024-06-01"))
	w.assign("2024-06-03", "V2", "viettel", "2023-01-01")
	// viettel's plan for V2, received 2024-10-01.
	w.ingest("2024-10-01", collector.File{Kind: geo.KindPlans, Carrier: "viettel"}, `{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"V2","program":"vls-2024","site_id":"VT-0002","target_on_air":"2025-06-30","progress":"planned","planned_at":"2024-09-20"}}]}`)

	// covmon serve's daily point of 2024-12-01, recorded at 10:00 that day.
	recorded := w.at("2024-12-01T10:00:00+07:00")
	if err := w.r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}

	// Received later, dated back: mobifone's claim of signal in V1 observed one second before
	// the deadline; viettel's correction of V3 (dark, at the same instant as its claim); V1
	// assigned to mobifone since 2023; V4, a village imported into the registry.
	w.claims("2025-01-10", "mobifone", claim("V1", true, "2024-11-30T23:59:59+07:00"))
	w.claims("2025-01-11", "viettel", claim("V3", false, "2024-06-01"))
	w.assign("2025-01-12", "V1", "mobifone", "2023-01-01")
	w.registry("2025-01-13", "V1", "V2", "V3", "V4")

	deadline := day("2024-12-01")
	cur, curSts := w.summary(deadline, false)
	known, knownSts := w.summary(deadline, true)
	// The current view: V1 covered by the late claim, V3 dark by the correction, V2 and V4
	// (in the registry since always) never reported.
	if n := cur.National; n.Villages != 4 || n.Overdue != 3 || n.Covered != 1 || curSts["V1"].Status != geo.StatusCovered || curSts["V3"].Status != geo.StatusDeadZone {
		t.Errorf("current view as of the deadline: %+v; V1 %s, V3 %s", n, curSts["V1"].Status, curSts["V3"].Status)
	}
	// As known then: V1 dark and V2 never reported, both overdue (2, not 1: the worked
	// example); V3 covered; V4 not yet in the registry.
	if n := known.National; n.Villages != 3 || n.Overdue != 2 || n.Covered != 1 || knownSts["V1"].Status != geo.StatusDeadZone || knownSts["V3"].Status != geo.StatusCovered {
		t.Errorf("as known at the deadline: %+v; V1 %s, V3 %s", n, knownSts["V1"].Status, knownSts["V3"].Status)
	}
	if _, ok := knownSts["V4"]; ok {
		t.Error("as known at the deadline, V4 (imported 2025-01-13) is in the registry")
	}
	// Responsibility: V1 is mobifone's in the current view, nobody's as known then.
	if c, k := curSts["V1"].Responsible, knownSts["V1"].Responsible; c != "mobifone" || k != "" {
		t.Errorf("V1 responsible: current %q, as known %q; want mobifone, none", c, k)
	}

	// The recorded daily point is what was known when it was recorded.
	fs, err := w.db.DailyFigures(ctx, "vls-2024", deadline, deadline)
	if err != nil || len(fs) != 1 || fs[0].Backfilled {
		t.Fatalf("daily figures of 2024-12-01: %v %+v", err, fs)
	}
	atRecording, _ := w.summary(recorded, true)
	stored := func(c geo.Counts) [6]int { // the counts a daily point keeps
		return [6]int{c.Baseline, c.BaselineCovered, c.Covered, c.DeadZone, c.NoData, c.Overdue}
	}
	if got, want := stored(fs[0].Counts), stored(atRecording.National); got != want {
		t.Errorf("the recorded point of 2024-12-01 (baseline, covered of it, covered, dead zones, no data, overdue): %v; as known at its recording: %v", got, want)
	}
	if fs[0].Counts.Overdue != 2 {
		t.Errorf("the recorded point says %d overdue, want 2", fs[0].Counts.Overdue)
	}
	if again, _ := w.summary(recorded, false); again.National.Overdue != 3 {
		t.Errorf("the current view at the recording instant: %d overdue, want 3", again.National.Overdue)
	}

	// A plan counts from its receipt in both views: V2 assigned before, planned from then.
	for _, c := range []struct {
		asOf string
		want geo.Step
	}{{"2024-09-30", geo.StepAssigned}, {"2024-10-01", geo.StepPlanned}} {
		_, cs := w.summary(w.parse(c.asOf), false)
		_, ks := w.summary(w.parse(c.asOf), true)
		if step(cs["V2"]) != c.want || step(ks["V2"]) != c.want {
			t.Errorf("V2 as of %s: current %s, as known %s; want %s in both", c.asOf, step(cs["V2"]), step(ks["V2"]), c.want)
		}
	}

	// An upload received exactly at the instant counts; a millisecond before, it does not.
	late := w.parse("2025-01-10")
	if _, sts := w.summary(late, true); sts["V1"].Status != geo.StatusCovered {
		t.Errorf("as known at the late claim's receipt: V1 %s, want covered", sts["V1"].Status)
	}
	if _, sts := w.summary(late.Add(-time.Millisecond), true); sts["V1"].Status != geo.StatusDeadZone {
		t.Errorf("as known a millisecond before the late claim's receipt: V1 %s, want dead_zone", sts["V1"].Status)
	}

	// Without a past instant (now) the audit view is the current view: everything stored was
	// received by now.
	now := w.at("2025-02-01")
	c, _ := w.summary(now, false)
	k, _ := w.summary(now, true)
	if !reflect.DeepEqual(c, k) {
		t.Errorf("now:\n current  %+v\n as known %+v", c, k)
	}
}

// parse reads a date (09:00 that day in Vietnam, as at sets it) or an RFC 3339 instant.
func (w *asKnownWorld) parse(s string) time.Time {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	return day(s).Add(9 * time.Hour)
}

func step(st geo.VillageStatus) geo.Step { return st.Lifecycle.Step }

// slowBody yields first, then advances clock to then (the rest of the file arrives later:
// a feed that sends its body slowly), then yields rest.
type slowBody struct {
	first, rest string
	clock       *clockwork.FakeClock
	then        time.Time
}

func (b *slowBody) Read(p []byte) (int, error) {
	switch {
	case b.first != "":
		n := copy(p, b.first)
		b.first = b.first[n:]
		return n, nil
	case b.rest != "":
		if d := b.then.Sub(b.clock.Now()); d > 0 {
			b.clock.Advance(d)
		}
		n := copy(p, b.rest)
		b.rest = b.rest[n:]
		return n, nil
	}
	return 0, io.EOF
}

// An upload is received when its last byte arrived, not when its first did: a feed that
// starts its answer before a meeting and sends the rest of it (chosen after the meeting, a
// back-dated claim of signal) a month later must not count in the figures as known at the
// meeting. Its received_at said the first byte's instant, so the audit view of the meeting
// counted a claim nobody had then.
func TestIngest_ReceivedWhenTheLastByteArrives(t *testing.T) {
	w := newAsKnownWorld(t)
	ctx := context.Background()
	w.registry("2024-01-02", "V1")
	w.claims("2024-06-02", "viettel", claim("V1", false, "2024-06-01"))

	start := w.at("2024-12-01T08:00:00+07:00")
	meeting := w.parse("2024-12-01T09:00:00+07:00")
	last := w.parse("2025-01-10")
	body := `{"type":"FeatureCollection","covmon_schema":"observations/v1","features":[` + claim("V1", true, "2024-11-30T23:59:59+07:00") + `]}`
	half := len(body) / 2
	u, err := w.r.Ingester.Ingest(ctx, collector.File{Name: "slow.geojson", Kind: geo.KindObservations, Carrier: "viettel", Source: "feed", Remote: true},
		&slowBody{first: body[:half], rest: body[half:], clock: w.clock, then: last})
	if err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("%v %+v", err, u)
	}
	if !u.ReceivedAt.Equal(last) {
		t.Errorf("received_at %s, want %s (the last byte's arrival, not the first's at %s)", u.ReceivedAt, last, start)
	}
	if stored, err := w.db.Upload(ctx, u.ID); err != nil || !stored.ReceivedAt.Equal(last) {
		t.Errorf("stored upload: %v received_at %v, want %s", err, stored.ReceivedAt, last)
	}
	if _, sts := w.summary(meeting, true); sts["V1"].Status != geo.StatusDeadZone {
		t.Errorf("as known at the meeting: V1 %s, want dead_zone (the claim's last byte arrived on 2025-01-10)", sts["V1"].Status)
	}
	if _, sts := w.summary(meeting, false); sts["V1"].Status != geo.StatusCovered {
		t.Errorf("current view as of the meeting: V1 %s, want covered (the claim is dated before it)", sts["V1"].Status)
	}
}

// The snapshot keeps its instant while the uploads after it are counted in village by village
// (docs/figures.md, "When the figures are computed"): a claim received three minutes after the
// snapshot's as_of, observed before it, counts in the figures of that as_of and in the day's
// recorded point, and not in the audit view of that as_of, which counts it from its receipt.
// So what the snapshot said is the audit view of its as_of plus the uploads received since,
// until the next whole computation.
func TestSnapshot_CountsUploadsReceivedAfterItsInstant(t *testing.T) {
	w := newAsKnownWorld(t)
	ctx := context.Background()
	w.registry("2024-01-02", "V1", "V2")
	w.claims("2024-06-02", "viettel", claim("V1", false, "2024-06-01")+","+claim("V2", false, "2024-06-01"))
	asOf := w.at("2024-12-01T10:00:00+07:00")
	if err := w.r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	received := w.at("2024-12-01T10:03:00+07:00")
	body := `{"type":"FeatureCollection","covmon_schema":"observations/v1","features":[` + claim("V1", true, "2024-11-30T23:59:59+07:00") + `]}`
	if u, err := w.r.Ingest(ctx, collector.File{Name: "late.geojson", Kind: geo.KindObservations, Carrier: "viettel", Source: "api"}, strings.NewReader(body)); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("%v %+v", err, u)
	}
	if err := w.r.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
	s := w.r.Snapshot()
	if !s.AsOf.Equal(asOf) {
		t.Fatalf("snapshot as of %s, want %s (it keeps its instant)", s.AsOf, asOf)
	}
	if got := s.Programs[0].Summary.National.Overdue; got != 1 {
		t.Errorf("the snapshot as of 10:00 counts %d overdue, want 1 (V1's claim received at 10:03 counted in)", got)
	}
	fs, err := w.db.DailyFigures(ctx, "vls-2024", day("2024-12-01"), day("2024-12-01"))
	if err != nil || len(fs) != 1 || fs[0].Counts.Overdue != 1 {
		t.Errorf("the recorded point of 2024-12-01: %v %+v, want 1 overdue", err, fs)
	}
	if k, _ := w.summary(asOf, true); k.National.Overdue != 2 {
		t.Errorf("as known at the snapshot's as_of: %d overdue, want 2", k.National.Overdue)
	}
	if k, _ := w.summary(received, true); k.National.Overdue != 1 {
		t.Errorf("as known at the claim's receipt: %d overdue, want 1", k.National.Overdue)
	}
}
