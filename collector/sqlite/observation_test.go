package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

func ptr(f float64) *float64 { return &f }

func obsAt(village, carrier string, tech geo.Technology, signal bool, at time.Time) geo.Observation {
	return geo.Observation{VillageID: village, Carrier: carrier, Technology: tech,
		HasSignal: signal, ObservedAt: at, Method: "drive_test"}
}

// day returns midnight of 2024-01-d in Vietnam.
func day(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, geo.Vietnam) }

func mustCommitObservations(tb testing.TB, db *sqlite.DB, obs ...geo.Observation) *geo.Upload {
	tb.Helper()
	u := newUpload(geo.KindObservations, "viettel")
	u.Features = len(obs)
	if err := db.CommitObservations(context.Background(), u, obs); err != nil {
		tb.Fatal(err)
	}
	return u
}
