package collector_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// registry returns a villages/v1 file of n powered villages of the default program over 4
// provinces and 40 communes, with names as long as real ones.
func registry(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":{"type":"Point","coordinates":[%.4f,22.40]},"properties":{"village_id":"V-%06d","name":"Bản Nậm Khòa Thượng %d","commune_code":"0%04d","commune_name":"Xã Nậm Khòa %d","province_code":"%d","province_name":"Tỉnh số %d","grid_power":true,"programs":["vls-2024"]}}`,
			103+float64(i)/1e5, i, i, 2700+i%40, i%40, 10+i%4, 10+i%4)
	}
	b.WriteString(`]}`)
	return b.String()
}

// signals returns an observations/v1 file giving every one of n villages 4G signal on day.
func signals(n int, day string) string {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":null,"properties":{"village_id":"V-%06d","technology":"4g","has_signal":true,"observed_at":%q}}`, i, day)
	}
	b.WriteString(`]}`)
	return b.String()
}

// TestSnapshot_BytesPerVillage guards the snapshot's memory: it holds the open villages (each
// reported dark by two carriers), at a bounded number of bytes each (measured by collector.SnapshotBytes, not by the runtime), and
// once every village is covered its size no longer depends on the registry at all.
func TestSnapshot_BytesPerVillage(t *testing.T) {
	const perOpenVillage = 900 // bytes: a VillageStatus and a Village without area are ~560, its two carriers reported, and the slice grows by doubling
	ctx := context.Background()
	asOf := time.Date(2026, 1, 10, 8, 0, 0, 0, geo.Vietnam)
	sizes := map[int][2]int{} // n → {all open, all covered}
	for _, n := range []int{300, 1200} {
		db := sqlite.NewDB(filepath.Join(t.TempDir(), "s.db"))
		if err := db.Open(ctx); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		prog := geo.DefaultProgram()
		if err := db.UpsertProgram(ctx, prog); err != nil {
			t.Fatal(err)
		}
		in := &collector.Ingester{Store: db, Now: func() time.Time { return asOf }}
		ingest := func(kind geo.UploadKind, carrier, body string) {
			t.Helper()
			u, err := in.Ingest(ctx, collector.File{Name: string(kind), Kind: kind, Carrier: carrier, Source: "cli"}, strings.NewReader(body))
			if err != nil || u.Result != geo.ResultAccepted {
				t.Fatalf("%s: %v %+v", kind, err, u)
			}
		}
		build := func() *geo.Snapshot {
			t.Helper()
			s, err := collector.BuildSnapshot(ctx, db, []geo.Program{prog}, ptr(geo.DefaultPolicy()), asOf)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		ingest(geo.KindVillages, "", registry(n))
		// Every village reported dark by two carriers: their claims are no part of the bound
		// (a snapshot keeps only the claims its explanation reads: of signal that counts).
		ids := make([]int, n)
		for i := range ids {
			ids[i] = i
		}
		ingest(geo.KindObservations, "viettel", observations("2025-11-01", false, ids...))
		ingest(geo.KindObservations, "mobifone", observations("2025-11-02", false, ids...))
		open := build()
		if got := len(open.Programs[0].Open); got != n {
			t.Fatalf("n=%d: %d open villages, want every one", n, got)
		}
		ingest(geo.KindObservations, "viettel", signals(n, "2025-12-01"))
		covered := build()
		if c := covered.Programs[0].Summary.National; c.Covered != n || len(covered.Programs[0].Open) != 0 {
			t.Fatalf("n=%d: covered %d, open %d; want %d and 0", n, c.Covered, len(covered.Programs[0].Open), n)
		}
		sizes[n] = [2]int{collector.SnapshotBytes(open), collector.SnapshotBytes(covered)}
		t.Logf("n=%d: %d bytes with every village open (%d per village), %d with every village covered",
			n, sizes[n][0], sizes[n][0]/n, sizes[n][1])
	}
	small, large := sizes[300], sizes[1200]
	if per := (large[0] - small[0]) / 900; per > perOpenVillage {
		t.Errorf("each open village costs %d bytes of snapshot, want at most %d", per, perOpenVillage)
	}
	if large[0] > 1200*perOpenVillage+64<<10 {
		t.Errorf("snapshot of 1200 open villages: %d bytes, want at most %d per village", large[0], perOpenVillage)
	}
	if large[1] != small[1] {
		t.Errorf("snapshot with every village covered: %d bytes for 1200 villages, %d for 300; want the same (nothing per village)", large[1], small[1])
	}
}

// TestSnapshotBytes_CountsEvidence: the accounting reaches everything a status holds — the
// claims and their confirmations, the discrepancies with their observations, the plan — and
// the discrepant villages' list (covered villages with a discrepancy), so that the bound per
// village above cannot miss a part.
func TestSnapshotBytes_CountsEvidence(t *testing.T) {
	base := func() *geo.Snapshot {
		return &geo.Snapshot{Programs: []geo.ProgramState{{Open: []geo.VillageStatus{{Village: &geo.Village{ID: "V1", Name: "Bản A"}}}}}}
	}
	bare := collector.SnapshotBytes(base())
	rsrp := -100.0
	claim := geo.Observation{VillageID: "V1", Carrier: "viettel", Method: "drive_test", Source: geo.SourceCarrier, RSRPdBm: &rsrp}
	for name, add := range map[string]func(s *geo.Snapshot){
		"claims": func(s *geo.Snapshot) {
			s.Programs[0].Open[0].Claims = []geo.ClaimEvidence{{Claim: claim}, {Claim: claim, Confirmation: &claim}}
		},
		"discrepancies": func(s *geo.Snapshot) {
			s.Programs[0].Open[0].Discrepancies = []geo.Discrepancy{{Carrier: "viettel", Claim: claim, Measurement: claim, Reclaim: &claim}}
		},
		"plan": func(s *geo.Snapshot) {
			s.Programs[0].Open[0].Lifecycle.Plan = &geo.Plan{VillageID: "V1", Carrier: "viettel", SiteID: "S-1"}
		},
		"discrepant": func(s *geo.Snapshot) {
			s.Programs[0].Discrepant = []geo.VillageStatus{{Village: &geo.Village{ID: "V2", Name: "Bản B"}}}
		},
	} {
		s := base()
		add(s)
		if got := collector.SnapshotBytes(s); got <= bare {
			t.Errorf("%s: %d bytes, as without it (%d): not counted", name, got, bare)
		}
	}
	// A discrepancy's observations count as much as the claims' do.
	one := base()
	one.Programs[0].Open[0].Discrepancies = []geo.Discrepancy{{}}
	full := base()
	full.Programs[0].Open[0].Discrepancies = []geo.Discrepancy{{Carrier: "mobifone", Claim: claim, Measurement: geo.Observation{Inspector: "Thanh tra Sở TT&TT"}, Reclaim: &claim}}
	if collector.SnapshotBytes(full) <= collector.SnapshotBytes(one) {
		t.Error("a discrepancy's observations are not counted")
	}
}

func ptr[T any](v T) *T { return &v }

// TestSnapshot_SameAsStatus pins the streaming snapshot to the plain evaluation: the same
// summary, open villages and statuses as collector.Status and geo.Summarize over the whole
// registry, on a history mixing carriers, technologies, signal and none.
func TestSnapshot_SameAsStatus(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2026, 1, 10, 8, 0, 0, 0, geo.Vietnam)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "s.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prog := geo.DefaultProgram()
	if err := db.UpsertProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
	in := &collector.Ingester{Store: db, Now: func() time.Time { return asOf }}
	ingest := func(kind geo.UploadKind, carrier, body string) {
		t.Helper()
		u, err := in.Ingest(ctx, collector.File{Name: fmt.Sprint(kind, carrier, len(body)), Kind: kind, Carrier: carrier, Source: "cli"}, strings.NewReader(body))
		if err != nil || u.Result != geo.ResultAccepted {
			t.Fatalf("%s: %v %+v", kind, err, u)
		}
	}
	const n = 240
	ingest(geo.KindVillages, "", registry(n))
	for c, carrier := range []string{"viettel", "mobifone", "vinaphone"} {
		var b strings.Builder
		b.WriteString(`{"type":"FeatureCollection","features":[`)
		k := 0
		for i := range n {
			if (i+c)%3 == 0 {
				continue // this carrier never reported the village
			}
			for d, tech := range []string{"2g", "4g"} {
				if k > 0 {
					b.WriteByte(',')
				}
				k++
				fmt.Fprintf(&b, `{"type":"Feature","geometry":null,"properties":{"village_id":"V-%06d","technology":%q,"has_signal":%t,"observed_at":"2025-1%d-0%d"}}`,
					i, tech, (i*7+c*3+d)%5 == 0, d+1, 1+(i+c)%9)
			}
		}
		b.WriteString(`]}`)
		ingest(geo.KindObservations, carrier, b.String())
	}
	pol := geo.DefaultPolicy()
	snap, err := collector.BuildSnapshot(ctx, db, []geo.Program{prog}, &pol, asOf)
	if err != nil {
		t.Fatal(err)
	}
	sts, err := collector.Status(ctx, db, geo.VillageFilter{ProgramID: prog.ID}, &prog, &pol, asOf)
	if err != nil {
		t.Fatal(err)
	}
	want := geo.Summarize(sts, &prog, &pol, asOf)
	got := snap.Programs[0].Summary
	if got.Program.ID != want.Program.ID {
		t.Errorf("program %s, want %s", got.Program.ID, want.Program.ID)
	}
	got.Program, want.Program = nil, nil
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("summary:\n got %+v\nwant %+v", got, want)
	}
	if got.National.Covered == 0 || got.National.Open == 0 {
		t.Fatalf("the history should leave some villages covered and some open: %+v", got.National)
	}
	var open []string
	for _, st := range sts {
		if st.Status != geo.StatusCovered {
			open = append(open, fmt.Sprintf("%s %s %v %s", st.Village.ID, st.Status, st.CarriersReported, st.LastObservedAt))
		}
	}
	var gotOpen []string
	for _, st := range snap.Programs[0].Open {
		gotOpen = append(gotOpen, fmt.Sprintf("%s %s %v %s", st.Village.ID, st.Status, st.CarriersReported, st.LastObservedAt))
	}
	if fmt.Sprint(gotOpen) != fmt.Sprint(open) {
		t.Errorf("open villages:\n got %v\nwant %v", gotOpen, open)
	}
}

