package format_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

var update = flag.Bool("update", false, "rewrite the golden testdata/*_out.json files")

// goldenNow is the upload time of every golden case.
var goldenNow = time.Date(2026, 11, 23, 12, 0, 0, 0, geo.Vietnam)

// goldenOptions returns the options golden cases decode with: the registry is
// testdata/valid-villages.geojson.
func goldenOptions(t *testing.T, file string) format.Options {
	t.Helper()
	known := map[string]bool{}
	for _, v := range mustDecodeVillages(t, "testdata/valid-villages.geojson") {
		known[v.ID] = true
	}
	return format.Options{
		File:         file,
		Now:          goldenNow,
		KnownVillage: func(id string) bool { return known[id] },
	}
}

func mustDecodeVillages(t *testing.T, path string) []geo.Village {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vs, err := format.DecodeVillages(f, format.Options{File: filepath.Base(path)})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// goldenResult is what a case's _out.json holds: the decoded values of a valid file, or the
// problems of an invalid one.
type goldenResult struct {
	Villages     []geo.Village     `json:"villages,omitempty"`
	Observations []geo.Observation `json:"observations,omitempty"`
	Problems     []geo.Problem     `json:"problems,omitempty"`
	Truncated    bool              `json:"truncated,omitempty"`
}

// TestDecode_Golden decodes every testdata/{valid,invalid}-{villages,observations}*.geojson and
// compares the result with testdata/<case>_out.json. Run with -update to rewrite them.
func TestDecode_Golden(t *testing.T) {
	var paths []string
	for _, pattern := range []string{"*-villages*.geojson", "*-observations*.geojson"} {
		m, err := filepath.Glob(filepath.Join("testdata", pattern))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Fatal("no golden cases")
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".geojson")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			opt := goldenOptions(t, filepath.Base(path))
			var res goldenResult
			switch {
			case strings.Contains(name, "villages"):
				res.Villages, err = format.DecodeVillages(bytes.NewReader(in), opt)
			case strings.Contains(name, "observations"):
				res.Observations, err = format.DecodeObservations(bytes.NewReader(in), opt)
			default:
				t.Fatalf("case %s names neither villages nor observations", name)
			}
			var ve *geo.ValidationError
			switch {
			case errors.As(err, &ve):
				res.Problems, res.Truncated = ve.Problems, ve.Truncated
			case err != nil:
				t.Fatal(err)
			}
			if got, want := err == nil, strings.HasPrefix(name, "valid-"); got != want {
				t.Fatalf("valid=%v, want %v (err=%v)", got, want, err)
			}
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			out := filepath.Join("testdata", name+"_out.json")
			if *update {
				if err := os.WriteFile(out, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("%v (run go test -run TestDecode_Golden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the decoder's output:\n%s", out, got)
			}
		})
	}
}
