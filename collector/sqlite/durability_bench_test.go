package sqlite_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// BenchmarkUploadCommitSynchronous commits one upload per iteration (a new file of n
// observations, as an accepted upload is stored) with the writer's synchronous=NORMAL and
// =FULL, on the test's temporary directory: the price of an fsync per upload commit.
// docs/security.md records the numbers and the decision.
func BenchmarkUploadCommitSynchronous(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		for _, rows := range []int{1, 1000} {
			b.Run(mode+"/rows="+strconv.Itoa(rows), func(b *testing.B) {
				db := sqlite.NewDB(filepath.Join(b.TempDir(), "covmon.db"))
				db.Synchronous = mode
				if err := db.Open(context.Background()); err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				vs := benchVillages(1000)
				mustCommitVillages(b, db, vs...)
				ctx := context.Background()
				base := time.Date(2020, 1, 1, 0, 0, 0, 0, geo.Vietnam)
				obs := make([]geo.Observation, rows)
				iter := 0
				for b.Loop() {
					for k := range obs {
						obs[k] = geo.Observation{VillageID: vs[k%len(vs)].ID, Carrier: "viettel", Technology: geo.Tech4G,
							HasSignal: k%3 != 0, ObservedAt: base.Add(time.Duration(iter*rows+k) * time.Second), Method: "drive_test"}
					}
					iter++
					u := newUpload(geo.KindObservations, "viettel")
					if err := db.CommitObservations(ctx, u, obs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
