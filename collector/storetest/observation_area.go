package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// areaObsAt is an observation made from a coverage-area upload.
func areaObsAt(village string, signal bool, share *float64, d int) geo.Observation {
	o := obsAt(village, "viettel", geo.Tech4G, signal, day(d))
	o.Method, o.AreaShare = "model", share
	return o
}

func contractAreaShare(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	mustCommitVillages(t, db, testVillages(2)...)

	half := areaObsAt("V000", true, ptr(0.5), 1)
	none := areaObsAt("V001", true, nil, 1)
	u := mustCommitObservations(t, db, half, none)
	if got, want := u.Inserted, 2; got != want {
		t.Fatalf("Inserted=%d, want %d", got, want)
	}
	t.Run("RoundTrip", func(t *testing.T) {
		got, err := db.Observations(ctx, "V000")
		if err != nil || len(got) != 1 {
			t.Fatalf("observations: %v, %v", got, err)
		}
		if got[0].AreaShare == nil || *got[0].AreaShare != 0.5 {
			t.Errorf("AreaShare=%v, want 0.5", got[0].AreaShare)
		}
		latest, err := db.LatestObservations(ctx, day(2), geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if s := latest["V000"][0].AreaShare; s == nil || *s != 0.5 {
			t.Errorf("latest AreaShare=%v, want 0.5", s)
		}
		if s := latest["V001"][0].AreaShare; s != nil {
			t.Errorf("latest AreaShare of a centre-only village=%v, want nil", *s)
		}
	})
	t.Run("ShareIsPartOfIdentity", func(t *testing.T) {
		same := areaObsAt("V000", true, ptr(0.5), 1)
		other := areaObsAt("V000", true, ptr(0.75), 1)
		again := areaObsAt("V001", true, nil, 1)
		u := mustCommitObservations(t, db, same, other, again)
		if got, want := u.Inserted, 1; got != want {
			t.Errorf("Inserted=%d, want %d (only the other share)", got, want)
		}
	})
	t.Run("ShareOutOfRange", func(t *testing.T) {
		bad := areaObsAt("V001", true, ptr(1.5), 3)
		err := db.CommitObservations(ctx, newUpload(geo.KindAreas, "viettel"), []geo.Observation{bad})
		if err == nil {
			t.Fatal("a share of 1.5 was stored")
		}
	})
}

func batches(bs ...[]geo.Observation) func(yield func([]geo.Observation) bool) {
	return func(yield func([]geo.Observation) bool) {
		for _, b := range bs {
			if !yield(b) {
				return
			}
		}
	}
}

func contractCommitChangedObservations(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	mustCommitVillages(t, db, testVillages(4)...)
	commit := func(t *testing.T, bs ...[]geo.Observation) *geo.Upload {
		t.Helper()
		u := newUpload(geo.KindAreas, "viettel")
		if err := db.CommitChangedObservations(ctx, u, batches(bs...)); err != nil {
			t.Fatal(err)
		}
		return u
	}
	first := []geo.Observation{
		areaObsAt("V000", true, ptr(1), 10),
		areaObsAt("V001", true, ptr(0.5), 10),
		areaObsAt("V002", false, ptr(0), 10),
		areaObsAt("V003", true, nil, 10),
	}

	t.Run("FirstUploadWritesAll", func(t *testing.T) {
		if got, want := commit(t, first[:2], first[2:]).Inserted, 4; got != want {
			t.Errorf("Inserted=%d, want %d", got, want)
		}
	})
	t.Run("SameResultsLaterWriteNothing", func(t *testing.T) {
		later := slices.Clone(first)
		for i := range later {
			later[i].ObservedAt = day(20)
		}
		u := commit(t, later)
		if got, want := u.Inserted, 0; got != want {
			t.Errorf("Inserted=%d, want %d", got, want)
		}
		if u.ID == 0 || u.Result != geo.ResultAccepted {
			t.Errorf("upload not recorded: %+v", u)
		}
	})
	t.Run("OnlyChangedWritten", func(t *testing.T) {
		later := slices.Clone(first)
		for i := range later {
			later[i].ObservedAt = day(21)
		}
		later[1].AreaShare = ptr(0.75)                           // share changed
		later[2].HasSignal, later[2].AreaShare = true, ptr(0.25) // centre now covered
		u := commit(t, later)
		if got, want := u.Inserted, 2; got != want {
			t.Errorf("Inserted=%d, want %d", got, want)
		}
		latest, err := db.LatestObservations(ctx, day(22), geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if o := latest["V001"][0]; !o.ObservedAt.Equal(day(21)) || *o.AreaShare != 0.75 {
			t.Errorf("V001 latest=%+v, want the day-21 share 0.75", o)
		}
		if o := latest["V000"][0]; !o.ObservedAt.Equal(day(10)) {
			t.Errorf("V000 latest observed %v, want the unchanged day-10 one", o.ObservedAt)
		}
	})
	t.Run("ComparedAtTheirInstant", func(t *testing.T) {
		// Back-filling day 15 compares with day 10, not with the newer day-21 results.
		back := slices.Clone(first)
		for i := range back {
			back[i].ObservedAt = day(15)
		}
		if got, want := commit(t, back).Inserted, 0; got != want {
			t.Errorf("Inserted=%d, want %d", got, want)
		}
	})
	t.Run("PerVillageReportDiffers", func(t *testing.T) {
		mustCommitObservations(t, db, obsAt("V003", "viettel", geo.Tech4G, true, day(25)))
		o := areaObsAt("V003", true, nil, 26)
		o.Method = "model"
		if got, want := commit(t, []geo.Observation{o}).Inserted, 0; got != want {
			t.Errorf("same signal from a drive test: Inserted=%d, want %d", got, want)
		}
		o = areaObsAt("V003", true, ptr(1), 26)
		if got, want := commit(t, []geo.Observation{o}).Inserted, 1; got != want {
			t.Errorf("a share where the drive test had none: Inserted=%d, want %d", got, want)
		}
	})
	t.Run("MixedBatchRejected", func(t *testing.T) {
		mixed := []geo.Observation{areaObsAt("V000", true, ptr(1), 30), areaObsAt("V001", true, ptr(1), 31)}
		u := newUpload(geo.KindAreas, "viettel")
		if err := db.CommitChangedObservations(ctx, u, batches(mixed)); err == nil {
			t.Fatal("a batch mixing instants was accepted")
		}
		if got, err := db.Observations(ctx, "V000"); err != nil || len(got) != 1 {
			// V000 has only its day-10 observation: nothing of the failed upload stayed.
			t.Errorf("V000 observations=%d (%v), want 1", len(got), err)
		}
	})
	t.Run("Duplicate", func(t *testing.T) {
		u := newUpload(geo.KindAreas, "viettel")
		if err := db.CommitChangedObservations(ctx, u, batches(first)); err != nil {
			t.Fatal(err)
		}
		v := *u
		v.ID = 0
		err := db.CommitChangedObservations(ctx, &v, batches(first))
		if !errors.Is(err, geo.ErrDuplicateUpload) || v.DuplicateOf != u.ID {
			t.Errorf("err=%v DuplicateOf=%d, want ErrDuplicateUpload of %d", err, v.DuplicateOf, u.ID)
		}
	})
	t.Run("UnknownVillage", func(t *testing.T) {
		u := newUpload(geo.KindAreas, "viettel")
		err := db.CommitChangedObservations(ctx, u, batches([]geo.Observation{areaObsAt("GHOST", true, nil, 40)}))
		if !errors.Is(err, geo.ErrNotFound) {
			t.Errorf("err=%v, want ErrNotFound", err)
		}
	})
}

// contractCommitChangedObservations_ManyRows: an areas upload's results go in multi-row
// statements; more rows than one statement holds are all stored, and a row naming a village
// the registry does not hold fails the upload naming that row, with nothing written.
func contractCommitChangedObservations_ManyRows(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	vs := testVillages(450)
	mustCommitVillages(t, db, vs...)
	layer := make([]geo.Observation, len(vs))
	for i := range vs {
		layer[i] = areaObsAt(vs[i].ID, i%2 == 0, nil, 1)
	}
	u := newUpload(geo.KindAreas, "viettel")
	if err := db.CommitChangedObservations(ctx, u, batches(layer)); err != nil {
		t.Fatal(err)
	}
	if u.Inserted != len(vs) {
		t.Fatalf("Inserted=%d, want %d", u.Inserted, len(vs))
	}
	latest, err := db.LatestObservations(ctx, day(2), geo.VillageFilter{})
	if err != nil || len(latest) != len(vs) {
		t.Fatalf("latest of %d villages (%v), want %d", len(latest), err, len(vs))
	}
	if got := latest["V301"]; len(got) != 1 || got[0].HasSignal || got[0].Method != "model" {
		t.Fatalf("V301=%+v, want one dark model observation", got)
	}

	next := make([]geo.Observation, len(vs))
	for i := range vs {
		next[i] = areaObsAt(vs[i].ID, i%2 == 1, nil, 3) // every village changes
	}
	next[333].VillageID = "NOT-IN-REGISTRY"
	u2 := newUpload(geo.KindAreas, "viettel")
	err = db.CommitChangedObservations(ctx, u2, batches(next))
	if !errors.Is(err, geo.ErrNotFound) || !strings.Contains(err.Error(), `"NOT-IN-REGISTRY"`) || !strings.Contains(err.Error(), "observation 333") {
		t.Fatalf("err=%v, want ErrNotFound naming observation 333 and its village", err)
	}
	if latest, err := db.LatestObservations(ctx, day(4), geo.VillageFilter{}); err != nil || latest["V000"][0].ObservedAt.Equal(day(3)) {
		t.Fatalf("the failed upload left rows: %v %+v", err, latest["V000"])
	}
}

// contractCommitChangedObservations_NewLayers: a layer (carrier × technology) with nothing
// stored is written whole, and one with claims stored is compared with them, whatever other
// layers hold: the first upload of a layer need not look up each village, but a layer that
// another layer's rows or an inspector's measurements of the same series sit beside is still
// compared with its own latest claims only. Two layers of one series in one upload: the
// later is compared with what the earlier wrote.
func contractCommitChangedObservations_NewLayers(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	mustCommitVillages(t, db, testVillages(4)...)
	layer := func(carrier string, tech geo.Technology, d int, signal ...bool) []geo.Observation {
		var out []geo.Observation
		for i, s := range signal {
			o := obsAt(fmt.Sprintf("V%03d", i), carrier, tech, s, day(d))
			o.Method = "model"
			out = append(out, o)
		}
		return out
	}
	commit := func(t *testing.T, bs ...[]geo.Observation) int {
		t.Helper()
		u := newUpload(geo.KindAreas, "")
		if err := db.CommitChangedObservations(ctx, u, batches(bs...)); err != nil {
			t.Fatal(err)
		}
		return u.Inserted
	}
	if got := commit(t, layer("viettel", geo.Tech4G, 10, true, false, true, false)); got != 4 {
		t.Fatalf("first viettel 4G layer: Inserted=%d, want 4", got)
	}
	// An inspector measured mobifone 4G in V000: a measurement, not a claim to compare with.
	m := obsAt("V000", "mobifone", geo.Tech4G, true, day(5))
	m.Method, m.Source, m.Inspector = "model", geo.SourceIndependent, "Sở TTTT"
	mustCommitObservations(t, db, m)
	// Two new layers and a second one of viettel 4G, in one upload: the new ones are written
	// whole; the second viettel 3G layer repeats the first except V001 (compared with the
	// first layer's rows of this very upload); viettel 4G changes only V003.
	got := commit(t,
		layer("mobifone", geo.Tech4G, 10, true, true, false, false),
		layer("viettel", geo.Tech3G, 10, false, false, false, false),
		layer("viettel", geo.Tech3G, 11, false, true, false, false),
		layer("viettel", geo.Tech4G, 11, true, false, true, true))
	if want := 4 + 4 + 1 + 1; got != want {
		t.Fatalf("Inserted=%d, want %d", got, want)
	}
	latest, err := db.LatestObservations(ctx, day(12), geo.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // village: carrier/tech signal@day, in LatestObservations' order
		"V000": "mobifone/4G 1@10 viettel/3G 0@10 viettel/4G 1@10",
		"V001": "mobifone/4G 1@10 viettel/3G 1@11 viettel/4G 0@10",
		"V002": "mobifone/4G 0@10 viettel/3G 0@10 viettel/4G 1@10",
		"V003": "mobifone/4G 0@10 viettel/3G 0@10 viettel/4G 1@11",
	}
	for v, w := range want {
		var parts []string
		for _, o := range latest[v] {
			s := 0
			if o.HasSignal {
				s = 1
			}
			parts = append(parts, fmt.Sprintf("%s/%s %d@%d", o.Carrier, strings.ToUpper(o.Technology.String()), s, o.ObservedAt.Sub(day(0))/(24*time.Hour)))
		}
		if g := strings.Join(parts, " "); g != w {
			t.Errorf("%s latest: %s, want %s", v, g, w)
		}
	}

	// A new layer (vinaphone 4G) in batches: batches after the first in village order need not
	// be compared with the first (nothing of theirs is stored), but a batch naming a village an
	// earlier batch of the same layer wrote is compared with that row: V002 again with the same
	// result is known (not stored twice), V001 and V003 are new.
	vina := layer("vinaphone", geo.Tech4G, 12, true, true, false, true)
	if got := commit(t, vina[:1], vina[2:3], vina[1:3], vina[3:]); got != 4 {
		t.Fatalf("vinaphone 4G in batches V000 / V002 / V001 V002 / V003: Inserted=%d, want 4", got)
	}
	// And one whose later batch repeats a village with another result: both rows are stored, the
	// later one is the latest (the upload's own order, as for every other layer).
	mobi3g := layer("mobifone", geo.Tech3G, 12, true, true)
	again := layer("mobifone", geo.Tech3G, 12, true, false)
	if got := commit(t, mobi3g, again[1:]); got != 3 {
		t.Fatalf("mobifone 3G, V001 again with another result: Inserted=%d, want 3", got)
	}
	latest, err = db.LatestObservations(ctx, day(13), geo.VillageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range latest["V001"] {
		if o.Carrier == "mobifone" && o.Technology == geo.Tech3G && o.HasSignal {
			t.Errorf("V001 mobifone 3G: latest has signal, want the later batch's none")
		}
	}
}

// contractRegistryVersion: the registry version changes with every accepted registry upload
// and with nothing else (an areas upload keeps the registry read for the one before).
func contractRegistryVersion(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	version := func() int64 {
		t.Helper()
		v, err := db.RegistryVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version()
	vs := testVillages(3)
	mustCommitVillages(t, db, vs...)
	v1 := version()
	if v1 == v0 {
		t.Fatalf("version %d unchanged by a registry upload", v1)
	}
	mustCommitObservations(t, db, obsAt("V000", "viettel", geo.Tech4G, true, day(1)))
	if err := db.CommitChangedObservations(ctx, newUpload(geo.KindAreas, "viettel"), batches([]geo.Observation{areaObsAt("V001", true, nil, 2)})); err != nil {
		t.Fatal(err)
	}
	bad := newUpload(geo.KindVillages, "")
	bad.Result, bad.Problems = geo.ResultRejected, []geo.Problem{{File: "x", Feature: 0, Field: "id", Rule: "required", Reason: "missing"}}
	if err := db.RecordUpload(ctx, bad); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != v1 {
		t.Fatalf("version %d after observations, an areas upload and a rejected registry, want %d", v, v1)
	}
	vs[0].Name = "Bản mới"
	mustCommitVillages(t, db, vs...)
	if v := version(); v == v1 || v == v0 {
		t.Fatalf("version %d unchanged by a second registry upload (was %d)", v, v1)
	}
}
