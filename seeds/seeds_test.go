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
		"data/observations-mobifone.geojson",
		"data/observations-vietnamobile.geojson",
		"data/observations-viettel.geojson",
		"data/observations-vinaphone.geojson",
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
