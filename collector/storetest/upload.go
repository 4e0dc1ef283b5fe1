package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

func contractRecordUpload(t *testing.T, h *Harness) {
	ctx := context.Background()

	t.Run("ProblemsRoundTrip", func(t *testing.T) {
		db := h.Open(t)
		u := newUpload(geo.KindObservations, "mobifone")
		u.Result = geo.ResultRejected
		u.Features = 12
		u.ReceivedAt = time.Date(2025, 2, 3, 4, 5, 6, 7_000_000, geo.Vietnam)
		u.Problems = []geo.Problem{
			{File: u.FileName, Feature: 3, VillageID: "VN-14-00001", Field: "observed_at",
				Rule: "time_unparsable", Reason: `not a date: "yesterday"`},
			{File: u.FileName, Feature: -1, Rule: "crs", Reason: "crs EPSG:3405 is not WGS84"},
		}
		if err := db.RecordUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 {
			t.Fatal("ID not set")
		}
		got, err := db.Upload(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.ReceivedAt.Equal(u.ReceivedAt) {
			t.Fatalf("ReceivedAt=%v, want %v", got.ReceivedAt, u.ReceivedAt)
		}
		got.ReceivedAt = u.ReceivedAt
		if !reflect.DeepEqual(got, u) {
			t.Fatalf("upload=%+v\nwant   %+v", got, u)
		}
	})

	t.Run("DefaultReceivedAt", func(t *testing.T) {
		db := h.Open(t)
		u := newUpload(geo.KindVillages, "")
		u.Result = geo.ResultRejected
		if err := db.RecordUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		if !u.ReceivedAt.Equal(now) {
			t.Fatalf("ReceivedAt=%v, want db.Now() %v", u.ReceivedAt, now)
		}
	})

	// The upload a caller holds after recording it (what POST /api/v1/uploads answers) must say
	// the instant exactly as every later read does: same milliseconds, same zone.
	t.Run("ReceivedAtAsStored", func(t *testing.T) {
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(1)...)
		received := time.Date(2025, 2, 3, 4, 5, 6, 123_456_789, time.UTC)
		rejected := newUpload(geo.KindObservations, "viettel")
		rejected.Result = geo.ResultRejected
		rejected.ReceivedAt = received
		if err := db.RecordUpload(ctx, rejected); err != nil {
			t.Fatal(err)
		}
		accepted := newUpload(geo.KindObservations, "viettel")
		accepted.ReceivedAt = received
		if err := db.CommitObservations(ctx, accepted, []geo.Observation{obsAt("V000", "viettel", geo.Tech4G, true, day(1))}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*geo.Upload{rejected, accepted} {
			got, err := db.Upload(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := u.ReceivedAt.Format(time.RFC3339Nano), got.ReceivedAt.Format(time.RFC3339Nano); a != b {
				t.Errorf("upload %d (%s): ReceivedAt %s after recording, %s when read back", u.ID, u.Result, a, b)
			}
		}
	})

	t.Run("ErrInvalidResult", func(t *testing.T) {
		db := h.Open(t)
		if err := db.RecordUpload(ctx, newUpload(geo.KindVillages, "")); err == nil {
			t.Fatal("expected an error for an empty result")
		}
	})

	t.Run("ErrDuplicateAccepted", func(t *testing.T) {
		db := h.Open(t)
		u := newUpload(geo.KindAreas, "viettel")
		u.Result = geo.ResultAccepted
		if err := db.RecordUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		again := *u
		if err := db.RecordUpload(ctx, &again); !errors.Is(err, geo.ErrDuplicateUpload) {
			t.Fatalf("err=%v, want ErrDuplicateUpload", err)
		}
		got, err := db.AcceptedUploadByHash(ctx, u.Carrier, u.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID {
			t.Fatalf("ID=%d, want %d", got.ID, u.ID)
		}
	})
}

func contractUploads(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(1)...) // upload 1: villages, accepted
	mustCommitObservations(t, db, obsAt("V000", "viettel", geo.Tech4G, true, day(1)))
	for _, c := range []struct {
		carrier string
		result  geo.UploadResult
	}{{"viettel", geo.ResultRejected}, {"mobifone", geo.ResultRejected}, {"viettel", geo.ResultDuplicate}} {
		u := newUpload(geo.KindObservations, c.carrier)
		u.Result = c.result
		if err := db.RecordUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name   string
		filter geo.UploadFilter
		want   []int64
	}{
		{"All", geo.UploadFilter{}, []int64{5, 4, 3, 2, 1}},
		{"Limit", geo.UploadFilter{Limit: 2}, []int64{5, 4}},
		{"Carrier", geo.UploadFilter{Carrier: "viettel"}, []int64{5, 3, 2}},
		{"Result", geo.UploadFilter{Result: geo.ResultAccepted}, []int64{2, 1}},
		{"CarrierAndResult", geo.UploadFilter{Carrier: "viettel", Result: geo.ResultRejected}, []int64{3}},
		{"None", geo.UploadFilter{Carrier: "vietnamobile"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ups, err := db.Uploads(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, u := range ups {
				got = append(got, u.ID)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ids=%v, want %v", got, tt.want)
			}
		})
	}
}

func contractPrograms(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	p := geo.DefaultProgram()
	other := geo.Program{ID: "4g-2030", Name: "4G everywhere"} // zero deadline
	for _, prog := range []geo.Program{p, other} {
		if err := db.UpsertProgram(ctx, prog); err != nil {
			t.Fatal(err)
		}
	}
	p.Name, p.PoweredOnly = "renamed", false
	p.LateEntryGrace = 0 // the grace and the overrides are configuration, not stored
	if err := db.UpsertProgram(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := db.Programs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[1].Deadline.Equal(p.Deadline) {
		t.Fatalf("programs=%+v", got)
	}
	got[1].Deadline = p.Deadline
	if want := []geo.Program{other, p}; !reflect.DeepEqual(got, want) {
		t.Fatalf("programs=%+v\nwant     %+v", got, want)
	}
	one, err := db.Program(ctx, "4g-2030")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*one, other) {
		t.Fatalf("program=%+v, want %+v", *one, other)
	}
	if err := db.UpsertProgram(ctx, geo.Program{}); err == nil {
		t.Fatal("expected an error for an empty ID")
	}
}