// observations returns an observations/v1 file: one 4G report per village of ids on day.
func observations(day string, signal bool, ids ...int) string {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for k, i := range ids {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":null,"properties":{"village_id":"V-%06d","technology":"4g","has_signal":%t,"observed_at":%q}}`, i, signal, day)
	}
	b.WriteString(`]}`)
	return b.String()
}

// TestRunner_UploadEvaluatesTouchedVillages guards the cost of an upload's refresh: an upload
// touching k villages evaluates k villages (counted, not timed), and the snapshot it gives is
// exactly the one a whole evaluation at the same instant gives. An upload observed after the
// snapshot's instant cannot count at that instant: it costs a whole evaluation, at now.
func TestRunner_UploadEvaluatesTouchedVillages(t *testing.T) {
	ctx := context.Background()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 1, 10, 8, 0, 0, 0, geo.Vietnam))
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "s.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prog := geo.DefaultProgram()
	if err := db.UpsertProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
	in := &collector.Ingester{Store: db, Now: clock.Now}
	const n = 60
	if u, err := in.Ingest(ctx, collector.File{Name: "villages", Kind: geo.KindVillages, Source: "cli"}, strings.NewReader(registry(n))); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry: %v %+v", err, u)
	}
	if u, err := in.Ingest(ctx, collector.File{Name: "first", Kind: geo.KindObservations, Carrier: "viettel", Source: "cli"},
		strings.NewReader(observations("2025-11-01", true, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9))); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("observations: %v %+v", err, u)
	}
	r := &collector.Runner{Ingester: in, Store: db, Programs: []geo.Program{prog}, Policy: geo.DefaultPolicy(), Clock: clock}
	defer r.Shutdown()
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.VillagesEvaluated(); got != n {
		t.Fatalf("a whole refresh evaluated %d villages, want %d", got, n)
	}
	same := func(step string) {
		t.Helper()
		got := r.Snapshot()
		want, err := collector.BuildSnapshot(ctx, db, r.Programs, &r.Policy, got.AsOf)
		if err != nil {
			t.Fatal(err)
		}
		describe := func(s *geo.Snapshot) string {
			ps := s.Programs[0]
			sum := ps.Summary
			sum.Program = nil
			var open []string
			for _, st := range ps.Open {
				open = append(open, fmt.Sprintf("%s:%s:%s:%d", st.Village.ID, st.Status, st.Reason, st.DaysOverdue))
			}
			var discrepant []string
			for _, st := range ps.Discrepant {
				discrepant = append(discrepant, fmt.Sprintf("%s:%s:%d:%+v", st.Village.ID, st.Status, len(st.Discrepancies), st.Lifecycle))
			}
			return fmt.Sprintf("%+v\nopen %v\ndiscrepant %v\nregressed %v\ncarrier×tech %v\nuploads %v", sum, open, discrepant, ps.Regressed, s.CarrierTech, s.Uploads)
		}
		if g, w := describe(got), describe(want); g != w {
			t.Errorf("%s: the snapshot differs from a whole evaluation at %v:\n got %s\nwant %s", step, got.AsOf, g, w)
		}
	}
	upload := func(name, body string, touched uint64) {
		t.Helper()
		before := r.VillagesEvaluated()
		u, err := r.Ingest(ctx, collector.File{Name: name, Kind: geo.KindObservations, Carrier: "mobifone", Source: "api"}, strings.NewReader(body))
		if err != nil || u.Result != geo.ResultAccepted {
			t.Fatalf("%s: %v %+v", name, err, u)
		}
		if err := r.WaitRefreshed(ctx); err != nil {
			t.Fatal(err)
		}
		if got := r.VillagesEvaluated() - before; got != touched {
			t.Errorf("%s: %d villages evaluated, want %d", name, got, touched)
		}
		same(name)
	}
	asOf := r.Snapshot().AsOf
	upload("three covered", observations("2025-12-01", true, 20, 21, 22), 3)
	// mobifone had signal in 20 and 21, now none: still covered by nobody else, so both are
	// regressions; 40 reported dark for the first time.
	upload("two dark again", observations("2025-12-15", false, 20, 21, 40), 3)
	if got := r.Snapshot().Programs[0].Regressed; fmt.Sprint(got) != "[V-000020 V-000021]" {
		t.Errorf("regressed %v, want V-000020 and V-000021", got)
	}
	if got := r.Snapshot().AsOf; !got.Equal(asOf) {
		t.Errorf("the snapshot's instant moved to %v, want %v", got, asOf)
	}
	// An inspector's measurement can verify a village (its lifecycle step) and contradict its
	// claims: the village is taken out as counted, with the measurements it was counted with,
	// and counted in with the new one; the others are not evaluated.
	before := r.VillagesEvaluated()
	inspected := strings.Replace(observations("2025-12-20", true, 22), `"village_id"`, `"carrier":"mobifone","village_id"`, 1)
	if u, err := r.Ingest(ctx, collector.File{Name: "inspected", Kind: geo.KindObservations, Inspector: true, Source: "api"}, strings.NewReader(inspected)); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("inspection: %v %+v", err, u)
	}
	if err := r.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.VillagesEvaluated() - before; got != 1 {
		t.Errorf("an independent measurement: %d villages evaluated, want the one it touched", got)
	}
	same("inspected")
	// A measurement contradicting viettel's claim of signal in village 0: a discrepancy, the
	// one village evaluated.
	before = r.VillagesEvaluated()
	contradicting := strings.Replace(observations("2025-12-21", false, 0), `"village_id"`, `"carrier":"viettel","village_id"`, 1)
	if u, err := r.Ingest(ctx, collector.File{Name: "contradicting", Kind: geo.KindObservations, Inspector: true, Source: "api"}, strings.NewReader(contradicting)); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("inspection: %v %+v", err, u)
	}
	if err := r.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.VillagesEvaluated() - before; got != 1 {
		t.Errorf("a contradicting measurement: %d villages evaluated, want 1", got)
	}
	if d := r.Snapshot().Programs[0].Discrepant; len(d) != 1 || d[0].Village.ID != "V-000000" {
		t.Errorf("discrepant villages %v, want V-000000", d)
	}
	same("contradicting")
	// Observed after the snapshot's instant: the whole registry, at the clock's now.
	clock.Advance(time.Hour)
	upload("observed after", observations(clock.Now().Add(-time.Minute).Format(time.RFC3339), true, 50), n)
	if got := r.Snapshot().AsOf; !got.Equal(clock.Now()) {
		t.Errorf("after an upload observed after the snapshot, it is as of %v, want now (%v)", got, clock.Now())
	}
}
