package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// committed is where the generated seed files are committed.
const committed = "../../seeds/data"

// TestRun_Reproducible regenerates the seeds and compares them byte for byte with the
// committed ones, so the committed data never drifts from the generator. Fix a failure with
// `go generate ./seeds`.
func TestRun_Reproducible(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-out", dir}, io.Discard); err != nil {
		t.Fatal(err)
	}
	gotNames, _ := filepath.Glob(filepath.Join(dir, "*.geojson"))
	wantNames, _ := filepath.Glob(filepath.Join(committed, "*.geojson"))
	if got, want := len(gotNames), len(wantNames); got != want {
		t.Fatalf("generated %d files, %d committed", got, want)
	}
	for i := range wantNames {
		got, err := os.ReadFile(gotNames[i])
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(wantNames[i])
		if err != nil {
			t.Fatal(err)
		}
		if name := filepath.Base(wantNames[i]); !bytes.Equal(got, want) {
			t.Errorf("%s differs from the committed file (%d bytes, want %d): run go generate ./seeds", name, len(got), len(want))
		}
	}
}

// TestStory checks the headline figures of the committed story.
func TestStory(t *testing.T) {
	f, err := check(generate(defaultSeed))
	if err != nil {
		t.Fatal(err)
	}
	r := f.Report.Counts
	if got, want := r.Baseline, 832; got != want {
		t.Errorf("Baseline=%d, want %d", got, want)
	}
	if got, want := r.BaselineCovered, 477; got != want {
		t.Errorf("BaselineCovered on 2022-08-01=%d, want %d", got, want)
	}
	// Every dead zone and every powered never-reported village is overdue at the end.
	if e := f.End.Counts; e.Overdue != e.DeadZone+e.PoweredNoData || e.OverdueNeverReported != e.PoweredNoData {
		t.Errorf("Overdue at the end=%d (never reported %d), want every dead zone (%d) and powered no-data village (%d)",
			e.Overdue, e.OverdueNeverReported, e.DeadZone, e.PoweredNoData)
	}
}

// TestStory_Seeds checks that the story holds by construction, whatever the seed.
func TestStory_Seeds(t *testing.T) {
	for _, seed := range []uint64{1, 2, 42, 1 << 40} {
		if _, err := check(generate(seed)); err != nil {
			t.Errorf("seed %d: %v", seed, err)
		}
	}
}

func TestRun_Help(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err=%v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"SYNTHETIC DEMO DATA", "-out", "-seed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}

func TestHistory_Latest(t *testing.T) {
	obs := func(carrier string, tech geo.Technology, day int, signal bool) geo.Observation {
		return geo.Observation{VillageID: "V", Carrier: carrier, Technology: tech, HasSignal: signal, ObservedAt: date(2023, 1, day)}
	}
	h := history{"V": {
		obs("viettel", geo.Tech4G, 1, false),
		obs("mobifone", geo.Tech3G, 2, true),
		obs("viettel", geo.Tech4G, 3, true),
		obs("viettel", geo.Tech2G, 4, true),
		obs("viettel", geo.Tech4G, 5, false),
	}}
	for _, tt := range []struct {
		name string
		asOf time.Time
		want []geo.Observation
	}{
		{"Before", date(2022, 12, 31), nil},
		{"OnTheDay", date(2023, 1, 1), []geo.Observation{obs("viettel", geo.Tech4G, 1, false)}},
		{"Middle", date(2023, 1, 3), []geo.Observation{obs("viettel", geo.Tech4G, 3, true), obs("mobifone", geo.Tech3G, 2, true)}},
		{"After", date(2024, 1, 1), []geo.Observation{obs("viettel", geo.Tech4G, 5, false), obs("mobifone", geo.Tech3G, 2, true), obs("viettel", geo.Tech2G, 4, true)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := h.latest(tt.asOf)["V"]
			if len(got) != len(tt.want) {
				t.Fatalf("latest=%v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i].Key() != tt.want[i].Key() || !got[i].ObservedAt.Equal(tt.want[i].ObservedAt) {
					t.Errorf("latest[%d]=%v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestCheck_Broken checks that check refuses data that breaks the story or the format.
func TestCheck_Broken(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(d *dataset)
		want   string
	}{
		{"NoViettel", func(d *dataset) { d.Records[0] = nil }, "want 477"},
		{"DuplicateRow", func(d *dataset) { d.Records[1] = append(d.Records[1], d.Records[1][0]) }, "duplicate row"},
		{"TooLate", func(d *dataset) { d.Records[2][0].ObservedAt = dayEnd }, "outside 2021-01-01..2026-10-31"},
		{"Outside", func(d *dataset) { d.Villages[0].Center[1] += 5 }, "outside its province"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := generate(defaultSeed)
			tt.mutate(d)
			_, err := check(d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err=%v, want one containing %q", err, tt.want)
			}
		})
	}
}
