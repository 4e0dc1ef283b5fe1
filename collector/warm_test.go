package collector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// warmFixture is a database with a registry of 40 villages, half of them with signal, an
// assignment and a plan, and a runner that computed (and persisted) its snapshot at t0.
type warmFixture struct {
	db    *sqlite.DB
	clock *clockwork.FakeClock
	in    *collector.Ingester
	first *geo.Snapshot
}

func newWarmFixture(t *testing.T) *warmFixture {
	t.Helper()
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "w.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		t.Fatal(err)
	}
	f := &warmFixture{db: db, clock: clockwork.NewFakeClockAt(t0)}
	f.in = &collector.Ingester{Store: db, Now: f.clock.Now}
	f.ingest(t, geo.KindVillages, "", registry(40))
	f.ingest(t, geo.KindObservations, "viettel", signals(20, "2026-01-05"))
	// An inspection contradicting viettel's claim at V-000003: the snapshot keeps that village
	// (discrepant) with the claim it is covered by, which its explanation names.
	f.ingestFile(t, collector.File{Name: "inspection.geojson", Kind: geo.KindObservations, Inspector: true, Source: "cli"},
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"V-000003","carrier":"viettel","technology":"4g","has_signal":false,"observed_at":"2026-01-10","method":"drive_test"}}]}`)
	f.ingest(t, geo.KindAssignments, "", `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V-000030","program":"vls-2024","carrier":"viettel","assigned_at":"2025-06-01"}}]}`)
	r := f.runner(nil)
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	r.WaitPersisted()
	f.first = r.Snapshot()
	if f.first.Programs[0].Summary.National.Covered != 20 {
		t.Fatalf("fixture: %d covered, want 20", f.first.Programs[0].Summary.National.Covered)
	}
	if d := f.first.Programs[0].Discrepant; len(d) != 1 || d[0].Explain().Claim == nil {
		t.Fatalf("fixture: discrepant villages %+v, want V-000003 explained by viettel's claim", d)
	}
	return f
}

func (f *warmFixture) ingest(t *testing.T, kind geo.UploadKind, carrier, body string) {
	t.Helper()
	f.ingestFile(t, collector.File{Name: string(kind) + ".geojson", Kind: kind, Carrier: carrier, Source: "cli"}, body)
}

func (f *warmFixture) ingestFile(t *testing.T, file collector.File, body string) {
	t.Helper()
	u, err := f.in.Ingest(context.Background(), file, strings.NewReader(body))
	if err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("%s: %v %+v", file.Name, err, u)
	}
}

// runner returns a runner of the default program on f's database, its store s when not nil.
func (f *warmFixture) runner(s collector.SnapshotStore) *collector.Runner {
	if s == nil {
		s = f.db
	}
	return &collector.Runner{Store: s, Warm: f.db, Programs: []geo.Program{geo.DefaultProgram()}, Policy: geo.DefaultPolicy(), Clock: f.clock}
}

// logged returns a logger writing into a buffer.
func logged() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

