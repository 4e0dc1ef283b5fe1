package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// The fixtures below are the contract's, exported so that a store's own tests (its migrations,
// triggers, benchmarks) build the same data instead of keeping copies; the contract's files
// call them by their short names.
var (
	testVillages           = Villages
	mustCommitVillages     = MustCommitVillages
	newUpload              = NewUpload
	obsAt                  = ObsAt
	day                    = Day
	mustCommitObservations = MustCommitObservations
	ledgerHistory          = LedgerHistory
	mustVerify             = MustVerify
)

// Villages returns n villages V000…: even ones in province 15, odd ones in 10; every third
// one in program vls-2024.
func Villages(n int) []geo.Village {
	vs := make([]geo.Village, n)
	for i := range vs {
		v := geo.Village{
			ID:           fmt.Sprintf("V%03d", i),
			Name:         fmt.Sprintf("Bản %d", i),
			CommuneCode:  "02710",
			ProvinceCode: "15",
			ProvinceName: "Lào Cai",
			Center:       orb.Point{103.9 + float64(i)/1000, 22.4},
			GridPower:    true,
			Baseline:     true,
		}
		if i%2 == 1 {
			v.ProvinceCode, v.ProvinceName = "10", "Lai Châu"
		}
		if i%3 == 0 {
			v.Programs = []string{"vls-2024"}
		}
		vs[i] = v
	}
	return vs
}

// MustCommitVillages creates the default program and commits vs in a new upload.
func MustCommitVillages(tb testing.TB, db Store, vs ...geo.Village) *geo.Upload {
	tb.Helper()
	ctx := context.Background()
	if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		tb.Fatal(err)
	}
	u := NewUpload(geo.KindVillages, "")
	u.Features = len(vs)
	if err := db.CommitVillages(ctx, u, vs); err != nil {
		tb.Fatal(err)
	}
	return u
}

var uploadSeq atomic.Int64

// NewUpload returns an upload with a unique SHA-256.
func NewUpload(kind geo.UploadKind, carrier string) *geo.Upload {
	n := uploadSeq.Add(1)
	sum := sha256.Sum256(fmt.Appendf(nil, "upload %d", n))
	return &geo.Upload{
		Kind:     kind,
		Carrier:  carrier,
		FileName: fmt.Sprintf("file-%d.geojson", n),
		Size:     100 + n,
		SHA256:   hex.EncodeToString(sum[:]),
		Source:   "cli",
	}
}

// ObsAt returns a drive-test observation of village by carrier at the given instant.
func ObsAt(village, carrier string, tech geo.Technology, signal bool, at time.Time) geo.Observation {
	return geo.Observation{VillageID: village, Carrier: carrier, Technology: tech,
		HasSignal: signal, ObservedAt: at, Method: "drive_test"}
}

// Day returns midnight of 2024-01-d in Vietnam.
func Day(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, geo.Vietnam) }

// MustCommitObservations commits obs in a new observations upload of viettel.
func MustCommitObservations(tb testing.TB, db Store, obs ...geo.Observation) *geo.Upload {
	tb.Helper()
	u := NewUpload(geo.KindObservations, "viettel")
	u.Features = len(obs)
	if err := db.CommitObservations(context.Background(), u, obs); err != nil {
		tb.Fatal(err)
	}
	return u
}

// LedgerHistory fills db with one of each ledgered record: a program, a registry upload, an
// accepted and a rejected observations upload (the first sent with a token), a token created
// and revoked. It returns the accepted observations upload (effective: Day(2)).
func LedgerHistory(t *testing.T, db Store) *geo.Upload {
	t.Helper()
	ctx := context.Background()
	MustCommitVillages(t, db, Villages(2)...)
	tok := &geo.Token{Name: "viettel", Role: geo.RoleCarrier, Carrier: "viettel", SecretHash: strings.Repeat("ab", 32), CreatedAt: now}
	if err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	u := NewUpload(geo.KindObservations, "viettel")
	u.TokenID = tok.ID
	u.Features = 1
	u.Effective = Day(2) // the instant it speaks as of, as the ingest sets it: its newest observed_at
	if err := db.CommitObservations(ctx, u, []geo.Observation{ObsAt("V000", "viettel", geo.Tech4G, true, Day(2))}); err != nil {
		t.Fatal(err)
	}
	r := NewUpload(geo.KindObservations, "viettel")
	r.Result = geo.ResultRejected
	r.Problems = []geo.Problem{{File: r.FileName, Feature: 0, Field: "observed_at", Rule: "time_unparsable", Reason: "not a date"}}
	if err := db.RecordUpload(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeToken(ctx, tok.ID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return u
}

// MustVerify verifies db's ledger and returns the report.
func MustVerify(t *testing.T, db Store) *geo.LedgerReport {
	t.Helper()
	rep, err := db.VerifyLedger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
