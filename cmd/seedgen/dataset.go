package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/covmon/covmon/geo"
)

// defaultSeed makes the committed seed files; any other seed tells the same story with other
// villages and dates.
const defaultSeed = 20220801

// dataset is everything the generator makes, as covmon's domain values.
type dataset struct {
	Villages []geo.Village
	// Records is indexed like geo.DefaultCarriers.
	Records [4][]record
	// Assignments are the responsible carriers (program vls-2024).
	Assignments []geo.Assignment
	// Plans are the carriers' plans for some open villages (plans/v1).
	Plans []geo.Plan
	// Inspections are independent measurements of the carriers' claims (inspect).
	Inspections []record
}

// generate builds the dataset for seed. The same seed always gives the same dataset.
func generate(seed uint64) *dataset {
	rng := rand.New(rand.NewPCG(seed, 0x636f766d6f6e)) // stream "covmon"
	villages := registry(rng)
	plans := story(rng, villages)
	d := &dataset{Villages: villages, Records: observe(rng, villages, plans), Assignments: assign(villages)}
	d.Plans = makePlans(d)
	d.Inspections = d.inspect()
	return d
}

// file is one seed file's name and contents.
type file struct {
	Name string
	Data []byte
}

// files encodes the dataset: villages.geojson and one observations-<carrier>.geojson per
// carrier.
func (d *dataset) files() ([]file, error) {
	b, err := encodeVillages(d.Villages)
	if err != nil {
		return nil, fmt.Errorf("encode villages: %w", err)
	}
	out := []file{{"villages.geojson", b}}
	ab, err := encodeAssignments(d.Assignments)
	if err != nil {
		return nil, fmt.Errorf("encode assignments: %w", err)
	}
	out = append(out, file{"assignments.geojson", ab})
	pb, err := encodePlans(d.Plans)
	if err != nil {
		return nil, fmt.Errorf("encode plans: %w", err)
	}
	out = append(out, file{"plans.geojson", pb})
	for c, carrier := range geo.DefaultCarriers {
		b, err := encodeObservations(carrier, d.Records[c])
		if err != nil {
			return nil, fmt.Errorf("encode %s observations: %w", carrier, err)
		}
		out = append(out, file{"observations-" + carrier + ".geojson", b})
	}
	ib, err := encodeInspections(d.Inspections)
	if err != nil {
		return nil, fmt.Errorf("encode inspections: %w", err)
	}
	out = append(out, file{"inspections.geojson", ib})
	return out, nil
}

// write writes the files into dir, creating it if needed.
func write(dir string, files []file) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return fmt.Errorf("write seed file: %w", err)
		}
	}
	return nil
}

// history is every village's observations, each village's sorted by day, for evaluating the
// dataset at any instant the way covmon would.
type history map[string][]geo.Observation

func (d *dataset) history() history {
	h := history{}
	for c := range d.Records {
		for _, r := range d.Records[c] {
			h[r.VillageID] = append(h[r.VillageID], r.Observation)
		}
	}
	for _, obs := range h {
		slices.SortStableFunc(obs, func(a, b geo.Observation) int { return a.ObservedAt.Compare(b.ObservedAt) })
	}
	return h
}

// latest returns, per village, the latest observation of each carrier × technology observed
// at or before asOf: the input geo.Evaluate expects.
func (h history) latest(asOf time.Time) map[string][]geo.Observation {
	out := make(map[string][]geo.Observation, len(h))
	for id, obs := range h {
		idx := map[geo.ObservationKey]int{}
		var last []geo.Observation
		for _, o := range obs {
			if o.ObservedAt.After(asOf) {
				break
			}
			if i, ok := idx[o.Key()]; ok {
				last[i] = o
				continue
			}
			idx[o.Key()] = len(last)
			last = append(last, o)
		}
		if len(last) > 0 {
			out[id] = last
		}
	}
	return out
}