// sameFigures fails unless a and b hold the same figures, compared as JSON (an instant decoded
// from the store has Vietnam's offset without its zone's name), and the same explanation of
// each village they keep (what the page and the village API say it counts as and why: read
// from fields JSON does not show).
func sameFigures(t *testing.T, what string, a, b *geo.Snapshot) {
	t.Helper()
	ja, err := json.Marshal(struct {
		S *geo.Snapshot
		E []geo.Explanation
	}{a, explanations(a)})
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(struct {
		S *geo.Snapshot
		E []geo.Explanation
	}{b, explanations(b)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ja, jb) {
		i := 0
		for i < min(len(ja), len(jb)) && ja[i] == jb[i] {
			i++
		}
		lo := max(0, i-200)
		t.Errorf("%s: the figures differ at byte %d:\n…%s\n…%s", what, i, ja[lo:min(len(ja), i+100)], jb[lo:min(len(jb), i+100)])
	}
}

// explanations returns the explanation of every village s keeps, program by program.
func explanations(s *geo.Snapshot) []geo.Explanation {
	var out []geo.Explanation
	for i := range s.Programs {
		for _, l := range [][]geo.VillageStatus{s.Programs[i].Open, s.Programs[i].Discrepant} {
			for j := range l {
				out = append(out, l[j].Explain())
			}
		}
	}
	return out
}

// blockedStore holds the walk of the registry until released.
type blockedStore struct {
	collector.SnapshotStore
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockedStore) EachVillageLatest(ctx context.Context, asOf time.Time, upTo int64, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error {
	b.once.Do(func() { close(b.started) })
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.SnapshotStore.EachVillageLatest(ctx, asOf, upTo, f, fn)
}

// TestWarmStart_ServesPersistedThenRecomputes: a new runner on unchanged data serves the
// persisted snapshot at once (the same figures as a fresh computation), before the
// recomputation that Start runs at once has finished, and the recomputation replaces it.
func TestWarmStart_ServesPersistedThenRecomputes(t *testing.T) {
	f := newWarmFixture(t)
	ctx := context.Background()
	f.clock.Advance(time.Hour)
	fresh, err := collector.BuildSnapshot(ctx, f.db, []geo.Program{geo.DefaultProgram()}, ptr(geo.DefaultPolicy()), t0)
	if err != nil {
		t.Fatal(err)
	}
	fresh.ComputedAt = f.first.ComputedAt

	bs := &blockedStore{SnapshotStore: f.db, started: make(chan struct{}), release: make(chan struct{})}
	r := f.runner(bs)
	logger, logs := logged()
	r.Logger = logger
	recomputed := make(chan *geo.Snapshot, 1)
	r.OnSnapshot = func(_ context.Context, s *geo.Snapshot) { recomputed <- s }
	ok, err := r.WarmStart(ctx)
	if err != nil || !ok {
		t.Fatalf("warm start: %v %v\n%s", ok, err, logs)
	}
	warm := r.Snapshot()
	sameFigures(t, "warm against a fresh computation", warm, fresh)
	if !warm.ComputedAt.Equal(t0) || !warm.AsOf.Equal(t0) {
		t.Errorf("the warm snapshot says it was computed at %v as of %v, want %v", warm.ComputedAt, warm.AsOf, t0)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown()
	select {
	case <-bs.started:
	case <-time.After(time.Minute):
		t.Fatal("Start did not recompute the warm snapshot")
	}
	if r.Snapshot() != warm {
		t.Error("the warm snapshot was replaced before the recomputation finished")
	}
	close(bs.release)
	var next *geo.Snapshot
	select {
	case next = <-recomputed:
	case <-time.After(time.Minute):
		t.Fatal("the recomputation did not finish")
	}
	if r.Snapshot() != next || !next.AsOf.Equal(t0.Add(time.Hour)) {
		t.Errorf("the recomputed snapshot is not served, or not as of now: %v", next.AsOf)
	}
	// A copy with fresh's instants: a snapshot is never changed once served (it is being
	// persisted meanwhile).
	c := *next
	next = &c
	next.Programs = slices.Clone(next.Programs)
	next.AsOf, next.ComputedAt = fresh.AsOf, fresh.ComputedAt
	for i := range next.Programs {
		next.Programs[i].Summary.AsOf = fresh.Programs[i].Summary.AsOf
	}
	sameFigures(t, "recomputed against fresh", next, fresh)
}

// TestWarmStart_Refused: any change of the inputs since the snapshot was persisted (an upload
// of observations, assignments or plans, a registry import, a rejected upload, the programs or
// the policy), another day in Vietnam, an age past the bound, a blob that cannot be read: the
// persisted snapshot is refused with a log line saying why, and the runner has no snapshot.
func TestWarmStart_Refused(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		change func(t *testing.T, f *warmFixture, r *collector.Runner)
		reason string
	}{
		{"observations", func(t *testing.T, f *warmFixture, r *collector.Runner) {
			f.ingest(t, geo.KindObservations, "mobifone", signals(1, "2026-01-06"))
		}, "changed=observations,ledger"},
		{"assignment", func(t *testing.T, f *warmFixture, r *collector.Runner) {
			f.ingest(t, geo.KindAssignments, "", `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"V-000031","program":"vls-2024","carrier":"mobifone","assigned_at":"2025-06-01"}}]}`)
		}, "changed=ledger"},
		{"registry", func(t *testing.T, f *warmFixture, r *collector.Runner) {
			f.ingest(t, geo.KindVillages, "", registry(41))
		}, "changed=registry,ledger"},
		{"rejected upload", func(t *testing.T, f *warmFixture, r *collector.Runner) {
			u, err := f.in.Ingest(ctx, collector.File{Name: "bad.geojson", Kind: geo.KindObservations, Carrier: "viettel", Source: "cli"}, strings.NewReader(`{"type":"FeatureCollection","features":[{}]}`))
			if err != nil || u.Result != geo.ResultRejected {
				t.Fatalf("bad file: %v %+v", err, u)
			}
		}, "changed=ledger"},
		{"policy", func(t *testing.T, f *warmFixture, r *collector.Runner) {
			r.Policy.MinRSRPdBm = -100
		}, "changed=config"},
		{"program", func(t *testing.T, f *warmFixture, r *collector.Runner) {
			r.Programs[0].Name = "Renamed"
		}, "changed=config"},
		{"next day", func(t *testing.T, f *warmFixture, r *collector.Runner) {
			f.clock.Advance(16 * time.Hour) // 08:00 UTC is 15:00 in Vietnam: 01:00 the next day
		}, "another day in Vietnam"},
		{"too old", func(t *testing.T, f *warmFixture, r *collector.Runner) {
			r.WarmMaxAge = time.Hour
			f.clock.Advance(2 * time.Hour)
		}, "too old"},
		{"corrupt", func(t *testing.T, f *warmFixture, r *collector.Runner) {
			b := loadSnapshot(t, f.db)
			b.Data = b.Data[:len(b.Data)/2]
			if err := f.db.SaveSnapshot(ctx, b); err != nil {
				t.Fatal(err)
			}
		}, "cannot be read"},
		{"old format", func(t *testing.T, f *warmFixture, r *collector.Runner) {
			b := loadSnapshot(t, f.db)
			b.Data[len("covmon-snapshot\x00")] = 0
			if err := f.db.SaveSnapshot(ctx, b); err != nil {
				t.Fatal(err)
			}
		}, "format 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newWarmFixture(t)
			r := f.runner(nil)
			logger, logs := logged()
			r.Logger = logger
			c.change(t, f, r)
			ok, err := r.WarmStart(ctx)
			if err != nil || ok {
				t.Fatalf("warm start: %v %v\n%s", ok, err, logs)
			}
			if r.Snapshot() != nil {
				t.Error("a refused warm start left a snapshot")
			}
			if !strings.Contains(logs.String(), "warm start refused") || !strings.Contains(logs.String(), c.reason) {
				t.Errorf("log does not say %q:\n%s", c.reason, logs)
			}
		})
	}
}

// TestWarmStart_PersistsWholeComputations: a whole computation persists its snapshot under the
// data it was computed from, and the next one on the same data and day does not write again.
func TestWarmStart_PersistsWholeComputations(t *testing.T) {
	f := newWarmFixture(t)
	ctx := context.Background()
	b := loadSnapshot(t, f.db)
	if !b.ComputedAt.Equal(t0) || !strings.Contains(b.Inputs, "observations=21 ") {
		t.Errorf("persisted: computed at %v, inputs %q", b.ComputedAt, b.Inputs)
	}
	s, err := collector.DecodeSnapshot(b.Data)
	if err != nil {
		t.Fatal(err)
	}
	sameFigures(t, "decoded", s, f.first)

	// A second runner with a fresh snapshot of the same data: the key is the same, so its
	// whole computation replaces the row (a new process does not know what was saved).
	f.clock.Advance(time.Minute)
	r := f.runner(nil)
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	r.WaitPersisted()
	if b = loadSnapshot(t, f.db); !b.ComputedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after a second runner's refresh: %v", b.ComputedAt)
	}
	// Its next computation of the same data on the same day keeps the row.
	f.clock.Advance(time.Minute)
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	r.WaitPersisted()
	if b = loadSnapshot(t, f.db); !b.ComputedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("unchanged data rewrote the row: %v", b.ComputedAt)
	}
	// New data: written again.
	f.ingest(t, geo.KindObservations, "mobifone", signals(1, "2026-01-06"))
	f.clock.Advance(time.Minute)
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	r.WaitPersisted()
	if b = loadSnapshot(t, f.db); !b.ComputedAt.Equal(t0.Add(3 * time.Minute)) {
		t.Errorf("new data did not rewrite the row: %v", b.ComputedAt)
	}
}

