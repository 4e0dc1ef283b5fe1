package collector_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

// TestRunner_BackfillPolicyVersions: T-1 has 3G only; the program counts any signal until
// 2025-12-01 and only 4G from then on. The burn-down shows T-1 covered before the change and
// a dead zone from the change on, and the headline names the policy in force.
func TestRunner_BackfillPolicyVersions(t *testing.T) {
	r, clock, db := newRunner(t)
	ctx := context.Background()
	any, only4g := geo.DefaultPolicy(), geo.DefaultPolicy()
	only4g.MinTechnology = geo.Tech4G
	change := time.Date(2025, 12, 1, 0, 0, 0, 0, geo.Vietnam)
	r.Programs[0].Policies = []geo.PolicyVersion{{Policy: any}, {Effective: change, Policy: only4g}}
	r.Figures = db
	f := strings.Replace(obsFile("T-1", true, "2025-10-15"), `"4g"`, `"3g"`, 1)
	if u, err := r.Ingester.Ingest(ctx, collector.File{Name: "3g", Kind: geo.KindObservations, Carrier: "viettel"}, strings.NewReader(f)); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("%v %+v", err, u)
	}
	if err := r.Backfill(ctx); err != nil {
		t.Fatal(err)
	}
	fs, err := db.DailyFigures(ctx, "vls-2024", time.Time{}, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s covered=%d", f.Day.Format(time.DateOnly), f.Counts.Covered))
	}
	want := "[2025-10-01 covered=0 2025-11-01 covered=1 2025-12-01 covered=0 2026-01-01 covered=0 2026-01-10 covered=0]"
	if fmt.Sprint(got) != want {
		t.Errorf("burn-down:\n got %v\nwant %s", got, want)
	}
	s := r.Snapshot().Programs[0]
	if s.Summary.Policy.MinTechnology != geo.Tech4G || !s.Summary.Policy.Effective.Equal(change) {
		t.Errorf("snapshot policy %v, want 4G since %s", s.Summary.Policy, change)
	}
	// T-1 never had signal that counts under today's policy: the bar moved, the network did
	// not, so it is a dead zone but not a regression.
	if len(s.Regressed) != 0 {
		t.Errorf("regressed %v, want none", s.Regressed)
	}
}
