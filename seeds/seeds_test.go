package seeds_test

import (
	"bytes"
	"io/fs"
	"testing"

	"github.com/covmon/covmon/seeds"
)

func TestFS(t *testing.T) {
	names, err := fs.Glob(seeds.FS, "data/*.geojson")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"data/assignments.geojson",
		"data/inspections.geojson",
		"data/observations-mobifone.geojson",
		"data/observations-vietnamobile.geojson",
		"data/observations-viettel.geojson",
		"data/observations-vinaphone.geojson",
		"data/plans.geojson",
		seeds.Villages,
	}
	if got := len(names); got != len(want) {
		t.Fatalf("files=%v, want %v", names, want)
	}
	for i := range want {
		if got := names[i]; got != want[i] {
			t.Errorf("file %d=%s, want %s", i, got, want[i])
		}
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			b, err := fs.ReadFile(seeds.FS, n)
			if err != nil {
				t.Fatal(err)
			}
			// The notice sits in the first line, before any feature.
			first, _, _ := bytes.Cut(b, []byte("\n"))
			if !bytes.Contains(first, []byte(`"notice":"`+seeds.Notice+`"`)) {
				t.Errorf("first line %.120s… lacks the notice", first)
			}
		})
	}
}

func TestCrosswalkFiles(t *testing.T) {
	b, err := fs.ReadFile(seeds.FS, seeds.CommuneCrosswalk)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("# SYNTHETIC DEMO DATA")) {
		t.Errorf("%s does not start with the synthetic-data notice", seeds.CommuneCrosswalk)
	}
	b, err = fs.ReadFile(seeds.FS, seeds.ProvinceCrosswalk)
	if err != nil {
		t.Fatal(err)
	}
	// 63 old provinces on 2025-07-01 onto 34 new ones, plus Huế's change of 2025-01-01.
	old, nu := map[string]bool{}, map[string]bool{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := bytes.Split(line, []byte(","))
		if len(f) < 6 || string(f[1]) != "2025-07-01" {
			continue
		}
		old[string(f[2])], nu[string(f[4])] = true, true
	}
	if len(old) != 63 || len(nu) != 34 {
		t.Errorf("2025-07-01: %d old and %d new provinces, want 63 and 34", len(old), len(nu))
	}
}
