package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

func ptr(f float64) *float64 { return &f }

func contractCommitObservations(t *testing.T, h *Harness) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(2)...)
		a := obsAt("V000", "viettel", geo.Tech4G, true, day(2).Add(90*time.Minute))
		a.RSRPdBm, a.DLMbps = ptr(-98.5), ptr(24.1)
		b := obsAt("V000", "viettel", geo.Tech2G, false, day(1))
		u := mustCommitObservations(t, db, a, b)
		if got, want := u.Inserted, 2; got != want {
			t.Fatalf("Inserted=%d, want %d", got, want)
		}
		got, err := db.Observations(ctx, "V000")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("observations=%d, want 2", len(got))
		}
		b.ID, b.UploadID = got[0].ID, u.ID
		a.ID, a.UploadID = got[1].ID, u.ID
		for i, want := range []geo.Observation{b, a} {
			if !got[i].ObservedAt.Equal(want.ObservedAt) {
				t.Fatalf("[%d] ObservedAt=%v, want %v", i, got[i].ObservedAt, want.ObservedAt)
			}
			got[i].ObservedAt = want.ObservedAt
			if !reflect.DeepEqual(got[i], want) {
				t.Fatalf("[%d]=%+v, want %+v", i, got[i], want)
			}
		}
		if got, err := db.Observations(ctx, "V001"); err != nil || len(got) != 0 {
			t.Fatalf("V001: %v, %v; want none", got, err)
		}
	})

	t.Run("AllOrNothing", func(t *testing.T) {
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(2)...)
		obs := []geo.Observation{
			obsAt("V000", "viettel", geo.Tech4G, true, day(1)),
			obsAt("V001", "viettel", geo.Tech4G, true, day(1)),
			obsAt("GHOST", "viettel", geo.Tech4G, true, day(1)),
		}
		u := newUpload(geo.KindObservations, "viettel")
		err := db.CommitObservations(ctx, u, obs)
		if !errors.Is(err, geo.ErrNotFound) {
			t.Fatalf("err=%v, want ErrNotFound", err)
		}
		if !strings.Contains(err.Error(), `"GHOST"`) || !strings.Contains(err.Error(), "observation 2") {
			t.Errorf("err=%v, want it to name observation 2 and its village GHOST", err)
		}
		if u.ID != 0 {
			t.Fatalf("ID=%d, want 0", u.ID)
		}
		if _, err := db.AcceptedUploadByHash(ctx, u.Carrier, u.Role, u.SHA256); !errors.Is(err, geo.ErrNotFound) {
			t.Fatalf("upload recorded: err=%v", err)
		}
		if got := h.QueryInt(t, db, `SELECT count(*) FROM observations`); got != 0 {
			t.Fatalf("observations=%d, want 0", got)
		}
		// The same bytes may be committed once fixed.
		if err := db.CommitObservations(ctx, u, obs[:2]); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ErrDuplicateUpload", func(t *testing.T) {
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(1)...)
		first := mustCommitObservations(t, db, obsAt("V000", "viettel", geo.Tech4G, true, day(1)))
		again := &geo.Upload{Kind: geo.KindObservations, Carrier: "viettel", SHA256: first.SHA256,
			FileName: "again.geojson", Source: "api"}
		err := db.CommitObservations(ctx, again, []geo.Observation{
			obsAt("V000", "viettel", geo.Tech4G, false, day(2))})
		if !errors.Is(err, geo.ErrDuplicateUpload) {
			t.Fatalf("err=%v, want ErrDuplicateUpload", err)
		}
		if again.DuplicateOf != first.ID || again.Result != geo.ResultDuplicate {
			t.Fatalf("upload=%+v, want duplicate of %d", again, first.ID)
		}
		if got := h.QueryInt(t, db, `SELECT count(*) FROM observations`); got != 1 {
			t.Fatalf("observations=%d, want 1", got)
		}
		if err := db.RecordUpload(ctx, again); err != nil {
			t.Fatal(err)
		}
		got, err := db.Upload(ctx, again.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Result != geo.ResultDuplicate || got.DuplicateOf != first.ID || got.Inserted != 0 {
			t.Fatalf("recorded=%+v", got)
		}
	})

	t.Run("CorrectionBackToAnEarlierValue", func(t *testing.T) {
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(1)...)
		on := obsAt("V000", "viettel", geo.Tech4G, true, day(1))
		off := on
		off.HasSignal = false
		for i, o := range []geo.Observation{on, off, on} {
			if got := mustCommitObservations(t, db, o).Inserted; got != 1 {
				t.Fatalf("upload %d: Inserted=%d, want 1", i, got)
			}
		}
		latest, err := db.LatestObservations(ctx, day(2), geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := latest["V000"]; len(got) != 1 || !got[0].HasSignal {
			t.Fatalf("latest=%+v, want the last correction (signal)", got)
		}
	})

	t.Run("IdenticalSkipped", func(t *testing.T) {
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(1)...)
		// One row per series and instant, as validation guarantees within a file.
		base := obsAt("V000", "viettel", geo.Tech4G, true, day(1))
		withRSRP := obsAt("V000", "viettel", geo.Tech4G, true, day(2))
		withRSRP.RSRPdBm = ptr(-100)
		mustCommitObservations(t, db, base, withRSRP)

		otherMethod := base
		otherMethod.Method = "crowd"
		otherDL := withRSRP
		otherDL.DLMbps = ptr(5)
		// base and withRSRP are what is known at their instants: skipped. The other two
		// differ from the latest at their instants: stored (they become the latest).
		u := mustCommitObservations(t, db, base, withRSRP)
		if got, want := u.Inserted, 0; got != want {
			t.Fatalf("re-sent observations: Inserted=%d, want %d", got, want)
		}
		u = mustCommitObservations(t, db, otherMethod, otherDL)
		if got, want := u.Inserted, 2; got != want {
			t.Fatalf("Inserted=%d, want %d", got, want)
		}
		stored, err := db.Upload(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := stored.Inserted, 2; got != want {
			t.Fatalf("stored Inserted=%d, want %d", got, want)
		}
		if got := h.QueryInt(t, db, `SELECT count(*) FROM observations`); got != 4 {
			t.Fatalf("observations=%d, want 4", got)
		}
	})

	// A file repeats no series at one instant (validation refuses that), but the store does
	// not lean on it: rows of one upload sharing a series, role and instant are compared in
	// file order, each with the one before it, as if uploaded one by one. The PostgreSQL
	// store compares them only when two staged rows share a key (else no row has a previous
	// one in the file); both paths are here.
	t.Run("RepeatsWithinOneUpload", func(t *testing.T) {
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(2)...)
		on := obsAt("V000", "viettel", geo.Tech4G, true, day(1))
		off := on
		off.HasSignal = false
		measured := on // the same series and instant, another role: never compared with a claim
		measured.Source, measured.Inspector = geo.SourceIndependent, "Sở TTTT"
		other := obsAt("V001", "viettel", geo.Tech4G, true, day(1))
		// on, on (skipped), off (a correction), off (skipped), measured, measured (skipped),
		// on (back), other.
		u := mustCommitObservations(t, db, on, on, off, off, measured, measured, on, other)
		if got, want := u.Inserted, 5; got != want {
			t.Fatalf("Inserted=%d, want %d", got, want)
		}
		got, err := db.Observations(ctx, "V000")
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for _, o := range got {
			seq = append(seq, fmt.Sprintf("%s:%t", o.Source, o.HasSignal))
		}
		if want := []string{":true", ":false", "independent:true", ":true"}; !slices.Equal(seq, want) {
			t.Fatalf("stored in ID order %q, want %q", seq, want)
		}
		latest, err := db.LatestObservations(ctx, day(2), geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if l := latest["V000"]; len(l) != 1 || !l[0].HasSignal || l[0].ID != got[3].ID {
			t.Fatalf("latest=%+v, want the last row (signal, ID %d)", l, got[3].ID)
		}
		// The same rows again, in one upload without repeats: each equals what is stored at
		// its instant (the latest of its series and role), so nothing is added; a file of
		// new instants adds every row.
		if got := mustCommitObservations(t, db, on, measured, other).Inserted; got != 0 {
			t.Fatalf("re-sent: Inserted=%d, want 0", got)
		}
		next := []geo.Observation{on, off, measured}
		next[0].ObservedAt, next[1].VillageID, next[2].ObservedAt = day(2), "V001", day(3)
		if got := mustCommitObservations(t, db, next...).Inserted; got != 3 {
			t.Fatalf("new instants: Inserted=%d, want 3", got)
		}
	})
}
