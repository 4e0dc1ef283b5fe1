package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
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
		got, err := db.AcceptedUploadByHash(ctx, u.Carrier, u.Role, u.SHA256)
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
		role    string
	}{{"viettel", geo.ResultRejected, geo.RoleCarrier}, {"mobifone", geo.ResultRejected, geo.RoleCarrier}, {"viettel", geo.ResultDuplicate, geo.RoleCarrier},
		{"viettel", geo.ResultRejected, geo.RoleInspector}} {
		u := newUpload(geo.KindObservations, c.carrier)
		u.Result, u.Role = c.result, c.role
		if err := db.RecordUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name   string
		filter geo.UploadFilter
		want   []int64
	}{
		{"All", geo.UploadFilter{}, []int64{6, 5, 4, 3, 2, 1}},
		{"Limit", geo.UploadFilter{Limit: 2}, []int64{6, 5}},
		{"Carrier", geo.UploadFilter{Carrier: "viettel"}, []int64{6, 5, 3, 2}},
		{"Result", geo.UploadFilter{Result: geo.ResultAccepted}, []int64{2, 1}},
		{"CarrierAndResult", geo.UploadFilter{Carrier: "viettel", Result: geo.ResultRejected}, []int64{6, 3}},
		// A carrier's own uploads: not the inspection that names it (upload 6).
		{"CarrierAndRole", geo.UploadFilter{Carrier: "viettel", Role: geo.RoleCarrier}, []int64{5, 3, 2}},
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

// contractDuplicateKeyRole: duplicates are judged by carrier, the role the file was sent in and
// its bytes. A carrier that uploads the exact bytes of an inspector's measurement file first,
// as its own claims, does not swallow the inspection: both uploads are accepted and both sets
// of rows stored, and the inspection judges the carrier's claims; the reverse likewise (a
// carrier's file byte-identical to an earlier inspection is its claim, stored). The same
// bytes in the same role twice are still one upload.
func contractDuplicateKeyRole(t *testing.T, h *Harness) {
	ctx := context.Background()
	pol := geo.DefaultPolicy()
	const maxAge = 365 * 24 * time.Hour
	// send commits u's rows as their role says; it returns the upload as stored, or the
	// duplicate error.
	send := func(db Store, role, sum string, obs ...geo.Observation) (*geo.Upload, error) {
		u := NewUpload(geo.KindObservations, "viettel")
		u.SHA256, u.Role, u.Features = sum, role, len(obs)
		if role == geo.RoleInspector {
			obs = slices.Clone(obs)
			for i := range obs {
				obs[i].Source, obs[i].Inspector = geo.SourceIndependent, "Sở TT&TT Lào Cai"
			}
		}
		err := db.CommitObservations(ctx, u, obs)
		return u, err
	}
	flags := func(db Store, village string) []geo.Discrepancy {
		t.Helper()
		asOf := day(30)
		f := geo.VillageFilter{IDs: []string{village}}
		claims, err := db.LatestObservations(ctx, asOf, f)
		if err != nil {
			t.Fatal(err)
		}
		measured, err := db.LatestMeasurements(ctx, asOf, f)
		if err != nil {
			t.Fatal(err)
		}
		return geo.FindDiscrepancies(claims[village], measured[village], &pol, maxAge, asOf)
	}
	// The inspection file F: V000 dark on viettel 4G on day 3, V001 lit (it confirms).
	inspection := []geo.Observation{
		obsAt("V000", "viettel", geo.Tech4G, false, day(3)),
		obsAt("V001", "viettel", geo.Tech4G, true, day(3)),
	}
	const F = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"

	t.Run("CarrierFirst", func(t *testing.T) {
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(2)...)
		// The carrier claims both villages covered on day 1, then uploads F's bytes as its
		// own claims before the inspector does.
		mustCommitObservations(t, db, obsAt("V000", "viettel", geo.Tech4G, true, day(1)), obsAt("V001", "viettel", geo.Tech4G, true, day(1)))
		c, err := send(db, geo.RoleCarrier, F, inspection...)
		if err != nil {
			t.Fatal(err)
		}
		i, err := send(db, geo.RoleInspector, F, inspection...)
		if err != nil {
			t.Fatalf("the inspection with the carrier's bytes: %v, want accepted", err)
		}
		if i.ID == c.ID || i.Result != geo.ResultAccepted || i.Inserted != 2 || i.Role != geo.RoleInspector {
			t.Fatalf("inspection %+v, want a second accepted upload of 2 rows in the inspector role (carrier's is %d)", i, c.ID)
		}
		for _, u := range []*geo.Upload{c, i} {
			got, err := db.AcceptedUploadByHash(ctx, "viettel", u.Role, F)
			if err != nil || got.ID != u.ID || got.Role != u.Role {
				t.Fatalf("AcceptedUploadByHash(viettel, %s): %+v %v, want upload %d", u.Role, got, err, u.ID)
			}
		}
		// Both sets of rows are stored: the carrier's claims and the measurements.
		hist, err := db.Observations(ctx, "V000")
		if err != nil {
			t.Fatal(err)
		}
		var roles []string
		for _, o := range hist {
			roles = append(roles, fmt.Sprintf("%s/%s/%d", o.ObservedAt.Format(time.DateOnly), o.Source, o.UploadID))
		}
		if len(hist) != 3 || hist[1].Independent() || hist[1].UploadID != c.ID || !hist[2].Independent() || hist[2].UploadID != i.ID {
			t.Fatalf("V000 history %v, want the day-1 claim, the carrier's copy of F (upload %d), the measurement (upload %d)", roles, c.ID, i.ID)
		}
		measured, err := db.LatestMeasurements(ctx, day(30), geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"V000", "V001"} {
			if ms := measured[v]; len(ms) != 1 || ms[0].UploadID != i.ID || ms[0].ClaimInForce == nil || ms[0].ClaimInForce.UploadID != c.ID {
				t.Fatalf("%s measurements %+v, want the inspection (upload %d) judging the carrier's copy (upload %d)", v, ms, i.ID, c.ID)
			}
		}
		// The carrier's copy claims what was measured (V000 dark): a concession, so no flag
		// for it; the village counts as dark by the carrier's own claim.
		if d := flags(db, "V000"); len(d) != 0 {
			t.Fatalf("V000 flags %+v, want none: the carrier conceded", d)
		}
		// The same bytes in the same role again: one upload each.
		for _, u := range []*geo.Upload{c, i} {
			again, err := send(db, u.Role, F, inspection...)
			if !errors.Is(err, geo.ErrDuplicateUpload) || again.DuplicateOf != u.ID {
				t.Fatalf("%s again: %v duplicate_of %d, want ErrDuplicateUpload of %d", u.Role, err, again.DuplicateOf, u.ID)
			}
		}
		if n := h.QueryInt(t, db, `SELECT count(*) FROM observations WHERE village_id = 'V000'`); n != 3 {
			t.Fatalf("V000 rows %d after the duplicates, want 3", n)
		}
		// The upload figures keep the roles apart: the inspection names viettel, but it is no
		// report of viettel's (a carrier's data freshness counts its own uploads only).
		stats, err := db.UploadStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, s := range stats {
			got[s.Carrier+"/"+s.Role+"/"+string(s.Result)] = s.Count
		}
		if want := map[string]int{"/ministry/accepted": 1, "viettel/carrier/accepted": 2,
			"viettel/inspector/accepted": 1}; !maps.Equal(got, want) {
			t.Fatalf("UploadStats %v, want %v", got, want)
		}
	})

	t.Run("InspectorFirst", func(t *testing.T) {
		db := h.Open(t)
		mustCommitVillages(t, db, testVillages(2)...)
		mustCommitObservations(t, db, obsAt("V000", "viettel", geo.Tech4G, true, day(1)))
		i, err := send(db, geo.RoleInspector, F, inspection...)
		if err != nil {
			t.Fatal(err)
		}
		// The inspection contradicts the day-1 claim: flagged.
		d := flags(db, "V000")
		if len(d) != 1 || d[0].Kind != geo.Overstated || d[0].Measurement.UploadID != i.ID {
			t.Fatalf("V000 flags %+v, want overstated by upload %d", d, i.ID)
		}
		// The carrier's file with the inspection's exact bytes is its claim: stored, not
		// recorded as a duplicate of the inspection. It concedes the measured dark.
		c, err := send(db, geo.RoleCarrier, F, inspection...)
		if err != nil {
			t.Fatalf("the carrier's claims with the inspection's bytes: %v, want accepted", err)
		}
		if c.ID == i.ID || c.Inserted != 2 {
			t.Fatalf("carrier's upload %+v, want a second accepted upload of 2 rows", c)
		}
		claims, err := db.LatestObservations(ctx, day(30), geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := claims["V000"]; len(got) != 1 || got[0].HasSignal || got[0].UploadID != c.ID {
			t.Fatalf("V000 latest claim %+v, want the carrier's copy (upload %d), dark", got, c.ID)
		}
		if d := flags(db, "V000"); len(d) != 0 {
			t.Fatalf("V000 flags %+v after the carrier's concession, want none", d)
		}
	})

	// The registry's key is the ministry's: the same registry bytes twice are one upload.
	t.Run("MinistrySameBytes", func(t *testing.T) {
		db := h.Open(t)
		u := NewUpload(geo.KindVillages, "")
		u.Result = geo.ResultAccepted
		if err := db.RecordUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		if u.Role != geo.RoleMinistry {
			t.Fatalf("registry upload role %q, want ministry", u.Role)
		}
		again := *u
		again.ID = 0
		if err := db.RecordUpload(ctx, &again); !errors.Is(err, geo.ErrDuplicateUpload) {
			t.Fatalf("err=%v, want ErrDuplicateUpload", err)
		}
	})
}

// contractUploadStats_LastReport: the upload figures say, per carrier, role and result, the
// newest instant the accepted observations and areas uploads report (their Effective: the
// newest observed_at the ingest found), not when they arrived. A re-sent old file (new bytes,
// no new row, the old instant) moves the receipt, not the report; an upload recorded before
// covmon kept the instant counts from its receipt; the registry, rejected uploads and an
// inspector's measurements of the carrier are apart (docs/alerts.md).
func contractUploadStats_LastReport(t *testing.T, h *Harness) {
	ctx := context.Background()
	db := h.Open(t)
	mustCommitVillages(t, db, testVillages(2)...)
	commit := func(kind geo.UploadKind, carrier, role string, received, reports time.Time, obs ...geo.Observation) *geo.Upload {
		t.Helper()
		u := NewUpload(kind, carrier)
		u.Role, u.ReceivedAt, u.Effective, u.Features = role, received, reports, len(obs)
		var err error
		if kind == geo.KindAreas {
			err = db.CommitChangedObservations(ctx, u, func(yield func([]geo.Observation) bool) { yield(obs) })
		} else {
			err = db.CommitObservations(ctx, u, obs)
		}
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	// viettel reports day 9 on day 10, then re-sends it (other bytes) on day 20: no new row.
	commit(geo.KindObservations, "viettel", geo.RoleCarrier, day(10), day(9), obsAt("V000", "viettel", geo.Tech4G, true, day(9)))
	resent := commit(geo.KindObservations, "viettel", geo.RoleCarrier, day(20), day(9), obsAt("V000", "viettel", geo.Tech4G, true, day(9)))
	if resent.Inserted != 0 {
		t.Fatalf("the re-sent file stored %d rows, want 0", resent.Inserted)
	}
	// An inspector measures viettel on day 15; mobifone's upload of day 7 predates the
	// instant's keeping (Effective zero: it counts from its receipt); vinaphone's coverage
	// layer of day 12 arrives on day 13.
	commit(geo.KindObservations, "viettel", geo.RoleInspector, day(16), day(15),
		geo.Observation{VillageID: "V001", Carrier: "viettel", Technology: geo.Tech4G, ObservedAt: day(15), Method: "drive_test",
			Source: geo.SourceIndependent, Inspector: "Sở TT&TT Lào Cai"})
	commit(geo.KindObservations, "mobifone", geo.RoleCarrier, day(7), time.Time{}, obsAt("V000", "mobifone", geo.Tech4G, true, day(6)))
	commit(geo.KindAreas, "vinaphone", geo.RoleCarrier, day(13), day(12), obsAt("V000", "vinaphone", geo.Tech4G, true, day(12)), obsAt("V001", "vinaphone", geo.Tech4G, true, day(12)))
	// A rejected file of viettel's naming day 25 reports nothing.
	rej := NewUpload(geo.KindObservations, "viettel")
	rej.Result, rej.ReceivedAt, rej.Effective = geo.ResultRejected, day(26), day(25)
	rej.Problems = []geo.Problem{{File: rej.FileName, Feature: 0, Rule: "unknown_village", Reason: "x"}}
	if err := db.RecordUpload(ctx, rej); err != nil {
		t.Fatal(err)
	}

	stats, err := db.UploadStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ymd := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.DateOnly)
	}
	got := map[string]string{}
	for _, s := range stats {
		got[s.Carrier+"/"+s.Role+"/"+string(s.Result)] = fmt.Sprintf("%d last %s report %s", s.Count, ymd(s.LastAt), ymd(s.LastReport))
	}
	want := map[string]string{
		"/ministry/accepted":         "1 last " + ymd(stats[0].LastAt) + " report -",
		"viettel/carrier/accepted":   "2 last 2024-01-20 report 2024-01-09",
		"viettel/inspector/accepted": "1 last 2024-01-16 report 2024-01-15",
		"viettel/carrier/rejected":   "1 last 2024-01-26 report -",
		"mobifone/carrier/accepted":  "1 last 2024-01-07 report 2024-01-07",
		"vinaphone/carrier/accepted": "1 last 2024-01-13 report 2024-01-12",
	}
	if !maps.Equal(got, want) {
		t.Fatalf("UploadStats\n got %v\nwant %v", got, want)
	}
}
