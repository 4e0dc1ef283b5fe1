package collector_test

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// batchCountingStore is the real SQLite store with a hook counting the batches a registry
// import hands it and the largest one.
type batchCountingStore struct {
	*sqlite.DB
	calls, batches, largest, villages, rows int
	carriers                                map[string]int
}

func (s *batchCountingStore) CommitVillageStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Village, error]) error {
	s.calls++
	return s.DB.CommitVillageStream(ctx, u, func(yield func([]geo.Village, error) bool) {
		for b, err := range batches {
			if err == nil {
				s.batches++
				s.largest = max(s.largest, len(b))
				s.villages += len(b)
			}
			if !yield(b, err) {
				return
			}
		}
	})
}

// registryFile is a villages/v1 file of n villages; bad, when ≥ 0, gives feature bad a
// province code that is not two digits.
func registryFile(n, bad int) string {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		prov := "15"
		if i == bad {
			prov = "1"
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":{"type":"Point","coordinates":[%.5f,22.4]},"properties":{"village_id":"V-%05d","name":"Bản %d","commune_code":"02710","province_code":%q,"grid_power":true}}`,
			103.5+float64(i)/10000, i, i, prov)
	}
	b.WriteString("]}")
	return b.String()
}

// TestIngest_VillagesStream guards the registry import's memory without a stopwatch: the
// store receives the villages in bounded batches (never the registry whole), and a file with
// a problem in its last feature reaches the store not at all.
func TestIngest_VillagesStream(t *testing.T) {
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "v.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		t.Fatal(err)
	}
	store := &batchCountingStore{DB: db}
	in := &collector.Ingester{Store: store, DefaultProgram: geo.DefaultProgram().ID}

	const n = 2500
	u, err := in.Ingest(ctx, collector.File{Name: "bad.geojson", Kind: geo.KindVillages, Source: "cli"}, strings.NewReader(registryFile(n, n-1)))
	if err != nil || u.Result != geo.ResultRejected || len(u.Problems) != 1 || u.Problems[0].Feature != n-1 {
		t.Fatalf("bad file: %v %+v, want rejected with one problem in feature %d", err, u, n-1)
	}
	if store.calls != 0 {
		t.Fatalf("a rejected registry reached the store %d times", store.calls)
	}
	if got, _ := db.Villages(ctx, geo.VillageFilter{}); len(got) != 0 {
		t.Fatalf("%d villages stored from a rejected file", len(got))
	}

	u, err = in.Ingest(ctx, collector.File{Name: "good.geojson", Kind: geo.KindVillages, Source: "cli"}, strings.NewReader(registryFile(n, -1)))
	if err != nil || u.Result != geo.ResultAccepted || u.Features != n || u.Inserted != n {
		t.Fatalf("good file: %v %+v, want accepted, %d features, %d inserted", err, u, n, n)
	}
	if store.calls != 1 || store.villages != n || store.batches < 3 || store.largest > 1000 {
		t.Fatalf("store got %d villages in %d batches (largest %d) over %d calls; want %d in batches of at most 1000, one call",
			store.villages, store.batches, store.largest, store.calls, n)
	}
	if len(u.Notes) != 1 || !strings.Contains(u.Notes[0], fmt.Sprintf("%d of %d villages name no program", n, n)) {
		t.Fatalf("notes=%q, want the default-program warning for every village", u.Notes)
	}
	inProgram, err := db.Villages(ctx, geo.VillageFilter{ProgramID: geo.DefaultProgram().ID})
	if err != nil || len(inProgram) != n {
		t.Fatalf("%d villages in the default program (%v), want %d", len(inProgram), err, n)
	}
}

func (s *batchCountingStore) CommitObservationStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Observation, error]) error {
	s.calls++
	return s.DB.CommitObservationStream(ctx, u, func(yield func([]geo.Observation, error) bool) {
		for b, err := range batches {
			if err == nil {
				s.batches++
				s.largest = max(s.largest, len(b))
				s.rows += len(b)
				for i := range b {
					s.carriers[b[i].Carrier]++
				}
			}
			if !yield(b, err) {
				return
			}
		}
	})
}

// observationsFile is an observations/v1 file of n rows over the registryFile villages, its
// top-level "carrier" after the features; dup, when ≥ 0, repeats row 0's key in row dup.
func observationsFile(n, dup int) string {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","covmon_schema":"observations/v1","features":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		v, tech := i%1000, []string{"2g", "3g", "4g"}[i/1000%3]
		if i == dup {
			v, tech = 0, "2g"
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":null,"properties":{"village_id":"V-%05d","technology":%q,"has_signal":%t,"observed_at":"2024-05-0%d"}}`,
			v, tech, i%3 == 0, 1+i/3000)
	}
	b.WriteString(`],"carrier":"viettel"}`)
	return b.String()
}

// TestIngest_ObservationsStream guards an observations upload's memory without a stopwatch:
// the store receives the rows in bounded batches, each completed with the file's carrier
// (named after the features); a duplicate row in the last feature rejects the file before the
// store sees any of it.
func TestIngest_ObservationsStream(t *testing.T) {
	ctx := context.Background()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "o.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.UpsertProgram(ctx, geo.DefaultProgram()); err != nil {
		t.Fatal(err)
	}
	in := &collector.Ingester{Store: db, DefaultProgram: geo.DefaultProgram().ID,
		Now: func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, geo.Vietnam) }}
	if u, err := in.Ingest(ctx, collector.File{Name: "v.geojson", Kind: geo.KindVillages}, strings.NewReader(registryFile(1000, -1))); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry: %v %+v", err, u)
	}
	store := &batchCountingStore{DB: db, carriers: map[string]int{}}
	in.Store = store

	const n = 2600
	u, err := in.Ingest(ctx, collector.File{Name: "dup.geojson", Kind: geo.KindObservations, Source: "cli"}, strings.NewReader(observationsFile(n, n-1)))
	if err != nil || u.Result != geo.ResultRejected || len(u.Problems) != 1 || u.Problems[0].Rule != geo.RuleDuplicateRow || u.Problems[0].Feature != n-1 {
		t.Fatalf("file with a duplicate row: %v %+v, want rejected with one duplicate_row in feature %d", err, u, n-1)
	}
	if store.calls != 0 {
		t.Fatalf("a rejected file reached the store %d times", store.calls)
	}

	u, err = in.Ingest(ctx, collector.File{Name: "obs.geojson", Kind: geo.KindObservations, Source: "cli"}, strings.NewReader(observationsFile(n, -1)))
	if err != nil || u.Result != geo.ResultAccepted || u.Features != n || u.Inserted != n || u.Carrier != "viettel" {
		t.Fatalf("good file: %v %+v, want accepted from viettel, %d features, %d inserted", err, u, n, n)
	}
	if store.calls != 1 || store.rows != n || store.batches != 3 || store.largest > 1000 {
		t.Fatalf("store got %d rows in %d batches (largest %d) over %d calls; want %d in 3 batches of at most 1000, one call",
			store.rows, store.batches, store.largest, store.calls, n)
	}
	if store.carriers["viettel"] != n {
		t.Fatalf("carriers of the rows stored: %v, want all %d viettel (the top-level carrier after the features)", store.carriers, n)
	}
}