// loadSnapshot returns the snapshot persisted for the default program, with its bytes.
func loadSnapshot(t *testing.T, db *sqlite.DB) *geo.SnapshotBlob {
	t.Helper()
	ctx := context.Background()
	b, err := db.LoadSnapshot(ctx, "vls-2024", "")
	if err == nil {
		b, err = db.LoadSnapshot(ctx, "vls-2024", b.Inputs)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeSnapshot_Garbage: whatever the bytes, an error and never a panic.
func TestDecodeSnapshot_Garbage(t *testing.T) {
	good, err := collector.EncodeSnapshot(&geo.Snapshot{AsOf: t0, Programs: []geo.ProgramState{{Program: geo.DefaultProgram(), Open: []geo.VillageStatus{{Village: &geo.Village{ID: "V"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collector.DecodeSnapshot(good); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(good); i += 1 + len(good)/100 { // some 100 positions
		b := bytes.Clone(good)
		b[i] ^= 0xff
		collector.DecodeSnapshot(b)     // must not panic
		collector.DecodeSnapshot(b[:i]) // nor truncated
	}
	for _, b := range [][]byte{nil, []byte("covmon-snapshot\x00"), []byte("{}"), append(bytes.Clone(good), 0)} {
		if _, err := collector.DecodeSnapshot(b); err == nil {
			t.Errorf("%q decoded", b)
		}
	}
}

// TestEncodeSnapshot_Segments: lists longer than a segment, in two programs, come back whole
// and in order.
func TestEncodeSnapshot_Segments(t *testing.T) {
	s := &geo.Snapshot{AsOf: t0, ComputedAt: t0}
	for p, n := range []int{20000, 3} {
		ps := geo.ProgramState{Program: geo.Program{ID: fmt.Sprint("p", p)}}
		for i := range n {
			st := geo.VillageStatus{Village: &geo.Village{ID: fmt.Sprintf("V-%06d", i), Name: "Bản", Programs: []string{"p"}},
				Open: true, DaysOverdue: i, Deadline: t0.AddDate(0, 0, -i%400), Responsible: "viettel"}
			st.CarriersReported = []string{"viettel"}
			ps.Open = append(ps.Open, st)
			if i%1000 == 0 {
				ps.Discrepant = append(ps.Discrepant, st)
			}
		}
		ps.Regressed = []string{"V-000001"}
		s.Programs = append(s.Programs, ps)
	}
	b, err := collector.EncodeSnapshot(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := collector.DecodeSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	sameFigures(t, "segments", got, s)
	if _, err := collector.DecodeSnapshot(b[:len(b)-1]); err == nil {
		t.Error("a truncated blob decoded")
	}
}

// TestWarmStart_AfterHarmlessUploads (issue 16): an upload that leaves the figures exactly
// right keeps the warm start. A rejected upload (a new ledger entry) refreshes the upload
// figures, and that snapshot is persisted under the new key; an accepted one evaluates the
// villages it touched, and that snapshot is persisted too. Such partial snapshots are written
// at most once per interval (the row is not rewritten at once), and Shutdown writes the newest,
// so a restart right after serves it: the same figures as a cold computation.
func TestWarmStart_AfterHarmlessUploads(t *testing.T) {
	f := newWarmFixture(t)
	ctx := context.Background()
	start := func(t *testing.T) *collector.Runner {
		t.Helper()
		r := f.runner(nil)
		r.Ingester = f.in
		logger, logs := logged()
		r.Logger = logger
		if ok, err := r.WarmStart(ctx); err != nil || !ok {
			t.Fatalf("warm start: %v %v\n%s", ok, err, logs)
		}
		return r
	}
	r := f.runner(nil)
	r.Ingester = f.in
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	r.WaitPersisted()
	before := loadSnapshot(t, f.db).Inputs
	u, err := r.Ingest(ctx, collector.File{Name: "bad.geojson", Kind: geo.KindObservations, Carrier: "viettel", Source: "api"}, strings.NewReader(`{"type":"FeatureCollection","features":[{}]}`))
	if err != nil || u.Result != geo.ResultRejected {
		t.Fatalf("bad file: %v %+v", err, u)
	}
	if err := r.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := loadSnapshot(t, f.db).Inputs; got != before {
		t.Errorf("the row was rewritten at once after a rejected upload (inputs %q): want at most once per interval", got)
	}
	r.Shutdown()
	if got := loadSnapshot(t, f.db).Inputs; got == before {
		t.Fatalf("Shutdown did not persist the snapshot with the rejected upload's figures")
	}

	// A restart: warm, and the upload figures count the rejected upload.
	r = start(t)
	if err := r.Refresh(ctx); err != nil { // what Start runs at once
		t.Fatal(err)
	}
	if got := r.Snapshot().Uploads; !strings.Contains(fmt.Sprint(got), "rejected") {
		t.Errorf("upload figures %v lack the rejected upload", got)
	}
	evaluated := r.VillagesEvaluated()
	u, err = r.Ingest(ctx, collector.File{Name: "two.geojson", Kind: geo.KindObservations, Carrier: "mobifone", Source: "api"}, strings.NewReader(observations("2026-01-06", true, 25, 26)))
	if err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("upload: %v %+v", err, u)
	}
	if err := r.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.VillagesEvaluated() - evaluated; got != 2 {
		t.Errorf("%d villages evaluated, want the 2 touched", got)
	}
	r.Shutdown()

	// Another restart: warm, with the figures a cold computation gives.
	warm := start(t).Snapshot()
	cold := f.runner(nil)
	cold.Warm = nil
	if err := cold.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := warm.Programs[0].Summary.National.Covered; got != 22 {
		t.Errorf("warm snapshot: %d covered, want 22 (the upload's 2 counted)", got)
	}
	sameFigures(t, "warm after an accepted upload", warm, cold.Snapshot())
}
