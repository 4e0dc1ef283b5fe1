package alerts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
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

// committer returns a function that commits an upload of kind from carrier, received at
// received (zero: when the store commits it), with f (db.CommitVillages, db.CommitObservations):
// each upload with its own file name and content hash.
func committer(t *testing.T) func(kind geo.UploadKind, carrier string, received time.Time, f func(u *geo.Upload) error) {
	n := 0
	return func(kind geo.UploadKind, carrier string, received time.Time, f func(u *geo.Upload) error) {
		t.Helper()
		n++
		sum := sha256.Sum256(fmt.Appendf(nil, "upload %d", n))
		u := &geo.Upload{Kind: kind, Carrier: carrier, FileName: fmt.Sprintf("f%d.geojson", n), Size: 10, SHA256: hex.EncodeToString(sum[:]), Source: "cli", ReceivedAt: received}
		if err := f(u); err != nil {
			t.Fatal(err)
		}
	}
}

// TestService_ClaimContradicted, on a real SQLite database and the snapshot the runner builds
// from it: a carrier claim contradicted by a newer inspection raises CovmonClaimContradicted
// for that carrier (a village nobody is responsible for included); a later confirming
// inspection resolves it. An understated discrepancy (claims dark, measured signal) raises
// nothing.
func TestService_ClaimContradicted(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 5, 1, 9, 0, 0, 0, geo.Vietnam)
	clock := clockwork.NewFakeClockAt(t0)
	s, _, snap := openService(t, clock)
	db := s.Store.(*sqlite.DB)
	prog := geo.DefaultProgram()
	s.Programs = []geo.Program{prog}
	day := func(s string) time.Time { d, _ := time.ParseInLocation(time.DateOnly, s, geo.Vietnam); return d }

	commit := committer(t)
	vs := []geo.Village{
		{ID: "V1", Name: "Bản Một", ProvinceCode: "15", ProvinceName: "Lào Cai", Center: orb.Point{103.9, 22.4}, GridPower: true, Baseline: true, Programs: []string{prog.ID}},
		{ID: "V2", Name: "Bản Hai", ProvinceCode: "15", ProvinceName: "Lào Cai", Center: orb.Point{103.95, 22.4}, GridPower: true, Baseline: true, Programs: []string{prog.ID}},
	}
	if err := db.UpsertProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
	commit(geo.KindVillages, "", time.Time{}, func(u *geo.Upload) error { return db.CommitVillages(ctx, u, vs) })
	o := func(id string, signal bool, at string, independent bool) geo.Observation {
		ob := geo.Observation{VillageID: id, Carrier: "viettel", Technology: geo.Tech4G, HasSignal: signal, ObservedAt: day(at), Method: "drive_test"}
		if independent {
			ob.Source, ob.Inspector = geo.SourceIndependent, "Sở KH&CN Lào Cai"
		}
		return ob
	}
	commit(geo.KindObservations, "viettel", time.Time{}, func(u *geo.Upload) error {
		return db.CommitObservations(ctx, u, []geo.Observation{o("V1", true, "2025-03-02", false), o("V2", false, "2025-03-02", false)})
	})
	commit(geo.KindObservations, "viettel", time.Time{}, func(u *geo.Upload) error {
		return db.CommitObservations(ctx, u, []geo.Observation{o("V1", false, "2025-04-10", true), o("V2", true, "2025-04-10", true)})
	})

	evaluate := func(at time.Time) []string {
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
		var out []string
		for _, tr := range trs {
			if tr.Alert.Kind == alerts.KindClaimContradicted {
				out = append(out, tr.Status+" "+tr.Alert.Key)
				if tr.Status == alerts.Firing && (tr.Alert.Annotations["village_ids"] != "V1" ||
					!strings.Contains(tr.Alert.Annotations["description"], "claim 2025-03-02 (upload 2), measured dark 2025-04-10 (upload 3)")) {
					t.Errorf("annotations %v: want V1 only, both dates and uploads", tr.Alert.Annotations)
				}
			}
		}
		return out
	}
	if got, want := evaluate(t0), []string{"firing claim_contradicted/vls-2024/viettel"}; !slices.Equal(got, want) {
		t.Fatalf("after the contradicting inspection: %q, want %q", got, want)
	}
	commit(geo.KindObservations, "viettel", time.Time{}, func(u *geo.Upload) error {
		return db.CommitObservations(ctx, u, []geo.Observation{o("V1", true, "2025-05-02", true)})
	})
	if got, want := evaluate(t0.Add(48*time.Hour)), []string{"resolved claim_contradicted/vls-2024/viettel"}; !slices.Equal(got, want) {
		t.Fatalf("after the confirming inspection: %q, want %q", got, want)
	}
}
