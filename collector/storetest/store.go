package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// now is the fixed clock of every test store (Now).
var now = Now

// contractConcurrent commits from several goroutines while others read; run with -race. Half
// of the writers go through a second handle on the same database, as another process (or
// another covmon instance) would. Every call must succeed: a store serialises or isolates
// its writers itself (SQLite: one writer connection, BEGIN IMMEDIATE and busy_timeout).
func contractConcurrent(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	mustCommitVillages(t, db, testVillages(20)...)
	other := h.Reopen(t, db)
	dbs := []Store{db, other}

	const writers, readers, uploads = 4, 4, 10
	var (
		wg      sync.WaitGroup
		done    = make(chan struct{})
		errs    = make(chan error, writers*uploads+readers)
		written atomic.Int64
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range uploads {
				var obs []geo.Observation
				for v := range 20 {
					obs = append(obs, obsAt(fmt.Sprintf("V%03d", v), "viettel", geo.Tech4G, true,
						now.Add(-time.Duration(w*uploads+i)*time.Hour)))
				}
				u := newUpload(geo.KindObservations, "viettel")
				if err := dbs[w%2].CommitObservations(ctx, u, obs); err != nil {
					errs <- err
					return
				}
				written.Add(int64(u.Inserted))
			}
		}()
	}
	var rwg sync.WaitGroup
	for r := range readers {
		rwg.Add(1)
		db := dbs[r%2]
		go func() {
			defer rwg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := db.LatestObservations(ctx, now, geo.VillageFilter{}); err != nil {
					errs <- err
					return
				}
				if _, err := db.Villages(ctx, geo.VillageFilter{ProvinceCode: "15"}); err != nil {
					errs <- err
					return
				}
				if _, err := db.Uploads(ctx, geo.UploadFilter{Limit: 5}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	rwg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := written.Load(), int64(writers*uploads*20); got != want {
		t.Fatalf("inserted=%d, want %d", got, want)
	}
	ups, err := db.Uploads(ctx, geo.UploadFilter{Carrier: "viettel"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(ups), writers*uploads; got != want {
		t.Fatalf("uploads=%d, want %d", got, want)
	}
}

func contractErrorsAreSentinels(t *testing.T, h *Harness) {
	db := h.Open(t)
	ctx := context.Background()
	if _, err := db.Village(ctx, "nope"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("Village: err=%v, want ErrNotFound", err)
	}
	if _, err := db.Program(ctx, "nope"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("Program: err=%v, want ErrNotFound", err)
	}
	if _, err := db.Upload(ctx, 42); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("Upload: err=%v, want ErrNotFound", err)
	}
	if _, err := db.AcceptedUploadByHash(ctx, "", geo.RoleMinistry, "00"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("AcceptedUploadByHash: err=%v, want ErrNotFound", err)
	}
	if _, err := db.Observations(ctx, "nope"); !errors.Is(err, geo.ErrNotFound) {
		t.Fatalf("Observations: err=%v, want ErrNotFound", err)
	}
}
