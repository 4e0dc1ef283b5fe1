package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// contractSnapshotCache: the data version moves with every write a snapshot depends on (the
// registry, observations, a rejected upload, an admin action) and with nothing else; the
// snapshot cache keeps one blob per program set, replaced whole, byte for byte.
func contractSnapshotCache(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	version := func() geo.DataVersion {
		t.Helper()
		v, err := db.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version()
	if v0.Mark != 0 || v0.Registry != 0 {
		t.Errorf("empty store: %+v", v0)
	}
	if v := version(); v != v0 {
		t.Errorf("reading changed the version: %+v then %+v", v0, v)
	}
	mustCommitVillages(t, db, testVillages(3)...)
	v1 := version()
	if v1.Registry == v0.Registry || v1.Ledger <= v0.Ledger || v1.LedgerHash == "" || v1.Mark != v0.Mark {
		t.Errorf("after a registry upload: %+v, before %+v", v1, v0)
	}
	mustCommitObservations(t, db, obsAt("V000", "viettel", geo.Tech4G, true, day(1)))
	v2 := version()
	if v2.Mark == v1.Mark || v2.Ledger <= v1.Ledger || v2.Registry != v1.Registry {
		t.Errorf("after observations: %+v, before %+v", v2, v1)
	}
	bad := newUpload(geo.KindObservations, "viettel")
	bad.Result, bad.Problems = geo.ResultRejected, []geo.Problem{{File: "x", Feature: 0, Field: "village_id", Rule: "required", Reason: "missing"}}
	if err := db.RecordUpload(ctx, bad); err != nil {
		t.Fatal(err)
	}
	v3 := version()
	if v3.Ledger <= v2.Ledger || v3.Mark != v2.Mark || v3.Registry != v2.Registry {
		t.Errorf("after a rejected upload: %+v, before %+v", v3, v2)
	}
	if err := db.CommitAssignments(ctx, newUpload(geo.KindAssignments, ""), []geo.Assignment{{VillageID: "V001", ProgramID: "vls-2024", Carrier: "viettel", AssignedAt: day(2)}}); err != nil {
		t.Fatal(err)
	}
	v4 := version()
	if v4.Ledger <= v3.Ledger || v4.Mark != v3.Mark {
		t.Errorf("after assignments: %+v, before %+v", v4, v3)
	}

	if _, err := db.LoadSnapshot(ctx, "vls-2024", "k"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("no snapshot yet: %v", err)
	}
	big := bytes.Repeat([]byte{0, 1, 2, 0xff, 'x'}, 1<<18) // 1.25 MB, every byte value class
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, geo.Vietnam)
	for _, b := range []geo.SnapshotBlob{
		{ProgramSet: "vls-2024", Inputs: "k1", ComputedAt: at, Data: []byte("first")},
		{ProgramSet: "vls-2024", Inputs: "k2", ComputedAt: at.Add(time.Minute), Data: big},
		{ProgramSet: "a,vls-2024", Inputs: "k3", ComputedAt: at.Add(2 * time.Minute), Data: []byte{0}},
	} {
		if err := db.SaveSnapshot(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.LoadSnapshot(ctx, "vls-2024", "k2")
	if err != nil {
		t.Fatal(err)
	}
	if got.ProgramSet != "vls-2024" || got.Inputs != "k2" || !got.ComputedAt.Equal(at.Add(time.Minute)) || !bytes.Equal(got.Data, big) {
		t.Errorf("replaced snapshot: %q %q %v %d bytes", got.ProgramSet, got.Inputs, got.ComputedAt, len(got.Data))
	}
	// Asked with other inputs: the row without its bytes.
	got, err = db.LoadSnapshot(ctx, "vls-2024", "k1")
	if err != nil || got.Inputs != "k2" || got.Data != nil || !got.ComputedAt.Equal(at.Add(time.Minute)) {
		t.Errorf("asked with other inputs: %q %v %d bytes, %v", got.Inputs, got.ComputedAt, len(got.Data), err)
	}
	if got, err := db.LoadSnapshot(ctx, "a,vls-2024", "k3"); err != nil || got.Inputs != "k3" || !bytes.Equal(got.Data, []byte{0}) {
		t.Errorf("the other program set: %+v %v", got, err)
	}
	if err := db.SaveSnapshot(ctx, &geo.SnapshotBlob{ProgramSet: "x"}); err == nil {
		t.Error("a snapshot without inputs was saved")
	}
	if v := version(); v != v4 {
		t.Errorf("saving snapshots moved the data version: %+v", v)
	}
}
